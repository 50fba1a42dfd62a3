/*
 * include/hv/gunzip.h - unpacking gzip-compressed boot modules (hv/gunzip.c).
 */
#ifndef HV_GUNZIP_H
#define HV_GUNZIP_H

#include <stdbool.h>
#include <stddef.h>

/* Does this look like a gzip member with deflate data? */
bool gunzip_is_gzip(const void *src, size_t len);
/*
 * Unpacks one gzip member into a new xmalloc'd buffer (the caller xfrees
 * it). On failure returns -EINVAL or -ENOMEM and sets *why.
 */
int gunzip(const void *src, size_t len, void **out, size_t *out_len, const char **why);

#endif
