/*
 * The switch between pvkernel threads (threads.c): only what the SysV ABI
 * makes a callee keep — RBX, RBP, R12-R15 and the stack — since every
 * switch happens inside a function call.
 *
 * thread_switch(uint64_t *save_rsp, uint64_t load_rsp)
 */
        .text
        .globl thread_switch
thread_switch:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, (%rdi)
        mov     %rsi, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

/* Where a new thread's first switch returns to (threads.c builds its stack). */
        .globl thread_entry
thread_entry:
        xor     %ebp, %ebp
        call    thread_run_current
        ud2

        .section .note.GNU-stack, "", @progbits
