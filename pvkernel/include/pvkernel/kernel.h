/* pvkernel's start of day and exit, and what every kernel built on it provides. */
#ifndef PVKERNEL_KERNEL_H
#define PVKERNEL_KERNEL_H
#include <xen-abi.h>

extern start_info_t *start_info;

/* Provided by each kernel built on pvkernel: its work after start of day. */
int kernel_main(void);

/*
 * Ends the run: on QEMU, writes code to the isa-debug-exit port (after
 * raising the I/O privilege level, as dom0 may), then powers off.
 */
void pvkernel_exit(int code) __attribute__((noreturn));
#endif
