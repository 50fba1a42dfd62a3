/*
 * Reading a 64-bit x86 ELF executable held in memory (a kernel image), for
 * hv's dom0 builder and the toolstack's domain builder alike.  The image is
 * untrusted: elf_image_open checks every header, table and segment against
 * the buffer before anything uses them, so later accessors need no checks.
 */
#ifndef LIB_ELF_IMAGE_H
#define LIB_ELF_IMAGE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "elf64.h"

#define ELF_MAX_SEGMENTS 64

struct elf_image {
    const uint8_t *data;
    size_t size;
    const struct elf64_ehdr *ehdr;
    unsigned int phnum; /* program headers (all checked to lie in the buffer) */
    unsigned int shnum; /* section headers, 0 if their table is absent or unusable */
    uint64_t pstart;    /* lowest p_paddr of the PT_LOAD segments */
    uint64_t pend;      /* highest p_paddr + p_memsz of the PT_LOAD segments */
};

/*
 * 0, or -1 with a reason in *why (a static string).  data must be 8-byte
 * aligned (boot modules are page-aligned; file buffers come from malloc).
 */
int elf_image_open(struct elf_image *img, const void *data, size_t size, const char **why);
const struct elf64_phdr *elf_image_phdr(const struct elf_image *img, unsigned int i);
const struct elf64_shdr *elf_image_shdr(const struct elf_image *img, unsigned int i);

/*
 * Calls load for every PT_LOAD segment: its physical address, its file bytes
 * (filesz of them) and its size in memory (memsz >= filesz; the rest is to
 * be zeroed).  Stops at, and returns, the first non-zero result of load.
 */
typedef int (*elf_load_fn)(void *ctx, uint64_t paddr, const void *src, uint64_t filesz,
                           uint64_t memsz);
int elf_image_load(const struct elf_image *img, elf_load_fn load, void *ctx);
#endif
