/*
 * Linked into a copy of crash-ud2: a XEN_ELFNOTE_INIT_P2M note naming
 * an address inside the initial mapping (past the kernel), which Xen refuses
 * ("DOM0 P->M table overlaps initial mapping") and so must hv.
 */
#include <xen/elfnote.h>

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* name size */
        .long   8                       /* descriptor size */
        .long   XEN_ELFNOTE_INIT_P2M
        .asciz  "Xen"
        .balign 4
        .quad   0xffffffff80300000
        .popsection

        .section .note.GNU-stack, "", @progbits
