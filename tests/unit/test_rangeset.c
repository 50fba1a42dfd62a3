/*
 * Range sets (hv/rangeset.c): adding merges overlapping and adjacent
 * ranges, removing trims and splits, the ends of the 64-bit space, a full
 * set refusing without changing, and a randomized run against a bitmap
 * model over a small universe (every operation checked value by value).
 */
#include "unit.h"
#include <hv/rangeset.h>
#include <hv/errno.h>

static struct rangeset s;

static void reset(void)
{
    memset(&s, 0, sizeof(s));
}

static void test_add_merges(void **state)
{
    (void)state;
    reset();
    assert_int_equal(rangeset_add(&s, 10, 20), 0);
    assert_int_equal(rangeset_add(&s, 30, 40), 0);
    assert_int_equal(s.nr, 2);
    assert_int_equal(rangeset_add(&s, 21, 29), 0); /* adjacent on both sides */
    assert_int_equal(s.nr, 1);
    assert_true(rangeset_contains(&s, 10, 40));
    assert_int_equal(rangeset_add(&s, 5, 50), 0);
    assert_int_equal(s.nr, 1);
    assert_true(rangeset_contains(&s, 5, 50));
    assert_false(rangeset_contains(&s, 4, 50));
    assert_int_equal(rangeset_add(&s, 9, 8), -EINVAL);
}

static void test_remove_splits(void **state)
{
    (void)state;
    reset();
    rangeset_add(&s, 0, 100);
    assert_int_equal(rangeset_remove(&s, 40, 60), 0);
    assert_int_equal(s.nr, 2);
    assert_true(rangeset_contains(&s, 0, 39));
    assert_true(rangeset_contains(&s, 61, 100));
    assert_false(rangeset_overlaps(&s, 40, 60));
    assert_int_equal(rangeset_remove(&s, 30, 70), 0); /* trims both */
    assert_true(rangeset_contains(&s, 0, 29));
    assert_true(rangeset_contains(&s, 71, 100));
    assert_int_equal(rangeset_remove(&s, 0, 200), 0);
    assert_int_equal(s.nr, 0);
}

static void test_edges_of_the_space(void **state)
{
    (void)state;
    reset();
    assert_int_equal(rangeset_add(&s, 0, UINT64_MAX), 0);
    assert_true(rangeset_contains(&s, 0, UINT64_MAX));
    assert_int_equal(rangeset_remove(&s, UINT64_MAX, UINT64_MAX), 0);
    assert_false(rangeset_overlaps(&s, UINT64_MAX, UINT64_MAX));
    assert_int_equal(rangeset_add(&s, UINT64_MAX, UINT64_MAX), 0);
    assert_int_equal(s.nr, 1);
    assert_int_equal(rangeset_remove(&s, 0, 0), 0);
    assert_true(rangeset_contains(&s, 1, UINT64_MAX));
}

static void test_full_set_refuses(void **state)
{
    (void)state;
    reset();
    for (uint64_t i = 0; i < RANGESET_MAX; i++)
        assert_int_equal(rangeset_add(&s, i * 10, i * 10 + 1), 0);
    struct rangeset before = s;
    assert_int_equal(rangeset_add(&s, 10000, 10001), -ENOMEM);
    assert_int_equal(rangeset_remove(&s, 10, 10), 0); /* trims, needs no room */
    before = s;
    assert_int_equal(rangeset_add(&s, 5, 5), -ENOMEM);
    assert_memory_equal(&s, &before, sizeof(s));
    rangeset_add(&s, 20, 29);
    assert_int_equal(rangeset_remove(&s, 24, 25), 0); /* room again: split */
}

#define UNIVERSE 200

static void test_random_against_model(void **state)
{
    (void)state;
    struct unit_rng rng;
    unit_rng_init(&rng, "test_random_against_model");
    bool model[UNIVERSE] = {false};
    reset();
    for (unsigned int step = 0; step < 20000; step++) {
        uint64_t a = unit_below(&rng, UNIVERSE), b = a + unit_below(&rng, 12);
        if (b >= UNIVERSE)
            b = UNIVERSE - 1;
        bool add = unit_below(&rng, 2);
        struct rangeset before = s;
        int rc = add ? rangeset_add(&s, a, b) : rangeset_remove(&s, a, b);
        if (rc == -ENOMEM) {
            assert_memory_equal(&s, &before, sizeof(s));
            continue;
        }
        assert_int_equal(rc, 0);
        for (uint64_t v = a; v <= b; v++)
            model[v] = add;
        for (unsigned int i = 0; i < s.nr; i++) {
            assert_true(s.r[i].first <= s.r[i].last);
            if (i)
                assert_true(s.r[i - 1].last + 1 < s.r[i].first); /* sorted, merged */
        }
        for (uint64_t v = 0; v < UNIVERSE; v++)
            assert_int_equal(rangeset_contains(&s, v, v), model[v]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_merges),           cmocka_unit_test(test_remove_splits),
        cmocka_unit_test(test_edges_of_the_space),   cmocka_unit_test(test_full_set_refuses),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
