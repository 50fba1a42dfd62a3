/*
 * The credit policy (see include/hv/sched_credit.h): credits, priorities,
 * and caps.  Called by hv/sched.c with the lock of the vCPU's CPU held;
 * a domain's cap budget has its own lock, taken inside that one.
 */
#include <hv/sched_credit.h>
#include <hv/sched.h>
#include <hv/domain.h>
#include <hv/spinlock.h>
#include <hv/timer.h>

#define CSCHED_CREDITS_PER_MSEC 10
#define CSCHED_TSLICE           MILLISECS(30)
#define CSCHED_TICK             MILLISECS(10)
#define CSCHED_PERIOD           MILLISECS(30)
/* Credit never piles up beyond one period's worth, nor debt beyond ten. */
#define CREDIT_MAX CSCHED_CREDITS_PER_ACCT
#define CREDIT_MIN (-10 * CSCHED_CREDITS_PER_ACCT)

s_time_t credit_tslice(void)
{
    return CSCHED_TSLICE;
}

s_time_t credit_tick_period(void)
{
    return CSCHED_TICK;
}

s_time_t credit_period(void)
{
    return CSCHED_PERIOD;
}

static int priority_of(const struct vcpu *v)
{
    return v->credit >= 0 ? CSCHED_PRI_TS_UNDER : CSCHED_PRI_TS_OVER;
}

void credit_init_vcpu(struct vcpu *v)
{
    v->credit = 0;
    v->priority = CSCHED_PRI_TS_UNDER;
}

static void unpark_fn(void *data)
{
    struct domain *d = data;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && vcpu_test_and_clear_flag(v, VPF_PARKED))
            vcpu_wake(v);
    }
}

void credit_init_domain(struct domain *d)
{
    d->sched_weight = CSCHED_DEFAULT_WEIGHT;
    d->sched_cap = 0;
    d->cap_lock = (spinlock_t)SPINLOCK_INIT;
    init_timer(&d->cap_timer, unpark_fn, d, 0);
}

void credit_destroy_domain(struct domain *d)
{
    stop_timer(&d->cap_timer);
}

void credit_cap_changed(struct domain *d)
{
    if (!d->sched_cap) {
        stop_timer(&d->cap_timer);
        unpark_fn(d);
    }
}

void credit_vcpu_queued(struct vcpu *v, bool woken)
{
    /* Xen's boost: a vCPU that waited for an event and has credit runs soon. */
    v->priority = (woken && v->credit >= 0) ? CSCHED_PRI_TS_BOOST : priority_of(v);
}

/* The cap's bookkeeping: time used in the current period; parks v past it. */
static void charge_cap(struct vcpu *v, s_time_t ran, s_time_t now)
{
    struct domain *d = v->domain;
    if (!d->sched_cap)
        return;
    s_time_t budget = CSCHED_PERIOD * (s_time_t)d->sched_cap / 100;
    unsigned long flags = spin_lock_irqsave(&d->cap_lock);
    s_time_t period_start = now - now % CSCHED_PERIOD;
    if (d->cap_period_start != period_start) {
        /* A new period: what was overspent comes out of it. */
        s_time_t debt = d->cap_used - budget;
        d->cap_used = debt > 0 ? debt : 0;
        d->cap_period_start = period_start;
    }
    d->cap_used += ran;
    bool over = d->cap_used >= budget;
    spin_unlock_irqrestore(&d->cap_lock, flags);
    if (over) {
        vcpu_test_and_set_flag(v, VPF_PARKED);
        set_timer(&d->cap_timer, period_start + CSCHED_PERIOD);
    }
}

s_time_t credit_budget_left(const struct vcpu *v, s_time_t now)
{
    struct domain *d = v->domain;
    if (!d->sched_cap)
        return CSCHED_TICK;
    s_time_t budget = CSCHED_PERIOD * (s_time_t)d->sched_cap / 100;
    s_time_t period_start = now - now % CSCHED_PERIOD;
    s_time_t used = d->cap_period_start == period_start ? d->cap_used : 0;
    s_time_t left = budget - used;
    return left < 100000 ? 100000 : left; /* at least 100 us: no timer storm */
}

void credit_burn(struct vcpu *v, s_time_t now)
{
    s_time_t ran = now - v->run_start;
    if (ran <= 0)
        return;
    v->run_start = now;
    long burnt = (long)(ran * CSCHED_CREDITS_PER_MSEC / MILLISECS(1));
    long credit = (long)v->credit - burnt;
    v->credit = (int)(credit < CREDIT_MIN ? CREDIT_MIN : credit);
    /* Charged once: a boost lasts until then. */
    v->priority = priority_of(v);
    charge_cap(v, ran, now);
}

unsigned int credit_weight(const struct vcpu *v)
{
    return v->domain->sched_weight;
}

void credit_grant(struct vcpu *v, int credits)
{
    long credit = (long)v->credit + credits;
    v->credit = (int)(credit > CREDIT_MAX ? CREDIT_MAX : credit);
    if (v->priority != CSCHED_PRI_TS_BOOST)
        v->priority = priority_of(v);
}
