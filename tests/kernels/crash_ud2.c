/*
 * A dom0 kernel that crashes: it prints a line, then executes ud2 with no
 * trap table.  hv must report the crash with the guest's registers and,
 * with noreboot, stay up answering debug keys.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>

int kernel_main(void)
{
    printk("crash-ud2: about to execute ud2\n");
    __asm__ __volatile__("mov $0x1234abcd, %%rbx\n\tud2" ::: "rbx");
    return 1;
}
