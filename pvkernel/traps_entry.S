/*
 * Exception entry stubs.  The hypervisor's bounce frame carries the
 * interrupted RCX and R11 on top (they are lost to the hypercall that
 * returns); the stub pops them back, pushes a zero error code where the CPU
 * gives none, and saves the rest as struct trap_frame for pvkernel_trap.
 * The return goes through HYPERVISOR_iret with an iret_context built on the
 * stack: {rax, r11, rcx, flags, rip, cs, rflags, rsp, ss}.
 */
#include <pvkernel/trap_entry.h>

#define HYPERCALL_IRET 23


.macro TRAP_STUB vector, has_error
        .globl trap_entry_\vector
trap_entry_\vector:
        CAPTURE_ENTRY
        pop     %rcx
        pop     %r11
        .if \has_error == 0
        push    $0
        .endif
        push    $\vector
        jmp     trap_common
.endm

        .text
        TRAP_STUB 0, 0
        TRAP_STUB 1, 0
        TRAP_STUB 3, 0
        TRAP_STUB 4, 0
        TRAP_STUB 5, 0
        TRAP_STUB 6, 0
        TRAP_STUB 7, 0
        TRAP_STUB 10, 1
        TRAP_STUB 11, 1
        TRAP_STUB 12, 1
        TRAP_STUB 13, 1
        TRAP_STUB 14, 1
        TRAP_STUB 16, 0
        TRAP_STUB 17, 1
        TRAP_STUB 19, 0

/*
 * The event callback: the same bounce frame without an error code; handed
 * to pvkernel_trap as vector 256 (EVENTS_VECTOR_UPCALL in events.h).
 */
        .globl hypervisor_callback
hypervisor_callback:
        CAPTURE_ENTRY
        pop     %rcx
        pop     %r11
        push    $0
        push    $256
        jmp     trap_common

/*
 * The failsafe callback (a bad segment on the way back to the guest): the
 * bounce frame also carries ds, es, fs, gs below rcx and r11; vector 257
 * (EVENTS_VECTOR_FAILSAFE).
 */
        .globl failsafe_callback
failsafe_callback:
        CAPTURE_ENTRY
        pop     %rcx
        pop     %r11
        add     $32, %rsp
        push    $0
        push    $257
        jmp     trap_common

/*
 * The syscall callbacks (a guest-user syscall, or any from compatibility
 * mode): the event callback's frame; vectors 258 and 259
 * (TRAP_VECTOR_SYSCALL, TRAP_VECTOR_SYSCALL32 in traps.h).
 */
        .globl syscall_callback
syscall_callback:
        CAPTURE_ENTRY
        pop     %rcx
        pop     %r11
        push    $0
        push    $258
        jmp     trap_common

        .globl syscall32_callback
syscall32_callback:
        CAPTURE_ENTRY
        pop     %rcx
        pop     %r11
        push    $0
        push    $259
        jmp     trap_common

        .globl trap_common
trap_common:
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
        mov     %rsp, %rdi
        mov     %rsp, %rbx
        and     $~15, %rsp
        call    pvkernel_trap
        mov     %rbx, %rsp
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
        add     $16, %rsp               /* vector, error code */
        /* Now rip, cs, rflags, rsp, ss: complete the iret_context below them. */
        push    $0                      /* flags: not in a syscall */
        push    %rcx
        push    %r11
        push    %rax
        mov     $HYPERCALL_IRET, %eax
        syscall
        ud2                             /* iret does not return here */

        .section .bss
        .balign 8
        .globl trap_entry_rcx, trap_entry_r11, trap_entry_rflags
trap_entry_rcx:    .quad 0
trap_entry_r11:    .quad 0
trap_entry_rflags: .quad 0

        .section .note.GNU-stack, "", @progbits
