/*
 * Instructions for the cpu-state conformance kernel: MSR and control- and
 * debug-register accesses, segment-relative reads, FPU/SSE and port I/O.
 * A helper that may fault stores where to resume in cs_resume_rip first;
 * the C side's trap hook resumes there (for #GP, #UD, #PF) or in place (for
 * #NM and #DB, which it handles).  Hypercall numbers are Xen's (xen.h).
 */
#define HC_FPU_TASKSWITCH 5
#define HC_XEN_VERSION    17
#define HC_SCHED_OP       29
#define SCHEDOP_BLOCK     1

.macro RESUME_AT label
        lea     \label(%rip), %rax
        mov     %rax, cs_resume_rip(%rip)
.endm

#include "probes.inc"

        .text

/* cs_rdmsr, cs_xgetbv: ~0 if they fault; cs_xsetbv. */
        PROBE_RDMSR cs_rdmsr, cs_resume_rip

        PROBE_XGETBV cs_xgetbv, cs_resume_rip

        PROBE_XSETBV cs_xsetbv, cs_resume_rip

/* uint64_t cs_read_fs0(void), cs_read_gs0(void): the quadword at the base. */
        .globl cs_read_fs0, cs_read_gs0
cs_read_fs0:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     %fs:0, %rax
1:      ret
cs_read_gs0:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     %gs:0, %rax
1:      ret

/* unsigned long cs_read_gs_sel(void) */
        .globl cs_read_gs_sel
cs_read_gs_sel:
        xor     %eax, %eax
        mov     %gs, %ax
        ret

/* uint64_t cs_read_cr0(void): ~0 if it faults. */
        .globl cs_read_cr0
cs_read_cr0:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     %cr0, %rax
1:      ret

/* void cs_clts(void) */
        .globl cs_clts
cs_clts:
        RESUME_AT 1f
        clts
1:      ret

/* uint64_t cs_read_dr7(void), cs_read_dr6(void): ~0 if they fault. */
        .globl cs_read_dr7, cs_read_dr6
cs_read_dr7:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     %dr7, %rax
1:      ret
cs_read_dr6:
        RESUME_AT 1f
        mov     $-1, %rax
        mov     %dr6, %rax
1:      ret

/* void cs_write_dr7(uint64_t) */
        .globl cs_write_dr7
cs_write_dr7:
        RESUME_AT 1f
        mov     %rdi, %dr7
1:      ret

/* void cs_bp_target(void): the target of the execute breakpoint. */
        .globl cs_bp_target
cs_bp_target:
        nop
        ret

/* void cs_icebp(void): int1 (0xf1), a trap: resumes after it. */
        .globl cs_icebp
cs_icebp:
        RESUME_AT 1f
        .byte   0xf1
1:      ret

/* void cs_store(uint64_t *p, uint64_t v): the access of the data breakpoint. */
        .globl cs_store
cs_store:
        mov     %rsi, (%rdi)
        ret

/* void cs_sse(void), cs_x87(void): one SSE and one x87 instruction. */
        .globl cs_sse, cs_x87
cs_sse:
        RESUME_AT 1f
        pxor    %xmm15, %xmm15
1:      ret
cs_x87:
        RESUME_AT 1f
        fnop
1:      ret

/* unsigned int cs_inb(unsigned int port): ~0 if it faults. */
        PROBE_INB cs_inb, cs_resume_rip

/*
 * Loads xmm0-xmm15 from in[0..31] and st0 from in[32] (a double).
 * Stores them to out[] the same way.
 */
.macro LOAD_FPU reg
        movdqu  0(\reg), %xmm0
        movdqu  16(\reg), %xmm1
        movdqu  32(\reg), %xmm2
        movdqu  48(\reg), %xmm3
        movdqu  64(\reg), %xmm4
        movdqu  80(\reg), %xmm5
        movdqu  96(\reg), %xmm6
        movdqu  112(\reg), %xmm7
        movdqu  128(\reg), %xmm8
        movdqu  144(\reg), %xmm9
        movdqu  160(\reg), %xmm10
        movdqu  176(\reg), %xmm11
        movdqu  192(\reg), %xmm12
        movdqu  208(\reg), %xmm13
        movdqu  224(\reg), %xmm14
        movdqu  240(\reg), %xmm15
        fninit
        fldl    256(\reg)
.endm

.macro STORE_FPU reg
        movdqu  %xmm0, 0(\reg)
        movdqu  %xmm1, 16(\reg)
        movdqu  %xmm2, 32(\reg)
        movdqu  %xmm3, 48(\reg)
        movdqu  %xmm4, 64(\reg)
        movdqu  %xmm5, 80(\reg)
        movdqu  %xmm6, 96(\reg)
        movdqu  %xmm7, 112(\reg)
        movdqu  %xmm8, 128(\reg)
        movdqu  %xmm9, 144(\reg)
        movdqu  %xmm10, 160(\reg)
        movdqu  %xmm11, 176(\reg)
        movdqu  %xmm12, 192(\reg)
        movdqu  %xmm13, 208(\reg)
        movdqu  %xmm14, 224(\reg)
        movdqu  %xmm15, 240(\reg)
        fstpl   256(\reg)
.endm

/*
 * unsigned long cs_fpu_keep(const uint64_t *in, uint64_t *out,
 *                           const volatile unsigned long *counter)
 * Loads the FPU state, makes hypercalls (xen_version, fpu_taskswitch(0))
 * and blocks (sched_op block, which enables events) until *counter changes
 * (at most 16 times), stores the state.  Returns how much *counter grew.
 */
        .globl cs_fpu_keep
cs_fpu_keep:
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rdi, %r12
        mov     %rsi, %r13
        mov     %rdx, %r14
        LOAD_FPU %r12
        mov     (%r14), %rbx
        mov     $HC_XEN_VERSION, %eax
        xor     %edi, %edi
        xor     %esi, %esi
        syscall
        mov     $HC_FPU_TASKSWITCH, %eax
        xor     %edi, %edi
        syscall
        mov     $16, %r15d
1:      mov     $HC_SCHED_OP, %eax
        mov     $SCHEDOP_BLOCK, %edi
        xor     %esi, %esi
        syscall
        cmp     (%r14), %rbx
        jne     2f
        dec     %r15d
        jnz     1b
2:      STORE_FPU %r13
        mov     (%r14), %rax
        sub     %rbx, %rax
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        ret

/*
 * void cs_fpu_keep_nm(const uint64_t *in, uint64_t *out): loads the FPU
 * state, fpu_taskswitch(1), then stores it: the first store raises #NM,
 * whose handler clears TS and resumes it.
 */
        .globl cs_fpu_keep_nm
cs_fpu_keep_nm:
        push    %r12
        push    %r13
        mov     %rdi, %r12
        mov     %rsi, %r13
        LOAD_FPU %r12
        mov     $HC_FPU_TASKSWITCH, %eax
        mov     $1, %edi
        syscall
        STORE_FPU %r13
        pop     %r13
        pop     %r12
        ret

        .section .bss
        .balign 8
        .globl cs_resume_rip
cs_resume_rip:
        .quad   0

        .section .note.GNU-stack, "", @progbits
