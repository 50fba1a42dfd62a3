/*
 * Stand-ins for the C library allocator liblzma falls back to when given no
 * lzma_allocator.  hv always passes one, so these only make a missing
 * allocator fail cleanly (LZMA_MEM_ERROR) instead of needing a libc.
 */
#include <stddef.h>

void *lzma_no_malloc(size_t size);
void *lzma_no_calloc(size_t n, size_t size);
void lzma_no_free(void *p);

void *lzma_no_malloc(size_t size)
{
    (void)size;
    return NULL;
}

void *lzma_no_calloc(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

void lzma_no_free(void *p)
{
    (void)p;
}
