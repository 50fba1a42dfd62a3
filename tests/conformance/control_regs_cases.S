/*
 * Instructions for the control-regs conformance kernel: control-register
 * moves (also with a ModRM.mod the CPU ignores), xsetbv/xgetbv, rdtsc and
 * rdtscp, debug-register moves the CPU refuses, FS/GS base instructions,
 * wbinvd, MSRs, port input under single-step, forced cpuid and an AVX
 * instruction.  A helper that may fault stores where to resume in
 * cr_resume_rip first; the C side's trap hook resumes there (#GP, #UD,
 * #PF), retries (#NM) or goes on after the trap (#DB).
 */
#include "probes.inc"

.macro RESUME_AT label
        lea     \label(%rip), %rax
        mov     %rax, cr_resume_rip(%rip)
.endm

        .text

/* uint64_t cr_read_crN(void): ~0 if it faults. */
.macro READ_CR n
        .globl cr_read_cr\n
cr_read_cr\n:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     %cr\n, %rax
1:      ret
.endm
        READ_CR 0
        READ_CR 2
        READ_CR 3
        READ_CR 4

/* void cr_write_crN(uint64_t) */
.macro WRITE_CR n
        .globl cr_write_cr\n
cr_write_cr\n:
        RESUME_AT 1f
        mov     %rdi, %cr\n
1:      ret
.endm
        WRITE_CR 0
        WRITE_CR 2
        WRITE_CR 3
        WRITE_CR 4

/* uint64_t cr_read_cr0_mod0(void): 0f 20 00, ModRM.mod 0 (ignored: %cr0 to %rax). */
        .globl cr_read_cr0_mod0
cr_read_cr0_mod0:
        RESUME_AT 1f
        mov     $-1, %rax
        .byte   0x0f, 0x20, 0x00
1:      ret

/* uint64_t cr_rdtsc(void): ~0 if it faults. */
        .globl cr_rdtsc
cr_rdtsc:
        RESUME_AT 1f
        mov     $-1, %eax
        mov     $-1, %edx
        rdtsc
        shl     $32, %rdx
        mov     %eax, %eax
        or      %rdx, %rax
1:      ret

/* uint64_t cr_rdtscp(uint64_t *aux): ~0 if it faults (*aux as ECX was). */
        .globl cr_rdtscp
cr_rdtscp:
        mov     %rdi, %r8
        RESUME_AT 1f
        mov     $-1, %eax
        mov     $-1, %edx
        mov     $-1, %rcx
        rdtscp
        shl     $32, %rdx
        mov     %eax, %eax
        or      %rdx, %rax
1:      mov     %rcx, (%r8)
        ret

/* cr_xgetbv: ~0 if it faults. */
        PROBE_XGETBV cr_xgetbv, cr_resume_rip

/* void cr_xsetbv(uint32_t xcr, uint64_t value), and with a 66 prefix. */
        PROBE_XSETBV cr_xsetbv, cr_resume_rip
        .globl cr_xsetbv_66
cr_xsetbv_66:
        RESUME_AT 1f
        mov     %edi, %ecx
        mov     %esi, %eax
        mov     %rsi, %rdx
        shr     $32, %rdx
        .byte   0x66, 0x0f, 0x01, 0xd1
1:      ret

/* void cr_avx(void): one instruction on %ymm0. */
        .globl cr_avx
cr_avx:
        RESUME_AT 1f
        vxorps  %ymm0, %ymm0, %ymm0
1:      ret

/* void cr_sse(void): one SSE instruction. */
        .globl cr_sse
cr_sse:
        RESUME_AT 1f
        pxor    %xmm15, %xmm15
1:      ret

/* uint64_t cr_read_dr4(void), cr_read_dr8(void): ~0 if they fault. */
        .globl cr_read_dr4, cr_read_dr8
cr_read_dr4:
        RESUME_AT 1f
        mov     $-1, %rax
        .byte   0x0f, 0x21, 0xe0        /* mov %dr4, %rax */
1:      ret
cr_read_dr8:
        RESUME_AT 1f
        mov     $-1, %rax
        .byte   0x44, 0x0f, 0x21, 0xc0  /* mov %dr8, %rax */
