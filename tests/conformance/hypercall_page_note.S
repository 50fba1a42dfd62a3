/*
 * Linked into a copy of the start-of-day kernel: a page-aligned
 * `hypercall_page` in the kernel image and the XEN_ELFNOTE_HYPERCALL_PAGE
 * note naming it, so the builder fills it with hypercall stubs.
 */
#include <pvkernel/elfnote.inc>

        .pushsection .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl  hypercall_page
hypercall_page:
        .fill   4096, 1, 0
        .popsection

        elfnote XEN_ELFNOTE_HYPERCALL_PAGE, quad, hypercall_page

        .section .note.GNU-stack, "", @progbits
