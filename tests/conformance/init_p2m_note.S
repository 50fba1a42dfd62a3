/*
 * Linked into a copy of the start-of-day kernel: the XEN_ELFNOTE_INIT_P2M
 * note, which asks the builder to put the P2M table at this address (the
 * one Linux asks for: 512 GB, the second L4 slot), outside the initial
 * mapping.
 */
#include <pvkernel/elfnote.inc>

        elfnote XEN_ELFNOTE_INIT_P2M, quad, 0x8000000000

        .section .note.GNU-stack, "", @progbits
