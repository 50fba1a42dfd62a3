/*
 * ACPI table parsing (arch/x86/acpi_tables.c: pure functions over bytes, unit
 * tested on crafted tables) and discovery (arch/x86/acpi.c: finds the RSDP,
 * maps tables, fills acpi_info).  A table with a bad checksum, a length that
 * runs past what is mapped, or a malformed entry is reported through the warn
 * callback and not trusted.
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H
#include <hv/types.h>

#define ACPI_MAX_CPUS      256
#define ACPI_MAX_IOAPICS   16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_TABLES    64

/* Errors, returned negated. */
#define ACPI_ERR_TRUNCATED                                                                         \
    1 /* the table claims more bytes than there are, or fewer than a header */
#define ACPI_ERR_CHECKSUM  2
#define ACPI_ERR_SIGNATURE 3
#define ACPI_ERR_REVISION  4

typedef void (*acpi_warn_fn)(const char *fmt, ...) __printf(1, 2);

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __packed;

struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision; /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ (36 bytes) */
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* over all `length` bytes */
    uint8_t reserved[3];
} __packed;

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t acpi_id;
    bool enabled;        /* usable now */
    bool online_capable; /* ACPI 6.3: may be enabled later */
};

struct acpi_ioapic {
    uint32_t id;
    uint32_t address;
    uint32_t gsi_base;
};

struct acpi_override {
    uint8_t bus;
    uint8_t source_irq;
    uint32_t gsi;
    uint16_t flags; /* polarity bits 0-1, trigger mode bits 2-3 */
};

struct acpi_madt_info {
    uint64_t lapic_address;
    bool pcat_compat; /* dual 8259s present (MADT flags bit 0) */
    unsigned int nr_cpus;
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    unsigned int nr_ioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned int nr_overrides;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    unsigned int nr_skipped; /* entries not trusted (zero length, truncated, too many) */
};

uint8_t acpi_checksum(const void *p, size_t len);
/*
 * Checks a table of `signature` (NULL: any) in `avail` readable bytes:
 * header present, length within avail and >= the header, checksum zero.
 * Returns 0 or a negated ACPI_ERR_*.
 */
int acpi_table_check(const void *table, size_t avail, const char *signature);
/* Returns the physical address of the XSDT (preferred when valid) or RSDT. */
int acpi_parse_rsdp(const void *rsdp, size_t avail, uint64_t *root_pa, bool *is_xsdt,
                    acpi_warn_fn warn);
/* Lists the table addresses of a checked RSDT or XSDT; returns how many (<= max). */
int acpi_parse_root(const void *root, size_t avail, bool is_xsdt, uint64_t *entries,
                    unsigned int max, acpi_warn_fn warn);
/* Fills out from a MADT ("APIC"); returns 0 or a negated ACPI_ERR_*. */
int acpi_parse_madt(const void *madt, size_t avail, struct acpi_madt_info *out, acpi_warn_fn warn);
/* The HPET's MMIO address from an "HPET" table; 0 or a negated ACPI_ERR_*. */
int acpi_parse_hpet(const void *hpet, size_t avail, uint64_t *address, acpi_warn_fn warn);

/* The ACPI PM timer's I/O port from a FADT ("FACP"), 0 if it has none;
 * 0 or a negated ACPI_ERR_*. */
int acpi_parse_fadt(const void *fadt, size_t avail, uint16_t *pm_timer_port, acpi_warn_fn warn);

/* Discovery results (arch/x86/acpi.c). */
struct acpi_info {
    bool present;
    struct acpi_madt_info madt;
    bool have_madt;
    uint64_t hpet_address;
    uint16_t pm_timer_port; /* 0: none */
};
extern struct acpi_info acpi_info;
void acpi_init(paddr_t rsdp_hint);
#endif
