/*
 * Trap and interrupt dispatch.  An exception in hv is fatal: the report
 * names the vector, error code, CR2 and every register, with a symbolized
 * stack trace, then hv halts (noreboot) or resets.  Interrupt vectors go to
 * the handler registered for them.
 */
#include <asm/traps.h>
#include <asm/desc.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <hv/console.h>
#include <hv/panic.h>
#include <hv/symbols.h>
#include <stdio.h>
#include <x86/exceptions.h>

static irq_handler_t irq_handlers[256];
volatile bool nmi_is_fatal;

void set_irq_handler(unsigned int vector, irq_handler_t fn)
{
    irq_handlers[vector & 255] = fn;
}

void show_registers(const struct cpu_regs *r)
{
    char sym[96];
    symbol_format(r->rip, sym, sizeof(sym));
    printk("CPU:    %u\n", this_cpu_id());
    printk("RIP:    %04lx:[<%016lx>] %s\n", r->cs, r->rip, sym);
    printk("RFLAGS: %016lx   CONTEXT: hypervisor\n", r->rflags);
    printk("rax: %016lx   rbx: %016lx   rcx: %016lx\n", r->rax, r->rbx, r->rcx);
    printk("rdx: %016lx   rsi: %016lx   rdi: %016lx\n", r->rdx, r->rsi, r->rdi);
    printk("rbp: %016lx   rsp: %016lx   r8:  %016lx\n", r->rbp, r->rsp, r->r8);
    printk("r9:  %016lx   r10: %016lx   r11: %016lx\n", r->r9, r->r10, r->r11);
    printk("r12: %016lx   r13: %016lx   r14: %016lx\n", r->r12, r->r13, r->r14);
    printk("r15: %016lx   cr0: %016lx   cr4: %016lx\n", r->r15, read_cr0(), read_cr4());
    printk("cr3: %016lx   cr2: %016lx\n", read_cr3(), read_cr2());
    printk("ss: %04lx   cs: %04lx\n", r->ss, r->cs);
}

/* Is [p, p+16) a place a frame record may be: mapped hv memory? */
static bool frame_readable(uint64_t p)
{
    if (p & 7)
        return false;
    if (p >= HV_VIRT_BASE && p + 16 <= HV_VIRT_BASE + 0x40000000UL)
        return true;
    /* Stacks of secondary CPUs and IST stacks live in the direct map. */
    return p >= DIRECTMAP_VIRT_START + MiB(1) && p + 16 <= DIRECTMAP_VIRT_START + GiB(64);
}

void show_stack_trace(uint64_t rbp, uint64_t rip)
{
    char sym[96];
    printk("Hv call trace:\n");
    symbol_format(rip, sym, sizeof(sym));
    printk("   [<%016lx>] R %s\n", rip, sym);
    for (int depth = 0; depth < 32 && rbp && frame_readable(rbp); depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (!ret)
            break;
        symbol_format(ret, sym, sizeof(sym));
        printk("   [<%016lx>] F %s\n", ret, sym);
        if (frame[0] <= rbp) /* frames grow upwards; anything else is garbage */
            break;
        rbp = frame[0];
    }
    printk("\n");
}

static void __noreturn fatal_trap(struct cpu_regs *r)
{
    panicking = 1;
    smp_stop_other_cpus();
    console_force_unlock();
    unsigned int v = (unsigned int)r->vector;
    printk("----[ hv x86_64  fatal exception ]----\n");
    show_registers(r);
    show_stack_trace(r->rbp, r->rip);
    printk("****************************************\n");
    printk("Panic on CPU %u:\n", this_cpu_id());
    printk("FATAL TRAP: vector = %u (%s)\n", v, x86_exception_name(v));
    printk("[error_code=%04lx]\n", r->error_code);
    if (v == 14)
        printk("Faulting linear address: %016lx\n", read_cr2());
    printk("****************************************\n");
    machine_restart_or_halt();
}

void do_trap(struct cpu_regs *r)
{
    unsigned int v = (unsigned int)r->vector;
    if (v == 2 && !nmi_is_fatal) {
        /* Counted, not printed: this CPU may hold the console lock. The 'q' key shows it. */
        this_cpu()->nmi_count++;
        return;
    }
    if (v < 32 && (r->cs & 3) == 0) {
        /* hv loading a guest's LDT selector (set_segment_base): map the page, as Xen does. */
        if (v == 14 && pv_map_ldt_fault(read_cr2()))
            return;
        /* A fault while hv touched guest memory on the guest's behalf. */
        uint64_t fixup = (v == 14 || v == 13) ? search_exception_table(r->rip) : 0;
        if (fixup) {
            r->rip = fixup;
            return;
        }
        /* A guest's watchpoint on memory hv touched for it: a trap, so
         * nothing to re-execute; just carry on. */
        if (v == 1 && pv_debug_trap_in_hv())
            return;
        fatal_trap(r);
    }
    if (v < 32) {
        pv_guest_exception(r);
        return;
    }
    if (v == VECTOR_INT80 && (r->cs & 3) == 3) {
        pv_guest_int80(r);
        return;
    }
    if (irq_handlers[v])
        irq_handlers[v](r);
    else
        printk(XENLOG_WARNING "CPU %u: unexpected interrupt vector %#x\n", this_cpu_id(), v);
    if ((r->cs & 3) == 3)
        pv_before_return_to_guest(r);
}
