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

uint64_t parse_size_and_unit(const char *s, const char **rest)
{
    char *e;
    uint64_t v = strtoull(s, &e, 0);
    int shift;
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
        v = UINT64_MAX;
    else
        v <<= shift;
    if (rest)
        *rest = e;
    return v;
}

static bool store_int(void *var, size_t len, long long v)
{
    switch (len) {
    case 1:
        if (v < -128 || v > 255)
            return false;
        *(uint8_t *)var = (uint8_t)v;
        return true;
    case 2:
        if (v < -32768 || v > 65535)
            return false;
        *(uint16_t *)var = (uint16_t)v;
        return true;
    case 4:
        if (v < INT_MIN || v > (long long)UINT_MAX)
            return false;
        *(uint32_t *)var = (uint32_t)v;
        return true;
    case 8:
        *(uint64_t *)var = (uint64_t)v;
        return true;
    }
    return false;
}

static void set_bool(void *var, size_t len, bool v)
{
    store_int(var, len, v);
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
        char *e;
        if (!value || !*value)
            break;
        long long v = (long long)strtol(value, &e, 0);
        if (*e || !store_int(p->var, p->len, v))
            break;
        return 0;
    }
    case PARAM_SIZE: {
        const char *e;
        if (!value || !*value || !(*value >= '0' && *value <= '9'))
            break;
        uint64_t v = parse_size_and_unit(value, &e);
        if (*e || !store_int(p->var, p->len, (long long)v))
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
