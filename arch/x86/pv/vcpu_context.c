/*
 * A 64-bit PV vCPU's context as struct vcpu_guest_context gives it
 * (VCPUOP_initialise, and setvcpucontext on behalf of a builder): Xen
 * 4.17's arch_set_info_guest checks in its order and with its error codes,
 * then registers, selectors forced to guest privilege, virtual IOPL, the
 * trap table, callbacks, segment bases, FPU image, control and debug
 * registers, GDT, LDT and the page tables.  As on Xen, state written
 * before a later check fails stays written; the vCPU is initialised only
 * when everything succeeded.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/processor-flags.h>
#include <hv/domctl.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <string.h>

#define LDT_MAX_ENTRIES 8192
#define GDT_MAX_FRAMES  16

/* Xen's fixup_guest_{stack,code}_selector for 64-bit PV: RPL raised to 3. */
static uint16_t guest_selector(uint16_t sel)
{
    return (sel & 3) < 3 ? (uint16_t)((sel & ~3u) | 3) : sel;
}

/* Lower half, or above the range Xen reserves (Xen's __addr_ok). */
static bool addr_ok(uint64_t a)
{
    return a < (1ULL << 47) || a > HV_RESERVED_LAST;
}

static int check_addresses(const struct vcpu_guest_context *c)
{
    if (!is_canonical_address(c->user_regs.rip) || !is_canonical_address(c->user_regs.rsp) ||
        !is_canonical_address(c->kernel_sp) ||
        (c->ldt_ents && !is_canonical_address(c->ldt_base)) || !is_canonical_address(c->fs_base) ||
        !is_canonical_address(c->gs_base_kernel) || !is_canonical_address(c->gs_base_user) ||
        !is_canonical_address(c->event_callback_eip) ||
        !is_canonical_address(c->syscall_callback_eip) ||
        !is_canonical_address(c->failsafe_callback_eip))
        return -EINVAL;
    for (unsigned int i = 0; i < 256; i++)
        if (!is_canonical_address(c->trap_ctxt[i].address))
            return -EINVAL;
    if (!addr_ok(c->ldt_base) || (c->ldt_base & (PAGE_SIZE - 1)) || c->ldt_ents > LDT_MAX_ENTRIES)
        return -EINVAL;
    return 0;
}

static void copy_registers(struct vcpu *v, const struct cpu_user_regs *u)
{
    struct cpu_regs *r = &v->arch.user_regs;
    memset(r, 0, sizeof(*r));
    r->r15 = u->r15, r->r14 = u->r14, r->r13 = u->r13, r->r12 = u->r12;
    r->rbp = u->rbp, r->rbx = u->rbx, r->r11 = u->r11, r->r10 = u->r10;
    r->r9 = u->r9, r->r8 = u->r8, r->rax = u->rax, r->rcx = u->rcx;
    r->rdx = u->rdx, r->rsi = u->rsi, r->rdi = u->rdi;
    r->rip = u->rip;
    r->cs = guest_selector(u->cs);
    r->ss = guest_selector(u->ss);
    r->rsp = u->rsp;
    /* The virtual IOPL is kept apart; real interrupts stay on. */
    v->arch.iopl = (unsigned int)((u->rflags & X86_EFLAGS_IOPL) >> 12);
    r->rflags = (u->rflags & ~(uint64_t)X86_EFLAGS_IOPL) | X86_EFLAGS_IF;
    /* Xen 4.17 starts the vCPU with null data selectors, whatever the
     * context names (conformance/vcpus: ds, es and gs read 0). */
    v->arch.sel_ds = v->arch.sel_es = v->arch.sel_fs = v->arch.sel_gs = 0;
}

