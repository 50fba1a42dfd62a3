/* Building ELF64 images in memory for the lib/elf unit tests (see elf_builder.h). */
#include "unit.h"
#include "elf_builder.h"

void eb_notes_init(struct eb_notes *n)
{
    n->len = 0;
}

void eb_notes_raw(struct eb_notes *n, const void *bytes, size_t len)
{
    assert_true(len <= sizeof(n->bytes) - n->len);
    if (len)
        memcpy(n->bytes + n->len, bytes, len);
    n->len += len;
}

static void pad4(struct eb_notes *n)
{
    static const uint8_t zeros[4];
    eb_notes_raw(n, zeros, (4 - n->len % 4) % 4);
}

void eb_note_header(struct eb_notes *n, uint32_t namesz, uint32_t descsz, uint32_t type)
{
    struct elf64_nhdr h = {namesz, descsz, type};
    eb_notes_raw(n, &h, sizeof(h));
}

void eb_note(struct eb_notes *n, const void *name, uint32_t namesz, uint32_t type, const void *desc,
             uint32_t descsz)
{
    eb_note_header(n, namesz, descsz, type);
    eb_notes_raw(n, name, namesz);
    pad4(n);
    eb_notes_raw(n, desc, descsz);
    pad4(n);
}

void eb_xen_bytes(struct eb_notes *n, uint32_t type, const void *desc, uint32_t descsz)
{
    eb_note(n, "Xen", 4, type, desc, descsz);
}

void eb_xen_str(struct eb_notes *n, uint32_t type, const char *s)
{
    eb_xen_bytes(n, type, s, (uint32_t)strlen(s) + 1);
}

void eb_xen_num(struct eb_notes *n, uint32_t type, uint64_t value, uint32_t size)
{
    uint8_t desc[64] = {0};
    assert_true(size <= sizeof(desc));
    for (uint32_t i = 0; i < size && i < 8; i++)
        desc[i] = (uint8_t)(value >> (8 * i));
    eb_xen_bytes(n, type, desc, size);
}

void eb_init(struct eb *b, uint64_t entry)
{
    memset(&b->eh, 0, sizeof(b->eh));
    memcpy(b->eh.e_ident, ELF_MAGIC, 4);
    b->eh.e_ident[4] = ELFCLASS64;
    b->eh.e_ident[5] = ELFDATA2LSB;
    b->eh.e_ident[6] = EV_CURRENT;
    b->eh.e_type = ET_EXEC;
    b->eh.e_machine = EM_X86_64;
    b->eh.e_version = EV_CURRENT;
    b->eh.e_entry = entry;
    b->eh.e_ehsize = sizeof(struct elf64_ehdr);
    b->eh.e_phentsize = sizeof(struct elf64_phdr);
    b->eh.e_shentsize = sizeof(struct elf64_shdr);
    b->nph = 0;
    b->nsh = 0;
    b->ph_pad = 0;
    b->len = 0;
}

static unsigned int add_phdr(struct eb *b, uint32_t type, enum eb_kind kind, const uint8_t *blob,
                             size_t len)
{
    assert_true(b->nph < EB_MAX_PH);
    unsigned int i = b->nph++;
    memset(&b->ph[i], 0, sizeof(b->ph[i]));
    b->ph[i].p_type = type;
    b->ph_part[i] = (struct eb_part){kind, blob, len};
    return i;
}

unsigned int eb_load(struct eb *b, uint64_t paddr, uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    assert_true(filesz <= EB_IMAGE_MAX);
    unsigned int i = add_phdr(b, PT_LOAD, EB_PATTERN, NULL, (size_t)filesz);
    b->ph[i].p_flags = 7;
    b->ph[i].p_vaddr = vaddr;
    b->ph[i].p_paddr = paddr;
    b->ph[i].p_filesz = filesz;
    b->ph[i].p_memsz = memsz;
    b->ph[i].p_align = 8;
    return i;
}

unsigned int eb_phdr(struct eb *b, uint32_t type)
{
    return add_phdr(b, type, EB_EMPTY, NULL, 0);
}

unsigned int eb_note_segment(struct eb *b, const struct eb_notes *n)
{
    unsigned int i = add_phdr(b, PT_NOTE, EB_BLOB, n->bytes, n->len);
    b->ph[i].p_flags = 4;
    b->ph[i].p_filesz = b->ph[i].p_memsz = n->len;
    b->ph[i].p_align = 4;
    return i;
}

