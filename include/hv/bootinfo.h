/*
 * What the boot loader told hv, in loader-neutral form: filled by the arch
 * entry code (arch/x86/multiboot.c) and read by the rest of hv.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H
#include <hv/types.h>
#include <asm/e820.h>

#define BOOT_MAX_MODULES 16

struct boot_module {
    paddr_t start;
    paddr_t end;         /* exclusive */
    const char *cmdline; /* with the loader's first word already dropped */
};

struct boot_info {
    const char *loader;  /* boot loader name, or "unknown" */
    const char *cmdline; /* hv's, first word dropped as DESIGN §4 says */
    unsigned int multiboot_version;
    struct e820entry raw_map[E820_MAX];
    unsigned int raw_map_nr;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned int nr_modules;
    unsigned int modules_dropped;
    paddr_t acpi_rsdp; /* 0 if the loader did not say */
    /* Physical ranges holding loader data that must survive until parsed. */
    paddr_t info_start, info_end;
};

extern struct boot_info boot_info;
#endif
