/*
 * Trap and interrupt entry: one stub per vector pushes a dummy error code
 * where the CPU pushes none, then the vector, and joins the common path that
 * saves the registers as struct cpu_regs and calls do_trap().
 */
#include <asm/layout.h>
#include <asm/asm-frame.h>

        .text
        .code64

.macro STUB vector
        .balign 16
        .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
        .else
        push    $0
        .endif
        push    $\vector
        jmp     trap_common
.endm

        .balign 16
        .globl trap_stubs
trap_stubs:
        .altmacro
        .set    v, 0
        .rept   256
        STUB    %v
        .set    v, v + 1
        .endr

trap_common:
        cld
        PUSH_CPU_REGS
        mov     %rsp, %rdi
        /* Let stack traces run through the interrupted frame. */
        mov     %rsp, %rbx
        and     $~15, %rsp
        call    do_trap
        mov     %rbx, %rsp
        POP_CPU_REGS
        iretq

        .section .note.GNU-stack, "", @progbits
