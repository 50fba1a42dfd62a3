/*
 * The E820 sanitizer (arch/x86/e820.c, asm/e820.h): overlapping RAM and
 * reserved ranges (the higher type wins), RAM split around a reserved hole,
 * unsorted input, unaligned RAM shrunk inward to whole pages (and dropped
 * when that leaves nothing), zero-sized and wrapping entries dropped,
 * neighbours of one type merged, more raw entries than E820_MAX, a QEMU-like
 * map, e820_ram_bytes and e820_type_name; and a randomized property test
 * against a brute-force model at 256-byte granularity.
 */
#include "unit.h"
#include <asm/e820.h>

#define RAM E820_RAM
#define RES E820_RESERVED

static struct e820map out;

static int sanitize(const struct e820entry *raw, unsigned int nr)
{
    memset(&out, 0xa5, sizeof(out));
    return e820_sanitize(raw, nr, &out);
}

/* Asserts that out is exactly the nr entries of expect. */
static void expect_map(const struct e820entry *expect, unsigned int nr)
{
    for (unsigned int i = 0; i < out.nr && i < nr; i++) {
        if (out.map[i].addr != expect[i].addr || out.map[i].size != expect[i].size ||
            out.map[i].type != expect[i].type)
            unit_fail("entry %u: got [%#llx, %#llx) type %u, expected [%#llx, %#llx) type %u", i,
                      (unsigned long long)out.map[i].addr,
                      (unsigned long long)(out.map[i].addr + out.map[i].size), out.map[i].type,
                      (unsigned long long)expect[i].addr,
                      (unsigned long long)(expect[i].addr + expect[i].size), expect[i].type);
    }
    assert_int_equal(out.nr, nr);
}

/* The invariants every sanitized map has. */
static void check_invariants(const struct e820map *m)
{
    assert_true(m->nr <= E820_MAX);
    for (unsigned int i = 0; i < m->nr; i++) {
        const struct e820entry *e = &m->map[i];
        assert_true(e->size > 0);
        assert_true(e->addr + e->size > e->addr);
        assert_true(e->type != 0);
        if (e->type == E820_RAM) {
            assert_int_equal(e->addr % PAGE_SIZE, 0);
            assert_int_equal(e->size % PAGE_SIZE, 0);
        }
        if (i > 0) {
            const struct e820entry *p = &m->map[i - 1];
            assert_true(p->addr + p->size <= e->addr); /* sorted, no overlap */
            if (p->addr + p->size == e->addr)
                assert_int_not_equal(p->type, e->type); /* merged */
        }
    }
}

static void test_overlap_reserved_wins(void **state)
{
    const struct e820entry raw[] = {
        {0x0, 0x10000, RAM},
        {0x8000, 0x10000, RES},
    };
    const struct e820entry expect[] = {
        {0x0, 0x8000, RAM},
        {0x8000, 0x10000, RES},
    };
    assert_true(sanitize(raw, 2) > 0);
    expect_map(expect, 2);

    /* The same with the order reversed, and with RAM starting inside the hole. */
    const struct e820entry raw2[] = {
        {0x8000, 0x10000, RES},
        {0x0, 0x10000, RAM},
        {0x10000, 0x10000, RAM},
    };
    const struct e820entry expect2[] = {
        {0x0, 0x8000, RAM},
        {0x8000, 0x10000, RES},
        {0x18000, 0x8000, RAM},
    };
    assert_true(sanitize(raw2, 3) > 0);
    expect_map(expect2, 3);
}

static void test_higher_type_wins(void **state)
{
    const struct e820entry raw[] = {
        {0x0, 0x4000, E820_ACPI},
        {0x2000, 0x4000, E820_NVS},
        {0x1000, 0x1000, E820_RESERVED},
        {0x0, 0x10000, E820_RAM},
    };
    const struct e820entry expect[] = {
        {0x0, 0x2000, E820_ACPI},
        {0x2000, 0x4000, E820_NVS},
        {0x6000, 0xa000, E820_RAM},
    };
    sanitize(raw, 4);
    expect_map(expect, 3);
}

