/*
 * The buddy allocator (hv/buddy.c, include/hv/mm.h) over a test-owned frame
 * table: adding aligned, unaligned, adjacent and clamped ranges (checked
 * against the canonical decomposition into maximal aligned blocks), alloc
 * of each order, exhaustion, orders above BUDDY_MAX_ORDER, blocks never
 * merged beyond BUDDY_MAX_ORDER, full coalescing on free, and a randomized
 * run of alloc/free operations checked after every step with buddy_check and
 * a shadow map of every frame (allocations aligned, inside RAM, never
 * overlapping each other or free memory, failing only when no aligned free
 * range of the order exists).
 */
#include "unit.h"
#include <hv/mm.h>

static struct page_info *frames;
static uint64_t nr_frames;
static struct buddy b;

static void setup_frames(uint64_t n)
{
    free(frames);
    frames = calloc(n, sizeof(*frames));
    assert_non_null(frames);
    for (uint64_t i = 0; i < n; i++) {
        frames[i].owner = OWNER_NONE;
        frames[i].next = frames[i].prev = PAGE_LIST_NULL;
    }
    nr_frames = n;
    buddy_init(&b, frames, n);
}

static int teardown(void **state)
{
    free(frames);
    frames = NULL;
    return 0;
}

static void check(void)
{
    const char *err = buddy_check(&b);
    if (err)
        unit_fail("buddy_check: %s", err);
}

/* block_order[m] = order of the free block starting at m, or -1. */
static void free_blocks(int8_t *block_order)
{
    memset(block_order, -1, nr_frames);
    uint64_t guard = 0;
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        for (uint32_t m = b.free_head[o]; m != PAGE_LIST_NULL; m = frames[m].next) {
            assert_true(m < nr_frames);
            assert_int_equal(block_order[m], -1);
            block_order[m] = (int8_t)o;
            assert_true(++guard <= nr_frames); /* no cycles */
        }
}

/*
 * The canonical decomposition of the free frames (free[m] != 0) into
 * maximal aligned blocks of at most BUDDY_MAX_ORDER, which is what a fully
 * coalesced buddy allocator must hold.
 */
static void canonical_blocks(const uint8_t *is_free, int8_t *block_order)
{
    memset(block_order, -1, nr_frames);
    for (uint64_t m = 0; m < nr_frames;) {
        if (!is_free[m]) {
            m++;
            continue;
        }
        unsigned int o = 0;
        while (o < BUDDY_MAX_ORDER && !(m & ((2ULL << o) - 1)) && m + (2ULL << o) <= nr_frames) {
            bool all = true;
            for (uint64_t i = m; i < m + (2ULL << o) && all; i++)
                all = is_free[i];
            if (!all)
                break;
            o++;
        }
        block_order[m] = (int8_t)o;
        m += 1ULL << o;
    }
}

/* Asserts that the allocator holds exactly the maximal blocks of is_free. */
static void expect_canonical(const uint8_t *is_free)
{
    int8_t *got = malloc(nr_frames), *want = malloc(nr_frames);
    assert_non_null(got);
    assert_non_null(want);
    free_blocks(got);
    canonical_blocks(is_free, want);
    for (uint64_t m = 0; m < nr_frames; m++)
        if (got[m] != want[m])
            unit_fail("frame %#llx: free block of order %d, expected %d", (unsigned long long)m,
                      got[m], want[m]);
    free(got);
    free(want);
}

static uint8_t *ranges_bitmap(const uint64_t (*ranges)[2], unsigned int n)
{
    uint8_t *is_free = calloc(nr_frames, 1);
    assert_non_null(is_free);
    for (unsigned int i = 0; i < n; i++)
        for (uint64_t m = ranges[i][0]; m < ranges[i][1] && m < nr_frames; m++)
            is_free[m] = 1;
    return is_free;
}

