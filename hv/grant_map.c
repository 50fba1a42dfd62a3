/*
 * Mapping other domains' grants (GNTTABOP_map_grant_ref, unmap_grant_ref,
 * unmap_and_replace) and the maptrack that records them, as Xen 4.17 does
 * for PV domains: a map pins the granter's entry for the mapper, takes the
 * frame references a page-table entry holds (a general reference, and a
 * writable-type one for a writer) and puts the mapping where the mapper
 * asked; an unmap removes it, flushes the mapper's TLBs, and only then
 * lets the references go.  Handles come from a free list with Xen's order
 * (tail insertion, one entry always kept), 256 to a maptrack frame.
 * Differences from Xen: one free list per domain (Xen keeps one per vCPU).
 */
#include "grant_table_private.h"
#include <hv/errno.h>
#include <hv/mm.h>
#include <asm/guest_access.h>
#include <asm/pv.h>

#define UNMAP_BATCH 32

/* GNTMAP_* bits a mapping records. */
#define GNTMAP_KEPT                                                                                \
    (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | GNTMAP_application_map |              \
     GNTMAP_contains_pte)

static struct grant_mapping *maptrack_entry(struct grant_table *gt, uint32_t handle)
{
    return &gt->maptrack[handle / MAPTRACK_PER_FRAME][handle % MAPTRACK_PER_FRAME];
}

static uint32_t maptrack_limit(const struct grant_table *gt)
{
    return gt->nr_maptrack_frames * MAPTRACK_PER_FRAME;
}

/* A free handle of ld's, or MAPTRACK_TAIL when it has used all it may. */
static uint32_t get_maptrack_handle(struct domain *ld)
{
    struct grant_table *gt = ld->grant_table;
    uint32_t head = gt->maptrack_head;
    /* The last free entry is never handed out, so that a freed handle
     * always has an entry to follow. */
    if (head != MAPTRACK_TAIL && maptrack_entry(gt, head)->ref != MAPTRACK_TAIL) {
        gt->maptrack_head = maptrack_entry(gt, head)->ref;
        return head;
    }
    if (gt->nr_maptrack_frames >= (unsigned int)ld->max_maptrack_frames ||
        gt->nr_maptrack_frames >= MAPTRACK_FRAMES_DEFAULT)
        return MAPTRACK_TAIL;
    struct grant_mapping *frame = xzalloc(MAPTRACK_PER_FRAME * sizeof(*frame));
    if (!frame)
        return MAPTRACK_TAIL;
    uint32_t first = maptrack_limit(gt);
    for (uint32_t i = 0; i < MAPTRACK_PER_FRAME; i++)
        frame[i].ref = first + i + 1;
    frame[MAPTRACK_PER_FRAME - 1].ref = head;
    if (gt->maptrack_tail == MAPTRACK_TAIL)
        gt->maptrack_tail = first + MAPTRACK_PER_FRAME - 1;
    gt->maptrack[gt->nr_maptrack_frames++] = frame;
    gt->maptrack_head = first + 1;
    return first;
}

static void put_maptrack_handle(struct grant_table *gt, uint32_t handle)
{
    struct grant_mapping *m = maptrack_entry(gt, handle);
    m->flags = 0;
    m->ref = MAPTRACK_TAIL;
    uint32_t prev = gt->maptrack_tail;
    gt->maptrack_tail = handle;
    if (prev != MAPTRACK_TAIL)
        maptrack_entry(gt, prev)->ref = handle;
    else
        gt->maptrack_head = handle;
}

/* The references one mapping holds on its frame (what it took, undone in reverse). */
struct frame_refs {
    unsigned int pages, types;
};

static void drop_refs(uint64_t mfn, struct frame_refs *r)
{
    for (; r->types; r->types--)
        pv_put_page_type(mfn);
    for (; r->pages; r->pages--)
        pv_put_page(mfn);
}

static bool take_ref(uint64_t mfn, struct domain *rd, bool typed, struct frame_refs *r)
{
    if (!pv_get_page(mfn, rd))
        return false;
    r->pages++;
    if (typed) {
        if (pv_get_page_type(mfn, PGT_writable, rd))
            return false;
        r->types++;
    }
    return true;
}

