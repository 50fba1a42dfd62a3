/*
 * Conformance kernel: the start of day of a PV dom0 (DESIGN §7) as the
 * kernel sees it.  Facts are printed as PFNs and offsets from VIRT_BASE,
 * never as machine addresses, so that Xen 4.17 and hv can be compared.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/test.h>
#include <string.h>

#define VIRT_BASE 0xffffffff80000000UL

extern char __kernel_end[];

static unsigned long pfn_of(unsigned long va)
{
    return (va - VIRT_BASE) >> 12;
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
    test_result("start_info.mfn_list.pfn", si->mfn_list > VIRT_BASE, "%#lx", pfn_of(si->mfn_list));
    TEST_EQ_UL("start_info.mod_start", si->mod_start, 0);
    TEST_EQ_UL("start_info.mod_len", si->mod_len, 0);
    test_result("start_info.cmd_line", true, "\"%.80s\"", (const char *)si->cmd_line);
    test_result("start_info.first_p2m_pfn", true, "%#lx", si->first_p2m_pfn);
    test_result("start_info.nr_p2m_frames", true, "%lu", si->nr_p2m_frames);
    test_result("layout.kernel_end.pfn", true, "%#lx",
                pfn_of(((unsigned long)__kernel_end + 0xfff) & ~0xfffUL));
    return test_summary();
}
