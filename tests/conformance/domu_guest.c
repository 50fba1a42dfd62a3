/*
 * A test domU, built by the dom0 of conformance/domains through
 * dom0-tools/builder on Xen 4.17 and on hv alike: it reports its start of
 * day as the builder laid it out (start_info, the P2M against the M2P, its
 * console and store ports) and what a domU may not do (the control
 * domain's hypercalls, acting on another domain's memory or ports), all
 * through its console ring, which dom0 reads and relays.  It ends with
 * SCHEDOP_shutdown(poweroff).
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <stdio.h>
#include <string.h>

static void start_of_day(void)
{
    const start_info_t *si = start_info;
    test_check("domu.magic", "xen-3.0-x86_64", "%s", si->magic);
    test_check("domu.nr_pages", "0x1000", "%#lx", si->nr_pages);
    test_check("domu.flags", "0", "%#x", si->flags);
    test_check("domu.cmd_line", "domu-guest hello", "%s", (const char *)si->cmd_line);
    /* Store first, then console: the first free ports of the new domain. */
    test_check("domu.ports", "store 1 console 2", "store %u console %u", si->store_evtchn,
               si->console.domU.evtchn);
    /* The layout, by offsets from the kernel's base (the same builder on both). */
    test_result("domu.layout", true, "mfn_list +%#lx pt_base +%#lx nr_pt_frames %lu",
                si->mfn_list - VIRT_BASE, si->pt_base - VIRT_BASE, si->nr_pt_frames);
    test_check("domu.initial_mapping_pages", "0x400", "%#lx", mm_initial_pages());
    /* Every pfn's frame maps back to it through the M2P hv/Xen keep. */
    unsigned long bad = 0;
    for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
        if (mfn_to_pfn(pfn_to_mfn(pfn)) != pfn)
            bad++;
    test_check("domu.p2m_matches_m2p", "0", "%lu", bad);
    test_check("domu.store_page_is_pfn", "yes", "%s",
               mfn_to_pfn(si->store_mfn) == virt_to_pfn(start_info) + 1 ? "yes" : "no");
}

static void refusals(void)
{
    char text[] = "domU console_io\n";
    test_check_rc("domu.console_io_write", HYPERVISOR_console_io(CONSOLEIO_write, 16, text),
                  -XEN_EPERM);
    struct xen_domctl op = {.cmd = XEN_DOMCTL_getdomaininfo,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
    test_check_rc("domu.domctl_getdomaininfo", hypercall1(__HYPERVISOR_domctl, &op), -XEN_EPERM);
    struct xen_sysctl sop = {.cmd = XEN_SYSCTL_physinfo,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    test_check_rc("domu.sysctl_physinfo", hypercall1(__HYPERVISOR_sysctl, &sop), -XEN_EPERM);
    /* Its own frame named as dom0's: the privilege check comes first. */
    mmu_update_t req = {.ptr = mm_l1e_maddr((unsigned long)&text),
                        .val = ((uint64_t)virt_to_mfn(text) << PAGE_SHIFT) | PTE_P};
    test_check_rc("domu.mmu_update_foreign", HYPERVISOR_mmu_update(&req, 1, NULL, 0), -XEN_EPERM);
    struct evtchn_alloc_unbound a = {.dom = 0, .remote_dom = DOMID_SELF};
    test_check_rc("domu.alloc_unbound_for_dom0",
                  HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), -XEN_EPERM);
    xen_pfn_t pfn = 0;
    struct xen_memory_reservation r = {.nr_extents = 1, .domid = 0};
    set_xen_guest_handle(r.extent_start, &pfn);
    /* Xen does nothing and says so (0 extents), rather than -EPERM. */
    test_check_rc("domu.populate_for_dom0", HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0);
}

/* Pages the builder did not touch hold nothing another domain left there. */
static void spare_pages_are_clean(void)
{
    unsigned long va = mm_alloc_va(), dirty = 0;
    for (unsigned long pfn = mm_initial_pages(); va && pfn < start_info->nr_pages; pfn++) {
        if (mm_map(va, pfn_to_mfn(pfn), PTE_P)) {
            dirty++;
            continue;
        }
        const uint64_t *words = (const uint64_t *)va;
        for (unsigned int i = 0; i < PAGE_SIZE / 8; i++) {
            if (words[i]) {
                dirty++;
                break;
            }
        }
    }
    if (va)
        mm_unmap(va);
    test_check("domu.spare_pages_zero", "0 dirty", "%lu dirty", dirty);
}

int kernel_main(void)
{
    printk("domU up\n");
    start_of_day();
    if (test_init_mm_and_events()) {
        spare_pages_are_clean();
        refusals();
    }
    return test_summary();
}
