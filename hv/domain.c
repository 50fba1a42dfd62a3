/*
 * Domains and vCPUs (see include/hv/domain.h): creation, page ownership,
 * shutdown and crash.  Teardown and multiple domains arrive with domctl.
 */
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/console.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/hypercall.h>
#include <hv/errno.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <xen-abi.h>
#include <stdio.h>
#include <string.h>
#include <asm/layout.h>
#include <asm/flush.h>
#include <asm/m2p.h>
#include <asm/pv.h>

#define VCPU_TIMERS 3

static struct domain *domains[DOMID_HV_MAX];
struct domain *hardware_domain;

struct domain *domain_by_id(domid_t_hv id)
{
    return id < DOMID_HV_MAX ? domains[id] : NULL;
}

struct domain *domain_create(domid_t_hv id, bool privileged, unsigned int max_vcpus)
{
    if (id >= DOMID_HV_MAX || domains[id] || max_vcpus == 0 || max_vcpus > HV_MAX_VCPUS)
        return NULL;
    struct domain *d = xzalloc(sizeof(*d));
    if (!d)
        return NULL;
    /* Its cap timer (the credit scheduler's). */
    if (!timers_reserve(1)) {
        xfree(d);
        return NULL;
    }
    d->shared_info = alloc_hv_pages(1);
    if (!d->shared_info) {
        timers_release(1);
        xfree(d);
        return NULL;
    }
    static uint64_t domains_created;
    d->id = id;
    d->unique_id = ++domains_created; /* under the domctl lock, or at boot */
    d->privileged = privileged;
    /* shared_info is hv's page, shared: the domain may map it (hv keeps a reference). */
    struct page_info *shared = &frame_table[__pa(d->shared_info) >> PAGE_SHIFT];
    shared->owner = id;
    shared->count_info = 1;
    /* Writable for good, so that it can never be made a page table (as Xen). */
    shared->type_info = PGT_writable | PGT_validated | 1;
    d->page_lock = (spinlock_t)SPINLOCK_INIT;
    credit_init_domain(d);
    d->page_list_head = PAGE_LIST_NULL;
    d->max_vcpus = max_vcpus;
    /* Xen's boot-built domains have no limit (~0U); domctl's start at 0. */
    d->max_pages = privileged ? UINT32_MAX : 0;
    d->shutdown_code = ~0u; /* SHUTDOWN_CODE_INVALID */
    /* Xen's domains are born paused by their controller; the boot-built one is not. */
    d->controller_pause_count = privileged ? 0 : 1;
    d->pause_count = d->controller_pause_count;
    d->state = DOMAIN_RUNNING;
    /* createdomain sets its own limits; these are Xen's boot defaults. */
    d->max_grant_frames = GRANT_FRAMES_DEFAULT;
    d->max_maptrack_frames = MAPTRACK_FRAMES_DEFAULT;
    d->grant_version_max = 1;
    d->vcpus = xzalloc(max_vcpus * sizeof(*d->vcpus));
    if (!d->vcpus || evtchn_init_domain(d, EVTCHN_PORTS - 1) || grant_table_init(d)) {
        evtchn_free_domain(d);
        xfree(d->vcpus);
        domain_free_shared_info(d); /* its frame no longer names the domain */
        timers_release(1);
        xfree(d);
        return NULL;
    }
    domains[id] = d;
    if (id == 0)
        hardware_domain = d;
    return d;
}

void domain_unlist(struct domain *d)
{
    domains[d->id] = NULL;
}

bool domid_free(domid_t_hv id)
{
    return id < DOMID_HV_MAX && !domains[id];
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
    if (id >= d->max_vcpus || d->vcpus[id])
        return NULL;
    struct vcpu *v = xzalloc(sizeof(*v));
    if (!v)
        return NULL;
    v->id = id;
    v->domain = d;
    /* Its single-shot, periodic and poll timers. */
    if (!timers_reserve(VCPU_TIMERS)) {
        xfree(v);
        return NULL;
    }
    if (arch_vcpu_create(v)) {
        timers_release(VCPU_TIMERS);
        xfree(v);
        return NULL;
    }
    /* Offline until it is started (dom0's vCPU 0, setvcpucontext and VCPUOP_up). */
    v->runstate = RUNSTATE_offline;
    v->runstate_entry = NOW();
    /* Spread over the CPUs as they are created, as Xen places them first. */
    sched_init_vcpu(v, id % num_online_cpus());
    vcpu_init_timers(v);
    d->vcpus[id] = v;
    return v;
}

