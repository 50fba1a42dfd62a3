/*
 * Per-CPU timers on top of the timer heap: set_timer queues a timer on the
 * CPU it was initialised for and reprograms that CPU's one-shot hardware
 * timer when it becomes the earliest; the timer softirq runs every expired
 * callback and rearms the hardware for the next one.
 */
#include <hv/timer.h>
#include <hv/softirq.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <hv/panic.h>
#include <hv/console.h>
#include <hv/mm.h>

/* hv's own timers per CPU; every vCPU and domain adds room for its own
 * on every CPU (timers move with their vCPU), so a heap never fills. */
#define TIMERS_BASE 64

struct cpu_timers {
    spinlock_t lock;
    struct timer_heap heap;
    bool online;
};

static struct cpu_timers cpu_timers[HV_MAX_CPUS];
static spinlock_t reserve_lock = SPINLOCK_INIT;
static unsigned int timers_reserved;

s_time_t NOW(void)
{
    return arch_now();
}

static void reprogram(struct cpu_timers *ct)
{
    struct timer *first = timer_heap_peek(&ct->heap);
    arch_timer_program(first ? first->expires : 0);
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->heap_index = 0;
    t->expires = 0;
}

void set_timer(struct timer *t, s_time_t expires)
{
    struct cpu_timers *ct = &cpu_timers[t->cpu];
    unsigned long flags = spin_lock_irqsave(&ct->lock);
    timer_heap_remove(&ct->heap, t);
    t->expires = expires;
    if (!timer_heap_insert(&ct->heap, t))
        panic("CPU %u: more than %u timers pending", t->cpu, ct->heap.capacity);
    bool earliest = timer_heap_peek(&ct->heap) == t;
    spin_unlock_irqrestore(&ct->lock, flags);
    if (earliest) {
        /* Only the owning CPU touches its hardware timer. */
        if (t->cpu == smp_processor_id())
            reprogram(ct);
        else
            cpu_raise_softirq(t->cpu, TIMER_SOFTIRQ);
    }
}

void stop_timer(struct timer *t)
{
    struct cpu_timers *ct = &cpu_timers[t->cpu];
    unsigned long flags = spin_lock_irqsave(&ct->lock);
    timer_heap_remove(&ct->heap, t);
    spin_unlock_irqrestore(&ct->lock, flags);
}

static void timer_softirq(void)
{
    struct cpu_timers *ct = &cpu_timers[smp_processor_id()];
    struct timer *t;
    unsigned long flags = spin_lock_irqsave(&ct->lock);
    while ((t = timer_heap_pop_expired(&ct->heap, NOW())) != NULL) {
        spin_unlock_irqrestore(&ct->lock, flags);
        t->fn(t->data);
        flags = spin_lock_irqsave(&ct->lock);
    }
    reprogram(ct);
    spin_unlock_irqrestore(&ct->lock, flags);
}

void migrate_timer(struct timer *t, unsigned int cpu)
{
    if (t->cpu == cpu)
        return;
    struct cpu_timers *ct = &cpu_timers[t->cpu];
    unsigned long flags = spin_lock_irqsave(&ct->lock);
    bool active = timer_heap_remove(&ct->heap, t);
    spin_unlock_irqrestore(&ct->lock, flags);
    t->cpu = cpu;
    if (active)
        set_timer(t, t->expires);
}

/* Grows one CPU's heap to hold `capacity` timers; false without memory. */
static bool grow_heap(struct cpu_timers *ct, unsigned int capacity)
{
    if (ct->heap.capacity >= capacity)
        return true;
    struct timer **slots = xzalloc((capacity + 1) * sizeof(*slots));
    if (!slots)
        return false;
    unsigned long flags = spin_lock_irqsave(&ct->lock);
    struct timer **old = ct->heap.slots;
    for (unsigned int i = 1; i <= ct->heap.nr; i++)
        slots[i] = old[i];
    ct->heap.slots = slots;
    ct->heap.capacity = capacity;
    spin_unlock_irqrestore(&ct->lock, flags);
    xfree(old);
    return true;
}

bool timers_reserve(unsigned int n)
{
    unsigned long flags = spin_lock_irqsave(&reserve_lock);
    unsigned int want = TIMERS_BASE + timers_reserved + n;
    bool ok = true;
    for (unsigned int cpu = 0; cpu < HV_MAX_CPUS && ok; cpu++)
        if (cpu_timers[cpu].online)
            ok = grow_heap(&cpu_timers[cpu], want);
    if (ok)
        timers_reserved += n;
    spin_unlock_irqrestore(&reserve_lock, flags);
    return ok;
}

void timers_release(unsigned int n)
{
    unsigned long flags = spin_lock_irqsave(&reserve_lock);
    timers_reserved -= n < timers_reserved ? n : timers_reserved;
    spin_unlock_irqrestore(&reserve_lock, flags);
}

void timers_init_cpu(unsigned int cpu)
{
    struct cpu_timers *ct = &cpu_timers[cpu];
    ct->lock = (spinlock_t)SPINLOCK_INIT;
    unsigned long flags = spin_lock_irqsave(&reserve_lock);
    unsigned int capacity = TIMERS_BASE + timers_reserved;
    struct timer **slots = xzalloc((capacity + 1) * sizeof(*slots));
    if (!slots)
        panic("CPU %u: no memory for its timers", cpu);
    timer_heap_init(&ct->heap, slots, capacity);
    ct->online = true;
    spin_unlock_irqrestore(&reserve_lock, flags);
    if (cpu == 0)
        open_softirq(TIMER_SOFTIRQ, timer_softirq);
}

void timer_interrupt(void)
{
    raise_softirq(TIMER_SOFTIRQ);
    softirq_watch();
}
