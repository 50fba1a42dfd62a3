/*
 * Memory accesses that may fault, for the mmu conformance kernel.  Each
 * probe has one faulting instruction at a global label; the kernel's trap
 * hook, seeing a fault there, records it and resumes at probe_fixup, which
 * returns -1.  Without a fault a probe returns 0.
 *
 *   long probe_read64(const uint64_t *p, uint64_t *out);
 *   long probe_write64(uint64_t *p, uint64_t val);
 *   long probe_write32(uint32_t *p, uint32_t val);
 *   long probe_cmpxchg64(uint64_t *p, uint64_t old, uint64_t new);
 *        (0 if the exchange happened, 1 if *p was not old, -1 on a fault)
 */
        .text

        .globl probe_read64, probe_read64_insn
probe_read64:
        xor     %eax, %eax
probe_read64_insn:
        mov     (%rdi), %rcx
        mov     %rcx, (%rsi)
        ret

        .globl probe_write64, probe_write64_insn
probe_write64:
        xor     %eax, %eax
probe_write64_insn:
        mov     %rsi, (%rdi)
        ret

        .globl probe_write32, probe_write32_insn
probe_write32:
        xor     %eax, %eax
probe_write32_insn:
        mov     %esi, (%rdi)
        ret

        .globl probe_cmpxchg64, probe_cmpxchg64_insn
probe_cmpxchg64:
        mov     %rsi, %rax
probe_cmpxchg64_insn:
        lock cmpxchg %rdx, (%rdi)
        setne   %al
        movzbl  %al, %eax
        ret

        .globl probe_fixup
probe_fixup:
        mov     $-1, %rax
        ret

        .section .note.GNU-stack, "", @progbits
