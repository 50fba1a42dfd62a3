/*
 * Running PV vCPUs: the per-CPU syscall MSRs, hypercall dispatch, exceptions
 * raised by a guest, the checks on every way back to a guest, and leaving
 * a vCPU whose domain stopped to the scheduler (see asm/pv.h).
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/main.h>
#include <hv/sched.h>
#include <hv/panic.h>
#include <hv/softirq.h>
#include <hv/symbols.h>

#define MSR_STAR         0xc0000081
#define MSR_LSTAR        0xc0000082
#define MSR_CSTAR        0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084

struct cpu_regs *guest_regs(void)
{
    return (struct cpu_regs *)stack_block_top(this_cpu()) - 1;
}

struct vcpu *current_vcpu(void)
{
    return this_cpu()->current;
}

void pv_cpu_init(unsigned int cpu)
{
    pv_syscall_stack[cpu] = (uint64_t)stack_block_top(percpu_of[cpu]);
    const char *stub = pv_syscall_stubs + cpu * PV_SYSCALL_STUB_SIZE;
    /* SYSCALL loads hv's CS/SS; SYSRET would load FLAT_RING3_CS64/SS (0xe033/0xe02b). */
    wrmsr(MSR_STAR, ((uint64_t)FLAT_RING3_CS32 << 48) | ((uint64_t)HV_CS64 << 32));
    wrmsr(MSR_LSTAR, (uint64_t)stub);
    /* A compat-mode syscall is never a hypercall: it always goes to the
     * syscall32 callback, from guest kernel too, as on Xen. */
    wrmsr(MSR_CSTAR, (uint64_t)(pv_syscall32_stubs + cpu * PV_SYSCALL_STUB_SIZE));
    wrmsr(MSR_SYSCALL_MASK,
          X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_AC);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/* The vCPU on this CPU stopped (its domain shut down or crashed). */
static void __noreturn leave_guest(void)
{
    struct domain *d = current_vcpu()->domain;
    if (d == hardware_domain)
        hardware_domain_stopped(d);
    /* No longer runnable: the scheduler switches away and never comes back. */
    domain_sched_update(d);
    for (;;) {
        raise_softirq(SCHEDULE_SOFTIRQ);
        do_softirq();
    }
}

static bool domain_running(const struct vcpu *v)
{
    return v->domain->state == DOMAIN_RUNNING;
}

static void show_guest_state(const struct vcpu *v, const struct cpu_regs *r)
{
    printk("----[ hv x86_64  guest crash: domain %u vcpu %u ]----\n", v->domain->id, v->id);
    printk("RIP:    %04lx:[<%016lx>]  %s mode\n", r->cs, r->rip,
           v->arch.kernel_mode ? "kernel" : "user");
    printk("RFLAGS: %016lx   error code %04lx   vector %lu\n", r->rflags, r->error_code, r->vector);
    printk("rax: %016lx   rbx: %016lx   rcx: %016lx\n", r->rax, r->rbx, r->rcx);
    printk("rdx: %016lx   rsi: %016lx   rdi: %016lx\n", r->rdx, r->rsi, r->rdi);
    printk("rbp: %016lx   rsp: %016lx   r8:  %016lx\n", r->rbp, r->rsp, r->r8);
    printk("r9:  %016lx   r10: %016lx   r11: %016lx\n", r->r9, r->r10, r->r11);
    printk("r12: %016lx   r13: %016lx   r14: %016lx\n", r->r12, r->r13, r->r14);
    printk("r15: %016lx   cr2: %016lx   cr3: %016lx\n", r->r15, read_cr2(), read_cr3());
    printk("ss: %04lx   cs: %04lx\n", r->ss, r->cs);
}

static void __noreturn crash_guest(struct vcpu *v, const struct cpu_regs *regs, const char *reason)
{
    show_guest_state(v, regs);
    domain_crash(v->domain, reason);
    leave_guest();
}

void pv_crash_current(const struct cpu_regs *regs, const char *reason)
{
    crash_guest(current_vcpu(), regs, reason);
}

