/*
 * ACPI table parsing (arch/x86/acpi_tables.c, asm/acpi.h) on tables built
 * here byte by byte: acpi_checksum and acpi_table_check; the MADT with
 * local APIC, IOAPIC, interrupt source override, local APIC address
 * override and x2APIC entries (enabled, disabled and online-capable CPUs);
 * hostile MADTs (bad checksum, length past the readable bytes or below a
 * header, wrong signature, zero-length, short and overlong entries, unknown
 * types, more CPUs/IOAPICs/overrides than fit); the RSDP (v1, v2 with an
 * XSDT, v2 falling back to the RSDT, bad signature and checksums); RSDT and
 * XSDT entry lists; the HPET table's Generic Address Structure; and the
 * FADT's PM timer port (ACPI 1.0 field, X_ block in I/O or memory space).
 *
 * Every table sits at an odd address at the very end of a heap block of its
 * readable size, so ASan and UBSan catch any read past `avail` or any
 * misaligned access; every parse runs in a child process so that such a
 * report fails one test rather than ending the binary.
 */
#include "unit.h"
#include <asm/acpi.h>

/* --- building tables ----------------------------------------------------------- */

struct tb {
    uint8_t bytes[8192];
    size_t len;
};

static void put8(struct tb *t, uint8_t v)
{
    assert_true(t->len < sizeof(t->bytes));
    t->bytes[t->len++] = v;
}

static void put16(struct tb *t, uint16_t v)
{
    put8(t, (uint8_t)v);
    put8(t, (uint8_t)(v >> 8));
}

static void put32(struct tb *t, uint32_t v)
{
    put16(t, (uint16_t)v);
    put16(t, (uint16_t)(v >> 16));
}

static void put64(struct tb *t, uint64_t v)
{
    put32(t, (uint32_t)v);
    put32(t, (uint32_t)(v >> 32));
}

static void set32(struct tb *t, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        t->bytes[off + i] = (uint8_t)(v >> (8 * i));
}

/* A 36-byte header; the length and checksum are set by finish(). */
static void header(struct tb *t, const char *sig, uint8_t revision)
{
    t->len = 0;
    for (int i = 0; i < 4; i++)
        put8(t, (uint8_t)sig[i]);
    put32(t, 0); /* length */
    put8(t, revision);
    put8(t, 0); /* checksum */
    for (int i = 0; i < 6; i++)
        put8(t, (uint8_t) "HVTEST"[i]);
    for (int i = 0; i < 8; i++)
        put8(t, (uint8_t) "UNITTEST"[i]);
    put32(t, 1);          /* oem revision */
    put32(t, 0x4856554e); /* creator id */
    put32(t, 1);          /* creator revision */
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

/* Sets the length field to the bytes written and the checksum so that they sum to 0. */
static void finish(struct tb *t)
{
    set32(t, 4, (uint32_t)t->len);
    t->bytes[9] = 0;
    t->bytes[9] = (uint8_t)-sum(t->bytes, t->len);
}

/* MADT entries. */
static void madt_header(struct tb *t, uint32_t lapic, uint32_t flags)
{
    header(t, "APIC", 4);
    put32(t, lapic);
    put32(t, flags);
}

static void lapic(struct tb *t, uint8_t acpi_id, uint8_t apic_id, uint32_t flags)
{
    put8(t, 0);
    put8(t, 8);
    put8(t, acpi_id);
    put8(t, apic_id);
    put32(t, flags);
}

static void ioapic(struct tb *t, uint8_t id, uint32_t address, uint32_t gsi_base)
{
    put8(t, 1);
    put8(t, 12);
    put8(t, id);
    put8(t, 0);
    put32(t, address);
    put32(t, gsi_base);
}

static void override(struct tb *t, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
    put8(t, 2);
    put8(t, 10);
    put8(t, bus);
    put8(t, source);
    put32(t, gsi);
    put16(t, flags);
}

static void lapic_override(struct tb *t, uint64_t address)
{
    put8(t, 5);
    put8(t, 12);
    put16(t, 0);
    put64(t, address);
}

static void x2apic(struct tb *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
    put8(t, 9);
    put8(t, 16);
    put16(t, 0);
    put32(t, x2apic_id);
    put32(t, flags);
    put32(t, uid);
}

/* An entry of any type and length, its body filled with `fill`. */
static void raw_entry(struct tb *t, uint8_t type, uint8_t len, uint8_t fill)
{
    put8(t, type);
    put8(t, len);
    for (int i = 2; i < len; i++)
        put8(t, fill);
}

/* --- running a parser in a child --------------------------------------------------- */

enum { CHECK, RSDP, ROOT, MADT, HPET, FADT };

struct call {
    int kind;
    const void *table;
    size_t avail;
    const char *sig;
    bool is_xsdt;
    unsigned int max;
    /* results */
    int ret;
    uint64_t u64;
    bool flag;
    uint64_t entries[128];
    struct acpi_madt_info madt;
    int nr_warnings;
    char warnings[8][256];
};

static struct call *cur;
static void *block; /* the heap block holding the table of the current test */

static void record_warn(const char *fmt, ...) __printf(1, 2);
static void record_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cur->nr_warnings < 8)
        vsnprintf(cur->warnings[cur->nr_warnings], sizeof(cur->warnings[0]), fmt, ap);
    cur->nr_warnings++;
    va_end(ap);
}

