/*
 * The Xen ELF notes parser (lib/elf/xen_notes.c, xen_notes.h) on kernels
 * built in memory (elf_builder.h), against Xen 4.17's libelf semantics:
 * the notes of a pvkernel-like image (every field); LOADER "generic" or
 * GUEST_OS "linux" (prefixes) required; XEN_VERSION "xen-3.0" required; no
 * Xen notes at all; notes of other owners ignored; notes running past
 * their segment, huge name sizes, string notes not NUL-terminated inside
 * their desc (also at the very end of the buffer); numeric notes of 1, 2,
 * 4 and 8 bytes (little-endian) and of other sizes (0); unknown note types
 * ignored; PT_NOTE segments at file offset 0 skipped; the SHT_NOTE
 * fallback, used only when no segment had a Xen note; the limit on the
 * number of notes; the virtual layout (VIRT_BASE / PADDR_OFFSET defaults
 * and errors, entry bounds, VIRT_BASE above the kernel, a wrapping kernel,
 * INIT_P2M inside or outside the kernel); MOD_START_PFN; the FEATURES
 * string and SUPPORTED_FEATURES (including xen_notes_parse_features on its
 * own); notes at an odd file offset; a seeded mutation fuzz of the notes
 * and their headers; and the real pvkernel image (start-of-day, from
 * `make`), skipped when it has not been built.
 *
 * Every image sits at the very end of a heap block of exactly its size, so
 * ASan reports any read past it, and every parse runs in a child process so
 * that a crash or a sanitizer report fails one test, not the binary.
 */
#include "unit.h"
#include "elf_builder.h"
#include <elf/xen_notes.h>

#ifndef UNIT_START_OF_DAY
#define UNIT_START_OF_DAY "build/conformance/start-of-day"
#endif

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define KBASE      0xffffffff80000000ULL
#define KSIZE      0x4000ULL
#define UNSET      XEN_NOTES_UNSET

/* <xen/elfnote.h> */
enum {
    N_INFO = 0,
    N_ENTRY = 1,
    N_HYPERCALL_PAGE = 2,
    N_VIRT_BASE = 3,
    N_PADDR_OFFSET = 4,
    N_XEN_VERSION = 5,
    N_GUEST_OS = 6,
    N_GUEST_VERSION = 7,
    N_LOADER = 8,
    N_PAE_MODE = 9,
    N_FEATURES = 10,
    N_BSD_SYMTAB = 11,
    N_HV_START_LOW = 12,
    N_L1_MFN_VALID = 13,
    N_SUSPEND_CANCEL = 14,
    N_INIT_P2M = 15,
    N_MOD_START_PFN = 16,
    N_SUPPORTED_FEATURES = 17,
    N_PHYS32_ENTRY = 18,
};
#define OMIT(t) (1u << (t))

/* XENFEAT_* bits */
#define F_WRITABLE_PAGE_TABLES 0x001u
#define F_WRITABLE_DESC_TABLES 0x002u
#define F_AUTO_TRANSLATED      0x004u
#define F_SUPERVISOR_MODE      0x008u
#define F_PAE_PGDIR_ABOVE_4GB  0x010u
#define F_HVM_CALLBACK_VECTOR  0x100u
#define F_DOM0                 0x800u

/* --- running the parser in a child ------------------------------------------------ */

struct call {
    const uint8_t *data;
    size_t size;
    int open_ret;
    const char *open_why;
    int ret;
    const char *why;
    struct xen_notes n;
};

static struct call *cur;
static struct eb_placed placed;
static struct eb b;
static struct eb_notes notes, notes2, notes3;

static void do_parse(void *arg)
{
    struct call *c = arg;
    struct elf_image img;
    c->open_why = c->why = NULL;
    c->open_ret = elf_image_open(&img, c->data, c->size, &c->open_why);
    if (c->open_ret == 0)
        c->ret = xen_notes_parse(&img, &c->n, &c->why);
}

static int setup(void **state)
{
    cur = unit_shared(sizeof(*cur));
    return 0;
}

static int teardown(void **state)
{
    unit_shared_free(cur, sizeof(*cur));
    eb_unplace(&placed);
    return 0;
}

static struct call *parse_bytes(const uint8_t *bytes, size_t len, size_t misalign)
{
    eb_unplace(&placed);
    eb_place(&placed, bytes, len, len, misalign);
    memset(cur, 0, sizeof(*cur));
    cur->data = placed.data;
    cur->size = len;
    cur->ret = 12345;
    if (!unit_isolated(do_parse, cur))
        unit_fail("elf_image_open/xen_notes_parse crashed or tripped a sanitizer (report above)");
    if (cur->open_ret != 0)
        unit_fail("the test image does not open: %s", cur->open_why ? cur->open_why : "?");
    return cur;
}

static struct call *parse(void)
{
    return parse_bytes(b.bytes, b.len, 0);
}

static void expect_ok(const struct call *c, const char *what)
{
    if (c->ret != 0)
        unit_fail("%s: refused (%d: %s), expected accepted", what, c->ret,
                  c->why ? c->why : "no reason");
}

static void expect_refused(const struct call *c, const char *what)
{
    if (c->ret != -1)
        unit_fail("%s: xen_notes_parse returned %d, expected -1", what, c->ret);
    if (!c->why || !c->why[0])
        unit_fail("%s: refused without a reason", what);
}

/* --- the kernels ------------------------------------------------------------------ */

/*
 * A kernel: one PT_LOAD of 0x100 file bytes and KSIZE in memory at paddr,
 * vaddr KBASE + paddr, e_entry `entry`; then a PT_NOTE segment holding
 * `seg` if given (its bytes the image's last unless there are sections),
 * and SHT_NOTE sections holding `sec` and `sec2` if given.
 */
static void kernel_at(uint64_t paddr, uint64_t entry, const struct eb_notes *seg,
                      const struct eb_notes *sec, const struct eb_notes *sec2)
{
    eb_init(&b, entry);
    eb_load(&b, paddr, KBASE + paddr, 0x100, KSIZE);
    if (seg)
        eb_note_segment(&b, seg);
    if (sec)
        eb_note_section(&b, sec);
    if (sec2)
        eb_note_section(&b, sec2);
    eb_layout(&b);
}

static void kernel(const struct eb_notes *seg)
{
    kernel_at(0, KBASE + 0x40, seg, NULL, NULL);
}

/* The owner of the notes std_notes() writes. */
static const char *owner = "Xen";
static uint32_t owner_size = 4;

static void o_str(struct eb_notes *n, uint32_t type, const char *s)
{
    eb_note(n, owner, owner_size, type, s, (uint32_t)strlen(s) + 1);
}

static void o_num(struct eb_notes *n, uint32_t type, uint64_t v, uint32_t size)
{
    uint8_t d[8];
    for (unsigned int i = 0; i < 8; i++)
        d[i] = (uint8_t)(v >> (8 * i));
    eb_note(n, owner, owner_size, type, d, size);
}

/*
 * The notes of tests/pvkernel (as in build/conformance/start-of-day), less
 * those in `omit`, after a GNU build-id note; returns how many notes.
 */
