/*
 * A test domU, built by the dom0 of conformance/domains through
 * dom0-tools/builder on Xen 4.17 and on hv alike: it reports its start of
 * day as the builder laid it out (start_info, the P2M against the M2P, its
 * console and store ports) and what a domU may not do (the control
 * domain's hypercalls, acting on another domain's memory or ports), all
 * through its console ring, which dom0 reads and relays.  It ends with
 * SCHEDOP_shutdown(poweroff).  With the command line "pingpong" it is the
 * other end of conformance/grants' ping-pong (pingpong.h); with "echo" it
 * answers make bench's event-channel round trips until destroyed; with
 * "spin" or "block" it is conformance/sched's CPU-bound or idle domain.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/events.h>
#include <pvkernel/time.h>
#include "pingpong.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PINGPONG_WAIT_NS (10ULL * 1000000000ULL)

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

/* Its own grant table: the builder's entries, and what a domU may not ask of dom0's. */
static grant_entry_v1_t *own_grant_table(void)
{
    xen_pfn_t frame = 0;
    struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
    set_xen_guest_handle(st.frame_list, &frame);
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
    test_result("domu.grant_setup_table", rc == 0 && st.status == 0, "rc %ld status %d", rc,
                st.status);
    unsigned long va = mm_alloc_va();
    if (rc || st.status || !va || mm_map(va, frame, PTE_P | PTE_RW))
        return NULL;
    return (grant_entry_v1_t *)va;
}

static void grant_cases(void)
{
    grant_entry_v1_t *gt = own_grant_table();
    if (gt)
        test_check("domu.grant_entries", "0x1/0 console, 0x1/0 store", "%#x/%u %s, %#x/%u %s",
                   gt[0].flags, gt[0].domid,
                   gt[0].frame == start_info->console.domU.mfn ? "console" : "?", gt[1].flags,
                   gt[1].domid, gt[1].frame == start_info->store_mfn ? "store" : "?");
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
    test_result("domu.grant_query_size", rc == 0, "rc %ld status %d nr_frames %u max %u", rc,
                q.status, q.nr_frames, q.max_nr_frames);
    q = (struct gnttab_query_size){.dom = 0};
    HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
    test_check("domu.grant_query_size_dom0", "-8", "%d", q.status);
    xen_pfn_t frame = 0;
    struct gnttab_setup_table st = {.dom = 0, .nr_frames = 1};
    set_xen_guest_handle(st.frame_list, &frame);
    HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
    test_check("domu.grant_setup_table_dom0", "-8", "%d", st.status);
    struct gnttab_get_version gv = {.dom = 0};
    test_check_rc("domu.grant_get_version_dom0",
                  HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), -XEN_EPERM);
    struct xen_mem_acquire_resource r = {
        .domid = 0, .type = XENMEM_resource_grant_table, .nr_frames = 1};
    set_xen_guest_handle(r.frame_list, &frame);
    test_check_rc("domu.acquire_dom0_grant_table",
                  HYPERVISOR_memory_op(XENMEM_acquire_resource, &r), -XEN_EPERM);
    /* Its own entries granted to dom0 are not its to map. */
    struct gnttab_map_grant_ref m = {
        .host_addr = mm_alloc_va(), .flags = GNTMAP_host_map, .ref = 0, .dom = DOMID_SELF};
    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    test_check("domu.grant_map_self", "-2", "%d", m.status);
}

static uint8_t port_in(uint16_t port)
{
    uint8_t v = 0;
    __asm__ __volatile__("inb %w1, %b0" : "+a"(v) : "Nd"(port));
    return v;
}

/* What dom0 passed on before unpausing it: the keyboard controller's status
 * port 0x64 (reading it changes nothing) and the VGA text frame 0xb8. */
