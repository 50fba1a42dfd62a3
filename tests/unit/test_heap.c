/*
 * hv's heap (hv/heap.c, include/hv/mm.h) over a page source backed by
 * aligned_alloc that hands out garbage-filled pages and counts them:
 * xmalloc of 1 byte to 64 KiB including the class boundaries, alignment,
 * patterns written to every byte (no two blocks overlap), xzalloc, xfree of
 * NULL, the statistics after every step (a small block counts as its class
 * size, as heap.c documents), every page given back to the source, refused
 * and oversized requests, and a randomized alloc/free run.
 */
#include "unit.h"
#include <hv/mm.h>

/* --- the page source --------------------------------------------------------- */

#define MAX_SOURCE_BLOCKS 8192

static struct {
    void *p;
    unsigned int order;
} src_blocks[MAX_SOURCE_BLOCKS];
static unsigned int src_nr;
static uint64_t src_pages_out, src_alloc_calls, src_free_calls;
static unsigned int src_max_order; /* larger requests are refused */
static bool src_refuse;

static void *src_alloc(unsigned int order)
{
    src_alloc_calls++;
    if (src_refuse || order > src_max_order)
        return NULL;
    size_t bytes = (size_t)PAGE_SIZE << order;
    void *p = aligned_alloc(PAGE_SIZE, bytes);
    assert_non_null(p);
    memset(p, 0xcc, bytes); /* the heap must not rely on zeroed pages */
    assert_true(src_nr < MAX_SOURCE_BLOCKS);
    src_blocks[src_nr].p = p;
    src_blocks[src_nr].order = order;
    src_nr++;
    src_pages_out += 1ULL << order;
    return p;
}

static void src_free(void *p, unsigned int order)
{
    src_free_calls++;
    for (unsigned int i = 0; i < src_nr; i++) {
        if (src_blocks[i].p != p)
            continue;
        if (src_blocks[i].order != order)
            unit_fail("page block %p given back with order %u, allocated with order %u", p, order,
                      src_blocks[i].order);
        src_blocks[i] = src_blocks[--src_nr];
        src_pages_out -= 1ULL << order;
        free(p);
        return;
    }
    unit_fail("page block %p given back but never handed out", p);
}

static const struct heap_page_source source = {src_alloc, src_free};

/* --- the model of the statistics ------------------------------------------------ */

static struct heap_stats model;

static uint64_t charged(size_t size)
{
    if (size == 0)
        size = 1;
    if (size > 2048)
        return size;
    uint64_t c = 16;
    while (c < size)
        c <<= 1;
    return c;
}

static void model_alloc(size_t size)
{
    model.bytes_in_use += charged(size);
    model.allocations++;
    model.total_allocs++;
}

static void model_free(size_t size)
{
    model.bytes_in_use -= charged(size);
    model.allocations--;
    model.total_frees++;
}

static void check_stats(const char *when)
{
    struct heap_stats s;
    heap_get_stats(&s);
    if (s.bytes_in_use != model.bytes_in_use || s.allocations != model.allocations ||
        s.total_allocs != model.total_allocs || s.total_frees != model.total_frees ||
        s.pages_held != src_pages_out)
        unit_fail("%s: stats in_use %llu allocations %llu pages %llu allocs %llu frees %llu; "
                  "expected %llu %llu %llu %llu %llu",
                  when, (unsigned long long)s.bytes_in_use, (unsigned long long)s.allocations,
                  (unsigned long long)s.pages_held, (unsigned long long)s.total_allocs,
                  (unsigned long long)s.total_frees, (unsigned long long)model.bytes_in_use,
                  (unsigned long long)model.allocations, (unsigned long long)src_pages_out,
                  (unsigned long long)model.total_allocs, (unsigned long long)model.total_frees);
}

static int setup(void **state)
{
    src_nr = 0;
    src_pages_out = src_alloc_calls = src_free_calls = 0;
    src_max_order = 20;
    src_refuse = false;
    memset(&model, 0, sizeof(model));
    heap_init(&source);
    return 0;
}

