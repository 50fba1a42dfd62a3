/* Softirqs (see include/hv/softirq.h): one pending bitmap per CPU. */
#include <hv/softirq.h>
#include <hv/smp.h>

static void (*handlers[NR_SOFTIRQS])(void);
static unsigned long pending[HV_MAX_CPUS];

void open_softirq(enum softirq nr, void (*handler)(void))
{
    handlers[nr] = handler;
}

void raise_softirq(enum softirq nr)
{
    __atomic_fetch_or(&pending[smp_processor_id()], 1UL << nr, __ATOMIC_SEQ_CST);
}

void cpu_raise_softirq(unsigned int cpu, enum softirq nr)
{
    unsigned long old = __atomic_fetch_or(&pending[cpu], 1UL << nr, __ATOMIC_SEQ_CST);
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
    while ((work = __atomic_exchange_n(&pending[cpu], 0, __ATOMIC_SEQ_CST)) != 0) {
        for (unsigned int i = 0; i < NR_SOFTIRQS; i++)
            if ((work & (1UL << i)) && handlers[i])
                handlers[i]();
    }
}
