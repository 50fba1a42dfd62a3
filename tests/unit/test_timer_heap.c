/*
 * The per-CPU timer heap (hv/timer_heap.c, include/hv/timer.h): ordering by
 * expiry (negative and extreme times too), equal expiry times, removal from
 * the root, the middle and the last slot, removal of a timer that is not
 * queued (or queued in another heap), a full heap refusing inserts,
 * pop_expired at and around the deadline, heap_index kept right (0 when
 * not queued), and a randomized run of insert/remove/pop against a model.
 * The heap's structure (min-heap property, slots[t->heap_index] == t) is
 * checked after every operation.
 */
#include "unit.h"
#include <hv/timer.h>

#define CAP 64

static struct timer *slots[CAP + 1];
static struct timer_heap heap;
static struct timer timers[CAP + 8];

static int setup(void **state)
{
    memset(slots, 0, sizeof(slots));
    memset(timers, 0, sizeof(timers));
    timer_heap_init(&heap, slots, CAP);
    return 0;
}

static void check_heap(const struct timer_heap *h)
{
    assert_true(h->nr <= h->capacity);
    for (unsigned int i = 1; i <= h->nr; i++) {
        const struct timer *t = h->slots[i];
        assert_non_null(t);
        if (t->heap_index != i)
            unit_fail("slot %u holds a timer whose heap_index is %u", i, t->heap_index);
        if (i > 1 && h->slots[i / 2]->expires > t->expires)
            unit_fail("slot %u (expires %lld) is earlier than its parent %u (%lld)", i,
                      (long long)t->expires, i / 2, (long long)h->slots[i / 2]->expires);
    }
}

static struct timer *arm(unsigned int i, s_time_t expires)
{
    timers[i].expires = expires;
    assert_true(timer_heap_insert(&heap, &timers[i]));
    assert_int_not_equal(timers[i].heap_index, 0);
    check_heap(&heap);
    return &timers[i];
}

/* Pops everything; asserts nondecreasing expiry and returns how many. */
static unsigned int drain(s_time_t *out)
{
    unsigned int n = 0;
    s_time_t last = INT64_MIN;
    struct timer *t;
    while ((t = timer_heap_pop_expired(&heap, INT64_MAX))) {
        assert_int_equal(t->heap_index, 0);
        assert_true(t->expires >= last);
        last = t->expires;
        if (out)
            out[n] = t->expires;
        n++;
        check_heap(&heap);
    }
    assert_int_equal(heap.nr, 0);
    return n;
}

static void test_empty(void **state)
{
    assert_null(timer_heap_peek(&heap));
    assert_null(timer_heap_pop_expired(&heap, INT64_MAX));
    assert_int_equal(heap.nr, 0);
    assert_int_equal(heap.capacity, CAP);
    assert_false(timer_heap_remove(&heap, &timers[0]));
}

static void test_ordering(void **state)
{
    static const s_time_t e[] = {50, 10, 40, 30, 20, 60, 5, 100, 1, 70};
    for (unsigned int i = 0; i < ARRAY_SIZE(e); i++) {
        arm(i, e[i]);
        /* peek is always the minimum so far */
        s_time_t min = e[0];
        for (unsigned int k = 1; k <= i; k++)
            min = MIN(min, e[k]);
        assert_int_equal(timer_heap_peek(&heap)->expires, min);
    }
    s_time_t out[ARRAY_SIZE(e)];
    assert_int_equal(drain(out), ARRAY_SIZE(e));
    static const s_time_t sorted[] = {1, 5, 10, 20, 30, 40, 50, 60, 70, 100};
    assert_memory_equal(out, sorted, sizeof(sorted));
}

static void test_extreme_times(void **state)
{
    static const s_time_t e[] = {0, -1, INT64_MAX, INT64_MIN, SECONDS(5), -SECONDS(5), 1};
    for (unsigned int i = 0; i < ARRAY_SIZE(e); i++)
        arm(i, e[i]);
    assert_int_equal(timer_heap_peek(&heap)->expires, INT64_MIN);
    /* Nothing is due before INT64_MIN... */
    assert_ptr_equal(timer_heap_pop_expired(&heap, INT64_MIN), &timers[3]);
    assert_null(timer_heap_pop_expired(&heap, -SECONDS(5) - 1));
    s_time_t out[ARRAY_SIZE(e)];
    assert_int_equal(drain(out), ARRAY_SIZE(e) - 1);
    static const s_time_t sorted[] = {-SECONDS(5), -1, 0, 1, SECONDS(5), INT64_MAX};
    assert_memory_equal(out, sorted, sizeof(sorted));
}