static void test_ram_split_in_three(void **state)
{
    const struct e820entry raw[] = {
        {0x0, 0x100000, RAM},
        {0x9f000, 0x1000, RES},
    };
    const struct e820entry expect[] = {
        {0x0, 0x9f000, RAM},
        {0x9f000, 0x1000, RES},
        {0xa0000, 0x60000, RAM},
    };
    assert_true(sanitize(raw, 2) > 0);
    expect_map(expect, 3);
    assert_int_equal(e820_ram_bytes(&out), 0x100000 - 0x1000);
}

static void test_unsorted(void **state)
{
    const struct e820entry raw[] = {
        {0x200000, 0x100000, RAM},         {0xf0000, 0x10000, RES},   {0x0, 0x9f000, RAM},
        {0x100000000ull, 0x40000000, RAM}, {0xfec00000, 0x1000, RES},
    };
    const struct e820entry expect[] = {
        {0x0, 0x9f000, RAM},       {0xf0000, 0x10000, RES},           {0x200000, 0x100000, RAM},
        {0xfec00000, 0x1000, RES}, {0x100000000ull, 0x40000000, RAM},
    };
    assert_int_equal(sanitize(raw, 5), 0); /* nothing dropped or changed */
    expect_map(expect, 5);
}

static void test_unaligned_ram(void **state)
{
    const struct e820entry raw[] = {
        {0x1234, 0x5678 - 0x1234, RAM}, /* -> [0x2000, 0x5000) */
        {0x10100, 0xe00, RAM},          /* inside one page: gone */
        {0x20000, 0x800, RAM},          /* aligned start, half a page: gone */
        {0x30800, 0x800, RAM},          /* aligned end, half a page: gone */
        {0x40001, 0x1fff, RAM},         /* [0x40001, 0x42000) -> [0x41000, 0x42000) */
        {0x50000, 0x1001, RAM},         /* -> [0x50000, 0x51000) */
        {0x60010, 0x20, RES},           /* non-RAM keeps its bytes */
        {0x70000 - 0x800, 0x1800, RAM}, /* -> [0x70000, 0x71000) */
    };
    const struct e820entry expect[] = {
        {0x2000, 0x3000, RAM}, {0x41000, 0x1000, RAM}, {0x50000, 0x1000, RAM},
        {0x60010, 0x20, RES},  {0x70000, 0x1000, RAM},
    };
    int changed = sanitize(raw, ARRAY_SIZE(raw));
    expect_map(expect, ARRAY_SIZE(expect));
    assert_true(changed >= 7);
    assert_int_equal(e820_ram_bytes(&out), 0x3000 + 3 * 0x1000);
}

static void test_unaligned_ram_next_to_reserved(void **state)
{
    /* RAM cut by an unaligned reserved range loses the shared pages. */
    const struct e820entry raw[] = {
        {0x0, 0x10000, RAM},
        {0x4100, 0x100, RES},
    };
    const struct e820entry expect[] = {
        {0x0, 0x4000, RAM},
        {0x4100, 0x100, RES},
        {0x5000, 0xb000, RAM},
    };
    sanitize(raw, 2);
    expect_map(expect, 3);
}

static void test_zero_and_wrapping_dropped(void **state)
{
    const struct e820entry raw[] = {
        {0x1000, 0, RAM},
        {0x10000, 0x10000, RAM},
        {0xfffffffffffff000ull, 0x2000, RAM},                /* wraps */
        {0x8000000000000000ull, 0x8000000000000001ull, RES}, /* wraps */
        {UINT64_MAX, 1, RES},                                /* wraps to 0 */
        {0x50000, 0, RES},
    };
    const struct e820entry expect[] = {
        {0x10000, 0x10000, RAM},
    };
    assert_int_equal(sanitize(raw, ARRAY_SIZE(raw)), 5);
    expect_map(expect, 1);

    /* Only junk: an empty map. */
    assert_true(sanitize(raw, 1) == 1);
    assert_int_equal(out.nr, 0);
    assert_int_equal(sanitize(raw, 0), 0);
    assert_int_equal(out.nr, 0);
    assert_int_equal(e820_ram_bytes(&out), 0);
}

