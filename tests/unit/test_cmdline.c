/*
 * Boot command-line parsing (hv/cmdline.c, include/hv/cmdline.h), with the
 * freestanding strtol (lib/libc/strtol.c) it uses in hv: booleans (bare,
 * every yes/no word, "no-" prefix, bad words), integers of 1/2/4/8 bytes
 * (bases, signs, range per size), sizes with and without K/M/G/T/B suffixes,
 * strings (quoted values, too long for the buffer), custom options, unknown
 * and malformed options (warned, counted, never fatal), white space and
 * over-long options, cmdline_cook per boot loader, and parse_bool and
 * parse_size_and_unit directly (saturation at UINT64_MAX).
 */
#include "unit.h"
#include <hv/cmdline.h>

/* --- warnings ------------------------------------------------------------ */

#define MAX_WARNINGS 16
static char warnings[MAX_WARNINGS][512];
static int nr_warnings;

static void record_warn(const char *fmt, ...) __printf(1, 2);
static void record_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (nr_warnings < MAX_WARNINGS)
        vsnprintf(warnings[nr_warnings], sizeof(warnings[0]), fmt, ap);
    nr_warnings++;
    va_end(ap);
}

/* Whether any recorded warning contains s. */
static bool warned_about(const char *s)
{
    for (int i = 0; i < nr_warnings && i < MAX_WARNINGS; i++)
        if (strstr(warnings[i], s))
            return true;
    return false;
}

/* --- the options ----------------------------------------------------------- */

static bool flag, flag2;
static uint8_t int1;
static uint16_t int2;
static uint32_t int4;
static uint64_t int8;
static uint64_t size8;
static uint32_t size4;
static char str[16];
static char custom_value[64];
static int custom_calls;

static int parse_custom(const char *value)
{
    custom_calls++;
    snprintf(custom_value, sizeof(custom_value), "%s", value);
    return strcmp(value, "bad") ? 0 : -1;
}

static const struct boot_param params[] = {
    {"flag", PARAM_BOOL, &flag, sizeof(flag), NULL},
    {"flag2", PARAM_BOOL, &flag2, sizeof(flag2), NULL},
    {"int1", PARAM_INT, &int1, sizeof(int1), NULL},
    {"int2", PARAM_INT, &int2, sizeof(int2), NULL},
    {"int4", PARAM_INT, &int4, sizeof(int4), NULL},
    {"int8", PARAM_INT, &int8, sizeof(int8), NULL},
    {"size8", PARAM_SIZE, &size8, sizeof(size8), NULL},
    {"size4", PARAM_SIZE, &size4, sizeof(size4), NULL},
    {"str", PARAM_STRING, str, sizeof(str), NULL},
    {"cust", PARAM_CUSTOM, NULL, 0, parse_custom},
};

#define INT1_INIT  0x11
#define INT2_INIT  0x2222
#define INT4_INIT  0x44444444u
#define INT8_INIT  0x8888888888888888ull
#define SIZE8_INIT 0x5555ull
#define SIZE4_INIT 0x5454u

static int reset(void **state)
{
    flag = flag2 = false;
    int1 = INT1_INIT;
    int2 = INT2_INIT;
    int4 = INT4_INIT;
    int8 = INT8_INIT;
    size8 = SIZE8_INIT;
    size4 = SIZE4_INIT;
    strcpy(str, "init");
    custom_value[0] = '\0';
    custom_calls = 0;
    nr_warnings = 0;
    memset(warnings, 0, sizeof(warnings));
    return 0;
}

static int parse(const char *cmdline)
{
    nr_warnings = 0;
    int n = cmdline_parse(cmdline, params, params + ARRAY_SIZE(params), record_warn);
    /* The return value counts exactly the options warned about. */
    assert_int_equal(n, nr_warnings);
    return n;
}

/* --- booleans -------------------------------------------------------------- */

static void test_bool_bare(void **state)
{
    assert_int_equal(parse("flag"), 0);
    assert_true(flag);
    assert_false(flag2);
    assert_int_equal(parse("flag2 flag"), 0);
    assert_true(flag2);
}

static void test_bool_words(void **state)
{
    static const char *const yes[] = {"yes", "on", "true", "enable", "1"};
    static const char *const no[] = {"no", "off", "false", "disable", "0"};
    char cmd[64];
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        flag = false;
        snprintf(cmd, sizeof(cmd), "flag=%s", yes[i]);
        assert_int_equal(parse(cmd), 0);
        assert_true(flag);
    }
    for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
        flag = true;
        snprintf(cmd, sizeof(cmd), "flag=%s", no[i]);
        assert_int_equal(parse(cmd), 0);
        assert_false(flag);
    }
}

