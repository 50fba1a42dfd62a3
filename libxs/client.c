/*
 * The libxs client (xs.h): request/reply matching by req_id, watch events
 * queued as they arrive between replies, and the operations built on
 * xs_talk().  A reply is checked as carefully as a daemon checks requests:
 * a header announcing more than XENSTORE_PAYLOAD_MAX bytes ends the handle
 * (EIO) instead of being trusted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "transport.h"
#include "xs.h"

struct watch_event {
    struct watch_event *next;
    unsigned len;
    char payload[]; /* path NUL token NUL */
};

struct xs_handle {
    struct xs_transport *t;
    uint32_t next_req_id;
    struct watch_event *events, **events_tail;
    bool dead;
};

struct xs_handle *xs_handle_new(struct xs_transport *t)
{
    struct xs_handle *h;
    if (!t)
        return NULL;
    h = calloc(1, sizeof(*h));
    if (!h) {
        t->destroy(t);
        errno = ENOMEM;
        return NULL;
    }
    h->t = t;
    h->events_tail = &h->events;
    return h;
}

struct xs_handle *xs_open_socket(const char *path)
{
    if (!path)
        path = getenv("XENSTORED_PATH");
    if (!path || !*path)
        path = "/var/run/xenstored/socket";
    return xs_handle_new(xs_transport_socket(path));
}

void xs_close(struct xs_handle *h)
{
    if (!h)
        return;
    while (h->events) {
        struct watch_event *e = h->events;
        h->events = e->next;
        free(e);
    }
    h->t->destroy(h->t);
    free(h);
}

int xs_fileno(struct xs_handle *h)
{
    return h->t->fd(h->t);
}

/* Reads exactly len bytes; 0 or -errno (-EIO at end of stream). */
static int read_exact(struct xs_handle *h, void *buf, size_t len, int timeout_ms)
{
    char *p = buf;
    while (len) {
        ssize_t n = h->t->recv(h->t, p, len, timeout_ms);
        if (n == 0)
            return -EIO;
        if (n < 0)
            return (int)n;
        p += n;
        len -= (size_t)n;
        timeout_ms = timeout_ms < 0 ? -1 : 5000; /* the rest of a started message */
    }
    return 0;
}

/* Reads one message; its payload (plus a NUL) in *payload.  0 or -errno. */
static int read_message(struct xs_handle *h, struct xsd_sockmsg *hdr, char **payload,
                        int timeout_ms)
{
    int err = read_exact(h, hdr, sizeof(*hdr), timeout_ms);
    if (err)
        return err;
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        h->dead = true;
        return -EIO;
    }
    *payload = malloc(hdr->len + 1);
    if (!*payload)
        return -ENOMEM;
    err = read_exact(h, *payload, hdr->len, -1);
    if (err) {
        free(*payload);
        h->dead = true;
        return err;
    }
    (*payload)[hdr->len] = '\0';
    return 0;
}

static void queue_event(struct xs_handle *h, char *payload, unsigned len)
{
    struct watch_event *e = malloc(sizeof(*e) + len + 1);
    if (!e)
        return;
    e->next = NULL;
    e->len = len;
    memcpy(e->payload, payload, len + 1);
    *h->events_tail = e;
    h->events_tail = &e->next;
}

void *xs_talk(struct xs_handle *h, uint32_t type, xs_transaction_t t, const void *payload,
              unsigned len, unsigned *reply_len)
{
    struct xsd_sockmsg hdr = {type, 0, t, len};
    char *msg;
    int err;
    if (h->dead) {
        errno = EIO;
        return NULL;
    }
    if (len > XENSTORE_PAYLOAD_MAX) {
        errno = E2BIG;
        return NULL;
    }
    hdr.req_id = ++h->next_req_id;
    msg = malloc(sizeof(hdr) + len);
    if (!msg) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(msg, &hdr, sizeof(hdr));
    if (len)
        memcpy(msg + sizeof(hdr), payload, len);
    err = h->t->send(h->t, msg, sizeof(hdr) + len);
    free(msg);
    if (err) {
        h->dead = true;
        errno = -err;
        return NULL;
    }
    for (;;) {
        struct xsd_sockmsg rh;
        char *rp;
        err = read_message(h, &rh, &rp, -1);
        if (err) {
            h->dead = true;
            errno = -err;
            return NULL;
        }
        if (rh.type == XS_WATCH_EVENT) {
            queue_event(h, rp, rh.len);
            free(rp);
            continue;
        }
        if (rh.req_id != hdr.req_id) {
            free(rp); /* a reply to nobody: the daemon is confused, skip it */
            continue;
        }
        if (rh.type == XS_ERROR) {
            errno = xs_error_number(rp, rh.len);
            free(rp);
            return NULL;
        }
        if (reply_len)
            *reply_len = rh.len;
        return rp;
    }
}

