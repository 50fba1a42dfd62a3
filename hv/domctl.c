/*
 * Domain control (XEN_DOMCTL_*, interface 0x15), as Xen 4.17's do_domctl:
 * the struct copied in, its interface version checked (-EACCES), the
 * target looked up (-ESRCH; createdomain has none, getdomaininfo may pick
 * the next domain), then the caller's privilege (-EPERM: only the control
 * domain), then the command; createdomain and getdomaininfo copy the struct
 * back.  Commands hv does not have yet return -ENOSYS.
 */
#include <hv/domctl.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/errno.h>
#include <hv/spinlock.h>
#include <hv/sched.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>
#include <string.h>

static spinlock_t domctl_lock = SPINLOCK_INIT;

#define CDF_KNOWN                                                                                  \
    (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity |                       \
     XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu |                    \
     XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu)

/* The highest grant-table version hv offers (defaults: hv/grant_table.h). */
#define GRANT_VERSION_MAX 1

/*
 * createdomain's checks in Xen's order (sanitise_domain_config, the x86
 * one, then arch_domain_create, grant_table_init and the cpupool): hv
 * has no HVM, IOMMU, vPMU, processor trace or TXT, and one CPU pool.
 * Returns 0 with c->flags completed, or -errno.
 */
static int createdomain_check(struct xen_domctl_createdomain *c)
{
    if (c->flags & ~CDF_KNOWN)
        return -EINVAL;
    if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask)
        return -EINVAL;
    if (c->max_vcpus < 1)
        return -EINVAL;
    if ((c->flags & XEN_DOMCTL_CDF_hap) && !(c->flags & XEN_DOMCTL_CDF_hvm))
        return -EINVAL;
    if ((c->flags & XEN_DOMCTL_CDF_iommu) || c->iommu_opts)
        return -EINVAL; /* no IOMMU */
    if (c->vmtrace_size || (c->flags & XEN_DOMCTL_CDF_vpmu))
        return -EINVAL;
    if (c->flags & XEN_DOMCTL_CDF_hvm)
        return -EINVAL; /* PV only */
    if (c->max_vcpus > HV_MAX_VCPUS)
        return -EINVAL;
    if (c->flags & XEN_DOMCTL_CDF_s3_integrity)
        return -EINVAL;
    c->flags |= XEN_DOMCTL_CDF_oos_off; /* as Xen marks every PV domain */
    if (c->flags & XEN_DOMCTL_CDF_nested_virt)
        return -EINVAL;
    if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
        return -EINVAL;
    if (c->arch.emulation_flags & ~XEN_X86_EMU_ALL)
        return -EINVAL;
    if (c->arch.emulation_flags && c->arch.emulation_flags != XEN_X86_EMU_PIT)
        return -EOPNOTSUPP;
    unsigned int version = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    if (version == 0 || version > GRANT_VERSION_MAX)
        return -EINVAL;
    int frames = c->max_grant_frames < 0 ? GRANT_FRAMES_DEFAULT : c->max_grant_frames;
    int maptrack = c->max_maptrack_frames < 0 ? MAPTRACK_FRAMES_DEFAULT : c->max_maptrack_frames;
    if (frames < 1 || frames > GRANT_FRAMES_DEFAULT || maptrack > MAPTRACK_FRAMES_DEFAULT)
        return -EINVAL;
    c->max_grant_frames = frames;
    c->max_maptrack_frames = maptrack;
    if (c->cpupool_id != 0)
        return -ESRCH;
    return 0;
}

/* The id for a new domain: the one asked for, or the next after the rover. */
static long pick_domid(domid_t asked)
{
    static domid_t rover;
    if (asked > 0 && asked < DOMID_FIRST_RESERVED)
        return domid_free(asked) ? asked : -EEXIST;
    for (domid_t id = rover + 1; id != rover; id++) {
        if (id == DOMID_FIRST_RESERVED)
            id = 1;
        if (domid_free(id)) {
            rover = id; /* taken even if creation then fails, as Xen */
            return id;
        }
    }
    return -ENOMEM;
}

static long createdomain(struct xen_domctl *op)
{
    long id = pick_domid(op->domain);
    if (id < 0)
        return id;
    struct xen_domctl_createdomain *c = &op->u.createdomain;
    int rc = createdomain_check(c);
    if (rc)
        return rc;
    struct domain *d = domain_create((domid_t_hv)id, false, c->max_vcpus);
    if (!d)
        return -ENOMEM;
    memcpy(d->handle, c->handle, sizeof(d->handle));
    d->create_flags = c->flags;
    d->emulation_flags = c->arch.emulation_flags;
    d->msr_relaxed = c->arch.misc_flags & XEN_X86_MSR_RELAXED;
    d->max_grant_frames = c->max_grant_frames;
    d->max_maptrack_frames = c->max_maptrack_frames;
    d->grant_version_max = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    evtchn_set_max_port(d, c->max_evtchn_port);
    op->domain = (domid_t)id;
    return 0;
}

