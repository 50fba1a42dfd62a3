/*
 * The scheduler (see include/hv/sched.h): per-CPU run queues, wake and
 * sleep, the SCHEDULE_SOFTIRQ that picks the next vCPU, work stealing by
 * CPUs with nothing to run, and pause counts.  The credit policy that
 * orders each queue (weights, caps, boost) is in hv/sched_credit.c.
 */
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <hv/domain.h>
#include <hv/panic.h>
#include <hv/console.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/spinlock.h>
#include <hv/timer.h>
#include <xen-abi.h>

struct sched_cpu {
    spinlock_t lock;
    struct vcpu *runq_head, *runq_tail;
    struct vcpu *curr; /* NULL: idle */
    bool online;
    struct timer tick; /* credit accounting and slice ends while a vCPU runs */
    s_time_t slice_end;
    s_time_t next_account;
};

static struct sched_cpu sched_cpus[HV_MAX_CPUS];
static uint64_t online_mask;

uint64_t sched_online_cpus(void)
{
    return __atomic_load_n(&online_mask, __ATOMIC_SEQ_CST);
}

/* The lock of v's CPU; v->processor cannot change while it is held. */
static struct sched_cpu *vcpu_lock(struct vcpu *v, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&v->processor, __ATOMIC_SEQ_CST);
        struct sched_cpu *sc = &sched_cpus[cpu];
        *flags = spin_lock_irqsave(&sc->lock);
        if (cpu == v->processor)
            return sc;
        spin_unlock_irqrestore(&sc->lock, *flags);
    }
}

bool vcpu_runnable(const struct vcpu *v)
{
    const struct domain *d = v->domain;
    return !__atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&v->pause_count, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&d->pause_count, __ATOMIC_SEQ_CST) && d->state == DOMAIN_RUNNING;
}

/* The runstate of a vCPU that is not running (Xen's choice between the three). */
static int idle_runstate(const struct vcpu *v)
{
    if (vcpu_runnable(v))
        return RUNSTATE_runnable;
    return (__atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST) & VPF_BLOCKED) ? RUNSTATE_blocked
                                                                              : RUNSTATE_offline;
}

static void runq_remove(struct sched_cpu *sc, struct vcpu *v)
{
    if (v->runq_prev)
        v->runq_prev->runq_next = v->runq_next;
    else
        sc->runq_head = v->runq_next;
    if (v->runq_next)
        v->runq_next->runq_prev = v->runq_prev;
    else
        sc->runq_tail = v->runq_prev;
    v->runq_next = v->runq_prev = NULL;
    v->on_runq = false;
}

/* Behind every queued vCPU of the same or higher priority: FIFO within a priority. */
static void runq_insert(struct sched_cpu *sc, struct vcpu *v)
{
    struct vcpu *after = sc->runq_tail;
    while (after && after->priority < v->priority)
        after = after->runq_prev;
    v->runq_prev = after;
    v->runq_next = after ? after->runq_next : sc->runq_head;
    if (v->runq_next)
        v->runq_next->runq_prev = v;
    else
        sc->runq_tail = v;
    if (after)
        after->runq_next = v;
    else
        sc->runq_head = v;
    v->on_runq = true;
}

static unsigned int lowest_cpu(uint64_t mask)
{
    return (unsigned int)__builtin_ctzll(mask);
}

/*
 * v was just queued on sc's CPU: make a CPU act on it.  Its own if v beats
 * what runs there (or it idles); otherwise an idle CPU v may run on, which
 * will take it from the queue.
 */
static void tickle(struct sched_cpu *sc, unsigned int cpu, struct vcpu *v)
{
    if (!sc->curr || sc->curr->priority < v->priority) {
        cpu_raise_softirq(cpu, SCHEDULE_SOFTIRQ);
        return;
    }
    uint64_t idle = 0;
    for (uint64_t m = sched_online_cpus() & v->hard_affinity & ~(1ULL << cpu); m; m &= m - 1) {
        unsigned int other = lowest_cpu(m);
        if (!__atomic_load_n(&sched_cpus[other].curr, __ATOMIC_SEQ_CST))
            idle |= 1ULL << other;
    }
    if (idle)
        cpu_raise_softirq(lowest_cpu(idle), SCHEDULE_SOFTIRQ);
}

