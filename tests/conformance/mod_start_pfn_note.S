/*
 * Linked into a copy of the start-of-day kernel: the XEN_ELFNOTE_MOD_START_PFN
 * note, which asks the builder to leave the initrd out of the initial
 * mapping and pass its first pfn in start_info.mod_start.
 */
#include <xen/elfnote.h>

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* name size */
        .long   4                       /* descriptor size */
        .long   XEN_ELFNOTE_MOD_START_PFN
        .asciz  "Xen"
        .balign 4
        .long   1
        .popsection

        .section .note.GNU-stack, "", @progbits
