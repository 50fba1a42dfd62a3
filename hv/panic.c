/* panic(): the last words of hv. */
#include <hv/panic.h>
#include <hv/console.h>
#include <hv/cmdline.h>
#include <asm/percpu.h>
#include <stdio.h>

bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);
volatile int panicking;

void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    panicking = 1;
    smp_stop_other_cpus();
    console_force_unlock();
    printk("****************************************\n");
    printk("Panic on CPU %u:\n", this_cpu_id());
    printk("%s\n", buf);
    printk("****************************************\n");
    machine_restart_or_halt();
}

void machine_restart_or_halt(void)
{
    if (opt_noreboot) {
        printk("Manual reset required ('noreboot' specified)\n");
        machine_halt();
    }
    printk("Rebooting\n");
    machine_restart();
}
