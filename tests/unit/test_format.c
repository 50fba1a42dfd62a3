/*
 * The freestanding vsnprintf/snprintf (lib/libc/format.c, compiled here as
 * lib_vsnprintf/lib_snprintf) compared with glibc's for a large table of
 * formats: flags - 0 + space #, widths, precisions, * for both, the length
 * modifiers hh h l ll z j t, %c %s (NULL too) %p %%, and a randomized sweep
 * of flags, widths, precisions, conversions and values.  Every comparison
 * also checks truncation: for buffer sizes 0, 1, 2, half, n-1, n and n+1
 * (each an exact-size heap buffer, so ASan sees any overrun) the output is
 * glibc's prefix, NUL-terminated, and the return value the full length.
 * Every mismatch is printed; a test fails if it saw any.
 */
#include "unit.h"
#include <hv/types.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

int lib_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int lib_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static unsigned int mismatches, comparisons;
static char first_mismatch[160];

static void show(const char *what, const char *s, int n)
{
    printf("%s (%d) \"", what, n);
    for (int i = 0; i < n && i < 300; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= ' ' && c < 127 && c != '"' && c != '\\')
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    printf("%s\"", n > 300 ? "..." : "");
}

static void mismatch(const char *fmt, size_t size, const char *want, int wn, const char *got,
                     int gn)
{
    if (!mismatches)
        snprintf(first_mismatch, sizeof(first_mismatch),
                 "first: \"%s\" gives \"%.*s\", glibc \"%.*s\"", fmt, MIN(gn, 40), got, MIN(wn, 40),
                 want);
    if (++mismatches <= 40) {
        printf("[ MISMATCH ] format \"%s\" size %zu: ", fmt, size);
        show("glibc", want, wn);
        printf(" ");
        show("lib", got, gn);
        printf("\n");
    }
}

static void check_v(const char *fmt, va_list ap)
{
    char want[2048], got[2048];
    va_list a;

    comparisons++;
    va_copy(a, ap);
    int wn = vsnprintf(want, sizeof(want), fmt, a);
    va_end(a);
    assert_true(wn >= 0 && wn < (int)sizeof(want));

    va_copy(a, ap);
    memset(got, 0x55, sizeof(got));
    int gn = lib_vsnprintf(got, sizeof(got), fmt, a);
    va_end(a);
    if (gn != wn || memcmp(want, got, (size_t)wn + 1)) {
        mismatch(fmt, sizeof(got), want, wn, got, gn < 0 ? 0 : MIN(gn, (int)sizeof(got) - 1));
        return;
    }

    /* Truncation: glibc's prefix, NUL-terminated, the full length returned. */
    size_t sizes[] = {0, 1, 2, (size_t)wn / 2, (size_t)wn - 1, (size_t)wn, (size_t)wn + 1};
    for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
        size_t size = sizes[i];
        if (size > (size_t)wn + 1)
            continue;
        char *buf = size ? malloc(size) : NULL;
        if (size)
            memset(buf, 0x55, size);
        va_copy(a, ap);
        int n = lib_vsnprintf(buf, size, fmt, a);
        va_end(a);
        bool ok = n == wn;
        if (size) {
            size_t keep = MIN(size - 1, (size_t)wn);
            ok = ok && !memcmp(buf, want, keep) && buf[keep] == '\0';
        }
        if (!ok)
            mismatch(fmt, size, want, (int)MIN(size ? size - 1 : 0, (size_t)wn), buf ? buf : "",
                     size ? (int)MIN(size - 1, (size_t)wn) : 0);
        free(buf);
    }
}

