/* Boot command-line parsing (see include/hv/cmdline.h). */
#include <hv/cmdline.h>
#include <string.h>
#include <stdlib.h>
#include <limits.h>

const char *cmdline_cook(const char *p, const char *loader_name)
{
    if (!p)
        return "";
    while (*p == ' ')
        p++;
    /* GRUB 2 passes only the arguments; QEMU and GRUB legacy prefix the path. */
    const char *grub = loader_name ? strstr(loader_name, "GRUB ") : NULL;
    if (grub && grub[5] != '0')
        return p;
    while (*p && *p != ' ')
        p++;
    while (*p == ' ')
        p++;
    return p;
}

int parse_bool(const char *s, const char *end)
{
    static const char *const yes[] = {"1", "yes", "on", "true", "enable"};
    static const char *const no[] = {"0", "no", "off", "false", "disable"};
    size_t len = end ? (size_t)(end - s) : strlen(s);
    for (unsigned i = 0; i < 5; i++) {
        if (strlen(yes[i]) == len && !strncmp(s, yes[i], len))
            return 1;
        if (strlen(no[i]) == len && !strncmp(s, no[i], len))
            return 0;
    }
    return -1;
}

/*
 * A number in C notation (0x hex, leading-0 octal, decimal) with an optional
 * sign; false on no digits or on overflow of 64 bits, never saturating.
 */
