/* Reading 64-bit x86 ELF executables held in memory (see elf_image.h). */
#include "elf_image.h"
#include <string.h>

/* Is [off, off + len) inside a buffer of size bytes?  Overflow-safe. */
static bool in_buffer(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

int elf_image_open(struct elf_image *img, const void *data, size_t size, const char **why)
{
    const struct elf64_ehdr *eh = data;

    memset(img, 0, sizeof(*img));
    /* The tables are read in place, as structures: they must be aligned. */
    if ((uintptr_t)data & 7) {
        *why = "the image buffer is not 8-byte aligned";
        return -1;
    }
    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELF_MAGIC, 4)) {
        *why = "not an ELF image";
        return -1;
    }
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
        eh->e_ident[6] != EV_CURRENT) {
        *why = "not a 64-bit little-endian ELF image";
        return -1;
    }
    if (eh->e_machine != EM_X86_64) {
        *why = "not an x86-64 ELF image";
        return -1;
    }
    if (eh->e_type != ET_EXEC) {
        *why = "not an executable ELF image";
        return -1;
    }
    if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(struct elf64_phdr) ||
        eh->e_phnum > ELF_MAX_SEGMENTS ||
        !in_buffer(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), size) ||
        (eh->e_phoff & 7)) {
        *why = "program header table missing, misaligned or outside the image";
        return -1;
    }
    img->data = data;
    img->size = size;
    img->ehdr = eh;
    img->phnum = eh->e_phnum;
    /* Section headers are optional (only a fallback for notes): ignore bad ones. */
    if (eh->e_shnum && eh->e_shentsize == sizeof(struct elf64_shdr) && !(eh->e_shoff & 7) &&
        in_buffer(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(struct elf64_shdr), size))
        img->shnum = eh->e_shnum;

    unsigned int loads = 0;
    img->pstart = UINT64_MAX;
    img->pend = 0;
    for (unsigned int i = 0; i < img->phnum; i++) {
        const struct elf64_phdr *ph = elf_image_phdr(img, i);
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_filesz > ph->p_memsz || !in_buffer(ph->p_offset, ph->p_filesz, size)) {
            *why = "a loadable segment lies outside the image or is larger in the file than "
                   "in memory";
            return -1;
        }
        if (ph->p_paddr + ph->p_memsz < ph->p_paddr || ph->p_vaddr + ph->p_memsz < ph->p_vaddr) {
            *why = "a loadable segment wraps around the address space";
            return -1;
        }
        /* Overlapping segments would let one overwrite another while loading. */
        for (unsigned int j = 0; j < i; j++) {
            const struct elf64_phdr *other = elf_image_phdr(img, j);
            if (other->p_type == PT_LOAD && ph->p_memsz && other->p_memsz &&
                ph->p_paddr < other->p_paddr + other->p_memsz &&
                other->p_paddr < ph->p_paddr + ph->p_memsz) {
                *why = "two loadable segments overlap";
                return -1;
            }
        }
        if (ph->p_paddr < img->pstart)
            img->pstart = ph->p_paddr;
        if (ph->p_paddr + ph->p_memsz > img->pend)
            img->pend = ph->p_paddr + ph->p_memsz;
        loads++;
    }
    if (!loads) {
        *why = "no loadable segment";
        return -1;
    }
    return 0;
}

const struct elf64_phdr *elf_image_phdr(const struct elf_image *img, unsigned int i)
{
    if (i >= img->phnum)
        return NULL;
    return (const struct elf64_phdr *)(img->data + img->ehdr->e_phoff) + i;
}

const struct elf64_shdr *elf_image_shdr(const struct elf_image *img, unsigned int i)
{
    if (i >= img->shnum)
        return NULL;
    return (const struct elf64_shdr *)(img->data + img->ehdr->e_shoff) + i;
}

int elf_image_load(const struct elf_image *img, elf_load_fn load, void *ctx)
{
    for (unsigned int i = 0; i < img->phnum; i++) {
        const struct elf64_phdr *ph = elf_image_phdr(img, i);
        if (ph->p_type != PT_LOAD)
            continue;
        int rc = load(ctx, ph->p_paddr, img->data + ph->p_offset, ph->p_filesz, ph->p_memsz);
        if (rc)
            return rc;
    }
    return 0;
}
