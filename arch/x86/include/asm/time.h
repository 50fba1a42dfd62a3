/* Time sources on x86: the TSC, calibrated against the HPET or the PIT. */
#ifndef ASM_TIME_H
#define ASM_TIME_H
#include <hv/types.h>
extern uint64_t tsc_khz;
extern paddr_t hpet_address; /* from the ACPI HPET table; 0 if none */
void time_calibrate(void);
/* Nanoseconds since boot, from the TSC. */
s_time_t arch_now(void);
#endif
