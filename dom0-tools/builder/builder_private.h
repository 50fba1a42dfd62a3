/*
 * What the builder's own files share: the gzip step (gunzip.c) used by
 * domu_build.c before the ELF image is read.
 */
#ifndef BUILDER_PRIVATE_H
#define BUILDER_PRIVATE_H
#include <builder/domu_build.h>
#include <stdbool.h>

bool builder_is_gzip(const void *src, size_t len);
/* Unpacks a gzip image into memory from p->alloc: 0, or -errno with *why. */
int builder_gunzip(const struct builder_platform *p, const void *src, size_t len, void **out,
                   size_t *out_len, const char **why);
#endif
