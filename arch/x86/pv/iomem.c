/*
 * The hardware domain's I/O memory (DESIGN §7, as Xen's dom0 permissions):
 * any frame below the physical address width except what hv drives itself
 * — the local APIC's page and the MSI window around it are refused; the
 * I/O APICs and the HPET, which hv programs, may be mapped read-only only
 * (a writable mapping is made read-only, as Xen makes it).  Like Xen, hv
 * also keeps from it E820-unusable ranges above the first MiB and, on AMD
 * and Hygon CPUs, the HyperTransport window at 0xfd00000000-0xffffffffff
 * (interrupt and system-management space).  Other domains have no I/O
 * memory until domctl grants it.
 */
#include <asm/pv.h>
#include <asm/acpi.h>
#include <asm/e820.h>
#include <asm/layout.h>
#include <asm/cpu.h>
#include <hv/rangeset.h>

#define MSI_WINDOW_FIRST 0xfee00UL /* 0xfee00000-0xfeefffff */
#define MSI_WINDOW_LAST  0xfeeffUL

#define HYPERTRANSPORT_FIRST 0xfd00000UL /* 0xfd00000000-0xffffffffff */
#define HYPERTRANSPORT_LAST  0xfffffffUL

/* Is this an AMD or Hygon CPU (vendor string of CPUID leaf 0)? */
static bool hypertransport_cpu(void)
{
    static int known = -1; /* every CPU computes the same answer */
    if (known < 0) {
        uint32_t a, b, c, d;
        cpuid(0, &a, &b, &c, &d);
        bool amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;   /* AuthenticAMD */
        bool hygon = b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975; /* HygonGenuine */
        known = amd || hygon;
    }
    return known;
}

static bool read_only_to_guests(uint64_t mfn)
{
    if (acpi_info.hpet_address && mfn == acpi_info.hpet_address >> PAGE_SHIFT)
        return true;
    for (unsigned int i = 0; i < acpi_info.madt.nr_ioapics; i++)
        if (mfn == acpi_info.madt.ioapics[i].address >> PAGE_SHIFT)
            return true;
    return false;
}

/*
 * May d map all of [first, last] as I/O memory?  The control domain: as
 * Xen's dom0 iomem capabilities (everything below the physical address
 * width but the local APIC, the MSI window, AMD's HyperTransport window and
 * unusable E820 ranges above 1 MiB); any other domain: what
 * iomem_permission gave it.
 */
bool pv_iomem_range_permitted(const struct domain *d, uint64_t first, uint64_t last)
{
    if (!d->privileged)
        return rangeset_contains(&d->arch.iomem_allowed, first, last);
    if (last >= (1ULL << (cpu_phys_addr_bits - PAGE_SHIFT)))
        return false;
    uint64_t lapic = acpi_info.madt.lapic_address >> PAGE_SHIFT;
    if (acpi_info.madt.lapic_address && lapic >= first && lapic <= last)
        return false;
    if (first <= MSI_WINDOW_LAST && last >= MSI_WINDOW_FIRST)
        return false;
    if (hypertransport_cpu() && first <= HYPERTRANSPORT_LAST && last >= HYPERTRANSPORT_FIRST)
        return false;
    return !arch_mfn_range_has_unusable(first, last);
}

enum iomem_access pv_iomem_access(const struct domain *d, uint64_t mfn)
{
    if (!d->privileged) {
        if (!rangeset_contains(&d->arch.iomem_allowed, mfn, mfn))
            return IOMEM_DENIED;
        return read_only_to_guests(mfn) ? IOMEM_READ_ONLY : IOMEM_READ_WRITE;
    }
    if (mfn >= (1ULL << (cpu_phys_addr_bits - PAGE_SHIFT)))
        return IOMEM_DENIED;
    uint64_t lapic = acpi_info.madt.lapic_address;
    if ((lapic && mfn == lapic >> PAGE_SHIFT) ||
        (mfn >= MSI_WINDOW_FIRST && mfn <= MSI_WINDOW_LAST))
        return IOMEM_DENIED;
    if (mfn >= HYPERTRANSPORT_FIRST && mfn <= HYPERTRANSPORT_LAST && hypertransport_cpu())
        return IOMEM_DENIED;
    if (arch_mfn_is_unusable(mfn))
        return IOMEM_DENIED;
    return read_only_to_guests(mfn) ? IOMEM_READ_ONLY : IOMEM_READ_WRITE;
}
