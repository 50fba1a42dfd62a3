/*
 * Privileged operations for the priv-ops conformance kernel: forced-
 * emulation cpuid (the "ud2; .ascii 'xen'" prefix Xen and hv decode), rdmsr
 * and wrmsr, and control-register reads.  Faults are recorded by the C
 * side's trap hook, which resumes at resume_rip.
 */
#include "probes.inc"

        .text

        FORCED_CPUID forced_cpuid

/* read_msr, write_msr: a fault resumes at the return (read: ~0). */
        PROBE_RDMSR read_msr, resume_rip

        PROBE_WRMSR write_msr, resume_rip

        .globl read_cr0, read_cr2, read_cr3, read_cr4
read_cr0:
        lea     1f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     $-1, %rax
        mov     %cr0, %rax
1:      ret
read_cr2:
        lea     1f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     $-1, %rax
        mov     %cr2, %rax
1:      ret
read_cr3:
        lea     1f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     $-1, %rax
        mov     %cr3, %rax
1:      ret
read_cr4:
        lea     1f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     $-1, %rax
        mov     %cr4, %rax
1:      ret

        .globl resume_rip
/*
 * void string_io(struct sio *s, unsigned int which): one ins/outs form with
 * RCX, RSI, RDI and RDX from s = {rcx, rsi, rdi, rdx}, which are written
 * back afterwards (also after a fault, resumed at the common end).
 *   0 rep insb   1 rep insl   2 rep outsb   3 insb   4 std; rep insb
 *   5 rep outsb from %fs:   6 addr32 rep insb
 */
        .globl string_io
string_io:
        mov     %rdi, %r8
        mov     %esi, %r9d
        lea     9f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     0(%r8), %rcx
        mov     8(%r8), %rsi
        mov     16(%r8), %rdi
        mov     24(%r8), %rdx
        cmp     $1, %r9d
        je      1f
        cmp     $2, %r9d
        je      2f
        cmp     $3, %r9d
        je      3f
        cmp     $4, %r9d
        je      4f
        cmp     $5, %r9d
        je      5f
        cmp     $6, %r9d
        je      6f
        rep insb
        jmp     9f
1:      rep insl
        jmp     9f
2:      rep outsb
        jmp     9f
3:      insb
        jmp     9f
4:      std
        rep insb
        jmp     9f
5:      rep outsb %fs:(%rsi), (%dx)
        jmp     9f
6:      .byte   0x67, 0xf3, 0x6c        /* addr32 rep insb */
9:      cld
        mov     %rcx, 0(%r8)
        mov     %rsi, 8(%r8)
        mov     %rdi, 16(%r8)
        ret

        .section .bss
        .balign 8
resume_rip:     .quad 0

        .section .note.GNU-stack, "", @progbits