static unsigned int std_notes(struct eb_notes *n, uint32_t omit)
{
    static const uint8_t build_id[20] = {0xde, 0xad, 0xbe, 0xef};
    unsigned int count = 1;
    eb_notes_init(n);
    eb_note(n, "GNU", 4, 3, build_id, sizeof(build_id));
#define ADD(t, call)                                                                               \
    do {                                                                                           \
        if (!(omit & OMIT(t))) {                                                                   \
            call;                                                                                  \
            count++;                                                                               \
        }                                                                                          \
    } while (0)
    ADD(N_GUEST_OS, o_str(n, N_GUEST_OS, "pvkernel"));
    ADD(N_GUEST_VERSION, o_str(n, N_GUEST_VERSION, "0.1"));
    ADD(N_XEN_VERSION, o_str(n, N_XEN_VERSION, "xen-3.0"));
    ADD(N_LOADER, o_str(n, N_LOADER, "generic"));
    ADD(N_VIRT_BASE, o_num(n, N_VIRT_BASE, KBASE, 8));
    ADD(N_PADDR_OFFSET, o_num(n, N_PADDR_OFFSET, 0, 8));
    ADD(N_ENTRY, o_num(n, N_ENTRY, KBASE, 8));
    ADD(N_HYPERCALL_PAGE, o_num(n, N_HYPERCALL_PAGE, KBASE + 0x1000, 8));
    ADD(N_PAE_MODE, o_str(n, N_PAE_MODE, "yes"));
    ADD(N_FEATURES, o_str(n, N_FEATURES, "!writable_page_tables"));
    ADD(N_SUPPORTED_FEATURES, o_num(n, N_SUPPORTED_FEATURES, F_DOM0, 4));
#undef ADD
    return count;
}

/* The accepted baseline every variation starts from. */
static void check_baseline(void)
{
    std_notes(&notes, 0);
    kernel(&notes);
    expect_ok(parse(), "the pvkernel notes");
}

/* --- good notes ------------------------------------------------------------------- */

static void test_pvkernel_notes(void **state)
{
    std_notes(&notes, 0);
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "the pvkernel notes");
    const struct xen_notes *n = &c->n;
    assert_string_equal(n->guest_os, "pvkernel");
    assert_string_equal(n->guest_version, "0.1");
    assert_string_equal(n->xen_version, "xen-3.0");
    assert_string_equal(n->loader, "generic");
    assert_string_equal(n->pae_mode, "yes");
    assert_string_equal(n->features, "!writable_page_tables");
    assert_int_equal(n->virt_base, KBASE);
    assert_int_equal(n->paddr_offset, 0);
    assert_int_equal(n->entry, KBASE);
    assert_int_equal(n->hypercall_page, KBASE + 0x1000);
    assert_int_equal(n->init_p2m, UNSET);
    assert_int_equal(n->hv_start_low, UNSET);
    assert_int_equal(n->phys32_entry, UNSET);
    assert_false(n->mod_start_pfn);
    assert_false(n->bsd_symtab);
    assert_int_equal(n->f_supported, F_WRITABLE_PAGE_TABLES | F_DOM0);
    assert_int_equal(n->f_required, F_WRITABLE_PAGE_TABLES);
    assert_int_equal(n->virt_kstart, KBASE);
    assert_int_equal(n->virt_kend, KBASE + KSIZE);
    static const int set[] = {N_GUEST_OS, N_GUEST_VERSION,     N_XEN_VERSION,
                              N_LOADER,   N_VIRT_BASE,         N_PADDR_OFFSET,
                              N_ENTRY,    N_HYPERCALL_PAGE,    N_PAE_MODE,
                              N_FEATURES, N_SUPPORTED_FEATURES};
    for (int t = 0; t <= XEN_NOTES_MAX_TYPE; t++) {
        bool expected = false;
        for (unsigned int i = 0; i < N_ELEMS(set); i++)
            expected |= set[i] == t;
        if (n->present[t] != expected)
            unit_fail("present[%d] is %d, expected %d", t, n->present[t], expected);
    }
}

static void test_other_numeric_notes(void **state)
{
    std_notes(&notes, 0);
    o_num(&notes, N_PHYS32_ENTRY, 0x100040, 4);
    o_num(&notes, N_HV_START_LOW, 0xffff800000000000ULL, 8);
    o_num(&notes, N_L1_MFN_VALID, 1, 8);
    o_num(&notes, N_SUSPEND_CANCEL, 1, 4);
    o_str(&notes, N_BSD_SYMTAB, "no");
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "PHYS32_ENTRY, HV_START_LOW, L1_MFN_VALID, SUSPEND_CANCEL, BSD_SYMTAB");
    assert_int_equal(c->n.phys32_entry, 0x100040);
    assert_int_equal(c->n.hv_start_low, 0xffff800000000000ULL);
    assert_false(c->n.bsd_symtab);
    assert_true(c->n.present[N_PHYS32_ENTRY] && c->n.present[N_HV_START_LOW]);

    /* The same type twice: the last one wins. */
    std_notes(&notes, 0);
    o_str(&notes, N_GUEST_VERSION, "0.2");
    o_num(&notes, N_HYPERCALL_PAGE, KBASE + 0x2000, 8);
    kernel(&notes);
    c = parse();
    expect_ok(c, "notes repeated");
    assert_string_equal(c->n.guest_version, "0.2");
    assert_int_equal(c->n.hypercall_page, KBASE + 0x2000);

    /* A long string is cut to fit, still NUL-terminated. */
    std_notes(&notes, 0);
    char longver[200];
    memset(longver, 'v', sizeof(longver) - 1);
    longver[sizeof(longver) - 1] = '\0';
    o_str(&notes, N_GUEST_VERSION, longver);
    kernel(&notes);
    c = parse();
    expect_ok(c, "a 199-character GUEST_VERSION");
    assert_int_equal(strlen(c->n.guest_version), XEN_NOTES_STRING_MAX - 1);
    assert_int_equal(c->n.guest_version[0], 'v');
}

/* --- LOADER / GUEST_OS / XEN_VERSION ------------------------------------------------- */

static void test_loader_or_linux(void **state)
{
    check_baseline();
    static const struct {
        const char *loader, *guest_os; /* NULL: no note */
        bool ok;
    } cases[] = {
        {"generic", "pvkernel", true}, {NULL, "linux", true},  {NULL, "linux-6.1", true},
        {"generic-v2", NULL, true},    {"bsd", "linux", true}, {"generic", "NetBSD", true},
        {NULL, "pvkernel", false},     {NULL, NULL, false},    {"generi", NULL, false},
        {"Generic", "Linux", false},   {"", "", false},        {NULL, "linu", false},
        {" generic", " linux", false},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, OMIT(N_LOADER) | OMIT(N_GUEST_OS));
        if (cases[i].loader)
            eb_xen_str(&notes, N_LOADER, cases[i].loader);
        if (cases[i].guest_os)
            eb_xen_str(&notes, N_GUEST_OS, cases[i].guest_os);
        kernel(&notes);
        struct call *c = parse();
        char what[96];
        snprintf(what, sizeof(what), "LOADER %s, GUEST_OS %s",
                 cases[i].loader ? cases[i].loader : "(none)",
                 cases[i].guest_os ? cases[i].guest_os : "(none)");
        if (cases[i].ok)
            expect_ok(c, what);
        else
            expect_refused(c, what);
    }
}