void domain_assign_pages(struct domain *d, uint64_t mfn, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);
    for (uint64_t i = 0; i < (1ULL << order); i++) {
        struct page_info *pg = &frame_table[mfn + i];
        pg->owner = d->id;
        pg->count_info = PGC_allocated | 1;
        pg->type_info = 0;
        pg->prev = PAGE_LIST_NULL;
        pg->next = d->page_list_head;
        if (d->page_list_head != PAGE_LIST_NULL)
            frame_table[d->page_list_head].prev = (uint32_t)(mfn + i);
        d->page_list_head = (uint32_t)(mfn + i);
    }
    d->tot_pages += 1ULL << order;
    spin_unlock_irqrestore(&d->page_lock, flags);
}

uint64_t domain_alloc_pages(struct domain *d, unsigned int order)
{
    if (d->is_dying)
        return UINT64_MAX; /* as Xen's assign_pages */
    if (d->tot_pages + (1ULL << order) > d->max_pages)
        return UINT64_MAX;
    uint64_t mfn = alloc_machine_pages(order);
    if (mfn == UINT64_MAX)
        return mfn;
    /* Never hand a domain what another one left in the frame (Xen scrubs too). */
    memset(__va(mfn << PAGE_SHIFT), 0, PAGE_SIZE << order);
    domain_assign_pages(d, mfn, order);
    return mfn;
}

void vcpu_start(struct vcpu *v)
{
    v->is_initialised = true;
    if (vcpu_test_and_clear_flag(v, VPF_DOWN))
        vcpu_wake(v);
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    static const char *const reasons[] = {"poweroff", "reboot",   "suspend",
                                          "crash",    "watchdog", "soft_reset"};
    d->state = DOMAIN_SHUTDOWN;
    d->shutdown_reason = reason;
    /* getdomaininfo's code: the reason, unless SCHEDOP_shutdown_code set one (as Xen). */
    if (d->shutdown_code == ~0u)
        d->shutdown_code = reason;
    printk("Domain %u shut down: reason %u (%s)\n", d->id, reason,
           reason < ARRAY_SIZE(reasons) ? reasons[reason] : "unknown");
    domain_sched_update(d);
    /* The control domain learns of it (Xen's __domain_finalise_shutdown). */
    if (d != hardware_domain)
        send_global_virq(VIRQ_DOM_EXC);
}

void domain_dump(struct domain *d)
{
    static const char *const states[] = {"running", "shut down", "crashed"};
    printk("General information for domain %u:\n", d->id);
    char max[24] = "unlimited";
    if (d->max_pages < UINT32_MAX) /* Xen's ~0U: no limit */
        snprintf(max, sizeof(max), "%lu", d->max_pages);
    printk("    %s%s, %lu pages (max %s), %u vCPUs\n",
           d->state < ARRAY_SIZE(states) ? states[d->state] : "?",
           d->privileged ? ", privileged" : "", d->tot_pages, max, d->max_vcpus);
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        const char *what = d->state != DOMAIN_RUNNING       ? "stopped"
                           : (v->pause_flags & VPF_DOWN)    ? "down"
                           : (v->pause_flags & VPF_BLOCKED) ? "blocked"
                           : v->running                     ? "running"
                                                            : "runnable";
        vcpu_info_t *vi = d->shared_info ? pv_vcpu_info(v) : NULL;
        printk("    VCPU%u: CPU%u %s upcall_pend=%02x upcall_mask=%02x\n", v->id, v->processor,
               what, vi ? vi->evtchn_upcall_pending : 0, vi ? vi->evtchn_upcall_mask : 0);
    }
}

void domain_crash(struct domain *d, const char *why)
{
    d->state = DOMAIN_CRASHED;
    if (d->shutdown_code == ~0u)
        d->shutdown_code = SHUTDOWN_crash;
    printk(XENLOG_ERR "Domain %u crashed: %s\n", d->id, why);
    domain_sched_update(d);
    if (d != hardware_domain)
        send_global_virq(VIRQ_DOM_EXC);
}