/* A request whose payload is one or two strings (each sent with its NUL). */
static void *talk_strings(struct xs_handle *h, uint32_t type, xs_transaction_t t, const char *a,
                          const char *b, unsigned *reply_len)
{
    size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
    char *buf = malloc(la + lb + 1);
    void *r;
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(buf, a, la);
    if (b)
        memcpy(buf + la, b, lb);
    r = xs_talk(h, type, t, buf, (unsigned)(la + lb), reply_len);
    free(buf);
    return r;
}

static bool talk_ok(void *reply)
{
    free(reply);
    return reply != NULL;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned *len)
{
    return talk_strings(h, XS_READ, t, path, NULL, len);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned len)
{
    size_t lp = strlen(path) + 1;
    char *buf = malloc(lp + len + 1);
    void *r;
    if (!buf) {
        errno = ENOMEM;
        return false;
    }
    memcpy(buf, path, lp);
    if (len)
        memcpy(buf + lp, data, len);
    r = xs_talk(h, XS_WRITE, t, buf, (unsigned)(lp + len), NULL);
    free(buf);
    return talk_ok(r);
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return talk_ok(talk_strings(h, XS_MKDIR, t, path, NULL, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return talk_ok(talk_strings(h, XS_RM, t, path, NULL, NULL));
}

/* Splits a NUL-separated list into one malloc block: pointers, then text. */
static char **split_list(const char *data, unsigned len, unsigned *num)
{
    unsigned n = 0;
    char **v, *text;
    for (unsigned i = 0; i < len; i++)
        n += data[i] == '\0';
    v = malloc((n + 1) * sizeof(*v) + len + 1);
    if (!v) {
        errno = ENOMEM;
        return NULL;
    }
    text = (char *)(v + n + 1);
    memcpy(text, data, len);
    text[len] = '\0';
    for (unsigned i = 0, pos = 0; i < n; i++) {
        v[i] = text + pos;
        pos += (unsigned)strlen(text + pos) + 1;
    }
    v[n] = NULL;
    *num = n;
    return v;
}

static char **directory_by_parts(struct xs_handle *h, xs_transaction_t t, const char *path,
                                 unsigned *num)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        char *all = NULL, gen[24] = "";
        size_t total = 0;
        bool restart = false;
        for (;;) {
            char off[24];
            unsigned rl;
            char *r, *na;
            size_t gl, part;
            snprintf(off, sizeof(off), "%zu", total);
            r = talk_strings(h, XS_DIRECTORY_PART, t, path, off, &rl);
            if (!r) {
                free(all);
                return NULL;
            }
            gl = strnlen(r, rl);
            if (gl == rl || gl >= sizeof(gen)) {
                free(r);
                free(all);
                errno = EIO;
                return NULL;
            }
            if (!gen[0]) {
                memcpy(gen, r, gl + 1);
            } else if (strcmp(gen, r) != 0) {
                free(r);
                restart = true; /* the node changed between parts */
                break;
            }
            /* Names; the last part adds an empty string (a second NUL). */
            part = rl - gl - 1;
            na = realloc(all, total + part + 1);
            if (!na) {
                free(r);
                free(all);
                errno = ENOMEM;
                return NULL;
            }
            all = na;
            memcpy(all + total, r + gl + 1, part);
            free(r);
            if (part == 0) {
                errno = EIO; /* a part that makes no progress */
                free(all);
                return NULL;
            }
            total += part;
            if (total == 1 || (total >= 2 && all[total - 2] == '\0')) {
                total--; /* drop the end marker */
                break;
            }
        }
        if (!restart) {
            char **v = split_list(all ? all : "", (unsigned)total, num);
            free(all);
            return v;
        }
        free(all);
    }
    errno = EAGAIN;
    return NULL;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned *num)
{
    unsigned len;
    char *r = talk_strings(h, XS_DIRECTORY, t, path, NULL, &len);
    char **v;
    if (!r)
        return errno == E2BIG ? directory_by_parts(h, t, path, num) : NULL;
    v = split_list(r, len, num);
    free(r);
    return v;
}

