/*
 * Linked into a copy of the start-of-day kernel: the XEN_ELFNOTE_INIT_P2M
 * note, which asks the builder to put the P2M table at this address (the
 * one Linux asks for: 512 GB, the second L4 slot), outside the initial
 * mapping.
 */
#include <xen/elfnote.h>

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* name size */
        .long   8                       /* descriptor size */
        .long   XEN_ELFNOTE_INIT_P2M
        .asciz  "Xen"
        .balign 4
        .quad   0x8000000000
        .popsection

        .section .note.GNU-stack, "", @progbits
