/* The libc formatting subset for freestanding images (lib/libc/format.c). */
#ifndef LIBC_STDIO_H
#define LIBC_STDIO_H
#include <stddef.h>
#include <stdarg.h>
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