void hardware_domain_stopped(struct domain *d)
{
    /* As Xen: the machine follows its hardware domain. */
    if (d->state == DOMAIN_CRASHED || d->shutdown_reason == SHUTDOWN_crash) {
        printk("Hardware Dom%u crashed\n", d->id);
        machine_restart_or_halt();
    }
    switch (d->shutdown_reason) {
    case SHUTDOWN_poweroff:
        printk("Hardware Dom%u halted: halting machine\n", d->id);
        machine_halt();
    case SHUTDOWN_reboot:
        printk("Hardware Dom%u shutdown: rebooting machine\n", d->id);
        machine_restart();
    default:
        printk("Hardware Dom%u shutdown (reason %u)\n", d->id, d->shutdown_reason);
        machine_restart_or_halt();
    }
}

static void unlink_page(struct domain *d, uint64_t mfn)
{
    struct page_info *pg = &frame_table[mfn];
    if (pg->prev != PAGE_LIST_NULL)
        frame_table[pg->prev].next = pg->next;
    else
        d->page_list_head = pg->next;
    if (pg->next != PAGE_LIST_NULL)
        frame_table[pg->next].prev = pg->prev;
    pg->next = pg->prev = PAGE_LIST_NULL;
}

void domain_free_page(uint64_t mfn)
{
    struct page_info *pg = &frame_table[mfn];
    struct domain *d = domain_by_id((domid_t_hv)pg->owner);
    /* A dead domain's shared_info, unmapped at last by whoever mapped it. */
    if (d && d->shared_info && mfn == __pa(d->shared_info) >> PAGE_SHIFT) {
        domain_free_shared_info(d);
        return;
    }
    /* A dead domain's grant frame, unmapped at last. */
    if (d && grant_table_free_frame(d, mfn))
        return;
    if (d) {
        unsigned long flags = spin_lock_irqsave(&d->page_lock);
        unlink_page(d, mfn);
        d->tot_pages--;
        spin_unlock_irqrestore(&d->page_lock, flags);
    }
    set_gpfn_from_mfn(mfn, M2P_INVALID);
    pg->count_info = 0;
    pg->type_info = 0;
    free_machine_pages(mfn, 0);
}

void domain_free_shared_info(struct domain *d)
{
    struct page_info *shared = &frame_table[__pa(d->shared_info) >> PAGE_SHIFT];
    shared->owner = OWNER_HV;
    shared->count_info = 0;
    shared->type_info = 0;
    free_hv_pages(d->shared_info, 1);
    d->shared_info = NULL;
}

int domain_release_pages(struct domain *d, uint64_t mfn, unsigned int order)
{
    for (uint64_t i = 0; i < (1ULL << order); i++) {
        struct page_info *pg = mfn + i < max_page ? &frame_table[mfn + i] : NULL;
        if (!pg || pg->owner != d->id || !(pg->count_info & PGC_allocated))
            return -EINVAL;
        uint64_t type = pg->type_info & PGT_type_mask;
        if ((pg->type_info & PGT_count_mask) && type >= PGT_l1 && type <= PGT_l4)
            return -EINVAL;
    }
    /* A frame freed now may still be cached by a CPU: its last mapping
     * may have been cleared without a flush. */
    bool frees = false;
    for (uint64_t i = 0; i < (1ULL << order); i++)
        frees |= (frame_table[mfn + i].count_info & PGC_count_mask) == 1;
    if (frees)
        flush_tlb_mask(sched_online_cpus());
    for (uint64_t i = 0; i < (1ULL << order); i++) {
        struct page_info *pg = &frame_table[mfn + i];
        pg->count_info &= ~PGC_allocated;
        if ((--pg->count_info & PGC_count_mask) == 0)
            domain_free_page(mfn + i);
    }
    return 0;
}

void vcpu_kick(struct vcpu *v)
{
    bool running = __atomic_load_n(&v->running, __ATOMIC_SEQ_CST);
    vcpu_unblock(v);
    /* Running on another CPU: interrupt it, so that it sees the event. */
    if (running && v->processor != smp_processor_id())
        arch_kick_cpu(v->processor);
}