/* Everything given back: no live blocks, no pages held, nothing lost. */
static void check_empty(void)
{
    check_stats("empty");
    struct heap_stats s;
    heap_get_stats(&s);
    assert_int_equal(s.bytes_in_use, 0);
    assert_int_equal(s.allocations, 0);
    assert_int_equal(s.pages_held, 0);
    assert_int_equal(s.total_allocs, s.total_frees);
    assert_int_equal(src_pages_out, 0);
    assert_int_equal(src_nr, 0);
}

/* --- helpers ----------------------------------------------------------------- */

static void fill(void *p, size_t size, unsigned int id)
{
    uint8_t *b = p;
    for (size_t i = 0; i < size; i++)
        b[i] = (uint8_t)(id * 31 + i * 7 + (i >> 8));
}

static void verify(const void *p, size_t size, unsigned int id)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i] != (uint8_t)(id * 31 + i * 7 + (i >> 8)))
            unit_fail("block %u (%zu bytes at %p): byte %zu overwritten", id, size, p, i);
}

static void check_alignment(const void *p, size_t size)
{
    uintptr_t a = (uintptr_t)p;
    if (size > 2048) {
        if (a % 64)
            unit_fail("%zu-byte block at %p is not 64-byte aligned", size, p);
    } else if (a % 16) {
        unit_fail("%zu-byte block at %p is not 16-byte aligned", size, p);
    }
}

/* --- tests ------------------------------------------------------------------- */

static const size_t boundary_sizes[] = {
    1,    2,    7,    8,    15,   16,    17,    31,    32,    33,    63,   64,   65,
    100,  127,  128,  129,  255,  256,   257,   511,   512,   513,   1000, 1023, 1024,
    1025, 2000, 2047, 2048, 2049, 3000,  4000,  4031,  4032,  4033,  4095, 4096, 4097,
    8000, 8128, 8129, 8192, 8193, 12288, 16384, 32768, 65535, 65536,
};

static void test_sizes_and_boundaries(void **state)
{
    enum { N = ARRAY_SIZE(boundary_sizes) };
    void *p[N];
    for (unsigned int i = 0; i < N; i++) {
        p[i] = xmalloc(boundary_sizes[i]);
        if (!p[i])
            unit_fail("xmalloc(%zu) failed", boundary_sizes[i]);
        check_alignment(p[i], boundary_sizes[i]);
        model_alloc(boundary_sizes[i]);
        check_stats("after xmalloc");
        fill(p[i], boundary_sizes[i], i);
    }
    /* No block overlaps another: every pattern survived all later writes. */
    for (unsigned int i = 0; i < N; i++)
        verify(p[i], boundary_sizes[i], i);
    for (unsigned int i = 0; i < N; i++)
        for (unsigned int j = i + 1; j < N; j++) {
            uintptr_t a = (uintptr_t)p[i], b = (uintptr_t)p[j];
            assert_true(a + boundary_sizes[i] <= b || b + boundary_sizes[j] <= a);
        }
    for (unsigned int i = 0; i < N; i++) {
        xfree(p[i]);
        model_free(boundary_sizes[i]);
        check_stats("after xfree");
    }
    check_empty();
}

/* Each size in 1..64 KiB (in steps) as the only live block. */
static void test_every_size_alone(void **state)
{
    for (size_t size = 1; size <= 65536; size += size < 4200 ? 1 : 61) {
        void *p = xmalloc(size);
        if (!p)
            unit_fail("xmalloc(%zu) failed", size);
        check_alignment(p, size);
        fill(p, size, (unsigned int)size);
        model_alloc(size);
        check_stats("alone");
        verify(p, size, (unsigned int)size);
        xfree(p);
        model_free(size);
    }
    check_empty();
}

static void test_classes_fill_pages(void **state)
{
    /* Several pages' worth of each small class, freed in two interleaved passes. */
    static void *p[600];
    for (size_t size = 16; size <= 2048; size *= 2) {
        unsigned int n = size >= 1024 ? 20 : (unsigned int)ARRAY_SIZE(p);
        for (unsigned int i = 0; i < n; i++) {
            p[i] = xmalloc(size);
            assert_non_null(p[i]);
            fill(p[i], size, i);
            model_alloc(size);
        }
        check_stats("class filled");
        struct heap_stats s;
        heap_get_stats(&s);
        uint64_t per_page = (PAGE_SIZE - 64) / size;
        assert_true(s.pages_held >= (n + per_page - 1) / per_page);
        for (unsigned int i = 0; i < n; i++)
            verify(p[i], size, i);
        for (unsigned int pass = 0; pass < 2; pass++)
            for (unsigned int i = pass; i < n; i += 2) {
                xfree(p[i]);
                model_free(size);
                check_stats("class freed");
            }
        check_empty();
    }
}

