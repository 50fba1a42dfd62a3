/*
 * The ELF64 image reader (lib/elf/elf_image.c, elf_image.h) on images built
 * in memory (elf_builder.h): a good image (pstart/pend, the program and
 * section header accessors, elf_image_load handing over every PT_LOAD with
 * its paddr, file bytes, filesz and memsz, in order, and stopping at the
 * first non-zero result); optional section headers (used when sane, ignored
 * when not); hostile headers (short buffers, bad magic, class, byte order,
 * version, machine and type), hostile program header tables (none, wrong
 * entry size, outside the buffer, offset + size overflowing, more than
 * ELF_MAX_SEGMENTS, misaligned) and hostile PT_LOADs (file bytes outside
 * the buffer, filesz > memsz, paddr or vaddr ranges wrapping, overlapping
 * segments -- touching ones are fine -- and no PT_LOAD at all); an image at
 * an address that is not 8-byte aligned; a truncation sweep (every length
 * of a good image opens with the expected fields or is refused); and a
 * seeded random mutation fuzz of the header bytes checking that whatever
 * opens is what the header promises (tables and PT_LOAD bytes inside the
 * buffer, no wrapping, no overlap, pstart/pend right).
 *
 * Every image sits at the very end of a heap block of exactly its size, so
 * ASan reports any read past it, and every open runs in a child process so
 * that a crash or a sanitizer report fails one test, not the binary.
 */
#include "unit.h"
#include "elf_builder.h"
#include <elf/elf_image.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define EH_SIZE    sizeof(struct elf64_ehdr)
#define PH_SIZE    sizeof(struct elf64_phdr)
#define SH_SIZE    sizeof(struct elf64_shdr)

/* --- running elf_image_open (and elf_image_load) in a child ---------------------- */

struct load_rec {
    uint64_t paddr, src_off, filesz, memsz;
    bool in_buffer; /* [src, src + filesz) inside the image */
    bool bytes_ok;  /* and equal to the image's bytes there */
};

struct call {
    /* in */
    const uint8_t *data;
    size_t size;
    bool load;
    unsigned int stop_at; /* load returns stop_rc at this call (1-based); 0: never */
    int stop_rc;
    /* out */
    int ret;
    const char *why;
    struct elf_image img;
    int load_ret;
    unsigned int nloads;
    struct load_rec loads[ELF_MAX_SEGMENTS + 1];
};

static struct call *cur;
static struct eb_placed placed;
static struct eb b;

static int record_load(void *ctx, uint64_t paddr, const void *src, uint64_t filesz, uint64_t memsz)
{
    struct call *c = ctx;
    unsigned int n = c->nloads++;
    if (n < N_ELEMS(c->loads)) {
        struct load_rec *r = &c->loads[n];
        const uint8_t *s = src;
        r->paddr = paddr;
        r->filesz = filesz;
        r->memsz = memsz;
        r->in_buffer = s >= c->data && (size_t)(s - c->data) <= c->size &&
                       filesz <= c->size - (size_t)(s - c->data);
        r->src_off = r->in_buffer ? (uint64_t)(s - c->data) : UINT64_MAX;
        /* Reads every byte handed over: ASan has its say too. */
        r->bytes_ok = r->in_buffer && (filesz == 0 || memcmp(s, b.bytes + r->src_off, filesz) == 0);
    }
    return c->nloads == c->stop_at ? c->stop_rc : 0;
}

