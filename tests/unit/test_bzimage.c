/*
 * The bzImage container reader (lib/elf/bzimage.c) on hostile headers: too
 * short for a setup header, no "HdrS", boot protocol before 2.08, a payload
 * starting or ending past the image (also with 32-bit fields that would
 * wrap), setup_sects 0 counted as Xen counts it, a payload too short to
 * carry its size, and the compression and unpacked size read from good
 * ones.  Every image is a heap block of exactly its size, so ASan reports
 * any read past it.
 */
#include "unit.h"
#include <elf/bzimage.h>
#include <hv/errno.h>

#define SETUP_SECTS 4
#define PAYLOAD_AT  ((SETUP_SECTS + 1) * 512 + 0x100)

/* A bzImage of `size` bytes: header version `version`, payload at PAYLOAD_AT
 * (payload_offset 0x100) of `payload_len` bytes, starting with `magic`. */
static uint8_t *image(size_t size, unsigned int version, uint32_t payload_len, const uint8_t *magic,
                      size_t magic_len)
{
    uint8_t *p = calloc(1, size);
    assert_non_null(p);
    if (size >= 0x250) {
        p[0x1f1] = SETUP_SECTS;
        memcpy(p + 0x202, "HdrS", 4);
        p[0x206] = version & 0xff;
        p[0x207] = version >> 8;
        uint32_t off = 0x100;
        memcpy(p + 0x248, &off, 4);
        memcpy(p + 0x24c, &payload_len, 4);
    }
    if (magic && size >= PAYLOAD_AT + magic_len)
        memcpy(p + PAYLOAD_AT, magic, magic_len);
    return p;
}

static const uint8_t xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
static const uint8_t gz_magic[] = {0x1f, 0x8b, 8};

static void test_not_bzimage(void **state)
{
    (void)state;
    struct bzimage_payload out;
    const char *why = NULL;
    uint8_t *p = image(0x24f, 0x20f, 0, NULL, 0); /* one byte short of the header */
    memcpy(p + 0x202, "HdrS", 4);
    assert_false(bzimage_is_bzimage(p, 0x24f));
    assert_int_equal(bzimage_payload(p, 0x24f, &out, &why), -EINVAL);
    free(p);
    p = image(0x1000, 0x20f, 0x100, NULL, 0);
    memcpy(p + 0x202, "HdrT", 4);
    assert_false(bzimage_is_bzimage(p, 0x1000));
    free(p);
}

static void test_old_protocol(void **state)
{
    (void)state;
    struct bzimage_payload out;
    const char *why = NULL;
    size_t size = PAYLOAD_AT + 64;
    uint8_t *p = image(size, 0x207, 64, xz_magic, sizeof(xz_magic));
    assert_true(bzimage_is_bzimage(p, size));
    assert_int_equal(bzimage_payload(p, size, &out, &why), -EINVAL);
    assert_non_null(strstr(why, "2.08"));
    free(p);
}

static void test_payload_bounds(void **state)
{
    (void)state;
    struct bzimage_payload out;
    const char *why = NULL;
    size_t size = PAYLOAD_AT + 64;
    /* Exactly to the end: accepted. */
    uint8_t *p = image(size, 0x20f, 64, xz_magic, sizeof(xz_magic));
    uint32_t unpacked = 0x123456;
    memcpy(p + size - 4, &unpacked, 4);
    assert_int_equal(bzimage_payload(p, size, &out, &why), 0);
    assert_ptr_equal(out.data, p + PAYLOAD_AT);
    assert_int_equal(out.len, 64);
    assert_int_equal(out.unpacked_len, 0x123456);
    assert_int_equal(out.compression, BZIMAGE_XZ);
    free(p);
    /* One byte past the end. */
    p = image(size, 0x20f, 65, xz_magic, sizeof(xz_magic));
    assert_int_equal(bzimage_payload(p, size, &out, &why), -EINVAL);
    free(p);
    /* A length that wraps a 32-bit sum. */
    p = image(size, 0x20f, 0xffffff00u, xz_magic, sizeof(xz_magic));
    assert_int_equal(bzimage_payload(p, size, &out, &why), -EINVAL);
    free(p);
    /* An offset past the image, and one that would wrap. */
    uint32_t offsets[] = {0x10000, 0xffffffffu};
    for (unsigned int i = 0; i < 2; i++) {
        p = image(size, 0x20f, 8, NULL, 0);
        memcpy(p + 0x248, &offsets[i], 4);
        assert_int_equal(bzimage_payload(p, size, &out, &why), -EINVAL);
        assert_non_null(strstr(why, "outside"));
        free(p);
    }
    /* setup_sects 255: the payload would start past a small image. */
    p = image(size, 0x20f, 8, NULL, 0);
    p[0x1f1] = 255;
    assert_int_equal(bzimage_payload(p, size, &out, &why), -EINVAL);
    free(p);
}

static void test_setup_sects_zero(void **state)
{
    (void)state;
    /* Xen counts (setup_sects + 1) sectors even for 0 (the protocol's "means 4"). */
    struct bzimage_payload out;
    const char *why = NULL;
    size_t size = 512 + 0x100 + 16;
    uint8_t *p = image(size, 0x20f, 16, NULL, 0);
    p[0x1f1] = 0;
    memcpy(p + 512 + 0x100, gz_magic, sizeof(gz_magic));
    assert_int_equal(bzimage_payload(p, size, &out, &why), 0);
    assert_ptr_equal(out.data, p + 512 + 0x100);
    assert_int_equal(out.compression, BZIMAGE_GZIP);
    free(p);
}

static void test_short_and_other_payloads(void **state)
{
    (void)state;
    struct bzimage_payload out;
    const char *why = NULL;
    size_t size = PAYLOAD_AT + 7;
    uint8_t *p = image(size, 0x20f, 7, NULL, 0);
    assert_int_equal(bzimage_payload(p, size, &out, &why), -EINVAL);
    assert_non_null(strstr(why, "short"));
    free(p);
    static const uint8_t bzip2_magic[] = {'B', 'Z', 'h'};
    size = PAYLOAD_AT + 32;
    p = image(size, 0x20f, 32, bzip2_magic, sizeof(bzip2_magic));
    assert_int_equal(bzimage_payload(p, size, &out, &why), 0);
    assert_int_equal(out.compression, BZIMAGE_OTHER);
    free(p);
}

/* Random headers over a small image: never a read past it, never a payload outside it. */
static void test_random_headers(void **state)
{
    (void)state;
    struct unit_rng rng;
    unit_rng_init(&rng, "test_random_headers");
    for (unsigned int i = 0; i < 20000; i++) {
        size_t size = 0x240 + unit_rand(&rng) % 0x2000;
        uint8_t *p = malloc(size);
        assert_non_null(p);
        for (size_t j = 0; j < size; j++)
            p[j] = (uint8_t)unit_rand(&rng);
        if (size >= 0x250 && (unit_rand(&rng) & 1))
            memcpy(p + 0x202, "HdrS", 4);
        struct bzimage_payload out;
        const char *why = NULL;
        if (bzimage_payload(p, size, &out, &why) == 0) {
            assert_true(out.data >= p && out.len <= size - (size_t)(out.data - p));
            assert_true(out.len >= 8);
        } else {
            assert_non_null(why);
        }
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_bzimage),
        cmocka_unit_test(test_old_protocol),
        cmocka_unit_test(test_payload_bounds),
        cmocka_unit_test(test_setup_sects_zero),
        cmocka_unit_test(test_short_and_other_payloads),
        cmocka_unit_test(test_random_headers),
    };
    return unit_run(tests);
}
