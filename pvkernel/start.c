/*
 * pvkernel's start of day and exit: keep start_info, register the trap
 * table, run the kernel's main, exit with its status.  Page tables,
 * events and threads are the kernel's to start (mm_init, events_init,
 * threads_init) when it needs them.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/traps.h>

start_info_t *start_info;

void pvkernel_start(start_info_t *si);

void pvkernel_start(start_info_t *si)
{
    start_info = si;
    traps_init();
    pvkernel_exit(kernel_main());
}

void pvkernel_exit(int code)
{
    printk("pvkernel: exit %d\n", code);
    /* isa-debug-exit (QEMU), for dom0: needs the port, so raise the I/O privilege level. */
    struct physdev_set_iopl iopl = {.iopl = 3};
    if ((start_info->flags & SIF_INITDOMAIN) &&
        HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl) == 0)
        __asm__ __volatile__("outb %b0, %w1" : : "a"((unsigned char)code), "Nd"(0xf4));
    struct sched_shutdown shutdown = {.reason = code ? SHUTDOWN_crash : SHUTDOWN_poweroff};
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &shutdown);
}
