/*
 * ACPI discovery: find the RSDP (from the loader, else the EBDA and the BIOS
 * area), walk the RSDT/XSDT, and parse the MADT, HPET and FADT tables with the
 * checked parsers of acpi_tables.c.  Tables are mapped cached through the
 * ioremap area (firmware places them in reserved memory, outside the
 * direct map).
 */
#include <asm/acpi.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <hv/console.h>
#include <stdio.h>
#include <string.h>

struct acpi_info acpi_info;

static void acpi_warn(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk(XENLOG_WARNING "WARNING: %s", buf);
}

static const char *acpi_error(int err)
{
    switch (-err) {
    case ACPI_ERR_TRUNCATED:
        return "truncated or bad length";
    case ACPI_ERR_CHECKSUM:
        return "bad checksum";
    case ACPI_ERR_SIGNATURE:
        return "bad signature";
    default:
        return "malformed";
    }
}

static paddr_t scan_for_rsdp(paddr_t start, size_t len)
{
    for (paddr_t p = start; p + 20 <= start + len; p += 16) {
        const struct acpi_rsdp *r = __va(p);
        if (!memcmp(r->signature, "RSD PTR ", 8) && acpi_checksum(r, 20) == 0)
            return p;
    }
    return 0;
}

/* Maps a whole table at pa; returns it and its length in *len, or NULL. */
static const void *map_table(paddr_t pa, uint32_t *len)
{
    const struct acpi_header *h = ioremap(pa, sizeof(*h), true);
    if (!h)
        return NULL;
    uint32_t n = h->length;
    if (n < sizeof(*h) || n > MiB(1)) {
        acpi_warn("ACPI: table at %#lx claims %u bytes; ignored\n", pa, n);
        return NULL;
    }
    *len = n;
    return ioremap(pa, n, true);
}

void acpi_init(paddr_t hint)
{
    paddr_t rsdp_pa = hint;
    const void *rsdp;

    if (rsdp_pa) {
        /* The loader's copy (multiboot2 ACPI tag), kept in hv's image. */
        rsdp = __va(rsdp_pa);
    } else {
        paddr_t ebda = (paddr_t)(*(const uint16_t *)__va(0x40e)) << 4;
        if (ebda >= 0x80000 && ebda < 0xa0000)
            rsdp_pa = scan_for_rsdp(ebda, 1024);
        if (!rsdp_pa)
            rsdp_pa = scan_for_rsdp(0xe0000, 0x20000);
        if (!rsdp_pa) {
            printk("ACPI: no RSDP found; single CPU, no HPET\n");
            return;
        }
        rsdp = __va(rsdp_pa);
    }

    uint64_t root_pa;
    bool is_xsdt;
    int err = acpi_parse_rsdp(rsdp, 36, &root_pa, &is_xsdt, acpi_warn);
    if (err) {
        acpi_warn("ACPI: RSDP at %#lx: %s; ACPI not used\n", rsdp_pa, acpi_error(err));
        return;
    }
    const struct acpi_rsdp *r = rsdp;
    if (hint)
        printk("ACPI: RSDP from the boot loader (revision %u, OEM %.6s), %s at %#lx\n", r->revision,
               r->oem_id, is_xsdt ? "XSDT" : "RSDT", root_pa);
    else
        printk("ACPI: RSDP %#lx (revision %u, OEM %.6s), %s at %#lx\n", rsdp_pa, r->revision,
               r->oem_id, is_xsdt ? "XSDT" : "RSDT", root_pa);

    uint32_t root_len;
    const void *root = map_table(root_pa, &root_len);
    uint64_t tables[ACPI_MAX_TABLES];
    int n = root ? acpi_parse_root(root, root_len, is_xsdt, tables, ACPI_MAX_TABLES, acpi_warn)
                 : -ACPI_ERR_TRUNCATED;
    if (n < 0) {
        acpi_warn("ACPI: %s at %#lx: %s; ACPI not used\n", is_xsdt ? "XSDT" : "RSDT", root_pa,
                  acpi_error(n));
        return;
    }
    acpi_info.present = true;

    for (int i = 0; i < n; i++) {
        uint32_t len;
        const struct acpi_header *h = map_table(tables[i], &len);
        if (!h)
            continue;
        printk("ACPI: %.4s %#lx, %u bytes (r%u %.6s %.8s)\n", h->signature, tables[i], len,
               h->revision, h->oem_id, h->oem_table_id);
        if (!memcmp(h->signature, "APIC", 4)) {
            err = acpi_parse_madt(h, len, &acpi_info.madt, acpi_warn);
            if (err)
                acpi_warn("ACPI: MADT: %s; not trusted\n", acpi_error(err));
            else
                acpi_info.have_madt = true;
        } else if (!memcmp(h->signature, "HPET", 4)) {
            uint64_t addr;
            err = acpi_parse_hpet(h, len, &addr, acpi_warn);
            if (err)
                acpi_warn("ACPI: HPET table: %s; not used\n", acpi_error(err));
            else
                acpi_info.hpet_address = addr;
        } else if (!memcmp(h->signature, "FACP", 4)) {
            err = acpi_parse_fadt(h, len, &acpi_info.pm_timer_port, acpi_warn);
            if (err)
                acpi_warn("ACPI: FADT: %s; not used\n", acpi_error(err));
        } else if (acpi_table_check(h, len, NULL)) {
            acpi_warn("ACPI: %.4s: bad checksum\n", h->signature);
        }
    }

    if (acpi_info.have_madt) {
        const struct acpi_madt_info *m = &acpi_info.madt;
        unsigned int enabled = 0;
        for (unsigned int i = 0; i < m->nr_cpus; i++)
            enabled += m->cpus[i].enabled;
        printk("ACPI: MADT: local APIC at %#lx, %u CPUs (%u enabled), %u IOAPICs, %u overrides\n",
               m->lapic_address, m->nr_cpus, enabled, m->nr_ioapics, m->nr_overrides);
        for (unsigned int i = 0; i < m->nr_cpus; i++)
            printk(XENLOG_DEBUG "ACPI:  CPU acpi_id %u apic_id %u %s\n", m->cpus[i].acpi_id,
                   m->cpus[i].apic_id, m->cpus[i].enabled ? "enabled" : "disabled");
        for (unsigned int i = 0; i < m->nr_ioapics; i++)
            printk("ACPI:  IOAPIC id %u at %#x, GSI base %u\n", m->ioapics[i].id,
                   m->ioapics[i].address, m->ioapics[i].gsi_base);
        for (unsigned int i = 0; i < m->nr_overrides; i++)
            printk(XENLOG_DEBUG "ACPI:  override bus %u IRQ %u -> GSI %u flags %#x\n",
                   m->overrides[i].bus, m->overrides[i].source_irq, m->overrides[i].gsi,
                   m->overrides[i].flags);
    }
    if (acpi_info.hpet_address)
        printk("ACPI: HPET at %#lx\n", acpi_info.hpet_address);
    if (acpi_info.pm_timer_port)
        printk("ACPI: PM timer at port %#x\n", acpi_info.pm_timer_port);
}