static void do_call(void *arg)
{
    struct call *c = arg;
    switch (c->kind) {
    case CHECK:
        c->ret = acpi_table_check(c->table, c->avail, c->sig);
        break;
    case RSDP:
        c->ret = acpi_parse_rsdp(c->table, c->avail, &c->u64, &c->flag, record_warn);
        break;
    case ROOT:
        c->ret = acpi_parse_root(c->table, c->avail, c->is_xsdt, c->entries, c->max, record_warn);
        break;
    case MADT:
        c->ret = acpi_parse_madt(c->table, c->avail, &c->madt, record_warn);
        break;
    case HPET:
        c->ret = acpi_parse_hpet(c->table, c->avail, &c->u64, record_warn);
        break;
    case FADT: {
        uint16_t port = 0xdead;
        c->ret = acpi_parse_fadt(c->table, c->avail, &port, record_warn);
        c->u64 = port;
        break;
    }
    }
}

static int setup(void **state)
{
    cur = unit_shared(sizeof(*cur));
    return 0;
}

static int teardown(void **state)
{
    unit_shared_free(cur, sizeof(*cur));
    free(block);
    block = NULL;
    return 0;
}

/*
 * Parses the first `avail` bytes of t (which may claim more or fewer) with
 * the table at an odd address and nothing readable after those bytes.
 */
static struct call *run(int kind, const struct tb *t, size_t avail)
{
    free(block);
    block = malloc(avail + 1);
    assert_non_null(block);
    uint8_t *table = (uint8_t *)block + 1;
    memcpy(table, t->bytes, MIN(avail, t->len));
    if (avail > t->len)
        memset(table + t->len, 0, avail - t->len);

    int kind_keep = kind;
    bool is_xsdt = cur->is_xsdt;
    unsigned int max = cur->max;
    const char *sig = cur->sig;
    memset(cur, 0, sizeof(*cur));
    cur->kind = kind_keep;
    cur->table = table;
    cur->avail = avail;
    cur->is_xsdt = is_xsdt;
    cur->max = max;
    cur->sig = sig;
    cur->u64 = 0x5a5a5a5a5a5a5a5aULL;
    if (!unit_isolated(do_call, cur))
        unit_fail("the parser crashed or tripped a sanitizer (report above)");
    for (int i = 0; i < cur->nr_warnings && i < 8; i++)
        printf("[   WARN   ] %s", cur->warnings[i]);
    return cur;
}

static struct call *run_all(int kind, const struct tb *t)
{
    return run(kind, t, t->len);
}

/* --- checksums and headers ----------------------------------------------------- */

static void test_checksum(void **state)
{
    static const uint8_t bytes[] = {1, 2, 3, 250};
    assert_int_equal(acpi_checksum(bytes, 3), 6);
    assert_int_equal(acpi_checksum(bytes, 4), 0);
    assert_int_equal(acpi_checksum(bytes, 0), 0);
    static struct tb t;
    madt_header(&t, 0xfee00000, 1);
    lapic(&t, 0, 0, 1);
    finish(&t);
    assert_int_equal(acpi_checksum(t.bytes, t.len), 0);
    t.bytes[40] ^= 1;
    assert_int_not_equal(acpi_checksum(t.bytes, t.len), 0);
}

