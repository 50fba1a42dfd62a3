/*
 * Linked into a copy of crash-ud2: a XEN_ELFNOTE_HYPERCALL_PAGE note naming
 * an address past the initial mapping, which a builder must refuse.
 */
#include <xen/elfnote.h>

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* name size */
        .long   8                       /* descriptor size */
        .long   XEN_ELFNOTE_HYPERCALL_PAGE
        .asciz  "Xen"
        .balign 4
        .quad   0xffffffff90000000
        .popsection

        .section .note.GNU-stack, "", @progbits
