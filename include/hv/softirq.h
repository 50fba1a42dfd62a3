/*
 * Softirqs: work raised from interrupt context (or another CPU) and run on
 * the way back to the idle loop, with interrupts enabled.
 */
#ifndef HV_SOFTIRQ_H
#define HV_SOFTIRQ_H
#include <hv/types.h>

enum softirq { TIMER_SOFTIRQ, CONSOLE_SOFTIRQ, SCHEDULE_SOFTIRQ, NR_SOFTIRQS };

void open_softirq(enum softirq nr, void (*handler)(void));
void raise_softirq(enum softirq nr);
/* On another CPU: also kicks it out of halt. */
void cpu_raise_softirq(unsigned int cpu, enum softirq nr);
void do_softirq(void);
bool softirq_pending(unsigned int cpu);
/* From each CPU's timer interrupt: counts CPUs that serve softirqs yet
 * have left them pending over 100 ms (a CPU held up, or not run). */
void softirq_watch(void);
/* The late count and the longest wait, for the 'd' key. */
void softirq_dump(void);
/* Arch hook: interrupt a halted CPU so it sees new softirqs. */
void arch_kick_cpu(unsigned int cpu);
unsigned int smp_processor_id(void);
#endif