1:      ret

/* void cr_write_dr5(uint64_t), cr_write_dr7(uint64_t) */
        .globl cr_write_dr5, cr_write_dr7
cr_write_dr5:
        RESUME_AT 1f
        .byte   0x0f, 0x23, 0xef        /* mov %rdi, %dr5 */
1:      ret
cr_write_dr7:
        RESUME_AT 1f
        mov     %rdi, %dr7
1:      ret

/* uint64_t cr_rdfsbase(void), cr_rdgsbase(void): ~0 if they fault. */
        .globl cr_rdfsbase, cr_rdgsbase, cr_wrgsbase
cr_rdfsbase:
        RESUME_AT 1f
        mov     $-1, %rax
        rdfsbase %rax
1:      ret
cr_rdgsbase:
        RESUME_AT 1f
        mov     $-1, %rax
        rdgsbase %rax
1:      ret
/* void cr_wrgsbase(uint64_t) */
cr_wrgsbase:
        RESUME_AT 1f
        wrgsbase %rdi
1:      ret

/* void cr_wbinvd(void) */
        .globl cr_wbinvd
cr_wbinvd:
        RESUME_AT 1f
        wbinvd
1:      ret

/* cr_rdmsr: ~0 if it faults; cr_wrmsr. */
        PROBE_RDMSR cr_rdmsr, cr_resume_rip

        PROBE_WRMSR cr_wrmsr, cr_resume_rip

/* unsigned int cr_inb(unsigned int port): ~0 if it faults. */
        PROBE_INB cr_inb, cr_resume_rip

/* unsigned int cr_inw(unsigned int port): ~0 if it faults. */
        .globl cr_inw
cr_inw:
        RESUME_AT 1f
        mov     %edi, %edx
        mov     $-1, %eax
        inw     %dx, %ax
        movzwl  %ax, %eax
1:      ret

/*
 * void cr_inb_stepped(unsigned int port), cr_cpuid_stepped(void): the
 * instruction with RFLAGS.TF set (the #DB hook clears it).  The labels
 * after each are where a trap after that one instruction lands.
 */
        .globl cr_inb_stepped, cr_after_stepped_in, cr_cpuid_stepped, cr_after_stepped_cpuid
        .globl cr_nop_stepped, cr_after_stepped_nop
cr_inb_stepped:
        RESUME_AT 1f
        mov     %edi, %edx
        pushf
        orq     $0x100, (%rsp)
        popf
        inb     %dx, %al
cr_after_stepped_in:
        nop
1:      ret
/* void cr_cli_stepped(void), cr_rdmsr_stepped(uint32_t msr) */
        .globl cr_cli_stepped, cr_after_stepped_cli, cr_rdmsr_stepped, cr_after_stepped_rdmsr
cr_cli_stepped:
        RESUME_AT 1f
        pushf
        orq     $0x100, (%rsp)
        popf
        cli
cr_after_stepped_cli:
        nop
1:      ret
cr_rdmsr_stepped:
        RESUME_AT 1f
        mov     %edi, %ecx
        pushf
        orq     $0x100, (%rsp)
        popf
        rdmsr
cr_after_stepped_rdmsr:
        nop
1:      ret
cr_cpuid_stepped:
        push    %rbx
        RESUME_AT 1f
        xor     %eax, %eax
        xor     %ecx, %ecx
        pushf
        orq     $0x100, (%rsp)
        popf
        ud2
        .ascii  "xen"
        cpuid
cr_after_stepped_cpuid:
        nop
1:      pop     %rbx
        ret
cr_nop_stepped:
        RESUME_AT 1f
        pushf
        orq     $0x100, (%rsp)
        popf
        nop
cr_after_stepped_nop:
        nop
1:      ret

        FORCED_CPUID cr_forced_cpuid

/* uint64_t cr_touch(uint64_t va): reads va; ~0 if it faults. */
        .globl cr_touch
cr_touch:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     (%rdi), %rax
1:      ret

        .data
        .globl cr_resume_rip
        .balign 8
cr_resume_rip:
        .quad   0
