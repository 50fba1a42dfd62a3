/*
 * Instructions that may fault on data hv does not fully control (a
 * guest's XCR0 value, a context's FPU image): an exception-table entry
 * sends the fault to a fix-up that clears a bool operand %0 and resumes
 * after the instruction (traps.c searches the table).
 */
#ifndef ASM_EXTABLE_H
#define ASM_EXTABLE_H

#define ASM_TRY(insn) ASM_TRY_FIXUP(insn, "nop")

/* ... and runs `fixup` (instructions) first, e.g. to load a safe value. */
#define ASM_TRY_FIXUP(insn, fixup)                                                                 \
    "1:\t" insn "\n"                                                                               \
    "2:\n\t"                                                                                       \
    ".pushsection .ex_table, \"a\"\n\t"                                                            \
    ".balign 8\n\t"                                                                                \
    ".quad 1b, 3f\n\t"                                                                             \
    ".popsection\n\t"                                                                              \
    ".pushsection .text.fixup, \"ax\"\n"                                                           \
    "3:\t" fixup "\n\t"                                                                            \
    "movb $0, %0\n\t"                                                                              \
    "jmp 2b\n\t"                                                                                   \
    ".popsection"
#endif
