/*
 * Assembler macros that push and pop the general registers in the order of
 * struct cpu_regs (asm/regs.h), for every entry path into hv: one definition,
 * so the frame and the structure cannot drift apart.
 */
#ifndef ASM_ASM_FRAME_H
#define ASM_ASM_FRAME_H
#ifdef __ASSEMBLY__
/* Assembler, not C: */
/* clang-format off */
/* Expects the vector and error code already pushed below the CPU's frame. */
.macro PUSH_CPU_REGS
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rax
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
.endm

/* The reverse, then drops the vector and error code. */
.macro POP_CPU_REGS
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rax
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $16, %rsp
.endm
/* clang-format on */
#endif
#endif
