/*
 * The scheduling domctls, as Xen 4.17 answers them with the credit
 * scheduler: scheduler_op (a domain's weight and cap; 0 and 0xffff mean
 * "unchanged", no other bounds) and get/setvcpuaffinity (hard and soft
 * CPU masks through xenctl_bitmaps, converted as Xen's bitmap helpers do:
 * the caller's and hv's byte counts, the caller's last byte clamped,
 * zero padding after).  hv keeps the soft mask but its scheduler does not
 * prefer it yet.
 */
#include <hv/domctl.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <hv/smp.h>
#include <hv/mm.h>
#include <asm/guest_access.h>
#include <xen-abi.h>
#include <string.h>

/* Xen's nr_cpu_ids: hv's CPUs are all online from boot. */
static unsigned int nr_cpu_ids(void)
{
    return num_online_cpus();
}

static uint64_t all_cpus(void)
{
    unsigned int n = nr_cpu_ids();
    return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/* A guest's xenctl_bitmap as a CPU mask (Xen's xenctl_bitmap_to_bitmap). */
static int bitmap_from_guest(const struct xenctl_bitmap *b, uint64_t *mask)
{
    uint8_t bytes[8] = {0};
    uint32_t hv_bytes = (nr_cpu_ids() + 7) / 8;
    uint32_t guest_bytes = (uint32_t)(((uint64_t)b->nr_bits + 7) / 8);
    uint32_t n = guest_bytes < hv_bytes ? guest_bytes : hv_bytes;
    if (n) {
        if (copy_from_guest(bytes, (uint64_t)b->bitmap.p, n))
            return -EFAULT;
        if ((b->nr_bits & 7) && guest_bytes == n)
            bytes[n - 1] &= (uint8_t)((1u << (b->nr_bits & 7)) - 1);
    }
    uint64_t m = 0;
    for (unsigned int i = 0; i < 8; i++)
        m |= (uint64_t)bytes[i] << (8 * i);
    *mask = m & all_cpus();
    return 0;
}

/* A CPU mask into a guest's xenctl_bitmap (Xen's bitmap_to_xenctl_bitmap). */
static int bitmap_to_guest(uint64_t mask, const struct xenctl_bitmap *b)
{
    uint8_t bytes[8];
    mask &= all_cpus();
    for (unsigned int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(mask >> (8 * i));
    uint32_t hv_bytes = (nr_cpu_ids() + 7) / 8;
    uint32_t guest_bytes = (uint32_t)(((uint64_t)b->nr_bits + 7) / 8);
    uint32_t n = guest_bytes < hv_bytes ? guest_bytes : hv_bytes;
    uint64_t to = (uint64_t)b->bitmap.p;
    if (n && copy_to_guest(to, bytes, n))
        return -EFAULT;
    /* The rest of the caller's map is zeroed (up to 512 MiB for a lying
     * nr_bits, as on Xen), a page at a time. */
    static const uint8_t zero[PAGE_SIZE];
    for (uint32_t i = n; i < guest_bytes;) {
        uint32_t chunk = guest_bytes - i < PAGE_SIZE ? guest_bytes - i : PAGE_SIZE;
        if (copy_to_guest(to + i, zero, chunk))
            return -EFAULT;
        i += chunk;
    }
    return 0;
}

static long set_affinity(struct vcpu *v, const struct xen_domctl_vcpuaffinity *a)
{
    uint64_t old_hard = v->hard_affinity, mask;
    long rc = 0;
    if (a->flags & XEN_VCPUAFFINITY_HARD) {
        if ((rc = bitmap_from_guest(&a->cpumap_hard, &mask)))
            return rc;
        if (vcpu_set_hard_affinity(v, mask))
            return -EINVAL; /* no online CPU in it */
        rc = bitmap_to_guest(mask & sched_online_cpus(), &a->cpumap_hard);
    }
    if (a->flags & XEN_VCPUAFFINITY_SOFT) {
        long soft_rc = bitmap_from_guest(&a->cpumap_soft, &mask);
        if (soft_rc) {
            if (a->flags & XEN_VCPUAFFINITY_HARD)
                vcpu_set_hard_affinity(v, old_hard);
            return soft_rc;
        }
        v->soft_affinity = mask;
        rc = bitmap_to_guest(mask & sched_online_cpus() & v->hard_affinity, &a->cpumap_soft);
    }
    return rc;
}

long domctl_vcpu_affinity(struct domain *d, uint32_t cmd, struct xen_domctl_vcpuaffinity *a)
{
    if (a->vcpu >= d->max_vcpus)
        return -EINVAL;
    struct vcpu *v = d->vcpus[a->vcpu];
    if (!v)
        return -ESRCH;
    bool hard = a->flags & XEN_VCPUAFFINITY_HARD, soft = a->flags & XEN_VCPUAFFINITY_SOFT;
    if (!a->flags || (hard && !a->cpumap_hard.bitmap.p) || (soft && !a->cpumap_soft.bitmap.p))
        return -EINVAL;
    if (cmd == XEN_DOMCTL_setvcpuaffinity)
        return set_affinity(v, a);
    long rc = 0;
    if (hard)
        rc = bitmap_to_guest(v->hard_affinity, &a->cpumap_hard);
    if (soft)
        rc = bitmap_to_guest(v->soft_affinity, &a->cpumap_soft);
    return rc;
}

long domctl_scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *op)
{
    if (op->sched_id != XEN_SCHEDULER_CREDIT)
        return -EINVAL;
    switch (op->cmd) {
    case XEN_DOMCTL_SCHEDOP_getinfo:
        op->u.credit.weight = (uint16_t)d->sched_weight;
        op->u.credit.cap = (uint16_t)d->sched_cap;
        return 0;
    case XEN_DOMCTL_SCHEDOP_putinfo:
        if (op->u.credit.weight)
            d->sched_weight = op->u.credit.weight;
        if (op->u.credit.cap != 0xffff) {
            d->sched_cap = op->u.credit.cap;
            credit_cap_changed(d);
        }
        return 0;
    default:
        return -EINVAL; /* per-vCPU parameters are for other schedulers */
    }
}