static void test_high_addresses(void **state)
{
    /* The last page below 2^64 is representable only up to UINT64_MAX - 4095. */
    const struct e820entry raw[] = {
        {0xffffffffffffe000ull, 0x1000, RAM},
        {0xffffffff00000000ull, 0x100, RES},
    };
    const struct e820entry expect[] = {
        {0xffffffff00000000ull, 0x100, RES},
        {0xffffffffffffe000ull, 0x1000, RAM},
    };
    sanitize(raw, 2);
    expect_map(expect, 2);
}

static void test_merge_adjacent(void **state)
{
    const struct e820entry raw[] = {
        {0x0, 0x1000, RAM},    {0x1000, 0x2000, RAM}, {0x3000, 0x1000, RAM},
        {0x4000, 0x1000, RES}, {0x5000, 0x100, RES},  {0x5100, 0xf00, E820_ACPI},
        {0x6000, 0x1000, RAM}, {0x6000, 0x1000, RAM}, /* duplicate */
        {0x7000, 0x1000, RAM},
    };
    const struct e820entry expect[] = {
        {0x0, 0x4000, RAM},
        {0x4000, 0x1100, RES},
        {0x5100, 0xf00, E820_ACPI},
        {0x6000, 0x2000, RAM},
    };
    sanitize(raw, ARRAY_SIZE(raw));
    expect_map(expect, ARRAY_SIZE(expect));
    check_invariants(&out);
}

static void test_more_than_max_entries(void **state)
{
    enum { N = E820_MAX + 72 };
    static struct e820entry raw[N];

    /* Separate pages: at most E820_MAX survive, and the dropped ones are counted. */
    for (unsigned int i = 0; i < N; i++)
        raw[i] = (struct e820entry){(uint64_t)i * 2 * PAGE_SIZE, PAGE_SIZE, RAM};
    int changed = sanitize(raw, N);
    check_invariants(&out);
    assert_int_equal(out.nr, E820_MAX);
    assert_true(changed >= N - E820_MAX);
    for (unsigned int i = 0; i < out.nr; i++) {
        assert_int_equal(out.map[i].addr, (uint64_t)i * 2 * PAGE_SIZE);
        assert_int_equal(out.map[i].size, PAGE_SIZE);
    }

    /* Adjacent pages merge into one entry. */
    for (unsigned int i = 0; i < E820_MAX; i++)
        raw[i] = (struct e820entry){(uint64_t)i * PAGE_SIZE, PAGE_SIZE, RAM};
    sanitize(raw, E820_MAX);
    assert_int_equal(out.nr, 1);
    assert_int_equal(out.map[0].size, (uint64_t)E820_MAX * PAGE_SIZE);

    /*
     * E820_MAX entries that resolve to more than E820_MAX ranges (each RAM
     * range split by a hole): whatever is kept must still be correct.
     */
    for (unsigned int i = 0; i < E820_MAX / 2; i++) {
        raw[2 * i] = (struct e820entry){(uint64_t)i * 0x10000, 0x8000, RAM};
        raw[2 * i + 1] = (struct e820entry){(uint64_t)i * 0x10000 + 0x2000, 0x1000, RES};
    }
    assert_true(sanitize(raw, E820_MAX) > 0);
    check_invariants(&out);
    for (unsigned int i = 0; i < out.nr; i++) {
        uint64_t off = out.map[i].addr % 0x10000, end = off + out.map[i].size;
        if (out.map[i].type == RAM)
            assert_true((off == 0 && end == 0x2000) || (off == 0x3000 && end == 0x8000));
        else
            assert_true(off == 0x2000 && end == 0x3000 && out.map[i].type == RES);
    }
}

