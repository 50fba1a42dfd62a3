/* CPU numbering shared by arch-neutral code. */
#ifndef HV_SMP_H
#define HV_SMP_H
#include <hv/types.h>
#define HV_MAX_CPUS 64
unsigned int smp_processor_id(void);
unsigned int num_online_cpus(void);
/* One step of a wait for another CPU (answers what that CPU may ask of this one). */
void arch_wait_relax(void);
#endif
