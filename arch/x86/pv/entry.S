/*
 * PV guest entry and exit.  A guest-kernel `syscall` is a hypercall (DESIGN
 * §2.2); `syscall` does not switch stacks, so each CPU's LSTAR points at its
 * own stub below, which saves the guest's RSP and loads that CPU's stack
 * from pv_syscall_stack[cpu], both RIP-relative, touching no register the
 * guest still needs.  The stub builds the same struct cpu_regs frame that an
 * interrupt from the guest gets, so one exit path (pv_enter_guest) serves all.
 */
#include <asm/layout.h>
#include <asm/asm-frame.h>
#include <asm/processor-flags.h>

#define FLAT_KERNEL_CS 0xe033
#define FLAT_KERNEL_SS 0xe02b
#define FLAT_USER_CS32 0xe023
#define VECTOR_SYSCALL 0x100

        .text
        .code64

.macro SYSCALL_STUB cpu, cs
        .balign 64
        mov     %rsp, pv_syscall_scratch + 8 * \cpu(%rip)
        mov     pv_syscall_stack + 8 * \cpu(%rip), %rsp
        push    $FLAT_KERNEL_SS
        push    pv_syscall_scratch + 8 * \cpu(%rip)
        push    %r11                    /* RFLAGS */
        push    $\cs                    /* tells a compat-mode syscall apart */
        push    %rcx                    /* RIP */
        jmp     pv_syscall_common
.endm

        .balign 64
        .globl pv_syscall_stubs
pv_syscall_stubs:
        .altmacro
        .set    cpu, 0
        .rept   NR_CPUS
        SYSCALL_STUB %cpu, FLAT_KERNEL_CS
        .set    cpu, cpu + 1
        .endr

/* CSTAR's: a syscall from compatibility mode, never a hypercall (as on Xen). */
        .globl pv_syscall32_stubs
pv_syscall32_stubs:
        .set    cpu, 0
        .rept   NR_CPUS
        SYSCALL_STUB %cpu, FLAT_USER_CS32
        .set    cpu, cpu + 1
        .endr

pv_syscall_common:
        push    $0
        push    $VECTOR_SYSCALL
        cld
        PUSH_CPU_REGS
        mov     %rsp, %rdi
        xor     %ebp, %ebp              /* stack traces end here */
        call    pv_syscall
        mov     %rsp, %rdi
        jmp     pv_enter_guest

/* pv_enter_guest(frame): restores the guest registers in frame and irets. */
        .globl pv_enter_guest
pv_enter_guest:
        mov     %rdi, %rsp
        POP_CPU_REGS
        iretq

/* reset_stack_and_call(top, fn): abandons the current stack. */
        .globl reset_stack_and_call
reset_stack_and_call:
        mov     %rdi, %rsp
        xor     %ebp, %ebp
        call    *%rsi
        ud2

        .section .bss
        .balign 8
        .globl pv_syscall_stack
pv_syscall_stack:
        .skip   8 * NR_CPUS
pv_syscall_scratch:
        .skip   8 * NR_CPUS

        .section .note.GNU-stack, "", @progbits
