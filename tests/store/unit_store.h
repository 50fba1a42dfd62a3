/*
 * Shared by the store's cmocka unit tests (tests/store/unit_*.c): a store
 * with connections that have no transport, and a driver that sends one
 * request through the real framing (conn_feed) and takes its reply off the
 * connection's output queue.
 */
#ifndef UNIT_STORE_H
#define UNIT_STORE_H

#include "unit.h"
#include "conn.h"
#include "domain.h"
#include "store.h"
#include "txn.h"

struct reply {
    uint32_t type;
    uint32_t len;
    char data[XENSTORE_PAYLOAD_MAX + 1]; /* NUL-terminated for convenience */
};

/* Watch events taken off a connection's queue while looking for a reply,
 * kept in order for unit_next_message(). */
#define UNIT_MAX_HELD 256
static struct held_event {
    struct conn *c;
    struct reply r;
} unit_held[UNIT_MAX_HELD];
static unsigned unit_nheld;

static inline void unit_pop(struct conn *c, struct reply *r)
{
    struct outmsg *m = c->out_head;
    struct xsd_sockmsg h;
    memcpy(&h, m->data, sizeof(h));
    r->type = h.type;
    r->len = h.len;
    memcpy(r->data, m->data + sizeof(h), h.len);
    r->data[h.len] = '\0';
    conn_output_done(c, m->len);
}

/* Takes the next message (reply or event) for c; false if none. */
static inline bool unit_next_message(struct conn *c, struct reply *r)
{
    for (unsigned i = 0; i < unit_nheld; i++) {
        if (unit_held[i].c == c) {
            *r = unit_held[i].r;
            memmove(&unit_held[i], &unit_held[i + 1], (unit_nheld - i - 1) * sizeof(unit_held[0]));
            unit_nheld--;
            return true;
        }
    }
    if (!c->out_head)
        return false;
    unit_pop(c, r);
    return true;
}

/* Sends a request whose payload is len bytes and returns its reply; watch
 * events queued before the reply are held for unit_next_message(). */
static inline struct reply unit_request(struct conn *c, uint32_t type, uint32_t tx,
                                        const void *payload, uint32_t len)
{
    struct xsd_sockmsg h = {type, 42, tx, len};
    struct reply r;
    conn_feed(c, &h, sizeof(h));
    conn_feed(c, payload, len);
    while (c->out_head) {
        unit_pop(c, &r);
        if (r.type != XS_WATCH_EVENT)
            return r;
        if (unit_nheld == UNIT_MAX_HELD)
            fail_msg("more than %d watch events held", UNIT_MAX_HELD);
        unit_held[unit_nheld].c = c;
        unit_held[unit_nheld++].r = r;
    }
    fail_msg("no reply to a request of type %u", type);
    return r;
}

/* Builds a payload of NUL-terminated strings (a NULL ends the list). */
static inline uint32_t unit_args(char *buf, const char *first, ...)
{
    va_list ap;
    uint32_t len = 0;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        size_t l = strlen(s) + 1;
        memcpy(buf + len, s, l);
        len += (uint32_t)l;
    }
    va_end(ap);
    return len;
}

#define REQ(c, type, tx, ...)                                                                      \
    ({                                                                                             \
        char buf_[XENSTORE_PAYLOAD_MAX];                                                           \
        uint32_t len_ = unit_args(buf_, __VA_ARGS__, (const char *)NULL);                          \
        unit_request(c, type, tx, buf_, len_);                                                     \
    })

/* A WRITE of path=value (value sent without a NUL, as clients do). */
static inline struct reply unit_write(struct conn *c, uint32_t tx, const char *path,
                                      const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t pl = strlen(path) + 1, vl = strlen(value);
    memcpy(buf, path, pl);
    memcpy(buf + pl, value, vl);
    return unit_request(c, XS_WRITE, tx, buf, (uint32_t)(pl + vl));
}

#define assert_reply(r, t, text)                                                                   \
    do {                                                                                           \
        struct reply r_ = (r);                                                                     \
        if (r_.type != (t) || strcmp(r_.data, (text)) != 0)                                        \
            unit_fail("reply type %u \"%s\", expected type %u \"%s\"", r_.type, r_.data,           \
                      (unsigned)(t), (text));                                                      \
    } while (0)
#define assert_ack(r, t)   assert_reply(r, t, "OK")
#define assert_error(r, e) assert_reply(r, XS_ERROR, e)

/* A store with dom0 (privileged) and an unprivileged domain-5 connection. */
struct fixture {
    struct store *s;
    struct conn *dom0;
    struct conn *dom5;
};

static inline void fixture_setup(struct fixture *f)
{
    f->s = store_new();
    assert_non_null(f->s);
    f->dom0 = conn_new(f->s, 0, true, NULL, NULL);
    f->dom5 = conn_new(f->s, 5, false, NULL, NULL);
    assert_non_null(f->dom0);
    assert_non_null(f->dom5);
}

static inline void fixture_teardown(struct fixture *f)
{
    unit_nheld = 0;
    store_free(f->s);
}

#endif
