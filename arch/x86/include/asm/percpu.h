/*
 * Per-CPU data of x86.  Each CPU's struct percpu is found through the
 * pointer at the top of the stack block it runs on (asm/layout.h), so this
 * works on every hv stack, IST stacks included, whatever the GS base holds.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H
#include <hv/types.h>
#include <asm/desc.h>
#include <asm/layout.h>

struct vcpu;

struct percpu {
    unsigned int id;
    uint32_t apic_id;
    char *stack_block; /* STACK_BLOCK_SIZE bytes, aligned to that size */
    volatile bool online;
    uint64_t lapic_ticks;
    uint64_t nmi_count; /* NMIs with no known reason */
    struct x86_cpu desc;
    struct vcpu *current; /* the vCPU running here, NULL when idle */
};

extern struct percpu *percpu_of[NR_CPUS];
extern unsigned int nr_cpus_online;

static inline struct percpu **stack_percpu_slot(const void *stack_block)
{
    return (struct percpu **)((const char *)stack_block + STACK_BLOCK_SIZE - STACK_INFO_SIZE);
}

static inline struct percpu *this_cpu(void)
{
    unsigned long sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return *stack_percpu_slot((const void *)(sp & ~(unsigned long)(STACK_BLOCK_SIZE - 1)));
}

static inline unsigned int this_cpu_id(void)
{
    return this_cpu()->id;
}

/* The top of the primary stack of a block: below the per-CPU pointer. */
static inline void *stack_block_top(const struct percpu *p)
{
    return p->stack_block + STACK_BLOCK_SIZE - STACK_INFO_SIZE;
}

/* Records p as the CPU of its stack block (before the CPU runs on it). */
void percpu_set(struct percpu *p);
#endif