static void test_reuse_after_free(void **state)
{
    void *a = xmalloc(100);
    void *b = xmalloc(100);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    xfree(a);
    void *c = xmalloc(100); /* the freed slot, or at least a valid one */
    assert_non_null(c);
    fill(c, 100, 1);
    fill(b, 100, 2);
    verify(c, 100, 1);
    xfree(b);
    xfree(c);
    assert_int_equal(src_pages_out, 0);

    /* A slot freed in a full page is used again before any new page is taken. */
    enum { SIZE = 256, PER_PAGE = (PAGE_SIZE - 64) / SIZE, N = 3 * PER_PAGE };
    void *p[N];
    for (unsigned int i = 0; i < N; i++)
        assert_non_null(p[i] = xmalloc(SIZE));
    uint64_t pages = src_pages_out;
    assert_int_equal(pages, 3);
    for (unsigned int i = 0; i < N; i += PER_PAGE + 1) {
        xfree(p[i]);
        void *again = xmalloc(SIZE);
        assert_ptr_equal(again, p[i]);
        p[i] = again;
        assert_int_equal(src_pages_out, pages);
    }
    for (unsigned int i = 0; i < N; i++)
        xfree(p[i]);
    assert_int_equal(src_pages_out, 0);
}

static void test_xzalloc(void **state)
{
    static const size_t sizes[] = {1, 16, 17, 100, 2048, 2049, 4000, 4096, 10000, 65536};
    for (unsigned int round = 0; round < 2; round++) {
        void *keep[ARRAY_SIZE(sizes)];
        for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
            /* Dirty a block first so that a reused slot would show it. */
            void *d = xmalloc(sizes[i]);
            assert_non_null(d);
            memset(d, 0x5a, sizes[i]);
            keep[i] = xmalloc(sizes[i]); /* keeps the page alive */
            xfree(d);
            uint8_t *z = xzalloc(sizes[i]);
            assert_non_null(z);
            for (size_t k = 0; k < sizes[i]; k++)
                if (z[k])
                    unit_fail("xzalloc(%zu): byte %zu is %#x", sizes[i], k, z[k]);
            xfree(z);
        }
        for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
            xfree(keep[i]);
    }
    struct heap_stats s;
    heap_get_stats(&s);
    assert_int_equal(s.total_allocs, 2 * 3 * ARRAY_SIZE(sizes));
    assert_int_equal(s.total_frees, s.total_allocs);
    assert_int_equal(s.bytes_in_use, 0);
    assert_int_equal(s.allocations, 0);
    assert_int_equal(s.pages_held, 0);
    assert_int_equal(src_pages_out, 0);
}

static void test_xfree_null(void **state)
{
    xfree(NULL);
    check_empty();
    assert_int_equal(src_alloc_calls, 0);
    void *p = xmalloc(24);
    xfree(NULL);
    model_alloc(24);
    check_stats("xfree(NULL)");
    xfree(p);
    model_free(24);
    check_empty();
}

static void test_zero_size(void **state)
{
    void *p = xmalloc(0);
    if (p) {
        model_alloc(0);
        check_stats("xmalloc(0)");
        xfree(p);
        model_free(0);
    }
    check_empty();
}

static void test_oversized(void **state)
{
    static const size_t huge[] = {
        (1ULL << 40) + 1, (1ULL << 41), SIZE_MAX / 2, SIZE_MAX - 63, SIZE_MAX,
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(huge); i++) {
        if (xmalloc(huge[i]))
            unit_fail("xmalloc(%#zx) did not fail", huge[i]);
        if (xzalloc(huge[i]))
            unit_fail("xzalloc(%#zx) did not fail", huge[i]);
    }
    assert_int_equal(src_alloc_calls, 0); /* refused before asking for pages */
    check_empty();
}

