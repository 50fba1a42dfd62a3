/*
 * Linked into a copy of the start-of-day kernel: the XEN_ELFNOTE_MOD_START_PFN
 * note, which asks the builder to leave the initrd out of the initial
 * mapping and pass its first pfn in start_info.mod_start.
 */
#include <pvkernel/elfnote.inc>

        elfnote XEN_ELFNOTE_MOD_START_PFN, long, 1

        .section .note.GNU-stack, "", @progbits
