/*
 * The faulting instructions of the traps conformance kernel.  Each case
 * records where it faults (fault_rip) and where to resume (resume_rip) and
 * its stack pointer, loads marker values into RCX and R11 (which the bounce
 * frame must carry), then executes one instruction that traps.  The C side's
 * trap hook resumes at resume_rip.
 */
        .text

.macro CASE name
        .globl case_\name
case_\name:
        push    %rbx
        lea     1f(%rip), %rax
        mov     %rax, fault_rip(%rip)
        lea     2f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     %rsp, fault_rsp(%rip)
        mov     $0xc0ffee11, %rcx
        mov     $0xbeef22, %r11
.endm

.macro END_CASE
2:      pop     %rbx
        ret
.endm

        CASE ud2
1:      ud2
        END_CASE

        CASE int3
1:      int3
        END_CASE

        CASE divide_error
        xor     %edx, %edx
        mov     $1, %eax
        xor     %ebx, %ebx
1:      div     %rbx
        END_CASE

        CASE noncanonical_read
        movabs  $0x8000000000000000, %rbx
1:      mov     (%rbx), %rax
        END_CASE

        CASE unmapped_read
        mov     $0x1000, %ebx
1:      mov     (%rbx), %rax
        END_CASE

        CASE readonly_write
        mov     readonly_target(%rip), %rbx
1:      movq    $0, (%rbx)
        END_CASE

        CASE hlt
1:      hlt
        END_CASE

        CASE cli
1:      cli
        END_CASE

        CASE in_port
1:      inb     $0x80, %al
        END_CASE

        .globl fault_rip, resume_rip, fault_rsp, readonly_target
        .section .bss
        .balign 8
fault_rip:       .quad 0
resume_rip:      .quad 0
fault_rsp:       .quad 0
readonly_target: .quad 0

        .section .note.GNU-stack, "", @progbits