static void test_equal_expiry(void **state)
{
    for (unsigned int i = 0; i < 20; i++)
        arm(i, i % 2 ? 7 : 3);
    bool seen[20] = {false};
    struct timer *t;
    unsigned int n = 0;
    s_time_t last = 0;
    while ((t = timer_heap_pop_expired(&heap, 7))) {
        unsigned int i = (unsigned int)(t - timers);
        assert_true(i < 20);
        assert_false(seen[i]);
        seen[i] = true;
        assert_true(t->expires >= last);
        last = t->expires;
        n++;
        check_heap(&heap);
    }
    assert_int_equal(n, 20);
}

static void test_pop_expired_deadline(void **state)
{
    arm(0, MILLISECS(10));
    arm(1, MILLISECS(20));
    assert_null(timer_heap_pop_expired(&heap, MILLISECS(10) - 1));
    assert_int_equal(heap.nr, 2);
    assert_ptr_equal(timer_heap_pop_expired(&heap, MILLISECS(10)), &timers[0]);
    assert_int_equal(timers[0].heap_index, 0);
    assert_null(timer_heap_pop_expired(&heap, MILLISECS(15)));
    assert_ptr_equal(timer_heap_peek(&heap), &timers[1]);
    assert_ptr_equal(timer_heap_pop_expired(&heap, MILLISECS(100)), &timers[1]);
    assert_null(timer_heap_pop_expired(&heap, INT64_MAX));
    /* Popped timers can be armed again. */
    arm(0, 5);
    assert_ptr_equal(timer_heap_peek(&heap), &timers[0]);
}

static void test_remove_positions(void **state)
{
    for (unsigned int i = 0; i < 15; i++)
        arm(i, (s_time_t)(i + 1) * 10);
    /* The root. */
    struct timer *root = timer_heap_peek(&heap);
    assert_ptr_equal(root, &timers[0]);
    assert_true(timer_heap_remove(&heap, root));
    assert_int_equal(root->heap_index, 0);
    check_heap(&heap);
    assert_ptr_equal(timer_heap_peek(&heap), &timers[1]);
    /* The last slot. */
    struct timer *last = heap.slots[heap.nr];
    assert_true(timer_heap_remove(&heap, last));
    assert_int_equal(last->heap_index, 0);
    check_heap(&heap);
    /* Middle slots, including one whose replacement must move up. */
    struct timer *mid = heap.slots[3];
    assert_true(timer_heap_remove(&heap, mid));
    assert_int_equal(mid->heap_index, 0);
    check_heap(&heap);
    mid = heap.slots[heap.nr / 2];
    assert_true(timer_heap_remove(&heap, mid));
    check_heap(&heap);
    assert_int_equal(heap.nr, 11);
    /* Removed once: not again. */
    assert_false(timer_heap_remove(&heap, mid));
    assert_false(timer_heap_remove(&heap, root));
    assert_int_equal(heap.nr, 11);
    assert_int_equal(drain(NULL), 11);
}

/* Removing a slot whose replacement (the last timer) is earlier than the parent of the slot. */
static void test_remove_moves_up(void **state)
{
    /*
     *            1
     *       100     2
     *     101 102  3  4
     * Removing 101 (slot 4) puts the last timer (4, slot 7) there, below 100.
     */
    static const s_time_t e[] = {1, 100, 2, 101, 102, 3, 4};
    for (unsigned int i = 0; i < ARRAY_SIZE(e); i++)
        arm(i, e[i]);
    assert_int_equal(timers[3].heap_index, 4);
    assert_true(timer_heap_remove(&heap, &timers[3]));
    check_heap(&heap);
    assert_int_equal(timers[6].heap_index, 2);
    s_time_t out[6];
    assert_int_equal(drain(out), 6);
    static const s_time_t sorted[] = {1, 2, 3, 4, 100, 102};
    assert_memory_equal(out, sorted, sizeof(sorted));
}

static void test_remove_not_queued(void **state)
{
    struct timer other[4] = {{0}};
    struct timer *other_slots[5];
    struct timer_heap other_heap;

    arm(0, 10);
    arm(1, 20);
    assert_false(timer_heap_remove(&heap, &timers[2])); /* never queued */
    assert_int_equal(heap.nr, 2);

    /* Queued in another heap: not this heap's to remove. */
    timer_heap_init(&other_heap, other_slots, 4);
    for (unsigned int i = 0; i < 4; i++) {
        other[i].expires = i;
        assert_true(timer_heap_insert(&other_heap, &other[i]));
    }
    assert_false(timer_heap_remove(&heap, &other[0]));
    assert_false(timer_heap_remove(&heap, &other[3])); /* heap_index beyond this heap's nr */
    assert_int_equal(heap.nr, 2);
    assert_int_equal(other_heap.nr, 4);
    check_heap(&heap);
    check_heap(&other_heap);
    assert_false(timer_heap_remove(&other_heap, &timers[1]));
    assert_int_equal(other_heap.nr, 4);
}

