/* Trap and interrupt dispatch (arch/x86/traps.c). */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H
#include <asm/regs.h>

typedef void (*irq_handler_t)(struct cpu_regs *regs);
void set_irq_handler(unsigned int vector, irq_handler_t fn);
void show_registers(const struct cpu_regs *regs);
void show_stack_trace(uint64_t rbp, uint64_t rip);
void do_trap(struct cpu_regs *regs);
/* Set by code that wants the next NMI treated as fatal (hvtest=nmi). */
extern volatile bool nmi_is_fatal;
#endif
