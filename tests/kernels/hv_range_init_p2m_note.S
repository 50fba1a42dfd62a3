/*
 * Linked into a copy of crash-ud2: a XEN_ELFNOTE_INIT_P2M note naming
 * an address in the hypervisor's range, where a P2M would land in hv's own
 * page tables: hv refuses it.
 */
#include <pvkernel/elfnote.inc>

        elfnote XEN_ELFNOTE_INIT_P2M, quad, 0xffff800000000000

        .section .note.GNU-stack, "", @progbits
