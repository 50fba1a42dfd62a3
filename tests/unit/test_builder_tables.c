/*
 * The builder's start-of-day page tables (dom0-tools/builder/page_tables.c)
 * as libxc lays them out: Linux's case (the initial mapping at
 * 0xffffffff80000000 and a P2M at 512 GB with an L3, L2 and L1 of its own),
 * a P2M just below the base that shares the first mapping's L4, L3 and L2
 * (one L1 of its own) or even its L1 (none of its own), a P2M overlapping
 * the initial mapping refused, and page tables mapped read-only.
 */
#include "unit.h"
#include "builder_private.h"

#define BASE    0xffffffff80000000UL
#define VA48(x) ((x) & ((1UL << 48) - 1))
#define RW      0x2UL

static xen_pfn_t p2m[0x1000];
static uint64_t entries[512];

static void fake_p2m(void)
{
    for (unsigned int i = 0; i < 0x1000; i++)
        p2m[i] = 0x10000 + i;
}

static uint64_t frame_of(uint64_t e)
{
    return (e >> 12) - 0x10000;
}

/* The initial mapping [base, base + 4 MB), its tables from pfn 0x10. */
static void initial(struct builder_tables *t, uint64_t base)
{
    struct builder_mapping m;
    memset(t, 0, sizeof(*t));
    assert_int_equal(builder_mapping_plan(t, &m, base, base + (4UL << 20) - 1, 0, 0x10), 0);
    builder_mapping_add(t, &m);
}

static void test_linux_layout(void **state)
{
    (void)state;
    fake_p2m();
    struct builder_tables t;
    initial(&t, BASE);
    const struct builder_mapping *m0 = &t.map[0];
    /* L4, one L3, one L2, two L1s for 4 MB on a 2 MB boundary. */
    assert_int_equal(m0->nr_tables, 5);
    assert_int_equal(m0->level[4].pfn, 0x10);
    assert_int_equal(m0->level[3].pfn, 0x11);
    assert_int_equal(m0->level[2].pfn, 0x12);
    assert_int_equal(m0->level[1].pfn, 0x13);
    assert_int_equal(m0->level[1].count, 2);
    struct builder_mapping m;
    assert_int_equal(builder_mapping_plan(&t, &m, 0x8000000000UL, 0x8000007fffUL, 0x424, 0x42c), 0);
    builder_mapping_add(&t, &m);
    assert_int_equal(m.nr_tables, 3);
    assert_int_equal(m.level[4].count, 0);
    assert_int_equal(m.level[3].pfn, 0x42c);
    assert_int_equal(m.level[2].pfn, 0x42d);
    assert_int_equal(m.level[1].pfn, 0x42e);

    /* The one L4: slot 1 the P2M's L3, slot 511 the kernel's. */
    builder_table_fill(&t, m0, 4, 0, p2m, entries);
    assert_int_equal(frame_of(entries[1]), 0x42c);
    assert_int_equal(entries[1] & 0xfff, 0x67);
    assert_int_equal(frame_of(entries[511]), 0x11);
    assert_int_equal(entries[0], 0);
    /* The P2M's L1: its 8 pages writable, nothing after. */
    builder_table_fill(&t, &t.map[1], 1, 0, p2m, entries);
    for (unsigned int i = 0; i < 8; i++) {
        assert_int_equal(frame_of(entries[i]), 0x424 + i);
        assert_int_equal(entries[i] & 0xfff, 0x23);
    }
    assert_int_equal(entries[8], 0);
    /* The kernel's first L1: page tables read-only, the rest writable. */
    builder_table_fill(&t, m0, 1, 0, p2m, entries);
    assert_int_equal(entries[0x10] & RW, 0);
    assert_int_equal(entries[0x14] & RW, 0);
    assert_int_equal(entries[0x15] & RW, RW);
    assert_int_equal(frame_of(entries[0x15]), 0x15);
    /* Tables of the P2M are tables too, though mapped nowhere. */
    assert_true(builder_pfn_is_table(&t, 0x42e));
    assert_false(builder_pfn_is_table(&t, 0x42b));
}

static void test_shares_upper_tables(void **state)
{
    (void)state;
    fake_p2m();
    struct builder_tables t;
    initial(&t, BASE + (4UL << 20)); /* the kernel 4 MB up: its L1s start there */
    struct builder_mapping m;
    assert_int_equal(builder_mapping_plan(&t, &m, BASE, BASE + 0x7fff, 0x500, 0x508), 0);
    builder_mapping_add(&t, &m);
    assert_int_equal(m.nr_tables, 1); /* an L1; the L4, L3 and L2 are the first mapping's */
    assert_int_equal(m.level[1].pfn, 0x508);
    builder_table_fill(&t, &t.map[0], 2, 0, p2m, entries);
    assert_int_equal(frame_of(entries[0]), 0x508); /* BASE's 2 MB: the P2M's L1 */
    assert_int_equal(frame_of(entries[2]), 0x13);  /* BASE + 4 MB: the kernel's first L1 */
}

static void test_shares_an_l1(void **state)
{
    (void)state;
    fake_p2m();
    struct builder_tables t;
    initial(&t, BASE + 0x100000); /* 1 MB up: its first L1 covers BASE too */
    struct builder_mapping m;
    assert_int_equal(builder_mapping_plan(&t, &m, BASE, BASE + 0x7fff, 0x500, 0x508), 0);
    builder_mapping_add(&t, &m);
    assert_int_equal(m.nr_tables, 0);
    builder_table_fill(&t, &t.map[0], 1, 0, p2m, entries);
    assert_int_equal(frame_of(entries[0]), 0x500);
    assert_int_equal(frame_of(entries[7]), 0x507);
    assert_int_equal(entries[8], 0);
    assert_int_equal(frame_of(entries[0x100]), 0); /* the kernel's base */
}

static void test_overlap_refused(void **state)
{
    (void)state;
    struct builder_tables t;
    initial(&t, BASE);
    struct builder_mapping m;
    assert_int_equal(builder_mapping_plan(&t, &m, BASE - 0x2000, BASE + 0x5fff, 0x500, 0x508),
                     -XEN_EINVAL);
    assert_int_equal(t.nr_maps, 1);
    assert_int_equal(VA48(BASE), t.map[0].from);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_layout),
        cmocka_unit_test(test_shares_upper_tables),
        cmocka_unit_test(test_shares_an_l1),
        cmocka_unit_test(test_overlap_refused),
    };
    return unit_run(tests);
}
