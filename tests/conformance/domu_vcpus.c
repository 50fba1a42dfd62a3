/*
 * Conformance kernel: a 4-vCPU domU (issue 4), as a dom0 on Xen 4.17 and
 * on hv.  It builds conformance/vcpus — the kernel that brings up its
 * vCPUs with VCPUOP_initialise/up, exchanges IPIs, checks remote TLB
 * flushes and takes vCPUs down and up again — as a domU of 4 vCPUs with
 * dom0-tools/builder, runs it while relaying its console ring (its cases
 * become guest.<name>), waits for its poweroff and destroys it.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/time.h>
#include "dom0_platform.h"

#define DOMU_KB    8192
#define DOMU_PAGES (DOMU_KB / 4)
#define VCPUS      4
#define RUN_NS     (60ULL * 1000000000ULL)

static xen_pfn_t p2m[DOMU_PAGES];
static struct console_relay relay;

int kernel_main(void)
{
    if (!test_init_mm_and_events() || !start_info->mod_len)
        return test_summary();
    struct domu_built d;
    int rc = build_from_module(&d, "vcpus as a domU", DOMU_KB, VCPUS, p2m, DOMU_PAGES);
    test_check_rc("domu_vcpus.build", rc, 0);
    if (rc)
        return test_summary();
    struct xen_domctl_getdomaininfo info;
    long r = domain_info(d.domid, &info);
    test_result("domu_vcpus.info", r == 0, "max_vcpu_id %u online %u", info.max_vcpu_id,
                info.nr_online_vcpus);
    long map_rc;
    struct xencons_interface *ring = map_pages(d.domid, &d.console_mfn, 1, &map_rc);
    test_check_rc("domu_vcpus.map_console", map_rc, 0);
    if (!ring)
        return test_summary();
    struct xen_domctl op = domctl_op(XEN_DOMCTL_unpausedomain, d.domid);
    test_check_rc("domu_vcpus.unpause", domctl(&op), 0);
    console_relay_until_shutdown(&relay, ring, d.domid, RUN_NS, &info);
    test_check("domu_vcpus.reported", "yes", "%s", relay.done ? "yes" : "no");
    test_check("domu_vcpus.poweroff", "shutdown 0", "%s %u",
               info.flags & XEN_DOMINF_shutdown ? "shutdown" : "running",
               (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
    unmap_pages(ring, 1);
    test_check_rc("domu_vcpus.destroy", destroy(d.domid), 0);
    test_check("domu_vcpus.gone", "yes", "%s", domain_gone(d.domid) ? "yes" : "no");
    return test_summary();
}
