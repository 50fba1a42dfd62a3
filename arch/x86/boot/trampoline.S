/*
 * Secondary-CPU trampoline: real mode -> protected mode -> long mode.  The
 * BSP copies this blob to TRAMPOLINE_PHYS, fills in the parameters at its
 * end (page-table root, stack, entry point) and sends INIT-SIPI-SIPI with the
 * blob's page as the start vector.  The page tables it gets identity-map the
 * first 2 MiB for the instant of the switch; ap_start then moves to hv's own.
 */
#include <asm/layout.h>
#include <asm/processor-flags.h>

#define TRAMP(sym) (TRAMPOLINE_PHYS + (sym) - trampoline_start)

        .section .rodata, "a"
        .balign 16
        .globl trampoline_start
        .code16
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   tramp_gdtr - trampoline_start
        mov     %cr0, %eax
        or      $X86_CR0_PE, %eax
        mov     %eax, %cr0
        ljmpl   $BOOT_CS32, $TRAMP(tramp32)

        .code32
tramp32:
        mov     $BOOT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %cr4, %eax
        or      $X86_CR4_PAE, %eax
        mov     %eax, %cr4
        mov     TRAMP(tramp_cr3), %eax
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        testl   $1, TRAMP(tramp_nx)
        jz      1f
        or      $EFER_NXE, %eax
1:      wrmsr
        mov     %cr0, %eax
        or      $(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
        mov     %eax, %cr0
        ljmp    $BOOT_CS64, $TRAMP(tramp64)

        .code64
tramp64:
        mov     TRAMP(tramp_stack), %rsp
        mov     TRAMP(tramp_arg), %rdi
        xor     %ebp, %ebp
        jmp     *TRAMP(tramp_entry)

        .balign 8
tramp_gdt:
        .quad   0
        .quad   GDT_DESC_CS64           /* BOOT_CS64 */
        .quad   GDT_DESC_DS             /* BOOT_DS */
        .quad   GDT_DESC_CS32           /* BOOT_CS32 */
tramp_gdt_end:
tramp_gdtr:
        .word   tramp_gdt_end - tramp_gdt - 1
        .long   TRAMP(tramp_gdt)

        /* Parameters, filled in by the BSP (struct trampoline_params). */
        .balign 8
        .globl trampoline_params
trampoline_params:
tramp_cr3:      .quad 0
tramp_stack:    .quad 0
tramp_entry:    .quad 0
tramp_arg:      .quad 0
tramp_nx:       .quad 0
        .globl trampoline_end
trampoline_end:

        .section .note.GNU-stack, "", @progbits
