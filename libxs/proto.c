/*
 * The wire protocol helpers declared in xs_proto.h: error and type names,
 * argument splitting, path syntax and permission strings.  Everything here
 * reads untrusted bytes (a domain's request, a daemon's reply) and checks
 * every length before use.
 */
#include "xs_proto.h"

#include <string.h>

const char *xs_error_name(int err)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EINVAL";
}

int xs_error_number(const char *payload, size_t len)
{
    /* The name may or may not carry its NUL. */
    size_t n = 0;
    while (n < len && payload[n] != '\0')
        n++;
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
        const char *name = xsd_errors[i].errstring;
        if (strlen(name) == n && memcmp(name, payload, n) == 0)
            return xsd_errors[i].errnum;
    }
    return EINVAL;
}

static const char *const type_names[XS_TYPE_COUNT] = {
    [XS_CONTROL] = "CONTROL",
    [XS_DIRECTORY] = "DIRECTORY",
    [XS_READ] = "READ",
    [XS_GET_PERMS] = "GET_PERMS",
    [XS_WATCH] = "WATCH",
    [XS_UNWATCH] = "UNWATCH",
    [XS_TRANSACTION_START] = "TRANSACTION_START",
    [XS_TRANSACTION_END] = "TRANSACTION_END",
    [XS_INTRODUCE] = "INTRODUCE",
    [XS_RELEASE] = "RELEASE",
    [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
    [XS_WRITE] = "WRITE",
    [XS_MKDIR] = "MKDIR",
    [XS_RM] = "RM",
    [XS_SET_PERMS] = "SET_PERMS",
    [XS_WATCH_EVENT] = "WATCH_EVENT",
    [XS_ERROR] = "ERROR",
    [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
    [XS_RESUME] = "RESUME",
    [XS_SET_TARGET] = "SET_TARGET",
    [XS_RESET_WATCHES] = "RESET_WATCHES",
    [XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

const char *xs_type_name(uint32_t type)
{
    if (type >= XS_TYPE_COUNT)
        return NULL;
    return type_names[type];
}

int xs_split_args(const char *payload, size_t len, unsigned fixed, bool want_tail,
                  struct xs_args *out)
{
    size_t pos = 0;
    memset(out, 0, sizeof(*out));
    while (pos < len && (!want_tail || out->count < fixed)) {
        const char *nul = memchr(payload + pos, '\0', len - pos);
        if (!nul)
            return EINVAL; /* the last argument lacks its NUL */
        if (out->count == XS_MAX_ARGS)
            return EINVAL;
        out->arg[out->count] = payload + pos;
        out->len[out->count] = (size_t)(nul - (payload + pos));
        out->count++;
        pos = (size_t)(nul - payload) + 1;
    }
    if (want_tail) {
        out->tail = payload + pos;
        out->tail_len = len - pos;
    }
    return 0;
}

static bool path_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/' || c == '_' || c == '@';
}

bool xs_path_chars_valid(const char *path, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!path_char_ok(path[i]))
            return false;
        if (path[i] == '/' && i + 1 < len && path[i + 1] == '/')
            return false;
    }
    if (len > 1 && path[len - 1] == '/')
        return false;
    return true;
}

bool xs_path_is_child(const char *child, const char *parent)
{
    size_t n = strlen(parent);
    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

bool xs_parse_domid(const char *s, uint16_t *out)
{
    unsigned long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return false;
    }
    *out = (uint16_t)v;
    return true;
}

bool xs_perm_parse(const char *s, size_t len, struct xs_perm *out)
{
    char digits[8];
    if (len < 2 || len - 1 >= sizeof(digits))
        return false;
    switch (s[0]) {
    case 'n':
        out->perm = XS_PERM_NONE;
        break;
    case 'r':
        out->perm = XS_PERM_READ;
        break;
    case 'w':
        out->perm = XS_PERM_WRITE;
        break;
    case 'b':
        out->perm = XS_PERM_BOTH;
        break;
    default:
        return false;
    }
    memcpy(digits, s + 1, len - 1);
    digits[len - 1] = '\0';
    return xs_parse_domid(digits, &out->domid);
}

size_t xs_perm_format(const struct xs_perm *p, char *buf)
{
    static const char letters[] = {'n', 'r', 'w', 'b'};
    unsigned v = p->domid;
    char tmp[6];
    size_t n = 0, len = 0;
    buf[len++] = letters[p->perm & XS_PERM_BOTH];
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}
