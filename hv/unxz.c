/*
 * hv/unxz.c - unpacks an xz-compressed boot payload (the kernel inside a
 * bzImage, as Linux packs it) with liblzma's stream decoder, built
 * freestanding from Debian's xz-utils source.  The payload is untrusted:
 * the size it claims is bounded, the decoder's memory is limited, and the
 * stream must fill exactly that size and end exactly at the payload's end.
 */
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/unxz.h>
#include <stdint.h>
#include <lzma.h>

/* Larger than any PV kernel image; keeps a lying size from asking for all of RAM. */
#define UNXZ_MAX_OUTPUT (256UL << 20)
/* The decoder's own memory: a Linux payload uses a dictionary of 32 MiB at most. */
#define UNXZ_MEMLIMIT (64ULL << 20)

static void *unxz_alloc(void *opaque, size_t nmemb, size_t size)
{
    (void)opaque;
    if (size && nmemb > SIZE_MAX / size)
        return NULL;
    return xmalloc(nmemb * size);
}

static void unxz_free(void *opaque, void *ptr)
{
    (void)opaque;
    xfree(ptr);
}

int unxz(const void *src, size_t len, size_t out_len, void **out, const char **why)
{
    *out = NULL;
    if (out_len == 0 || out_len > UNXZ_MAX_OUTPUT) {
        *why = "xz payload gives an implausible size";
        return -EINVAL;
    }
    uint8_t *buf = xmalloc(out_len);
    if (!buf) {
        *why = "no memory to unpack xz data";
        return -ENOMEM;
    }
    const lzma_allocator allocator = {.alloc = unxz_alloc, .free = unxz_free};
    uint64_t memlimit = UNXZ_MEMLIMIT;
    size_t in_pos = 0, out_pos = 0;
    lzma_ret rc = lzma_stream_buffer_decode(&memlimit, 0, &allocator, src, &in_pos, len, buf,
                                            &out_pos, out_len);
    if (rc == LZMA_OK && (in_pos != len || out_pos != out_len))
        rc = LZMA_DATA_ERROR;
    if (rc != LZMA_OK) {
        xfree(buf);
        *why = rc == LZMA_MEM_ERROR        ? "no memory to unpack xz data"
               : rc == LZMA_MEMLIMIT_ERROR ? "xz data needs too large a dictionary"
               : rc == LZMA_BUF_ERROR      ? "xz data longer than its payload says"
               : rc == LZMA_OPTIONS_ERROR  ? "xz data uses filters hv does not unpack"
                                           : "corrupt or truncated xz data";
        return rc == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    *out = buf;
    return 0;
}