static bool parse_number(const char *s, const char **end, uint64_t *mag, bool *neg)
{
    *neg = false;
    if (*s == '-' || *s == '+')
        *neg = *s++ == '-';
    unsigned int base = 10;
    if (s[0] == '0' && (s[1] | 32) == 'x') {
        base = 16;
        s += 2;
    } else if (s[0] == '0') {
        base = 8;
    }
    uint64_t v = 0;
    const char *start = s;
    for (;; s++) {
        unsigned int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if ((*s | 32) >= 'a' && (*s | 32) <= 'f')
            d = (*s | 32) - 'a' + 10;
        else
            break;
        if (d >= base)
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    if (s == start)
        return false;
    *mag = v;
    *end = s;
    return true;
}

/* A size: number and optional unit suffix; false on garbage or overflow. */
static bool parse_size(const char *s, const char **rest, uint64_t *out)
{
    uint64_t v;
    bool neg;
    const char *e;
    if (!parse_number(s, &e, &v, &neg) || neg || *s == '+')
        return false;
    unsigned int shift;
    switch (*e) {
    case 'T':
    case 't':
        shift = 40;
        e++;
        break;
    case 'G':
    case 'g':
        shift = 30;
        e++;
        break;
    case 'M':
    case 'm':
        shift = 20;
        e++;
        break;
    case 'K':
    case 'k':
        shift = 10;
        e++;
        break;
    case 'B':
    case 'b':
        shift = 0;
        e++;
        break;
    default:
        shift = 10; /* as Xen: no unit means KiB */
        break;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    *rest = e;
    return true;
}

uint64_t parse_size_and_unit(const char *s, const char **rest)
{
    uint64_t v;
    const char *e;
    if (parse_size(s, &e, &v)) {
        if (rest)
            *rest = e;
        return v;
    }
    /* Xen's function saturates; callers that must refuse use parse_size. */
    char *end;
    v = strtoull(s, &end, 0);
    e = end;
    if (*e && strchr("TtGgMmKkBb", *e))
        e++;
    if (rest)
        *rest = e;
    return UINT64_MAX;
}

/* Stores -mag or mag into an integer variable of len bytes, if it fits its
 * signed or unsigned range; false otherwise. */
static bool store_int(void *var, size_t len, uint64_t mag, bool neg)
{
    if (len != 1 && len != 2 && len != 4 && len != 8)
        return false;
    unsigned int bits = (unsigned int)len * 8;
    uint64_t unsigned_max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
    uint64_t negative_max = 1ULL << (bits - 1);
    if (neg ? mag > negative_max : mag > unsigned_max)
        return false;
    uint64_t v = neg ? (uint64_t)0 - mag : mag;
    switch (len) {
    case 1:
        *(uint8_t *)var = (uint8_t)v;
        break;
    case 2:
        *(uint16_t *)var = (uint16_t)v;
        break;
    case 4:
        *(uint32_t *)var = (uint32_t)v;
        break;
    default:
        *(uint64_t *)var = v;
        break;
    }
    return true;
}

static void set_bool(void *var, size_t len, bool v)
{
    store_int(var, len, v, false);
}

/* Applies one option "key[=value]"; returns 0, or -1 after warning. */
static int apply_option(const char *key, size_t keylen, const char *value,
                        const struct boot_param *start, const struct boot_param *end,
                        cmdline_warn_fn warn)
{
    bool negated = false;
    const struct boot_param *p;

    for (int pass = 0; pass < 2; pass++) {
        for (p = start; p < end; p++)
            if (strlen(p->name) == keylen && !strncmp(p->name, key, keylen))
                goto found;
        /* "no-foo" turns a boolean option off, as in Xen. */
        if (pass == 0 && keylen > 3 && !strncmp(key, "no-", 3)) {
            key += 3;
            keylen -= 3;
            negated = true;
            continue;
        }
        break;
    }
    warn("unknown option \"%.*s\" ignored\n", (int)(negated ? keylen + 3 : keylen),
         negated ? key - 3 : key);
    return -1;

found:
    if (negated && (p->type != PARAM_BOOL || value)) {
        warn("option \"no-%s\" is not a boolean; ignored\n", p->name);
        return -1;
    }
    switch (p->type) {
    case PARAM_BOOL: {
        int b = value ? parse_bool(value, NULL) : 1;
        if (b < 0)
            break;
        set_bool(p->var, p->len, negated ? !b : b);
        return 0;
    }
    case PARAM_INT: {
        const char *e;
        uint64_t mag;
        bool neg;
        if (!value || !parse_number(value, &e, &mag, &neg) || *e ||
            !store_int(p->var, p->len, mag, neg))
            break;
        return 0;
    }
    case PARAM_SIZE: {
        const char *e;
        uint64_t v;
        if (!value || !parse_size(value, &e, &v) || *e || !store_int(p->var, p->len, v, false))
            break;
        return 0;
    }
    case PARAM_STRING:
        if (!value)
            break;
        if (strlen(value) >= p->len) {
            warn("option \"%s\": value too long (at most %zu characters); ignored\n", p->name,
                 p->len - 1);
            return -1;
        }
        strlcpy(p->var, value, p->len);
        return 0;
    case PARAM_CUSTOM:
        if (p->parse(value ? value : "") == 0)
            return 0;
        break;
    }
    warn("option \"%s\": invalid value \"%s\" ignored\n", p->name, value ? value : "");
    return -1;
}

int cmdline_parse(const char *cmdline, const struct boot_param *start, const struct boot_param *end,
                  cmdline_warn_fn warn)
{
    char opt[256];
    int warnings = 0;
    const char *p = cmdline;

    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        /* One option: up to unquoted white space; quotes are removed. */
        size_t n = 0;
        bool quoted = false, overflow = false;
        for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
            if (*p == '"') {
                quoted = !quoted;
                continue;
            }
            if (n + 1 < sizeof(opt))
                opt[n++] = *p;
            else
                overflow = true;
        }
        opt[n] = '\0';
        if (overflow) {
            warn("option \"%.32s...\" is too long; ignored\n", opt);
            warnings++;
            continue;
        }
        char *eq = strchr(opt, '=');
        size_t keylen = eq ? (size_t)(eq - opt) : n;
        if (keylen == 0) {
            warn("option \"%s\" has no name; ignored\n", opt);
            warnings++;
            continue;
        }
        if (apply_option(opt, keylen, eq ? eq + 1 : NULL, start, end, warn))
            warnings++;
    }
    return warnings;
}