/* Can hv's iretq load the frame?  Checked after hv built or changed it. */
static bool return_frame_loads(const struct cpu_regs *regs)
{
    struct pv_fault fault;
    return !pv_return_frame_fault(regs, &fault);
}

static bool inject_fault(struct cpu_regs *regs, const struct pv_fault *fault)
{
    if (fault->vector == 14)
        return pv_inject_page_fault(regs, fault->cr2, fault->error_code);
    return pv_inject_exception(regs, fault->vector, fault->error_code);
}

/*
 * An iret frame the CPU would refuse: Xen's iretq faults and Xen delivers
 * the fault to the guest as raised at the frame's target, the frame being
 * the interrupted context.  hv delivers the same fault without taking it.
 */
static void deliver_return_frame_fault(struct vcpu *v, struct cpu_regs *regs)
{
    struct pv_fault fault;
    if (!pv_return_frame_fault(regs, &fault))
        return;
    struct cpu_regs at_fault = *regs;
    at_fault.vector = fault.vector;
    at_fault.error_code = fault.error_code;
    if (!inject_fault(regs, &fault) || !return_frame_loads(regs))
        crash_guest(v, &at_fault, "iret frame the CPU refuses, and its fault cannot be delivered");
}

void pv_syscall(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    if (!v->arch.kernel_mode || regs->cs == FLAT_RING3_CS32) {
        /* Not a hypercall: the guest kernel's syscall entry gets it. */
        struct cpu_regs at_syscall = *regs;
        if (!pv_bounce_syscall(regs))
            crash_guest(v, &at_syscall, "syscall with no callback or #UD handler usable");
        pv_before_return_to_guest(regs);
        return;
    }
    if (regs->rax == __HYPERVISOR_iret)
        regs->rax = (uint64_t)do_iret(regs);
    else if (regs->rax == __HYPERVISOR_set_trap_table)
        regs->rax = (uint64_t)do_set_trap_table(regs->rdi);
    else {
        uint64_t nr = regs->rax;
        long rc = do_hypercall(nr, regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8);
        /* A continuation: the guest issues the same hypercall again once
         * pending work (a reschedule) is done; its arguments are untouched. */
        if (rc == -ERESTART) {
            regs->rip -= 2; /* the syscall instruction */
            rc = (long)nr;
            /* A batch cut short: the arguments now describe what is left. */
            uint64_t a2, a3;
            if (hypercall_take_continuation(&a2, &a3)) {
                regs->rsi = a2;
                regs->rdx = a3;
            }
        }
        regs->rax = (uint64_t)rc;
    }
    if (domain_running(v))
        deliver_return_frame_fault(v, regs);
    if (!domain_running(v))
        leave_guest();
    /* Softirqs raised meanwhile run before the guest does, then any event upcall. */
    do_softirq();
    if (!domain_running(v))
        leave_guest();
    pv_deliver_events(regs);
}