struct xs_perm *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                   unsigned *num)
{
    unsigned len, n;
    char *r = talk_strings(h, XS_GET_PERMS, t, path, NULL, &len);
    char **v;
    struct xs_perm *p;
    if (!r)
        return NULL;
    v = split_list(r, len, &n);
    free(r);
    if (!v)
        return NULL;
    p = malloc((n ? n : 1) * sizeof(*p));
    for (unsigned i = 0; p && i < n; i++) {
        if (!xs_perm_parse(v[i], strlen(v[i]), &p[i])) {
            free(p);
            p = NULL;
            errno = EIO;
        }
    }
    free(v);
    if (p)
        *num = n;
    return p;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        const struct xs_perm *perms, unsigned num)
{
    size_t lp = strlen(path) + 1, len = lp;
    char *buf = malloc(lp + (size_t)num * 8);
    void *r;
    if (!buf) {
        errno = ENOMEM;
        return false;
    }
    memcpy(buf, path, lp);
    for (unsigned i = 0; i < num; i++)
        len += xs_perm_format(&perms[i], buf + len) + 1;
    r = xs_talk(h, XS_SET_PERMS, t, buf, (unsigned)len, NULL);
    free(buf);
    return talk_ok(r);
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    return talk_ok(talk_strings(h, XS_WATCH, XBT_NULL, path, token, NULL));
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    return talk_ok(talk_strings(h, XS_UNWATCH, XBT_NULL, path, token, NULL));
}

char **xs_read_watch_timeout(struct xs_handle *h, unsigned *num, int timeout_ms)
{
    while (!h->events) {
        struct xsd_sockmsg rh;
        char *rp;
        int err;
        if (h->dead) {
            errno = EIO;
            return NULL;
        }
        err = read_message(h, &rh, &rp, timeout_ms);
        if (err) {
            if (err != -EAGAIN)
                h->dead = true;
            errno = -err;
            return NULL;
        }
        if (rh.type == XS_WATCH_EVENT)
            queue_event(h, rp, rh.len);
        free(rp); /* anything else answers nobody here */
    }
    {
        struct watch_event *e = h->events;
        char **v;
        h->events = e->next;
        if (!h->events)
            h->events_tail = &h->events;
        v = split_list(e->payload, e->len, num);
        free(e);
        if (v && *num < 2) {
            free(v);
            errno = EIO;
            return NULL;
        }
        return v;
    }
}

char **xs_read_watch(struct xs_handle *h, unsigned *num)
{
    return xs_read_watch_timeout(h, num, -1);
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
    char *r = talk_strings(h, XS_TRANSACTION_START, XBT_NULL, "", NULL, NULL);
    unsigned long id;
    char *end;
    if (!r)
        return XBT_NULL;
    id = strtoul(r, &end, 10);
    if (*end || id == 0 || id > UINT32_MAX) {
        free(r);
        errno = EIO;
        return XBT_NULL;
    }
    free(r);
    return (xs_transaction_t)id;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    return talk_ok(talk_strings(h, XS_TRANSACTION_END, t, abort ? "F" : "T", NULL, NULL));
}

bool xs_introduce_domain(struct xs_handle *h, unsigned domid, int64_t mfn, unsigned port)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%u%c%lld%c%u", domid, 0, (long long)mfn, 0, port);
    return talk_ok(xs_talk(h, XS_INTRODUCE, XBT_NULL, buf, (unsigned)n + 1, NULL));
}

static void *talk_domid(struct xs_handle *h, uint32_t type, unsigned domid)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", domid);
    return talk_strings(h, type, XBT_NULL, buf, NULL, NULL);
}

bool xs_release_domain(struct xs_handle *h, unsigned domid)
{
    return talk_ok(talk_domid(h, XS_RELEASE, domid));
}

char *xs_get_domain_path(struct xs_handle *h, unsigned domid)
{
    return talk_domid(h, XS_GET_DOMAIN_PATH, domid);
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned domid)
{
    char *r = talk_domid(h, XS_IS_DOMAIN_INTRODUCED, domid);
    bool yes = r && strcmp(r, "T") == 0;
    free(r);
    return yes;
}
