/* Parsing and checking the Xen ELF notes of a PV kernel (see xen_notes.h). */
#include "xen_notes.h"
#include <string.h>

/* <xen/elfnote.h> numbers; plain constants keep lib/ free of ABI flavours. */
enum {
    NOTE_ENTRY = 1,
    NOTE_HYPERCALL_PAGE = 2,
    NOTE_VIRT_BASE = 3,
    NOTE_PADDR_OFFSET = 4,
    NOTE_XEN_VERSION = 5,
    NOTE_GUEST_OS = 6,
    NOTE_GUEST_VERSION = 7,
    NOTE_LOADER = 8,
    NOTE_PAE_MODE = 9,
    NOTE_FEATURES = 10,
    NOTE_BSD_SYMTAB = 11,
    NOTE_HV_START_LOW = 12,
    NOTE_L1_MFN_VALID = 13,
    NOTE_SUSPEND_CANCEL = 14,
    NOTE_INIT_P2M = 15,
    NOTE_MOD_START_PFN = 16,
    NOTE_SUPPORTED_FEATURES = 17,
    NOTE_PHYS32_ENTRY = 18,
};

/* Which notes carry strings; the others carry numbers. */
static const bool note_is_string[XEN_NOTES_MAX_TYPE + 1] = {
    [NOTE_XEN_VERSION] = true, [NOTE_GUEST_OS] = true, [NOTE_GUEST_VERSION] = true,
    [NOTE_LOADER] = true,      [NOTE_PAE_MODE] = true, [NOTE_FEATURES] = true,
    [NOTE_BSD_SYMTAB] = true,
};

/* Feature names by XENFEAT_* bit, as the FEATURES note spells them. */
static const char *const feature_names[] = {
    "writable_page_tables",
    "writable_descriptor_tables",
    "auto_translated_physmap",
    "supervisor_mode_kernel",
    "pae_pgdir_above_4gb",
    NULL,
    NULL,
    NULL,
    "hvm_callback_vector",
    NULL,
    NULL,
    "dom0",
};

int xen_notes_parse_features(const char *s, uint32_t *supported, uint32_t *required)
{
    while (*s) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        bool must = len && s[0] == '!';
        const char *name = must ? s + 1 : s;
        size_t name_len = must ? len - 1 : len;
        unsigned int bit;
        for (bit = 0; bit < sizeof(feature_names) / sizeof(feature_names[0]); bit++)
            if (feature_names[bit] && strlen(feature_names[bit]) == name_len &&
                !strncmp(feature_names[bit], name, name_len))
                break;
        if (bit < sizeof(feature_names) / sizeof(feature_names[0])) {
            *supported |= 1u << bit;
            if (must)
                *required |= 1u << bit;
        } else if (must) {
            return -1; /* a feature we do not know is required: refuse the kernel */
        }
        s += len + (bar ? 1 : 0);
    }
    return 0;
}