/* Puts a runnable, non-running v on its CPU's queue (lock held). */
static void enqueue_locked(struct sched_cpu *sc, struct vcpu *v, bool woken)
{
    if (v->runstate != RUNSTATE_runnable)
        vcpu_runstate_change(v, RUNSTATE_runnable);
    credit_vcpu_queued(v, woken);
    runq_insert(sc, v);
    tickle(sc, v->processor, v);
}

void vcpu_wake(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *sc = vcpu_lock(v, &flags);
    if (vcpu_runnable(v)) {
        /* A running vCPU is queued again by sched_context_saved, if it must be. */
        if (!v->running && !v->on_runq)
            enqueue_locked(sc, v, v->runstate == RUNSTATE_blocked);
    } else if (!v->running && v->runstate == RUNSTATE_runnable) {
        vcpu_runstate_change(v, idle_runstate(v));
    }
    spin_unlock_irqrestore(&sc->lock, flags);
}

void vcpu_sleep_nosync(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *sc = vcpu_lock(v, &flags);
    if (!vcpu_runnable(v)) {
        if (v->on_runq) {
            runq_remove(sc, v);
            vcpu_runstate_change(v, idle_runstate(v));
        }
        if (sc->curr == v)
            cpu_raise_softirq(v->processor, SCHEDULE_SOFTIRQ);
    }
    spin_unlock_irqrestore(&sc->lock, flags);
}

void vcpu_sleep_sync(struct vcpu *v)
{
    vcpu_sleep_nosync(v);
    while (__atomic_load_n(&v->running, __ATOMIC_SEQ_CST) && !vcpu_runnable(v))
        arch_wait_relax();
}

bool vcpu_test_and_set_flag(struct vcpu *v, unsigned int flag)
{
    return __atomic_fetch_or(&v->pause_flags, flag, __ATOMIC_SEQ_CST) & flag;
}

bool vcpu_test_and_clear_flag(struct vcpu *v, unsigned int flag)
{
    return __atomic_fetch_and(&v->pause_flags, ~flag, __ATOMIC_SEQ_CST) & flag;
}

void vcpu_unblock(struct vcpu *v)
{
    if (vcpu_test_and_clear_flag(v, VPF_BLOCKED)) {
        vcpu_poll_end(v);
        vcpu_wake(v);
    }
}

void vcpu_pause_nosync(struct vcpu *v)
{
    __atomic_fetch_add(&v->pause_count, 1, __ATOMIC_SEQ_CST);
    vcpu_sleep_nosync(v);
}

void vcpu_pause(struct vcpu *v)
{
    __atomic_fetch_add(&v->pause_count, 1, __ATOMIC_SEQ_CST);
    vcpu_sleep_sync(v);
}

void vcpu_unpause(struct vcpu *v)
{
    if (__atomic_sub_fetch(&v->pause_count, 1, __ATOMIC_SEQ_CST) == 0)
        vcpu_wake(v);
}

void domain_sched_update(struct domain *d)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        if (vcpu_runnable(v))
            vcpu_wake(v);
        else
            vcpu_sleep_nosync(v);
    }
}

void domain_pause(struct domain *d)
{
    __atomic_fetch_add(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpus[i])
            vcpu_sleep_sync(d->vcpus[i]);
}

void domain_unpause(struct domain *d)
{
    if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST) == 0)
        domain_sched_update(d);
}

int vcpu_set_hard_affinity(struct vcpu *v, uint64_t cpus)
{
    if (!(cpus & sched_online_cpus()))
        return -1;
    unsigned long flags;
    struct sched_cpu *sc = vcpu_lock(v, &flags);
    v->hard_affinity = cpus;
    /* Moved at its next schedule: a queued vCPU leaves a CPU it may not use. */
    if (!(cpus & (1ULL << v->processor))) {
        if (v->on_runq) {
            runq_remove(sc, v);
            unsigned int to = lowest_cpu(cpus & sched_online_cpus());
            v->processor = to;
            spin_unlock_irqrestore(&sc->lock, flags);
            vcpu_wake(v);
            return 0;
        }
        if (sc->curr == v)
            cpu_raise_softirq(v->processor, SCHEDULE_SOFTIRQ);
    }
    spin_unlock_irqrestore(&sc->lock, flags);
    return 0;
}

