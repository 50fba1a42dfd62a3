/*
 * Softirqs (see include/hv/softirq.h): one pending bitmap per CPU, and a
 * watch on how long a CPU that serves them leaves them pending.
 */
#include <hv/softirq.h>
#include <hv/smp.h>
#include <hv/timer.h>
#include <hv/console.h>

/* Pending longer than this on a CPU that serves softirqs is late. */
#define SOFTIRQ_LATE_NS (100 * 1000000LL)

static void (*handlers[NR_SOFTIRQS])(void);
static unsigned long pending[HV_MAX_CPUS];

/* The latency watch: when each CPU's pending set last became non-empty,
 * whether it has served softirqs yet (boot work before that is not late),
 * and the late episodes counted (each once, by its start time). */
static s_time_t pending_since[HV_MAX_CPUS];
static s_time_t served_at[HV_MAX_CPUS]; /* its last do_softirq round */
static bool serving[HV_MAX_CPUS];
static s_time_t late_counted_since[HV_MAX_CPUS];
static unsigned long late_count[HV_MAX_CPUS];
static s_time_t late_longest[HV_MAX_CPUS];

static void note_raised(unsigned int cpu, unsigned long old)
{
    if (!old)
        __atomic_store_n(&pending_since[cpu], NOW(), __ATOMIC_RELAXED);
}

void open_softirq(enum softirq nr, void (*handler)(void))
{
    handlers[nr] = handler;
}

void raise_softirq(enum softirq nr)
{
    unsigned int cpu = smp_processor_id();
    note_raised(cpu, __atomic_fetch_or(&pending[cpu], 1UL << nr, __ATOMIC_SEQ_CST));
}

void cpu_raise_softirq(unsigned int cpu, enum softirq nr)
{
    unsigned long old = __atomic_fetch_or(&pending[cpu], 1UL << nr, __ATOMIC_SEQ_CST);
    note_raised(cpu, old);
    if (cpu != smp_processor_id() && !(old & (1UL << nr)))
        arch_kick_cpu(cpu);
}

bool softirq_pending(unsigned int cpu)
{
    return __atomic_load_n(&pending[cpu], __ATOMIC_SEQ_CST) != 0;
}

void do_softirq(void)
{
    unsigned int cpu = smp_processor_id();
    unsigned long work;
    serving[cpu] = true;
    while ((work = __atomic_exchange_n(&pending[cpu], 0, __ATOMIC_SEQ_CST)) != 0) {
        __atomic_store_n(&served_at[cpu], NOW(), __ATOMIC_RELAXED);
        for (unsigned int i = 0; i < NR_SOFTIRQS; i++)
            if ((work & (1UL << i)) && handlers[i])
                handlers[i]();
    }
}

void softirq_watch(void)
{
    s_time_t now = NOW();
    for (unsigned int cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
        if (!__atomic_load_n(&serving[cpu], __ATOMIC_RELAXED) || !softirq_pending(cpu))
            continue;
        /* A raiser that has set the bit but not yet its time leaves an
         * older episode's time here; the last round served bounds it. */
        s_time_t since = __atomic_load_n(&pending_since[cpu], __ATOMIC_RELAXED);
        s_time_t served = __atomic_load_n(&served_at[cpu], __ATOMIC_RELAXED);
        if (served > since)
            since = served;
        if (now - since <= SOFTIRQ_LATE_NS)
            continue;
        s_time_t counted = __atomic_load_n(&late_counted_since[cpu], __ATOMIC_RELAXED);
        if (counted != since &&
            __atomic_compare_exchange_n(&late_counted_since[cpu], &counted, since, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            __atomic_fetch_add(&late_count[cpu], 1, __ATOMIC_RELAXED);
        s_time_t waited = now - since, longest = late_longest[cpu];
        while (waited > longest &&
               !__atomic_compare_exchange_n(&late_longest[cpu], &longest, waited, false,
                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            ;
    }
}

void softirq_dump(void)
{
    unsigned long total = 0;
    s_time_t longest = 0;
    for (unsigned int cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
        total += late_count[cpu];
        if (late_longest[cpu] > longest)
            longest = late_longest[cpu];
    }
    printk("Softirqs late (pending over 100 ms): %lu times, longest %ld ms\n", total,
           (long)(longest / 1000000));
}
