/*
 * Linux's bzImage container, as Xen's dom0 builder takes a kernel out of
 * it: the x86 boot protocol's setup header (boot protocol 2.08 or later,
 * for payload_offset/payload_length) and the compressed kernel ELF it
 * carries, whose last four bytes give the unpacked size.  Shared by hv and
 * the tools; the image is untrusted input and every field is checked
 * against its length.
 */
#ifndef LIB_ELF_BZIMAGE_H
#define LIB_ELF_BZIMAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bzimage_compression {
    BZIMAGE_GZIP,
    BZIMAGE_XZ,
    BZIMAGE_OTHER, /* bzip2, lzma, lzo, lz4, zstd: recognised, not unpacked */
};

struct bzimage_payload {
    const uint8_t *data; /* the compressed kernel, size appended */
    size_t len;
    size_t unpacked_len; /* from the payload's last four bytes */
    enum bzimage_compression compression;
};

/* Does the image start with a bzImage setup header ("HdrS" at 0x202)? */
bool bzimage_is_bzimage(const void *image, size_t len);

/*
 * The payload of a bzImage; 0, or -EINVAL with *why set for a header that
 * is too old (before 2.08), a payload outside the image, or one too short
 * to carry its size.
 */
int bzimage_payload(const void *image, size_t len, struct bzimage_payload *out, const char **why);
#endif
