/*
 * include/hv/unxz.h - unpacking xz-compressed boot payloads (hv/unxz.c).
 */
#ifndef HV_UNXZ_H
#define HV_UNXZ_H

#include <stddef.h>

/*
 * Unpacks one .xz stream of exactly len bytes into a new xmalloc'd buffer
 * of exactly out_len bytes (the caller xfrees it).  On failure returns
 * -EINVAL or -ENOMEM and sets *why.
 */
int unxz(const void *src, size_t len, size_t out_len, void **out, const char **why);

#endif
