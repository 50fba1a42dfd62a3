/*
 * A hostile dom0: HYPERVISOR_iret with a frame the CPU's iretq would refuse
 * (a non-canonical RIP, a selector the guest may not use, a RIP past a
 * 32-bit segment's limit).  On Xen the iretq faults and the guest gets the
 * fault through its trap table, as raised at the frame's target; hv must do
 * the same without faulting itself.  The kernel reports the frame its #GP
 * handler saw and then waits, so that the test can ask hv a debug key.
 * "bad-stack" adds an unmapped stack, where the fault cannot be delivered:
 * the domain crashes.  The case is the module's command line.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/traps.h>
#include <string.h>

static bool report(struct trap_frame *f)
{
    printk("hostile-iret: vector %lu error %#lx rip %#lx cs %#lx\n", f->vector, f->error_code,
           f->rip, f->cs & 0xffff);
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    return true;
}

int kernel_main(void)
{
    const char *which = (const char *)start_info->cmd_line;
    struct iret_context ctx = {
        .rip = 0x8000000000000000UL,
        .cs = FLAT_KERNEL_CS & ~3, /* RPL 0: back to kernel mode, as a bounce frame says */
        .rflags = 0x202,
        .ss = FLAT_KERNEL_SS,
    };
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(ctx.rsp));
    if (!strcmp(which, "cs")) {
        ctx.rip = (unsigned long)kernel_main;
        ctx.cs = 0xe008; /* the hypervisor's own code selector */
    } else if (!strcmp(which, "cs32-rip")) {
        /* Canonical, but past the 4 GiB limit of the flat 32-bit code segment. */
        ctx.rip = 0x100001000UL;
        ctx.cs = FLAT_USER_CS32 & ~3;
    } else if (!strcmp(which, "bad-stack")) {
        ctx.rsp = 0x1000; /* unmapped: no frame can be written there */
    }
    trap_hook = report;
    printk("hostile-iret: iret with %s\n", which);
    /* iret reads its frame at the stack pointer of the hypercall. */
    __asm__ __volatile__("mov %0, %%rsp\n\t"
                         "mov $23, %%eax\n\t"
                         "syscall"
                         :
                         : "r"(&ctx)
                         : "rax", "rcx", "r11", "memory");
    printk("hostile-iret: iret returned\n");
    return 1;
}
