/* hv's debug keys, reached on the serial console after Ctrl-A three times. */
#ifndef HV_KEYHANDLER_H
#define HV_KEYHANDLER_H
void handle_debug_key(char key);
/* Arch hooks the keys call. */
void arch_dump_cpus(void);
#endif
