/* pvkernel's console output: console_io writes, and printk over vsnprintf. */
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <stdio.h>

void console_write(const char *s, size_t len)
{
    while (len) {
        int n = len > 4096 ? 4096 : (int)len;
        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
        s += n;
        len -= n;
    }
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    console_write(buf, n);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