static void test_xen_version(void **state)
{
    check_baseline();
    static const struct {
        const char *version; /* NULL: no note */
        bool ok;
    } cases[] = {
        {"xen-3.0", true},  {"xen-3.0-unstable", true}, {"xen-2.0", false},
        {"xen-3.1", false}, {"xen-3.", false},          {"", false},
        {NULL, false},      {"XEN-3.0", false},         {"xen-4.17", false},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, OMIT(N_XEN_VERSION));
        if (cases[i].version)
            eb_xen_str(&notes, N_XEN_VERSION, cases[i].version);
        kernel(&notes);
        struct call *c = parse();
        char what[64];
        snprintf(what, sizeof(what), "XEN_VERSION %s",
                 cases[i].version ? cases[i].version : "(none)");
        if (cases[i].ok)
            expect_ok(c, what);
        else
            expect_refused(c, what);
    }
}

/* --- which notes count ------------------------------------------------------------ */

static void test_no_xen_notes(void **state)
{
    check_baseline();
    /* No PT_NOTE, no sections. */
    kernel(NULL);
    expect_refused(parse(), "no notes at all");
    /* An empty PT_NOTE. */
    eb_notes_init(&notes);
    kernel(&notes);
    expect_refused(parse(), "an empty PT_NOTE");
    /* Only a GNU note. */
    std_notes(&notes, ~0u);
    kernel(&notes);
    expect_refused(parse(), "only a GNU note");
    /* All the right notes, under owners that are not "Xen" as a C string. */
    static const struct {
        const char *name;
        uint32_t size;
    } owners[] = {{"XEN", 4}, {"xen", 4}, {"Xen!", 4}, {"Xe", 3}};
    for (unsigned int i = 0; i < N_ELEMS(owners); i++) {
        owner = owners[i].name;
        owner_size = owners[i].size;
        std_notes(&notes, 0);
        owner = "Xen";
        owner_size = 4;
        kernel(&notes);
        char what[64];
        snprintf(what, sizeof(what), "notes owned by \"%s\" (namesz %u)", owners[i].name,
                 owners[i].size);
        expect_refused(parse(), what);
    }
}

/* Xen compares the owner as a C string: namesz 3 (NUL from the padding) and
 * namesz 5 ("Xen" and two NULs) name Xen notes too. */
static void test_owner_as_c_string(void **state)
{
    static const struct {
        const char *name;
        uint32_t size;
    } owners[] = {{"Xen", 3}, {"Xen\0", 5}};
    for (unsigned int i = 0; i < N_ELEMS(owners); i++) {
        owner = owners[i].name;
        owner_size = owners[i].size;
        std_notes(&notes, 0);
        owner = "Xen";
        owner_size = 4;
        kernel(&notes);
        struct call *c = parse();
        expect_ok(c, "notes owned by \"Xen\" with namesz 3 or 5");
        assert_string_equal(c->n.loader, "generic");
    }
}

static void test_other_owners_ignored(void **state)
{
    std_notes(&notes, 0);
    /* The same types from other owners, with values that would be refused. */
    static const struct {
        const char *name;
        uint32_t size;
    } owners[] = {{"Linux", 6}, {"XEN", 4}, {"GNU", 4}, {"", 0}};
    for (unsigned int i = 0; i < N_ELEMS(owners); i++) {
        owner = owners[i].name;
        owner_size = owners[i].size;
        o_str(&notes, N_LOADER, "bogus");
        o_str(&notes, N_GUEST_OS, "bogus");
        o_str(&notes, N_XEN_VERSION, "xen-2.0");
        o_num(&notes, N_VIRT_BASE, 0x1000, 8);
        o_str(&notes, N_FEATURES, "!no_such_feature");
        eb_note(&notes, owner, owner_size, N_PAE_MODE, "no NUL", 6);
    }
    owner = "Xen";
    owner_size = 4;
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "Xen notes among others'");
    assert_string_equal(c->n.loader, "generic");
    assert_string_equal(c->n.guest_os, "pvkernel");
    assert_string_equal(c->n.pae_mode, "yes");
    assert_int_equal(c->n.virt_base, KBASE);
    assert_int_equal(c->n.f_required, F_WRITABLE_PAGE_TABLES);
}

static void test_unknown_types_ignored(void **state)
{
    std_notes(&notes, 0);
    static const uint32_t types[] = {N_INFO, N_L1_MFN_VALID, 19,         20,
                                     0x100,  0x80000000u,    0xffffffffu};
    for (unsigned int i = 0; i < N_ELEMS(types); i++) {
        eb_xen_bytes(&notes, types[i], "unterminated", 12);
        eb_xen_bytes(&notes, types[i], "odd", 3);
        eb_xen_bytes(&notes, types[i], NULL, 0);
    }
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "unknown note types");
    assert_string_equal(c->n.loader, "generic");
    assert_int_equal(c->n.entry, KBASE);
    assert_int_equal(c->n.f_supported, F_WRITABLE_PAGE_TABLES | F_DOM0);
}

/* --- malformed notes -------------------------------------------------------------- */

static void test_note_past_segment(void **state)
{
    check_baseline();
    static const struct {
        const char *what;
        uint32_t namesz, descsz;
        uint32_t follow; /* bytes after the header */
    } cases[] = {
        {"desc 100 bytes, 8 there", 4, 100, 8},       {"desc 9 bytes, 8 there", 4, 9, 8},
        {"name 100 bytes, 8 there", 100, 0, 8},       {"name 4 bytes, none there", 4, 0, 0},
        {"desc 0xffffffff bytes", 4, 0xffffffffu, 8}, {"desc 0xfffffffd bytes", 4, 0xfffffffdu, 8},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, 0);
        eb_note_header(&notes, cases[i].namesz, cases[i].descsz, N_GUEST_VERSION);
        eb_notes_raw(&notes, "Xen\0abcd", cases[i].follow);
        /* The segment's bytes end the image: ASan is watching. */
        kernel(&notes);
        expect_refused(parse(), cases[i].what);
    }

    /* Past the segment, not the image: the segment is shortened by 4 bytes. */
    std_notes(&notes, 0);
    eb_xen_str(&notes, N_GUEST_VERSION, "0.1.2.3");
    eb_init(&b, KBASE + 0x40);
    unsigned int seg = eb_note_segment(&b, &notes);
    eb_load(&b, 0, KBASE, 0x100, KSIZE);
    eb_layout(&b);
    b.ph[seg].p_filesz -= 4;
    eb_emit(&b);
    expect_refused(parse(), "last note's desc 4 bytes past its segment");
    b.ph[seg].p_filesz += 4;
    eb_emit(&b);
    expect_ok(parse(), "the same segment, whole");
}

static void test_namesz_huge(void **state)
{
    check_baseline();
    static const uint32_t sizes[] = {0xffffffffu, 0xfffffffcu, 0xfffffffdu,
                                     0x80000000u, 0x7fffffffu, 0x10000u};
    for (unsigned int i = 0; i < N_ELEMS(sizes); i++) {
        for (int desc_too = 0; desc_too < 2; desc_too++) {
            std_notes(&notes, 0);
            eb_note_header(&notes, sizes[i], desc_too ? sizes[i] : 4, N_LOADER);
            eb_notes_raw(&notes, "Xen\0generic\0", 12);
            kernel(&notes);
            char what[64];
            snprintf(what, sizeof(what), "namesz %#x%s", sizes[i], desc_too ? " and descsz" : "");
            expect_refused(parse(), what);
        }
    }
}