static void test_full_heap(void **state)
{
    struct timer *small_slots[5];
    struct timer t[6] = {{0}};
    struct timer_heap h;

    timer_heap_init(&h, small_slots, 4);
    for (unsigned int i = 0; i < 4; i++) {
        t[i].expires = 40 - (s_time_t)i;
        assert_true(timer_heap_insert(&h, &t[i]));
    }
    t[4].expires = 0;
    assert_false(timer_heap_insert(&h, &t[4]));
    assert_int_equal(t[4].heap_index, 0);
    assert_int_equal(h.nr, 4);
    check_heap(&h);
    assert_ptr_equal(timer_heap_peek(&h), &t[3]);
    /* Room again after a removal. */
    assert_true(timer_heap_remove(&h, &t[1]));
    assert_true(timer_heap_insert(&h, &t[4]));
    assert_ptr_equal(timer_heap_peek(&h), &t[4]);
    check_heap(&h);

    /* A heap of capacity 0 takes nothing. */
    timer_heap_init(&h, small_slots, 0);
    assert_false(timer_heap_insert(&h, &t[5]));
    assert_null(timer_heap_peek(&h));
}

static void test_random(void **state)
{
    enum { N = CAP + 8, OPS = 50000 };
    bool queued[N] = {false};
    unsigned int nr_queued = 0;
    struct unit_rng rng;

    unit_rng_init(&rng, "test_random");
    for (unsigned int op = 0; op < OPS; op++) {
        unsigned int i = (unsigned int)unit_below(&rng, N);
        struct timer *t = &timers[i];
        switch (unit_below(&rng, 5)) {
        case 0:
        case 1: /* insert (re-arm with a new time if not queued) */
            if (queued[i])
                break;
            t->expires = (s_time_t)unit_below(&rng, 50) - 10; /* many ties */
            if (timer_heap_insert(&heap, t)) {
                assert_true(nr_queued < CAP);
                queued[i] = true;
                nr_queued++;
            } else {
                if (nr_queued != CAP)
                    unit_fail("op %u: insert refused with %u of %u queued", op, nr_queued, CAP);
                assert_int_equal(t->heap_index, 0);
            }
            break;
        case 2: { /* remove */
            bool r = timer_heap_remove(&heap, t);
            if (r != queued[i])
                unit_fail("op %u: remove of timer %u returned %d, queued %d", op, i, r, queued[i]);
            if (r) {
                queued[i] = false;
                nr_queued--;
            }
            assert_int_equal(t->heap_index, 0);
            break;
        }
        default: { /* pop_expired */
            s_time_t now = (s_time_t)unit_below(&rng, 60) - 15;
            s_time_t min = INT64_MAX;
            for (unsigned int k = 0; k < N; k++)
                if (queued[k] && timers[k].expires < min)
                    min = timers[k].expires;
            struct timer *p = timer_heap_peek(&heap);
            if (nr_queued)
                assert_int_equal(p->expires, min);
            else
                assert_null(p);
            struct timer *got = timer_heap_pop_expired(&heap, now);
            if (nr_queued && min <= now) {
                assert_non_null(got);
                unsigned int k = (unsigned int)(got - timers);
                assert_true(k < N && queued[k]);
                assert_int_equal(got->expires, min);
                assert_int_equal(got->heap_index, 0);
                queued[k] = false;
                nr_queued--;
            } else {
                assert_null(got);
            }
            break;
        }
        }
        assert_int_equal(heap.nr, nr_queued);
        check_heap(&heap);
        for (unsigned int k = 0; k < N; k++)
            if (!queued[k] && timers[k].heap_index)
                unit_fail("op %u: timer %u not queued but heap_index %u", op, k,
                          timers[k].heap_index);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_ordering, setup),
        cmocka_unit_test_setup(test_extreme_times, setup),
        cmocka_unit_test_setup(test_equal_expiry, setup),
        cmocka_unit_test_setup(test_pop_expired_deadline, setup),
        cmocka_unit_test_setup(test_remove_positions, setup),
        cmocka_unit_test_setup(test_remove_moves_up, setup),
        cmocka_unit_test_setup(test_remove_not_queued, setup),
        cmocka_unit_test_setup(test_full_heap, setup),
        cmocka_unit_test_setup(test_random, setup),
    };
    return unit_run(tests);
}