void domctl_domain_info(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    memset(info, 0, sizeof(*info));
    info->domain = d->id;
    unsigned int online = 0;
    uint32_t vcpu_flags = XEN_DOMINF_blocked;
    uint64_t cpu_time = 0;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        info->max_vcpu_id = i;
        cpu_time += vcpu_running_time(v);
        unsigned int pause_flags = __atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST);
        if (pause_flags & VPF_DOWN)
            continue;
        online++;
        if (!(pause_flags & VPF_BLOCKED))
            vcpu_flags &= ~XEN_DOMINF_blocked;
        if (v->running)
            vcpu_flags |= XEN_DOMINF_running;
    }
    info->nr_online_vcpus = online;
    info->cpu_time = cpu_time;
    info->flags = (online ? vcpu_flags : 0) |
                  (d->state == DOMAIN_SHUTDOWN ? XEN_DOMINF_shutdown : 0) |
                  (d->is_dying ? XEN_DOMINF_dying : 0) |
                  (d->controller_pause_count > 0 ? XEN_DOMINF_paused : 0) |
                  (d->create_flags & XEN_DOMCTL_CDF_xs_domain ? XEN_DOMINF_xs_domain : 0) |
                  d->shutdown_code << XEN_DOMINF_shutdownshift;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    /* A dead domain's shared_info may be gone already (no one mapped it). */
    info->shared_info_frame = d->shared_info ? __pa(d->shared_info) >> PAGE_SHIFT : 0;
    memcpy(info->handle, d->handle, sizeof(info->handle));
    info->gpaddr_bits = arch_guest_paddr_bits();
    info->arch_config.emulation_flags = d->emulation_flags;
}

/*
 * The domctl lock is never waited for: a domctl may wait for another
 * vCPU to leave its CPU (pausedomain), and that vCPU could be spinning on
 * this lock with interrupts off.  A caller that finds it taken repeats its
 * hypercall later (a continuation, as Xen's domctl_lock_acquire).
 */
static bool domctl_trylock(unsigned long *flags)
{
    *flags = local_irq_save();
    if (spin_trylock(&domctl_lock))
        return true;
    local_irq_restore(*flags);
    return false;
}

void domctl_reap_dead(void)
{
    unsigned long flags;
    if (!domctl_trylock(&flags))
        return; /* whoever holds it reaps */
    domain_reap_dead();
    spin_unlock_irqrestore(&domctl_lock, flags);
}

long domctl_domain_info_list(uint16_t first, uint32_t max, uint64_t buffer, uint32_t *num)
{
    struct xen_domctl_getdomaininfo info;
    *num = 0;
    long rc = 0;
    unsigned long flags;
    if (!domctl_trylock(&flags))
        return -ERESTART;
    domain_reap_dead();
    for (unsigned int id = first; id < DOMID_HV_MAX && *num < max; id++) {
        struct domain *d = domain_by_id((domid_t_hv)id);
        if (!d)
            continue;
        domctl_domain_info(d, &info);
        if (copy_to_guest(buffer + (uint64_t)*num * sizeof(info), &info, sizeof(info))) {
            rc = -EFAULT;
            break;
        }
        (*num)++;
    }
    spin_unlock_irqrestore(&domctl_lock, flags);
    return rc;
}

static long getdomaininfo(struct domain *d, struct xen_domctl *op)
{
    if (!d) {
        if (op->domain >= DOMID_FIRST_RESERVED)
            return -EINVAL;
        for (unsigned int id = op->domain; id < DOMID_HV_MAX && !d; id++)
            d = domain_by_id((domid_t_hv)id);
        if (!d)
            return -ESRCH;
    }
    domctl_domain_info(d, &op->u.getdomaininfo);
    op->domain = d->id;
    return 0;
}

static long max_vcpus(struct domain *d, struct domain *self, unsigned int max)
{
    if (d == self || max != d->max_vcpus)
        return -EINVAL;
    for (unsigned int i = 0; i < max; i++)
        if (!d->vcpus[i] && !vcpu_create(d, i))
            return -ENOMEM;
    return 0;
}

