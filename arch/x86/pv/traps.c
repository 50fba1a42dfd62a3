/*
 * Exceptions delivered to a PV guest (DESIGN §7): the trap table
 * (set_trap_table), bounce frames on the guest kernel's stack
 * ({rcx, r11, [error code,] rip, cs with the saved upcall mask in bits
 * 32-39, rflags, rsp, ss}), HYPERVISOR_iret, and the switch between guest
 * kernel and guest user mode.  Layout and register effects follow Xen 4.17;
 * a guest whose frame cannot be written, or that has no handler, crashes.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/processor-flags.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <string.h>

#define X86_EFLAGS_RF (1u << 16)
#define X86_EFLAGS_VM (1u << 17)

void pv_toggle_guest_mode(struct vcpu *v)
{
    v->arch.kernel_mode = !v->arch.kernel_mode;
    /* Kernel mode runs with the kernel's GS base live, user mode with the user's. */
    __asm__ __volatile__("swapgs" ::: "memory");
    write_cr3((v->arch.kernel_mode ? v->arch.guest_table : v->arch.guest_table_user) << PAGE_SHIFT);
}

long do_set_trap_table(uint64_t traps)
{
    struct vcpu *v = current_vcpu();
    if (traps == 0) {
        memset(v->arch.traps, 0, sizeof(v->arch.traps));
        return 0;
    }
    for (;; traps += sizeof(struct trap_info)) {
        struct trap_info ti;
        if (copy_from_guest(&ti, traps, sizeof(ti)))
            return -EFAULT;
        if (ti.address == 0)
            break;
        /* As Xen: entries before a bad one stay installed. */
        if (!is_canonical_address(ti.address))
            return -EINVAL;
        v->arch.traps[ti.vector] = ti;
    }
    return 0;
}

