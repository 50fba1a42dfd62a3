/*
 * Conformance kernel: the credit scheduler's shares (issue 4), as a dom0
 * on Xen 4.17 (sched=credit) and on hv, under QEMU's -icount clock.  It
 * builds domUs (conformance/domu-guest "spin": a loop counting its
 * iterations into its store page; "block": idle for good), pins them to
 * the one CPU of the machine (the runner boots it with one: Xen's credit
 * shares follow weights only where every CPU is contended), dom0 sleeping
 * meanwhile, and measures over 3 s of guest time: two
 * spinners of weights 256 and 512 share the CPU 1:2 within 10%; a spinner
 * capped at 30% stays at or under 35%; a blocked domain runs under 1% of
 * the time.  Verdicts are compared; the figures are printed beside them.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/time.h>
#include "dom0_platform.h"
#include "pingpong.h"

#define DOMU_KB    4096
#define DOMU_PAGES (DOMU_KB / 4)
#define SETTLE_NS  (500ULL * 1000000ULL)
#define MEASURE_NS (3000ULL * 1000000ULL)

static xen_pfn_t p2m[DOMU_PAGES];

struct spinner {
    struct domu_built d;
    volatile struct spin_mailbox *mb;
    uint64_t iterations, cpu_time;
};

static long pin(domid_t domid, uint8_t cpus)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_setvcpuaffinity, domid);
    op.u.vcpuaffinity.vcpu = 0;
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, &cpus);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 8;
    return domctl(&op);
}

static long set_credit(domid_t domid, uint16_t weight, uint16_t cap)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_scheduler_op, domid);
    op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
    op.u.scheduler_op.u.credit.weight = weight;
    op.u.scheduler_op.u.credit.cap = cap;
    return domctl(&op);
}

static uint64_t cpu_time(domid_t domid)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_getvcpuinfo, domid);
    op.u.getvcpuinfo.vcpu = 0;
    return domctl(&op) ? 0 : op.u.getvcpuinfo.cpu_time;
}

/* A domU on CPU 1 with the given credit parameters, paused; false if any step failed. */
static bool start(struct spinner *s, const char *cmdline, uint16_t weight, uint16_t cap)
{
    if (build_from_module(&s->d, cmdline, DOMU_KB, 1, p2m, DOMU_PAGES))
        return false;
    long rc;
    s->mb = map_pages(s->d.domid, &s->d.store_mfn, 1, &rc);
    return s->mb && pin(s->d.domid, 0x01) == 0 && set_credit(s->d.domid, weight, cap) == 0;
}

static void unpause(const struct spinner *s)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_unpausedomain, s->d.domid);
    domctl(&op);
}

static void sample(struct spinner *s)
{
    s->iterations = s->mb->iterations;
    s->cpu_time = cpu_time(s->d.domid);
}

static void stop(struct spinner *s)
{
    if (s->mb)
        unmap_pages((void *)s->mb, 1);
    destroy(s->d.domid);
    domain_gone(s->d.domid);
}

/* Guest time passes with dom0 blocked until its timer. */
static void wait_ns(uint64_t ns)
{
    uint64_t until = time_now() + ns;
    while (time_now() < until) {
        HYPERVISOR_set_timer_op(until);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
}

static void weights(void)
{
    struct spinner a = {0}, b = {0};
    bool ok = start(&a, "spin", 256, 0) && start(&b, "spin", 512, 0);
    test_check("sched.weights_setup", "ok", "%s", ok ? "ok" : "failed");
    if (ok) {
        unpause(&a);
        unpause(&b);
        wait_ns(SETTLE_NS);
        sample(&a);
        sample(&b);
        uint64_t a0 = a.iterations, b0 = b.iterations, t0 = time_now();
        wait_ns(MEASURE_NS);
        sample(&a);
        sample(&b);
        uint64_t ran_a = a.iterations - a0, ran_b = b.iterations - b0, t = time_now() - t0;
        uint64_t ratio = ran_a ? ran_b * 100 / ran_a : 0;
        printk("sched: weights 256:512 over %lu ms: iterations %lu:%lu, ratio 1:%lu.%02lu\n",
               (unsigned long)(t / 1000000), (unsigned long)ran_a, (unsigned long)ran_b,
               (unsigned long)(ratio / 100), (unsigned long)(ratio % 100));
        test_check("sched.weights_1_to_2", "within 10%", "%s",
                   ratio >= 180 && ratio <= 220 ? "within 10%" : "outside 10%");
    }
    stop(&a);
    stop(&b);
}

/* One domain alone on CPU 1: the share of the time it ran, in percent. */
static uint64_t share_alone(const char *cmdline, uint16_t cap, const char *name)
{
    struct spinner s = {0};
    uint64_t percent = 100;
    bool ok = start(&s, cmdline, 256, cap);
    if (ok) {
        unpause(&s);
        wait_ns(SETTLE_NS);
        uint64_t c0 = cpu_time(s.d.domid), t0 = time_now();
        wait_ns(MEASURE_NS);
        uint64_t ran = cpu_time(s.d.domid) - c0, t = time_now() - t0;
        percent = ran * 10000 / t; /* hundredths of a percent */
        printk("sched: %s over %lu ms: ran %lu us, %lu.%02lu%%\n", name,
               (unsigned long)(t / 1000000), (unsigned long)(ran / 1000),
               (unsigned long)(percent / 100), (unsigned long)(percent % 100));
    }
    test_check(name, "ok", "%s", ok ? "ok" : "failed");
    stop(&s);
    return percent;
}

int kernel_main(void)
{
    if (!test_init_mm_and_events() || !start_info->mod_len)
        return test_summary();
    /* dom0's timer wakes it only through a bound VIRQ_TIMER. */
    evtchn_port_t timer_port;
    test_check_rc("sched.bind_timer", evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0);
    weights();
    uint64_t capped = share_alone("spin", 30, "sched.capped_setup");
    test_check("sched.cap_30", "at most 35%", "%s", capped <= 3500 ? "at most 35%" : "over 35%");
    uint64_t blocked = share_alone("block", 0, "sched.blocked_setup");
    test_check("sched.blocked", "under 1%", "%s", blocked < 100 ? "under 1%" : "1% or more");
    return test_summary();
}
