/*
 * GNTTABOP_copy, as Xen 4.17 does it for PV domains: each side is a grant
 * of another domain (pinned for the copy, GTF_reading — and GTF_writing
 * for the destination — set while it lasts) or a frame of the caller's
 * own, named with DOMID_SELF by its machine frame number.  Both sides are
 * claimed first, then offsets and length are checked, then the bytes are
 * copied; every element gets its own status and the next one is tried.
 */
#include "grant_table_private.h"
#include <hv/errno.h>
#include <hv/mm.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <string.h>

/* One side of a copy while it is held. */
struct copy_side {
    struct domain *d;
    bool is_gref, readonly;
    uint32_t ref;
    uint64_t mfn;
    bool pinned, have_page, have_type;
};

static int16_t find_domain(struct copy_side *s, uint16_t domid)
{
    /* A frame must be the caller's own, named DOMID_SELF (not its id). */
    if (!s->is_gref && domid != DOMID_SELF)
        return GNTST_permission_denied;
    s->d = grant_domain_by_id(domid, true);
    return s->d ? GNTST_okay : GNTST_bad_domain;
}

static void release_side(struct copy_side *s)
{
    if (s->have_type)
        pv_put_page_type(s->mfn);
    if (s->have_page)
        pv_put_page(s->mfn);
    if (s->pinned) {
        struct grant_table *rgt = s->d->grant_table;
        grant_unpin(grant_active(rgt, s->ref), s->readonly ? PIN_HOST_READ : PIN_HOST_WRITE);
        grant_reduce_status(rgt, s->ref, !s->readonly);
    }
    s->have_type = s->have_page = s->pinned = false;
}

/* Pins a grant for the copy (Xen's acquire_grant_for_copy). */
static int16_t pin_grant(struct copy_side *s, uint16_t ld)
{
    struct grant_table *rgt = s->d->grant_table;
    if (s->ref >= grant_nr_entries(rgt))
        return GNTST_bad_gntref;
    struct active_grant *act = grant_active(rgt, s->ref);
    uint32_t inc = s->readonly ? PIN_HOST_READ : PIN_HOST_WRITE;
    uint32_t counter = (act->pin / inc) & 0xff;
    if (act->pin && (act->domid != ld || counter >= 0x80))
        return GNTST_general_error;
    if (!act->pin || (!s->readonly && !(act->pin & PIN_WRITERS))) {
        int16_t status = (int16_t)grant_claim_entry(rgt, s->ref, ld, s->readonly, false);
        if (status)
            return status;
        if (!act->pin) {
            uint64_t frame = grant_shared_entry(rgt, s->ref)->frame;
            if (!pv_get_page(frame, s->d)) {
                grant_reduce_status(rgt, s->ref, !s->readonly);
                return GNTST_bad_page;
            }
            pv_put_page(frame);
            act->domid = ld;
            act->mfn = frame;
        }
    }
    act->pin += inc;
    s->pinned = true;
    s->mfn = act->mfn;
    return GNTST_okay;
}

static int16_t claim_side(struct copy_side *s, const struct gnttab_copy_ptr *p, uint16_t ld)
{
    if (s->is_gref) {
        s->ref = p->u.ref;
        int16_t status = pin_grant(s, ld);
        if (status)
            return status;
    } else {
        s->mfn = p->u.gmfn;
    }
    if (!pv_get_page(s->mfn, s->d))
        return s->is_gref ? GNTST_bad_domain : GNTST_bad_page;
    s->have_page = true;
    if (!s->readonly) {
        if (pv_get_page_type(s->mfn, PGT_writable, s->d))
            return GNTST_general_error;
        s->have_type = true;
    }
    return GNTST_okay;
}

static int16_t copy_one(const struct gnttab_copy *op, uint16_t ld)
{
    struct copy_side src = {.is_gref = op->flags & GNTCOPY_source_gref, .readonly = true};
    struct copy_side dst = {.is_gref = op->flags & GNTCOPY_dest_gref, .readonly = false};
    int16_t status = find_domain(&src, op->source.domid);
    if (!status)
        status = find_domain(&dst, op->dest.domid);
    if (!status)
        status = claim_side(&src, &op->source, ld);
    if (!status)
        status = claim_side(&dst, &op->dest, ld);
    if (!status && ((unsigned int)op->source.offset + op->len > PAGE_SIZE ||
                    (unsigned int)op->dest.offset + op->len > PAGE_SIZE))
        status = GNTST_bad_copy_arg;
    if (!status) {
        const uint8_t *from = (const uint8_t *)__va(src.mfn << PAGE_SHIFT) + op->source.offset;
        uint8_t *to = (uint8_t *)__va(dst.mfn << PAGE_SHIFT) + op->dest.offset;
        memmove(to, from, op->len);
    }
    release_side(&dst);
    release_side(&src);
    return status;
}

long grant_copy(uint64_t uop, unsigned int count)
{
    if (!guest_range_ok(uop, (uint64_t)count * sizeof(struct gnttab_copy)))
        return -EFAULT;
    uint16_t ld = current_vcpu()->domain->id;
    for (unsigned int i = 0; i < count; i++) {
        uint64_t at = uop + i * sizeof(struct gnttab_copy);
        struct gnttab_copy op;
        if (copy_from_guest(&op, at, sizeof(op)))
            return -EFAULT;
        int16_t status = copy_one(&op, ld);
        if (copy_to_guest(at + offsetof(struct gnttab_copy, status), &status, sizeof(status)))
            return -EFAULT;
        if (grant_should_continue(uop, i + 1, count, sizeof(op)))
            return -ERESTART;
    }
    return 0;
}