static void test_bool_no_prefix(void **state)
{
    flag = true;
    assert_int_equal(parse("no-flag"), 0);
    assert_false(flag);
    /* Later options win. */
    assert_int_equal(parse("no-flag flag"), 0);
    assert_true(flag);
    assert_int_equal(parse("flag no-flag"), 0);
    assert_false(flag);
    /* "no-" with a value, or on a non-boolean, is refused. */
    flag = true;
    assert_int_equal(parse("no-flag=1"), 1);
    assert_true(flag);
    assert_int_equal(parse("no-int4"), 1);
    assert_int_equal(int4, INT4_INIT);
    /* "no-" of an unknown option is an unknown option. */
    assert_int_equal(parse("no-such"), 1);
    assert_true(warned_about("no-such"));
}

static void test_bool_bad_values(void **state)
{
    static const char *const bad[] = {"flag=maybe", "flag=",   "flag=yess",   "flag=2",
                                      "flag=o",     "flag=-1", "flag=enabled"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        flag = true;
        assert_int_equal(parse(bad[i]), 1);
        assert_true(flag);
        assert_true(warned_about("flag"));
        flag = false;
        assert_int_equal(parse(bad[i]), 1);
        assert_false(flag);
    }
}

/* --- integers ------------------------------------------------------------- */

static void test_int_values(void **state)
{
    assert_int_equal(parse("int4=42"), 0);
    assert_int_equal(int4, 42);
    assert_int_equal(parse("int4=0x1F"), 0);
    assert_int_equal(int4, 0x1f);
    assert_int_equal(parse("int4=-1"), 0);
    assert_int_equal(int4, 0xffffffffu);
    assert_int_equal(parse("int4=010"), 0); /* base 0, as Xen's simple_strtol */
    assert_int_equal(int4, 8);
    assert_int_equal(parse("int4=+7"), 0);
    assert_int_equal(int4, 7);
    assert_int_equal(parse("int8=0x123456789abcdef0"), 0);
    assert_int_equal(int8, 0x123456789abcdef0ull);
    assert_int_equal(parse("int8=-2"), 0);
    assert_int_equal(int8, (uint64_t)-2);
    assert_int_equal(parse("int8=9223372036854775807"), 0);
    assert_int_equal(int8, 0x7fffffffffffffffull);
}

static void test_int_range_per_size(void **state)
{
    assert_int_equal(parse("int1=255"), 0);
    assert_int_equal(int1, 255);
    assert_int_equal(parse("int1=-128"), 0);
    assert_int_equal(int1, 0x80);
    assert_int_equal(parse("int2=65535"), 0);
    assert_int_equal(int2, 65535);
    assert_int_equal(parse("int2=-32768"), 0);
    assert_int_equal(int2, 0x8000);
    assert_int_equal(parse("int4=0xffffffff"), 0);
    assert_int_equal(int4, 0xffffffffu);
    assert_int_equal(parse("int4=-2147483648"), 0);
    assert_int_equal(int4, 0x80000000u);

    reset(NULL);
    static const char *const out_of_range[] = {
        "int1=256",        "int1=-129",        "int2=65536", "int2=-32769",
        "int4=4294967296", "int4=-2147483649", "int1=0x100",
    };
    for (size_t i = 0; i < ARRAY_SIZE(out_of_range); i++) {
        assert_int_equal(parse(out_of_range[i]), 1);
        assert_true(warned_about("invalid"));
    }
    assert_int_equal(int1, INT1_INIT);
    assert_int_equal(int2, INT2_INIT);
    assert_int_equal(int4, INT4_INIT);
}

/* A value that does not fit in 64 bits cannot be stored in any integer. */
static void test_int64_out_of_range(void **state)
{
    static const char *const cmds[] = {"int8=18446744073709551616", "int8=-9223372036854775809",
                                       "int8=99999999999999999999999"};
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        int n = parse(cmds[i]);
        if (n != 1 || int8 != INT8_INIT)
            unit_fail("\"%s\": %d warnings, int8 = %#llx; expected a warning and int8 unchanged",
                      cmds[i], n, (unsigned long long)int8);
    }
}

struct int64_min_result {
    int warnings;
    uint64_t value;
};

static void parse_int64_min(void *arg)
{
    struct int64_min_result *r = arg;
    reset(NULL);
    r->warnings = cmdline_parse("int8=-9223372036854775808", params, params + ARRAY_SIZE(params),
                                record_warn);
    r->value = int8;
}

