/*
 * Linked into a copy of the start-of-day kernel: a page-aligned
 * `hypercall_page` in the kernel image and the XEN_ELFNOTE_HYPERCALL_PAGE
 * note naming it, so the builder fills it with hypercall stubs.
 */
#include <xen/elfnote.h>

        .pushsection .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl  hypercall_page
hypercall_page:
        .fill   4096, 1, 0
        .popsection

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* name size */
        .long   8                       /* descriptor size */
        .long   XEN_ELFNOTE_HYPERCALL_PAGE
        .asciz  "Xen"
        .balign 4
        .quad   hypercall_page
        .popsection

        .section .note.GNU-stack, "", @progbits
