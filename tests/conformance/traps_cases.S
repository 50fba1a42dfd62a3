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

/*
 * Into hv's range (Xen's 0xffff800000000000-0xffff87ffffffffff): its text,
 * its direct map and the read-only M2P, each executed, read and written.
 * A jump faults at its target, so the target is the fault RIP.
 */
.macro HV_RANGE_CASES name, address
        CASE \name\()_exec
        movabs  $\address, %rbx
        mov     %rbx, fault_rip(%rip)
1:      jmp     *%rbx
        END_CASE

        CASE \name\()_read
        movabs  $\address, %rbx
1:      mov     (%rbx), %rax
        END_CASE

        CASE \name\()_write
        movabs  $\address, %rbx
1:      movq    $0, (%rbx)
        END_CASE
.endm

        HV_RANGE_CASES hv_text, 0xffff82d040000000
        HV_RANGE_CASES hv_directmap, 0xffff830000000000
        HV_RANGE_CASES hv_m2p, 0xffff800000000000
        HV_RANGE_CASES hv_range_last, 0xffff87fffffff000

/* QEMU raises this #GP at the target (real CPUs at the jump): the fault
 * RIP is taken relative to the target. */
        CASE noncanonical_exec
        movabs  $0x8000000000000000, %rbx
        mov     %rbx, fault_rip(%rip)
1:      jmp     *%rbx
        END_CASE

        .globl fault_rip, resume_rip, fault_rsp, readonly_target
        .section .bss
        .balign 8
fault_rip:       .quad 0
resume_rip:      .quad 0
fault_rsp:       .quad 0
readonly_target: .quad 0

        .section .note.GNU-stack, "", @progbits
