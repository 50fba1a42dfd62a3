/*
 * Per-CPU data of x86: each CPU's GS base points at its struct percpu, whose
 * first field points at itself, so this_cpu() is one load.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H
#include <hv/types.h>
#include <asm/desc.h>

#define NR_CPUS 64

struct percpu {
    struct percpu *self;
    unsigned int id;
    uint32_t apic_id;
    void *stack_top;
    volatile bool online;
    uint64_t lapic_ticks;
    uint64_t nmi_count; /* NMIs with no known reason */
    struct x86_cpu desc;
};

extern struct percpu *percpu_of[NR_CPUS];
extern unsigned int nr_cpus_online;

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned int this_cpu_id(void)
{
    return this_cpu()->id;
}

void percpu_set(struct percpu *p);
#endif
