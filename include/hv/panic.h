/* Fatal errors and machine restart. */
#ifndef HV_PANIC_H
#define HV_PANIC_H
#include <hv/types.h>
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
/* Resets the machine, or halts it forever if noreboot was given. */
void machine_restart_or_halt(void) __noreturn;
void machine_restart(void) __noreturn;
void machine_halt(void) __noreturn;
/* Arch hook: stop every other CPU before the last words are printed. */
void smp_stop_other_cpus(void);
extern bool opt_noreboot;
/* Set once a CPU has started dying, so others stop taking locks. */
extern volatile int panicking;
#define BUG_ON(c)                                                                                  \
    do {                                                                                           \
        if (unlikely(c))                                                                           \
            panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__);                                  \
    } while (0)
#endif
