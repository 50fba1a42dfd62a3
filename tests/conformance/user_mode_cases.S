/*
 * The guest-user side of the user-mode conformance kernel.
 *
 * enter_user(rip, rsp, rflags, iret_flags) saves the kernel's callee-saved
 * registers and stack pointer and goes to guest user mode with
 * HYPERVISOR_iret; run_in_kernel(rip) runs the same case code in guest
 * kernel mode instead.  Each case ends with an exception, a syscall or a
 * software interrupt; the C side's trap hook records the frame and irets to
 * case_return, which returns from enter_user or run_in_kernel.
 *
 * Each case sets RCX and R11 to markers (the bounce frame must carry them)
 * and has a label ufault_<name> on the instruction that ends it.
 */
#define FLAT_USER_CS   0xe033
#define FLAT_USER_SS   0xe02b
#define HYPERCALL_IRET 23
#define MARK_RCX       0x11c0ffee
#define MARK_R11       0x22beef

#include <pvkernel/trap_entry.h>

/* Keeps the kernel's callee-saved registers and stack pointer for case_return. */
.macro SAVE_KERNEL_CONTEXT
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, kernel_resume_rsp(%rip)
.endm

        .text

        .globl enter_user
enter_user:
        SAVE_KERNEL_CONTEXT
        mov     %rsi, case_rsp(%rip)
        /* iret_context, lowest address first: rax, r11, rcx, flags, rip, cs, rflags, rsp, ss */
        push    $FLAT_USER_SS
        push    %rsi
        push    %rdx
        push    $FLAT_USER_CS
        push    %rdi
        push    %rcx
        push    $MARK_RCX
        push    $MARK_R11
        push    $0x5a5a
        mov     $HYPERCALL_IRET, %eax
        syscall
        ud2

        .globl run_in_kernel
run_in_kernel:
        SAVE_KERNEL_CONTEXT
        mov     %rsp, case_rsp(%rip)
        jmp     *%rdi

        .globl case_return
case_return:
        mov     kernel_resume_rsp(%rip), %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        ret

.macro UCASE name
        .globl ucase_\name, ufault_\name
ucase_\name:
        mov     $MARK_RCX, %ecx
        mov     $MARK_R11, %r11d
.endm

        UCASE ud2
ufault_ud2:
        ud2

        UCASE int3
ufault_int3:
        int3

        UCASE int3_long
ufault_int3_long:
        .byte   0xcd, 0x03              /* int $3, the two-byte form */

        UCASE divide_error
        xor     %edx, %edx
        mov     $1, %eax
        xor     %ebx, %ebx
ufault_divide_error:
        div     %rbx

        UCASE hlt
ufault_hlt:
        hlt

        UCASE cli
ufault_cli:
        cli

        UCASE in_port
ufault_in_port:
        inb     $0x80, %al

        UCASE rdmsr
        mov     $0xc0000080, %ecx
ufault_rdmsr:
        rdmsr

        UCASE noncanonical_read
        movabs  $0x8000000000000000, %rbx
ufault_noncanonical_read:
        mov     (%rbx), %rax

        UCASE unmapped_read
        mov     $0x1000, %ebx
ufault_unmapped_read:
        mov     (%rbx), %rax

        UCASE readonly_write
        mov     readonly_target(%rip), %rbx
ufault_readonly_write:
        movq    $0, (%rbx)

        UCASE int21
ufault_int21:
        int     $0x21

        UCASE int80
ufault_int80:
        int     $0x80

        UCASE int81
ufault_int81:
        int     $0x81

        UCASE int82
ufault_int82:
        int     $0x82

        /* A syscall: RCX and R11 are the instruction's; DF set to see it cleared. */
        UCASE syscall
        mov     $0x1234, %eax
        std
ufault_syscall:
        syscall
        ud2

        /* The forced-emulation prefix, then cpuid leaf 0x40000000. */
        UCASE forced_cpuid
        mov     $0x40000000, %eax
        xor     %ebx, %ebx
        xor     %ecx, %ecx
        xor     %edx, %edx
        ud2
        .ascii  "xen"
        cpuid
        mov     $MARK_RCX, %ecx
ufault_forced_cpuid:
        ud2

        /* The segment bases user mode sees: %gs:0 into RAX, %fs:0 into RBX. */
        UCASE segment_bases
        mov     %gs:0, %rax
        mov     %fs:0, %rbx
ufault_segment_bases:
        ud2

        /* RCX and R11 as HYPERVISOR_iret left them, into RDI and RSI. */
        .globl ucase_iret_regs, ufault_iret_regs
ucase_iret_regs:
        mov     %rcx, %rdi
        mov     %r11, %rsi
        mov     $MARK_RCX, %ecx
        mov     $MARK_R11, %r11d
ufault_iret_regs:
        ud2

        /* Forced cpuid leaf 1: ECX as seen into RSI. */
        UCASE cpuid_leaf1
        mov     $1, %eax
        xor     %ecx, %ecx
        ud2
        .ascii  "xen"
        cpuid
        mov     %ecx, %esi
        mov     $MARK_RCX, %ecx
ufault_cpuid_leaf1:
        ud2

        /* xsetbv of XCR0 = x87|SSE; a ud2 after it if it does not fault. */
        UCASE xsetbv
        xor     %ecx, %ecx
        mov     $3, %eax
        xor     %edx, %edx
ufault_xsetbv:
        xsetbv
        ud2

        /* rdtsc; a ud2 after it if it does not fault. */
        UCASE rdtsc
ufault_rdtsc:
        rdtsc
        ud2

        /* sysenter; a ud2 after it if it returns. */
        UCASE sysenter
ufault_sysenter:
        sysenter
        ud2

        /* Spins until an event handler sets user_event_flag. */
        .globl ucase_spin, uspin_end
        UCASE spin
1:      cmpb    $0, user_event_flag(%rip)
        je      1b
uspin_end:
ufault_spin:
        ud2

/* Entry stubs for the software-interrupt vectors the kernel adds to its trap table. */
.macro SOFTINT_STUB vector
        .globl softint_entry_\vector
softint_entry_\vector:
        CAPTURE_ENTRY
        pop     %rcx
        pop     %r11
        push    $0
        push    $\vector
        jmp     trap_common
.endm

        SOFTINT_STUB 0x80
        SOFTINT_STUB 0x81
        SOFTINT_STUB 0x82

        .globl kernel_resume_rsp, case_rsp, readonly_target, user_event_flag
        .section .bss
        .balign 8
kernel_resume_rsp: .quad 0
case_rsp:          .quad 0
readonly_target:   .quad 0
user_event_flag:   .byte 0

        .section .note.GNU-stack, "", @progbits