static void test_string_not_terminated(void **state)
{
    check_baseline();
    static const int types[] = {N_LOADER,   N_GUEST_OS, N_GUEST_VERSION, N_XEN_VERSION,
                                N_PAE_MODE, N_FEATURES, N_BSD_SYMTAB};
    for (unsigned int i = 0; i < N_ELEMS(types); i++) {
        /* "generic" in 7 bytes: the padding after it is a NUL, but outside descsz. */
        std_notes(&notes, 0);
        eb_xen_bytes(&notes, types[i], "generic", 7);
        kernel(&notes);
        char what[64];
        snprintf(what, sizeof(what), "string note type %d not NUL-terminated", types[i]);
        expect_refused(parse(), what);
        /* Empty: no room for a NUL. */
        std_notes(&notes, 0);
        eb_xen_bytes(&notes, types[i], NULL, 0);
        kernel(&notes);
        snprintf(what, sizeof(what), "string note type %d empty", types[i]);
        expect_refused(parse(), what);
    }
    /* A NUL inside descsz ends the string there. */
    std_notes(&notes, 0);
    eb_xen_bytes(&notes, N_GUEST_VERSION, "0.9\0junk", 8);
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "a NUL inside the desc");
    assert_string_equal(c->n.guest_version, "0.9");
}

static void test_string_at_buffer_end(void **state)
{
    /* The last 8 bytes of the buffer are a string note's desc, with no NUL. */
    std_notes(&notes, OMIT(N_XEN_VERSION));
    eb_xen_bytes(&notes, N_XEN_VERSION, "xen-3.0!", 8);
    kernel(&notes);
    assert_int_equal(b.ph[1].p_offset + b.ph[1].p_filesz, b.len);
    expect_refused(parse(), "unterminated string at the buffer's end");
    /* The same with its NUL as the buffer's last byte. */
    std_notes(&notes, OMIT(N_XEN_VERSION));
    eb_xen_bytes(&notes, N_XEN_VERSION, "xen-3.0", 8);
    kernel(&notes);
    assert_int_equal(b.ph[1].p_offset + b.ph[1].p_filesz, b.len);
    struct call *c = parse();
    expect_ok(c, "string ending at the buffer's last byte");
    assert_string_equal(c->n.xen_version, "xen-3.0");
    /* And an 8-byte number there. */
    std_notes(&notes, OMIT(N_HYPERCALL_PAGE));
    o_num(&notes, N_HYPERCALL_PAGE, KBASE + 0x3000, 8);
    kernel(&notes);
    c = parse();
    expect_ok(c, "number ending at the buffer's last byte");
    assert_int_equal(c->n.hypercall_page, KBASE + 0x3000);
}

/* --- numbers ---------------------------------------------------------------------- */

static void test_numeric_sizes(void **state)
{
    static const uint8_t bytes[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                      0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
    static const struct {
        uint32_t size;
        uint64_t value;
    } cases[] = {
        {1, 0x11}, {2, 0x2211}, {4, 0x44332211}, {8, 0x8877665544332211ULL},
        {0, 0},    {3, 0},      {5, 0},          {6, 0},
        {7, 0},    {9, 0},      {16, 0},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, 0);
        eb_xen_bytes(&notes, N_HV_START_LOW, bytes, cases[i].size);
        kernel(&notes);
        struct call *c = parse();
        char what[64];
        snprintf(what, sizeof(what), "HV_START_LOW of %u bytes", cases[i].size);
        expect_ok(c, what);
        if (c->n.hv_start_low != cases[i].value || !c->n.present[N_HV_START_LOW])
            unit_fail("%s: %#llx (present %d), expected %#llx", what,
                      (unsigned long long)c->n.hv_start_low, c->n.present[N_HV_START_LOW],
                      (unsigned long long)cases[i].value);
    }
    /* An ENTRY of 3 bytes reads as 0: outside the kernel. */
    std_notes(&notes, 0);
    eb_xen_bytes(&notes, N_ENTRY, bytes, 3);
    kernel(&notes);
    expect_refused(parse(), "ENTRY of 3 bytes (0)");
    /* A 4-byte VIRT_BASE. */
    std_notes(&notes, OMIT(N_VIRT_BASE) | OMIT(N_ENTRY));
    o_num(&notes, N_VIRT_BASE, 0x80000000u, 4);
    kernel_at(0x100000, 0x80100000u, &notes, NULL, NULL);
    struct call *c = parse();
    expect_ok(c, "VIRT_BASE of 4 bytes");
    assert_int_equal(c->n.virt_base, 0x80000000u);
    assert_int_equal(c->n.virt_kstart, 0x80100000u);
}

/* --- where the notes are ---------------------------------------------------------- */

static void test_pt_note_offset_zero(void **state)
{
    /* A PT_NOTE at offset 0 would be the ELF header, read as notes: skipped. */
    std_notes(&notes, 0);
    kernel_at(0, KBASE + 0x40, NULL, &notes, NULL);
    unsigned int seg = eb_phdr(&b, PT_NOTE);
    b.ph[seg].p_offset = 0;
    b.ph[seg].p_filesz = b.ph[seg].p_memsz = 64;
    eb_layout(&b);
    struct call *c = parse();
    expect_ok(c, "PT_NOTE at offset 0, notes in a section");
    assert_string_equal(c->n.loader, "generic");

    kernel(NULL);
    seg = eb_phdr(&b, PT_NOTE);
    b.ph[seg].p_offset = 0;
    b.ph[seg].p_filesz = b.ph[seg].p_memsz = 64;
    eb_layout(&b);
    expect_refused(parse(), "PT_NOTE at offset 0 and no sections");
}

static void test_section_fallback(void **state)
{
    check_baseline();
    /* Segment notes win: the sections are not even looked at. */
    std_notes(&notes, 0);
    eb_notes_init(&notes2);
    eb_xen_str(&notes2, N_GUEST_VERSION, "from-section");
    eb_xen_str(&notes2, N_LOADER, "bogus");
    eb_notes_init(&notes3);
    eb_xen_str(&notes3, N_GUEST_OS, "linux");
    eb_note_header(&notes3, 4, 0x1000, N_LOADER); /* runs past its section */
    kernel_at(0, KBASE + 0x40, &notes, &notes2, &notes3);
    struct call *c = parse();
    expect_ok(c, "notes in a segment and in sections");
    assert_string_equal(c->n.guest_version, "0.1");
    assert_string_equal(c->n.loader, "generic");
    assert_string_equal(c->n.guest_os, "pvkernel");

    /* A segment with no Xen note: every SHT_NOTE section is used. */
    std_notes(&notes, ~0u);
    std_notes(&notes2, OMIT(N_GUEST_VERSION) | OMIT(N_VIRT_BASE));
    eb_notes_init(&notes3);
    eb_xen_str(&notes3, N_GUEST_VERSION, "from-section-2");
    eb_xen_num(&notes3, N_VIRT_BASE, KBASE, 8);
    kernel_at(0, KBASE + 0x40, &notes, &notes2, &notes3);
    c = parse();
    expect_ok(c, "only GNU notes in the segment, Xen notes in two sections");
    assert_string_equal(c->n.guest_version, "from-section-2");
    assert_string_equal(c->n.loader, "generic");
    assert_int_equal(c->n.virt_base, KBASE);

    /* No PT_NOTE at all. */
    std_notes(&notes2, 0);
    kernel_at(0, KBASE + 0x40, NULL, &notes2, NULL);
    c = parse();
    expect_ok(c, "notes only in a section");
    assert_string_equal(c->n.xen_version, "xen-3.0");

    /* A broken section is an error when sections are used. */
    std_notes(&notes, ~0u);
    std_notes(&notes2, 0);
    kernel_at(0, KBASE + 0x40, &notes, &notes2, &notes3);
    expect_ok(parse(), "two good sections");
    eb_notes_init(&notes3);
    eb_note_header(&notes3, 4, 0x1000, N_LOADER);
    kernel_at(0, KBASE + 0x40, &notes, &notes2, &notes3);
    expect_refused(parse(), "a section's note runs past its end");

    /* Section 0 is the null section, never read for notes (as Xen). */
    std_notes(&notes2, 0);
    kernel_at(0, KBASE + 0x40, NULL, &notes2, NULL);
    b.sh[0] = b.sh[1];
    b.sh[1].sh_type = 1; /* SHT_PROGBITS */
    eb_emit(&b);
    expect_refused(parse(), "Xen notes only in section 0");

    /* A note segment outside the image is ignored; the sections serve. */
    std_notes(&notes, 0);
    std_notes(&notes2, 0);
    kernel_at(0, KBASE + 0x40, &notes, &notes2, NULL);
    b.ph[1].p_offset = b.len + 8;
    eb_emit(&b);
    expect_ok(parse(), "PT_NOTE past the image's end, notes in a section");
    b.ph[1].p_offset = 8;
    b.ph[1].p_filesz = ~0ULL - 4;
    eb_emit(&b);
    expect_ok(parse(), "PT_NOTE offset + size wrapping, notes in a section");
}