static void granted_io(void)
{
    struct physdev_set_iopl iopl = {.iopl = 1};
    test_check_rc("domu.set_iopl", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
    test_result("domu.port_granted", true, "%#x", port_in(0x64));
    test_check("domu.port_not_granted", "0xff", "%#x", port_in(0x65));
    unsigned long va = mm_alloc_va();
    test_check_rc("domu.iomem_granted", mm_map(va, 0xb8, PTE_P | PTE_RW), 0);
    mm_unmap(va);
    test_check_rc("domu.iomem_not_granted", mm_map(va, 0xb9, PTE_P | PTE_RW), -XEN_EPERM);
    iopl.iopl = 0;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
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

/* Waits for a new event on port (its count past *seen); false after the deadline. */
static bool wait_event(evtchn_port_t port, unsigned long *seen, uint64_t deadline)
{
    while (evtchn_count(port) == *seen) {
        if (time_now() > deadline)
            return false;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    *seen = evtchn_count(port);
    return true;
}

/* The ping-pong of conformance/grants (pingpong.h); it reports in the mailbox. */
static void pingpong(void)
{
    static uint8_t page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
    volatile struct pingpong_mailbox *mb = (void *)((uintptr_t)start_info + PAGE_SIZE);
    grant_entry_v1_t *gt = own_grant_table();
    evtchn_port_t port = 0;
    if (!gt || evtchn_alloc_unbound(0, &port))
        return;
    events_unmask();
    gt[PINGPONG_GREF].frame = (uint32_t)virt_to_mfn(page);
    gt[PINGPONG_GREF].domid = 0;
    __atomic_store_n(&gt[PINGPONG_GREF].flags, GTF_permit_access, __ATOMIC_RELEASE);
    /* dom0's page, through its grant. */
    unsigned long va = mm_alloc_va();
    struct gnttab_map_grant_ref m = {
        .host_addr = va, .flags = GNTMAP_host_map, .ref = mb->dom0_gref, .dom = 0};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    mb->domu_map = rc ? (int32_t)rc : m.status;
    mb->domu_port = port;
    mb->domu_gref = PINGPONG_GREF;
    __atomic_store_n(&mb->magic, PINGPONG_READY, __ATOMIC_RELEASE);
    if (mb->domu_map)
        return;
    volatile uint32_t *mine = (volatile uint32_t *)page, *theirs = (volatile uint32_t *)va;
    unsigned long seen = 0;
    uint64_t deadline = time_now() + PINGPONG_WAIT_NS;
    for (unsigned int i = 0; i < PINGPONG_ROUNDS; i++) {
        if (!wait_event(port, &seen, deadline))
            break;
        if (i == 0)
            mb->domu_seen_flags = gt[PINGPONG_GREF].flags;
        *theirs = *mine + 1;
        evtchn_send(port);
        mb->domu_rounds = i + 1;
    }
    struct gnttab_unmap_grant_ref u = {.host_addr = va, .handle = m.handle};
    rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
    mb->domu_unmap = rc ? (int32_t)rc : u.status;
}

/*
 * For make bench (tests/bench/hypervisors.c): answers every event from
 * dom0 on its port until it is destroyed, blocking in between.
 */
static void echo(domid_t remote)
{
    volatile struct pingpong_mailbox *mb = (void *)((uintptr_t)start_info + PAGE_SIZE);
    evtchn_port_t port = 0;
    if (evtchn_alloc_unbound(remote, &port))
        return;
    events_unmask();
    mb->domu_port = port;
    __atomic_store_n(&mb->magic, PINGPONG_READY, __ATOMIC_RELEASE);
    unsigned long seen = 0;
    for (;;) {
        /* Masked while looking, so that an event cannot slip in between
         * the look and the block (SCHEDOP_block unmasks and checks). */
        events_mask();
        if (evtchn_count(port) == seen) {
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
            continue;
        }
        events_unmask();
        seen = evtchn_count(port);
        evtchn_send(port);
    }
}

/* Waits (blocking) for one more event on port than *seen; false after the deadline. */
static bool block_for_event(evtchn_port_t port, unsigned long *seen, uint64_t deadline)
{
    for (;;) {
        events_mask();
        if (evtchn_count(port) != *seen)
            break;
        if (time_now() >= deadline) {
            events_unmask();
            return false;
        }
        HYPERVISOR_set_timer_op(deadline);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
    events_unmask();
    *seen = evtchn_count(port);
    return true;
}

/*
 * conformance/grants: the other domU's echo port, named by dom0 in the
 * mailbox; 100 round trips straight between the two domUs.
 */
static void ping(void)
{
    volatile struct pingpong_mailbox *mb = (void *)((uintptr_t)start_info + PAGE_SIZE);
    evtchn_port_t timer_port, port = 0;
    evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port); /* wakes the blocks below */
    uint64_t deadline = time_now() + PINGPONG_WAIT_NS;
    while (!__atomic_load_n(&mb->peer_port, __ATOMIC_ACQUIRE) && time_now() < deadline)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    mb->ping_bind = (int32_t)evtchn_bind_interdomain((domid_t)mb->peer_domid, mb->peer_port, &port);
    unsigned long seen = 0;
    unsigned int rounds = 0;
    for (; !mb->ping_bind && rounds < PINGPONG_ROUNDS; rounds++) {
        evtchn_send(port);
        if (!block_for_event(port, &seen, deadline))
            break;
    }
    mb->ping_rounds = rounds;
    struct evtchn_status st = {.dom = DOMID_SELF, .port = port};
    HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
    mb->ping_status = st.status;
    __atomic_store_n(&mb->ping_done, 1, __ATOMIC_RELEASE);
}

/* conformance/sched: CPU-bound ("spin"), counting into its store page, or idle ("block"). */
static void spin(void)
{
    volatile struct spin_mailbox *mb = (void *)((uintptr_t)start_info + PAGE_SIZE);
    for (uint64_t n = 0;; n++)
        if ((n & 1023) == 0)
            mb->iterations = n;
}

static void block_forever(void)
{
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int kernel_main(void)
{
    const char *cmdline = (const char *)start_info->cmd_line;
    if (strcmp(cmdline, "spin") == 0)
        spin();
    if (strcmp(cmdline, "block") == 0)
        block_forever();
    if (strncmp(cmdline, "echo", 4) == 0) {
        /* "echo" answers dom0, "echo <id>" another domU. */
        if (test_init_mm_and_events())
            echo(cmdline[4] == ' ' ? (domid_t)strtol(cmdline + 5, NULL, 10) : 0);
        return 0;
    }
    if (strcmp(cmdline, "ping") == 0) {
        if (test_init_mm_and_events())
            ping();
        return 0;
    }
    if (strcmp((const char *)start_info->cmd_line, "pingpong") == 0) {
        if (test_init_mm_and_events())
            pingpong();
        return 0;
    }
    printk("domU up\n");
    start_of_day();
    if (test_init_mm_and_events()) {
        spare_pages_are_clean();
        refusals();
        grant_cases();
        granted_io();
    }
    return test_summary();
}
