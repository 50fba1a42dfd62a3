/*
 * Conformance kernel: memory_op as a PV dom0 sees it (DESIGN §7): the
 * reservation figures, the machine memory map (dom0's source of the e820)
 * and memory_map, the M2P's placement, populate_physmap and
 * decrease_reservation round trip, refusals, and bad pointers.  Machine
 * addresses are not printed; counts, types and ABI constants are.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/test.h>
#include <stdio.h>
#include <string.h>

static long memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

struct e820 {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

int kernel_main(void)
{
    domid_t self = DOMID_SELF;
    long cur = memory_op(XENMEM_current_reservation, &self);
    test_result("memory_op.current_reservation", cur == (long)start_info->nr_pages, "%ld", cur);
    long max = memory_op(XENMEM_maximum_reservation, &self);
    test_result("memory_op.maximum_reservation.at_least_current", max >= cur, "%s",
                max >= cur ? "yes" : "no");
    long ram = memory_op(XENMEM_maximum_ram_page, NULL);
    test_result("memory_op.maximum_ram_page.positive", ram > 0, "%s", ram > 0 ? "yes" : "no");

    struct xen_machphys_mapping mm;
    long rc = memory_op(XENMEM_machphys_mapping, &mm);
    test_result("memory_op.machphys_mapping", rc == 0, "rc=%ld v_start=%#lx", rc,
                (unsigned long)mm.v_start);
    test_result("memory_op.machphys_mapping.covers_ram",
                rc == 0 && mm.max_mfn + 1 >= (unsigned long)ram, "%s",
                mm.max_mfn + 1 >= (unsigned long)ram ? "yes" : "no");

    static struct e820 map[64];
    struct xen_memory_map mmap = {.nr_entries = 64};
    set_xen_guest_handle(mmap.buffer, map);
    rc = memory_op(XENMEM_machine_memory_map, &mmap);
    unsigned int ram_entries = 0;
    uint64_t ram_bytes = 0;
    for (unsigned int i = 0; rc == 0 && i < mmap.nr_entries && i < 64; i++)
        if (map[i].type == 1) {
            ram_entries++;
            ram_bytes += map[i].size;
        }
    /* The entry count is the platform's (Xen reads the BIOS map itself): compare the RAM. */
    test_result("memory_op.machine_memory_map", rc == 0 && mmap.nr_entries > 0,
                "rc=%ld ram_entries=%u ram_kb=%lu", rc, ram_entries,
                (unsigned long)(ram_bytes >> 10));

    struct xen_memory_map small = {.nr_entries = 1};
    set_xen_guest_handle(small.buffer, map);
    rc = memory_op(XENMEM_machine_memory_map, &small);
    test_result("memory_op.machine_memory_map.one_entry", true, "rc=%ld nr=%u", rc,
                small.nr_entries);

    struct xen_memory_map own = {.nr_entries = 64};
    set_xen_guest_handle(own.buffer, map);
    rc = memory_op(XENMEM_memory_map, &own);
    test_result("memory_op.memory_map", true, "rc=%ld", rc);

    /* populate_physmap one page at the first pfn past nr_pages, then give it back. */
    xen_pfn_t extent = start_info->nr_pages;
    struct xen_memory_reservation res = {.nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF};
    set_xen_guest_handle(res.extent_start, &extent);
    rc = memory_op(XENMEM_populate_physmap, &res);
    long after = memory_op(XENMEM_current_reservation, &self);
    test_result("memory_op.populate_physmap", rc == 1, "rc=%ld reservation+%ld", rc, after - cur);
    xen_pfn_t mfn = extent; /* a PV guest gets the new MFN back */
    set_xen_guest_handle(res.extent_start, &mfn);
    rc = memory_op(XENMEM_decrease_reservation, &res);
    after = memory_op(XENMEM_current_reservation, &self);
    test_result("memory_op.decrease_reservation", rc == 1, "rc=%ld reservation%+ld", rc,
                after - cur);

    struct xen_add_to_physmap atp = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info};
    rc = memory_op(XENMEM_add_to_physmap, &atp);
    test_result("memory_op.add_to_physmap", true, "rc=%ld", rc);

    rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, 0);
    test_result("memory_op.current_reservation.null", rc == -XEN_EFAULT, "%ld", rc);
    rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, 0x8000000000000000UL);
    test_result("memory_op.machine_memory_map.noncanonical", rc == -XEN_EFAULT, "%ld", rc);
    rc = memory_op(999, NULL);
    test_result("memory_op.unknown", true, "rc=%ld", rc);
    return test_summary();
}