int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    struct domain *d = v->domain;
    int rc = check_addresses(c);
    if (rc)
        return rc;

    v->arch.vgc_flags = (unsigned int)c->flags;
    v->arch.kernel_mode = (c->flags & VGCF_in_kernel) != 0;
    pv_fpu_set_image(v, (c->flags & VGCF_i387_valid) ? c->fpu_ctxt.x : NULL);
    copy_registers(v, &c->user_regs);
    for (unsigned int i = 0; i < 256; i++) {
        v->arch.traps[i] = c->trap_ctxt[i];
        v->arch.traps[i].cs = guest_selector(c->trap_ctxt[i].cs);
    }
    if (v->id == 0 && (c->vm_assist & ~pv_vm_assist_valid()))
        return -EINVAL;
    if ((c->gdt_ents + 511) / 512 > GDT_MAX_FRAMES)
        return -EINVAL;
    if (!(c->flags & VGCF_in_kernel) && c->ctrlreg[1] == 0)
        return -EINVAL;

    v->arch.kernel_ss = guest_selector((uint16_t)c->kernel_ss);
    v->arch.kernel_sp = c->kernel_sp;
    v->arch.event_callback = c->event_callback_eip;
    v->arch.failsafe_callback = c->failsafe_callback_eip;
    v->arch.failsafe_callback_masks = (c->flags & VGCF_failsafe_disables_events) != 0;
    v->arch.syscall_callback = c->syscall_callback_eip;
    v->arch.syscall_callback_masks = (c->flags & VGCF_syscall_disables_events) != 0;
    v->arch.fs_base = c->fs_base;
    v->arch.gs_base_kernel = c->gs_base_kernel;
    v->arch.gs_base_user = c->gs_base_user;
    v->arch.fpu_ts = (c->ctrlreg[0] & X86_CR0_TS) != 0;
    pv_set_guest_cr4(v, c->ctrlreg[4]);
    /* Debug registers start from their defaults; values Xen would refuse are
     * dropped quietly (it ignores set_debugreg's result here). */
    pv_init_debugregs(v);
    for (unsigned int i = 0; i < 8; i++)
        if (i != 4 && i != 5)
            pv_set_debugreg(v, i, c->debugreg[i]);
    if (v->id == 0)
        d->arch.vm_assist = c->vm_assist;

    uint64_t frames[GDT_MAX_FRAMES];
    for (unsigned int i = 0; i < GDT_MAX_FRAMES; i++)
        frames[i] = c->gdt_frames[i];
    rc = pv_set_gdt(v, frames, (unsigned int)c->gdt_ents);
    if (rc)
        return rc;
    rc = pv_set_vcpu_tables(v, xen_cr3_to_pfn(c->ctrlreg[3]), xen_cr3_to_pfn(c->ctrlreg[1]));
    if (rc) {
        pv_set_gdt(v, NULL, 0);
        return rc;
    }
    rc = pv_set_ldt(v, c->ldt_ents ? c->ldt_base : 0, (unsigned int)c->ldt_ents);
    if (rc)
        return rc;
    if (v->id == 0)
        pv_update_wallclock(d);
    v->is_initialised = true;
    /* Online or not as the context says; nothing wakes it here (as Xen). */
    if (c->flags & VGCF_online)
        vcpu_test_and_clear_flag(v, VPF_DOWN);
    else
        vcpu_test_and_set_flag(v, VPF_DOWN);
    return 0;
}

/* A context from the caller's memory; VCPUOP_initialise refuses an initialised vCPU. */
static int set_context_from_guest(struct vcpu *v, uint64_t arg, bool only_once)
{
    struct vcpu_guest_context *c = xmalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    int rc = -EFAULT;
    if (!copy_from_guest(c, arg, sizeof(*c))) {
        /* Xen's domain lock; the page lock serves, as the context's tables
         * are taken under it anyway and a CPU waiting for it still answers
         * TLB-flush requests (a plain lock here could deadlock with one). */
        pv_mm_lock();
        rc = only_once && v->is_initialised ? -EEXIST : pv_set_vcpu_context(v, c);
        pv_mm_unlock();
    }
    xfree(c);
    return rc;
}

int arch_initialise_vcpu(struct vcpu *v, uint64_t arg)
{
    return set_context_from_guest(v, arg, true);
}

int arch_set_vcpu_context(struct vcpu *v, uint64_t guest_context)
{
    return set_context_from_guest(v, guest_context, false);
}
