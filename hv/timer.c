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

#define TIMERS_PER_CPU 256

struct cpu_timers {
    spinlock_t lock;
    struct timer_heap heap;
    struct timer *slots[TIMERS_PER_CPU + 1];
};

static struct cpu_timers cpu_timers[HV_MAX_CPUS];

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
        panic("CPU %u: more than %u timers pending", t->cpu, TIMERS_PER_CPU);
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

void timers_init_cpu(unsigned int cpu)
{
    struct cpu_timers *ct = &cpu_timers[cpu];
    ct->lock = (spinlock_t)SPINLOCK_INIT;
    timer_heap_init(&ct->heap, ct->slots, TIMERS_PER_CPU);
    if (cpu == 0)
        open_softirq(TIMER_SOFTIRQ, timer_softirq);
}

void timer_interrupt(void)
{
    raise_softirq(TIMER_SOFTIRQ);
}
