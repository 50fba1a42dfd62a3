/* Number parsing for the freestanding libc subset (strtoul and friends). */
#include <stdlib.h>
#include <ctype.h>
#include <limits.h>

unsigned long long strtoull(const char *s, char **end, int base)
{
    const char *p = s;
    unsigned long long v = 0;
    int any = 0, overflow = 0;

    while (isspace(*p))
        p++;
    if (*p == '+')
        p++;
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' && isxdigit(p[2])) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    for (;; p++) {
        int d;
        if (isdigit(*p))
            d = *p - '0';
        else if (isalpha(*p))
            d = (*p | 32) - 'a' + 10;
        else
            break;
        if (d >= base)
            break;
        if (v > (ULLONG_MAX - d) / base)
            overflow = 1;
        v = v * base + d;
        any = 1;
    }
    if (end)
        *end = (char *)(any ? p : s);
    return overflow ? ULLONG_MAX : v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    return strtoull(s, end, base);
}

long strtol(const char *s, char **end, int base)
{
    const char *p = s;
    int neg = 0;
    while (isspace(*p))
        p++;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    char *e;
    unsigned long long v = strtoull(p, &e, base);
    if (e == p) {
        if (end)
            *end = (char *)s;
        return 0;
    }
    if (end)
        *end = e;
    if (neg) /* -(2^63) is LONG_MIN itself; negating it as a long would overflow */
        return v >= (unsigned long long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
    return v > LONG_MAX ? LONG_MAX : (long)v;
}