static void test_table_check(void **state)
{
    static struct tb t;
    header(&t, "FACP", 6);
    for (int i = 0; i < 64; i++)
        put8(&t, (uint8_t)i);
    finish(&t);

    assert_int_equal(run_all(CHECK, &t)->ret, 0);
    cur->sig = "FACP";
    assert_int_equal(run_all(CHECK, &t)->ret, 0);
    cur->sig = "APIC";
    assert_int_equal(run_all(CHECK, &t)->ret, -ACPI_ERR_SIGNATURE);
    cur->sig = NULL;

    /* More bytes readable than the table claims: fine. */
    assert_int_equal(run(CHECK, &t, t.len + 100)->ret, 0);
    /* Fewer: truncated, and nothing past avail is read. */
    assert_int_equal(run(CHECK, &t, t.len - 1)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(CHECK, &t, 36)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(CHECK, &t, 35)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(CHECK, &t, 4)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(CHECK, &t, 0)->ret, -ACPI_ERR_TRUNCATED);

    /* A length below the header's own size. */
    static struct tb s;
    s = t;
    set32(&s, 4, 20);
    s.bytes[9] = 0;
    s.bytes[9] = (uint8_t)-sum(s.bytes, 20);
    assert_int_equal(run_all(CHECK, &s)->ret, -ACPI_ERR_TRUNCATED);
    set32(&s, 4, 0);
    assert_int_equal(run_all(CHECK, &s)->ret, -ACPI_ERR_TRUNCATED);
    /* A huge length. */
    set32(&s, 4, 0xffffffffu);
    assert_int_equal(run_all(CHECK, &s)->ret, -ACPI_ERR_TRUNCATED);

    /* One flipped byte anywhere, header or body. */
    for (size_t off = 0; off < t.len; off += 7) {
        if (off >= 4 && off < 8)
            continue; /* the length field: that is a truncation test */
        s = t;
        s.bytes[off] ^= 0x10;
        int ret = run_all(CHECK, &s)->ret;
        if (ret != -ACPI_ERR_CHECKSUM)
            unit_fail("byte %zu flipped: %d, expected %d", off, ret, -ACPI_ERR_CHECKSUM);
    }
}

/* --- MADT -------------------------------------------------------------------- */

static void test_madt_good(void **state)
{
    static struct tb t;
    madt_header(&t, 0xfee00000, 1);
    lapic(&t, 0, 0, 1); /* enabled */
    lapic(&t, 1, 2, 0); /* disabled */
    lapic(&t, 2, 4, 2); /* online-capable */
    lapic(&t, 3, 6, 3); /* both bits */
    ioapic(&t, 8, 0xfec00000, 0);
    override(&t, 0, 0, 2, 0);
    override(&t, 0, 9, 9, 0xd);
    raw_entry(&t, 4, 6, 0xff); /* local APIC NMI: not hv's concern */
    ioapic(&t, 9, 0xfec01000, 24);
    x2apic(&t, 0x100, 1, 42);
    x2apic(&t, 0xfffffffe, 0, 0x12345678);
    raw_entry(&t, 0x7f, 20, 0xaa); /* unknown */
    raw_entry(&t, 0x10, 2, 0);     /* unknown, empty body */
    finish(&t);

    struct call *c = run_all(MADT, &t);
    assert_int_equal(c->ret, 0);
    const struct acpi_madt_info *m = &c->madt;
    assert_int_equal(m->lapic_address, 0xfee00000);
    assert_true(m->pcat_compat);
    assert_int_equal(m->nr_skipped, 0);
    assert_int_equal(c->nr_warnings, 0); /* unknown types skipped silently */

    assert_int_equal(m->nr_cpus, 6);
    static const struct acpi_cpu cpus[] = {
        {0, 0, true, false}, {2, 1, false, false},     {4, 2, false, true},
        {6, 3, true, true},  {0x100, 42, true, false}, {0xfffffffe, 0x12345678, false, false},
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(cpus); i++) {
        if (m->cpus[i].apic_id != cpus[i].apic_id || m->cpus[i].acpi_id != cpus[i].acpi_id ||
            m->cpus[i].enabled != cpus[i].enabled ||
            m->cpus[i].online_capable != cpus[i].online_capable)
            unit_fail(
                "cpu %u: apic %#x acpi %u enabled %d online-capable %d; expected %#x %u %d %d", i,
                m->cpus[i].apic_id, m->cpus[i].acpi_id, m->cpus[i].enabled,
                m->cpus[i].online_capable, cpus[i].apic_id, cpus[i].acpi_id, cpus[i].enabled,
                cpus[i].online_capable);
    }

    assert_int_equal(m->nr_ioapics, 2);
    assert_int_equal(m->ioapics[0].id, 8);
    assert_int_equal(m->ioapics[0].address, 0xfec00000);
    assert_int_equal(m->ioapics[0].gsi_base, 0);
    assert_int_equal(m->ioapics[1].id, 9);
    assert_int_equal(m->ioapics[1].address, 0xfec01000);
    assert_int_equal(m->ioapics[1].gsi_base, 24);

    assert_int_equal(m->nr_overrides, 2);
    assert_int_equal(m->overrides[0].bus, 0);
    assert_int_equal(m->overrides[0].source_irq, 0);
    assert_int_equal(m->overrides[0].gsi, 2);
    assert_int_equal(m->overrides[0].flags, 0);
    assert_int_equal(m->overrides[1].source_irq, 9);
    assert_int_equal(m->overrides[1].gsi, 9);
    assert_int_equal(m->overrides[1].flags, 0xd);
}

