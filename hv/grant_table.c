/*
 * Grant tables, version 1: a domain's table and its life (created with
 * one shared frame, grown by setup_table or acquire_resource up to the
 * domain's max_grant_frames, its frames kept after destroydomain while
 * another domain maps them), the hypercall's dispatch, and the operations
 * on whole tables: setup_table, query_size, set/get_version,
 * get_status_frames and swap_grant_ref, with Xen 4.17's checks in its
 * order.  Mapping is in grant_map.c, copying in grant_copy.c.
 */
#include "grant_table_private.h"
#include <hv/errno.h>
#include <hv/mm.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <string.h>

#define GNTTABOP_CMD_BITS 0xfffu /* the rest of cmd is a continuation argument */

struct domain *grant_domain_by_id(uint16_t id, bool self_ok)
{
    if (id == DOMID_SELF)
        return self_ok ? current_vcpu()->domain : NULL;
    return id < DOMID_HV_MAX ? domain_by_id(id) : NULL;
}

/* A new frame of hv's, shared read-write with d (as shared_info is). */
static void *new_shared_frame(struct domain *d)
{
    void *frame = alloc_hv_pages(1);
    if (!frame)
        return NULL;
    memset(frame, 0, PAGE_SIZE);
    struct page_info *pg = &frame_table[__pa(frame) >> PAGE_SHIFT];
    pg->owner = d->id;
    pg->count_info = 1; /* hv's reference, dropped at destroydomain */
    pg->type_info = PGT_writable | PGT_validated | 1;
    return frame;
}

static void free_shared_frame(void *frame)
{
    struct page_info *pg = &frame_table[__pa(frame) >> PAGE_SHIFT];
    pg->owner = OWNER_HV;
    pg->count_info = 0;
    pg->type_info = 0;
    free_hv_pages(frame, 1);
}

int grant_table_grow(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->grant_table;
    if (nr > (unsigned int)d->max_grant_frames || nr > GRANT_FRAMES_DEFAULT)
        return -EINVAL;
    /* A dying domain's table only shrinks from here. */
    if (d->is_dying && nr > gt->nr_frames)
        return -EINVAL;
    while (gt->nr_frames < nr) {
        unsigned int i = gt->nr_frames;
        gt->active[i] = xzalloc(GRANT_ENTRIES_PER_FRAME * sizeof(struct active_grant));
        if (!gt->active[i])
            return -ENOMEM;
        gt->shared[i] = new_shared_frame(d);
        if (!gt->shared[i]) {
            xfree(gt->active[i]);
            gt->active[i] = NULL;
            return -ENOMEM;
        }
        gt->nr_frames++;
    }
    return 0;
}

int grant_table_init(struct domain *d)
{
    d->grant_table = xzalloc(sizeof(struct grant_table));
    if (!d->grant_table)
        return -ENOMEM;
    d->grant_table->maptrack_head = d->grant_table->maptrack_tail = MAPTRACK_TAIL;
    int rc = grant_table_grow(d, 1);
    if (rc)
        grant_table_free(d);
    return rc;
}

void grant_table_release_frames(struct domain *d)
{
    struct grant_table *gt = d->grant_table;
    for (unsigned int i = 0; i < gt->nr_frames; i++) {
        if (!gt->shared[i])
            continue;
        struct page_info *pg = &frame_table[__pa(gt->shared[i]) >> PAGE_SHIFT];
        if ((--pg->count_info & PGC_count_mask) == 0) {
            free_shared_frame(gt->shared[i]);
            gt->shared[i] = NULL;
        }
    }
}

bool grant_table_frames_gone(const struct domain *d)
{
    const struct grant_table *gt = d->grant_table;
    for (unsigned int i = 0; gt && i < gt->nr_frames; i++)
        if (gt->shared[i])
            return false;
    return true;
}

bool grant_table_free_frame(struct domain *d, uint64_t mfn)
{
    struct grant_table *gt = d->grant_table;
    for (unsigned int i = 0; gt && i < gt->nr_frames; i++) {
        if (gt->shared[i] && __pa(gt->shared[i]) >> PAGE_SHIFT == mfn) {
            free_shared_frame(gt->shared[i]);
            gt->shared[i] = NULL;
            return true;
        }
    }
    return false;
}

void grant_table_free(struct domain *d)
{
    struct grant_table *gt = d->grant_table;
    if (!gt)
        return;
    for (unsigned int i = 0; i < gt->nr_frames; i++) {
        if (gt->shared[i])
            free_shared_frame(gt->shared[i]);
        xfree(gt->active[i]);
    }
    for (unsigned int i = 0; i < gt->nr_maptrack_frames; i++)
        xfree(gt->maptrack[i]);
    xfree(gt);
    d->grant_table = NULL;
}

unsigned int grant_table_max_frames(const struct domain *d)
{
    return (unsigned int)d->max_grant_frames;
}