static void do_open(void *arg)
{
    struct call *c = arg;
    c->why = NULL;
    c->ret = elf_image_open(&c->img, c->data, c->size, &c->why);
    if (c->ret == 0 && c->load)
        c->load_ret = elf_image_load(&c->img, record_load, c);
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

/*
 * Opens the first `size` bytes of bytes[0..len) placed `misalign` bytes into
 * a heap block that ends where they end; loads it too when it opens.
 */
static struct call *open_bytes(const uint8_t *bytes, size_t len, size_t size, size_t misalign,
                               unsigned int stop_at, int stop_rc)
{
    eb_unplace(&placed);
    eb_place(&placed, bytes, len, size, misalign);
    memset(cur, 0, sizeof(*cur));
    cur->data = placed.data;
    cur->size = size;
    cur->load = true;
    cur->stop_at = stop_at;
    cur->stop_rc = stop_rc;
    cur->ret = 12345;
    if (!unit_isolated(do_open, cur))
        unit_fail("elf_image_open/elf_image_load crashed or tripped a sanitizer on %zu bytes at "
                  "an address %zu past a heap block's start (report above)",
                  size, misalign);
    return cur;
}

static struct call *open_image(const struct eb *img)
{
    return open_bytes(img->bytes, img->len, img->len, 0, 0, 0);
}

static void expect_opens(const struct call *c, const char *what)
{
    if (c->ret != 0)
        unit_fail("%s: refused (%d: %s), expected to open", what, c->ret,
                  c->why ? c->why : "no reason");
}

static void expect_refused(const struct call *c, const char *what)
{
    if (c->ret != -1)
        unit_fail("%s: elf_image_open returned %d, expected -1 (pstart %#llx pend %#llx)", what,
                  c->ret, (unsigned long long)c->img.pstart, (unsigned long long)c->img.pend);
    if (!c->why || !c->why[0])
        unit_fail("%s: refused without a reason", what);
}

/* --- the images ---------------------------------------------------------------- */

static struct eb_notes gnu_notes;

/*
 * Program headers: 0 PT_LOAD 0x100000 (0x1f0 bytes, 0x300 in memory),
 * 1 PT_GNU_STACK, 2 PT_LOAD 0x200000 (0x88 bytes, 0x2000 in memory),
 * 3 PT_NOTE, 4 PT_LOAD 0x180000 (no file bytes, 0x1000 in memory); with
 * `sections`, a null and a SHT_NOTE section after them.
 */
#define GOOD_PHNUM  5
#define GOOD_PSTART 0x100000ULL
#define GOOD_PEND   0x202000ULL
static const unsigned int good_loads[] = {0, 2, 4};

static void good_image(struct eb *img, bool sections)
{
    static const uint8_t build_id[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    eb_notes_init(&gnu_notes);
    eb_note(&gnu_notes, "GNU", 4, 3, build_id, sizeof(build_id));
    eb_init(img, 0xffffffff80100040ULL);
    eb_load(img, 0x100000, 0xffffffff80100000ULL, 0x1f0, 0x300);
    eb_phdr(img, EB_PT_GNU_STACK);
    eb_load(img, 0x200000, 0xffffffff80200000ULL, 0x88, 0x2000);
    eb_note_segment(img, &gnu_notes);
    eb_load(img, 0x180000, 0xffffffff80180000ULL, 0, 0x1000);
    if (sections)
        eb_note_section(img, &gnu_notes);
    eb_layout(img);
}

/* Checks a successful open of the good image (or a shifted copy) and its loads. */
static void check_good(const struct call *c, const struct eb *img, const char *what)
{
    expect_opens(c, what);
    assert_ptr_equal(c->img.data, c->data);
    assert_int_equal(c->img.size, c->size);
    assert_ptr_equal(c->img.ehdr, c->data);
    assert_int_equal(c->img.phnum, GOOD_PHNUM);
    assert_int_equal(c->img.pstart, GOOD_PSTART);
    assert_int_equal(c->img.pend, GOOD_PEND);
    for (unsigned int i = 0; i < GOOD_PHNUM; i++)
        assert_ptr_equal(elf_image_phdr(&c->img, i), c->data + img->eh.e_phoff + i * PH_SIZE);
    assert_null(elf_image_phdr(&c->img, GOOD_PHNUM));
    assert_null(elf_image_phdr(&c->img, 1000));
    assert_int_equal(c->load_ret, 0);
    assert_int_equal(c->nloads, N_ELEMS(good_loads));
    for (unsigned int k = 0; k < N_ELEMS(good_loads); k++) {
        const struct elf64_phdr *ph = &img->ph[good_loads[k]];
        const struct load_rec *r = &c->loads[k];
        if (r->paddr != ph->p_paddr || r->src_off != ph->p_offset || r->filesz != ph->p_filesz ||
            r->memsz != ph->p_memsz || !r->bytes_ok)
            unit_fail("%s: load %u: paddr %#llx src +%#llx filesz %#llx memsz %#llx bytes %s; "
                      "expected %#llx +%#llx %#llx %#llx",
                      what, k, (unsigned long long)r->paddr, (unsigned long long)r->src_off,
                      (unsigned long long)r->filesz, (unsigned long long)r->memsz,
                      r->bytes_ok ? "right" : "wrong", (unsigned long long)ph->p_paddr,
                      (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz,
                      (unsigned long long)ph->p_memsz);
    }
}

/* --- good images --------------------------------------------------------------- */

static void test_good_image(void **state)
{
    good_image(&b, false);
    struct call *c = open_image(&b);
    check_good(c, &b, "good image");
    assert_int_equal(c->img.shnum, 0);
    assert_null(elf_image_shdr(&c->img, 0));

    /* Bytes after the image are nobody's business. */
    c = open_bytes(b.bytes, b.len, b.len + 4096, 0, 0, 0);
    check_good(c, &b, "good image with trailing bytes");

    /* The program headers need not follow the ELF header at once. */
    good_image(&b, false);
    b.ph_pad = 64;
    eb_layout(&b);
    check_good(open_image(&b), &b, "program headers at offset 128");
}

static void test_load_stops(void **state)
{
    good_image(&b, false);
    static const struct {
        unsigned int stop_at;
        int rc;
    } cases[] = {{1, -1}, {2, 42}, {3, 7}, {1, 1}};
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        struct call *c = open_bytes(b.bytes, b.len, b.len, 0, cases[i].stop_at, cases[i].rc);
        expect_opens(c, "good image");
        if (c->load_ret != cases[i].rc || c->nloads != cases[i].stop_at)
            unit_fail("load returning %d at call %u: elf_image_load returned %d after %u calls",
                      cases[i].rc, cases[i].stop_at, c->load_ret, c->nloads);
    }
}

static void test_image_edges(void **state)
{
    /* One PT_LOAD. */
    eb_init(&b, 0x1000);
    eb_load(&b, 0x1000, 0x1000, 0x10, 0x10);
    eb_layout(&b);
    struct call *c = open_image(&b);
    expect_opens(c, "one PT_LOAD");
    assert_int_equal(c->img.phnum, 1);
    assert_int_equal(c->img.pstart, 0x1000);
    assert_int_equal(c->img.pend, 0x1010);
    assert_int_equal(c->nloads, 1);
    assert_true(c->loads[0].bytes_ok);

    /* The last PT_LOAD's file bytes end exactly where the image does. */
    eb_init(&b, 0x1000);
    eb_load(&b, 0x1000, 0x1000, 0x10, 0x10);
    eb_load(&b, 0x2000, 0x2000, 0x21, 0x100);
    eb_layout(&b);
    assert_int_equal(b.ph[1].p_offset + b.ph[1].p_filesz, b.len);
    c = open_image(&b);
    expect_opens(c, "file bytes up to the image's last byte");
    assert_int_equal(c->img.pend, 0x2100);
    assert_int_equal(c->nloads, 2);
    assert_true(c->loads[0].bytes_ok && c->loads[1].bytes_ok);
    expect_refused(open_bytes(b.bytes, b.len, b.len - 1, 0, 0, 0), "last byte cut off");

    /* A PT_LOAD with no file bytes at offset == size (the good image's last). */
    good_image(&b, false);
    assert_int_equal(b.ph[4].p_offset, b.len);
    check_good(open_image(&b), &b, "empty file bytes at the image's end");
}

static void test_section_headers(void **state)
{
    good_image(&b, true);
    struct call *c = open_image(&b);
    check_good(c, &b, "good image with sections");
    assert_int_equal(c->img.shnum, 2);
    const struct elf64_shdr *sh = elf_image_shdr(&c->img, 1);
    assert_ptr_equal(elf_image_shdr(&c->img, 0), c->data + b.eh.e_shoff);
    assert_ptr_equal(sh, c->data + b.eh.e_shoff + SH_SIZE);
    assert_int_equal(sh->sh_type, SHT_NOTE);
    assert_int_equal(sh->sh_offset, b.sh[1].sh_offset);
    assert_null(elf_image_shdr(&c->img, 2));

    /* A section header table that is not usable is ignored, not fatal. */
    enum { KEEP, PLUS4, AT_END, WRAPS };
    static const struct {
        const char *what;
        int shoff;
        uint16_t shentsize, shnum;
    } bad[] = {
        {"shentsize 40", KEEP, 40, 2},
        {"shentsize 0", KEEP, 0, 2},
        {"shoff misaligned", PLUS4, SH_SIZE, 2},
        {"shoff at the end", AT_END, SH_SIZE, 2},
        {"shnum one too many", KEEP, SH_SIZE, 3},
        {"shnum 0xffff", KEEP, SH_SIZE, 0xffff},
        {"shoff + shnum * size wrapping to a small number", WRAPS, SH_SIZE, 2},
        {"shnum 0", KEEP, SH_SIZE, 0},
    };
    for (unsigned int i = 0; i < N_ELEMS(bad); i++) {
        good_image(&b, true);
        if (bad[i].shoff == PLUS4)
            b.eh.e_shoff += 4;
        else if (bad[i].shoff == AT_END)
            b.eh.e_shoff = b.len;
        else if (bad[i].shoff == WRAPS)
            b.eh.e_shoff = 0 - (uint64_t)SH_SIZE; /* + 2 entries = 64 */
        b.eh.e_shentsize = bad[i].shentsize;
        b.eh.e_shnum = bad[i].shnum;
        eb_emit(&b);
        /* Room after the table, so that only its alignment is wrong when misaligned. */
        c = open_bytes(b.bytes, b.len, b.len + (bad[i].shoff == PLUS4 ? 8 : 0), 0, 0, 0);
        check_good(c, &b, bad[i].what);
        if (c->img.shnum != 0)
            unit_fail("%s: shnum %u, expected the table ignored", bad[i].what, c->img.shnum);
        assert_null(elf_image_shdr(&c->img, 0));
    }
}

/* --- hostile headers ----------------------------------------------------------- */

/* Little-endian patches of the good image's bytes. */
struct patch {
    size_t off;
    unsigned int width; /* 0 ends the list */
    uint64_t value;
};

#define EHF(f)   offsetof(struct elf64_ehdr, f), sizeof(((struct elf64_ehdr *)0)->f)
#define IDENT(i) offsetof(struct elf64_ehdr, e_ident) + (i), 1
#define PHF(i, f)                                                                                  \
    (EH_SIZE + (i)*PH_SIZE + offsetof(struct elf64_phdr, f)), sizeof(((struct elf64_phdr *)0)->f)

struct hostile {
    const char *what;
    struct patch p[4];
};

static uint8_t patched[EB_IMAGE_MAX];

static struct call *open_patched(const struct eb *img, const struct patch *p)
{
    memcpy(patched, img->bytes, img->len);
    for (; p->width; p++)
        for (unsigned int i = 0; i < p->width; i++)
            patched[p->off + i] = (uint8_t)(p->value >> (8 * i));
    return open_bytes(patched, img->len, img->len, 0, 0, 0);
}

static void run_hostile(const struct hostile *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        good_image(&b, false);
        struct call *c = open_patched(&b, cases[i].p);
        expect_refused(c, cases[i].what);
        if (c->nloads)
            unit_fail("%s: refused, yet loaded", cases[i].what);
    }
}

static void test_short_buffers(void **state)
{
    good_image(&b, false);
    static const size_t sizes[] = {0, 1, 4, 16, EH_SIZE - 1};
    for (unsigned int i = 0; i < N_ELEMS(sizes); i++) {
        char what[64];
        snprintf(what, sizeof(what), "%zu bytes of a good image", sizes[i]);
        expect_refused(open_bytes(b.bytes, b.len, sizes[i], 0, 0, 0), what);
    }
    /* An ELF header and nothing else: its program headers are missing. */
    expect_refused(open_bytes(b.bytes, b.len, EH_SIZE, 0, 0, 0), "only the ELF header");
}

static void test_hostile_ident(void **state)
{
    static const struct hostile cases[] = {
        {"magic byte 0", {{IDENT(0), 0x7e}}},
        {"magic 'e'", {{IDENT(1), 'e'}}},
        {"magic byte 3", {{IDENT(3), 'f'}}},
        {"no class", {{IDENT(4), 0}}},
        {"32-bit class", {{IDENT(4), 1}}},
        {"class 3", {{IDENT(4), 3}}},
        {"big-endian", {{IDENT(5), 2}}},
        {"no byte order", {{IDENT(5), 0}}},
        {"ident version 0", {{IDENT(6), 0}}},
        {"ident version 2", {{IDENT(6), 2}}},
        {"machine EM_386", {{EHF(e_machine), 3}}},
        {"machine 0", {{EHF(e_machine), 0}}},
        {"machine EM_AARCH64", {{EHF(e_machine), 183}}},
        {"machine byte-swapped", {{EHF(e_machine), 0x3e00}}},
        {"ET_DYN", {{EHF(e_type), 3}}},
        {"ET_REL", {{EHF(e_type), 1}}},
        {"ET_CORE", {{EHF(e_type), 4}}},
        {"ET_NONE", {{EHF(e_type), 0}}},
    };
    run_hostile(cases, N_ELEMS(cases));
}

static void test_hostile_phdr_table(void **state)
{
    good_image(&b, false);
    uint64_t len = b.len;
    static struct hostile cases[] = {
        {"phnum 0", {{EHF(e_phnum), 0}}},
        {"phentsize 0", {{EHF(e_phentsize), 0}}},
        {"phentsize 32", {{EHF(e_phentsize), 32}}},
        {"phentsize 57", {{EHF(e_phentsize), 57}}},
        {"phentsize 64", {{EHF(e_phentsize), 64}}},
        {"phoff 0 (the table would be the ELF header)", {{EHF(e_phoff), 0}}},
        {"phoff at the end", {{EHF(e_phoff), 0}}},
        {"phoff past the end", {{EHF(e_phoff), 0}}},
        {"table running past the end", {{EHF(e_phoff), 0}}},
        {"phnum 0xffff", {{EHF(e_phnum), 0xffff}}},
        {"phoff + phnum * size wrapping to a small number", {{EHF(e_phoff), 0 - 64ULL}}},
        {"phoff ~0", {{EHF(e_phoff), ~0ULL}}},
        {"phoff misaligned by 4", {{EHF(e_phoff), EH_SIZE + 4}}},
        {"phoff misaligned by 1", {{EHF(e_phoff), EH_SIZE + 1}}},
    };
    /* phoff 0: the ELF header read as program headers has no PT_LOAD; and
     * the offsets that depend on the image's length. */
    cases[6].p[0].value = len;
    cases[7].p[0].value = (len + 64) & ~7ULL;
    cases[8].p[0].value = (len - (GOOD_PHNUM - 1) * PH_SIZE) & ~7ULL;
    run_hostile(cases, N_ELEMS(cases));
}

static void test_phnum_limit(void **state)
{
    /* ELF_MAX_SEGMENTS program headers open; one more is refused. */
    for (unsigned int n = ELF_MAX_SEGMENTS - 1; n <= ELF_MAX_SEGMENTS + 1; n++) {
        eb_init(&b, 0x1000);
        eb_load(&b, 0x1000, 0x1000, 0x40, 0x1000);
        for (unsigned int i = 1; i < n; i++)
            eb_phdr(&b, EB_PT_GNU_STACK);
        eb_layout(&b);
        struct call *c = open_image(&b);
        char what[64];
        snprintf(what, sizeof(what), "%u program headers", n);
        if (n <= ELF_MAX_SEGMENTS) {
            expect_opens(c, what);
            assert_int_equal(c->img.phnum, n);
            assert_int_equal(c->nloads, 1);
        } else {
            expect_refused(c, what);
        }
    }
    /* Many PT_LOADs, each loaded. */
    eb_init(&b, 0x100000);
    for (unsigned int i = 0; i < ELF_MAX_SEGMENTS; i++)
        eb_load(&b, 0x100000 + i * 0x1000ULL, 0x100000 + i * 0x1000ULL, 8 + i, 0x1000);
    eb_layout(&b);
    struct call *c = open_image(&b);
    expect_opens(c, "64 PT_LOADs");
    assert_int_equal(c->nloads, ELF_MAX_SEGMENTS);
    assert_int_equal(c->img.pstart, 0x100000);
    assert_int_equal(c->img.pend, 0x100000 + ELF_MAX_SEGMENTS * 0x1000ULL);
    for (unsigned int i = 0; i < ELF_MAX_SEGMENTS; i++)
        assert_true(c->loads[i].bytes_ok);
}

static void test_misaligned_phoff(void **state)
{
    /* A table that is whole and sane but at an offset not a multiple of 8. */
    good_image(&b, false);
    b.ph_pad = 4;
    eb_layout(&b);
    expect_refused(open_image(&b), "program headers at offset 68");
    b.ph_pad = 8;
    eb_layout(&b);
    expect_opens(open_image(&b), "program headers at offset 72");
}

/* --- hostile PT_LOADs ---------------------------------------------------------- */

static void test_hostile_loads(void **state)
{
    good_image(&b, false);
    const uint64_t len = b.len, off2 = b.ph[2].p_offset;
    static struct hostile cases[] = {
        /* 0 */ {"PT_LOAD file bytes one past the end", {{PHF(2, p_filesz), 0}}},
        /* 1 */
        {"PT_LOAD offset past the end, no file bytes",
         {{PHF(2, p_offset), 0}, {PHF(2, p_filesz), 0}}},
        /* 2 */
        {"PT_LOAD offset + filesz wrapping",
         {{PHF(2, p_offset), 0 - 0x40ULL}, {PHF(2, p_filesz), 0x80}}},
        /* 3 */ {"PT_LOAD filesz ~0", {{PHF(2, p_filesz), ~0ULL}, {PHF(2, p_memsz), ~0ULL}}},
        /* 4 */ {"PT_LOAD filesz > memsz", {{PHF(2, p_memsz), 0x87}}},
        /* 5 */ {"PT_LOAD filesz > memsz 0", {{PHF(0, p_memsz), 0}}},
        /* 6 */ {"PT_LOAD paddr + memsz wrapping", {{PHF(2, p_paddr), 0 - 0x1000ULL}}},
        /* 7 */ {"PT_LOAD paddr + memsz ending at 2^64", {{PHF(2, p_paddr), 0 - 0x2000ULL}}},
        /* 8 */ {"PT_LOAD memsz ~0", {{PHF(4, p_memsz), ~0ULL}}},
        /* 9 */ {"PT_LOAD vaddr + memsz wrapping", {{PHF(2, p_vaddr), 0 - 0x1000ULL}}},
        /* 10 */ {"PT_LOAD vaddr ~0", {{PHF(0, p_vaddr), ~0ULL}}},
        /* 11 */ {"PT_LOADs overlapping by one byte", {{PHF(2, p_paddr), GOOD_PSTART + 0x2ff}}},
        /* 12 */
        {"PT_LOAD inside another",
         {{PHF(2, p_paddr), GOOD_PSTART + 0x10}, {PHF(2, p_memsz), 0x100}}},
        /* 13 */ {"PT_LOAD around another", {{PHF(2, p_paddr), GOOD_PSTART - 0x1000}}},
        /* 14 */
        {"bss-only PT_LOAD overlapping an earlier one", {{PHF(4, p_paddr), 0x200000 + 0x1fff}}},
        /* 15 */
        {"PT_LOAD overlapping a later one from below", {{PHF(0, p_paddr), 0x180000 - 0x2ff}}},
        /* 16 */ {"same paddr twice", {{PHF(4, p_paddr), 0x200000}}},
        /* 17 */ {"no PT_LOAD", {{PHF(0, p_type), 6}, {PHF(2, p_type), 6}, {PHF(4, p_type), 0}}},
    };
    cases[0].p[0].value = len - off2 + 1;
    cases[1].p[0].value = len + 8;
    run_hostile(cases, N_ELEMS(cases));
}

static void test_touching_loads(void **state)
{
    static const struct {
        const char *what;
        struct patch p[3];
        uint64_t pstart, pend;
    } cases[] = {
        {"PT_LOAD right after another",
         {{PHF(2, p_paddr), GOOD_PSTART + 0x300}},
         GOOD_PSTART,
         0x180000 + 0x1000},
        {"PT_LOAD right before another",
         {{PHF(0, p_paddr), 0x180000 - 0x300}},
         0x180000 - 0x300,
         GOOD_PEND},
        {"empty PT_LOAD inside another",
         {{PHF(4, p_paddr), GOOD_PSTART + 0x10}, {PHF(4, p_memsz), 0}},
         GOOD_PSTART,
         GOOD_PEND},
    };
    for (unsigned int i = 0; i < N_ELEMS(cases); i++) {
        good_image(&b, false);
        struct call *c = open_patched(&b, cases[i].p);
        expect_opens(c, cases[i].what);
        if (c->img.pstart != cases[i].pstart || c->img.pend != cases[i].pend)
            unit_fail("%s: pstart %#llx pend %#llx, expected %#llx %#llx", cases[i].what,
                      (unsigned long long)c->img.pstart, (unsigned long long)c->img.pend,
                      (unsigned long long)cases[i].pstart, (unsigned long long)cases[i].pend);
        assert_int_equal(c->nloads, 3);
    }
}

/* --- alignment ----------------------------------------------------------------- */

/*
 * Nothing in elf_image.h asks for an aligned buffer: an image at any address
 * must either open and load exactly as it does when aligned or be refused
 * with a reason -- never be read through misaligned pointers (UBSan).
 */
static void test_unaligned_buffer(void **state)
{
    good_image(&b, true);
    static const size_t misalign[] = {1, 3, 4};
    for (unsigned int i = 0; i < N_ELEMS(misalign); i++) {
        char what[64];
        snprintf(what, sizeof(what), "good image %zu bytes past an aligned address", misalign[i]);
        struct call *c = open_bytes(b.bytes, b.len, b.len, misalign[i], 0, 0);
        if (c->ret == 0)
            check_good(c, &b, what);
        else
            expect_refused(c, what);
    }
}

/* --- truncation sweep ---------------------------------------------------------- */

struct sweep {
    size_t len;
    uint64_t need;  /* the shortest length that must open */
    uint64_t shend; /* the section header table's end */
    unsigned int shnum;
    size_t at; /* the length being tried */
    unsigned int opened, refused;
    char violation[512];
};

static void do_sweep(void *arg)
{
    struct sweep *s = arg;
    for (size_t n = 0; n <= s->len; n++) {
        s->at = n;
        uint8_t *buf = malloc(n);
        if (n)
            memcpy(buf, b.bytes, n);
        struct call *c = &(struct call){.data = buf, .size = n};
        c->why = NULL;
        c->ret = elf_image_open(&c->img, buf, n, &c->why);
        if (c->ret == 0) {
            c->load_ret = elf_image_load(&c->img, record_load, c);
            s->opened++;
        } else {
            s->refused++;
        }
        const char *bad = NULL;
        if (n < s->need && c->ret == 0)
            bad = "opened although a PT_LOAD's bytes or the program headers are cut off";
        else if (n >= s->need && c->ret != 0)
            bad = "refused although whole";
        else if (c->ret != 0 && c->ret != -1)
            bad = "returned neither 0 nor -1";
        else if (c->ret != 0 && (!c->why || !c->why[0]))
            bad = "refused without a reason";
        else if (c->ret == 0 && (c->img.pstart != GOOD_PSTART || c->img.pend != GOOD_PEND ||
                                 c->img.phnum != GOOD_PHNUM || c->img.size != n))
            bad = "opened with wrong pstart, pend, phnum or size";
        else if (c->ret == 0 && c->img.shnum != (n >= s->shend ? s->shnum : 0))
            bad = "section headers used although cut off, or ignored although whole";
        else if (c->ret == 0 && c->nloads != N_ELEMS(good_loads))
            bad = "loaded the wrong number of segments";
        for (unsigned int k = 0; !bad && c->ret == 0 && k < N_ELEMS(good_loads); k++)
            if (!c->loads[k].bytes_ok)
                bad = "handed over bytes outside the image or the wrong ones";
        if (bad && !s->violation[0])
            snprintf(s->violation, sizeof(s->violation), "%zu of %zu bytes: %s (ret %d: %s)", n,
                     s->len, bad, c->ret, c->ret && c->why ? c->why : "-");
        free(buf);
    }
}

static void test_truncation_sweep(void **state)
{
    good_image(&b, true);
    struct sweep *s = unit_shared(sizeof(*s));
    s->len = b.len;
    s->need = EH_SIZE + GOOD_PHNUM * PH_SIZE;
    for (unsigned int k = 0; k < N_ELEMS(good_loads); k++) {
        const struct elf64_phdr *ph = &b.ph[good_loads[k]];
        if (ph->p_offset + ph->p_filesz > s->need)
            s->need = ph->p_offset + ph->p_filesz;
    }
    s->shend = b.eh.e_shoff + b.nsh * SH_SIZE;
    s->shnum = b.nsh;
    assert_int_equal(s->shend, b.len);
    bool ok = unit_isolated(do_sweep, s);
    if (!ok)
        unit_fail("crashed or tripped a sanitizer at length %zu of %zu (report above)", s->at,
                  s->len);
    if (s->violation[0])
        unit_fail("%s", s->violation);
    /* Both outcomes happened, so the sweep tested something. */
    assert_true(s->opened > 0 && s->refused > 0);
    unit_shared_free(s, sizeof(*s));
}

/* --- mutation fuzz ------------------------------------------------------------- */

struct fuzz {
    struct unit_rng rng;
    unsigned int iterations;
    unsigned int at;
    unsigned int opened, refused;
    char violation[512];
};

static uint64_t get_le(const uint8_t *p, unsigned int width)
{
    uint64_t v = 0;
    for (unsigned int i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, unsigned int width, uint64_t v)
{
    for (unsigned int i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* What an opened image must satisfy, read back from its bytes; NULL if it does. */
static const char *opened_wrongly(const uint8_t *d, size_t size, const struct call *c)
{
    struct elf64_ehdr eh;
    memcpy(&eh, d, sizeof(eh));
    if (c->img.data != d || c->img.size != size || c->img.phnum != eh.e_phnum)
        return "data, size or phnum not those of the image";
    if (eh.e_phnum == 0 || eh.e_phnum > ELF_MAX_SEGMENTS || eh.e_phentsize != PH_SIZE ||
        (eh.e_phoff & 7) || eh.e_phoff > size || eh.e_phnum * PH_SIZE > size - eh.e_phoff)
        return "program header table bad, yet opened";
    if (c->img.shnum &&
        (c->img.shnum != eh.e_shnum || eh.e_shentsize != SH_SIZE || (eh.e_shoff & 7) ||
         eh.e_shoff > size || eh.e_shnum * SH_SIZE > size - eh.e_shoff))
        return "section header table bad, yet used";
    struct elf64_phdr ph[ELF_MAX_SEGMENTS];
    memcpy(ph, d + eh.e_phoff, eh.e_phnum * PH_SIZE);
    uint64_t pstart = UINT64_MAX, pend = 0;
    unsigned int loads = 0;
    for (unsigned int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        const struct elf64_phdr *p = &ph[i];
        if (p->p_offset > size || p->p_filesz > size - p->p_offset)
            return "a PT_LOAD's file bytes lie outside the buffer, yet opened";
        if (p->p_filesz > p->p_memsz)
            return "a PT_LOAD has filesz > memsz, yet opened";
        if (p->p_paddr + p->p_memsz < p->p_paddr || p->p_vaddr + p->p_memsz < p->p_vaddr)
            return "a PT_LOAD wraps, yet opened";
        for (unsigned int j = 0; j < i; j++)
            if (ph[j].p_type == PT_LOAD && p->p_memsz && ph[j].p_memsz &&
                p->p_paddr < ph[j].p_paddr + ph[j].p_memsz &&
                ph[j].p_paddr < p->p_paddr + p->p_memsz)
                return "two PT_LOADs overlap, yet opened";
        if (loads < N_ELEMS(c->loads)) {
            const struct load_rec *r = &c->loads[loads];
            if (!r->in_buffer || r->paddr != p->p_paddr || r->src_off != p->p_offset ||
                r->filesz != p->p_filesz || r->memsz != p->p_memsz)
                return "elf_image_load handed over something else than the PT_LOAD";
        }
        loads++;
        if (p->p_paddr < pstart)
            pstart = p->p_paddr;
        if (p->p_paddr + p->p_memsz > pend)
            pend = p->p_paddr + p->p_memsz;
    }
    if (!loads)
        return "no PT_LOAD, yet opened";
    if (c->nloads != loads)
        return "elf_image_load skipped or repeated a PT_LOAD";
    if (c->img.pstart != pstart || c->img.pend != pend)
        return "pstart or pend wrong";
    return NULL;
}

static void mutate(struct unit_rng *r, uint8_t *img, size_t size, size_t hdr_end, size_t shoff,
                   size_t shend)
{
    static const uint64_t interesting[] = {0,
                                           1,
                                           7,
                                           8,
                                           0x38,
                                           0x40,
                                           0x7f,
                                           0x80,
                                           0xff,
                                           0x100,
                                           0x1000,
                                           0x7fffffff,
                                           0x80000000,
                                           0xffffffff,
                                           0x100000000ULL,
                                           0x7fffffffffffffffULL,
                                           0x8000000000000000ULL,
                                           0xfffffffffffff000ULL,
                                           0xfffffffffffffff8ULL,
                                           0xffffffffffffffffULL};
    unsigned int n = 1 + (unsigned int)unit_below(r, 4);
    for (unsigned int k = 0; k < n; k++) {
        /* Mostly the ELF and program headers, sometimes the section headers. */
        size_t lo = 0, hi = hdr_end;
        if (shend > shoff && unit_below(r, 5) == 0) {
            lo = shoff;
            hi = shend;
        }
        if (hi > size)
            hi = size;
        if (hi <= lo)
            return;
        size_t at = lo + (size_t)unit_below(r, hi - lo);
        switch (unit_below(r, 4)) {
        case 0:
            img[at] ^= (uint8_t)(1u << unit_below(r, 8));
            break;
        case 1:
            img[at] = (uint8_t)unit_rand(r);
            break;
        default: {
            /* A whole little-endian field: an interesting value, or one near the size. */
            static const unsigned int widths[] = {2, 4, 8};
            unsigned int w = widths[unit_below(r, 3)];
            at &= ~(size_t)(w - 1);
            if (at < lo || at + w > hi)
                break;
            uint64_t v;
            switch (unit_below(r, 4)) {
            case 0:
                v = size + unit_below(r, 17) - 8;
                break;
            case 1:
                v = get_le(img + at, w) + unit_below(r, 17) - 8;
                break;
            default:
                v = interesting[unit_below(r, N_ELEMS(interesting))];
                break;
            }
            put_le(img + at, w, v);
            break;
        }
        }
    }
}

static void do_fuzz(void *arg)
{
    struct fuzz *f = arg;
    size_t hdr_end = EH_SIZE + b.nph * PH_SIZE;
    size_t shoff = b.eh.e_shoff, shend = shoff + b.nsh * SH_SIZE;
    for (unsigned int it = 0; it < f->iterations; it++) {
        f->at = it;
        size_t size = b.len;
        if (unit_below(&f->rng, 8) == 0)
            size = (size_t)unit_below(&f->rng, b.len + 1);
        uint8_t *buf = malloc(size);
        if (size)
            memcpy(buf, b.bytes, size);
        mutate(&f->rng, buf, size, hdr_end, shoff, shend);
        /* The load callback compares with b.bytes: make those the mutated ones. */
        static uint8_t keep[EB_IMAGE_MAX];
        memcpy(keep, b.bytes, b.len);
        if (size)
            memcpy(b.bytes, buf, size);
        struct call *c = &(struct call){.data = buf, .size = size};
        c->ret = elf_image_open(&c->img, buf, size, &c->why);
        const char *bad = NULL;
        if (c->ret == 0) {
            f->opened++;
            c->load_ret = elf_image_load(&c->img, record_load, c);
            bad = opened_wrongly(buf, size, c);
        } else {
            f->refused++;
            if (c->ret != -1 || !c->why || !c->why[0])
                bad = "refused without -1 and a reason";
        }
        if (bad && !f->violation[0])
            snprintf(f->violation, sizeof(f->violation), "mutation %u (%zu bytes): %s", it, size,
                     bad);
        memcpy(b.bytes, keep, b.len);
        free(buf);
    }
}

static void test_mutation_fuzz(void **state)
{
    good_image(&b, true);
    struct fuzz *f = unit_shared(sizeof(*f));
    unit_rng_init(&f->rng, "test_mutation_fuzz");
    f->iterations = 10000;
    bool ok = unit_isolated(do_fuzz, f);
    printf("[   INFO   ] %u mutations: %u opened, %u refused\n", f->iterations, f->opened,
           f->refused);
    if (!ok)
        unit_fail("crashed or tripped a sanitizer at mutation %u (report above; replay with the "
                  "seed printed)",
                  f->at);
    if (f->violation[0])
        unit_fail("%s", f->violation);
    assert_true(f->opened > 0 && f->refused > 0);
    unit_shared_free(f, sizeof(*f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_section_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_ident, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_phdr_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phnum_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misaligned_phoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touching_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unaligned_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutation_fuzz, setup, teardown),
    };
    return unit_run(tests);
}
