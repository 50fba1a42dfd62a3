/* The console ring (see include/hv/conring.h). */
#include <hv/conring.h>

void conring_init(struct conring *r, char *buf, uint64_t size)
{
    r->buf = buf;
    r->size = size;
    r->prod = 0;
}

void conring_put(struct conring *r, const char *s, size_t len)
{
    /* Only the tail of an over-long message can survive anyway. */
    if (len > r->size) {
        r->prod += len - r->size;
        s += len - r->size;
        len = r->size;
    }
    for (size_t i = 0; i < len; i++)
        r->buf[(r->prod + i) & (r->size - 1)] = s[i];
    r->prod += len;
}

uint64_t conring_oldest(const struct conring *r)
{
    return r->prod > r->size ? r->prod - r->size : 0;
}

size_t conring_read(const struct conring *r, uint64_t *pos, char *out, size_t max)
{
    uint64_t p = *pos;
    if (p < conring_oldest(r))
        p = conring_oldest(r);
    if (p > r->prod)
        p = r->prod;
    size_t n = 0;
    while (n < max && p < r->prod)
        out[n++] = r->buf[p++ & (r->size - 1)];
    *pos = p;
    return n;
}
