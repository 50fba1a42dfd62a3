/*
 * vCPU timers, runstate and vcpu_op (Xen's semantics): a single-shot timer
 * (set_timer_op, VCPUOP_set_singleshot_timer) and a periodic one (10 ms, as
 * Xen gives every PV vCPU, until the guest stops it), both raising
 * VIRQ_TIMER; the SCHEDOP_poll timeout; runstate accounting with an optional
 * guest copy; bringing vCPUs up and down.
 */
#include <hv/domain.h>
#include <hv/sched.h>
#include <hv/smp.h>
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

/*
 * The periodic timer runs only while its vCPU does (Xen stops it when the
 * vCPU is descheduled); when the vCPU runs again a tick that fell due
 * meanwhile is sent at once, and the next follows a period later.
 */
void vcpu_periodic_timer_work(struct vcpu *v)
{
    if (!v->periodic_period)
        return;
    s_time_t now = NOW();
    s_time_t next = v->periodic_last_event + v->periodic_period;
    if (now >= next) {
        timer_fired(v);
        v->periodic_last_event = now;
        next = now + v->periodic_period;
    }
    migrate_timer(&v->periodic_timer, v->processor);
    set_timer(&v->periodic_timer, next);
}

static void periodic_fn(void *data)
{
    vcpu_periodic_timer_work(data);
}

bool vcpu_poll_end(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->polling, false, __ATOMIC_SEQ_CST))
        return false;
    __atomic_fetch_sub(&v->domain->nr_polling, 1, __ATOMIC_SEQ_CST);
    return true;
}

static void poll_timeout_fn(void *data)
{
    struct vcpu *v = data;
    /* Only if still polling: a wake-up may have come first. */
    if (vcpu_poll_end(v))
        vcpu_unblock(v);
}

void vcpu_update_runstate_area(struct vcpu *v)
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
    if (now > v->runstate_entry)
        v->runstate_time[v->runstate] += (uint64_t)(now - v->runstate_entry);
    v->runstate = state;
    v->runstate_entry = now;
}

void vcpu_init_timers(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, singleshot_fn, v, v->processor);
    init_timer(&v->periodic_timer, periodic_fn, v, v->processor);
    init_timer(&v->poll_timer, poll_timeout_fn, v, v->processor);
    /* PV vCPUs start with Xen's 100 Hz tick. */
    v->periodic_period = MILLISECS(10);
}

void migrate_vcpu_timers(struct vcpu *v, unsigned int cpu)
{
    migrate_timer(&v->singleshot_timer, cpu);
    migrate_timer(&v->periodic_timer, cpu);
    migrate_timer(&v->poll_timer, cpu);
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
    case VCPUOP_initialise:
        /* A vCPU past shared_info's slots needs its own vcpu_info first. */
        if (arch_vcpu_info_unregistered(v))
            return -EINVAL;
        return arch_initialise_vcpu(v, arg);
    case VCPUOP_up:
        if (!v->is_initialised)
            return -EINVAL;
        if (vcpu_test_and_clear_flag(v, VPF_DOWN))
            vcpu_wake(v);
        return 0;
    case VCPUOP_down: {
        bool others_up = false;
        for (unsigned int i = 0; i < d->max_vcpus; i++) {
            struct vcpu *o = d->vcpus[i];
            if (o && o != v && !(o->pause_flags & VPF_DOWN))
                others_up = true;
        }
        /* The last vCPU going down powers the domain off, as on Xen. */
        if (!others_up) {
            domain_shutdown(d, SHUTDOWN_poweroff);
            return 0;
        }
        if (!vcpu_test_and_set_flag(v, VPF_DOWN))
            vcpu_sleep_nosync(v);
        return 0;
    }
    case VCPUOP_is_up:
        return !(__atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST) & VPF_DOWN);
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
        /* Written through the caller's page tables: only the caller's own now. */
        if (v == self)
            vcpu_update_runstate_area(v);
        return 0;
    }
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer set;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        if (set.period_ns < MILLISECS(1))
            return -EINVAL;
        v->periodic_period = (s_time_t)set.period_ns;
        v->periodic_last_event = NOW();
        /* A vCPU not running gets it armed when it next runs. */
        if (v == self)
            set_timer(&v->periodic_timer, v->periodic_last_event + v->periodic_period);
        else
            stop_timer(&v->periodic_timer);
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
