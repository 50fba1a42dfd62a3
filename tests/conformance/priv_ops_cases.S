/*
 * Privileged operations for the priv-ops conformance kernel: forced-
 * emulation cpuid (the "ud2; .ascii 'xen'" prefix Xen and hv decode), rdmsr
 * and wrmsr, and control-register reads.  Faults are recorded by the C
 * side's trap hook, which resumes at resume_rip.
 */
        .text

/* void forced_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) */
        .globl forced_cpuid
forced_cpuid:
        push    %rbx
        mov     %edi, %eax
        mov     %esi, %ecx
        mov     %rdx, %r8
        ud2
        .ascii  "xen"
        cpuid
        mov     %eax, 0(%r8)
        mov     %ebx, 4(%r8)
        mov     %ecx, 8(%r8)
        mov     %edx, 12(%r8)
        pop     %rbx
        ret

/* uint64_t read_msr(uint32_t msr): faults are resumed at the ret with rax = ~0 */
        .globl read_msr
read_msr:
        lea     1f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     %edi, %ecx
        mov     $-1, %rax
        mov     $-1, %rdx
        rdmsr
        shl     $32, %rdx
        mov     %eax, %eax
        or      %rdx, %rax
1:      ret

/* void write_msr(uint32_t msr, uint64_t value) */
        .globl write_msr
write_msr:
        lea     1f(%rip), %rax
        mov     %rax, resume_rip(%rip)
        mov     %edi, %ecx
        mov     %rsi, %rax
        mov     %rsi, %rdx
        shr     $32, %rdx
        wrmsr
1:      ret

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
