/*
 * Start of day on x86, from the 64-bit entry in boot/head.S to hv_main():
 * console, command line, memory map, page tables, memory allocators,
 * descriptor tables, interrupt controllers, time and the other CPUs.
 */
#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/main.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/multiboot.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/uart.h>
#include <asm/hvtest.h>
#include <asm/m2p.h>
#include <asm/pv.h>
#include <asm/guest_access.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/rtc.h>
#include <hv/timer.h>
#include <hv/sched.h>
#include <string.h>
#include <stdio.h>
#include <hv/keyhandler.h>
#include <hv/domctl.h>

void arch_start(uint32_t magic, paddr_t info_pa) __noreturn;

extern char boot_stack[];
extern char __image_start[], __image_end[];

static struct percpu bsp_percpu;
struct percpu *percpu_of[NR_CPUS];
unsigned int nr_cpus_online = 1;
static struct e820map e820;

void percpu_set(struct percpu *p)
{
    *stack_percpu_slot(p->stack_block) = p;
    percpu_of[p->id] = p;
}

static void warn_option(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[160];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk(XENLOG_WARNING "WARNING: %s", buf);
}

static void print_banner(void)
{
    printk(" _   _  __   __\n");
    printk("| |_| | \\ \\ / /   hv " HV_VERSION " - x86_64 paravirtualizing hypervisor\n");
    printk("|  _  |  \\ V /    speaking the Xen 4.17 guest ABI\n");
    printk("|_| |_|   \\_/\n");
}

static void setup_memory(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000008) {
        cpuid(0x80000008, &a, &b, &c, &d);
        cpu_phys_addr_bits = a & 0xff;
    }
    e820_sanitize(boot_info.raw_map, boot_info.raw_map_nr, &e820);
    printk("Boot loader memory map (%u entries), sanitized:\n", boot_info.raw_map_nr);
    for (unsigned int i = 0; i < e820.nr; i++)
        printk(" [%016lx, %016lx] (%s)\n", e820.map[i].addr,
               e820.map[i].addr + e820.map[i].size - 1, e820_type_name(e820.map[i].type));
    uint64_t ram = e820_ram_bytes(&e820);
    printk("System RAM: %luMB (%lukB)\n", ram >> 20, ram >> 10);
    if (ram == 0)
        panic("the boot loader gave no usable memory map");

    uint64_t max_mfn = 0;
    for (unsigned int i = 0; i < e820.nr; i++) {
        const struct e820entry *e = &e820.map[i];
        if (e->type != E820_RAM)
            continue;
        bootmem_add_range(e->addr, e->addr + e->size);
        if ((e->addr + e->size) >> PAGE_SHIFT > max_mfn)
            max_mfn = (e->addr + e->size) >> PAGE_SHIFT;
    }
    /* Firmware, the AP trampoline and legacy devices live below 1 MiB. */
    bootmem_reserve(0, MiB(1));
    bootmem_reserve(__pa(__image_start), __pa(__image_end));
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        bootmem_reserve(boot_info.modules[i].start, boot_info.modules[i].end);
    bootmem_dump();

    paging_init(&e820);
    printk("Page tables: hv at %016lx, direct map at %016lx, no identity map\n",
           (uint64_t)HV_VIRT_BASE, (uint64_t)DIRECTMAP_VIRT_START);
    mm_init(max_mfn);
}

unsigned int cpu_phys_addr_bits = 36;

bool arch_mfn_is_ram(uint64_t mfn)
{
    uint64_t pa = mfn << PAGE_SHIFT;
    for (unsigned int i = 0; i < e820.nr; i++)
        if (e820.map[i].type == E820_RAM && pa >= e820.map[i].addr &&
            pa - e820.map[i].addr < e820.map[i].size)
            return true;
    return false;
}

uint64_t arch_ram_pages(void)
{
    return e820_ram_bytes(&e820) >> PAGE_SHIFT;
}

unsigned int arch_guest_paddr_bits(void)
{
    /* CPUID 0x80000008 EAX[23:16] when the CPU gives it, else the physical width (as Xen). */
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000008) {
        cpuid(0x80000008, &a, &b, &c, &d);
        if ((a >> 16) & 0xff)
            return (a >> 16) & 0xff;
    }
    return cpu_phys_addr_bits;
}

unsigned int arch_threads_per_core(void)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    if (a >= 0xb) {
        /* Leaf 0xb's first level is SMT when it says so: its logical count. */
        cpuid_count(0xb, 0, &a, &b, &c, &d);
        if (((c >> 8) & 0xff) == 1 && (b & 0xffff))
            return b & 0xffff;
    }
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x8000001e) {
        cpuid(0x80000001, &a, &b, &c, &d);
        if (c & (1u << 22)) { /* TOPOEXT */
            cpuid(0x8000001e, &a, &b, &c, &d);
            return ((b >> 8) & 0xff) + 1;
        }
    }
    return 1;
}

bool arch_mfn_is_unusable(uint64_t mfn)
{
    return e820_mfn_unusable_above_1m(&e820, mfn);
}

bool arch_mfn_range_has_unusable(uint64_t first, uint64_t last)
{
    return e820_range_unusable_above_1m(&e820, first, last);
}

void arch_start(uint32_t magic, paddr_t info_pa)
{
    bsp_percpu.id = 0;
    bsp_percpu.stack_block = boot_stack;
    bsp_percpu.online = true;
    percpu_set(&bsp_percpu);
    /* Until the runtime GDT is loaded, gates use the boot GDT's code selector. */
    idt_init(BOOT_CS64);
    load_idt();

    uart_init_early();
    int mb = multiboot_parse(magic, info_pa);
    if (mb == 0) {
        cmdline_parse(boot_info.cmdline, __setup_start, __setup_end, warn_option);
        uart_configure();
    }
    vga_init();
    console_init();
    print_banner();
    if (mb != 0)
        panic("not started by a multiboot loader (magic %#x)", magic);
    printk("Loader: %s (multiboot%s)\n", boot_info.loader,
           boot_info.multiboot_version == 2 ? "2" : "");
    printk("Command line: %s\n", boot_info.cmdline);

    setup_memory();
    cpu_desc_init(&bsp_percpu.desc, boot_stack, 0);
    idt_init(HV_CS64); /* secondary CPUs load their runtime GDT before enabling interrupts */
    pv_cpu_init(0);
    cpu_features_init();
    m2p_init(max_page);
    printk("CPU 0: GDT, TSS and IST stacks (NMI, #DF, #MC, #DB) loaded\n");

    hvtest_run(HVTEST_AFTER_TRAPS);

    acpi_init(boot_info.acpi_rsdp);
    hpet_address = acpi_info.hpet_address;
    ioapic_init();
    time_calibrate();
    rtc_init();
    lapic_init_bsp();
    bsp_percpu.apic_id = lapic_id();
    interrupts_init_cpu();
    lapic_timer_calibrate();
    timers_init_cpu(0);
    sched_init_cpu(0);
    local_irq_enable();
    hvtest_run(HVTEST_AFTER_APIC);

    smp_boot_cpus();
    cpu_start_heartbeat();
    hv_main();
}

void arch_dump_cpus(void)
{
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        struct percpu *p = percpu_of[i];
        if (!p)
            continue;
        printk("CPU%u: apic %u %s, %lu timer ticks, %lu unexplained NMIs\n", p->id, p->apic_id,
               p->online ? "online" : "offline", p->lapic_ticks, p->nmi_count);
    }
}
