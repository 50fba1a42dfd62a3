/*
 * A hostile dom0: HYPERVISOR_iret with a frame hv's own iretq could not load
 * (a non-canonical RIP, or a selector the guest may not use).  hv must crash
 * the domain, never fault itself, and keep answering debug keys.  The case
 * is chosen by the module's command line: "rip", "cs" or "cs32-rip".
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <string.h>

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
        ctx.cs = 0xe008; /* hv's own code selector */
    } else if (!strcmp(which, "cs32-rip")) {
        /* Canonical, but past the 4 GiB limit of the flat 32-bit code segment. */
        ctx.rip = 0x100001000UL;
        ctx.cs = FLAT_USER_CS32 & ~3;
    }
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
