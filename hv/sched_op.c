/*
 * The sched_op hypercall: yield (with one vCPU per CPU there is nothing
 * else to run), block (events enabled; returns once one is pending), poll
 * (up to 128 ports, with an optional absolute timeout), shutdown and
 * shutdown_code.  A blocked vCPU's CPU halts until an interrupt; timers and
 * event sends wake it.
 */
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/timer.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

#define POLL_MAX_PORTS 128

static void wake_noop(void *data)
{
}

struct poll_set {
    evtchn_port_t ports[POLL_MAX_PORTS];
    unsigned int nr;
};

static bool poll_done(struct vcpu *v, const struct poll_set *set)
{
    for (unsigned int i = 0; i < set->nr; i++)
        if (evtchn_port_pending(v->domain, set->ports[i]))
            return true;
    return v->kicked;
}

/* Waits until done (block: an event pending; poll: a port pending) or the deadline. */
static void wait_blocked(struct vcpu *v, const struct poll_set *set, s_time_t deadline)
{
    struct timer wake;
    init_timer(&wake, wake_noop, NULL, v->processor);
    if (deadline)
        set_timer(&wake, deadline);
    v->kicked = false;
    v->blocked = true;
    vcpu_runstate_change(v, RUNSTATE_blocked);
    for (;;) {
        if (set ? poll_done(v, set) : arch_vcpu_events_pending(v))
            break;
        if (deadline && NOW() >= deadline)
            break;
        if (v->domain->state != DOMAIN_RUNNING)
            break;
        arch_wait_for_interrupt();
    }
    v->blocked = false;
    vcpu_runstate_change(v, RUNSTATE_running);
    stop_timer(&wake);
}

static long do_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    struct poll_set set = {.nr = p.nr_ports};
    if (set.nr && copy_from_guest(set.ports, (uint64_t)p.ports.p, set.nr * sizeof(evtchn_port_t)))
        return -EFAULT;
    for (unsigned int i = 0; i < set.nr; i++)
        if (!evtchn_port_valid(v->domain, set.ports[i]))
            return -EINVAL;
    for (unsigned int i = 0; i < set.nr; i++)
        if (evtchn_port_pending(v->domain, set.ports[i]))
            return 0;
    wait_blocked(v, &set, (s_time_t)p.timeout);
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    switch (cmd) {
    case SCHEDOP_yield:
        return 0;
    case SCHEDOP_block:
        /* Blocking enables event delivery; a pending event returns at once. */
        arch_vcpu_enable_events(v);
        wait_blocked(v, NULL, 0);
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
