/*
 * The Xen ELF notes that make pvkernel loadable as a PV kernel by Xen's and
 * hv's builders (<xen/elfnote.h> numbers).  A kernel adds notes of its own
 * from its own sources (tests/conformance/mod_start_pfn_note.S does).
 */
#include <pvkernel/elfnote.inc>
#include <xen/features.h>

#define VIRT_BASE 0xffffffff80000000

        elfnote XEN_ELFNOTE_GUEST_OS, string, "pvkernel"
        elfnote XEN_ELFNOTE_GUEST_VERSION, string, "0.1"
        elfnote XEN_ELFNOTE_XEN_VERSION, string, "xen-3.0"
        elfnote XEN_ELFNOTE_LOADER, string, "generic"
        elfnote XEN_ELFNOTE_VIRT_BASE, quad, VIRT_BASE
        elfnote XEN_ELFNOTE_PADDR_OFFSET, quad, 0
        elfnote XEN_ELFNOTE_ENTRY, quad, _start
        elfnote XEN_ELFNOTE_PAE_MODE, string, "yes"
        elfnote XEN_ELFNOTE_FEATURES, string, "!writable_page_tables"
        elfnote XEN_ELFNOTE_SUPPORTED_FEATURES, long, (1 << XENFEAT_dom0)

        .section .note.GNU-stack, "", @progbits