static uint32_t pin_increment(uint32_t flags)
{
    bool ro = flags & GNTMAP_readonly;
    uint32_t inc = 0;
    if (flags & GNTMAP_device_map)
        inc += ro ? PIN_DEVICE_READ : PIN_DEVICE_WRITE;
    if (flags & GNTMAP_host_map)
        inc += ro ? PIN_HOST_READ : PIN_HOST_WRITE;
    return inc;
}

/* Would adding inc overflow one of the pin counters (Xen's bit-7 guard)? */
static bool pin_would_overflow(uint32_t pin, uint32_t inc)
{
    for (unsigned int shift = 0; shift < 32; shift += 8)
        if (((inc >> shift) & 0xff) && ((pin >> shift) & 0x80))
            return true;
    return false;
}

static int16_t map_one(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    struct domain *ld = v->domain;
    if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        return GNTST_bad_gntref;
    bool ro = op->flags & GNTMAP_readonly;
    uint32_t inc = pin_increment(op->flags);
    struct domain *rd = grant_domain_by_id(op->dom, false);
    if (!rd)
        return GNTST_bad_domain;
    uint32_t handle = get_maptrack_handle(ld);
    if (handle == MAPTRACK_TAIL)
        return GNTST_no_space;
    struct grant_table *rgt = rd->grant_table;
    if (op->ref >= grant_nr_entries(rgt)) {
        put_maptrack_handle(ld->grant_table, handle);
        return GNTST_bad_gntref;
    }
    struct active_grant *act = grant_active(rgt, op->ref);
    int16_t status = GNTST_general_error;
    if (act->pin && (act->domid != ld->id || pin_would_overflow(act->pin, inc)))
        goto no_pin;
    bool claimed = false;
    if (!act->pin || (!ro && !(act->pin & PIN_WRITERS))) {
        status = grant_claim_entry(rgt, op->ref, ld->id, ro, true);
        if (status)
            goto no_pin;
        claimed = true;
        if (!act->pin) {
            uint64_t frame = grant_shared_entry(rgt, op->ref)->frame;
            /* For a PV granter the entry names a machine frame it must own. */
            if (!pv_get_page(frame, rd)) {
                status = GNTST_bad_page;
                goto unclaim;
            }
            pv_put_page(frame);
            act->domid = ld->id;
            act->mfn = frame;
        }
    }
    act->pin += inc;
    status = GNTST_general_error;
    struct frame_refs device = {0}, host = {0};
    if ((op->flags & GNTMAP_device_map) && !take_ref(act->mfn, rd, !ro, &device))
        goto unpin;
    if (op->flags & GNTMAP_host_map) {
        if (!take_ref(act->mfn, rd, !ro, &host))
            goto unpin;
        status = (int16_t)arch_grant_create_host_mapping(v, op->host_addr, act->mfn, op->flags);
        if (status)
            goto unpin;
    }
    struct grant_mapping *m = maptrack_entry(ld->grant_table, handle);
    m->ref = op->ref;
    m->domid = rd->id;
    m->granter_uid = rd->unique_id;
    m->flags = (uint16_t)(op->flags & GNTMAP_KEPT);
    op->handle = handle;
    op->dev_bus_addr = act->mfn << PAGE_SHIFT;
    return GNTST_okay;

unpin:
    drop_refs(act->mfn, &host);
    drop_refs(act->mfn, &device);
    act->pin -= inc;
unclaim:
    if (claimed)
        grant_reduce_status(rgt, op->ref, !ro);
no_pin:
    put_maptrack_handle(ld->grant_table, handle);
    return status;
}

long grant_map_refs(uint64_t uop, unsigned int count)
{
    if (!guest_range_ok(uop, (uint64_t)count * sizeof(struct gnttab_map_grant_ref)))
        return -EFAULT;
    struct vcpu *v = current_vcpu();
    for (unsigned int i = 0; i < count; i++) {
        uint64_t at = uop + i * sizeof(struct gnttab_map_grant_ref);
        struct gnttab_map_grant_ref op;
        if (copy_from_guest(&op, at, sizeof(op)))
            return -EFAULT;
        op.status = map_one(v, &op);
        if (copy_to_guest(at, &op, sizeof(op)))
            return -EFAULT;
        if (grant_should_continue(uop, i + 1, count, sizeof(op)))
            return -ERESTART;
    }
    return 0;
}