static void copy_string(char *dst, size_t size, const char *src, size_t src_len)
{
    size_t n = src_len < size - 1 ? src_len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static uint64_t numeric_value(const uint8_t *desc, uint32_t size)
{
    switch (size) {
    case 1:
        return desc[0];
    case 2: {
        uint16_t v;
        memcpy(&v, desc, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, desc, 4);
        return v;
    }
    case 8: {
        uint64_t v;
        memcpy(&v, desc, 8);
        return v;
    }
    }
    return 0; /* as Xen: other sizes read as 0 */
}

/* One "Xen" note; -1 with *why on a note that makes the kernel unusable. */
static int take_note(struct xen_notes *n, uint32_t type, const uint8_t *desc, uint32_t size,
                     const char **why)
{
    if (type > XEN_NOTES_MAX_TYPE)
        return 0; /* unknown types are ignored, as Xen does */
    const char *str = NULL;
    size_t str_len = 0;
    uint64_t val = 0;
    if (note_is_string[type]) {
        const uint8_t *nul = memchr(desc, '\0', size);
        if (!nul) {
            *why = "a string note is not NUL-terminated";
            return -1;
        }
        str = (const char *)desc;
        str_len = (size_t)(nul - desc);
    } else {
        val = numeric_value(desc, size);
    }
    n->present[type] = true;

    switch (type) {
    case NOTE_LOADER:
        copy_string(n->loader, sizeof(n->loader), str, str_len);
        break;
    case NOTE_GUEST_OS:
        copy_string(n->guest_os, sizeof(n->guest_os), str, str_len);
        break;
    case NOTE_GUEST_VERSION:
        copy_string(n->guest_version, sizeof(n->guest_version), str, str_len);
        break;
    case NOTE_XEN_VERSION:
        copy_string(n->xen_version, sizeof(n->xen_version), str, str_len);
        break;
    case NOTE_PAE_MODE:
        copy_string(n->pae_mode, sizeof(n->pae_mode), str, str_len);
        break;
    case NOTE_BSD_SYMTAB:
        n->bsd_symtab = !strcmp(str, "yes");
        break;
    case NOTE_FEATURES:
        copy_string(n->features, sizeof(n->features), str, str_len);
        /* The whole string, not the (possibly cut) copy kept for messages. */
        if (xen_notes_parse_features(str, &n->f_supported, &n->f_required)) {
            *why = "the FEATURES note requires a feature that is not known";
            return -1;
        }
        break;
    case NOTE_SUPPORTED_FEATURES:
        /* An array of 32-bit words, as Xen reads it: nothing unless whole words. */
        if (size >= 4 && size % 4 == 0)
            n->f_supported |= (uint32_t)numeric_value(desc, 4);
        break;
    case NOTE_VIRT_BASE:
        n->virt_base = val;
        break;
    case NOTE_PADDR_OFFSET:
        n->paddr_offset = val;
        break;
    case NOTE_ENTRY:
        n->entry = val;
        break;
    case NOTE_HYPERCALL_PAGE:
        n->hypercall_page = val;
        break;
    case NOTE_INIT_P2M:
        n->init_p2m = val;
        break;
    case NOTE_HV_START_LOW:
        n->hv_start_low = val;
        break;
    case NOTE_MOD_START_PFN:
        n->mod_start_pfn = val != 0;
        break;
    case NOTE_PHYS32_ENTRY:
        n->phys32_entry = val;
        break;
    }
    return 0;
}

/*
 * Walks the notes in [off, off + len) of the image; returns how many were
 * Xen's, or -1 with *why.  *total counts every note, against a limit.
 */
static int walk_notes(const struct elf_image *img, uint64_t off, uint64_t len, struct xen_notes *n,
                      unsigned int *total, const char **why)
{
    if (off > img->size || len > img->size - off)
        return 0; /* a note area outside the image is ignored, as Xen does */
    const uint8_t *p = img->data + off, *end = p + len;
    int xen = 0;
    while ((size_t)(end - p) >= sizeof(struct elf64_nhdr)) {
        struct elf64_nhdr h;
        memcpy(&h, p, sizeof(h));
        uint64_t name_space = ((uint64_t)h.n_namesz + 3) & ~3ULL;
        uint64_t desc_space = ((uint64_t)h.n_descsz + 3) & ~3ULL;
        const uint8_t *name = p + sizeof(h);
        if (name_space > (uint64_t)(end - name) ||
            desc_space > (uint64_t)(end - name) - name_space) {
            *why = "an ELF note runs past the end of its segment";
            return -1;
        }
        if (++*total > XEN_NOTES_MAX_NOTES) {
            *why = "too many ELF notes";
            return -1;
        }
        const uint8_t *desc = name + name_space;
        /* Xen compares the name as a C string: "Xen" then a NUL, padding included. */
        if (h.n_namesz >= 3 && name_space >= 4 && !memcmp(name, "Xen", 4)) {
            if (take_note(n, h.n_type, desc, h.n_descsz, why))
                return -1;
            xen++;
        }
        p = desc + desc_space;
    }
    return xen;
}

static int check_notes(const struct xen_notes *n, const char **why)
{
    if (strncmp(n->loader, "generic", 7) && strncmp(n->guest_os, "linux", 5)) {
        *why = "will only load images built for the generic loader or Linux images";
        return -1;
    }
    if (strncmp(n->xen_version, "xen-3.0", 7)) {
        *why = "will only load images built for Xen v3.0";
        return -1;
    }
    return 0;
}

static int compute_layout(const struct elf_image *img, struct xen_notes *n, const char **why)
{
    if (n->paddr_offset != XEN_NOTES_UNSET && n->virt_base == XEN_NOTES_UNSET) {
        *why = "PADDR_OFFSET is set but VIRT_BASE is not";
        return -1;
    }
    if (n->virt_base == XEN_NOTES_UNSET)
        n->virt_base = 0;
    if (n->paddr_offset == XEN_NOTES_UNSET)
        n->paddr_offset = 0;
    uint64_t virt_offset = n->virt_base - n->paddr_offset;
    n->virt_kstart = img->pstart + virt_offset;
    n->virt_kend = img->pend + virt_offset;
    if (n->entry == XEN_NOTES_UNSET)
        n->entry = img->ehdr->e_entry;
    if (n->virt_kstart > n->virt_kend || n->entry < n->virt_kstart || n->entry > n->virt_kend ||
        n->virt_base > n->virt_kstart) {
        *why = "the ELF start or entry point is out of bounds";
        return -1;
    }
    if (n->init_p2m != XEN_NOTES_UNSET && n->init_p2m >= n->virt_kstart &&
        n->init_p2m < n->virt_kend) {
        *why = "the INIT_P2M address lies inside the kernel";
        return -1;
    }
    return 0;
}

int xen_notes_parse(const struct elf_image *img, struct xen_notes *n, const char **why)
{
    memset(n, 0, sizeof(*n));
    n->virt_base = n->paddr_offset = n->entry = XEN_NOTES_UNSET;
    n->hypercall_page = n->init_p2m = n->hv_start_low = n->phys32_entry = XEN_NOTES_UNSET;

    unsigned int total = 0;
    int found = 0;
    for (unsigned int i = 0; i < img->phnum; i++) {
        const struct elf64_phdr *ph = elf_image_phdr(img, i);
        /* Some binutils leave p_offset 0 on note segments: skip those, as Xen does. */
        if (ph->p_type != PT_NOTE || ph->p_offset == 0)
            continue;
        int k = walk_notes(img, ph->p_offset, ph->p_filesz, n, &total, why);
        if (k < 0)
            return -1;
        found += k;
    }
    /* Only when no note segment had Xen notes: every SHT_NOTE section. */
    bool use_sections = found == 0;
    for (unsigned int i = 1; use_sections && i < img->shnum; i++) {
        const struct elf64_shdr *sh = elf_image_shdr(img, i);
        if (sh->sh_type != SHT_NOTE)
            continue;
        int k = walk_notes(img, sh->sh_offset, sh->sh_size, n, &total, why);
        if (k < 0)
            return -1;
        found += k;
    }
    if (found == 0) {
        *why = "not a Xen ELF image: no Xen ELF notes";
        return -1;
    }
    if (check_notes(n, why) || compute_layout(img, n, why))
        return -1;
    return 0;
}
