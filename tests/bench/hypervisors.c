/*
 * make bench's hypervisor figures: a dom0 that times, in guest time
 * (pvclock; the runner boots QEMU with -icount so both hypervisors see the
 * same instruction clock), a null hypercall, an event-channel round trip
 * with a domU that answers each event (conformance/domu-guest "echo"),
 * a grant map+unmap and a 4 KB grant copy of that domU's page, and the
 * build of a 64 MB domU with dom0-tools/builder.  It prints one line per
 * figure, "bench <name> <ns per operation>"; nothing is asserted.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/time.h>
#include "../conformance/dom0_platform.h"
#include "../conformance/pingpong.h"
#include <string.h>

#define BIG_KB      65536
#define BIG_PAGES   (BIG_KB / 4)
#define SMALL_KB    8192
#define NULL_CALLS  20000
#define ROUND_TRIPS 2000
#define GRANT_OPS   2000
#define BUILDS      3

static xen_pfn_t p2m[BIG_PAGES];
static uint8_t local_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void report(const char *name, uint64_t ns, unsigned long ops)
{
    printk("bench %s %lu\n", name, (unsigned long)(ops ? ns / ops : 0));
}

static int build(struct domu_built *d, const char *cmdline, unsigned long kb)
{
    return build_from_module(d, cmdline, kb, 1, p2m, BIG_PAGES);
}

static void null_hypercall(void)
{
    uint64_t t0 = time_now();
    for (unsigned int i = 0; i < NULL_CALLS; i++)
        HYPERVISOR_xen_version(XENVER_version, NULL);
    report("null_hypercall_ns", time_now() - t0, NULL_CALLS);
}

static void round_trips(evtchn_port_t port)
{
    unsigned long seen = evtchn_count(port), done = 0;
    uint64_t t0 = time_now(), deadline = t0 + WAIT_NS * 6;
    for (; done < ROUND_TRIPS && time_now() < deadline; done++) {
        evtchn_send(port);
        for (;;) {
            /* Masked while looking: SCHEDOP_block unmasks and checks at once. */
            events_mask();
            if (evtchn_count(port) != seen || time_now() >= deadline)
                break;
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
        }
        events_unmask();
        seen = evtchn_count(port);
    }
    report("evtchn_round_trip_ns", time_now() - t0, done);
}

static void grant_ops(domid_t domid)
{
    unsigned long va = mm_alloc_va();
    unsigned long done = 0;
    uint64_t t0 = time_now();
    for (; done < GRANT_OPS; done++) {
        struct gnttab_map_grant_ref m = {
            .host_addr = va, .flags = GNTMAP_host_map, .ref = 1, .dom = domid};
        if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1) || m.status)
            break;
        struct gnttab_unmap_grant_ref u = {.host_addr = va, .handle = m.handle};
        if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1) || u.status)
            break;
    }
    report("grant_map_unmap_ns", time_now() - t0, done);
    struct gnttab_copy c = {.flags = GNTCOPY_source_gref, .len = PAGE_SIZE};
    c.source.u.ref = 1;
    c.source.domid = domid;
    c.dest.u.gmfn = virt_to_mfn(local_page);
    c.dest.domid = DOMID_SELF;
    t0 = time_now();
    for (done = 0; done < GRANT_OPS; done++)
        if (HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1) || c.status)
            break;
    report("grant_copy_4k_ns", time_now() - t0, done);
}

static void two_domains(void)
{
    struct domu_built d;
    if (build(&d, "echo", SMALL_KB))
        return;
    long rc;
    volatile struct pingpong_mailbox *mb = map_pages(d.domid, &d.store_mfn, 1, &rc);
    struct xen_domctl op = domctl_op(XEN_DOMCTL_unpausedomain, d.domid);
    domctl(&op);
    uint64_t deadline = time_now() + WAIT_NS;
    while (mb && mb->magic != PINGPONG_READY && time_now() < deadline)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    evtchn_port_t port = 0;
    if (mb && mb->magic == PINGPONG_READY &&
        evtchn_bind_interdomain(d.domid, mb->domu_port, &port) == 0) {
        round_trips(port);
        evtchn_close(port);
    }
    grant_ops(d.domid);
    if (mb)
        unmap_pages((void *)mb, 1);
    destroy(d.domid);
    domain_gone(d.domid);
}

static void domain_builds(void)
{
    uint64_t total = 0;
    unsigned int built = 0;
    for (unsigned int i = 0; i < BUILDS; i++) {
        struct domu_built d;
        uint64_t t0 = time_now();
        if (build(&d, "bench", BIG_KB))
            break;
        total += time_now() - t0;
        built++;
        destroy(d.domid);
        domain_gone(d.domid);
    }
    report("domain_build_64m_ns", total, built);
}

int kernel_main(void)
{
    if (!test_init_mm_and_events() || !start_info->mod_len)
        return test_summary();
    events_unmask();
    null_hypercall();
    two_domains();
    domain_builds();
    printk("bench done\n");
    return test_summary();
}
