/*
 * The console ring (hv/conring.c, include/hv/conring.h): put and read,
 * wrap-around, a reader that fell behind by more than the ring size resumes
 * at conring_oldest, a message longer than the ring keeps only its tail,
 * reads in small pieces, a position beyond the producer clamps, and a
 * randomized run against a model that keeps everything ever written.  The
 * ring buffer is heap-allocated at its exact size so that ASan sees any
 * write outside it.
 */
#include "unit.h"
#include <hv/conring.h>

static struct conring ring;
static char *buf;

static void setup_ring(uint64_t size)
{
    free(buf);
    buf = malloc(size);
    assert_non_null(buf);
    memset(buf, '?', size);
    conring_init(&ring, buf, size);
}

static int teardown(void **state)
{
    free(buf);
    buf = NULL;
    return 0;
}

static void put(const char *s)
{
    conring_put(&ring, s, strlen(s));
}

/* Reads everything from *pos into a string. */
static const char *read_all(uint64_t *pos)
{
    static char out[4096];
    size_t n = conring_read(&ring, pos, out, sizeof(out) - 1);
    out[n] = '\0';
    return out;
}

static void test_empty(void **state)
{
    char out[8];
    uint64_t pos = 0;
    setup_ring(16);
    assert_int_equal(conring_oldest(&ring), 0);
    assert_int_equal(conring_read(&ring, &pos, out, sizeof(out)), 0);
    assert_int_equal(pos, 0);
    conring_put(&ring, "x", 0);
    assert_int_equal(ring.prod, 0);
    assert_int_equal(conring_read(&ring, &pos, out, sizeof(out)), 0);
}

static void test_put_read(void **state)
{
    uint64_t pos = 0;
    setup_ring(64);
    put("hello");
    assert_string_equal(read_all(&pos), "hello");
    assert_int_equal(pos, 5);
    assert_string_equal(read_all(&pos), "");
    assert_int_equal(pos, 5);
    put(", world\n");
    assert_string_equal(read_all(&pos), ", world\n");
    assert_int_equal(pos, 13);
    /* A second reader has its own position. */
    uint64_t other = 0;
    assert_string_equal(read_all(&other), "hello, world\n");
    assert_int_equal(conring_oldest(&ring), 0);
}

static void test_wrap_around(void **state)
{
    uint64_t pos = 0;
    setup_ring(16);
    put("0123456789");
    assert_string_equal(read_all(&pos), "0123456789");
    put("abcdefghij"); /* 6 bytes fit before the end, 4 wrap */
    assert_int_equal(ring.prod, 20);
    assert_string_equal(read_all(&pos), "abcdefghij");
    assert_int_equal(pos, 20);
    assert_int_equal(conring_oldest(&ring), 4);
    assert_memory_equal(buf, "ghij456789abcdef", 16);
}

static void test_reader_fell_behind(void **state)
{
    uint64_t pos = 0;
    setup_ring(16);
    put("AAAAAAAAAA");
    put("BBBBBBBBBB");
    put("CCCCCCCCCC");
    put("DDDDDDDDDD"); /* 40 bytes written, 16 held */
    assert_int_equal(conring_oldest(&ring), 24);
    assert_string_equal(read_all(&pos), "CCCCCCDDDDDDDDDD");
    assert_int_equal(pos, 40);

    /* Behind by less than the ring: nothing is skipped. */
    pos = 30;
    assert_string_equal(read_all(&pos), "DDDDDDDDDD");
    /* Behind by exactly the ring size: everything held. */
    pos = 24;
    assert_string_equal(read_all(&pos), "CCCCCCDDDDDDDDDD");
    pos = 23;
    assert_string_equal(read_all(&pos), "CCCCCCDDDDDDDDDD");
    assert_int_equal(pos, 40);
}