int grant_table_acquire(struct domain *d, unsigned int first, unsigned int n, uint64_t *mfns)
{
    uint64_t last = (uint64_t)first + n - 1;
    if (n == 0 || last >= grant_table_max_frames(d))
        return -EINVAL;
    int rc = grant_table_grow(d, (unsigned int)last + 1);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < n; i++) {
        void *frame = d->grant_table->shared[first + i];
        if (!frame)
            return -EINVAL; /* a dead domain's frame already freed */
        mfns[i] = __pa(frame) >> PAGE_SHIFT;
    }
    return 0;
}

/* --- claiming and giving back entries ------------------------------------ */

int grant_claim_entry(struct grant_table *rgt, uint32_t ref, uint16_t ld, bool readonly,
                      bool for_map)
{
    grant_entry_v1_t *e = grant_shared_entry(rgt, ref);
    if (!e)
        return GNTST_general_error;
    /* Flags and domid are one 32-bit word, exchanged as one, so that the
     * granter cannot change its mind between the check and the update. */
    uint32_t *word = (uint32_t *)e;
    uint16_t type_mask = GTF_type_mask | (for_map ? GTF_sub_page : 0);
    for (unsigned int tries = 0; tries < 5; tries++) {
        uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        uint16_t flags = (uint16_t)old, domid = (uint16_t)(old >> 16);
        if ((flags & type_mask) != GTF_permit_access || domid != ld)
            return GNTST_general_error;
        if (!readonly && (flags & GTF_readonly))
            return GNTST_general_error;
        uint32_t new = old | GTF_reading | (readonly ? 0 : GTF_writing);
        if (__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return GNTST_okay;
    }
    return GNTST_general_error; /* the entry kept changing under us */
}

void grant_reduce_status(struct grant_table *rgt, uint32_t ref, bool writer_went)
{
    struct active_grant *act = grant_active(rgt, ref);
    grant_entry_v1_t *e = grant_shared_entry(rgt, ref);
    if (!e)
        return;
    if (writer_went && !(act->pin & PIN_WRITERS))
        __atomic_and_fetch(&e->flags, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
    if (!act->pin)
        __atomic_and_fetch(&e->flags, (uint16_t)~GTF_reading, __ATOMIC_SEQ_CST);
}

/* --- whole-table operations ------------------------------------------------ */

/* May the caller act on d's table (itself, or as the control domain)? */
static bool may_use_table_of(const struct domain *d)
{
    const struct domain *self = current_vcpu()->domain;
    return d == self || self->privileged;
}

/* The table an op names, as Xen looks it up: GNTST_okay with *d set, or the status. */
static int16_t table_owner(uint16_t dom, struct domain **d)
{
    *d = grant_domain_by_id(dom, true);
    if (!*d)
        return GNTST_bad_domain;
    return may_use_table_of(*d) ? GNTST_okay : GNTST_permission_denied;
}

/* setup_table's work once d is known: grown to nr frames, their MFNs into list. */
static int16_t give_frames(struct domain *d, uint32_t nr, uint64_t list)
{
    if (nr > (unsigned int)d->max_grant_frames)
        return GNTST_general_error;
    if (nr > d->grant_table->nr_frames && grant_table_grow(d, nr))
        return GNTST_general_error;
    int16_t status = GNTST_okay;
    for (unsigned int i = 0; i < nr; i++) {
        void *frame = d->grant_table->shared[i];
        xen_pfn_t mfn = frame ? __pa(frame) >> PAGE_SHIFT : 0;
        /* Xen carries on past a slot it cannot write. */
        if (!frame || copy_to_guest(list + i * sizeof(mfn), &mfn, sizeof(mfn)))
            status = GNTST_bad_virt_addr;
    }
    return status;
}

static long setup_table(uint64_t uop, unsigned int count)
{
    if (count != 1)
        return -EINVAL;
    struct gnttab_setup_table op;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    uint64_t list = (uint64_t)op.frame_list.p;
    if (!guest_range_ok(list, (uint64_t)op.nr_frames * sizeof(xen_pfn_t)))
        return -EFAULT;
    struct domain *d;
    op.status = table_owner(op.dom, &d);
    if (op.status == GNTST_okay)
        op.status = give_frames(d, op.nr_frames, list);
    return copy_to_guest(uop + offsetof(struct gnttab_setup_table, status), &op.status,
                         sizeof(op.status))
               ? -EFAULT
               : 0;
}

static long query_size(uint64_t uop, unsigned int count)
{
    if (count != 1)
        return -EINVAL;
    struct gnttab_query_size op;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    struct domain *d;
    op.status = table_owner(op.dom, &d);
    if (op.status == GNTST_okay) {
        op.nr_frames = d->grant_table->nr_frames;
        op.max_nr_frames = (uint32_t)d->max_grant_frames;
        op.status = GNTST_okay;
    }
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

static long set_version(uint64_t uop)
{
    struct gnttab_set_version op;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    long rc = 0;
    if (op.version != 1 && op.version != 2)
        rc = -EINVAL;
    else if (op.version == 2)
        rc = -ENOSYS; /* hv's domains all have max version 1 (createdomain refuses more) */
    op.version = 1;
    if (copy_to_guest(uop, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

static long get_version(uint64_t uop)
{
    struct gnttab_get_version op;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    struct domain *d = grant_domain_by_id(op.dom, true);
    if (!d)
        return -ESRCH;
    if (!may_use_table_of(d))
        return -EPERM;
    op.version = 1;
    return copy_to_guest(uop + offsetof(struct gnttab_get_version, version), &op.version,
                         sizeof(op.version))
               ? -EFAULT
               : 0;
}

/* Version 1 tables have no status frames: any asked for is an error. */
static long get_status_frames(uint64_t uop, unsigned int count)
{
    if (count != 1)
        return -EINVAL;
    struct gnttab_get_status_frames op;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (!guest_range_ok((uint64_t)op.frame_list.p, (uint64_t)op.nr_frames * sizeof(uint64_t)))
        return -EFAULT;
    struct domain *d;
    op.status = table_owner(op.dom, &d);
    if (op.status == GNTST_okay && op.nr_frames)
        op.status = GNTST_general_error;
    return copy_to_guest(uop + offsetof(struct gnttab_get_status_frames, status), &op.status,
                         sizeof(op.status))
               ? -EFAULT
               : 0;
}

static int16_t swap_one(struct grant_table *gt, uint32_t a, uint32_t b)
{
    if (a >= grant_nr_entries(gt) || b >= grant_nr_entries(gt))
        return GNTST_bad_gntref;
    if (a == b)
        return GNTST_okay;
    if (grant_active(gt, a)->pin || grant_active(gt, b)->pin)
        return GNTST_eagain;
    grant_entry_v1_t *ea = grant_shared_entry(gt, a), *eb = grant_shared_entry(gt, b);
    grant_entry_v1_t t = *ea;
    *ea = *eb;
    *eb = t;
    return GNTST_okay;
}

static long swap_grant_refs(uint64_t uop, unsigned int count)
{
    struct grant_table *gt = current_vcpu()->domain->grant_table;
    for (unsigned int i = 0; i < count; i++) {
        uint64_t at = uop + i * sizeof(struct gnttab_swap_grant_ref);
        struct gnttab_swap_grant_ref op;
        if (copy_from_guest(&op, at, sizeof(op)))
            return -EFAULT;
        op.status = swap_one(gt, op.ref_a, op.ref_b);
        if (copy_to_guest(at + offsetof(struct gnttab_swap_grant_ref, status), &op.status,
                          sizeof(op.status)))
            return -EFAULT;
        if (grant_should_continue(uop, i + 1, count, sizeof(op)))
            return -ERESTART;
    }
    return 0;
}

static long grant_table_op_locked(unsigned int op, uint64_t uop, unsigned int count)
{
    switch (op) {
    case GNTTABOP_map_grant_ref:
        return grant_map_refs(uop, count);
    case GNTTABOP_unmap_grant_ref:
        return grant_unmap_refs(uop, count);
    case GNTTABOP_unmap_and_replace:
        return grant_unmap_and_replace(uop, count);
    case GNTTABOP_copy:
        return grant_copy(uop, count);
    case GNTTABOP_setup_table:
        return setup_table(uop, count);
    case GNTTABOP_query_size:
        return query_size(uop, count);
    case GNTTABOP_set_version:
        return set_version(uop);
    case GNTTABOP_get_version:
        return get_version(uop);
    case GNTTABOP_get_status_frames:
        return get_status_frames(uop, count);
    case GNTTABOP_swap_grant_ref:
        if (!guest_range_ok(uop, (uint64_t)count * sizeof(struct gnttab_swap_grant_ref)))
            return -EFAULT;
        return swap_grant_refs(uop, count);
    default:
        /* dump_table (Xen 4.17 has none), transfer, cache_flush: not implemented. */
        return -ENOSYS;
    }
}

long do_grant_table_op(uint64_t cmd64, uint64_t uop, uint64_t count64)
{
    /* Xen's arguments are unsigned int: the upper halves are not looked at. */
    uint32_t cmd = (uint32_t)cmd64, count = (uint32_t)count64;
    if ((int32_t)count < 0)
        return -EINVAL;
    if ((cmd & ~GNTTABOP_CMD_BITS) && (cmd & GNTTABOP_CMD_BITS) != GNTTABOP_cache_flush)
        return -EINVAL;
    pv_mm_lock();
    long rc = grant_table_op_locked(cmd & GNTTABOP_CMD_BITS, uop, count);
    pv_mm_unlock();
    return rc;
}