void sched_context_saved(struct vcpu *prev)
{
    unsigned long flags;
    struct sched_cpu *sc = vcpu_lock(prev, &flags);
    __atomic_store_n(&prev->running, false, __ATOMIC_SEQ_CST);
    /* Not affine to this CPU any more (affinity changed while it ran). */
    if (!(prev->hard_affinity & (1ULL << prev->processor))) {
        unsigned int to = lowest_cpu(prev->hard_affinity & sched_online_cpus());
        migrate_vcpu_timers(prev, to);
        prev->processor = to;
        spin_unlock_irqrestore(&sc->lock, flags);
        vcpu_wake(prev);
        return;
    }
    /* Woken (or still runnable) while its registers were live: queue it now. */
    if (vcpu_runnable(prev) && !prev->on_runq)
        enqueue_locked(sc, prev, prev->runstate == RUNSTATE_blocked);
    spin_unlock_irqrestore(&sc->lock, flags);
}

/*
 * Takes a vCPU that may run here from another CPU's queue, best priority
 * first.  Only with our lock held and theirs taken by trylock, so two
 * CPUs stealing from each other cannot deadlock.
 */
static struct vcpu *steal(unsigned int cpu, int better_than)
{
    struct vcpu *best = NULL;
    struct sched_cpu *best_sc = NULL;
    for (uint64_t m = sched_online_cpus() & ~(1ULL << cpu); m; m &= m - 1) {
        struct sched_cpu *other = &sched_cpus[lowest_cpu(m)];
        if (!spin_trylock(&other->lock))
            continue;
        struct vcpu *v = other->runq_head;
        while (v && !(v->hard_affinity & (1ULL << cpu)))
            v = v->runq_next;
        if (v && v->priority > better_than && (!best || v->priority > best->priority)) {
            if (best_sc)
                spin_unlock(&best_sc->lock);
            best = v;
            best_sc = other;
            continue; /* keep the victim locked until we take it */
        }
        spin_unlock(&other->lock);
    }
    if (!best)
        return NULL;
    runq_remove(best_sc, best);
    migrate_vcpu_timers(best, cpu);
    best->processor = cpu;
    spin_unlock(&best_sc->lock);
    return best;
}

static void tick_fn(void *data)
{
    raise_softirq(SCHEDULE_SOFTIRQ);
}

/*
 * Once per accounting period: this CPU's credits go to the vCPUs queued
 * here and the one running, by weight; the queue is then re-sorted, since
 * priorities follow credit.
 */
static void account(struct sched_cpu *sc, struct vcpu *curr, s_time_t now)
{
    if (now < sc->next_account)
        return;
    sc->next_account = now - now % credit_period() + credit_period();
    uint64_t total = 0;
    for (struct vcpu *v = sc->runq_head; v; v = v->runq_next)
        total += credit_weight(v);
    if (curr)
        total += credit_weight(curr);
    if (!total)
        return;
    struct vcpu *queued = sc->runq_head;
    sc->runq_head = sc->runq_tail = NULL;
    while (queued) {
        struct vcpu *v = queued;
        queued = v->runq_next;
        v->runq_next = v->runq_prev = NULL;
        credit_grant(v, (int)(CSCHED_CREDITS_PER_ACCT * credit_weight(v) / total));
        runq_insert(sc, v);
    }
    if (curr)
        credit_grant(curr, (int)(CSCHED_CREDITS_PER_ACCT * credit_weight(curr) / total));
}

