/*
 * A dom0 kernel that crashes: it clears its trap table (set_trap_table with
 * NULL), prints a line, then executes ud2.  hv must report the crash with the guest's registers
 * and, with noreboot, stay up answering debug keys.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>

int kernel_main(void)
{
    hypercall1(__HYPERVISOR_set_trap_table, 0);
    printk("crash-ud2: about to execute ud2\n");
    __asm__ __volatile__("mov $0x1234abcd, %%rbx\n\tud2" ::: "rbx");
    return 1;
}
