/*
 * The console ring: hv keeps the last CONRING_SIZE bytes it printed, so that
 * `xm dmesg` (sysctl readconsole) can read them later.  Readers keep their
 * own position; a reader that fell behind by more than the ring size resumes
 * at the oldest byte still held.
 */
#ifndef HV_CONRING_H
#define HV_CONRING_H
#include <hv/types.h>

struct conring {
    char *buf;
    uint64_t size; /* a power of two */
    uint64_t prod; /* bytes ever written */
};

void conring_init(struct conring *r, char *buf, uint64_t size);
void conring_put(struct conring *r, const char *s, size_t len);
/* Copies up to max bytes from *pos on; advances *pos; returns the count. */
size_t conring_read(const struct conring *r, uint64_t *pos, char *out, size_t max);
uint64_t conring_oldest(const struct conring *r);
#endif