/* lib_snprintf without compile-time format checks, for formats gcc rejects. */
static int lib_fmt(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = lib_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Formats gcc checks at compile time. */
static void check(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void check(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    check_v(fmt, ap);
    va_end(ap);
}

/* Formats built at run time (and valid flag combinations gcc would lint about). */
static void check_dyn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    check_v(fmt, ap);
    va_end(ap);
}

static int start(void **state)
{
    mismatches = comparisons = 0;
    return 0;
}

static int finish(void **state)
{
    if (mismatches)
        printf("[   INFO   ] %u of %u comparisons differ from glibc\n", mismatches, comparisons);
    return 0;
}

static void expect_no_mismatch(void)
{
    if (mismatches)
        unit_fail("%u of %u formats differ from glibc (listed above; %s)", mismatches, comparisons,
                  first_mismatch);
}

/* --- tables ------------------------------------------------------------------- */

static void test_plain_text(void **state)
{
    check("%s", "");
    check("hello, world");
    check("%%");
    check("100%% sure %d%%", 5);
    check("%s=%d, %s=%u\n", "a", -1, "b", 2u);
    check("tab\tnewline\n");
    expect_no_mismatch();
}

static void test_signed(void **state)
{
    static const int v[] = {0, 1, -1, 7, -7, 42, -42, 1000, INT_MAX, INT_MIN, INT_MIN + 1};
    static const char *const fmts[] = {
        "%d",     "%i",      "%5d",    "%-5d|", "%05d",  "%+d",    "% d",   "%+5d",
        "%-+5d|", "% 5d",    "%+05d",  "% 05d", "%.0d",  "%.1d",   "%.3d",  "%.12d",
        "%8.3d",  "%-8.3d|", "%08.3d", "%+.3d", "% .3d", "%+.0d",  "% .0d", "%5.0d",
        "%-05d|", "%- 5d|",  "%+ d",   "% +d",  "%012d", "%-12d|", "%1d",   "%30d",
    };
    for (unsigned int f = 0; f < ARRAY_SIZE(fmts); f++)
        for (unsigned int i = 0; i < ARRAY_SIZE(v); i++)
            check_dyn(fmts[f], v[i]);
    expect_no_mismatch();
}

static void test_unsigned_hex_octal(void **state)
{
    static const unsigned int v[] = {0, 1, 7, 8, 9, 15, 16, 255, 256, 0x1000, 0xdeadbeef, UINT_MAX};
    static const char *const fmts[] = {
        "%u",     "%x",       "%X",    "%o",   "%5u",   "%-5x|",  "%08X",  "%.3o",
        "%10.4x", "%-10.4X|", "%010o", "%.0u", "%.0x",  "%.0o",   "%5.0x", "%+u",
        "% u",    "%+x",      "% o",   "%1x",  "%.10u", "%-.3x|", "%012u", "%-012o|",
    };
    for (unsigned int f = 0; f < ARRAY_SIZE(fmts); f++)
        for (unsigned int i = 0; i < ARRAY_SIZE(v); i++)
            check_dyn(fmts[f], v[i]);
    expect_no_mismatch();
}

/* The # flag: 0x/0X for non-zero hex, a leading zero for octal. */
static void test_alt_forms(void **state)
{
    static const unsigned int v[] = {0, 1, 7, 8, 9, 63, 64, 255, 0x1000, UINT_MAX};
    static const char *const fmts[] = {
        "%#x",    "%#X",     "%#o",   "%#10x", "%#-10x|", "%#010x",  "%#010X",    "%#10o",
        "%#010o", "%#-10o|", "%#.0x", "%#.0o", "%#5.0x",  "%#5.0o",  "%#.3x",     "%#.8X",
        "%#.1o",  "%#.2o",   "%#.3o", "%#.5o", "%#8.5o",  "%#12.8x", "%#-12.8x|", "%#.12o",
    };
    for (unsigned int f = 0; f < ARRAY_SIZE(fmts); f++)
        for (unsigned int i = 0; i < ARRAY_SIZE(v); i++)
            check_dyn(fmts[f], v[i]);
    expect_no_mismatch();
}

static void test_length_modifiers(void **state)
{
    check("%hhd %hhd %hhd %hhd", 0, 127, -128, 200);
    check("%hhu %hhx %hho", 255, 0x1ff, 0x1ff);
    check("%hhd", (signed char)-1);
    check("%hd %hd %hd", 32767, -32768, (short)40000);
    check("%hu %hx %hX %ho", (unsigned short)65535, (unsigned short)0x1234, (unsigned short)0xabcd,
          (unsigned short)0177777);
    check("%ld %ld %ld", 0L, LONG_MAX, LONG_MIN);
    check("%lu %lx %lX %lo", ULONG_MAX, ULONG_MAX, 0x123456789abcdefUL, ULONG_MAX);
    check("%lld %lld %lld", 0LL, LLONG_MAX, LLONG_MIN);
    check("%llu %llx %#llx %llo", ULLONG_MAX, 0xfedcba9876543210ULL, 1ULL << 63, 1ULL << 63);
    check("%zu %zx %zd %zd", (size_t)SIZE_MAX, (size_t)0x1000, (ssize_t)-5, (ssize_t)SSIZE_MAX);
    check("%jd %ju %jx", (intmax_t)INTMAX_MIN, (uintmax_t)UINTMAX_MAX, (uintmax_t)0xabc);
    check("%td %tx", (ptrdiff_t)-12345, (ptrdiff_t)0x7777);
    check("%20ld|%-20lx|%020lu|%+.15ld", LONG_MIN, 0xdeadbeefcafeUL, 12345UL, 99L);
    check("%#20llx|%#-20llo|", 0x1122334455667788ULL, 0777ULL);
    check("%hhd|%5hhd|%-5hhd|%05hhd", 300, 300, -300, -1);
    check("%hd|%10hd|%.7hd", 70000, -70000, 123);
    expect_no_mismatch();
}

static void test_star(void **state)
{
    check("%*d|", 5, 42);
    check("%*d|", -5, 42);
    check("%-*d|", 5, 42);
    check("%-*d|", -5, 42);
    check("%*d|", 0, 42);
    check("%.*d|", 5, 42);
    check("%.*d|", 0, 0);
    check("%.*d|", -1, 42);
    check("%.*d|", -3, 0);
    check("%*.*d|", 10, 4, -42);
    check("%*.*d|", -10, 4, -42);
    check("%0*d|", 8, -42);
    check_dyn("%0*.*d|", 8, -1, -42); /* negative precision: 0 applies */
    check("%*s|", 8, "ab");
    check("%*s|", -8, "ab");
    check("%.*s|", 3, "abcdef");
    check("%.*s|", -1, "abcdef");
    check("%*.*s|", 6, 2, "abcdef");
    check("%*c|", 4, 'z');
    check("%*c|", -4, 'z');
    check("%#*x|%#.*o|", 12, 0xabcu, 6, 0123u);
    check("%*ld|%.*lu|", 22, LONG_MIN, 22, ULONG_MAX);
    expect_no_mismatch();
}

static void test_char_string(void **state)
{
    const char *null = NULL;
    check("%c%c%c", 'a', 'b', 'c');
    check("[%c]", '\0');
    check("[%5c][%-5c][%1c]", 'x', 'y', 'z');
    check("[%c]", 0x141); /* converted to unsigned char */
    check("[%c]", -1);
    check("%s", "hello");
    check("[%10s][%-10s][%2s]", "hi", "hi", "hello");
    check("[%.3s][%.0s][%.10s][%10.3s][%-10.3s]", "abcdef", "abc", "abc", "abcdef", "abcdef");
    check("[%s][%5s][%-5s]", "", "", "");
    check_dyn("[%s]", null);
    check_dyn("[%10s][%-10s]", null, null);
    check_dyn("[%.6s][%.8s]", null, null);
    char nonterm[4] = {'w', 'x', 'y', 'z'}; /* no terminator: precision bounds the read */
    check("[%.4s][%.2s]", nonterm, nonterm);
    char big[700];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    check("<%s>", big);
    check("<%.100s>", big);
    expect_no_mismatch();
}

static void test_pointer(void **state)
{
    int x;
    void *ptrs[] = {&x,
                    (void *)1,
                    (void *)0xdeadbeef,
                    (void *)UINTPTR_MAX,
                    (void *)0xffff800000001000UL,
                    (void *)test_pointer};
    for (unsigned int i = 0; i < ARRAY_SIZE(ptrs); i++) {
        check("%p", ptrs[i]);
        check("[%20p]", ptrs[i]);
        check("[%-20p]", ptrs[i]);
        check("[%3p]", ptrs[i]);
        check("[%*p]", 24, ptrs[i]);
    }
    expect_no_mismatch();
}

/* NULL %p is implementation-defined (glibc "(nil)"); format.c must still print something sane. */
static void test_pointer_null(void **state)
{
    char buf[64];
    int n = lib_snprintf(buf, sizeof(buf), "[%p]", NULL);
    assert_int_equal(n, (int)strlen(buf));
    printf("[   INFO   ] format.c prints a NULL %%p as %s (glibc: [(nil)])\n", buf);
    assert_true(!strcmp(buf, "[0]") || !strcmp(buf, "[0x0]") || !strcmp(buf, "[(nil)]") ||
                !strcmp(buf, "[0000000000000000]"));
}

/* What only format.c defines: a lone % at the end of the format stops the output. */
static void test_lone_percent(void **state)
{
    char buf[16];
    const char *fmt = "abc%";
    memset(buf, 'z', sizeof(buf));
    int n = lib_fmt(buf, sizeof(buf), fmt, 0);
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "abc", 4);
}

