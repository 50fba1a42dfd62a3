/*
 * TLB flushes on other CPUs (shootdowns).  A CPU asking others to flush
 * bumps each target's request count and sends it VECTOR_IPI_FLUSH; the
 * target flushes everything (global entries too: guests' user mappings
 * are global) and records the count it served.  The asker waits until
 * every target served its request, answering requests aimed at itself
 * meanwhile, so two CPUs flushing each other cannot deadlock; any CPU
 * spinning with interrupts off does the same (arch_wait_relax).
 */
#include <asm/flush.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <hv/sched.h>
#include <hv/smp.h>

static uint64_t requested[NR_CPUS]; /* flushes asked of each CPU */
static uint64_t served[NR_CPUS];    /* the request count its last flush covered */

void flush_tlb_global_local(void)
{
    uint64_t cr4 = read_cr4();
    if (cr4 & X86_CR4_PGE) {
        write_cr4(cr4 & ~(uint64_t)X86_CR4_PGE);
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

void flush_service(void)
{
    unsigned int me = this_cpu_id();
    uint64_t want = __atomic_load_n(&requested[me], __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&served[me], __ATOMIC_SEQ_CST) >= want)
        return;
    /* Every request up to `want` was made after its page-table change. */
    flush_tlb_global_local();
    __atomic_store_n(&served[me], want, __ATOMIC_SEQ_CST);
}

void flush_tlb_mask(uint64_t cpus)
{
    unsigned int me = this_cpu_id();
    if (cpus & (1ULL << me))
        flush_tlb_global_local();
    cpus &= ~(1ULL << me) & sched_online_cpus();
    uint64_t ticket[NR_CPUS];
    for (uint64_t m = cpus; m; m &= m - 1) {
        unsigned int cpu = (unsigned int)__builtin_ctzll(m);
        ticket[cpu] = __atomic_add_fetch(&requested[cpu], 1, __ATOMIC_SEQ_CST);
        lapic_send_ipi(percpu_of[cpu]->apic_id, VECTOR_IPI_FLUSH);
    }
    for (uint64_t m = cpus; m; m &= m - 1) {
        unsigned int cpu = (unsigned int)__builtin_ctzll(m);
        while (__atomic_load_n(&served[cpu], __ATOMIC_SEQ_CST) < ticket[cpu])
            arch_wait_relax();
    }
}

static void flush_irq(struct cpu_regs *regs)
{
    flush_service();
    lapic_eoi();
}

void arch_wait_relax(void)
{
    flush_service();
    cpu_relax();
}

void flush_init(void)
{
    set_irq_handler(VECTOR_IPI_FLUSH, flush_irq);
}