unsigned int eb_note_section(struct eb *b, const struct eb_notes *n)
{
    if (b->nsh == 0) {
        memset(&b->sh[0], 0, sizeof(b->sh[0]));
        b->sh_part[0] = (struct eb_part){EB_EMPTY, NULL, 0};
        b->nsh = 1;
    }
    assert_true(b->nsh < EB_MAX_SH);
    unsigned int i = b->nsh++;
    memset(&b->sh[i], 0, sizeof(b->sh[i]));
    b->sh[i].sh_type = SHT_NOTE;
    b->sh[i].sh_flags = 2; /* SHF_ALLOC */
    b->sh[i].sh_size = n->len;
    b->sh[i].sh_addralign = 4;
    b->sh_part[i] = (struct eb_part){EB_BLOB, n->bytes, n->len};
    return i;
}

uint8_t eb_pattern(unsigned int index, uint64_t i)
{
    return (uint8_t)(index * 31 + i * 7 + 1 + (i >> 8));
}

static size_t align8(size_t v)
{
    return (v + 7) & ~(size_t)7;
}

/* Puts a part's bytes at the next 8-aligned offset; returns that offset. */
static size_t put_part(struct eb *b, const struct eb_part *part, unsigned int index)
{
    size_t off = align8(b->len);
    assert_true(off <= EB_IMAGE_MAX && part->len <= EB_IMAGE_MAX - off);
    memset(b->bytes + b->len, 0, off - b->len);
    if (part->kind == EB_PATTERN) {
        for (size_t i = 0; i < part->len; i++)
            b->bytes[off + i] = eb_pattern(index, i);
    } else if (part->kind == EB_BLOB && part->len) {
        memcpy(b->bytes + off, part->blob, part->len);
    }
    b->len = off + part->len;
    return off;
}

void eb_layout(struct eb *b)
{
    b->eh.e_phoff = b->nph ? sizeof(struct elf64_ehdr) + b->ph_pad : 0;
    b->len = sizeof(struct elf64_ehdr) + b->ph_pad + b->nph * sizeof(struct elf64_phdr);
    assert_true(b->len <= EB_IMAGE_MAX);
    memset(b->bytes, 0, b->len);
    b->eh.e_phnum = (uint16_t)b->nph;
    for (unsigned int i = 0; i < b->nph; i++) {
        size_t off = put_part(b, &b->ph_part[i], i);
        if (b->ph_part[i].kind != EB_EMPTY)
            b->ph[i].p_offset = off;
    }
    for (unsigned int i = 1; i < b->nsh; i++)
        b->sh[i].sh_offset = put_part(b, &b->sh_part[i], i);
    if (b->nsh) {
        size_t off = align8(b->len);
        memset(b->bytes + b->len, 0, off - b->len);
        b->eh.e_shoff = off;
        b->len = off + b->nsh * sizeof(struct elf64_shdr);
        assert_true(b->len <= EB_IMAGE_MAX);
    } else {
        b->eh.e_shoff = 0;
    }
    b->eh.e_shnum = (uint16_t)b->nsh;
    eb_emit(b);
}

void eb_emit(struct eb *b)
{
    /* The host is little-endian x86-64, like the images: structs go as they are. */
    memcpy(b->bytes, &b->eh, sizeof(b->eh));
    if (b->nph)
        memcpy(b->bytes + sizeof(b->eh) + b->ph_pad, b->ph, b->nph * sizeof(b->ph[0]));
    if (b->nsh) {
        /* Where eb_layout put the table, whatever e_shoff says now. */
        size_t off = b->len - b->nsh * sizeof(struct elf64_shdr);
        memcpy(b->bytes + off, b->sh, b->nsh * sizeof(b->sh[0]));
    }
}

void eb_place(struct eb_placed *p, const uint8_t *bytes, size_t len, size_t size, size_t misalign)
{
    /* malloc(0) too: ASan then reports a read of even the first byte. */
    p->block = malloc(size + misalign);
    assert_non_null(p->block);
    p->data = (uint8_t *)p->block + misalign;
    p->size = size;
    size_t n = size < len ? size : len;
    if (n)
        memcpy(p->data, bytes, n);
    if (size > n)
        memset(p->data + n, 0, size - n);
}

void eb_unplace(struct eb_placed *p)
{
    free(p->block);
    p->block = NULL;
    p->data = NULL;
    p->size = 0;
}
