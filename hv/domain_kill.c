/*
 * Domain teardown (destroydomain), as Xen's domain_kill and
 * domain_relinquish_resources: a dying domain never runs again, lets go
 * of everything it holds, and stays listed (XEN_DOMINF_dying) until the
 * last of its frames is freed — frames another domain still maps (a
 * builder's view of its memory, a backend's grant mapping) outlive the
 * kill.  Freeing the struct itself is deferred to the next domctl or
 * sysctl (domain_reap_dead, with the domctl lock held), because lookups by
 * id happen under three locks (domctl, page, event channel) and all three
 * must be held to take a domain out of them.
 */
#include <hv/domain.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/grant_table.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/sched_credit.h>
#include <asm/pv.h>
#include <xen-abi.h>

#define VCPU_TIMERS 3

/* Killed domains not yet freed (so that reaping costs nothing without any). */
static unsigned int nr_dying;

/* Has the dead domain nothing left (frames, shared_info)? */
static bool domain_is_empty(const struct domain *d)
{
    return d->tot_pages == 0 && !d->shared_info && grant_table_frames_gone(d);
}

int domain_kill(struct domain *d)
{
    if (d == hardware_domain)
        return -EINVAL;
    if (d->is_dying)
        return 0; /* Xen: a second destroydomain finds it dead and succeeds */
    d->is_dying = true;
    nr_dying++;
    /* Off its CPUs for good: nothing unpauses a dying domain. */
    domain_pause(d);
    evtchn_destroy_domain(d);
    /* No cap period may release (wake) its vCPUs any more. */
    credit_destroy_domain(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpus[i])
            sched_destroy_vcpu(d->vcpus[i]);
    pv_mm_lock();
    /* Its mappings of others' grants first: their pins go now, the
     * references of host mappings with the page tables holding them. */
    grant_table_release_mappings(d);
    /* Its vCPUs are off every CPU: after one flush, nothing can cache its
     * frames but mappings that hold references (and keep them alive). */
    pv_frees_preflushed(true);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpus[i])
            arch_vcpu_relinquish(d->vcpus[i]);
    arch_domain_relinquish_memory(d);
    pv_frees_preflushed(false);
    /* hv's own reference on shared_info; a mapping elsewhere keeps it. */
    struct page_info *shared = &frame_table[__pa(d->shared_info) >> PAGE_SHIFT];
    if ((--shared->count_info & PGC_count_mask) == 0)
        domain_free_shared_info(d);
    /* hv's references on its grant frames; frames mapped elsewhere stay. */
    grant_table_release_frames(d);
    pv_mm_unlock();
    printk("Domain %u destroyed (%lu frames still mapped elsewhere)\n", d->id, d->tot_pages);
    /* The control domain learns that a domain went (xenstored's @releaseDomain). */
    send_global_virq(VIRQ_DOM_EXC);
    return 0;
}

static void domain_free(struct domain *d)
{
    credit_destroy_domain(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        arch_vcpu_destroy(v);
        timers_release(VCPU_TIMERS);
        xfree(v);
    }
    if (d->shared_info)
        domain_free_shared_info(d);
    grant_table_free(d);
    evtchn_free_domain(d);
    xfree(d->vcpus);
    timers_release(1);
    xfree(d);
}

void domain_reap_dead(void)
{
    if (!nr_dying)
        return;
    pv_mm_lock();
    unsigned long flags;
    evtchn_lock_all(&flags);
    for (unsigned int id = 1; id < DOMID_HV_MAX; id++) {
        struct domain *d = domain_by_id((domid_t_hv)id);
        if (d && d->is_dying && domain_is_empty(d)) {
            domain_unlist(d);
            domain_free(d);
            nr_dying--;
        }
    }
    evtchn_unlock_all(flags);
    pv_mm_unlock();
}