/* --- unmapping ----------------------------------------------------------- */

/* An unmap whose entry changed, waiting for the TLB flush to be completed. */
struct unmap_done {
    uint16_t done; /* GNTMAP_host_map / GNTMAP_device_map removed */
    bool readonly;
    uint16_t domid; /* the granter and its entry */
    uint32_t ref;
};

struct unmap_request {
    uint64_t host_addr, new_addr, dev_bus_addr;
    uint32_t handle;
};

/* The first half of an unmap: checks, and the mapping taken out of the page tables. */
static int16_t unmap_one(struct vcpu *v, const struct unmap_request *rq, struct unmap_done *out)
{
    struct domain *ld = v->domain;
    struct grant_table *lgt = ld->grant_table;
    out->done = 0;
    if (rq->handle >= maptrack_limit(lgt))
        return GNTST_bad_handle;
    struct grant_mapping *m = maptrack_entry(lgt, rq->handle);
    if (!m->flags)
        return GNTST_bad_handle;
    struct domain *rd = grant_domain_by_id(m->domid, false);
    if (!rd || rd->unique_id != m->granter_uid) {
        /* Only a mapping the guest removed itself can outlive its granter
         * (and the id may name another domain by now). */
        domain_crash(ld, "unmap of a grant whose domain is gone");
        return GNTST_general_error;
    }
    if (m->ref >= grant_nr_entries(rd->grant_table))
        return GNTST_bad_handle;
    uint64_t mfn = grant_active(rd->grant_table, m->ref)->mfn;
    uint16_t flags = m->flags;
    if (rq->dev_bus_addr && (flags & GNTMAP_device_map) && rq->dev_bus_addr != mfn << PAGE_SHIFT)
        return GNTST_bad_dev_addr;
    if (rq->host_addr && (flags & GNTMAP_host_map)) {
        int rc = arch_grant_replace_host_mapping(v, rq->host_addr, mfn, flags, rq->new_addr);
        if (rc)
            return (int16_t)rc;
        m->flags &= (uint16_t)~GNTMAP_host_map;
        out->done |= GNTMAP_host_map;
    }
    if (rq->dev_bus_addr && (flags & GNTMAP_device_map)) {
        m->flags &= (uint16_t)~GNTMAP_device_map;
        out->done |= GNTMAP_device_map;
    }
    out->readonly = flags & GNTMAP_readonly;
    out->domid = m->domid;
    out->ref = m->ref;
    /* A handle with nothing left is free at once: the same handle again
     * in this batch is a bad one. */
    if (!(m->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        put_maptrack_handle(lgt, rq->handle);
    return GNTST_okay;
}

/* The second half, after the flush: pins and references go. */
static void unmap_complete(const struct unmap_done *u)
{
    /* The granter cannot have gone (its frame is still referenced here, and
     * the page lock has been held since unmap_one found it). */
    struct domain *rd = grant_domain_by_id(u->domid, false);
    if (!rd)
        return;
    bool ro = u->readonly;
    struct grant_table *rgt = rd->grant_table;
    struct active_grant *act = grant_active(rgt, u->ref);
    struct frame_refs refs = {0};
    if (u->done & GNTMAP_device_map) {
        refs.pages++;
        refs.types += !ro;
        grant_unpin(act, ro ? PIN_DEVICE_READ : PIN_DEVICE_WRITE);
    }
    if (u->done & GNTMAP_host_map) {
        refs.pages++;
        refs.types += !ro;
        grant_unpin(act, ro ? PIN_HOST_READ : PIN_HOST_WRITE);
    }
    drop_refs(act->mfn, &refs);
    grant_reduce_status(rgt, u->ref, !ro);
}

static void complete_batch(struct domain *ld, const struct unmap_done *batch, unsigned int n)
{
    if (!n)
        return;
    arch_grant_flush(ld);
    for (unsigned int i = 0; i < n; i++)
        unmap_complete(&batch[i]);
}

/*
 * Both unmap calls: elements read, unmapped in batches of 32, each batch's
 * flush done before its frames are let go.  `replace` selects
 * gnttab_unmap_and_replace's layout (new_addr, no device address).
 */
static long unmap_array(uint64_t uop, unsigned int count, bool replace)
{
    size_t size =
        replace ? sizeof(struct gnttab_unmap_and_replace) : sizeof(struct gnttab_unmap_grant_ref);
    size_t status_at = replace ? offsetof(struct gnttab_unmap_and_replace, status)
                               : offsetof(struct gnttab_unmap_grant_ref, status);
    if (!guest_range_ok(uop, (uint64_t)count * size))
        return -EFAULT;
    struct vcpu *v = current_vcpu();
    struct unmap_done batch[UNMAP_BATCH];
    unsigned int pending = 0;
    long rc = 0;
    for (unsigned int i = 0; i < count; i++) {
        /* Batches of 32: each one's flush comes before its frames go. */
        if (i && i % UNMAP_BATCH == 0) {
            complete_batch(v->domain, batch, pending);
            pending = 0;
            if (grant_should_continue(uop, i, count, size))
                return -ERESTART;
        }
        uint64_t at = uop + i * size;
        struct unmap_request rq = {0};
        if (replace) {
            struct gnttab_unmap_and_replace op;
            if (copy_from_guest(&op, at, sizeof(op))) {
                rc = -EFAULT;
                break;
            }
            rq = (struct unmap_request){
                .host_addr = op.host_addr, .new_addr = op.new_addr, .handle = op.handle};
        } else {
            struct gnttab_unmap_grant_ref op;
            if (copy_from_guest(&op, at, sizeof(op))) {
                rc = -EFAULT;
                break;
            }
            rq = (struct unmap_request){
                .host_addr = op.host_addr, .dev_bus_addr = op.dev_bus_addr, .handle = op.handle};
        }
        int16_t status = unmap_one(v, &rq, &batch[pending]);
        if (status == GNTST_okay && batch[pending].done)
            pending++;
        if (copy_to_guest(at + status_at, &status, sizeof(status))) {
            rc = -EFAULT;
            break;
        }
    }
    complete_batch(v->domain, batch, pending);
    return rc;
}

long grant_unmap_refs(uint64_t uop, unsigned int count)
{
    return unmap_array(uop, count, false);
}

long grant_unmap_and_replace(uint64_t uop, unsigned int count)
{
    return unmap_array(uop, count, true);
}

/* --- a dying mapper ------------------------------------------------------- */

void grant_table_release_mappings(struct domain *ld)
{
    struct grant_table *lgt = ld->grant_table;
    for (uint32_t handle = 0; handle < maptrack_limit(lgt); handle++) {
        struct grant_mapping *m = maptrack_entry(lgt, handle);
        if (!m->flags)
            continue;
        struct domain *rd = grant_domain_by_id(m->domid, false);
        /* A granter gone (its id perhaps another domain's now): nothing to give back. */
        if (rd && rd->unique_id == m->granter_uid && m->ref < grant_nr_entries(rd->grant_table)) {
            struct grant_table *rgt = rd->grant_table;
            struct active_grant *act = grant_active(rgt, m->ref);
            bool ro = m->flags & GNTMAP_readonly;
            if (m->flags & GNTMAP_device_map) {
                struct frame_refs refs = {.pages = 1, .types = !ro};
                drop_refs(act->mfn, &refs);
                grant_unpin(act, ro ? PIN_DEVICE_READ : PIN_DEVICE_WRITE);
            }
            /* A host mapping's references are its page-table entry's,
             * dropped when the mapper's page tables are released. */
            if (m->flags & GNTMAP_host_map)
                grant_unpin(act, ro ? PIN_HOST_READ : PIN_HOST_WRITE);
            grant_reduce_status(rgt, m->ref, !ro);
        }
        m->flags = 0;
    }
}