static void test_empty(void **state)
{
    setup_frames(64);
    check();
    assert_int_equal(b.free_pages, 0);
    assert_int_equal(b.total_pages, 0);
    assert_int_equal(buddy_alloc(&b, 0), UINT64_MAX);
    buddy_add_range(&b, 10, 10); /* empty */
    buddy_add_range(&b, 20, 10); /* backwards */
    assert_int_equal(b.free_pages, 0);
    assert_int_equal(buddy_alloc(&b, 0), UINT64_MAX);
    check();
}

static void test_add_aligned_range(void **state)
{
    setup_frames(1024);
    buddy_add_range(&b, 0, 1024);
    check();
    assert_int_equal(b.free_pages, 1024);
    assert_int_equal(b.total_pages, 1024);
    assert_int_equal(b.free_head[10], 0);
    assert_int_equal(frames[0].next, PAGE_LIST_NULL);
    for (unsigned int o = 0; o < 10; o++)
        assert_int_equal(b.free_head[o], PAGE_LIST_NULL);
}

static void test_add_unaligned_ranges(void **state)
{
    static const uint64_t ranges[][2] = {{3, 1000}, {1001, 1002}, {1500, 1536}, {2047, 2048}};
    setup_frames(2048);
    for (unsigned int i = 0; i < ARRAY_SIZE(ranges); i++)
        buddy_add_range(&b, ranges[i][0], ranges[i][1]);
    check();
    assert_int_equal(b.free_pages, 997 + 1 + 36 + 1);
    assert_int_equal(b.total_pages, b.free_pages);
    uint8_t *is_free = ranges_bitmap(ranges, ARRAY_SIZE(ranges));
    expect_canonical(is_free);
    free(is_free);
    /* Spot checks of the decomposition of [3, 1000). */
    assert_int_equal(frames[3].owner, OWNER_FREE);
    assert_int_equal(frames[3].order, 0);
    assert_int_equal(frames[4].order, 2);
    assert_int_equal(frames[256].order, 8);
    assert_int_equal(frames[512].order, 8);
    assert_int_equal(frames[992].order, 3);
}

static void test_adjacent_ranges_coalesce(void **state)
{
    setup_frames(1024);
    buddy_add_range(&b, 512, 1024);
    buddy_add_range(&b, 0, 512);
    check();
    assert_int_equal(b.free_head[10], 0);
    assert_int_equal(b.free_pages, 1024);

    /* Pieces added out of order and unaligned still coalesce completely. */
    setup_frames(1024);
    static const uint64_t pieces[][2] = {{700, 1024}, {5, 300}, {0, 5}, {300, 699}, {699, 700}};
    for (unsigned int i = 0; i < ARRAY_SIZE(pieces); i++) {
        buddy_add_range(&b, pieces[i][0], pieces[i][1]);
        check();
    }
    assert_int_equal(b.free_head[10], 0);
    assert_int_equal(frames[0].next, PAGE_LIST_NULL);
    assert_int_equal(b.total_pages, 1024);
}

static void test_add_clamped_to_table(void **state)
{
    setup_frames(1000);
    buddy_add_range(&b, 900, 5000);
    check();
    assert_int_equal(b.free_pages, 100);
    assert_int_equal(b.total_pages, 100);
    static const uint64_t range[][2] = {{900, 1000}};
    uint8_t *is_free = ranges_bitmap(range, 1);
    expect_canonical(is_free);
    free(is_free);
    buddy_add_range(&b, 2000, 3000); /* entirely beyond the table */
    assert_int_equal(b.free_pages, 100);
    check();
}

