/*
 * The legacy interrupt controllers: the 8259 PICs are remapped away from the
 * exception vectors and masked, and every IOAPIC pin is masked.  hv itself
 * runs on local APIC timer interrupts and IPIs only; device interrupts are
 * routed when a domain is given a device (a later issue).
 */
#include <asm/apic.h>
#include <asm/acpi.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <hv/console.h>

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10

static void pic_disable(void)
{
    /* ICW1-4: vectors 0x20-0x2f, cascade on IRQ2, 8086 mode; then mask all. */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

static uint32_t ioapic_read(volatile uint32_t *io, uint32_t reg)
{
    io[IOAPIC_REGSEL / 4] = reg;
    return io[IOAPIC_WINDOW / 4];
}

static void ioapic_write(volatile uint32_t *io, uint32_t reg, uint32_t v)
{
    io[IOAPIC_REGSEL / 4] = reg;
    io[IOAPIC_WINDOW / 4] = v;
}

void ioapic_init(void)
{
    pic_disable();
    for (unsigned int i = 0; i < acpi_info.madt.nr_ioapics; i++) {
        const struct acpi_ioapic *a = &acpi_info.madt.ioapics[i];
        volatile uint32_t *io = ioremap(a->address, 0x20, false);
        if (!io)
            continue;
        uint32_t ver = ioapic_read(io, 1);
        unsigned int pins = ((ver >> 16) & 0xff) + 1;
        for (unsigned int pin = 0; pin < pins; pin++) {
            ioapic_write(io, 0x10 + 2 * pin, 1u << 16); /* masked */
            ioapic_write(io, 0x11 + 2 * pin, 0);
        }
        printk("IOAPIC %u: version %#x, %u pins (GSI %u-%u), all masked\n", a->id, ver & 0xff, pins,
               a->gsi_base, a->gsi_base + pins - 1);
    }
}
