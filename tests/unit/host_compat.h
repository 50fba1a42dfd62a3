/*
 * Force-included into hv sources compiled for the host (see unit.mk): the
 * freestanding libc functions that glibc lacks, under test-private names.
 */
#ifndef UNIT_HOST_COMPAT_H
#define UNIT_HOST_COMPAT_H
#include <stddef.h>

/* lib/libc/strlcpy.c, built for the host under this name (unit.mk). */
#define strlcpy unit_strlcpy
size_t unit_strlcpy(char *dst, const char *src, size_t size);
#endif