/* INT64_MIN is a valid 8-byte integer (parsed in a child: it must not trip UBSan). */
static void test_int64_min(void **state)
{
    struct int64_min_result *r = unit_shared(sizeof(*r));
    if (!unit_isolated(parse_int64_min, r))
        unit_fail("parsing \"int8=-9223372036854775808\" crashed or tripped a sanitizer (above)");
    assert_int_equal(r->warnings, 0);
    assert_int_equal(r->value, 0x8000000000000000ull);
    unit_shared_free(r, sizeof(*r));
}

static void test_int_malformed(void **state)
{
    static const char *const bad[] = {"int4=12abc", "int4=",  "int4",         "int4=abc",
                                      "int4=0x",    "int4=-", "int4=\"5 5\"", "int4=1e3"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int n = parse(bad[i]);
        assert_true(n >= 1);
        assert_int_equal(int4, INT4_INIT);
    }
}

/* --- sizes -------------------------------------------------------------- */

static void test_size_suffixes(void **state)
{
    static const struct {
        const char *cmd;
        uint64_t value;
    } cases[] = {
        {"size8=16M", 16ull << 20},
        {"size8=16m", 16ull << 20},
        {"size8=1G", 1ull << 30},
        {"size8=3g", 3ull << 30},
        {"size8=2T", 2ull << 40},
        {"size8=2t", 2ull << 40},
        {"size8=4K", 4096},
        {"size8=4k", 4096},
        {"size8=512B", 512},
        {"size8=512b", 512},
        {"size8=64", 64ull << 10},
        {"size8=0", 0},
        {"size8=0x10M", 16ull << 20},
        {"size8=1023B", 1023},
        {"size8=0B", 0},
        {"size4=4095M", 4095ull << 20},
        {"size4=4194303K", 4194303ull << 10},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        reset(NULL);
        assert_int_equal(parse(cases[i].cmd), 0);
        if (!strncmp(cases[i].cmd, "size8", 5))
            assert_int_equal(size8, cases[i].value);
        else
            assert_int_equal(size4, cases[i].value);
    }
}

static void test_size_bad(void **state)
{
    static const char *const bad[] = {
        "size8=16X", "size8=16MB", "size8=",   "size8",          "size8=M",
        "size8=-1M", "size8=1.5G", "size4=4G", "size4=4194304K", "size8=1M1",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(parse(bad[i]), 1);
        assert_true(warned_about("size"));
    }
    assert_int_equal(size8, SIZE8_INIT);
    assert_int_equal(size4, SIZE4_INIT);
}

/* Sizes beyond 64 bits, or beyond the variable, are refused, never saturated. */
static void test_size_overflow_small_variable(void **state)
{
    assert_int_equal(parse("size8=99999999999999999999999"), 1);
    assert_int_equal(size8, SIZE8_INIT);
    assert_int_equal(parse("size8=16777216T"), 1);
    assert_int_equal(size8, SIZE8_INIT);
    assert_int_equal(parse("size8=18446744073709551615B"), 0);
    assert_int_equal(size8, UINT64_MAX);
    size8 = SIZE8_INIT;
    static const char *const cmds[] = {"size4=99999999999999999999999", "size4=16777216T",
                                       "size4=18446744073709551615B"};
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        int n = parse(cmds[i]);
        if (n != 1 || size4 != SIZE4_INIT)
            unit_fail("\"%s\": %d warnings, size4 = %#x; expected a warning and size4 unchanged",
                      cmds[i], n, size4);
    }
}

/* --- strings ------------------------------------------------------------- */

static void test_string_values(void **state)
{
    assert_int_equal(parse("str=hello"), 0);
    assert_string_equal(str, "hello");
    assert_int_equal(parse("str=\"a b\""), 0);
    assert_string_equal(str, "a b");
    assert_int_equal(parse("\"str=c d\" flag"), 0);
    assert_string_equal(str, "c d");
    assert_true(flag);
    assert_int_equal(parse("str=x\"  y  \"z"), 0);
    assert_string_equal(str, "x  y  z");
    assert_int_equal(parse("str=a=b"), 0); /* only the first '=' separates */
    assert_string_equal(str, "a=b");
    assert_int_equal(parse("str="), 0);
    assert_string_equal(str, "");
}

static void test_string_too_long(void **state)
{
    /* str holds 15 characters and the terminator. */
    assert_int_equal(parse("str=123456789012345"), 0);
    assert_string_equal(str, "123456789012345");
    assert_int_equal(parse("str=1234567890123456"), 1);
    assert_string_equal(str, "123456789012345");
    assert_true(warned_about("too long"));
    assert_int_equal(parse("str=\"12345678 0123456 abc\""), 1);
    assert_string_equal(str, "123456789012345");
    /* No value at all is not a string. */
    assert_int_equal(parse("str"), 1);
    assert_string_equal(str, "123456789012345");
}