static void test_alloc_each_order(void **state)
{
    uint64_t got[12];
    setup_frames(4096);
    buddy_add_range(&b, 0, 4096);
    for (unsigned int o = 0; o < ARRAY_SIZE(got); o++) {
        uint64_t before = b.free_pages;
        got[o] = buddy_alloc(&b, o);
        assert_int_not_equal(got[o], UINT64_MAX);
        assert_int_equal(got[o] & ((1ULL << o) - 1), 0);
        assert_true(got[o] + (1ULL << o) <= 4096);
        assert_int_equal(b.free_pages, before - (1ULL << o));
        assert_int_not_equal(frames[got[o]].owner, OWNER_FREE);
        check();
        for (unsigned int p = 0; p < o; p++) /* disjoint from earlier blocks */
            assert_true(got[p] + (1ULL << p) <= got[o] || got[o] + (1ULL << o) <= got[p]);
    }
    /* 4095 pages are taken; one is left. */
    assert_int_equal(b.free_pages, 1);
    assert_int_equal(buddy_alloc(&b, 1), UINT64_MAX);
    for (unsigned int o = 0; o < ARRAY_SIZE(got); o++) {
        buddy_free(&b, got[o], o);
        check();
    }
    assert_int_equal(b.free_pages, 4096);
    assert_int_equal(b.free_head[12], 0);
}

static void test_exhaustion(void **state)
{
    uint64_t got[64];
    setup_frames(64);
    buddy_add_range(&b, 0, 64);
    for (unsigned int i = 0; i < 64; i++) {
        got[i] = buddy_alloc(&b, 0);
        assert_true(got[i] < 64);
        for (unsigned int j = 0; j < i; j++)
            assert_int_not_equal(got[i], got[j]);
    }
    assert_int_equal(b.free_pages, 0);
    assert_int_equal(buddy_alloc(&b, 0), UINT64_MAX);
    assert_int_equal(buddy_alloc(&b, 3), UINT64_MAX);
    check();

    /* One page back: exactly it is handed out again. */
    buddy_free(&b, got[17], 0);
    assert_int_equal(buddy_alloc(&b, 0), got[17]);

    /* Two free pages that are not buddies give no order-1 block. */
    buddy_free(&b, 10, 0);
    buddy_free(&b, 13, 0);
    check();
    assert_int_equal(b.free_pages, 2);
    assert_int_equal(buddy_alloc(&b, 1), UINT64_MAX);
    assert_int_equal(b.free_pages, 2);
    buddy_free(&b, 11, 0);
    check();
    assert_int_equal(buddy_alloc(&b, 1), 10);
}

static void test_order_too_large(void **state)
{
    setup_frames(1 << 11);
    buddy_add_range(&b, 0, 1 << 11);
    assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), UINT64_MAX);
    assert_int_equal(buddy_alloc(&b, 31), UINT64_MAX);
    assert_int_equal(buddy_alloc(&b, 64), UINT64_MAX);
    assert_int_equal(buddy_alloc(&b, UINT32_MAX), UINT64_MAX);
    assert_int_equal(buddy_alloc(&b, 12), UINT64_MAX); /* more than there is */
    assert_int_equal(b.free_pages, 1 << 11);
    assert_int_equal(buddy_alloc(&b, 11), 0);
    check();
}

/* Blocks stop growing at BUDDY_MAX_ORDER, however much is contiguous. */
static void test_max_order_blocks(void **state)
{
    const uint64_t max = 1ULL << BUDDY_MAX_ORDER;
    setup_frames(3 * max);
    buddy_add_range(&b, 0, 3 * max);
    check();
    assert_int_equal(b.free_pages, 3 * max);
    unsigned int n = 0;
    for (uint32_t m = b.free_head[BUDDY_MAX_ORDER]; m != PAGE_LIST_NULL; m = frames[m].next)
        n++;
    assert_int_equal(n, 3);
    uint64_t got[3];
    for (unsigned int i = 0; i < 3; i++) {
        got[i] = buddy_alloc(&b, BUDDY_MAX_ORDER);
        assert_int_not_equal(got[i], UINT64_MAX);
        assert_int_equal(got[i] % max, 0);
    }
    assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER), UINT64_MAX);
    assert_int_equal(buddy_alloc(&b, 0), UINT64_MAX);
    for (unsigned int i = 0; i < 3; i++)
        buddy_free(&b, got[i], BUDDY_MAX_ORDER);
    check();
    assert_int_equal(b.free_pages, 3 * max);
    /* Split one to the bottom and give it back: maximal again. */
    uint64_t one = buddy_alloc(&b, 0);
    assert_int_not_equal(one, UINT64_MAX);
    buddy_free(&b, one, 0);
    check();
    n = 0;
    for (uint32_t m = b.free_head[BUDDY_MAX_ORDER]; m != PAGE_LIST_NULL; m = frames[m].next)
        n++;
    assert_int_equal(n, 3);
}

