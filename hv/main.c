/*
 * Arch-neutral start of day: look at the boot modules (boot descriptions in
 * FDT form; the dom0 kernel, then its initrd), build dom0 and run it, or
 * settle into the idle loop when there is none.
 */
#include <hv/main.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/fdt_list.h>
#include <hv/panic.h>

void hv_main(void)
{
    const struct boot_module *kernel = NULL, *initrd = NULL;

    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        printk("Module %u: %#lx-%#lx (%lu KiB) \"%s\"\n", i, m->start, m->end,
               (m->end - m->start) >> 10, m->cmdline);
        if (fdt_module_list(m))
            continue;
        if (!kernel)
            kernel = m;
        else if (!initrd)
            initrd = m;
        else
            printk(XENLOG_WARNING "WARNING: module %u is neither kernel nor initrd; ignored\n", i);
    }
    if (boot_info.modules_dropped)
        printk(XENLOG_WARNING "WARNING: %u boot modules beyond the first %u ignored\n",
               boot_info.modules_dropped, BOOT_MAX_MODULES);
    if (!kernel) {
        printk("no dom0 kernel module given\n");
        printk("Bring-up complete; idle\n");
        arch_idle();
    }

    struct domain *d = domain_create(0, true, dom0_max_vcpus());
    if (!d)
        panic("Could not create domain 0");
    /* All of dom0's vCPUs exist from the start; the others stay down until
     * the kernel brings them up (VCPUOP_initialise, VCPUOP_up), as on Xen. */
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (!vcpu_create(d, i))
            panic("Could not create domain 0");
    int rc = arch_dom0_build(d, kernel, initrd);
    if (rc)
        panic("Could not set up DOM0 guest OS (%d)", rc);
    printk("Bring-up complete; starting dom0\n");
    vcpu_start(d->vcpus[0]);
    arch_idle();
}