/* --- custom --------------------------------------------------------------- */

static void test_custom(void **state)
{
    assert_int_equal(parse("cust=com1,vga"), 0);
    assert_int_equal(custom_calls, 1);
    assert_string_equal(custom_value, "com1,vga");
    assert_int_equal(parse("cust"), 0);
    assert_int_equal(custom_calls, 2);
    assert_string_equal(custom_value, "");
    assert_int_equal(parse("cust=bad flag"), 1);
    assert_int_equal(custom_calls, 3);
    assert_true(warned_about("cust"));
    assert_true(flag);
}

/* --- unknown and malformed options, white space ---------------------------- */

static void test_unknown_options(void **state)
{
    assert_int_equal(parse("foo flag bar=1 int4=5 dom0_mem=256M"), 3);
    assert_true(flag);
    assert_int_equal(int4, 5);
    assert_true(warned_about("foo"));
    assert_true(warned_about("bar"));
    assert_true(warned_about("dom0_mem"));
    /* A prefix or extension of a known name is not that option. */
    assert_int_equal(parse("fla flagx int=1 int44=2"), 4);
    assert_int_equal(int4, 5);
}

static void test_whitespace_and_empty(void **state)
{
    assert_int_equal(parse(""), 0);
    assert_int_equal(parse("     "), 0);
    assert_int_equal(parse("\t \t"), 0);
    assert_int_equal(parse("  \tflag\t\tint4=3   str=x\t"), 0);
    assert_true(flag);
    assert_int_equal(int4, 3);
    assert_string_equal(str, "x");
}

static void test_no_name(void **state)
{
    assert_int_equal(parse("=value"), 1);
    assert_true(warned_about("no name"));
    assert_int_equal(parse("= flag"), 1);
    assert_true(flag);
    assert_int_equal(parse("\"\"=x int4=9"), 1);
    assert_int_equal(int4, 9);
    /* A lone pair of quotes is an empty option: nothing to apply. */
    assert_true(parse("\"\"") <= 1);
}

static void test_long_option(void **state)
{
    char cmd[1024];

    /* 255 characters fit the parser's buffer: an unknown option, not a long one. */
    memset(cmd, 'a', 255);
    cmd[255] = '\0';
    assert_int_equal(parse(cmd), 1);
    assert_true(warned_about("unknown"));
    assert_false(warned_about("too long"));

    /* 256 and more do not; the rest of the command line still applies. */
    for (size_t len = 256; len <= 600; len += 344) {
        memset(cmd, 'b', len);
        strcpy(cmd + len, " flag int4=77");
        reset(NULL);
        assert_int_equal(parse(cmd), 1);
        assert_true(warned_about("too long"));
        assert_true(flag);
        assert_int_equal(int4, 77);
    }

    /* A known option with an over-long value is not applied, even truncated. */
    strcpy(cmd, "str=");
    memset(cmd + 4, 'c', 400);
    cmd[404] = '\0';
    assert_int_equal(parse(cmd), 1);
    assert_string_equal(str, "init");
}

/* --- cmdline_cook ------------------------------------------------------------ */

static void test_cook(void **state)
{
    assert_string_equal(cmdline_cook("/boot/hv console=com1 loglvl=all", "qemu"),
                        "console=com1 loglvl=all");
    assert_string_equal(cmdline_cook("  /boot/hv   a=b", "GRUB 0.97"), "a=b");
    assert_string_equal(cmdline_cook("/boot/hv a=b", "GNU GRUB 0.97"), "a=b");
    assert_string_equal(cmdline_cook("/boot/hv", "qemu"), "");
    assert_string_equal(cmdline_cook("/boot/hv   ", "qemu"), "");
    assert_string_equal(cmdline_cook("/boot/hv x", NULL), "x");
    /* GRUB 2 passes only the arguments. */
    assert_string_equal(cmdline_cook("console=com1 dom0_mem=256M", "GRUB 2.06"),
                        "console=com1 dom0_mem=256M");
    assert_string_equal(cmdline_cook("console=com1", "GRUB 2.06-13+deb12u1"), "console=com1");
    assert_string_equal(cmdline_cook(NULL, "qemu"), "");
    assert_string_equal(cmdline_cook(NULL, "GRUB 2.06"), "");
    assert_string_equal(cmdline_cook("", "qemu"), "");
}

/* --- parse_bool and parse_size_and_unit --------------------------------------- */

