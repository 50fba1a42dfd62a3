/*
 * The Xen ELF notes of a PV kernel (<xen/elfnote.h>), parsed and checked as
 * Xen 4.17's libelf does: notes from PT_NOTE segments, else from SHT_NOTE
 * sections; LOADER "generic" or GUEST_OS "linux" required; XEN_VERSION
 * "xen-3.0"; the virtual layout derived from VIRT_BASE, PADDR_OFFSET and the
 * physical extent of the loadable segments, and checked for consistency.
 */
#ifndef LIB_XEN_NOTES_H
#define LIB_XEN_NOTES_H
#include "elf_image.h"

#define XEN_NOTES_UNSET      UINT64_MAX
#define XEN_NOTES_MAX_TYPE   18 /* XEN_ELFNOTE_PHYS32_ENTRY */
#define XEN_NOTES_MAX_NOTES  1024
#define XEN_NOTES_STRING_MAX 64

struct xen_notes {
    bool present[XEN_NOTES_MAX_TYPE + 1];
    char loader[XEN_NOTES_STRING_MAX];
    char guest_os[XEN_NOTES_STRING_MAX];
    char guest_version[XEN_NOTES_STRING_MAX];
    char xen_version[XEN_NOTES_STRING_MAX];
    char pae_mode[XEN_NOTES_STRING_MAX];
    char features[256];
    uint64_t virt_base; /* XEN_NOTES_UNSET until resolved */
    uint64_t paddr_offset;
    uint64_t entry;          /* virtual */
    uint64_t hypercall_page; /* virtual, or XEN_NOTES_UNSET */
    uint64_t init_p2m;       /* virtual, or XEN_NOTES_UNSET */
    uint64_t hv_start_low;
    uint64_t phys32_entry;
    bool mod_start_pfn; /* the initrd may stay unmapped, given as a PFN */
    bool bsd_symtab;
    uint32_t f_supported; /* XENFEAT_* bits (one submap, as in Xen 4.17) */
    uint32_t f_required;
    /* The kernel's virtual extent, from the loadable segments. */
    uint64_t virt_kstart, virt_kend;
};

/* 0, or -1 with a reason in *why (a static string). */
int xen_notes_parse(const struct elf_image *img, struct xen_notes *notes, const char **why);
/* Xen's feature-string parser: "a|!b" sets a supported, b supported and required. */
int xen_notes_parse_features(const char *s, uint32_t *supported, uint32_t *required);
#endif
