/*
 * Conformance kernel: the start of day of a PV dom0 (DESIGN §7) as the
 * kernel sees it.  Facts are printed as PFNs and offsets from VIRT_BASE,
 * never as machine addresses, so that Xen 4.17 and hv can be compared.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <stdio.h>
#include <string.h>
#include "layout_probe.h"

extern char __kernel_end[];

/* mm_init() once (it unmaps the free-VA window). */
static long mm_ready(void)
{
    static long rc = 1;
    if (rc == 1)
        rc = mm_init();
    return rc;
}

/*
 * A P2M placed by the INIT_P2M note (start-of-day-init-p2m): every entry
 * agreeing with the M2P, and the page tables the builder made for it —
 * each entry's flags and the pfn it points at, from the L4 down to the
 * first and last pages of the table — and that those tables are page
 * tables (a writable mapping refused).
 */
static void init_p2m_cases(const start_info_t *si)
{
    const unsigned long *p2m = (const unsigned long *)si->mfn_list;
    unsigned long bad = 0, first_bad = 0;
    for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
        if (mfn_to_pfn(p2m[pfn]) != pfn && !bad++)
            first_bad = pfn;
    test_result("init_p2m.consistent", bad == 0, bad ? "%lu bad from pfn %#lx" : "yes", bad,
                first_bad);
    if (mm_ready()) {
        test_result("init_p2m.tables", false, "mm_init failed");
        return;
    }
    unsigned long base = si->mfn_list, last = base + si->nr_pages * sizeof(unsigned long) - 1;
    const uint64_t *l4 = mm_table(virt_to_mfn((const void *)si->pt_base));
    uint64_t l4e = l4[pt_index(base, 4)];
    uint64_t l3e = table_entry((l4e & PTE_ADDR_MASK) >> PAGE_SHIFT, pt_index(base, 3));
    uint64_t l2e = table_entry((l3e & PTE_ADDR_MASK) >> PAGE_SHIFT, pt_index(base, 2));
    unsigned long l1_mfn = (l2e & PTE_ADDR_MASK) >> PAGE_SHIFT;
    uint64_t first = table_entry(l1_mfn, pt_index(base, 1));
    char b4[48], b3[48], b2[48], b1[48];
    test_result("init_p2m.tables", true, "l4e=%s l3e=%s l2e=%s l1e=%s",
                entry_text(b4, sizeof(b4), l4e), entry_text(b3, sizeof(b3), l3e),
                entry_text(b2, sizeof(b2), l2e), entry_text(b1, sizeof(b1), first));
    /* The last page: through the same L2 when the table is under 2 MB. */
    if (pt_index(last, 2) == pt_index(base, 2) && pt_index(last, 3) == pt_index(base, 3))
        test_result("init_p2m.last_page", true, "l1e=%s",
                    entry_text(b1, sizeof(b1), table_entry(l1_mfn, pt_index(last, 1))));
    else
        test_result("init_p2m.last_page", true, "beyond the first L1");
    unsigned long va = mm_alloc_va();
    long rc = va ? mm_map(va, l1_mfn, PTE_P | PTE_RW) : -1;
    test_result("init_p2m.l1_map_writable", rc != 0, "%ld", rc);
    if (rc == 0)
        mm_unmap(va);
}

/* Present only in the copy linked with hypercall_page_note.S. */
extern const unsigned char hypercall_page[] __attribute__((weak));