static void test_odd_note_offset(void **state)
{
    /* Notes at an odd file offset (as a careless linker may leave them). */
    for (unsigned int skew = 1; skew < 4; skew++) {
        eb_notes_init(&notes2);
        eb_notes_raw(&notes2, "\xaa\xbb\xcc", skew);
        std_notes(&notes, 0);
        eb_notes_raw(&notes2, notes.bytes, notes.len);
        kernel(&notes2);
        b.ph[1].p_offset += skew;
        b.ph[1].p_filesz -= skew;
        eb_emit(&b);
        struct call *c = parse();
        char what[64];
        snprintf(what, sizeof(what), "notes at file offset %% 4 == %u", skew);
        expect_ok(c, what);
        assert_string_equal(c->n.loader, "generic");
        assert_int_equal(c->n.virt_base, KBASE);
        assert_int_equal(c->n.f_supported, F_WRITABLE_PAGE_TABLES | F_DOM0);
    }
}

static void test_too_many_notes(void **state)
{
    check_baseline();
    for (unsigned int total = XEN_NOTES_MAX_NOTES - 1; total <= XEN_NOTES_MAX_NOTES + 1; total++) {
        for (int split = 0; split < 2; split++) {
            unsigned int count = std_notes(&notes, 0);
            eb_notes_init(&notes2);
            struct eb_notes *filler = split ? &notes2 : &notes;
            for (; count < total; count++)
                eb_note(filler, "GNU", 4, 1, NULL, 0);
            eb_init(&b, KBASE + 0x40);
            eb_load(&b, 0, KBASE, 0x100, KSIZE);
            eb_note_segment(&b, &notes);
            if (split)
                eb_note_segment(&b, &notes2);
            eb_layout(&b);
            struct call *c = parse();
            char what[80];
            snprintf(what, sizeof(what), "%u notes%s", total, split ? " in two segments" : "");
            if (total <= XEN_NOTES_MAX_NOTES)
                expect_ok(c, what);
            else
                expect_refused(c, what);
        }
    }
}

/* --- the virtual layout ----------------------------------------------------------- */

static void test_virt_base_paddr_offset(void **state)
{
    /* A kernel linked at 1 MiB, entered there. */
    const uint64_t low = 0x100000;
    std_notes(&notes, OMIT(N_VIRT_BASE) | OMIT(N_PADDR_OFFSET) | OMIT(N_ENTRY));
    kernel_at(low, low, &notes, NULL, NULL);
    struct call *c = parse();
    expect_ok(c, "neither VIRT_BASE nor PADDR_OFFSET");
    assert_int_equal(c->n.virt_base, 0);
    assert_int_equal(c->n.paddr_offset, 0);
    assert_int_equal(c->n.virt_kstart, low);
    assert_int_equal(c->n.virt_kend, low + KSIZE);
    assert_int_equal(c->n.entry, low);

    std_notes(&notes, OMIT(N_VIRT_BASE) | OMIT(N_ENTRY));
    kernel_at(low, low, &notes, NULL, NULL);
    expect_refused(parse(), "PADDR_OFFSET 0 without VIRT_BASE");

    std_notes(&notes, OMIT(N_PADDR_OFFSET));
    kernel(&notes);
    c = parse();
    expect_ok(c, "VIRT_BASE without PADDR_OFFSET");
    assert_int_equal(c->n.paddr_offset, 0);
    assert_int_equal(c->n.virt_kstart, KBASE);

    /* Old kernels: p_paddr holds the virtual address, PADDR_OFFSET says so. */
    std_notes(&notes, OMIT(N_PADDR_OFFSET));
    o_num(&notes, N_PADDR_OFFSET, KBASE, 8);
    kernel_at(KBASE, KBASE + 0x40, &notes, NULL, NULL);
    c = parse();
    expect_ok(c, "PADDR_OFFSET == VIRT_BASE, physical addresses virtual");
    assert_int_equal(c->n.virt_kstart, KBASE);
    assert_int_equal(c->n.virt_kend, KBASE + KSIZE);

    /* virt_kstart = pstart + VIRT_BASE - PADDR_OFFSET. */
    std_notes(&notes, OMIT(N_PADDR_OFFSET) | OMIT(N_ENTRY));
    o_num(&notes, N_PADDR_OFFSET, 0x1000, 8);
    kernel_at(0x3000, KBASE + 0x2000, &notes, NULL, NULL);
    c = parse();
    expect_ok(c, "PADDR_OFFSET 0x1000, pstart 0x3000");
    assert_int_equal(c->n.virt_kstart, KBASE + 0x2000);
    assert_int_equal(c->n.virt_kend, KBASE + 0x2000 + KSIZE);
}

static void test_entry_bounds(void **state)
{
    std_notes(&notes, OMIT(N_ENTRY));
    kernel_at(0, KBASE + 0x123, &notes, NULL, NULL);
    struct call *c = parse();
    expect_ok(c, "no ENTRY note");
    assert_int_equal(c->n.entry, KBASE + 0x123);
    assert_false(c->n.present[N_ENTRY]);

    static const struct {
        uint64_t entry;
        bool ok;
    } cases[] = {
        {KBASE, true},
        {KBASE + KSIZE - 1, true},
        {KBASE + KSIZE, true}, /* inclusive, as Xen */
        {KBASE - 1, false},
        {KBASE + KSIZE + 1, false},
        {0, false},
        {~0ULL - 1, false},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, OMIT(N_ENTRY));
        o_num(&notes, N_ENTRY, cases[i].entry, 8);
        kernel(&notes);
        c = parse();
        char what[64];
        snprintf(what, sizeof(what), "ENTRY %#llx", (unsigned long long)cases[i].entry);
        if (cases[i].ok) {
            expect_ok(c, what);
            assert_int_equal(c->n.entry, cases[i].entry);
        } else {
            expect_refused(c, what);
        }
    }
    /* ENTRY ~0 is XEN_NOTES_UNSET: e_entry is used instead (so does Xen's UNSET_ADDR). */
    std_notes(&notes, OMIT(N_ENTRY));
    o_num(&notes, N_ENTRY, ~0ULL, 8);
    kernel(&notes);
    c = parse();
    expect_ok(c, "ENTRY ~0");
    assert_int_equal(c->n.entry, KBASE + 0x40);
    /* e_entry outside the kernel, no ENTRY note. */
    std_notes(&notes, OMIT(N_ENTRY));
    kernel_at(0, 0x40, &notes, NULL, NULL);
    expect_refused(parse(), "e_entry 0x40 in a kernel at KBASE");
}

