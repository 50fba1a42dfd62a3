/* pvkernel's console: output through the console_io hypercall. */
#ifndef PVKERNEL_CONSOLE_H
#define PVKERNEL_CONSOLE_H
#include <stddef.h>
#include <stdarg.h>
void console_write(const char *s, size_t len);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
#endif
