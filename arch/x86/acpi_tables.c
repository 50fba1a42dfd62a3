/*
 * ACPI table parsing over plain bytes (see asm/acpi.h): no mapping, no
 * globals, so the unit tests feed it crafted and broken tables.  Firmware
 * is not trusted: every length is checked against what the caller could
 * read before anything inside is looked at.
 */
#include <asm/acpi.h>
#include <string.h>

#define MADT_LOCAL_APIC     0
#define MADT_IO_APIC        1
#define MADT_INT_OVERRIDE   2
#define MADT_LAPIC_OVERRIDE 5
#define MADT_LOCAL_X2APIC   9

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum;
}

int acpi_table_check(const void *table, size_t avail, const char *signature)
{
    const struct acpi_header *h = table;
    if (avail < sizeof(*h))
        return -ACPI_ERR_TRUNCATED;
    if (signature && memcmp(h->signature, signature, 4))
        return -ACPI_ERR_SIGNATURE;
    if (h->length < sizeof(*h) || h->length > avail)
        return -ACPI_ERR_TRUNCATED;
    if (acpi_checksum(table, h->length))
        return -ACPI_ERR_CHECKSUM;
    return 0;
}

int acpi_parse_rsdp(const void *p, size_t avail, uint64_t *root_pa, bool *is_xsdt,
                    acpi_warn_fn warn)
{
    const struct acpi_rsdp *r = p;
    if (avail < 20)
        return -ACPI_ERR_TRUNCATED;
    if (memcmp(r->signature, "RSD PTR ", 8))
        return -ACPI_ERR_SIGNATURE;
    if (acpi_checksum(r, 20))
        return -ACPI_ERR_CHECKSUM;
    if (r->revision >= 2 && avail >= 36 && r->length >= 36 && r->length <= avail) {
        if (acpi_checksum(r, r->length) == 0 && r->xsdt_address) {
            *root_pa = r->xsdt_address;
            *is_xsdt = true;
            return 0;
        }
        warn("ACPI: RSDP extended checksum or XSDT address bad; using the RSDT\n");
    } else if (r->revision >= 2) {
        warn("ACPI: RSDP revision %u with bad length %u; using the RSDT\n", r->revision,
             avail >= 24 ? r->length : 0);
    }
    if (!r->rsdt_address)
        return -ACPI_ERR_TRUNCATED;
    *root_pa = r->rsdt_address;
    *is_xsdt = false;
    return 0;
}

int acpi_parse_root(const void *root, size_t avail, bool is_xsdt, uint64_t *entries,
                    unsigned int max, acpi_warn_fn warn)
{
    int err = acpi_table_check(root, avail, is_xsdt ? "XSDT" : "RSDT");
    if (err)
        return err;
    const struct acpi_header *h = root;
    const uint8_t *p = (const uint8_t *)root + sizeof(*h);
    size_t width = is_xsdt ? 8 : 4;
    size_t n = (h->length - sizeof(*h)) / width;
    if ((h->length - sizeof(*h)) % width)
        warn("ACPI: %s length %u leaves a partial entry; ignored\n", is_xsdt ? "XSDT" : "RSDT",
             h->length);
    if (n > max) {
        warn("ACPI: %zu tables listed, only the first %u used\n", n, max);
        n = max;
    }
    for (size_t i = 0; i < n; i++)
        entries[i] = is_xsdt ? get64(p + i * 8) : get32(p + i * 4);
    return (int)n;
}

static void add_cpu(struct acpi_madt_info *out, uint32_t apic_id, uint32_t acpi_id, uint32_t flags,
                    acpi_warn_fn warn)
{
    if (out->nr_cpus == ACPI_MAX_CPUS) {
        out->nr_skipped++;
        warn("ACPI: MADT lists more than %u CPUs; APIC id %u ignored\n", ACPI_MAX_CPUS, apic_id);
        return;
    }
    struct acpi_cpu *c = &out->cpus[out->nr_cpus++];
    c->apic_id = apic_id;
    c->acpi_id = acpi_id;
    c->enabled = flags & 1;
    c->online_capable = (flags >> 1) & 1;
}