static void test_virt_base_above_kstart(void **state)
{
    /* PADDR_OFFSET above pstart puts the kernel below VIRT_BASE. */
    std_notes(&notes, OMIT(N_PADDR_OFFSET) | OMIT(N_ENTRY));
    o_num(&notes, N_PADDR_OFFSET, 0x1000, 8);
    kernel_at(0, KBASE, &notes, NULL, NULL);
    expect_refused(parse(), "VIRT_BASE above virt_kstart");
    /* The same with pstart == PADDR_OFFSET: fine. */
    kernel_at(0x1000, KBASE, &notes, NULL, NULL);
    struct call *c = parse();
    expect_ok(c, "VIRT_BASE == virt_kstart");
    assert_int_equal(c->n.virt_kstart, KBASE);

    /* A kernel wrapping past 2^64: virt_kstart > virt_kend. */
    std_notes(&notes, OMIT(N_VIRT_BASE) | OMIT(N_ENTRY));
    o_num(&notes, N_VIRT_BASE, 0xfffffffffffff000ULL, 8);
    o_num(&notes, N_ENTRY, 0xfffffffffffff000ULL, 8);
    kernel_at(0, 0, &notes, NULL, NULL);
    expect_refused(parse(), "kernel wrapping around the address space");
}

static void test_init_p2m(void **state)
{
    static const struct {
        uint64_t p2m;
        bool ok;
    } cases[] = {
        {KBASE, false},
        {KBASE + 0x1000, false},
        {KBASE + KSIZE - 1, false},
        {KBASE + KSIZE, true},
        {KBASE - 1, true},
        {0xffffea0000000000ULL, true},
        {0, true},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, 0);
        o_num(&notes, N_INIT_P2M, cases[i].p2m, 8);
        kernel(&notes);
        struct call *c = parse();
        char what[64];
        snprintf(what, sizeof(what), "INIT_P2M %#llx", (unsigned long long)cases[i].p2m);
        if (cases[i].ok) {
            expect_ok(c, what);
            assert_int_equal(c->n.init_p2m, cases[i].p2m);
        } else {
            expect_refused(c, what);
        }
    }
}

static void test_mod_start_pfn(void **state)
{
    static const struct {
        uint64_t value;
        uint32_t size;
        bool set;
    } cases[] = {{1, 8, true},     {1, 4, true},  {1, 1, true},
                 {0x100, 2, true}, {0, 8, false}, {1, 3, false}};
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, 0);
        o_num(&notes, N_MOD_START_PFN, cases[i].value, cases[i].size);
        kernel(&notes);
        struct call *c = parse();
        expect_ok(c, "MOD_START_PFN");
        if (c->n.mod_start_pfn != cases[i].set)
            unit_fail("MOD_START_PFN %#llx in %u bytes: %d, expected %d",
                      (unsigned long long)cases[i].value, cases[i].size, c->n.mod_start_pfn,
                      cases[i].set);
    }
    check_baseline();
    assert_false(cur->n.mod_start_pfn);
}

/* --- features --------------------------------------------------------------------- */

struct feature_case {
    const char *features;
    bool ok;
    uint32_t supported, required;
};

static void run_feature_notes(const struct feature_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        std_notes(&notes, OMIT(N_FEATURES) | OMIT(N_SUPPORTED_FEATURES));
        eb_xen_str(&notes, N_FEATURES, cases[i].features);
        kernel(&notes);
        struct call *c = parse();
        char what[400];
        snprintf(what, sizeof(what), "FEATURES \"%.300s\"", cases[i].features);
        if (!cases[i].ok) {
            expect_refused(c, what);
            continue;
        }
        expect_ok(c, what);
        if (c->n.f_supported != cases[i].supported || c->n.f_required != cases[i].required)
            unit_fail("%s: supported %#x required %#x, expected %#x %#x", what, c->n.f_supported,
                      c->n.f_required, cases[i].supported, cases[i].required);
    }
}

static void test_features_note(void **state)
{
    static const struct feature_case cases[] = {
        {"writable_page_tables|!dom0|hvm_callback_vector", true,
         F_WRITABLE_PAGE_TABLES | F_DOM0 | F_HVM_CALLBACK_VECTOR, F_DOM0},
        {"!writable_page_tables|!writable_descriptor_tables|auto_translated_physmap|"
         "supervisor_mode_kernel|pae_pgdir_above_4gb",
         true, 0x1f, F_WRITABLE_PAGE_TABLES | F_WRITABLE_DESC_TABLES},
        {"no_such_feature|dom0", true, F_DOM0, 0},
        {"!no_such_feature|dom0", false, 0, 0},
        {"dom0|!no_such_feature", false, 0, 0},
        {"dom0||writable_page_tables", true, F_DOM0 | F_WRITABLE_PAGE_TABLES, 0},
        {"|dom0|", true, F_DOM0, 0},
        {"||", true, 0, 0},
        {"", true, 0, 0},
        {"!", false, 0, 0},
        {"dom0 ", true, 0, 0},
        {"!dom0 ", false, 0, 0},
        {"!writable_page", false, 0, 0},
        {"writable_page_tables_and_more", true, 0, 0},
        {"!Dom0", false, 0, 0},
    };
    run_feature_notes(cases, N_ELEMS(cases));

    /* Two FEATURES notes, and SUPPORTED_FEATURES: all ORed. */
    std_notes(&notes, OMIT(N_FEATURES) | OMIT(N_SUPPORTED_FEATURES));
    eb_xen_str(&notes, N_FEATURES, "dom0");
    eb_xen_str(&notes, N_FEATURES, "!writable_page_tables");
    eb_xen_num(&notes, N_SUPPORTED_FEATURES, F_AUTO_TRANSLATED, 4);
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "two FEATURES notes and SUPPORTED_FEATURES");
    assert_int_equal(c->n.f_supported, F_DOM0 | F_WRITABLE_PAGE_TABLES | F_AUTO_TRANSLATED);
    assert_int_equal(c->n.f_required, F_WRITABLE_PAGE_TABLES);
}

/*
 * Xen parses the FEATURES note whole, however long (its parser copes with
 * any length); a long list must not be cut short before it is parsed.
 */
