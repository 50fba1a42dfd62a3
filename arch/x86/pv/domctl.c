/*
 * The x86 PV part of domain control: a vCPU's context reset and read back as Xen
 * 4.17's arch_get_info_guest gives it; XEN_DOMCTL_hypercall_init; and the
 * I/O port and I/O memory permissions the control domain passes on (only
 * what it has itself, as Xen checks).
 * Callers hold the domctl lock and have the target vCPU paused or never run.
 */
#include <asm/pv.h>
#include <asm/guest_access.h>
#include <asm/processor-flags.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <string.h>

void arch_reset_vcpu(struct vcpu *v)
{
    pv_mm_lock();
    arch_vcpu_relinquish(v);
    v->is_initialised = false;
    vcpu_test_and_set_flag(v, VPF_DOWN);
    pv_mm_unlock();
}

int arch_get_vcpu_context(struct vcpu *v, uint64_t guest_context)
{
    struct vcpu_guest_context *c = xzalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    const struct cpu_regs *r = &v->arch.user_regs;
    struct cpu_user_regs *u = &c->user_regs;
    pv_fpu_get_image(v, c->fpu_ctxt.x);
    c->flags = v->arch.vgc_flags & ~(VGCF_in_kernel | VGCF_online | VGCF_i387_valid);
    if (v->arch.fpu_initialised)
        c->flags |= VGCF_i387_valid;
    if (!(v->pause_flags & VPF_DOWN))
        c->flags |= VGCF_online;
    if (v->arch.kernel_mode)
        c->flags |= VGCF_in_kernel;
    u->r15 = r->r15, u->r14 = r->r14, u->r13 = r->r13, u->r12 = r->r12;
    u->rbp = r->rbp, u->rbx = r->rbx, u->r11 = r->r11, u->r10 = r->r10;
    u->r9 = r->r9, u->r8 = r->r8, u->rax = r->rax, u->rcx = r->rcx;
    u->rdx = r->rdx, u->rsi = r->rsi, u->rdi = r->rdi;
    u->rip = r->rip, u->cs = (uint16_t)r->cs, u->rsp = r->rsp, u->ss = (uint16_t)r->ss;
    /* The virtual IOPL merged back, as Xen returns it. */
    u->rflags = (r->rflags & ~(uint64_t)X86_EFLAGS_IOPL) | ((uint64_t)v->arch.iopl << 12);
    u->ds = v->arch.sel_ds, u->es = v->arch.sel_es, u->fs = v->arch.sel_fs, u->gs = v->arch.sel_gs;
    memcpy(c->trap_ctxt, v->arch.traps, sizeof(c->trap_ctxt));
    for (unsigned int i = 0; i < 8; i++)
        c->debugreg[i] = v->arch.debugreg[i];
    c->debugreg[7] |= v->arch.dr7_emul;
    c->ldt_base = v->arch.ldt_base;
    c->ldt_ents = v->arch.ldt_ents;
    for (unsigned int i = 0; i < FIRST_RESERVED_GDT_PAGE; i++)
        c->gdt_frames[i] = v->arch.gdt_frames[i];
    c->gdt_ents = v->arch.gdt_ents;
    c->kernel_ss = v->arch.kernel_ss;
    c->kernel_sp = v->arch.kernel_sp;
    /* hv's CR0 with the guest's virtual TS, as Xen keeps ctrlreg[0]. */
    c->ctrlreg[0] = (uint32_t)(X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
                               X86_CR0_AM | X86_CR0_PG | (v->arch.fpu_ts ? X86_CR0_TS : 0));
    c->ctrlreg[2] = v->arch.cr2;
    c->ctrlreg[3] = xen_pfn_to_cr3(v->arch.guest_table);
    c->ctrlreg[1] = v->arch.guest_table_user ? xen_pfn_to_cr3(v->arch.guest_table_user) : 0;
    c->ctrlreg[4] = v->arch.cr4;
    c->event_callback_eip = v->arch.event_callback;
    c->failsafe_callback_eip = v->arch.failsafe_callback;
    c->syscall_callback_eip = v->arch.syscall_callback;
    c->fs_base = v->arch.fs_base;
    c->gs_base_kernel = v->arch.gs_base_kernel;
    c->gs_base_user = v->arch.gs_base_user;
    c->vm_assist = v->domain->arch.vm_assist;
    int rc = copy_to_guest(guest_context, c, sizeof(*c)) ? -EFAULT : 0;
    xfree(c);
    return rc;
}

int arch_hypercall_init(struct domain *d, uint64_t gmfn)
{
    pv_mm_lock();
    int rc = 0;
    if (!pv_get_page(gmfn, d))
        rc = -EINVAL;
    else if (pv_get_page_type(gmfn, PGT_writable, d)) {
        pv_put_page(gmfn);
        rc = -EPERM; /* a page table or descriptor page, as Xen */
    } else {
        pv_fill_hypercall_page(__va(gmfn << PAGE_SHIFT));
        pv_put_page_and_type(gmfn);
    }
    pv_mm_unlock();
    return rc;
}

/* XEN_DOMCTL_ioport_permission (Xen's x86 arch_do_domctl): a range of ports the caller has. */
static long ioport_permission(struct domain *d, struct domain *self,
                              const struct xen_domctl_ioport_permission *p)
{
    uint32_t first = p->first_port, end = p->first_port + p->nr_ports;
    if (end <= first || end > 0x10000)
        return -EINVAL;
    if (!pv_io_ports_permitted(self, first, end - 1))
        return -EPERM;
    for (uint32_t port = first; port < end; port++) {
        uint8_t bit = (uint8_t)(1u << (port % 8));
        if (p->allow_access)
            d->arch.ioport_allowed[port / 8] |= bit;
        else
            d->arch.ioport_allowed[port / 8] &= (uint8_t)~bit;
    }
    return 0;
}

/* XEN_DOMCTL_iomem_permission: frames the caller may map, for d to map. */
static long iomem_permission(struct domain *d, struct domain *self,
                             const struct xen_domctl_iomem_permission *p)
{
    uint64_t first = p->first_mfn, last = p->first_mfn + p->nr_mfns - 1;
    if (last < first)
        return -EINVAL;
    if (!pv_iomem_range_permitted(self, first, last))
        return -EPERM;
    /* The control domain's own I/O memory is fixed (as Xen's is the boot-time set). */
    if (d->privileged)
        return 0;
    pv_mm_lock(); /* mappings are checked against the set under this lock */
    int rc = p->allow_access ? rangeset_add(&d->arch.iomem_allowed, first, last)
                             : rangeset_remove(&d->arch.iomem_allowed, first, last);
    pv_mm_unlock();
    return rc;
}

long arch_do_domctl(struct xen_domctl *op, struct domain *d, struct domain *self)
{
    switch (op->cmd) {
    case XEN_DOMCTL_ioport_permission:
        return ioport_permission(d, self, &op->u.ioport_permission);
    case XEN_DOMCTL_iomem_permission:
        return iomem_permission(d, self, &op->u.iomem_permission);
    case XEN_DOMCTL_irq_permission:
        /* hv maps no physical IRQ to any domain (no PHYSDEVOP_map_pirq):
         * the caller has none to pass on, which Xen answers with -EPERM. */
        return -EPERM;
    default:
        return -ENOSYS;
    }
}