int acpi_parse_madt(const void *madt, size_t avail, struct acpi_madt_info *out, acpi_warn_fn warn)
{
    memset(out, 0, sizeof(*out));
    int err = acpi_table_check(madt, avail, "APIC");
    if (err)
        return err;
    const struct acpi_header *h = madt;
    if (h->length < sizeof(*h) + 8)
        return -ACPI_ERR_TRUNCATED;
    const uint8_t *base = madt;
    out->lapic_address = get32(base + sizeof(*h));
    out->pcat_compat = get32(base + sizeof(*h) + 4) & 1;

    size_t off = sizeof(*h) + 8;
    while (off + 2 <= h->length) {
        const uint8_t *e = base + off;
        uint8_t type = e[0], len = e[1];
        if (len < 2) {
            /* A zero-length entry would loop forever; nothing after it can be trusted. */
            warn("ACPI: MADT entry at offset %zu has length %u; rest of the MADT ignored\n", off,
                 len);
            out->nr_skipped++;
            break;
        }
        if (off + len > h->length) {
            warn("ACPI: MADT entry at offset %zu runs past the table end; ignored\n", off);
            out->nr_skipped++;
            break;
        }
        switch (type) {
        case MADT_LOCAL_APIC:
            if (len < 8)
                goto short_entry;
            add_cpu(out, e[3], e[2], get32(e + 4), warn);
            break;
        case MADT_LOCAL_X2APIC:
            if (len < 16)
                goto short_entry;
            add_cpu(out, get32(e + 4), get32(e + 12), get32(e + 8), warn);
            break;
        case MADT_IO_APIC:
            if (len < 12)
                goto short_entry;
            if (out->nr_ioapics == ACPI_MAX_IOAPICS) {
                warn("ACPI: more than %u IOAPICs; id %u ignored\n", ACPI_MAX_IOAPICS, e[2]);
                out->nr_skipped++;
                break;
            }
            out->ioapics[out->nr_ioapics++] =
                (struct acpi_ioapic){.id = e[2], .address = get32(e + 4), .gsi_base = get32(e + 8)};
            break;
        case MADT_INT_OVERRIDE:
            if (len < 10)
                goto short_entry;
            if (out->nr_overrides == ACPI_MAX_OVERRIDES) {
                out->nr_skipped++;
                break;
            }
            out->overrides[out->nr_overrides++] =
                (struct acpi_override){.bus = e[2],
                                       .source_irq = e[3],
                                       .gsi = get32(e + 4),
                                       .flags = (uint16_t)(e[8] | (e[9] << 8))};
            break;
        case MADT_LAPIC_OVERRIDE:
            if (len < 12)
                goto short_entry;
            out->lapic_address = get64(e + 4);
            break;
        default:
            break; /* other entry types do not concern hv */
        }
        off += len;
        continue;
    short_entry:
        warn("ACPI: MADT entry type %u at offset %zu too short (%u bytes); ignored\n", type, off,
             len);
        out->nr_skipped++;
        off += len;
    }
    return 0;
}

int acpi_parse_hpet(const void *hpet, size_t avail, uint64_t *address, acpi_warn_fn warn)
{
    int err = acpi_table_check(hpet, avail, "HPET");
    if (err)
        return err;
    const struct acpi_header *h = hpet;
    /* header, event timer block id, then the Generic Address Structure */
    if (h->length < sizeof(*h) + 4 + 12)
        return -ACPI_ERR_TRUNCATED;
    const uint8_t *gas = (const uint8_t *)hpet + sizeof(*h) + 4;
    if (gas[0] != 0) {
        warn("ACPI: HPET registers are not in system memory (space %u); HPET not used\n", gas[0]);
        return -ACPI_ERR_SIGNATURE;
    }
    uint64_t addr = get64(gas + 4);
    if (addr == 0 || (addr & 0x3ff)) {
        warn("ACPI: HPET address %#lx is not usable\n", (unsigned long)addr);
        return -ACPI_ERR_SIGNATURE;
    }
    *address = addr;
    return 0;
}

/* FADT offsets (ACPI 6.x, table 5.9): only what hv reads. */
#define FADT_PM_TMR_BLK     76
#define FADT_PM_TMR_LEN     91
#define FADT_V1_LENGTH      116
#define FADT_X_PM_TMR_BLK   208
#define FADT_X_LENGTH       220
#define FADT_X_REVISION     3 /* the first with the X_ fields */
#define GAS_SPACE_SYSTEM_IO 1

int acpi_parse_fadt(const void *fadt, size_t avail, uint16_t *pm_timer_port, acpi_warn_fn warn)
{
    int err = acpi_table_check(fadt, avail, "FACP");
    if (err)
        return err;
    const struct acpi_header *h = fadt;
    const uint8_t *b = fadt;
    if (h->length < FADT_V1_LENGTH)
        return -ACPI_ERR_TRUNCATED;
    /* The X_ block, when it is in I/O space, wins; else the ACPI 1.0 field. */
    uint64_t port = 0;
    if (h->revision >= FADT_X_REVISION && h->length >= FADT_X_LENGTH &&
        b[FADT_X_PM_TMR_BLK] == GAS_SPACE_SYSTEM_IO)
        port = get64(b + FADT_X_PM_TMR_BLK + 4);
    if (!port && b[FADT_PM_TMR_LEN] == 4)
        port = get32(b + FADT_PM_TMR_BLK);
    if (port > 0xfffc) {
        warn("ACPI: PM timer port %#lx is not an I/O port; ignored\n", (unsigned long)port);
        port = 0;
    }
    *pm_timer_port = (uint16_t)port;
    return 0;
}