static void test_free_coalesces_fully(void **state)
{
    enum { N = 512 };
    uint64_t got[N];
    struct unit_rng rng;

    unit_rng_init(&rng, "test_free_coalesces_fully");
    setup_frames(N);
    buddy_add_range(&b, 0, N);
    for (unsigned int i = 0; i < N; i++)
        got[i] = buddy_alloc(&b, 0);
    assert_int_equal(buddy_alloc(&b, 0), UINT64_MAX);
    /* Free in a random order. */
    for (unsigned int i = N - 1; i > 0; i--) {
        unsigned int j = (unsigned int)unit_below(&rng, i + 1);
        uint64_t t = got[i];
        got[i] = got[j];
        got[j] = t;
    }
    for (unsigned int i = 0; i < N; i++) {
        buddy_free(&b, got[i], 0);
        check();
        assert_int_equal(b.free_pages, i + 1);
    }
    assert_int_equal(b.free_pages, b.total_pages);
    assert_int_equal(b.free_head[9], 0);
    for (unsigned int o = 0; o < 9; o++)
        assert_int_equal(b.free_head[o], PAGE_LIST_NULL);
}

/* --- randomized ------------------------------------------------------------ */

enum { S_HOLE = 0, S_FREE = 1, S_USED = 2 };

struct live {
    uint64_t mfn;
    unsigned int order;
};

/* Whether an aligned range of 2^order frames is entirely free in the shadow. */
static bool shadow_has_free_block(const uint8_t *shadow, unsigned int order)
{
    uint64_t size = 1ULL << order;
    for (uint64_t m = 0; m + size <= nr_frames; m += size) {
        bool all = true;
        for (uint64_t i = m; i < m + size && all; i++)
            all = shadow[i] == S_FREE;
        if (all)
            return true;
    }
    return false;
}

