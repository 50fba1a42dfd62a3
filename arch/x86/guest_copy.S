/*
 * raw_copy_guest(dst, src, len): rep movsb with SMAP opened around it.  A
 * fault on the copy resumes at the fixup (exception table), which returns
 * the number of bytes left.
 */
        .text
        .globl raw_copy_guest
raw_copy_guest:
        mov     %rdx, %rcx
        testb   $1, cpu_has_smap(%rip)
        jz      1f
        stac
1:
copy_insn:
        rep movsb
copy_done:
        testb   $1, cpu_has_smap(%rip)
        jz      2f
        clac
2:
        mov     %rcx, %rax
        ret

        .section .ex_table, "a"
        .balign 8
        .quad   copy_insn, copy_done

        .section .note.GNU-stack, "", @progbits
