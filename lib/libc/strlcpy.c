/*
 * strlcpy for the freestanding libc subset; on its own so that host unit
 * tests can build it too (glibc 2.36 has none).
 */
#include <string.h>

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
