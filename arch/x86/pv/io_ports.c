/*
 * Where a PV domain's `in` and `out` go once the instruction passed its
 * privilege checks (DESIGN §7; Xen 4.17's guest_io_read/guest_io_write).
 * Ports the domain is permitted reach the hardware, except the PCI address
 * register as a dword and the CMOS ports, which never do.  Otherwise, byte
 * by byte:
 *  - 0x42, 0x43, 0x61 (PIT channel 2 and the speaker gate): the hardware
 *    domain's virtual PIT, which lets channel 2 through to the hardware
 *    (hv does not use the PIT after boot); channels 0 and 1 have no visible
 *    state, and 0x43 reads 0.  Other domains have no PIT.
 *  - 0x70: the CMOS index, latched per domain; 0x71: CMOS data at that
 *    index, for domains permitted the CMOS ports.
 *  - 0xcf8 as a dword: a per-domain latch; 0xcfc-0xcff: configuration
 *    space through that latch, for the hardware domain.
 *  - anything else reads as all ones and drops writes.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <hv/spinlock.h>

#define PORT_PIT_CH2   0x42
#define PORT_PIT_MODE  0x43
#define PORT_SPEAKER   0x61
#define PORT_CMOS_ADDR 0x70
#define PORT_CMOS_DATA 0x71
#define PORT_PCI_ADDR  0xcf8
#define PORT_PCI_DATA  0xcfc

/* One index/data pair at a time on the CMOS and on PCI configuration space. */
static spinlock_t cmos_lock = SPINLOCK_INIT;
static spinlock_t pci_config_lock = SPINLOCK_INIT;

static bool ports_permitted(const struct domain *d, unsigned int first, unsigned int last)
{
    for (unsigned int p = first; p <= last; p++)
        if (p > 0xffff || !(d->arch.ioport_allowed[p / 8] & (1u << (p % 8))))
            return false;
    return true;
}

bool pv_io_ports_permitted(const struct domain *d, unsigned int first, unsigned int last)
{
    return ports_permitted(d, first, last);
}

/* May the access go to the hardware as it is? */
static bool direct_access_ok(const struct domain *d, unsigned int port, unsigned int bytes)
{
    if (port == PORT_PCI_ADDR && bytes == 4)
        return false;
    if ((port & ~1u) == PORT_CMOS_ADDR)
        return false;
    return ports_permitted(d, port, port + bytes - 1);
}

bool pv_io_direct(const struct domain *d, unsigned int port, unsigned int bytes)
{
    return direct_access_ok(d, port, bytes);
}

static uint32_t hw_in(unsigned int port, unsigned int bytes)
{
    uint16_t p = (uint16_t)port;
    uint32_t v = 0;
    switch (bytes) {
    case 1:
        return inb(p);
    case 2:
        __asm__ __volatile__("inw %w1, %w0" : "+a"(v) : "Nd"(p));
        return v;
    default:
        return inl(p);
    }
}

static void hw_out(unsigned int port, unsigned int bytes, uint32_t v)
{
    uint16_t p = (uint16_t)port;
    switch (bytes) {
    case 1:
        outb(p, (uint8_t)v);
        break;
    case 2:
        __asm__ __volatile__("outw %w0, %w1" : : "a"((uint16_t)v), "Nd"(p));
        break;
    default:
        outl(p, v);
        break;
    }
}

/* The hardware domain's PIT ports; other domains have none (all ones). */
static uint32_t pit_read(const struct domain *d, unsigned int port)
{
    if (!d->privileged)
        return ~0u;
    if (port == PORT_PIT_CH2 || port == PORT_SPEAKER)
        return inb((uint16_t)port);
    return 0; /* the mode register is write-only: the virtual PIT leaves 0 */
}

static void pit_write(const struct domain *d, unsigned int port, uint8_t v)
{
    if (!d->privileged)
        return;
    switch (port) {
    case PORT_PIT_CH2:
        outb(PORT_PIT_CH2, v);
        break;
    case PORT_SPEAKER:
        /* Only the gate and speaker-data bits are the domain's. */
        outb(PORT_SPEAKER, (uint8_t)((inb(PORT_SPEAKER) & ~3u) | (v & 3u)));
        break;
    case PORT_PIT_MODE:
        if ((v & 0xc0) == 0xc0 && (v & 0x08))
            outb(PORT_PIT_MODE, v & 0xf8); /* read-back: channel 2's part only */
        else if ((v & 0xc0) == 0x80)
            outb(PORT_PIT_MODE, v); /* channel 2's control word */
        /* Channels 0 and 1 are hv's: the command has no visible effect. */
        break;
    }
}

