/*
 * hv/gunzip.c - unpacks a gzip-compressed boot module (a dom0 kernel, as
 * Xen accepts one) with zlib's inflate, built freestanding from Debian's
 * source. The module is untrusted input: the size its trailer claims is
 * bounded, and the stream must end exactly there.
 */
#define Z_SOLO /* as the library was built: no libc allocation, ours below */
#include <hv/errno.h>
#include <hv/gunzip.h>
#include <hv/mm.h>
#include <stdint.h>
#include <zlib.h>

/* Larger than any PV kernel image; keeps a lying trailer from asking for all of RAM. */
#define GUNZIP_MAX_OUTPUT (256UL << 20)

static voidpf gunzip_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    if (size && items > (uInt)-1 / size)
        return Z_NULL;
    return xmalloc((size_t)items * size);
}

static void gunzip_free(voidpf opaque, voidpf address)
{
    (void)opaque;
    xfree(address);
}

bool gunzip_is_gzip(const void *src, size_t len)
{
    const uint8_t *p = src;
    return len >= 18 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8; /* deflate */
}

int gunzip(const void *src, size_t len, void **out, size_t *out_len, const char **why)
{
    const uint8_t *p = src;
    *out = NULL;
    *out_len = 0;
    if (!gunzip_is_gzip(src, len)) {
        *why = "not gzip data";
        return -EINVAL;
    }
    /* ISIZE, the last four bytes: the unpacked size modulo 2^32. */
    size_t size = (size_t)p[len - 4] | (size_t)p[len - 3] << 8 | (size_t)p[len - 2] << 16 |
                  (size_t)p[len - 1] << 24;
    if (size == 0 || size > GUNZIP_MAX_OUTPUT) {
        *why = "gzip trailer gives an implausible size";
        return -EINVAL;
    }
    uint8_t *buf = xmalloc(size);
    if (!buf) {
        *why = "no memory to unpack gzip data";
        return -ENOMEM;
    }

    z_stream s = {0};
    s.zalloc = gunzip_alloc;
    s.zfree = gunzip_free;
    s.next_in = (z_const Bytef *)src;
    s.avail_in = (uInt)(len > (uInt)-1 ? (uInt)-1 : len);
    s.next_out = buf;
    s.avail_out = (uInt)size;
    /* 16 + window bits: a gzip wrapper, whose CRC-32 and ISIZE zlib checks. */
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) {
        xfree(buf);
        *why = "zlib could not start";
        return -ENOMEM;
    }
    int rc = inflate(&s, Z_FINISH);
    size_t produced = s.total_out;
    inflateEnd(&s);
    if (rc != Z_STREAM_END || produced != size) {
        xfree(buf);
        *why = rc == Z_MEM_ERROR   ? "no memory to unpack gzip data"
               : rc == Z_BUF_ERROR ? "gzip data truncated or longer than its trailer says"
                                   : "corrupt gzip data";
        return rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    *out = buf;
    *out_len = size;
    return 0;
}