static void test_parse_bool_direct(void **state)
{
    assert_int_equal(parse_bool("yes", NULL), 1);
    assert_int_equal(parse_bool("enable", NULL), 1);
    assert_int_equal(parse_bool("1", NULL), 1);
    assert_int_equal(parse_bool("off", NULL), 0);
    assert_int_equal(parse_bool("disable", NULL), 0);
    assert_int_equal(parse_bool("0", NULL), 0);
    assert_int_equal(parse_bool("", NULL), -1);
    assert_int_equal(parse_bool("ye", NULL), -1);
    assert_int_equal(parse_bool("yess", NULL), -1);
    assert_int_equal(parse_bool("10", NULL), -1);
    /* With an end pointer only [s, end) counts. */
    const char *s = "yes,no";
    assert_int_equal(parse_bool(s, s + 3), 1);
    assert_int_equal(parse_bool(s + 4, s + 6), 0);
    assert_int_equal(parse_bool(s, s + 2), -1);
    assert_int_equal(parse_bool(s, s), -1);
    const char *t = "truefalse";
    assert_int_equal(parse_bool(t, t + 4), 1);
    assert_int_equal(parse_bool(t + 4, NULL), 0);
}

static void test_parse_size_direct(void **state)
{
    const char *rest;
    assert_int_equal(parse_size_and_unit("16M", &rest), 16ull << 20);
    assert_string_equal(rest, "");
    assert_int_equal(parse_size_and_unit("16Mx", &rest), 16ull << 20);
    assert_string_equal(rest, "x");
    assert_int_equal(parse_size_and_unit("1", &rest), 1024);
    assert_string_equal(rest, "");
    assert_int_equal(parse_size_and_unit("7,8", &rest), 7 * 1024);
    assert_string_equal(rest, ",8");
    assert_int_equal(parse_size_and_unit("100B", &rest), 100);
    assert_int_equal(parse_size_and_unit("3T", NULL), 3ull << 40);
    assert_int_equal(parse_size_and_unit("0x20G", NULL), 32ull << 30);
    assert_int_equal(parse_size_and_unit("16777215T", NULL), 16777215ull << 40);
    assert_int_equal(parse_size_and_unit("17179869183G", NULL), 17179869183ull << 30);
}

static void test_parse_size_saturates(void **state)
{
    static const char *const huge[] = {
        "16777216T",          /* 2^64 */
        "17179869184G",       /* 2^64 */
        "17592186044416M",    /* 2^64 */
        "18014398509481984K", /* 2^64 */
        "18014398509481984",  /* 2^64 (KiB by default) */
        "18446744073709551615K",
        "18446744073709551615B", /* exactly UINT64_MAX */
        "99999999999999999999999",
        "99999999999999999999999B",
        "0xffffffffffffffffffT",
    };
    for (size_t i = 0; i < ARRAY_SIZE(huge); i++) {
        const char *rest = NULL;
        uint64_t v = parse_size_and_unit(huge[i], &rest);
        if (v != UINT64_MAX)
            unit_fail("parse_size_and_unit(\"%s\") = %#llx, expected UINT64_MAX", huge[i],
                      (unsigned long long)v);
        assert_string_equal(rest, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bool_bare, reset),
        cmocka_unit_test_setup(test_bool_words, reset),
        cmocka_unit_test_setup(test_bool_no_prefix, reset),
        cmocka_unit_test_setup(test_bool_bad_values, reset),
        cmocka_unit_test_setup(test_int_values, reset),
        cmocka_unit_test_setup(test_int_range_per_size, reset),
        cmocka_unit_test_setup(test_int64_out_of_range, reset),
        cmocka_unit_test_setup(test_int64_min, reset),
        cmocka_unit_test_setup(test_int_malformed, reset),
        cmocka_unit_test_setup(test_size_suffixes, reset),
        cmocka_unit_test_setup(test_size_bad, reset),
        cmocka_unit_test_setup(test_size_overflow_small_variable, reset),
        cmocka_unit_test_setup(test_string_values, reset),
        cmocka_unit_test_setup(test_string_too_long, reset),
        cmocka_unit_test_setup(test_custom, reset),
        cmocka_unit_test_setup(test_unknown_options, reset),
        cmocka_unit_test_setup(test_whitespace_and_empty, reset),
        cmocka_unit_test_setup(test_no_name, reset),
        cmocka_unit_test_setup(test_long_option, reset),
        cmocka_unit_test_setup(test_cook, reset),
        cmocka_unit_test_setup(test_parse_bool_direct, reset),
        cmocka_unit_test_setup(test_parse_size_direct, reset),
        cmocka_unit_test_setup(test_parse_size_saturates, reset),
    };
    return unit_run(tests);
}