static void test_random_alloc_free(void **state)
{
    enum { N = 8192, OPS = 20000, MAX_LIVE = 4096 };
    static const uint64_t ranges[][2] = {{1, 3000}, {3100, 4096}, {4096, 6001}, {6003, 8190}};
    static struct live live[MAX_LIVE];
    unsigned int nr_live = 0, failures = 0;
    uint64_t free_count = 0;
    struct unit_rng rng;

    unit_rng_init(&rng, "test_random_alloc_free");
    setup_frames(N);
    uint8_t *shadow = calloc(N, 1);
    assert_non_null(shadow);
    for (unsigned int i = 0; i < ARRAY_SIZE(ranges); i++) {
        buddy_add_range(&b, ranges[i][0], ranges[i][1]);
        for (uint64_t m = ranges[i][0]; m < ranges[i][1]; m++, free_count++)
            shadow[m] = S_FREE;
    }
    check();
    assert_int_equal(b.free_pages, free_count);

    for (unsigned int op = 0; op < OPS; op++) {
        /* Phases that fill memory up and drain it again. */
        unsigned int alloc_pct = (op / 2500) % 2 ? 30 : 70;
        bool do_alloc = nr_live == 0 || (nr_live < MAX_LIVE && unit_below(&rng, 100) < alloc_pct);
        if (do_alloc) {
            /* Mostly small orders, now and then a large one. */
            unsigned int order = unit_below(&rng, 8) ? (unsigned int)unit_below(&rng, 4)
                                                     : (unsigned int)unit_below(&rng, 14);
            uint64_t m = buddy_alloc(&b, order);
            if (m == UINT64_MAX) {
                failures++;
                if (shadow_has_free_block(shadow, order))
                    unit_fail("op %u: order %u refused although an aligned free range exists", op,
                              order);
            } else {
                if (m & ((1ULL << order) - 1))
                    unit_fail("op %u: block %#llx not aligned to order %u", op,
                              (unsigned long long)m, order);
                assert_true(m + (1ULL << order) <= N);
                for (uint64_t i = m; i < m + (1ULL << order); i++) {
                    if (shadow[i] != S_FREE)
                        unit_fail("op %u: block %#llx order %u covers frame %#llx that is %s", op,
                                  (unsigned long long)m, order, (unsigned long long)i,
                                  shadow[i] == S_USED ? "allocated" : "not RAM");
                    shadow[i] = S_USED;
                    /* As a domain would: the owner changes while allocated. */
                    frames[i].owner = (uint32_t)(op & 0x7fff);
                }
                free_count -= 1ULL << order;
                live[nr_live++] = (struct live){m, order};
            }
        } else {
            unsigned int k = (unsigned int)unit_below(&rng, nr_live);
            struct live l = live[k];
            live[k] = live[--nr_live];
            for (uint64_t i = l.mfn; i < l.mfn + (1ULL << l.order); i++) {
                assert_int_equal(shadow[i], S_USED);
                shadow[i] = S_FREE;
                if (unit_below(&rng, 2))
                    frames[i].owner = OWNER_NONE;
            }
            buddy_free(&b, l.mfn, l.order);
            free_count += 1ULL << l.order;
        }
        const char *err = buddy_check(&b);
        if (err)
            unit_fail("op %u: buddy_check: %s", op, err);
        if (b.free_pages != free_count)
            unit_fail("op %u: free_pages %llu, expected %llu", op, (unsigned long long)b.free_pages,
                      (unsigned long long)free_count);
        /* Every frame of a free block is free in the shadow. */
        if (op % 64 == 0) {
            int8_t *blocks = malloc(N);
            assert_non_null(blocks);
            free_blocks(blocks);
            for (uint64_t m = 0; m < N; m++)
                if (blocks[m] >= 0)
                    for (uint64_t i = m; i < m + (1ULL << blocks[m]); i++)
                        if (shadow[i] != S_FREE)
                            unit_fail("op %u: free block %#llx covers frame %#llx", op,
                                      (unsigned long long)m, (unsigned long long)i);
            free(blocks);
        }
    }
    printf("[   INFO   ] %u operations, %u refused allocations, %u blocks live at the end\n", OPS,
           failures, nr_live);

    /* Everything back: the maximal blocks of the original ranges. */
    while (nr_live) {
        nr_live--;
        buddy_free(&b, live[nr_live].mfn, live[nr_live].order);
        for (uint64_t i = live[nr_live].mfn; i < live[nr_live].mfn + (1ULL << live[nr_live].order);
             i++)
            shadow[i] = S_FREE;
    }
    check();
    assert_int_equal(b.free_pages, b.total_pages);
    uint8_t *is_free = ranges_bitmap(ranges, ARRAY_SIZE(ranges));
    expect_canonical(is_free);
    free(is_free);
    free(shadow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_empty, teardown),
        cmocka_unit_test_teardown(test_add_aligned_range, teardown),
        cmocka_unit_test_teardown(test_add_unaligned_ranges, teardown),
        cmocka_unit_test_teardown(test_adjacent_ranges_coalesce, teardown),
        cmocka_unit_test_teardown(test_add_clamped_to_table, teardown),
        cmocka_unit_test_teardown(test_alloc_each_order, teardown),
        cmocka_unit_test_teardown(test_exhaustion, teardown),
        cmocka_unit_test_teardown(test_order_too_large, teardown),
        cmocka_unit_test_teardown(test_max_order_blocks, teardown),
        cmocka_unit_test_teardown(test_free_coalesces_fully, teardown),
        cmocka_unit_test_teardown(test_random_alloc_free, teardown),
    };
    return unit_run(tests);
}