void pv_guest_exception(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    if (!v) {
        /* Cannot happen: guest mode without a current vCPU. */
        panic("exception %lu from guest mode with no vCPU", regs->vector);
    }
    enum pv_emulation emulated = PV_EMUL_NONE;
    struct pv_fault emulation_fault;
    if (regs->vector == 13 && regs->error_code == 0)
        emulated = pv_emulate_privileged_op(regs, &emulation_fault);
    else if (regs->vector == 6)
        emulated = pv_emulate_forced_cpuid(regs);
    if (emulated == PV_EMUL_DONE) {
        pv_before_return_to_guest(regs);
        return;
    }
    if (emulated == PV_EMUL_FAULT) {
        /* What the instruction raises as emulated (#UD, #GP, #PF), not the #GP. */
        struct cpu_regs at_fault = *regs;
        at_fault.vector = emulation_fault.vector;
        at_fault.error_code = emulation_fault.error_code;
        if (!inject_fault(regs, &emulation_fault) || !return_frame_loads(regs))
            crash_guest(v, &at_fault, "unhandled exception");
        pv_before_return_to_guest(regs);
        return;
    }
    if (emulated == PV_EMUL_DEBUG_TRAP) {
        /* The #DB trap after an emulated instruction (DR6 already says why). */
        struct cpu_regs at_trap = *regs;
        if (!pv_inject_exception(regs, 1, 0) || !return_frame_loads(regs))
            crash_guest(v, &at_trap, "debug trap with no usable handler");
        pv_before_return_to_guest(regs);
        return;
    }
    if (regs->vector == 7 && pv_handle_nm(regs)) {
        pv_before_return_to_guest(regs);
        return;
    }
    if (regs->vector == 1)
        pv_record_debug_status();
    /* The CPU reading the guest's LDT through hv's window: map the page, or
     * give the guest the fault its own read would have raised. */
    uint64_t va = regs->vector == 14 ? read_cr2() : 0;
    if (regs->vector == 14 && pv_in_ldt_window(va)) {
        if (pv_map_ldt_fault(va)) {
            pv_before_return_to_guest(regs);
            return;
        }
        struct pv_fault fault = {.error_code = (uint32_t)regs->error_code};
        pv_ldt_fault_for_guest(va, &fault);
        struct cpu_regs at_fault = *regs;
        if (!inject_fault(regs, &fault) || !return_frame_loads(regs))
            crash_guest(v, &at_fault, "LDT fault with no usable handler");
        pv_before_return_to_guest(regs);
        return;
    }
    /* A write into one of its own page tables, with writable_pagetables on. */
    if (regs->vector == 14 && (regs->error_code & 3) == 3 &&
        pv_emulate_pt_write(regs, read_cr2())) {
        pv_before_return_to_guest(regs);
        return;
    }
    struct cpu_regs at_fault = *regs;
    bool delivered;
    if (regs->vector == 13 && pv_software_interrupt(regs, &delivered)) {
        if (!delivered || !return_frame_loads(regs))
            crash_guest(v, &at_fault, "software interrupt with no usable handler");
        pv_before_return_to_guest(regs);
        return;
    }
    if (pv_inject_exception(regs, (unsigned int)regs->vector, (uint32_t)regs->error_code) &&
        return_frame_loads(regs)) {
        pv_before_return_to_guest(regs);
        return;
    }
    crash_guest(v, &at_fault, "unhandled exception");
}

void pv_guest_int80(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    const struct trap_info *ti = &v->arch.traps[0x80];
    if (ti->address) {
        /* Xen's direct path: the entry's DPL is not checked. */
        struct cpu_regs at_int = *regs;
        if (!pv_bounce_to(regs, ti->address, TI_GET_IF(ti)) || !return_frame_loads(regs))
            crash_guest(v, &at_int, "cannot deliver int $0x80");
        pv_before_return_to_guest(regs);
        return;
    }
    /* No handler: the #GP an `int $0x80` through a DPL-0 gate would raise. */
    regs->rip -= 2;
    regs->vector = 13;
    regs->error_code = (0x80 << 3) | 2;
    pv_guest_exception(regs);
}

void pv_before_return_to_guest(struct cpu_regs *regs)
{
    do_softirq();
    if (!domain_running(current_vcpu()))
        leave_guest();
    pv_deliver_events(regs);
}

int arch_dom0_build(struct domain *d, const struct boot_module *kernel,
                    const struct boot_module *initrd)
{
    /* Xen's PV hardware domain has the PIT emulation flag (its PIT channel 2
     * and port 0x61 pass through: io_ports.c); getdomaininfo shows it. */
    d->emulation_flags = XEN_X86_EMU_PIT;
    return dom0_build_pv(d, kernel, initrd);
}

bool arch_vcpu_events_pending(struct vcpu *v)
{
    return pv_vcpu_info(v)->evtchn_upcall_pending;
}

void arch_vcpu_enable_events(struct vcpu *v)
{
    pv_vcpu_info(v)->evtchn_upcall_mask = 0;
}

bool arch_vcpu_events_need_delivery(struct vcpu *v)
{
    vcpu_info_t *vi = pv_vcpu_info(v);
    return vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask;
}