static void test_madt_lapic_override(void **state)
{
    static struct tb t;
    madt_header(&t, 0xfee00000, 0);
    lapic(&t, 0, 0, 1);
    lapic_override(&t, 0x1fee00000ULL);
    lapic(&t, 1, 1, 1);
    finish(&t);
    struct call *c = run_all(MADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->madt.lapic_address, 0x1fee00000ULL);
    assert_false(c->madt.pcat_compat);
    assert_int_equal(c->madt.nr_cpus, 2);

    /* No entries at all. */
    madt_header(&t, 0xfee00000, 0);
    finish(&t);
    c = run_all(MADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->madt.lapic_address, 0xfee00000);
    assert_int_equal(c->madt.nr_cpus, 0);
    assert_int_equal(c->madt.nr_ioapics, 0);
}

static void test_madt_zero_length_entry(void **state)
{
    static struct tb t;
    for (uint8_t bad_len = 0; bad_len < 2; bad_len++) {
        madt_header(&t, 0xfee00000, 1);
        lapic(&t, 0, 0, 1);
        ioapic(&t, 1, 0xfec00000, 0);
        put8(&t, 0);
        put8(&t, bad_len);
        for (int i = 0; i < 6; i++)
            put8(&t, 0);
        lapic(&t, 1, 1, 1); /* after the bad entry: not trusted */
        finish(&t);
        struct call *c = run_all(MADT, &t);
        assert_int_equal(c->madt.nr_cpus, 1);
        assert_int_equal(c->madt.cpus[0].apic_id, 0);
        assert_int_equal(c->madt.nr_ioapics, 1);
        assert_int_equal(c->madt.nr_skipped, 1);
        assert_true(c->nr_warnings >= 1);
    }
}

static void test_madt_entry_past_end(void **state)
{
    static struct tb t;
    madt_header(&t, 0xfee00000, 1);
    lapic(&t, 0, 0, 1);
    override(&t, 0, 0, 2, 0);
    /* An x2APIC entry claiming 16 bytes with only 8 left in the table. */
    put8(&t, 9);
    put8(&t, 16);
    put16(&t, 0);
    put32(&t, 7);
    finish(&t);
    struct call *c = run_all(MADT, &t);
    assert_int_equal(c->madt.nr_cpus, 1);
    assert_int_equal(c->madt.nr_overrides, 1);
    assert_int_equal(c->madt.nr_skipped, 1);
    assert_true(c->nr_warnings >= 1);

    /* An entry whose length byte is the table's last byte. */
    madt_header(&t, 0xfee00000, 1);
    lapic(&t, 0, 0, 1);
    put8(&t, 0);
    put8(&t, 8);
    finish(&t);
    c = run_all(MADT, &t);
    assert_int_equal(c->madt.nr_cpus, 1);
    assert_int_equal(c->madt.nr_skipped, 1);

    /* A lone trailing byte: not even an entry header. */
    madt_header(&t, 0xfee00000, 1);
    lapic(&t, 0, 0, 1);
    put8(&t, 0);
    finish(&t);
    c = run_all(MADT, &t);
    assert_int_equal(c->madt.nr_cpus, 1);
}

static void test_madt_short_entries(void **state)
{
    static struct tb t;
    madt_header(&t, 0xfee00000, 1);
    raw_entry(&t, 0, 6, 1);  /* local APIC needs 8 */
    raw_entry(&t, 1, 8, 1);  /* IOAPIC needs 12 */
    raw_entry(&t, 2, 8, 1);  /* override needs 10 */
    raw_entry(&t, 5, 10, 1); /* LAPIC address override needs 12 */
    raw_entry(&t, 9, 12, 1); /* x2APIC needs 16 */
    lapic(&t, 5, 5, 1);      /* a good one after them */
    finish(&t);
    struct call *c = run_all(MADT, &t);
    assert_int_equal(c->madt.nr_cpus, 1);
    assert_int_equal(c->madt.cpus[0].apic_id, 5);
    assert_int_equal(c->madt.nr_ioapics, 0);
    assert_int_equal(c->madt.nr_overrides, 0);
    assert_int_equal(c->madt.lapic_address, 0xfee00000);
    assert_int_equal(c->madt.nr_skipped, 5);
    assert_true(c->nr_warnings >= 1);

    /* Longer than needed is fine: the extra bytes are skipped. */
    madt_header(&t, 0xfee00000, 1);
    put8(&t, 0);
    put8(&t, 10);
    put8(&t, 3);
    put8(&t, 7);
    put32(&t, 1);
    put16(&t, 0xffff);
    lapic(&t, 4, 9, 1);
    finish(&t);
    c = run_all(MADT, &t);
    assert_int_equal(c->madt.nr_cpus, 2);
    assert_int_equal(c->madt.cpus[0].apic_id, 7);
    assert_int_equal(c->madt.cpus[1].apic_id, 9);
    assert_int_equal(c->madt.nr_skipped, 0);
}