/* What QEMU's SeaBIOS reports for -m 4608 (RAM above and below 4 GiB). */
static void test_qemu_like_map(void **state)
{
    const struct e820entry raw[] = {
        {0x0, 0x9fc00, RAM},        {0x9fc00, 0x400, RES},
        {0xf0000, 0x10000, RES},    {0x100000, 0xbfee0000 - 0x100000, RAM},
        {0xbfee0000, 0x20000, RES}, {0xfeffc000, 0x4000, RES},
        {0xfffc0000, 0x40000, RES}, {0x100000000ull, 0x140000000ull, RAM},
    };
    const struct e820entry expect[] = {
        {0x0, 0x9f000, RAM},        {0x9fc00, 0x400, RES},
        {0xf0000, 0x10000, RES},    {0x100000, 0xbfee0000 - 0x100000, RAM},
        {0xbfee0000, 0x20000, RES}, {0xfeffc000, 0x4000, RES},
        {0xfffc0000, 0x40000, RES}, {0x100000000ull, 0x140000000ull, RAM},
    };
    assert_int_equal(sanitize(raw, ARRAY_SIZE(raw)), 1); /* only the first RAM range shrank */
    expect_map(expect, ARRAY_SIZE(expect));
    assert_int_equal(e820_ram_bytes(&out), 0x9f000 + (0xbfee0000 - 0x100000) + 0x140000000ull);
}

/* Xen keeps E820-unusable frames above the first MiB from dom0, whole pages
 * touched by the range included; the first MiB stays dom0's. */
static void test_unusable_above_1m(void **state)
{
    (void)state;
    const struct e820entry raw[] = {
        {0x0, 0x9fc00, RAM},
        {0x80000, 0x1000, E820_UNUSABLE}, /* below 1 MiB */
        {0x100000, 0x7f00000, RAM},
        {0x8000800, 0x1800, E820_UNUSABLE}, /* frames 0x8000 and 0x8001 */
        {0xfe000000, 0x0, E820_UNUSABLE},   /* empty: dropped */
    };
    sanitize(raw, ARRAY_SIZE(raw));
    assert_false(e820_mfn_unusable_above_1m(&out, 0x80));
    assert_false(e820_mfn_unusable_above_1m(&out, 0xff));
    assert_false(e820_mfn_unusable_above_1m(&out, 0x100));
    assert_false(e820_mfn_unusable_above_1m(&out, 0x7fff));
    assert_true(e820_mfn_unusable_above_1m(&out, 0x8000));
    assert_true(e820_mfn_unusable_above_1m(&out, 0x8001));
    assert_false(e820_mfn_unusable_above_1m(&out, 0x8002));
    assert_false(e820_mfn_unusable_above_1m(&out, 0xfe000));

    /* A range straddling 1 MiB: only its part above counts. */
    const struct e820entry straddle[] = {{0xf0000, 0x20000, E820_UNUSABLE}};
    sanitize(straddle, ARRAY_SIZE(straddle));
    assert_false(e820_mfn_unusable_above_1m(&out, 0xf0));
    assert_true(e820_mfn_unusable_above_1m(&out, 0x100));
    assert_true(e820_mfn_unusable_above_1m(&out, 0x10f));
    assert_false(e820_mfn_unusable_above_1m(&out, 0x110));
}

static void test_type_names(void **state)
{
    assert_string_equal(e820_type_name(E820_RAM), "usable");
    assert_string_equal(e820_type_name(E820_RESERVED), "reserved");
    assert_string_equal(e820_type_name(E820_ACPI), "ACPI data");
    assert_string_equal(e820_type_name(E820_NVS), "ACPI NVS");
    assert_string_equal(e820_type_name(E820_UNUSABLE), "unusable");
    assert_string_equal(e820_type_name(0), "unknown");
    assert_string_equal(e820_type_name(12), "unknown");
}

/* --- randomized property test ---------------------------------------------- */

#define GRAIN      256u                /* model granularity: every raw boundary is a multiple */
#define SPACE      (64u * 1024)        /* raw entries start below this */
#define UNITS      (2 * SPACE / GRAIN) /* and end below twice it */
#define PAGE_UNITS (PAGE_SIZE / GRAIN)