static void test_features_long(void **state)
{
    char list[512] = "";
    /* 12 x 20 characters of optional features, then a required one: 261. */
    for (int i = 0; i < 12; i++)
        strcat(list, "hvm_callback_vector|");
    strcat(list, "!writable_page_tables");
    char bars[512];
    memset(bars, '|', 300);
    strcpy(bars + 300, "!dom0");
    const struct {
        const char *what, *features;
        uint32_t supported, required;
    } cases[] = {
        {"12 optional features, then !writable_page_tables (261 characters)", list,
         F_HVM_CALLBACK_VECTOR | F_WRITABLE_PAGE_TABLES, F_WRITABLE_PAGE_TABLES},
        {"300 '|', then !dom0", bars, F_DOM0, F_DOM0},
    };
    char failed[512] = "";
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, OMIT(N_FEATURES) | OMIT(N_SUPPORTED_FEATURES));
        eb_xen_str(&notes, N_FEATURES, cases[i].features);
        kernel(&notes);
        struct call *c = parse();
        size_t used = strlen(failed);
        if (c->ret != 0)
            snprintf(failed + used, sizeof(failed) - used, " [%s: refused: %s]", cases[i].what,
                     c->why ? c->why : "?");
        else if (c->n.f_supported != cases[i].supported || c->n.f_required != cases[i].required)
            snprintf(failed + used, sizeof(failed) - used,
                     " [%s: supported %#x required %#x, expected %#x %#x]", cases[i].what,
                     c->n.f_supported, c->n.f_required, cases[i].supported, cases[i].required);
    }
    if (failed[0])
        unit_fail("a long FEATURES note must be parsed whole, as Xen does:%s", failed);
}

static void test_supported_features(void **state)
{
    static const uint8_t words[12] = {0x01, 0x08, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff};
    static const struct {
        uint32_t size;
        uint32_t expected;
    } cases[] = {{4, 0x80000801u}, {8, 0x80000801u}, {12, 0x80000801u}, {0, 0}};
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        std_notes(&notes, OMIT(N_FEATURES) | OMIT(N_SUPPORTED_FEATURES));
        eb_xen_bytes(&notes, N_SUPPORTED_FEATURES, words, cases[i].size);
        kernel(&notes);
        struct call *c = parse();
        expect_ok(c, "SUPPORTED_FEATURES");
        if (c->n.f_supported != cases[i].expected || c->n.f_required != 0)
            unit_fail("SUPPORTED_FEATURES of %u bytes: supported %#x required %#x, expected %#x 0",
                      cases[i].size, c->n.f_supported, c->n.f_required, cases[i].expected);
    }
    /* Two notes: ORed. */
    std_notes(&notes, OMIT(N_FEATURES) | OMIT(N_SUPPORTED_FEATURES));
    eb_xen_num(&notes, N_SUPPORTED_FEATURES, 0x1, 4);
    eb_xen_num(&notes, N_SUPPORTED_FEATURES, 0x800, 4);
    kernel(&notes);
    struct call *c = parse();
    expect_ok(c, "two SUPPORTED_FEATURES notes");
    assert_int_equal(c->n.f_supported, 0x801);
}

/*
 * Xen reads SUPPORTED_FEATURES as an array of 32-bit words
 * (elf_note_numeric_array: a desc size that is not a multiple of 4 gives
 * 0), so a desc of 1, 2, 3, 5, 6 or 7 bytes adds no feature.
 */
static void test_supported_features_odd_sizes(void **state)
{
    static const uint8_t bytes[8] = {0x01, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff, 0xff};
    static const uint32_t sizes[] = {1, 2, 3, 5, 6, 7};
    char failed[256] = "";
    for (unsigned int i = 0; i < N_ELEMS(sizes); i++) {
        std_notes(&notes, OMIT(N_FEATURES) | OMIT(N_SUPPORTED_FEATURES));
        eb_xen_bytes(&notes, N_SUPPORTED_FEATURES, bytes, sizes[i]);
        kernel(&notes);
        struct call *c = parse();
        expect_ok(c, "SUPPORTED_FEATURES of an odd size");
        if (c->n.f_supported != 0)
            snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), " %u bytes -> %#x;",
                     sizes[i], c->n.f_supported);
    }
    if (failed[0])
        unit_fail("SUPPORTED_FEATURES of a size not a multiple of 4 must add nothing (as Xen), "
                  "got:%s",
                  failed);
}

/* xen_notes_parse_features on its own, in a child. */
struct features_call {
    char s[512];
    uint32_t supported, required;
    int ret;
};

static void do_features(void *arg)
{
    struct features_call *f = arg;
    f->ret = xen_notes_parse_features(f->s, &f->supported, &f->required);
}

static void test_parse_features(void **state)
{
    static const struct {
        const char *s;
        int ret;
        uint32_t supported, required; /* added to 0x80000000 and 0x40000000 */
    } cases[] = {
        {"", 0, 0, 0},
        {"writable_page_tables", 0, F_WRITABLE_PAGE_TABLES, 0},
        {"!writable_page_tables", 0, F_WRITABLE_PAGE_TABLES, F_WRITABLE_PAGE_TABLES},
        {"writable_descriptor_tables", 0, F_WRITABLE_DESC_TABLES, 0},
        {"auto_translated_physmap", 0, F_AUTO_TRANSLATED, 0},
        {"!supervisor_mode_kernel", 0, F_SUPERVISOR_MODE, F_SUPERVISOR_MODE},
        {"pae_pgdir_above_4gb|hvm_callback_vector|dom0", 0,
         F_PAE_PGDIR_ABOVE_4GB | F_HVM_CALLBACK_VECTOR | F_DOM0, 0},
        {"writable_page_tables_", 0, 0, 0},
        {"writable_page", 0, 0, 0},
        {"riteable_page_tables", 0, 0, 0},
        {"|||", 0, 0, 0},
        {"a||b", 0, 0, 0},
        {"dom0||!hvm_callback_vector", 0, F_DOM0 | F_HVM_CALLBACK_VECTOR, F_HVM_CALLBACK_VECTOR},
        {"!!dom0", -1, 0, 0},
        {"!|dom0", -1, 0, 0},
        {"dom0|!", -1, 0, 0},
        {"!nope", -1, 0, 0},
        {"nope", 0, 0, 0},
    };
    struct features_call *f = unit_shared(sizeof(*f));
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        memset(f, 0, sizeof(*f));
        strcpy(f->s, cases[i].s);
        f->supported = 0x80000000u;
        f->required = 0x40000000u;
        if (!unit_isolated(do_features, f))
            unit_fail("xen_notes_parse_features(\"%s\") crashed (report above)", cases[i].s);
        if (f->ret != cases[i].ret)
            unit_fail("\"%s\": returned %d, expected %d", cases[i].s, f->ret, cases[i].ret);
        if (cases[i].ret == 0 && (f->supported != (0x80000000u | cases[i].supported) ||
                                  f->required != (0x40000000u | cases[i].required)))
            unit_fail("\"%s\": supported %#x required %#x, expected %#x %#x", cases[i].s,
                      f->supported, f->required, 0x80000000u | cases[i].supported,
                      0x40000000u | cases[i].required);
    }
    /* A long unknown optional name. */
    memset(f, 0, sizeof(*f));
    memset(f->s, 'x', 400);
    if (!unit_isolated(do_features, f) || f->ret != 0 || f->supported || f->required)
        unit_fail("a 400-character unknown optional feature: ret %d supported %#x", f->ret,
                  f->supported);
    unit_shared_free(f, sizeof(*f));
}

/* --- mutation fuzz ---------------------------------------------------------------- */

