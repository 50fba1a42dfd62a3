/*
 * Building small ELF64 x86-64 executables in memory for the lib/elf unit
 * tests (test_elf_image, test_xen_notes):
 * - struct eb_notes: a blob of ELF notes (any owner, any sizes, or a bare
 *   header that claims more than follows);
 * - struct eb: an ELF header, program headers (PT_LOAD segments whose file
 *   bytes are a known pattern, PT_NOTE segments holding a notes blob, any
 *   other type with no bytes) and optional section headers (a null section
 *   and SHT_NOTE sections holding notes blobs).  eb_layout() places
 *   everything (ELF header, ph_pad bytes, the program header table, the
 *   segments' bytes in
 *   program-header order, the sections' bytes and the section header table,
 *   each 8-byte aligned) and writes the image into b->bytes; a test may
 *   then change any field of b->eh, b->ph[] or b->sh[] and call eb_emit()
 *   to rewrite the headers without moving anything;
 * - eb_place(): a copy of the first `size` bytes of an image at the very
 *   end of a heap block of exactly that many bytes (plus `misalign` bytes
 *   in front), so that ASan reports any read past the image.
 */
#ifndef ELF_BUILDER_H
#define ELF_BUILDER_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <elf/elf64.h>

#define EB_MAX_PH       80 /* more than ELF_MAX_SEGMENTS, for the limit's test */
#define EB_MAX_SH       8
#define EB_IMAGE_MAX    (96 * 1024)
#define EB_NOTES_MAX    (40 * 1024)
#define EB_PT_GNU_STACK 0x6474e551u

struct eb_notes {
    uint8_t bytes[EB_NOTES_MAX];
    size_t len;
};

void eb_notes_init(struct eb_notes *n);
/* Raw bytes appended as they are (no padding). */
void eb_notes_raw(struct eb_notes *n, const void *bytes, size_t len);
/* A note: header, namesz bytes of name and descsz of desc, each padded to 4 bytes. */
void eb_note(struct eb_notes *n, const void *name, uint32_t namesz, uint32_t type, const void *desc,
             uint32_t descsz);
/* Only a note header, claiming whatever sizes it is given. */
void eb_note_header(struct eb_notes *n, uint32_t namesz, uint32_t descsz, uint32_t type);
/* "Xen" notes: a string (its NUL included), a number of `size` bytes little-endian. */
void eb_xen_str(struct eb_notes *n, uint32_t type, const char *s);
void eb_xen_num(struct eb_notes *n, uint32_t type, uint64_t value, uint32_t size);
void eb_xen_bytes(struct eb_notes *n, uint32_t type, const void *desc, uint32_t descsz);

enum eb_kind { EB_EMPTY, EB_PATTERN, EB_BLOB };

struct eb_part {
    enum eb_kind kind;
    const uint8_t *blob;
    size_t len;
};

struct eb {
    struct elf64_ehdr eh;
    struct elf64_phdr ph[EB_MAX_PH];
    struct eb_part ph_part[EB_MAX_PH];
    unsigned int nph;
    struct elf64_shdr sh[EB_MAX_SH]; /* sh[0] is the null section */
    struct eb_part sh_part[EB_MAX_SH];
    unsigned int nsh; /* 0: no section header table */
    size_t ph_pad;    /* bytes between the ELF header and the program headers */
    uint8_t bytes[EB_IMAGE_MAX];
    size_t len;
};

/* An executable for x86-64 with entry point `entry`, no headers yet. */
void eb_init(struct eb *b, uint64_t entry);
/* A PT_LOAD of filesz pattern bytes (eb_pattern(index, i)); returns its index. */
unsigned int eb_load(struct eb *b, uint64_t paddr, uint64_t vaddr, uint64_t filesz, uint64_t memsz);
/* A program header of any type with no bytes in the file. */
unsigned int eb_phdr(struct eb *b, uint32_t type);
/* A PT_NOTE segment holding the notes (which must outlive eb_layout). */
unsigned int eb_note_segment(struct eb *b, const struct eb_notes *n);
/* A SHT_NOTE section holding the notes; the null section is added first. */
unsigned int eb_note_section(struct eb *b, const struct eb_notes *n);
void eb_layout(struct eb *b);
void eb_emit(struct eb *b);
/* Byte i of the file bytes of program header `index`, for a PT_LOAD. */
uint8_t eb_pattern(unsigned int index, uint64_t i);

struct eb_placed {
    void *block;
    uint8_t *data;
    size_t size;
};

/*
 * The first `size` bytes of bytes[0..len) (zeros past len) at the end of a
 * fresh heap block of size + misalign bytes, at block + misalign.
 */
void eb_place(struct eb_placed *p, const uint8_t *bytes, size_t len, size_t size, size_t misalign);
void eb_unplace(struct eb_placed *p);
#endif
