/*
 * Grant tables, version 1 (DESIGN §7).  A domain's grant table is a set of
 * hv pages shared with it (grant_entry_v1_t entries it writes to offer its
 * frames to another domain), the active state hv keeps per entry (how
 * often it is mapped, and for whom), and the domain's maptrack: the grants
 * of others it has mapped, by handle.  Everything here runs under the page
 * lock (pv_mm_lock), which also covers frame counts and page tables.
 */
#ifndef HV_GRANT_TABLE_H
#define HV_GRANT_TABLE_H
#include <hv/types.h>

struct domain;

/* Xen's boot defaults: frames of a grant table and of a maptrack. */
#define GRANT_FRAMES_DEFAULT    64
#define MAPTRACK_FRAMES_DEFAULT 1024

/* A new domain's table (one shared frame, as Xen's INITIAL_NR_GRANT_FRAMES). */
int grant_table_init(struct domain *d);
/* destroydomain: d's mappings of others' grants are let go (their pins dropped). */
void grant_table_release_mappings(struct domain *d);
/* destroydomain: hv's reference on each shared frame; a frame mapped elsewhere stays. */
void grant_table_release_frames(struct domain *d);
/* Are all of a dead domain's shared frames freed? */
bool grant_table_frames_gone(const struct domain *d);
/* A frame of d's whose last reference went: true if it was a shared grant frame (now freed). */
bool grant_table_free_frame(struct domain *d, uint64_t mfn);
/* The domain struct goes: what is left of its table. */
void grant_table_free(struct domain *d);

/*
 * XENMEM_acquire_resource's grant-table frames: frames [first, first + n)
 * of d's shared table (grown to reach them) into mfns.  0 or -errno.
 */
int grant_table_acquire(struct domain *d, unsigned int first, unsigned int n, uint64_t *mfns);
/* The most frames acquire_resource may ask of d's table. */
unsigned int grant_table_max_frames(const struct domain *d);

long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count);

/*
 * Arch hooks (the page lock held).  A host mapping of frame mfn at addr
 * (a linear address in v's current page tables, or with
 * GNTMAP_contains_pte the machine address of the entry): the references
 * the entry holds were taken by the caller; whatever it mapped before is
 * let go.  Removing one: the entry must map mfn with the map's presence
 * and writability; with new_addr, the entry there moves to addr and
 * new_addr is cleared.  GNTST_okay or GNTST_general_error.
 */
struct vcpu;
int arch_grant_create_host_mapping(struct vcpu *v, uint64_t addr, uint64_t mfn, unsigned int flags);
int arch_grant_replace_host_mapping(struct vcpu *v, uint64_t addr, uint64_t mfn, unsigned int flags,
                                    uint64_t new_addr);
/* The domain's TLBs lose every mapping removed (before the frames may go). */
void arch_grant_flush(struct domain *d);
#endif