static void model(const struct e820entry *raw, unsigned int nr, uint32_t *type)
{
    memset(type, 0, UNITS * sizeof(*type));
    for (unsigned int i = 0; i < nr; i++) {
        const struct e820entry *r = &raw[i];
        if (r->size == 0 || r->addr + r->size < r->addr)
            continue;
        for (uint64_t u = r->addr / GRAIN; u < (r->addr + r->size) / GRAIN; u++)
            if (r->type > type[u])
                type[u] = r->type;
    }
    /* RAM only in pages that are RAM throughout. */
    for (unsigned int p = 0; p < UNITS / PAGE_UNITS; p++) {
        bool whole = true;
        for (unsigned int u = p * PAGE_UNITS; u < (p + 1) * PAGE_UNITS; u++)
            whole &= type[u] == E820_RAM;
        if (!whole)
            for (unsigned int u = p * PAGE_UNITS; u < (p + 1) * PAGE_UNITS; u++)
                if (type[u] == E820_RAM)
                    type[u] = 0;
    }
}

static void test_random_maps(void **state)
{
    static const uint32_t types[] = {RAM, RAM, RAM, RES, E820_ACPI, E820_NVS, E820_UNUSABLE, 12};
    struct unit_rng rng;
    struct e820entry raw[24];
    uint32_t expect[UNITS], got[UNITS];

    unit_rng_init(&rng, "test_random_maps");
    for (unsigned int iter = 0; iter < 5000; iter++) {
        unsigned int nr = 1 + (unsigned int)unit_below(&rng, ARRAY_SIZE(raw));
        for (unsigned int i = 0; i < nr; i++) {
            struct e820entry *r = &raw[i];
            /* Mostly page-aligned boundaries, sometimes not. */
            uint64_t step = unit_below(&rng, 3) ? PAGE_SIZE : GRAIN;
            r->addr = unit_below(&rng, SPACE / step) * step;
            r->size = unit_below(&rng, SPACE / 2 / step) * step;
            r->type = types[unit_below(&rng, ARRAY_SIZE(types))];
            if (unit_below(&rng, 40) == 0) { /* one that wraps past 2^64 */
                r->addr = UINT64_MAX - unit_below(&rng, 4) * PAGE_SIZE;
                r->size = (UINT64_MAX - r->addr) + 2 + unit_below(&rng, SPACE);
            }
        }
        sanitize(raw, nr);
        check_invariants(&out);

        model(raw, nr, expect);
        memset(got, 0, sizeof(got));
        uint64_t ram = 0;
        for (unsigned int i = 0; i < out.nr; i++) {
            const struct e820entry *e = &out.map[i];
            assert_int_equal(e->addr % GRAIN, 0);
            assert_int_equal(e->size % GRAIN, 0);
            assert_true(e->addr + e->size <= (uint64_t)UNITS * GRAIN);
            for (uint64_t u = e->addr / GRAIN; u < (e->addr + e->size) / GRAIN; u++)
                got[u] = e->type;
            if (e->type == E820_RAM)
                ram += e->size;
        }
        for (unsigned int u = 0; u < UNITS; u++)
            if (got[u] != expect[u])
                unit_fail("iteration %u: byte %#x has type %u, expected %u", iter, u * GRAIN,
                          got[u], expect[u]);
        assert_int_equal(e820_ram_bytes(&out), ram);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap_reserved_wins),
        cmocka_unit_test(test_higher_type_wins),
        cmocka_unit_test(test_ram_split_in_three),
        cmocka_unit_test(test_unsorted),
        cmocka_unit_test(test_unaligned_ram),
        cmocka_unit_test(test_unaligned_ram_next_to_reserved),
        cmocka_unit_test(test_zero_and_wrapping_dropped),
        cmocka_unit_test(test_high_addresses),
        cmocka_unit_test(test_merge_adjacent),
        cmocka_unit_test(test_more_than_max_entries),
        cmocka_unit_test(test_qemu_like_map),
        cmocka_unit_test(test_unusable_above_1m),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_random_maps),
    };
    return unit_run(tests);
}
