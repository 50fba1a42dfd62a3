/*
 * A test domU with the notes Linux has (INIT_P2M at 512 GB, MOD_START_PFN),
 * built with a ramdisk by conformance/builder's dom0 through
 * dom0-tools/builder — as linked, and with those notes changed in copies of
 * the image.  It reads its start of day back and checks it against libxc's
 * layout for the case its command line names ("<case> len=<bytes>
 * fnv=<hash>": the ramdisk's length and the FNV-1a hash of its whole
 * pages), reporting through its console ring (dom0 names the cases after
 * the case):
 *   placed      the P2M at the INIT_P2M address after an unmapped ramdisk
 *   placed-gz   the same with the ramdisk gzip-compressed (unpacked for it)
 *   p2m-above   INIT_P2M above the kernel's base: ignored, P2M mapped
 *   mapped      no MOD_START_PFN, INIT_P2M unaligned: everything mapped
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include "layout_probe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INIT_P2M_ADDRESS 0x8000000000UL /* init_p2m_note.S, as Linux */
#define P2M_PAGES        8              /* 0x1000 pages of 8 bytes */
#define P2M_TABLES       3              /* an L3, an L2 and an L1 of its own */

extern char __kernel_end[];

static char label[24];
static unsigned long ramdisk_len, ramdisk_fnv;

/* "<label> len=<n> fnv=<hash>"; false if it is not that. */
static bool parse_cmdline(const char *s)
{
    const char *space = strchr(s, ' ');
    if (!space || (size_t)(space - s) >= sizeof(label))
        return false;
    memcpy(label, s, (size_t)(space - s));
    const char *len = strstr(space, "len="), *fnv = strstr(space, "fnv=");
    if (!len || !fnv)
        return false;
    ramdisk_len = strtoul(len + 4, NULL, 0);
    ramdisk_fnv = strtoul(fnv + 4, NULL, 0);
    return true;
}

static void check(const char *name, const char *expected, const char *fmt, unsigned long value)
{
    char observed[64];
    snprintf(observed, sizeof(observed), fmt, value);
    test_check(name, expected, "%s", observed);
}

static void check_ul(const char *name, unsigned long expected, const char *fmt, unsigned long value)
{
    char text[64];
    snprintf(text, sizeof(text), fmt, expected);
    check(name, text, fmt, value);
}

/* The P2M's tables from the L4 down, each entry naming the next table. */
static void placed_p2m_tables(const start_info_t *si)
{
    unsigned long first = si->first_p2m_pfn, base = si->mfn_list;
    const uint64_t *l4 = mm_table(virt_to_mfn((const void *)si->pt_base));
    uint64_t e[4];
    e[3] = l4[pt_index(base, 4)];
    e[2] = table_entry((e[3] & PTE_ADDR_MASK) >> PAGE_SHIFT, pt_index(base, 3));
    e[1] = table_entry((e[2] & PTE_ADDR_MASK) >> PAGE_SHIFT, pt_index(base, 2));
    unsigned long l1_mfn = (e[1] & PTE_ADDR_MASK) >> PAGE_SHIFT;
    e[0] = table_entry(l1_mfn, pt_index(base, 1));
    /* The L4 names the L3 after the P2M's pages, and so on; the L1 the P2M. */
    static const char *const names[4] = {"p2m_l1e", "p2m_l2e", "p2m_l3e", "p2m_l4e"};
    for (int level = 3; level >= 0; level--) {
        unsigned long want = level ? first + P2M_PAGES + (3 - level) : first;
        unsigned long pfn = mfn_to_pfn((e[level] & PTE_ADDR_MASK) >> PAGE_SHIFT);
        char text[48];
        test_result(names[level], pfn == want, "%s", entry_text(text, sizeof(text), e[level]));
    }
    unsigned long last = base + (P2M_PAGES << PAGE_SHIFT) - 1;
    uint64_t last_e = table_entry(l1_mfn, pt_index(last, 1));
    check_ul("p2m_last_page", first + P2M_PAGES - 1, "pfn %#lx",
             mfn_to_pfn((last_e & PTE_ADDR_MASK) >> PAGE_SHIFT));
    unsigned long va = mm_alloc_va();
    long rc = va ? mm_map(va, l1_mfn, PTE_P | PTE_RW) : -XEN_ENOMEM;
    test_result("p2m_l1_map_writable", rc != 0, "%ld", rc);
    if (rc == 0)
        mm_unmap(va);
}

