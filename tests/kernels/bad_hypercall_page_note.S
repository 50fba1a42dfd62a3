/*
 * Linked into a copy of crash-ud2: a XEN_ELFNOTE_HYPERCALL_PAGE note naming
 * an address past the initial mapping, which a builder must refuse.
 */
#include <pvkernel/elfnote.inc>

        elfnote XEN_ELFNOTE_HYPERCALL_PAGE, quad, 0xffffffff90000000

        .section .note.GNU-stack, "", @progbits
