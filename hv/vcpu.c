/*
 * vCPU timers, runstate and vcpu_op (Xen's semantics): a single-shot timer
 * (set_timer_op, VCPUOP_set_singleshot_timer) and a periodic one (10 ms from
 * the start, as Xen gives every vCPU, until the guest stops it), both raising
 * VIRQ_TIMER; runstate accounting with an optional guest copy; is_up.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/timer.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

static void timer_fired(struct vcpu *v)
{
    pv_update_time(v);
    send_guest_vcpu_virq(v, VIRQ_TIMER);
}

static void singleshot_fn(void *data)
{
    timer_fired(data);
}

static void periodic_fn(void *data)
{
    struct vcpu *v = data;
    timer_fired(v);
    if (v->periodic_period) {
        s_time_t next = v->periodic_timer.expires + v->periodic_period;
        /* After a long stall, do not fire a burst to catch up. */
        if (next < NOW())
            next = NOW() + v->periodic_period;
        set_timer(&v->periodic_timer, next);
    }
}

static void update_runstate_area(struct vcpu *v)
{
    if (!v->runstate_guest)
        return;
    struct vcpu_runstate_info info = {.state = v->runstate,
                                      .state_entry_time = (uint64_t)v->runstate_entry};
    for (unsigned int i = 0; i < 4; i++)
        info.time[i] = v->runstate_time[i];
    /* An area the guest cannot receive is its own problem, as on Xen. */
    copy_to_guest(v->runstate_guest, &info, sizeof(info));
}

uint64_t vcpu_running_time(const struct vcpu *v)
{
    uint64_t t = v->runstate_time[RUNSTATE_running];
    if (v->runstate == RUNSTATE_running)
        t += (uint64_t)(NOW() - v->runstate_entry);
    return t;
}

void vcpu_runstate_change(struct vcpu *v, int state)
{
    s_time_t now = NOW();
    v->runstate_time[v->runstate] += (uint64_t)(now - v->runstate_entry);
    v->runstate = state;
    v->runstate_entry = now;
    update_runstate_area(v);
}

void vcpu_start_timers(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, singleshot_fn, v, v->processor);
    init_timer(&v->periodic_timer, periodic_fn, v, v->processor);
    v->runstate = RUNSTATE_running;
    v->runstate_entry = NOW();
    v->up = true;
    v->periodic_period = MILLISECS(10);
    set_timer(&v->periodic_timer, NOW() + v->periodic_period);
}

/* Arms the single-shot timer; a deadline already past fires before the hypercall returns. */
static void set_singleshot(struct vcpu *v, s_time_t deadline)
{
    if (deadline <= NOW()) {
        stop_timer(&v->singleshot_timer);
        timer_fired(v);
        return;
    }
    set_timer(&v->singleshot_timer, deadline);
}

long do_set_timer_op(uint64_t timeout)
{
    struct vcpu *v = current_vcpu();
    if (timeout == 0)
        stop_timer(&v->singleshot_timer);
    else
        set_singleshot(v, (s_time_t)timeout);
    return 0;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg)
{
    struct vcpu *self = current_vcpu();
    struct domain *d = self->domain;
    if (vcpuid >= d->max_vcpus || !d->vcpus[vcpuid])
        return -ENOENT;
    struct vcpu *v = d->vcpus[vcpuid];
    switch (cmd) {
    case VCPUOP_is_up:
        return v->up;
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info info = {.state = v->runstate,
                                          .state_entry_time = (uint64_t)v->runstate_entry};
        for (unsigned int i = 0; i < 4; i++)
            info.time[i] = v->runstate_time[i];
        info.time[v->runstate] += (uint64_t)(NOW() - v->runstate_entry);
        return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area area;
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -EFAULT;
        uint64_t addr = (uint64_t)area.addr.h.p;
        if (addr && !guest_range_ok(addr, sizeof(struct vcpu_runstate_info)))
            return -EFAULT;
        v->runstate_guest = addr; /* NULL turns the copy off */
        update_runstate_area(v);
        return 0;
    }
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer set;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        if (set.period_ns < MILLISECS(1))
            return -EINVAL;
        v->periodic_period = (s_time_t)set.period_ns;
        set_timer(&v->periodic_timer, NOW() + v->periodic_period);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        stop_timer(&v->periodic_timer);
        return 0;
    case VCPUOP_set_singleshot_timer: {
        if (v != self)
            return -EINVAL;
        struct vcpu_set_singleshot_timer set;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        /* Xen 4.17 ignores VCPU_SSHOTTMR_future: a past deadline fires at once. */
        set_singleshot(v, (s_time_t)set.timeout_abs_ns);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != self)
            return -EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info info;
        if (copy_from_guest(&info, arg, sizeof(info)))
            return -EFAULT;
        return pv_register_vcpu_info(v, info.mfn, info.offset);
    }
    default:
        return -ENOSYS;
    }
}