static void test_madt_too_many(void **state)
{
    static struct tb t;
    enum { CPUS = ACPI_MAX_CPUS + 44 };
    madt_header(&t, 0xfee00000, 1);
    for (unsigned int i = 0; i < CPUS; i++) {
        if (i % 2)
            x2apic(&t, i, 1, i);
        else
            lapic(&t, (uint8_t)i, (uint8_t)i, 1);
    }
    for (unsigned int i = 0; i < ACPI_MAX_IOAPICS + 3; i++)
        ioapic(&t, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
    for (unsigned int i = 0; i < ACPI_MAX_OVERRIDES + 5; i++)
        override(&t, 0, (uint8_t)i, i, 0);
    finish(&t);
    struct call *c = run_all(MADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->madt.nr_cpus, ACPI_MAX_CPUS);
    for (unsigned int i = 0; i < ACPI_MAX_CPUS; i++)
        assert_int_equal(c->madt.cpus[i].apic_id, i % 2 ? i : (uint8_t)i);
    assert_int_equal(c->madt.nr_ioapics, ACPI_MAX_IOAPICS);
    assert_int_equal(c->madt.ioapics[ACPI_MAX_IOAPICS - 1].id, ACPI_MAX_IOAPICS - 1);
    assert_int_equal(c->madt.nr_overrides, ACPI_MAX_OVERRIDES);
    assert_int_equal(c->madt.nr_skipped, 44 + 3 + 5);
    assert_true(c->nr_warnings >= 1);
}

static void test_madt_hostile_headers(void **state)
{
    static struct tb t, s;
    madt_header(&t, 0xfee00000, 1);
    lapic(&t, 0, 0, 1);
    lapic(&t, 1, 1, 1);
    finish(&t);

    s = t;
    s.bytes[t.len - 1] ^= 0xff;
    assert_int_equal(run_all(MADT, &s)->ret, -ACPI_ERR_CHECKSUM);

    /* The header claims more than is readable. */
    assert_int_equal(run(MADT, &t, t.len - 8)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(MADT, &t, 40)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(MADT, &t, 10)->ret, -ACPI_ERR_TRUNCATED);

    /* Wrong signature (with a correct checksum). */
    s = t;
    memcpy(s.bytes, "APIX", 4);
    finish(&s);
    assert_int_equal(run_all(MADT, &s)->ret, -ACPI_ERR_SIGNATURE);
    memcpy(s.bytes, "HPET", 4);
    finish(&s);
    assert_int_equal(run_all(MADT, &s)->ret, -ACPI_ERR_SIGNATURE);

    /* Length below a header, and a header without the MADT's own 8 bytes. */
    s = t;
    s.len = 30;
    set32(&s, 4, 30);
    s.bytes[9] = 0;
    s.bytes[9] = (uint8_t)-sum(s.bytes, 30);
    s.len = t.len;
    assert_int_equal(run_all(MADT, &s)->ret, -ACPI_ERR_TRUNCATED);
    header(&s, "APIC", 4);
    put32(&s, 0xfee00000);
    finish(&s); /* 40 bytes: no flags field */
    struct call *c = run_all(MADT, &s);
    assert_true(c->ret < 0);
    assert_int_equal(c->madt.nr_cpus, 0);
}

/* Random damage to a good MADT: never a crash, a read past avail, or a count past its array. */
static void test_madt_fuzz(void **state)
{
    static struct tb t, s;
    struct unit_rng rng;
    unit_rng_init(&rng, "test_madt_fuzz");
    madt_header(&t, 0xfee00000, 1);
    for (unsigned int i = 0; i < 6; i++)
        lapic(&t, (uint8_t)i, (uint8_t)i, 1);
    ioapic(&t, 1, 0xfec00000, 0);
    override(&t, 0, 0, 2, 0);
    x2apic(&t, 300, 1, 300);
    lapic_override(&t, 0xfee00000);
    finish(&t);
    for (unsigned int iter = 0; iter < 300; iter++) {
        s = t;
        unsigned int flips = 1 + (unsigned int)unit_below(&rng, 4);
        for (unsigned int k = 0; k < flips; k++)
            s.bytes[44 + unit_below(&rng, t.len - 44)] = (uint8_t)unit_rand(&rng);
        finish(&s);
        size_t avail = unit_below(&rng, 4) ? s.len : 36 + unit_below(&rng, s.len - 36);
        struct call *c = run(MADT, &s, avail);
        assert_true(c->madt.nr_cpus <= ACPI_MAX_CPUS);
        assert_true(c->madt.nr_ioapics <= ACPI_MAX_IOAPICS);
        assert_true(c->madt.nr_overrides <= ACPI_MAX_OVERRIDES);
        if (avail < s.len)
            assert_int_equal(c->ret, -ACPI_ERR_TRUNCATED);
    }
}

/* --- RSDP ------------------------------------------------------------------- */

static void rsdp(struct tb *t, uint8_t revision, uint32_t rsdt, uint64_t xsdt, bool good_ext)
{
    t->len = 0;
    for (int i = 0; i < 8; i++)
        put8(t, (uint8_t) "RSD PTR "[i]);
    put8(t, 0); /* checksum */
    for (int i = 0; i < 6; i++)
        put8(t, (uint8_t) "HVTEST"[i]);
    put8(t, revision);
    put32(t, rsdt);
    t->bytes[8] = (uint8_t)-sum(t->bytes, 20);
    if (revision < 2)
        return;
    put32(t, 36);
    put64(t, xsdt);
    put8(t, 0); /* extended checksum */
    put8(t, 0);
    put8(t, 0);
    put8(t, 0);
    t->bytes[32] = (uint8_t)-sum(t->bytes, 36);
    if (!good_ext)
        t->bytes[32] ^= 0x55;
}

static void test_rsdp_v1(void **state)
{
    static struct tb t;
    rsdp(&t, 0, 0x7fe1000, 0, true);
    assert_int_equal(t.len, 20);
    struct call *c = run_all(RSDP, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x7fe1000);
    assert_false(c->flag);
    assert_int_equal(c->nr_warnings, 0);
    /* More readable bytes (as hv maps 36) change nothing. */
    c = run(RSDP, &t, 36);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x7fe1000);
    assert_false(c->flag);
}

