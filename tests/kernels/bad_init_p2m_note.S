/*
 * Linked into a copy of crash-ud2: a XEN_ELFNOTE_INIT_P2M note naming
 * an address inside the initial mapping (past the kernel), which Xen refuses
 * ("DOM0 P->M table overlaps initial mapping") and so must hv.
 */
#include <pvkernel/elfnote.inc>

        elfnote XEN_ELFNOTE_INIT_P2M, quad, 0xffffffff80300000

        .section .note.GNU-stack, "", @progbits