struct fuzz {
    struct unit_rng rng;
    unsigned int iterations, at, accepted, refused;
    char violation[512];
};

static bool terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static const char *accepted_wrongly(const struct xen_notes *n)
{
    if (!terminated(n->loader, sizeof(n->loader)) ||
        !terminated(n->guest_os, sizeof(n->guest_os)) ||
        !terminated(n->guest_version, sizeof(n->guest_version)) ||
        !terminated(n->xen_version, sizeof(n->xen_version)) ||
        !terminated(n->pae_mode, sizeof(n->pae_mode)) ||
        !terminated(n->features, sizeof(n->features)))
        return "a string field is not NUL-terminated";
    if (strncmp(n->loader, "generic", 7) && strncmp(n->guest_os, "linux", 5))
        return "accepted without LOADER generic or GUEST_OS linux";
    if (strncmp(n->xen_version, "xen-3.0", 7))
        return "accepted without XEN_VERSION xen-3.0";
    if (n->virt_base == UNSET || n->paddr_offset == UNSET || n->entry == UNSET)
        return "virt_base, paddr_offset or entry left unset";
    if (n->virt_kstart > n->virt_kend || n->entry < n->virt_kstart || n->entry > n->virt_kend ||
        n->virt_base > n->virt_kstart)
        return "accepted an inconsistent layout";
    if (n->init_p2m != UNSET && n->init_p2m >= n->virt_kstart && n->init_p2m < n->virt_kend)
        return "accepted INIT_P2M inside the kernel";
    if (n->f_required & ~n->f_supported)
        return "a required feature is not supported";
    return NULL;
}

static void do_fuzz(void *arg)
{
    struct fuzz *f = arg;
    /* The regions worth mutating: the notes (segment and section) and their headers. */
    const size_t seg_lo = b.ph[1].p_offset, seg_hi = seg_lo + b.ph[1].p_filesz;
    const size_t sec_lo = b.sh[1].sh_offset, sec_hi = sec_lo + b.sh[1].sh_size;
    const size_t ph_lo = sizeof(struct elf64_ehdr) + sizeof(struct elf64_phdr);
    const size_t sh_lo = b.eh.e_shoff + sizeof(struct elf64_shdr);
    static uint8_t img[EB_IMAGE_MAX];
    for (unsigned int it = 0; it < f->iterations; it++) {
        f->at = it;
        memcpy(img, b.bytes, b.len);
        unsigned int muts = 1 + (unsigned int)unit_below(&f->rng, 4);
        for (unsigned int k = 0; k < muts; k++) {
            size_t lo, hi;
            switch (unit_below(&f->rng, 8)) {
            case 0:
                lo = ph_lo, hi = ph_lo + sizeof(struct elf64_phdr);
                break;
            case 1:
                lo = sh_lo, hi = sh_lo + sizeof(struct elf64_shdr);
                break;
            case 2:
            case 3:
                lo = sec_lo, hi = sec_hi;
                break;
            default:
                lo = seg_lo, hi = seg_hi;
                break;
            }
            size_t at = lo + (size_t)unit_below(&f->rng, hi - lo);
            switch (unit_below(&f->rng, 4)) {
            case 0:
                img[at] ^= (uint8_t)(1u << unit_below(&f->rng, 8));
                break;
            case 1:
                img[at] = (uint8_t)unit_rand(&f->rng);
                break;
            case 2:
                img[at] = 0;
                break;
            default: {
                /* A 32-bit word (a note size or type) near a small or huge value. */
                at &= ~(size_t)3;
                if (at < lo || at + 4 > hi)
                    break;
                uint32_t v = unit_below(&f->rng, 2)
                                 ? (uint32_t)unit_below(&f->rng, 40)
                                 : 0xffffffffu - (uint32_t)unit_below(&f->rng, 8);
                memcpy(img + at, &v, 4);
                break;
            }
            }
        }
        uint8_t *buf = malloc(b.len);
        memcpy(buf, img, b.len);
        struct elf_image ei;
        const char *why = NULL;
        struct xen_notes n;
        const char *bad = NULL;
        if (elf_image_open(&ei, buf, b.len, &why) == 0) {
            why = NULL;
            int ret = xen_notes_parse(&ei, &n, &why);
            if (ret == 0) {
                f->accepted++;
                bad = accepted_wrongly(&n);
            } else {
                f->refused++;
                if (ret != -1 || !why || !why[0])
                    bad = "refused without -1 and a reason";
            }
        }
        if (bad && !f->violation[0])
            snprintf(f->violation, sizeof(f->violation), "mutation %u: %s", it, bad);
        free(buf);
    }
}

static void test_notes_fuzz(void **state)
{
    /* Notes in a PT_NOTE and in a SHT_NOTE section, with layout notes to break. */
    std_notes(&notes, 0);
    o_num(&notes, N_INIT_P2M, 0xffffea0000000000ULL, 8);
    std_notes(&notes2, 0);
    kernel_at(0, KBASE + 0x40, &notes, &notes2, NULL);
    expect_ok(parse(), "the fuzz's starting point");
    struct fuzz *f = unit_shared(sizeof(*f));
    unit_rng_init(&f->rng, "test_notes_fuzz");
    f->iterations = 10000;
    bool ok = unit_isolated(do_fuzz, f);
    printf("[   INFO   ] %u mutations: %u accepted, %u refused\n", f->iterations, f->accepted,
           f->refused);
    if (!ok)
        unit_fail("crashed or tripped a sanitizer at mutation %u (report above; replay with the "
                  "seed printed)",
                  f->at);
    if (f->violation[0])
        unit_fail("%s", f->violation);
    assert_true(f->accepted > 0 && f->refused > 0);
    unit_shared_free(f, sizeof(*f));
}

/* --- the real pvkernel ------------------------------------------------------------ */

static void test_start_of_day_image(void **state)
{
    FILE *fp = fopen(UNIT_START_OF_DAY, "rb");
    if (!fp) {
        printf("[   INFO   ] %s not built (make): skipped\n", UNIT_START_OF_DAY);
        skip();
    }
    static uint8_t file[4 << 20];
    size_t len = fread(file, 1, sizeof(file), fp);
    bool whole = feof(fp);
    fclose(fp);
    assert_true(whole && len > 0);
    struct call *c = parse_bytes(file, len, 0);
    expect_ok(c, UNIT_START_OF_DAY);
    assert_int_equal(c->n.virt_base, KBASE);
    assert_string_equal(c->n.loader, "generic");
    assert_string_equal(c->n.guest_os, "pvkernel");
    assert_string_equal(c->n.xen_version, "xen-3.0");
    assert_true(c->n.f_supported & F_DOM0);
    assert_true(c->n.virt_kstart >= c->n.virt_base);
    assert_true(c->n.entry >= c->n.virt_kstart && c->n.entry <= c->n.virt_kend);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pvkernel_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_numeric_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loader_or_linux, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xen_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_xen_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_owners_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_types_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_note_past_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namesz_huge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_as_c_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_not_terminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_at_buffer_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numeric_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pt_note_offset_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_section_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_note_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virt_base_paddr_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virt_base_above_kstart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_p2m, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mod_start_pfn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_features_note, setup, teardown),
        cmocka_unit_test_setup_teardown(test_features_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supported_features, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supported_features_odd_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_features, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notes_fuzz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_of_day_image, setup, teardown),
    };
    return unit_run(tests);
}