static uint64_t frame_rflags(const struct vcpu *v, uint64_t rflags, uint8_t upcall_mask)
{
    /* IF shows the virtual interrupt flag; the virtual IOPL is folded in only
     * with VMASST_TYPE_architectural_iopl, as on Xen. */
    rflags =
        (rflags & ~(uint64_t)(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) | (upcall_mask ? 0 : X86_EFLAGS_IF);
    if (v->domain->arch.vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        rflags |= (uint64_t)v->arch.iopl << 12;
    return rflags;
}

/* Builds the bounce frame and points regs at handler; false if it cannot. */
bool bounce(struct vcpu *v, struct cpu_regs *regs, uint64_t handler, bool has_error,
            uint32_t error_code, bool mask_events)
{
    uint64_t error = error_code;
    return pv_bounce_frame(v, regs, handler, &error, has_error ? 1 : 0, mask_events);
}

bool pv_bounce_frame(struct vcpu *v, struct cpu_regs *regs, uint64_t handler, const uint64_t *extra,
                     unsigned int nr_extra, bool mask_events)
{
    uint64_t sp;
    uint64_t cs = regs->cs;
    if (v->arch.kernel_mode) {
        sp = regs->rsp;
        cs &= ~3ULL; /* tells the guest it was interrupted in kernel context */
    } else {
        pv_toggle_guest_mode(v);
        sp = v->arch.kernel_sp;
    }
    sp &= ~0xfULL;

    vcpu_info_t *vi = pv_vcpu_info(v);
    uint8_t saved_mask = vi->evtchn_upcall_mask;
    uint64_t rflags = frame_rflags(v, regs->rflags, saved_mask);
    uint64_t frame[7 + PV_BOUNCE_MAX_EXTRA];
    unsigned int n = 0;
    frame[n++] = regs->rcx;
    frame[n++] = regs->r11;
    for (unsigned int i = 0; i < nr_extra && i < PV_BOUNCE_MAX_EXTRA; i++)
        frame[n++] = extra[i];
    frame[n++] = regs->rip;
    frame[n++] = (cs & 0xffff) | ((uint64_t)saved_mask << 32);
    frame[n++] = rflags;
    frame[n++] = regs->rsp;
    frame[n++] = regs->ss;
    sp -= n * sizeof(uint64_t);
    /* The frame must not land in hv's range (copy_to_guest refuses it). */
    if (copy_to_guest(sp, frame, n * sizeof(uint64_t)))
        return false;

    if (mask_events)
        vi->evtchn_upcall_mask = 1;
    regs->rflags &=
        ~(uint64_t)(X86_EFLAGS_AC | X86_EFLAGS_VM | X86_EFLAGS_RF | X86_EFLAGS_NT | X86_EFLAGS_TF);
    regs->rflags |= X86_EFLAGS_IF; /* real interrupts stay on; events are masked virtually */
    regs->ss = FLAT_KERNEL_SS;
    regs->rsp = sp;
    regs->cs = FLAT_KERNEL_CS;
    regs->rip = handler;
    /* Xen enters every handler through sysret, which leaves RCX and R11
     * holding the handler's RIP and RFLAGS (their old values are in the frame). */
    regs->rcx = handler;
    regs->r11 = regs->rflags;
    return true;
}

static bool vector_has_error_code(unsigned int vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

static bool inject(struct cpu_regs *regs, unsigned int vector, uint32_t error_code, uint64_t cr2)
{
    struct vcpu *v = current_vcpu();
    const struct trap_info *ti = &v->arch.traps[vector & 255];
    if (!ti->address) {
        printk(XENLOG_WARNING "d%uv%u: unhandled exception %u [error code %04x]\n", v->domain->id,
               v->id, vector, error_code);
        return false;
    }
    if (vector == 14) {
        v->arch.cr2 = cr2;
        pv_vcpu_info(v)->arch.cr2 = cr2;
        /* As Xen: the user bit says which of the guest's modes faulted (an
         * implicit supervisor read of a descriptor table from user mode too). */
        error_code = (error_code & ~4u) | (v->arch.kernel_mode ? 0 : 4u);
    }
    if (!bounce(v, regs, ti->address, vector_has_error_code(vector), error_code, TI_GET_IF(ti))) {
        printk(XENLOG_WARNING "d%uv%u: cannot write an exception frame at %#lx\n", v->domain->id,
               v->id, regs->rsp);
        return false;
    }
    return true;
}

bool pv_inject_exception(struct cpu_regs *regs, unsigned int vector, uint32_t error_code)
{
    return inject(regs, vector, error_code, vector == 14 ? read_cr2() : 0);
}

bool pv_inject_page_fault(struct cpu_regs *regs, uint64_t cr2, uint32_t error_code)
{
    return inject(regs, 14, error_code, cr2);
}

long do_iret(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    struct iret_context ctx;
    if (copy_from_guest(&ctx, regs->rsp, sizeof(ctx))) {
        domain_crash(v->domain, "iret: cannot read the iret frame");
        return -EFAULT;
    }
    if ((ctx.cs & 3) == 3 && v->arch.kernel_mode) {
        if (!v->arch.guest_table_user) {
            domain_crash(v->domain, "iret to user mode with no user page tables");
            return -EINVAL;
        }
        pv_toggle_guest_mode(v);
    }
    if (v->domain->arch.vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
        v->arch.iopl = (ctx.rflags & X86_EFLAGS_IOPL) >> 12;
    regs->rip = ctx.rip;
    /* Selectors are 16 bits: the saved upcall mask a bounce frame carries in
     * bits 32-39 of its CS word is dropped here, as Xen's frame does. */
    regs->cs = (ctx.cs | 3) & 0xffff;
    regs->rflags = (ctx.rflags & ~(uint64_t)(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    regs->rsp = ctx.rsp;
    regs->ss = (ctx.ss | 3) & 0xffff;
    if (ctx.flags & VGCF_in_syscall) {
        /* Xen returns from a syscall with sysret, which leaves RCX and R11
         * holding the new RIP and RFLAGS; hv's iretq gives the same. */
        regs->rcx = regs->rip;
        regs->r11 = regs->rflags;
    } else {
        regs->r11 = ctx.r11;
        regs->rcx = ctx.rcx;
    }
    pv_vcpu_info(v)->evtchn_upcall_mask = !(ctx.rflags & X86_EFLAGS_IF);
    /* The saved RAX becomes the result, which the exit path writes back. */
    return (long)ctx.rax;
}

bool pv_bounce_to(struct cpu_regs *regs, uint64_t handler, bool mask_events)
{
    return bounce(current_vcpu(), regs, handler, false, 0, mask_events);
}

bool pv_bounce_syscall(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    bool compat = regs->cs == FLAT_RING3_CS32;
    uint64_t handler = compat ? v->arch.syscall32_callback : v->arch.syscall_callback;
    bool masks = compat ? v->arch.syscall32_callback_masks : v->arch.syscall_callback_masks;
    if (handler) {
        if (!bounce(v, regs, handler, false, 0, masks))
            return false;
        /* The PV ABI's fixed SYSCALL_MASK: the callback starts with DF clear. */
        regs->rflags &= ~(uint64_t)X86_EFLAGS_DF;
        regs->r11 = regs->rflags;
        return true;
    }
    /* No callback: #UD at the syscall instruction, as a syscall-less CPU
     * would raise it; DF stays as the guest had it (Xen's intent since its
     * fix of this path; 4.17.7's RFLAGS masking is in known-diffs). */
    const struct trap_info *ud = &v->arch.traps[6];
    regs->rip -= 2;
    return ud->address && bounce(v, regs, ud->address, false, 0, TI_GET_IF(ud));
}

bool pv_software_interrupt(struct cpu_regs *regs, bool *delivered)
{
    struct vcpu *v = current_vcpu();
    /* The IDT bit without the external bit: an `int $n` through a DPL-0 gate. */
    if ((regs->error_code & 3) != 2)
        return false;
    const struct trap_info *ti = &v->arch.traps[(regs->error_code >> 3) & 255];
    /* The guest kernel counts as ring 1, its user space as ring 3. */
    if (TI_GET_DPL(ti) < (v->arch.kernel_mode ? 1u : 3u))
        return false;
    regs->rip += 2; /* a trap: the handler returns past the instruction */
    *delivered = ti->address && bounce(v, regs, ti->address, false, 0, TI_GET_IF(ti));
    return true;
}