static uint32_t cmos_data_read(const struct domain *d)
{
    if (!ports_permitted(d, PORT_CMOS_ADDR, PORT_CMOS_DATA))
        return ~0u;
    unsigned long flags = spin_lock_irqsave(&cmos_lock);
    /* Bit 7 of the index is the NMI mask: never the domain's to set. */
    outb(PORT_CMOS_ADDR, d->arch.cmos_index & 0x7f);
    uint8_t v = inb(PORT_CMOS_DATA);
    spin_unlock_irqrestore(&cmos_lock, flags);
    return v;
}

static void cmos_data_write(const struct domain *d, uint8_t v)
{
    if (!ports_permitted(d, PORT_CMOS_ADDR, PORT_CMOS_DATA))
        return;
    unsigned long flags = spin_lock_irqsave(&cmos_lock);
    outb(PORT_CMOS_ADDR, d->arch.cmos_index & 0x7f);
    outb(PORT_CMOS_DATA, v);
    spin_unlock_irqrestore(&cmos_lock, flags);
}

/* Bytes of one configuration-data access at port: up to the dword's end, never 3. */
static unsigned int pci_data_size(unsigned int port, unsigned int bytes)
{
    unsigned int size = 4 - (port & 3);
    if (bytes < size)
        size = bytes;
    return size == 3 ? 2 : size;
}

static uint32_t pci_config_read(const struct domain *d, unsigned int offset, unsigned int size)
{
    if (!d->privileged)
        return ~0u;
    unsigned long flags = spin_lock_irqsave(&pci_config_lock);
    outl(PORT_PCI_ADDR, d->arch.pci_cf8);
    uint32_t v = hw_in(PORT_PCI_DATA + offset, size);
    spin_unlock_irqrestore(&pci_config_lock, flags);
    return v;
}

static void pci_config_write(const struct domain *d, unsigned int offset, unsigned int size,
                             uint32_t v)
{
    if (!d->privileged)
        return;
    unsigned long flags = spin_lock_irqsave(&pci_config_lock);
    outl(PORT_PCI_ADDR, d->arch.pci_cf8);
    hw_out(PORT_PCI_DATA + offset, size, v);
    spin_unlock_irqrestore(&pci_config_lock, flags);
}

uint32_t pv_io_read(struct domain *d, unsigned int port, unsigned int bytes)
{
    if (direct_access_ok(d, port, bytes))
        return hw_in(port, bytes);
    uint32_t data = 0;
    unsigned int shift = 0;
    while (bytes) {
        unsigned int size = 1;
        uint32_t part = ~0u;
        if (port == PORT_PIT_CH2 || port == PORT_PIT_MODE || port == PORT_SPEAKER) {
            part = pit_read(d, port);
        } else if (port == PORT_CMOS_ADDR) {
            part = d->arch.cmos_index;
        } else if (port == PORT_CMOS_DATA) {
            part = cmos_data_read(d);
        } else if (port == PORT_PCI_ADDR && bytes == 4) {
            return d->arch.pci_cf8;
        } else if ((port & ~3u) == PORT_PCI_DATA) {
            size = pci_data_size(port, bytes);
            part = pci_config_read(d, port & 3, size);
            if (size == 4)
                return part;
        }
        data |= (part & ((1u << (size * 8)) - 1)) << shift;
        shift += size * 8;
        port += size;
        bytes -= size;
    }
    return data;
}

void pv_io_write(struct domain *d, unsigned int port, unsigned int bytes, uint32_t data)
{
    if (direct_access_ok(d, port, bytes)) {
        hw_out(port, bytes, data);
        return;
    }
    while (bytes) {
        unsigned int size = 1;
        if (port == PORT_PIT_CH2 || port == PORT_PIT_MODE || port == PORT_SPEAKER) {
            pit_write(d, port, (uint8_t)data);
        } else if (port == PORT_CMOS_ADDR) {
            d->arch.cmos_index = (uint8_t)data;
        } else if (port == PORT_CMOS_DATA) {
            cmos_data_write(d, (uint8_t)data);
        } else if (port == PORT_PCI_ADDR && bytes == 4) {
            d->arch.pci_cf8 = data;
            return;
        } else if ((port & ~3u) == PORT_PCI_DATA) {
            size = pci_data_size(port, bytes);
            pci_config_write(d, port & 3, size, data);
            if (size == 4)
                return;
        }
        port += size;
        bytes -= size;
        data = size == 4 ? 0 : data >> (size * 8);
    }
}