static void test_rsdp_v2_xsdt(void **state)
{
    static struct tb t;
    rsdp(&t, 2, 0x7fe1000, 0x17fe2000ULL, true);
    assert_int_equal(t.len, 36);
    struct call *c = run_all(RSDP, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x17fe2000ULL);
    assert_true(c->flag);
    assert_int_equal(c->nr_warnings, 0);
}

static void test_rsdp_v2_fallback(void **state)
{
    static struct tb t;
    /* Bad extended checksum: the RSDT, with a warning. */
    rsdp(&t, 2, 0x7fe1000, 0x17fe2000ULL, false);
    struct call *c = run_all(RSDP, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x7fe1000);
    assert_false(c->flag);
    assert_true(c->nr_warnings >= 1);

    /* No XSDT address. */
    rsdp(&t, 2, 0x7fe1000, 0, true);
    c = run_all(RSDP, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x7fe1000);
    assert_false(c->flag);
    assert_true(c->nr_warnings >= 1);

    /* A v2 RSDP of which only 20 bytes are readable. */
    rsdp(&t, 2, 0x7fe1000, 0x17fe2000ULL, true);
    c = run(RSDP, &t, 20);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x7fe1000);
    assert_false(c->flag);

    /* A length field beyond what is readable. */
    rsdp(&t, 2, 0x7fe1000, 0x17fe2000ULL, true);
    set32(&t, 20, 4096);
    t.bytes[32] = 0;
    t.bytes[32] = (uint8_t)-sum(t.bytes, 36);
    c = run_all(RSDP, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x7fe1000);
    assert_false(c->flag);
    assert_true(c->nr_warnings >= 1);
}

static void test_rsdp_bad(void **state)
{
    static struct tb t;
    rsdp(&t, 2, 0x7fe1000, 0x17fe2000ULL, true);
    t.bytes[7] = 'X'; /* "RSD PTRX" */
    struct call *c = run_all(RSDP, &t);
    assert_int_equal(c->ret, -ACPI_ERR_SIGNATURE);

    rsdp(&t, 0, 0x7fe1000, 0, true);
    t.bytes[8] ^= 1;
    c = run_all(RSDP, &t);
    assert_int_equal(c->ret, -ACPI_ERR_CHECKSUM);

    /* The first checksum covers the first 20 bytes only, but all of them. */
    rsdp(&t, 0, 0x7fe1000, 0, true);
    t.bytes[19] ^= 0x80;
    assert_int_equal(run_all(RSDP, &t)->ret, -ACPI_ERR_CHECKSUM);

    rsdp(&t, 0, 0x7fe1000, 0, true);
    assert_int_equal(run(RSDP, &t, 19)->ret, -ACPI_ERR_TRUNCATED);
    assert_int_equal(run(RSDP, &t, 0)->ret, -ACPI_ERR_TRUNCATED);

    /* No root table at all. */
    rsdp(&t, 0, 0, 0, true);
    assert_true(run_all(RSDP, &t)->ret < 0);
}

/* --- RSDT and XSDT --------------------------------------------------------------- */

static void root(struct tb *t, bool xsdt, const uint64_t *entries, unsigned int n)
{
    header(t, xsdt ? "XSDT" : "RSDT", 1);
    for (unsigned int i = 0; i < n; i++) {
        if (xsdt)
            put64(t, entries[i]);
        else
            put32(t, (uint32_t)entries[i]);
    }
    finish(t);
}

