/* pvkernel's trap table and exception dispatch (see include/pvkernel/traps.h). */
#include <pvkernel/traps.h>
#include <pvkernel/events.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/kernel.h>
#include <x86/exceptions.h>

trap_hook_fn trap_hook;

#define STUBS(X)   X(0) X(1) X(3) X(4) X(5) X(6) X(7) X(10) X(11) X(12) X(13) X(14) X(16) X(17) X(19)
#define DECLARE(v) extern char trap_entry_##v[];
STUBS(DECLARE)
#undef DECLARE

void pvkernel_trap(struct trap_frame *f);

void pvkernel_trap(struct trap_frame *f)
{
    if (f->vector == EVENTS_VECTOR_UPCALL) {
        events_upcall(f);
        return;
    }
    if (f->vector == EVENTS_VECTOR_FAILSAFE) {
        printk("pvkernel: failsafe callback at %04lx:%016lx\n", f->cs & 0xffff, f->rip);
        pvkernel_exit(2);
    }
    if (trap_hook && trap_hook(f))
        return;
    printk("pvkernel: unexpected %s (vector %lu, error code %#lx)\n", x86_exception_name(f->vector),
           f->vector, f->error_code);
    printk("  rip %04lx:%016lx  rsp %04lx:%016lx  rflags %016lx\n", f->cs & 0xffff, f->rip, f->ss,
           f->rsp, f->rflags);
    printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    printk("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    pvkernel_exit(2);
}

void traps_init(void)
{
    /* DPL 3 for int3 and into so that they may be raised by software too. */
#define ENTRY(v) {v, (v == 3 || v == 4) ? 3 : 0, FLAT_KERNEL_CS, (unsigned long)trap_entry_##v},
    static struct trap_info table[] = {STUBS(ENTRY){0, 0, 0, 0}};
#undef ENTRY
    long rc = hypercall1(__HYPERVISOR_set_trap_table, table);
    if (rc)
        printk("pvkernel: set_trap_table failed: %ld\n", rc);
}
