/* Secondary CPU bring-up (arch/x86/smpboot.c). */
#ifndef ASM_SMP_H
#define ASM_SMP_H
#include <hv/types.h>

struct trampoline_params {
    uint64_t cr3;
    uint64_t stack;
    uint64_t entry;
    uint64_t arg;
    uint64_t nx;
};

void smp_boot_cpus(void);
/* Stops every other CPU (panic paths). */
void smp_stop_other_cpus(void);
/* Per-CPU start of the idle work: timers, heartbeat. */
void cpu_start_heartbeat(void);
void udelay(uint64_t us);
/* Interrupt handlers of the local APIC (timer, IPIs, spurious, error). */
void interrupts_init_cpu(void);
#endif