static void test_root_rsdt(void **state)
{
    static struct tb t;
    static const uint64_t e[] = {0x7fe1100, 0x7fe1200, 0x7fe1300};
    root(&t, false, e, 3);
    cur->is_xsdt = false;
    cur->max = 16;
    struct call *c = run_all(ROOT, &t);
    assert_int_equal(c->ret, 3);
    assert_memory_equal(c->entries, e, sizeof(e));
    assert_int_equal(c->nr_warnings, 0);

    /* max clamps, with a warning. */
    cur->max = 2;
    c = run_all(ROOT, &t);
    assert_int_equal(c->ret, 2);
    assert_memory_equal(c->entries, e, 2 * sizeof(e[0]));
    assert_int_equal(c->entries[2], 0); /* nothing written past max */
    assert_true(c->nr_warnings >= 1);
    cur->max = 0;
    assert_int_equal(run_all(ROOT, &t)->ret, 0);

    /* No entries. */
    root(&t, false, e, 0);
    cur->max = 16;
    assert_int_equal(run_all(ROOT, &t)->ret, 0);

    /* A partial entry at the end is ignored, with a warning. */
    header(&t, "RSDT", 1);
    put32(&t, 0x1000);
    put16(&t, 0x2000);
    finish(&t);
    c = run_all(ROOT, &t);
    assert_int_equal(c->ret, 1);
    assert_int_equal(c->entries[0], 0x1000);
    assert_true(c->nr_warnings >= 1);
}

static void test_root_xsdt(void **state)
{
    static struct tb t;
    static const uint64_t e[] = {0x17fe1100ULL, 0xfffffffff0001000ULL, 0x1000, 0x123456789aULL};
    root(&t, true, e, 4);
    cur->is_xsdt = true;
    cur->max = 16;
    struct call *c = run_all(ROOT, &t);
    assert_int_equal(c->ret, 4);
    assert_memory_equal(c->entries, e, sizeof(e));

    cur->max = 3;
    c = run_all(ROOT, &t);
    assert_int_equal(c->ret, 3);
    assert_int_equal(c->entries[3], 0);

    /* An XSDT's length must be a multiple of 8 after the header. */
    header(&t, "XSDT", 1);
    put64(&t, 0x1000);
    put32(&t, 0x2000);
    finish(&t);
    cur->max = 16;
    c = run_all(ROOT, &t);
    assert_int_equal(c->ret, 1);
    assert_int_equal(c->entries[0], 0x1000);
}

static void test_root_bad(void **state)
{
    static struct tb t;
    static const uint64_t e[] = {0x7fe1100, 0x7fe1200};
    cur->max = 16;

    /* An RSDT read as an XSDT and the other way round. */
    root(&t, false, e, 2);
    cur->is_xsdt = true;
    assert_int_equal(run_all(ROOT, &t)->ret, -ACPI_ERR_SIGNATURE);
    root(&t, true, e, 2);
    cur->is_xsdt = false;
    assert_int_equal(run_all(ROOT, &t)->ret, -ACPI_ERR_SIGNATURE);

    cur->is_xsdt = true;
    t.bytes[40] ^= 4;
    assert_int_equal(run_all(ROOT, &t)->ret, -ACPI_ERR_CHECKSUM);
    t.bytes[40] ^= 4;
    assert_int_equal(run(ROOT, &t, t.len - 1)->ret, -ACPI_ERR_TRUNCATED);
}

/* --- HPET ---------------------------------------------------------------------- */

static void hpet(struct tb *t, uint8_t space_id, uint64_t address)
{
    header(t, "HPET", 1);
    put32(t, 0x8086a201); /* event timer block id */
    put8(t, space_id);
    put8(t, 64); /* bit width */
    put8(t, 0);  /* bit offset */
    put8(t, 0);  /* access size */
    put64(t, address);
    put8(t, 0);    /* hpet number */
    put16(t, 128); /* minimum tick */
    put8(t, 0);    /* page protection */
    finish(t);
}

static void test_hpet_good(void **state)
{
    static struct tb t;
    hpet(&t, 0, 0xfed00000);
    assert_int_equal(t.len, 56);
    struct call *c = run_all(HPET, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0xfed00000);
    assert_int_equal(c->nr_warnings, 0);

    hpet(&t, 0, 0x1fed00000ULL);
    c = run_all(HPET, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x1fed00000ULL);
}

static void test_hpet_not_memory(void **state)
{
    static struct tb t;
    for (uint8_t space = 1; space < 4; space++) { /* I/O, PCI config, embedded controller */
        hpet(&t, space, 0xfed00000);
        struct call *c = run_all(HPET, &t);
        assert_true(c->ret < 0);
        assert_true(c->nr_warnings >= 1);
    }
    hpet(&t, 0x7f, 0xfed00000); /* functional fixed hardware */
    struct call *c = run_all(HPET, &t);
    assert_true(c->ret < 0);
    assert_true(c->nr_warnings >= 1);
}