/* The vCPU a vcpucontext/getvcpuinfo names, or NULL (out of range, not created). */
static struct vcpu *vcpu_of(struct domain *d, uint32_t id)
{
    return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

static long setvcpucontext(struct domain *d, struct domain *self, struct xen_domctl_vcpucontext *vc)
{
    struct vcpu *v = vcpu_of(d, vc->vcpu);
    if (d == self || !v)
        return -EINVAL; /* Xen cannot pause its own domain for this */
    uint64_t ctxt = (uint64_t)vc->ctxt.p;
    /* Without a context: back to "never initialised" (Xen's vcpu_reset). */
    domain_pause(d);
    long rc = 0;
    if (!ctxt)
        arch_reset_vcpu(v);
    else
        rc = arch_set_vcpu_context(v, ctxt);
    domain_unpause(d);
    return rc;
}

static long getvcpucontext(struct domain *d, struct xen_domctl_vcpucontext *vc)
{
    struct vcpu *v = vcpu_of(d, vc->vcpu);
    if (!v || v == current_vcpu())
        return -EINVAL;
    if (!v->is_initialised)
        return -ENODATA;
    vcpu_pause(v);
    long rc = arch_get_vcpu_context(v, (uint64_t)vc->ctxt.p);
    vcpu_unpause(v);
    return rc;
}

static long getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *info)
{
    if (info->vcpu >= d->max_vcpus)
        return -EINVAL;
    struct vcpu *v = d->vcpus[info->vcpu];
    if (!v)
        return -ESRCH;
    unsigned int flags = __atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST);
    info->online = !(flags & VPF_DOWN);
    info->blocked = (flags & VPF_BLOCKED) != 0;
    info->running = __atomic_load_n(&v->running, __ATOMIC_SEQ_CST);
    info->cpu_time = vcpu_running_time(v);
    info->cpu = v->processor;
    return 0;
}

static long set_address_size(unsigned int size)
{
    if (size == 64)
        return 0;
    if (size == 32)
        return -EOPNOTSUPP; /* no 32-bit PV guests */
    return -EINVAL;
}

static long domctl_command(struct xen_domctl *op, struct domain *d, struct domain *self,
                           bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_createdomain: {
        long rc = createdomain(op);
        *copyback = rc == 0;
        return rc;
    }
    case XEN_DOMCTL_getdomaininfo: {
        long rc = getdomaininfo(d, op);
        *copyback = rc == 0;
        return rc;
    }
    case XEN_DOMCTL_max_vcpus:
        return max_vcpus(d, self, op->u.max_vcpus.max);
    case XEN_DOMCTL_max_mem: {
        uint64_t pages = op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10);
        d->max_pages = pages > UINT32_MAX ? UINT32_MAX : pages;
        return 0;
    }
    case XEN_DOMCTL_pausedomain:
        if (d == self)
            return -EINVAL;
        if (d->controller_pause_count >= 255)
            return -EOVERFLOW;
        d->controller_pause_count++;
        domain_pause(d);
        return 0;
    case XEN_DOMCTL_unpausedomain:
        if (d->controller_pause_count <= 0)
            return -EINVAL;
        d->controller_pause_count--;
        domain_unpause(d);
        return 0;
    case XEN_DOMCTL_setdomainhandle:
        memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
        return 0;
    case XEN_DOMCTL_settimeoffset:
        d->time_offset_seconds = op->u.settimeoffset.time_offset_seconds;
        return 0;
    case XEN_DOMCTL_set_address_size:
        return set_address_size(op->u.address_size.size);
    case XEN_DOMCTL_get_address_size:
        op->u.address_size.size = 64;
        *copyback = true;
        return 0;
    case XEN_DOMCTL_destroydomain:
        if (d == self)
            return -EINVAL;
        return domain_kill(d);
    case XEN_DOMCTL_setvcpucontext:
        return setvcpucontext(d, self, &op->u.vcpucontext);
    case XEN_DOMCTL_getvcpucontext: {
        long rc = getvcpucontext(d, &op->u.vcpucontext);
        *copyback = true; /* Xen copies the struct back whatever happened */
        return rc;
    }
    case XEN_DOMCTL_getvcpuinfo: {
        long rc = getvcpuinfo(d, &op->u.getvcpuinfo);
        *copyback = rc == 0;
        return rc;
    }
    case XEN_DOMCTL_hypercall_init:
        return arch_hypercall_init(d, op->u.hypercall_init.gmfn);
    case XEN_DOMCTL_scheduler_op:
        *copyback = true; /* whatever happened, as Xen */
        return domctl_scheduler_op(d, &op->u.scheduler_op);
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        return domctl_vcpu_affinity(d, op->cmd, &op->u.vcpuaffinity);
    default:
        return arch_do_domctl(op, d, self);
    }
}

long do_domctl(uint64_t arg)
{
    struct xen_domctl op;
    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    /* The lookup is made under the lock, so that no other domctl destroys
     * the domain under this one; the errors come in Xen's order. */
    struct domain *self = current_vcpu()->domain;
    bool copyback = false;
    long rc = 0;
    unsigned long flags;
    if (!domctl_trylock(&flags))
        return -ERESTART;
    domain_reap_dead();
    struct domain *d = NULL;
    if (op.cmd != XEN_DOMCTL_createdomain) {
        d = domain_by_id(op.domain);
        if (!d && op.cmd != XEN_DOMCTL_getdomaininfo)
            rc = -ESRCH;
    }
    if (!rc && !self->privileged)
        rc = -EPERM;
    if (!rc)
        rc = domctl_command(&op, d, self, &copyback);
    spin_unlock_irqrestore(&domctl_lock, flags);
    if (copyback && copy_to_guest(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