static void test_truncation_and_return(void **state)
{
    char buf[8];
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(lib_snprintf(buf, 4, "%s", "abcdef"), 6);
    assert_memory_equal(buf, "abc", 4);
    assert_int_equal(buf[4], 'z'); /* nothing written past size */
    assert_int_equal(lib_snprintf(NULL, 0, "%d-%s", 12345, "xyz"), 9);
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(lib_snprintf(buf, 0, "%d", 7), 1);
    assert_int_equal(buf[0], 'z');
    assert_int_equal(lib_snprintf(buf, 1, "%d", 7), 1);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(lib_snprintf(buf, sizeof(buf), "%s", ""), 0);
    assert_int_equal(buf[0], '\0');
    /* Long outputs: the count keeps going past the buffer. */
    assert_int_equal(lib_snprintf(buf, sizeof(buf), "%500d", 1), 500);
    assert_memory_equal(buf, "       ", 8);
    check("%300s|%-300d|%0300x", "s", 5, 0xabu);
    expect_no_mismatch();
}

/* --- randomized sweep ------------------------------------------------------------ */

static int64_t random_value(struct unit_rng *rng)
{
    static const int64_t edge[] = {0,     1,         -1,        7,          8,         9,
                                   10,    15,        16,        127,        128,       255,
                                   256,   -128,      -129,      32767,      32768,     65535,
                                   65536, INT32_MAX, INT32_MIN, UINT32_MAX, INT64_MAX, INT64_MIN};
    if (unit_below(rng, 3) == 0)
        return edge[unit_below(rng, ARRAY_SIZE(edge))];
    uint64_t v = unit_rand(rng);
    return (int64_t)(v >> unit_below(rng, 64));
}