static void test_hpet_bad(void **state)
{
    static struct tb t;
    hpet(&t, 0, 0); /* no address */
    struct call *c = run_all(HPET, &t);
    assert_true(c->ret < 0);
    assert_true(c->nr_warnings >= 1);

    hpet(&t, 0, 0xfed00000);
    t.bytes[50] ^= 1;
    assert_int_equal(run_all(HPET, &t)->ret, -ACPI_ERR_CHECKSUM);

    hpet(&t, 0, 0xfed00000);
    assert_int_equal(run(HPET, &t, 55)->ret, -ACPI_ERR_TRUNCATED);

    hpet(&t, 0, 0xfed00000);
    memcpy(t.bytes, "HPEU", 4);
    finish(&t);
    assert_int_equal(run_all(HPET, &t)->ret, -ACPI_ERR_SIGNATURE);

    /* A table that ends inside the address structure. */
    hpet(&t, 0, 0xfed00000);
    t.len = 44;
    finish(&t);
    assert_int_equal(run_all(HPET, &t)->ret, -ACPI_ERR_TRUNCATED);
}

/* --- FADT ---------------------------------------------------------------------- */

/* A FADT of `length` bytes: PM_TMR_BLK/PM_TMR_LEN, and the X_PM_TMR_BLK GAS when long enough. */
static void fadt(struct tb *t, uint8_t revision, uint32_t length, uint32_t pm_tmr, uint8_t pm_len,
                 uint8_t x_space, uint64_t x_addr)
{
    header(t, "FACP", revision);
    while (t->len < length)
        put8(t, 0);
    set32(t, 76, pm_tmr);
    t->bytes[91] = pm_len;
    if (length >= 220) {
        t->bytes[208] = x_space;
        t->bytes[209] = 32;
        for (int i = 0; i < 8; i++)
            t->bytes[212 + i] = (uint8_t)(x_addr >> (8 * i));
    }
    finish(t);
}

static void test_fadt_pm_timer(void **state)
{
    static struct tb t;
    /* ACPI 1.0: the 32-bit field. */
    fadt(&t, 1, 116, 0x608, 4, 0, 0);
    struct call *c = run_all(FADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0x608);
    /* Revision 3+: an I/O-space X_ block wins over the old field. */
    fadt(&t, 4, 244, 0x608, 4, 1, 0xb008);
    c = run_all(FADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0xb008);
    /* An X_ block in memory space is not a port: the old field is used. */
    fadt(&t, 4, 244, 0x608, 4, 0, 0xfed00000);
    assert_int_equal(run_all(FADT, &t)->u64, 0x608);
    /* A revision-1 table's bytes past 116 are not X_ fields. */
    fadt(&t, 1, 244, 0x608, 4, 1, 0xb008);
    assert_int_equal(run_all(FADT, &t)->u64, 0x608);
    /* No timer (length 0), or an I/O address that is no port. */
    fadt(&t, 1, 116, 0x608, 0, 0, 0);
    c = run_all(FADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0);
    fadt(&t, 4, 244, 0, 0, 1, 0x1fff0);
    c = run_all(FADT, &t);
    assert_int_equal(c->ret, 0);
    assert_int_equal(c->u64, 0);
    assert_int_equal(c->nr_warnings, 1);
}

static void test_fadt_bad(void **state)
{
    static struct tb t;
    fadt(&t, 1, 112, 0x608, 4, 0, 0); /* shorter than ACPI 1.0's FADT */
    assert_int_equal(run_all(FADT, &t)->ret, -ACPI_ERR_TRUNCATED);
    fadt(&t, 4, 244, 0x608, 4, 1, 0xb008);
    assert_int_equal(run(FADT, &t, 200)->ret, -ACPI_ERR_TRUNCATED);
    fadt(&t, 4, 244, 0x608, 4, 1, 0xb008);
    t.bytes[100] ^= 1;
    assert_int_equal(run_all(FADT, &t)->ret, -ACPI_ERR_CHECKSUM);
    fadt(&t, 4, 244, 0x608, 4, 1, 0xb008);
    memcpy(t.bytes, "FACQ", 4);
    finish(&t);
    assert_int_equal(run_all(FADT, &t)->ret, -ACPI_ERR_SIGNATURE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_lapic_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_zero_length_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_entry_past_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_short_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_too_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_hostile_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_madt_fuzz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_v2_xsdt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_v2_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_rsdt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_xsdt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hpet_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hpet_not_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hpet_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fadt_pm_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fadt_bad, setup, teardown),
    };
    return unit_run(tests);
}