static void test_source_refuses(void **state)
{
    /* Large requests the source cannot back fail cleanly. */
    src_max_order = 2;
    void *ok = xmalloc(3 * PAGE_SIZE); /* order 2 */
    assert_non_null(ok);
    model_alloc(3 * PAGE_SIZE);
    assert_null(xmalloc(4 * PAGE_SIZE)); /* order 3 */
    assert_null(xmalloc(1ULL << 40));
    check_stats("large refused");
    xfree(ok);
    model_free(3 * PAGE_SIZE);

    /* So do small ones when no page can be had. */
    src_refuse = true;
    assert_null(xmalloc(16));
    assert_null(xmalloc(2048));
    assert_null(xzalloc(100));
    check_empty();

    /* A class with a partly used page still serves from it. */
    src_refuse = false;
    void *a = xmalloc(64);
    assert_non_null(a);
    src_refuse = true;
    void *b = xmalloc(64);
    assert_non_null(b);
    model_alloc(64);
    model_alloc(64);
    check_stats("partial page");
    xfree(a);
    xfree(b);
    model_free(64);
    model_free(64);
    check_empty();
}

/* --- randomized ---------------------------------------------------------------- */

struct live {
    void *p;
    size_t size;
    unsigned int id;
};

static size_t random_size(struct unit_rng *rng)
{
    switch (unit_below(rng, 10)) {
    case 0:
        return 2049 + unit_below(rng, 65536 - 2048); /* large */
    case 1:
        return (size_t)16 << unit_below(rng, 8); /* exactly a class */
    case 2:
        return ((size_t)16 << unit_below(rng, 8)) + 1; /* just above one */
    default:
        return 1 + unit_below(rng, 512);
    }
}

static void test_random(void **state)
{
    enum { OPS = 20000, MAX_LIVE = 1500 };
    static struct live live[MAX_LIVE];
    unsigned int nr_live = 0, next_id = 0;
    struct unit_rng rng;

    unit_rng_init(&rng, "test_random");
    for (unsigned int op = 0; op < OPS; op++) {
        unsigned int alloc_pct = (op / 3000) % 2 ? 35 : 65;
        if (nr_live == 0 || (nr_live < MAX_LIVE && unit_below(&rng, 100) < alloc_pct)) {
            size_t size = random_size(&rng);
            bool zero = unit_below(&rng, 4) == 0;
            uint8_t *p = zero ? xzalloc(size) : xmalloc(size);
            if (!p)
                unit_fail("op %u: xmalloc(%zu) failed", op, size);
            check_alignment(p, size);
            if (zero)
                for (size_t k = 0; k < size; k++)
                    if (p[k])
                        unit_fail("op %u: xzalloc(%zu) byte %zu not zero", op, size, k);
            fill(p, size, next_id);
            live[nr_live++] = (struct live){p, size, next_id++};
            model_alloc(size);
        } else {
            unsigned int k = (unsigned int)unit_below(&rng, nr_live);
            verify(live[k].p, live[k].size, live[k].id);
            xfree(live[k].p);
            model_free(live[k].size);
            live[k] = live[--nr_live];
        }
        check_stats("random");
        if (op % 1000 == 999)
            for (unsigned int i = 0; i < nr_live; i++)
                verify(live[i].p, live[i].size, live[i].id);
    }
    while (nr_live) {
        nr_live--;
        verify(live[nr_live].p, live[nr_live].size, live[nr_live].id);
        xfree(live[nr_live].p);
        model_free(live[nr_live].size);
    }
    check_empty();
    printf("[   INFO   ] %llu page blocks taken and given back\n",
           (unsigned long long)src_free_calls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sizes_and_boundaries, setup),
        cmocka_unit_test_setup(test_every_size_alone, setup),
        cmocka_unit_test_setup(test_classes_fill_pages, setup),
        cmocka_unit_test_setup(test_reuse_after_free, setup),
        cmocka_unit_test_setup(test_xzalloc, setup),
        cmocka_unit_test_setup(test_xfree_null, setup),
        cmocka_unit_test_setup(test_zero_size, setup),
        cmocka_unit_test_setup(test_oversized, setup),
        cmocka_unit_test_setup(test_source_refuses, setup),
        cmocka_unit_test_setup(test_random, setup),
    };
    return unit_run(tests);
}
