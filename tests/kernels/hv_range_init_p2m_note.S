/*
 * Linked into a copy of crash-ud2: a XEN_ELFNOTE_INIT_P2M note naming
 * an address in the hypervisor's range, where a P2M would land in hv's own
 * page tables: hv refuses it.
 */
#include <xen/elfnote.h>

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* name size */
        .long   8                       /* descriptor size */
        .long   XEN_ELFNOTE_INIT_P2M
        .asciz  "Xen"
        .balign 4
        .quad   0xffff800000000000
        .popsection

        .section .note.GNU-stack, "", @progbits