static void layout(bool placed, bool unmapped)
{
    const start_info_t *si = start_info;
    unsigned long kernel_end =
        pfn_of(((unsigned long)__kernel_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    unsigned long rd_pages = (ramdisk_len + PAGE_SIZE - 1) >> PAGE_SHIFT;
    unsigned long initial = mm_initial_pages();
    /* libxc's order in the initial mapping: kernel, a mapped ramdisk, the
     * P2M unless placed, start_info, store, console, tables. */
    unsigned long mapped_p2m = kernel_end + (unmapped ? 0 : rd_pages);
    unsigned long start_info_pfn = mapped_p2m + (placed ? 0 : P2M_PAGES);
    check_ul("nr_pages", 0x1000, "%#lx", si->nr_pages);
    check_ul("flags", unmapped ? SIF_MOD_START_PFN : 0, "%#lx", si->flags);
    check_ul("start_info", start_info_pfn, "pfn %#lx", pfn_of((unsigned long)si));
    check_ul("pt_base", start_info_pfn + 3, "pfn %#lx", pfn_of(si->pt_base));
    check_ul("mod_start", unmapped ? initial : VIRT_BASE + (kernel_end << PAGE_SHIFT), "%#lx",
             si->mod_start);
    check_ul("mod_len", rd_pages << PAGE_SHIFT, "%#lx", si->mod_len);
    check_ul("mfn_list", placed ? INIT_P2M_ADDRESS : VIRT_BASE + (mapped_p2m << PAGE_SHIFT), "%#lx",
             si->mfn_list);
    check_ul("first_p2m_pfn", placed ? initial + rd_pages : 0, "%#lx", si->first_p2m_pfn);
    check_ul("nr_p2m_frames", placed ? P2M_PAGES + P2M_TABLES : 0, "%lu", si->nr_p2m_frames);

    unsigned long hash = 0;
    long rc = 0;
    if (unmapped)
        rc = fnv1a_of_pfns(si->mod_start, si->mod_len, &hash);
    else
        hash = fnv1a(FNV1A_START, (const unsigned char *)si->mod_start, si->mod_len);
    check_ul("ramdisk_fnv", ramdisk_fnv, "%#lx", rc ? (unsigned long)rc : hash);

    const unsigned long *p2m = (const unsigned long *)si->mfn_list;
    unsigned long bad = 0;
    for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
        if (mfn_to_pfn(p2m[pfn]) != pfn)
            bad++;
    check_ul("p2m_matches_m2p", 0, "%lu bad", bad);
    if (placed)
        placed_p2m_tables(si);
    /* Spare pages start after everything the builder placed. */
    unsigned long spare = mm_alloc_pfn();
    unsigned long used =
        placed ? si->first_p2m_pfn + si->nr_p2m_frames : (unmapped ? initial + rd_pages : initial);
    check_ul("first_spare_pfn", used, "%#lx", spare);
}

int kernel_main(void)
{
    const char *cmdline = (const char *)start_info->cmd_line;
    if (!parse_cmdline(cmdline)) {
        test_result("builder_guest.cmdline", false, "%.60s", cmdline);
        return test_summary();
    }
    if (!test_init_mm_and_events())
        return test_summary();
    if (strcmp(label, "placed") == 0 || strcmp(label, "placed-gz") == 0)
        layout(true, true);
    else if (strcmp(label, "p2m-above") == 0)
        layout(false, true);
    else if (strcmp(label, "mapped") == 0)
        layout(false, false);
    else
        test_result("builder_guest.case", false, "%s", label);
    return test_summary();
}
