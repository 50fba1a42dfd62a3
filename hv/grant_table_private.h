/*
 * What hv/grant_table.c, grant_map.c and grant_copy.c share: the table's
 * layout, the active state of each entry, the maptrack, and the two steps
 * every use of a grant goes through — claiming the entry (Xen's
 * _set_status_v1: checks, then GTF_reading/GTF_writing set in the
 * granter's entry) and giving it back (reduce_status_for_pin).  All of it
 * is used with the page lock held.
 */
#ifndef HV_GRANT_TABLE_PRIVATE_H
#define HV_GRANT_TABLE_PRIVATE_H
#include <hv/grant_table.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <xen-abi.h>

#define GRANT_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))
#define MAPTRACK_PER_FRAME      256 /* Xen's 16 bytes each: 256 handles to a frame */
#define MAPTRACK_TAIL           UINT32_MAX

/* Pin counts of an active entry, 8 bits each, as Xen's GNTPIN_*. */
#define PIN_HOST_WRITE   (1u << 0)
#define PIN_HOST_READ    (1u << 8)
#define PIN_DEVICE_WRITE (1u << 16)
#define PIN_DEVICE_READ  (1u << 24)
#define PIN_WRITERS      (0xffu * PIN_HOST_WRITE | 0xffu * PIN_DEVICE_WRITE)

struct active_grant {
    uint32_t pin;   /* PIN_* counts; 0 = not in use */
    uint16_t domid; /* whom it is pinned for */
    uint64_t mfn;   /* the frame, fixed while pinned */
};

/* One mapping of another domain's grant; a free one links the free list. */
struct grant_mapping {
    uint32_t ref;         /* the grant; when free, the next free handle */
    uint16_t flags;       /* GNTMAP_* still held; 0 when free */
    uint16_t domid;       /* the granter */
    uint64_t granter_uid; /* ... and which domain of that id (ids are reused) */
};

struct grant_table {
    unsigned int nr_frames; /* shared frames so far (never shrinks) */
    void *shared[GRANT_FRAMES_DEFAULT];
    struct active_grant *active[GRANT_FRAMES_DEFAULT];
    unsigned int nr_maptrack_frames;
    struct grant_mapping *maptrack[MAPTRACK_FRAMES_DEFAULT];
    uint32_t maptrack_head, maptrack_tail;
};

static inline unsigned int grant_nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * GRANT_ENTRIES_PER_FRAME;
}

static inline struct active_grant *grant_active(struct grant_table *gt, uint32_t ref)
{
    return &gt->active[ref / GRANT_ENTRIES_PER_FRAME][ref % GRANT_ENTRIES_PER_FRAME];
}

/* The granter's entry; NULL once a dead domain's frame holding it is freed. */
static inline grant_entry_v1_t *grant_shared_entry(struct grant_table *gt, uint32_t ref)
{
    grant_entry_v1_t *frame = gt->shared[ref / GRANT_ENTRIES_PER_FRAME];
    return frame ? &frame[ref % GRANT_ENTRIES_PER_FRAME] : NULL;
}

/* Takes one `kind` (PIN_*) off an active entry; false, changing nothing, if it has none. */
static inline bool grant_unpin(struct active_grant *act, uint32_t kind)
{
    if (!((act->pin / kind) & 0xff))
        return false;
    act->pin -= kind;
    return true;
}

/*
 * After `done` of `count` elements of `size` bytes at uop: true (with the
 * continuation's arguments set) if the call should stop here and be
 * issued again for the rest — every GRANT_OPS_PER_CALL elements, so that
 * no guest holds a CPU and the page lock for long (Xen checks for pending
 * work every 32 or so).
 */
#define GRANT_OPS_PER_CALL 256
static inline bool grant_should_continue(uint64_t uop, unsigned int done, unsigned int count,
                                         size_t size)
{
    if (done >= count || done % GRANT_OPS_PER_CALL || !hypercall_may_continue())
        return false;
    hypercall_continue_with(uop + (uint64_t)done * size, count - done);
    return true;
}

/* The domain a grant op names (DOMID_SELF only where `self_ok`); NULL if none. */
struct domain *grant_domain_by_id(uint16_t id, bool self_ok);

/*
 * Claims ref of rd for ld (Xen's _set_status_v1): the entry must permit
 * access (a sub-page grant only for copies) to ld, and not read-only for
 * a writer; GTF_reading, and GTF_writing for a writer, are set with an
 * atomic exchange.  GNTST_okay or GNTST_general_error.
 */
int grant_claim_entry(struct grant_table *rgt, uint32_t ref, uint16_t ld, bool readonly,
                      bool for_map);
/* After pins were dropped: GTF_writing cleared when no writer is left (if
 * a writer went), GTF_reading when nothing is left. */
void grant_reduce_status(struct grant_table *rgt, uint32_t ref, bool writer_went);

/* Grows d's shared table to at least nr frames: 0, or -ENOMEM/-EINVAL. */
int grant_table_grow(struct domain *d, unsigned int nr);

/* The GNTTABOP_* that act on arrays (grant_map.c, grant_copy.c): 0 or -errno. */
long grant_map_refs(uint64_t uop, unsigned int count);
long grant_unmap_refs(uint64_t uop, unsigned int count);
long grant_unmap_and_replace(uint64_t uop, unsigned int count);
long grant_copy(uint64_t uop, unsigned int count);
#endif