static void test_message_longer_than_ring(void **state)
{
    uint64_t pos = 0;
    setup_ring(16);
    put("xy");
    const char *msg = "The quick brown fox jumps over the lazy dog";
    put(msg);
    size_t len = strlen(msg);
    assert_int_equal(ring.prod, 2 + len);
    assert_int_equal(conring_oldest(&ring), 2 + len - 16);
    assert_string_equal(read_all(&pos), msg + len - 16);

    /* Exactly the ring size: all of it stays. */
    setup_ring(16);
    pos = 0;
    put("0123456789abcdef");
    assert_int_equal(conring_oldest(&ring), 0);
    assert_string_equal(read_all(&pos), "0123456789abcdef");
    /* One more than the ring size: the first byte goes. */
    setup_ring(16);
    pos = 0;
    put("0123456789abcdefg");
    assert_string_equal(read_all(&pos), "123456789abcdefg");
}

static void test_small_max(void **state)
{
    char out[4];
    uint64_t pos = 0;
    setup_ring(32);
    put("abcdefghij");
    size_t n = conring_read(&ring, &pos, out, 3);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "abc", 3);
    assert_int_equal(pos, 3);
    n = conring_read(&ring, &pos, out, 1);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'd');
    n = conring_read(&ring, &pos, out, 0);
    assert_int_equal(n, 0);
    assert_int_equal(pos, 4);
    n = conring_read(&ring, &pos, out, 4);
    assert_memory_equal(out, "efgh", 4);
    n = conring_read(&ring, &pos, out, 4);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "ij", 2);
    assert_int_equal(pos, 10);
}

static void test_pos_beyond_prod(void **state)
{
    uint64_t pos = 1000;
    setup_ring(16);
    put("hello");
    assert_string_equal(read_all(&pos), "");
    assert_int_equal(pos, 5);
    put("!");
    assert_string_equal(read_all(&pos), "!");
    pos = UINT64_MAX;
    assert_string_equal(read_all(&pos), "");
    assert_int_equal(pos, 6);
}

static void test_random(void **state)
{
    enum { SIZE = 32, TOTAL = 200000, READERS = 3 };
    static char model[TOTAL + 128];
    uint64_t pos[READERS] = {0};
    uint64_t written = 0;
    char chunk[80], out[80];
    struct unit_rng rng;

    unit_rng_init(&rng, "test_random");
    setup_ring(SIZE);
    while (written < TOTAL) {
        if (unit_below(&rng, 2)) {
            size_t len = (size_t)unit_below(&rng, unit_below(&rng, 8) ? 12 : sizeof(chunk));
            for (size_t i = 0; i < len; i++)
                chunk[i] = model[written + i] = (char)(' ' + unit_below(&rng, 95));
            conring_put(&ring, chunk, len);
            written += len;
            assert_int_equal(ring.prod, written);
            assert_int_equal(conring_oldest(&ring), written > SIZE ? written - SIZE : 0);
        } else {
            unsigned int r = (unsigned int)unit_below(&rng, READERS);
            size_t max = (size_t)unit_below(&rng, sizeof(out));
            uint64_t start = pos[r];
            if (start < conring_oldest(&ring))
                start = conring_oldest(&ring);
            size_t expect = written - start < max ? (size_t)(written - start) : max;
            size_t n = conring_read(&ring, &pos[r], out, max);
            if (n != expect)
                unit_fail("read %zu bytes from %llu, expected %zu", n, (unsigned long long)start,
                          expect);
            assert_memory_equal(out, model + start, n);
            assert_int_equal(pos[r], start + n);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_empty, teardown),
        cmocka_unit_test_teardown(test_put_read, teardown),
        cmocka_unit_test_teardown(test_wrap_around, teardown),
        cmocka_unit_test_teardown(test_reader_fell_behind, teardown),
        cmocka_unit_test_teardown(test_message_longer_than_ring, teardown),
        cmocka_unit_test_teardown(test_small_max, teardown),
        cmocka_unit_test_teardown(test_pos_beyond_prod, teardown),
        cmocka_unit_test_teardown(test_random, teardown),
    };
    return unit_run(tests);
}
