/*
 * vsnprintf for freestanding images: the C conversions d i u x X o c s p %
 * with flags - 0 + space #, width and precision (also as *), and the length
 * modifiers hh h l ll z t j.  Returns the length the full output would have,
 * as C does, so callers can detect truncation.  No floating point: hv is
 * built without SSE.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

static void put_number(struct out *o, uint64_t v, int neg, unsigned base, int upper, int flags,
                       int width, int prec)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    if (v == 0 && prec != 0)
        tmp[n++] = '0';
    while (v) {
        tmp[n++] = digits[v % base];
        v /= base;
    }

    char sign = neg ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
    const char *prefix = "";
    int zeros = prec > n ? prec - n : 0;
    if ((flags & F_ALT) && base == 16 && n && !(n == 1 && tmp[0] == '0'))
        prefix = upper ? "0X" : "0x";
    /* %#o needs a leading zero only if the precision has not supplied one. */
    if ((flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
        prefix = "0";

    int body = n + zeros + (sign ? 1 : 0) + (int)strlen(prefix);
    if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT) && width > body) {
        zeros += width - body;
        body = width;
    }
    if (!(flags & F_LEFT))
        pad(o, ' ', width - body);
    if (sign)
        put(o, sign);
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    pad(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (flags & F_LEFT)
        pad(o, ' ', width - body);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int flags = 0, width = 0, prec = -1, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                flags |= F_LEFT;
            else if (*fmt == '0')
                flags |= F_ZERO;
            else if (*fmt == '+')
                flags |= F_PLUS;
            else if (*fmt == ' ')
                flags |= F_SPACE;
            else if (*fmt == '#')
                flags |= F_ALT;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        /* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long (size_t etc. are long) */
        if (*fmt == 'h') {
            lng = -1;
            if (*++fmt == 'h') {
                lng = -2;
                fmt++;
            }
        } else if (*fmt == 'l') {
            lng = 1;
            if (*++fmt == 'l') {
                lng = 2;
                fmt++;
            }
        } else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
            lng = 1;
            fmt++;
        }

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng >= 1 ? va_arg(ap, long) : va_arg(ap, int);
            if (lng == -1)
                v = (short)v;
            else if (lng == -2)
                v = (signed char)v;
            put_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, flags, width, prec);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = lng >= 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            if (lng == -1)
                v = (unsigned short)v;
            else if (lng == -2)
                v = (unsigned char)v;
            unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
            put_number(&o, v, 0, base, *fmt == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put_number(&o, v, 0, 16, 0, F_ALT | (flags & F_LEFT), width, prec);
            break;
        }
        case 'c': {
            if (!(flags & F_LEFT))
                pad(&o, ' ', width - 1);
            put(&o, (char)va_arg(ap, int));
            if (flags & F_LEFT)
                pad(&o, ' ', width - 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = (int)(prec >= 0 ? strnlen(s, prec) : strlen(s));
            if (!(flags & F_LEFT))
                pad(&o, ' ', width - n);
            for (int i = 0; i < n; i++)
                put(&o, s[i]);
            if (flags & F_LEFT)
                pad(&o, ' ', width - n);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--; /* a lone % at the end: stop after it */
            break;
        default:
            /* unknown conversion: show it, so the bad format is visible */
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (o.size)
        o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