/* xen_version(XENVER_version) through the hypercall page's stub, as Linux calls it. */
static long xen_version_through_page(void)
{
    register long rdi __asm__("rdi") = XENVER_version;
    register long rsi __asm__("rsi") = 0;
    long rax;
    __asm__ __volatile__("call *%[stub]"
                         : "=a"(rax), "+r"(rdi), "+r"(rsi)
                         : [stub] "r"(hypercall_page + 32 * __HYPERVISOR_xen_version)
                         : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
    return rax;
}

int kernel_main(void)
{
    const start_info_t *si = start_info;

    test_result("start_info.magic", !strncmp(si->magic, "xen-3.0-x86_64", 14), "%.32s", si->magic);
    test_result("start_info.pfn", (unsigned long)si > VIRT_BASE, "%#lx", pfn_of((unsigned long)si));
    test_result("start_info.nr_pages", si->nr_pages > 0, "%lu", si->nr_pages);
    test_result("start_info.shared_info.page_aligned", (si->shared_info & 0xfff) == 0, "%s",
                (si->shared_info & 0xfff) ? "no" : "yes");
    test_result("start_info.flags",
                (si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)) ==
                    (SIF_PRIVILEGED | SIF_INITDOMAIN),
                "%#x", si->flags);
    TEST_EQ_UL("start_info.store_mfn", si->store_mfn, 0);
    TEST_EQ_UL("start_info.store_evtchn", si->store_evtchn, 0);
    test_result("start_info.console.dom0.info_off", true, "%#x", si->console.dom0.info_off);
    test_result("start_info.console.dom0.info_size", true, "%#x", si->console.dom0.info_size);
    test_result("start_info.pt_base.pfn", si->pt_base > VIRT_BASE, "%#lx", pfn_of(si->pt_base));
    test_result("start_info.nr_pt_frames", si->nr_pt_frames > 0, "%lu", si->nr_pt_frames);
    if (si->mfn_list >= VIRT_BASE)
        test_result("start_info.mfn_list.pfn", true, "%#lx", pfn_of(si->mfn_list));
    else /* where the kernel's INIT_P2M note asked */
        test_result("start_info.mfn_list", true, "%#lx", si->mfn_list);
    /* An initrd module: its place and every byte compared. */
    if (si->mod_start == 0) {
        TEST_EQ_UL("start_info.mod_len", si->mod_len, 0);
    } else if (!(si->flags & SIF_MOD_START_PFN)) {
        /* Mapped after the kernel. */
        test_result("start_info.mod_start.pfn", si->mod_start > VIRT_BASE, "%#lx",
                    pfn_of(si->mod_start));
        test_result("start_info.mod_len", si->mod_len > 0, "%lu", si->mod_len);
        if (si->mod_start > VIRT_BASE)
            test_result("initrd.fnv1a", true, "%#lx",
                        fnv1a(FNV1A_START, (const unsigned char *)si->mod_start, si->mod_len));
    } else {
        /* Unmapped: mod_start is its first pfn, inside the domain's pages. */
        unsigned long pages = (si->mod_len + PAGE_SIZE - 1) / PAGE_SIZE, hash = 0;
        test_result("start_info.mod_start.unmapped_pfn",
                    si->mod_start < si->nr_pages && pages <= si->nr_pages - si->mod_start, "%#lx",
                    si->mod_start);
        test_result("start_info.mod_len", si->mod_len > 0, "%lu", si->mod_len);
        if (si->mod_start < si->nr_pages && pages <= si->nr_pages - si->mod_start) {
            long rc = mm_ready();
            if (!rc)
                rc = fnv1a_of_pfns(si->mod_start, si->mod_len, &hash);
            test_result("initrd.fnv1a", rc == 0, rc ? "rc %ld" : "%#lx", rc ? rc : (long)hash);
        }
    }
    if (hypercall_page) {
        /* The whole page, then a call through it, against the direct hypercall. */
        test_result("hypercall_page.fnv1a", true, "%#lx",
                    fnv1a(FNV1A_START, hypercall_page, PAGE_SIZE));
        long direct = HYPERVISOR_xen_version(XENVER_version, NULL);
        long through = xen_version_through_page();
        test_result("hypercall_page.xen_version", through == direct, "%#lx", through);
    }
    test_result("start_info.cmd_line", true, "\"%.80s\"", (const char *)si->cmd_line);
    test_result("start_info.first_p2m_pfn", true, "%#lx", si->first_p2m_pfn);
    test_result("start_info.nr_p2m_frames", true, "%lu", si->nr_p2m_frames);
    if (si->mfn_list < VIRT_BASE)
        init_p2m_cases(si);
    test_result("layout.kernel_end.pfn", true, "%#lx",
                pfn_of(((unsigned long)__kernel_end + 0xfff) & ~0xfffUL));
    return test_summary();
}
