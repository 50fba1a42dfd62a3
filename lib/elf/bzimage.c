/*
 * The bzImage setup header, read byte by byte at the offsets of the x86
 * boot protocol (Documentation/x86/boot in Linux): setup_sects at 0x1f1,
 * "HdrS" at 0x202, the protocol version at 0x206, payload_offset and
 * payload_length at 0x248 and 0x24c.  The payload starts after the setup
 * sectors ((setup_sects + 1) * 512 bytes, as Xen counts them, even when
 * setup_sects is 0) plus payload_offset.
 */
#include "bzimage.h"
#include <hv/errno.h>
#include <string.h>

#define SETUP_SECTS_OFFSET    0x1f1
#define HEADER_MAGIC_OFFSET   0x202
#define VERSION_OFFSET        0x206
#define PAYLOAD_OFFSET_OFFSET 0x248
#define PAYLOAD_LENGTH_OFFSET 0x24c
#define SETUP_HEADER_END      0x250
#define MIN_VERSION           0x0208

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool bzimage_is_bzimage(const void *image, size_t len)
{
    const uint8_t *p = image;
    return len >= SETUP_HEADER_END && !memcmp(p + HEADER_MAGIC_OFFSET, "HdrS", 4);
}

static enum bzimage_compression compression_of(const uint8_t *p, size_t len)
{
    static const uint8_t xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    if (len >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
        return BZIMAGE_GZIP;
    if (len >= sizeof(xz_magic) && !memcmp(p, xz_magic, sizeof(xz_magic)))
        return BZIMAGE_XZ;
    return BZIMAGE_OTHER;
}

int bzimage_payload(const void *image, size_t len, struct bzimage_payload *out, const char **why)
{
    const uint8_t *p = image;
    if (!bzimage_is_bzimage(image, len)) {
        *why = "not a bzImage";
        return -EINVAL;
    }
    unsigned int version = (unsigned int)p[VERSION_OFFSET] | (unsigned int)p[VERSION_OFFSET + 1]
                                                                 << 8;
    if (version < MIN_VERSION) {
        *why = "bzImage boot protocol older than 2.08 (no payload fields)";
        return -EINVAL;
    }
    uint64_t start = ((uint64_t)p[SETUP_SECTS_OFFSET] + 1) * 512 + le32(p + PAYLOAD_OFFSET_OFFSET);
    uint64_t payload_len = le32(p + PAYLOAD_LENGTH_OFFSET);
    if (start > len || payload_len > len - start) {
        *why = "bzImage payload lies outside the image";
        return -EINVAL;
    }
    if (payload_len < 8) {
        *why = "bzImage payload too short to carry its size";
        return -EINVAL;
    }
    out->data = p + start;
    out->len = (size_t)payload_len;
    out->unpacked_len = le32(out->data + out->len - 4);
    out->compression = compression_of(out->data, out->len);
    return 0;
}
