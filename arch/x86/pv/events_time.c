/*
 * Events and time for PV vCPUs on x86: where a vCPU's vcpu_info lives
 * (shared_info, or a guest page after VCPUOP_register_vcpu_info), the time
 * records (vcpu_time_info in pvclock form, version-protected, and the
 * wallclock), event upcalls on every way back to the guest, and the
 * callback registrations (set_callbacks, callback_op).
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/rtc.h>
#include <asm/time.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/timer.h>

/* Where vCPUs past shared_info's 32 slots point until they register their
 * own vcpu_info (Xen's dummy_vcpu_info): never a write outside the page. */
static vcpu_info_t unregistered_vcpu_info;

vcpu_info_t *pv_vcpu_info(struct vcpu *v)
{
    if (v->arch.vcpu_info)
        return v->arch.vcpu_info;
    if (v->id >= XEN_LEGACY_MAX_VCPUS)
        return &unregistered_vcpu_info;
    return &((shared_info_t *)v->domain->shared_info)->vcpu_info[v->id];
}

bool arch_vcpu_info_unregistered(const struct vcpu *v)
{
    return !v->arch.vcpu_info && v->id >= XEN_LEGACY_MAX_VCPUS;
}

/* pvclock scale: ns = ((tsc delta) << shift (or >> -shift)) * mul >> 32. */
static uint32_t time_mul;
static int8_t time_shift;

static void compute_time_scale(void)
{
    uint64_t tps = tsc_khz * 1000ULL;
    int shift = 0;
    while (tps > 2000000000ULL) {
        tps >>= 1;
        shift--;
    }
    while (tps <= 1000000000ULL) {
        tps <<= 1;
        shift++;
    }
    time_mul = (uint32_t)((1000000000ULL << 32) / tps);
    time_shift = (int8_t)shift;
}

void pv_update_time(struct vcpu *v)
{
    if (!time_mul)
        compute_time_scale();
    struct vcpu_time_info *t = &pv_vcpu_info(v)->time;
    /* Odd while changing: a guest reading meanwhile retries. */
    __atomic_store_n(&t->version, t->version + 1, __ATOMIC_SEQ_CST);
    t->tsc_timestamp = rdtsc();
    t->system_time = (uint64_t)NOW();
    t->tsc_to_system_mul = time_mul;
    t->tsc_shift = time_shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_store_n(&t->version, t->version + 1, __ATOMIC_SEQ_CST);
}

void pv_update_wallclock(struct domain *d)
{
    shared_info_t *s = d->shared_info;
    __atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)rtc_boot_seconds;
    s->wc_nsec = 0;
    s->xen_wc_sec_hi = (uint32_t)(rtc_boot_seconds >> 32);
    __atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_SEQ_CST);
}

static int pv_register_vcpu_info_locked(struct vcpu *v, uint64_t mfn, uint64_t offset)
{
    if (v->arch.vcpu_info)
        return -EINVAL; /* once only, as on Xen */
    if (offset > PAGE_SIZE - sizeof(vcpu_info_t))
        return -ENXIO; /* it would cross its page, as Xen answers */
    if (!pv_get_writable_page(v->domain, mfn))
        return -EINVAL;
    vcpu_info_t *old = pv_vcpu_info(v);
    vcpu_info_t *new = (vcpu_info_t *)((char *)__va(mfn << PAGE_SHIFT) + offset);
    *new = *old;
    v->arch.vcpu_info_mfn = mfn;
    v->arch.vcpu_info = new;
    /* Anything pending is redelivered through the new location. */
    new->evtchn_upcall_pending = 1;
    new->evtchn_pending_sel = ~0UL;
    return 0;
}

void pv_deliver_events(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    vcpu_info_t *vi = pv_vcpu_info(v);
    if (!vi->evtchn_upcall_pending || vi->evtchn_upcall_mask || !v->arch.event_callback)
        return;
    /* As an interrupt: events are masked until the guest's iret unmasks them. */
    pv_bounce_to(regs, v->arch.event_callback, true);
}

static long set_callback(struct vcpu *v, unsigned int type, uint64_t address, bool masks)
{
    /* A callback hv's iretq could not load is refused (the type is checked first). */
    if (type <= CALLBACKTYPE_syscall32 && !guest_range_ok(address, 1))
        return -EINVAL;
    switch (type) {
    case CALLBACKTYPE_event:
        /* Always entered with events masked: it is the event upcall. */
        v->arch.event_callback = address;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->arch.failsafe_callback = address;
        v->arch.failsafe_callback_masks = masks;
        return 0;
    case CALLBACKTYPE_syscall:
        v->arch.syscall_callback = address;
        v->arch.syscall_callback_masks = masks;
        return 0;
    case CALLBACKTYPE_nmi:
        v->arch.nmi_callback = address;
        return 0;
    case CALLBACKTYPE_syscall32:
        v->arch.syscall32_callback = address;
        v->arch.syscall32_callback_masks = masks;
        return 0;
    case CALLBACKTYPE_sysenter:
        return 0; /* accepted; hv leaves SYSENTER off, so it is never used */
    default:
        return -ENOSYS;
    }
}

long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall)
{
    struct vcpu *v = current_vcpu();
    /* As on Xen: each address is taken if usable; bad ones are ignored.
     * The old interface has no flags: no callback masks events except the
     * event upcall itself. */
    set_callback(v, CALLBACKTYPE_event, event, false);
    set_callback(v, CALLBACKTYPE_failsafe, failsafe, false);
    set_callback(v, CALLBACKTYPE_syscall, syscall, false);
    return 0;
}

long do_callback_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current_vcpu();
    switch (cmd) {
    case CALLBACKOP_register: {
        struct callback_register reg;
        if (copy_from_guest(&reg, arg, sizeof(reg)))
            return -EFAULT;
        return set_callback(v, reg.type, reg.address, reg.flags & CALLBACKF_mask_events);
    }
    case CALLBACKOP_unregister: {
        struct callback_unregister unreg;
        if (copy_from_guest(&unreg, arg, sizeof(unreg)))
            return -EFAULT;
        /* Only the NMI callback may be taken back, as on Xen. */
        if (unreg.type == CALLBACKTYPE_nmi) {
            v->arch.nmi_callback = 0;
            return 0;
        }
        return unreg.type <= CALLBACKTYPE_syscall32 ? -EINVAL : -ENOSYS;
    }
    default:
        return -ENOSYS;
    }
}

int pv_register_vcpu_info(struct vcpu *v, uint64_t mfn, uint64_t offset)
{
    pv_mm_lock();
    int rc = pv_register_vcpu_info_locked(v, mfn, offset);
    pv_mm_unlock();
    return rc;
}
