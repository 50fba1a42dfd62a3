/*
 * The sched_op hypercall, as Xen: yield (to a queued vCPU of the same
 * priority), block (events enabled; returns once one is pending), poll (up
 * to 128 ports, with an optional absolute timeout), shutdown and
 * shutdown_code.  Blocking and polling only set the vCPU's state and ask
 * for the scheduler, which runs before the return to the guest; the vCPU
 * resumes there with the hypercall's result once it is woken.
 */
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/softirq.h>
#include <hv/event.h>
#include <hv/timer.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

#define POLL_MAX_PORTS 128

/* Xen's vcpu_block: blocked unless an event is already pending. */
static void block_current(struct vcpu *v)
{
    vcpu_test_and_set_flag(v, VPF_BLOCKED);
    /* Checked after setting the flag: an event sent meanwhile unblocks it. */
    if (arch_vcpu_events_pending(v))
        vcpu_test_and_clear_flag(v, VPF_BLOCKED);
    else
        raise_softirq(SCHEDULE_SOFTIRQ);
}

static long do_poll(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct sched_poll p;
    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    uint64_t ports = (uint64_t)p.ports.p;
    if (p.nr_ports && !guest_range_ok(ports, p.nr_ports * sizeof(evtchn_port_t)))
        return -EFAULT;
    /* Polling vCPUs are woken by sends to the port they wait for (any port
     * when they wait for several), and by any event upcall of their own. */
    __atomic_store_n(&v->poll_evtchn, -1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&d->nr_polling, 1, __ATOMIC_SEQ_CST);
    vcpu_test_and_set_flag(v, VPF_BLOCKED);
    /* Checked after the flags are set, so that no wake-up is missed. */
    long rc = 0;
    if (arch_vcpu_events_need_delivery(v))
        goto out;
    evtchn_port_t port = 0;
    for (unsigned int i = 0; i < p.nr_ports; i++) {
        rc = -EFAULT;
        if (copy_from_guest(&port, ports + i * sizeof(port), sizeof(port)))
            goto out;
        rc = -EINVAL;
        if (!evtchn_port_valid(d, port))
            goto out;
        rc = 0;
        if (evtchn_port_pending(d, port))
            goto out;
    }
    if (p.nr_ports == 1)
        __atomic_store_n(&v->poll_evtchn, (int)port, __ATOMIC_SEQ_CST);
    if (p.timeout)
        set_timer(&v->poll_timer, (s_time_t)p.timeout);
    else
        stop_timer(&v->poll_timer); /* one left from an earlier poll must not end this one */
    raise_softirq(SCHEDULE_SOFTIRQ);
    return 0;
out:
    vcpu_poll_end(v);
    vcpu_test_and_clear_flag(v, VPF_BLOCKED);
    return rc;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    switch (cmd) {
    case SCHEDOP_yield:
        sched_yield_current();
        return 0;
    case SCHEDOP_block:
        /* Blocking enables event delivery; a pending event returns at once. */
        arch_vcpu_enable_events(v);
        block_current(v);
        return 0;
    case SCHEDOP_poll:
        return do_poll(v, arg);
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        domain_shutdown(d, s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        d->shutdown_code = s.reason; /* used if the domain later crashes or is shut down */
        return 0;
    }
    default:
        return -ENOSYS;
    }
}