static void test_random_sweep(void **state)
{
    static const char *const lengths[] = {"hh", "h", "", "l", "ll", "z", "j", "t"};
    static const char *const strings[] = {"", "a", "hello", "a longer string, with spaces",
                                          "0123456789abcdefghijklmnopqrstuvwxyz"};
    unsigned int per_conv[128] = {0};
    struct unit_rng rng;
    char fmt[64];

    unit_rng_init(&rng, "test_random_sweep");
    for (unsigned int iter = 0; iter < 30000; iter++) {
        const char convs[] = "diuxXocsp";
        char conv = convs[unit_below(&rng, sizeof(convs) - 1)];
        bool numeric = strchr("diuxXo", conv) != NULL;
        /* Only the combinations C defines: no # on d/i/u, no 0 or precision on c/p... */
        const char *allowed = numeric ? (strchr("di", conv) ? "-0+ "
                                         : conv == 'u'      ? "-0+ "
                                                            : "-0+ #")
                                      : "-";
        char *f = fmt;
        *f++ = '<';
        *f++ = '%';
        for (const char *a = allowed; *a; a++)
            if (unit_below(&rng, 3) == 0)
                *f++ = *a;
        int stars[2], nstars = 0;
        switch (unit_below(&rng, 4)) {
        case 0:
            break;
        case 1:
            *f++ = '*';
            stars[nstars++] = (int)unit_below(&rng, 61) - 30;
            break;
        default:
            f += sprintf(f, "%u", (unsigned int)unit_below(&rng, 40));
            break;
        }
        if (conv != 'c' && conv != 'p') {
            switch (unit_below(&rng, 4)) {
            case 0:
                break;
            case 1:
                *f++ = '.';
                *f++ = '*';
                stars[nstars++] = (int)unit_below(&rng, 31) - 6;
                break;
            default:
                f += sprintf(f, ".%u", (unsigned int)unit_below(&rng, 25));
                break;
            }
        }
        const char *len = numeric ? lengths[unit_below(&rng, ARRAY_SIZE(lengths))] : "";
        f += sprintf(f, "%s%c>", len, conv);
        *f = '\0';

        unsigned int before = mismatches;
        int64_t v = random_value(&rng);
        const char *s = strings[unit_below(&rng, ARRAY_SIZE(strings))];
        void *p = (void *)(uintptr_t)(v ? v : 1);

#define CALL(arg)                                                                                  \
    do {                                                                                           \
        if (nstars == 0)                                                                           \
            check_dyn(fmt, arg);                                                                   \
        else if (nstars == 1)                                                                      \
            check_dyn(fmt, stars[0], arg);                                                         \
        else                                                                                       \
            check_dyn(fmt, stars[0], stars[1], arg);                                               \
    } while (0)

        if (conv == 'c')
            CALL((int)(v & 0xff ? v & 0xff : 'c'));
        else if (conv == 's')
            CALL(s);
        else if (conv == 'p')
            CALL(p);
        else if (!strcmp(len, "l") || !strcmp(len, "z") || !strcmp(len, "j") || !strcmp(len, "t"))
            CALL((long)v);
        else if (!strcmp(len, "ll"))
            CALL((long long)v);
        else
            CALL((int)v);
#undef CALL
        if (mismatches != before)
            per_conv[(unsigned char)conv]++;
    }
    if (mismatches) {
        printf("[   INFO   ] mismatches by conversion:");
        for (unsigned int c = 0; c < 128; c++)
            if (per_conv[c])
                printf(" %%%c: %u", c, per_conv[c]);
        printf("\n");
    }
    expect_no_mismatch();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_text, start, finish),
        cmocka_unit_test_setup_teardown(test_signed, start, finish),
        cmocka_unit_test_setup_teardown(test_unsigned_hex_octal, start, finish),
        cmocka_unit_test_setup_teardown(test_alt_forms, start, finish),
        cmocka_unit_test_setup_teardown(test_length_modifiers, start, finish),
        cmocka_unit_test_setup_teardown(test_star, start, finish),
        cmocka_unit_test_setup_teardown(test_char_string, start, finish),
        cmocka_unit_test_setup_teardown(test_pointer, start, finish),
        cmocka_unit_test_setup_teardown(test_pointer_null, start, finish),
        cmocka_unit_test_setup_teardown(test_lone_percent, start, finish),
        cmocka_unit_test_setup_teardown(test_truncation_and_return, start, finish),
        cmocka_unit_test_setup_teardown(test_random_sweep, start, finish),
    };
    return unit_run(tests);
}
