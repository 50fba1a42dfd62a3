/* The arch-neutral part of start of day, and the arch hooks it calls. */
#ifndef HV_MAIN_H
#define HV_MAIN_H
#include <hv/types.h>
#define HV_VERSION "0.1"
void hv_main(void) __noreturn;
void arch_idle(void) __noreturn;
#endif
