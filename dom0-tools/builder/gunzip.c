/*
 * Gzip-compressed kernels and ramdisks for the builder (libxc's
 * xc_dom_try_gunzip and its module loader):
 * zlib's inflate, built freestanding from Debian's source, into memory the
 * caller's platform gives.  The image is untrusted: the size its trailer
 * claims is bounded, and the stream must end exactly there.
 */
#define Z_SOLO
#include "builder_private.h"
#include <zlib.h>

/* Larger than any PV kernel or ramdisk here; keeps a lying trailer from asking for too much. */
#define GUNZIP_MAX_OUTPUT (64UL << 20)

bool builder_is_gzip(const void *src, size_t len)
{
    const uint8_t *p = src;
    return len >= 18 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

static voidpf zalloc(voidpf opaque, uInt items, uInt size)
{
    const struct builder_platform *p = opaque;
    if (size && items > (uInt)-1 / size)
        return Z_NULL;
    return p->alloc(p->ctx, (size_t)items * size);
}

static void zfree(voidpf opaque, voidpf address)
{
    const struct builder_platform *p = opaque;
    p->release(p->ctx, address);
}

int builder_gunzip(const struct builder_platform *p, const void *src, size_t len, void **out,
                   size_t *out_len, const char **why)
{
    *out = NULL;
    if (!p->alloc || !p->release) {
        *why = "gzip-compressed, and no memory to unpack it";
        return -XEN_EINVAL;
    }
    const uint8_t *tail = (const uint8_t *)src + len - 4;
    size_t size =
        (size_t)tail[0] | (size_t)tail[1] << 8 | (size_t)tail[2] << 16 | (size_t)tail[3] << 24;
    if (size == 0 || size > GUNZIP_MAX_OUTPUT) {
        *why = "the gzip trailer's size is 0 or over 64 MiB";
        return -XEN_EINVAL;
    }
    uint8_t *buf = p->alloc(p->ctx, size);
    if (!buf) {
        *why = "no memory to unpack it into";
        return -XEN_ENOMEM;
    }
    z_stream z = {.next_in = (Bytef *)src,
                  .avail_in = (uInt)len,
                  .next_out = buf,
                  .avail_out = (uInt)size,
                  .zalloc = zalloc,
                  .zfree = zfree,
                  .opaque = (voidpf)p};
    int rc = inflateInit2(&z, 16 + MAX_WBITS); /* gzip wrapper only */
    if (rc != Z_OK) {
        p->release(p->ctx, buf);
        *why = "zlib could not start";
        return -XEN_ENOMEM;
    }
    rc = inflate(&z, Z_FINISH);
    size_t produced = size - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != size) {
        p->release(p->ctx, buf);
        *why = rc == Z_BUF_ERROR ? "the gzip stream is longer than its trailer says"
                                 : "the gzip stream is damaged or shorter than its trailer says";
        return -XEN_EINVAL;
    }
    *out = buf;
    *out_len = size;
    return 0;
}