/* SCHEDULE_SOFTIRQ: choose what this CPU runs next, and switch to it. */
static void schedule(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_cpu *sc = &sched_cpus[cpu];
    unsigned long flags = spin_lock_irqsave(&sc->lock);
    s_time_t now = NOW();
    struct vcpu *prev = sc->curr;
    if (prev)
        credit_burn(prev, now);
    account(sc, prev, now);

    bool prev_can_run = prev && vcpu_runnable(prev) && (prev->hard_affinity & (1ULL << cpu));
    struct vcpu *head = sc->runq_head, *next;
    /* The current vCPU goes on unless something better waits or its slice ended. */
    if (prev_can_run && (!head || head->priority < prev->priority ||
                         (head->priority == prev->priority && now < sc->slice_end))) {
        next = prev;
    } else {
        next = head;
        if (next)
            runq_remove(sc, next);
        else if (prev_can_run)
            next = prev;
    }
    if (!next || next->priority < CSCHED_PRI_TS_UNDER) {
        /* Nothing, or only a vCPU past its credit: better work from elsewhere first. */
        struct vcpu *stolen = steal(cpu, next ? next->priority : CSCHED_PRI_IDLE);
        if (stolen) {
            if (next && next != prev)
                runq_insert(sc, next);
            next = stolen;
        }
    }

    if (next) {
        if (next != prev)
            sc->slice_end = now + credit_tslice();
        s_time_t until = credit_budget_left(next, now);
        set_timer(&sc->tick, now + (until < credit_tick_period() ? until : credit_tick_period()));
        next->run_start = now;
    } else {
        stop_timer(&sc->tick);
    }
    if (next == prev) {
        spin_unlock_irqrestore(&sc->lock, flags);
        return;
    }
    if (prev) {
        /* Xen's order: prev's runstate now, written to its area while its
         * page tables are still loaded; it is queued again once saved. */
        stop_timer(&prev->periodic_timer);
        vcpu_runstate_change(prev, idle_runstate(prev));
    }
    if (next) {
        __atomic_store_n(&next->running, true, __ATOMIC_SEQ_CST);
        vcpu_runstate_change(next, RUNSTATE_running);
    }
    __atomic_store_n(&sc->curr, next, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&sc->lock, flags);
    if (next)
        vcpu_periodic_timer_work(next);
    arch_context_switch(prev, next);
}

void sched_yield_current(void)
{
    /* The slice ends now: a queued vCPU of the same priority goes first. */
    sched_cpus[smp_processor_id()].slice_end = 0;
    raise_softirq(SCHEDULE_SOFTIRQ);
}

void sched_init_cpu(unsigned int cpu)
{
    struct sched_cpu *sc = &sched_cpus[cpu];
    sc->lock = (spinlock_t)SPINLOCK_INIT;
    init_timer(&sc->tick, tick_fn, NULL, cpu);
    if (cpu == 0)
        open_softirq(SCHEDULE_SOFTIRQ, schedule);
    __atomic_fetch_or(&online_mask, 1ULL << cpu, __ATOMIC_SEQ_CST);
    sc->online = true;
}

void sched_init_vcpu(struct vcpu *v, unsigned int cpu)
{
    v->processor = cpu;
    v->hard_affinity = ~0ULL;
    v->soft_affinity = ~0ULL;
    v->pause_flags = VPF_DOWN;
    credit_init_vcpu(v);
}

void sched_destroy_vcpu(struct vcpu *v)
{
    unsigned long flags;
    struct sched_cpu *sc = vcpu_lock(v, &flags);
    if (v->on_runq)
        runq_remove(sc, v);
    spin_unlock_irqrestore(&sc->lock, flags);
    stop_timer(&v->poll_timer);
    stop_timer(&v->singleshot_timer);
    stop_timer(&v->periodic_timer);
}

void sched_dump(void)
{
    for (uint64_t m = sched_online_cpus(); m; m &= m - 1) {
        unsigned int cpu = lowest_cpu(m);
        struct sched_cpu *sc = &sched_cpus[cpu];
        unsigned long flags = spin_lock_irqsave(&sc->lock);
        struct vcpu *c = sc->curr;
        printk("CPU%u: running %s", cpu, c ? "" : "idle");
        if (c)
            printk("d%uv%u pri %d credit %d", c->domain->id, c->id, c->priority, c->credit);
        printk(", softirqs %spending, queue:", softirq_pending(cpu) ? "" : "none ");
        for (struct vcpu *v = sc->runq_head; v; v = v->runq_next)
            printk(" d%uv%u(pri %d credit %d)", v->domain->id, v->id, v->priority, v->credit);
        printk("\n");
        spin_unlock_irqrestore(&sc->lock, flags);
    }
}
