/*
 * Arch-neutral start of day: look at the boot modules (a dom0 kernel, an
 * initrd, boot descriptions in FDT form) and settle into the idle loop.
 */
#include <hv/main.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/fdt_list.h>

void hv_main(void)
{
    unsigned int kernels = 0;

    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        printk("Module %u: %#lx-%#lx (%lu KiB) \"%s\"\n", i, m->start, m->end,
               (m->end - m->start) >> 10, m->cmdline);
        if (fdt_module_list(m))
            continue;
        kernels++;
    }
    if (boot_info.modules_dropped)
        printk(XENLOG_WARNING "WARNING: %u boot modules beyond the first %u ignored\n",
               boot_info.modules_dropped, BOOT_MAX_MODULES);
    if (kernels == 0)
        printk("no dom0 kernel module given\n");
    else
        printk("dom0 kernel found; building dom0 is not implemented yet\n");
    printk("Bring-up complete; idle\n");
    arch_idle();
}
