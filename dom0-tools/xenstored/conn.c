/*
 * Connection framing and output queues (conn.h).
 */
#include "conn.h"

#include <stdlib.h>
#include <string.h>
#include "ops.h"
#include "txn.h"
#include "watch.h"

struct conn *conn_new(struct store *s, uint16_t domid, bool privileged,
                      const struct conn_transport *transport, void *transport_data)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->payload = malloc(XENSTORE_PAYLOAD_MAX + 1);
    if (!c->payload) {
        free(c);
        return NULL;
    }
    c->store = s;
    c->domid = domid;
    c->privileged = privileged;
    c->transport = transport;
    c->transport_data = transport_data;
    c->out_tail = &c->out_head;
    xs_list_init(&c->watches);
    xs_list_init(&c->txns);
    xs_list_add_tail(&s->conns, &c->link);
    return c;
}

void conn_free(struct conn *c)
{
    struct txn *t;
    struct outmsg *m = c->out_head;
    xs_list_for_each_safe(t, tmp, &c->txns, struct txn, link) txn_end(c, t, false);
    watch_remove_all(c);
    while (m) {
        struct outmsg *next = m->next;
        free(m);
        m = next;
    }
    xs_list_del(&c->link);
    free(c->payload);
    free(c);
}

void conn_break(struct conn *c, const char *why)
{
    if (!c->broken) {
        c->broken = true;
        c->broken_why = why;
    }
}

bool conn_wants_input(const struct conn *c)
{
    if (c->broken)
        return false;
    return c->privileged || c->out_replies < c->store->quota.outstanding;
}

static void queue(struct conn *c, bool is_event, uint32_t type, uint32_t req_id, uint32_t tx_id,
                  const void *payload, size_t len)
{
    struct xsd_sockmsg h = {type, req_id, tx_id, (uint32_t)len};
    struct outmsg *m;
    if (c->broken)
        return;
    m = malloc(sizeof(*m) + sizeof(h) + len);
    if (!m) {
        /* A lost reply would leave the client waiting forever. */
        conn_break(c, "out of memory queueing a reply");
        return;
    }
    m->next = NULL;
    m->is_event = is_event;
    m->len = (uint32_t)(sizeof(h) + len);
    memcpy(m->data, &h, sizeof(h));
    if (len)
        memcpy(m->data + sizeof(h), payload, len);
    *c->out_tail = m;
    c->out_tail = &m->next;
    if (is_event)
        c->out_events++;
    else
        c->out_replies++;
    if (c->transport && c->transport->kick)
        c->transport->kick(c);
}

void conn_reply(struct conn *c, const struct xsd_sockmsg *req, uint32_t type, const void *payload,
                size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        conn_reply_error(c, req, E2BIG);
        return;
    }
    queue(c, false, type, req->req_id, req->tx_id, payload, len);
}

void conn_reply_error(struct conn *c, const struct xsd_sockmsg *req, int err)
{
    const char *name = xs_error_name(err);
    queue(c, false, XS_ERROR, req->req_id, req->tx_id, name, strlen(name) + 1);
}

void conn_send_event(struct conn *c, const char *path, const char *token)
{
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
    char *buf;
    if (pl + tl > XENSTORE_PAYLOAD_MAX)
        return; /* cannot happen with checked paths and tokens */
    if (!c->privileged && c->out_events >= c->store->quota.events) {
        /* A domain that never reads its events must not eat our memory. */
        c->store->events_dropped++;
        return;
    }
    buf = malloc(pl + tl);
    if (!buf) {
        c->store->events_dropped++;
        return;
    }
    memcpy(buf, path, pl);
    memcpy(buf + pl, token, tl);
    queue(c, true, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
    free(buf);
}

const void *conn_output(struct conn *c, size_t *len)
{
    if (!c->out_head) {
        *len = 0;
        return NULL;
    }
    *len = c->out_head->len - c->out_off;
    return c->out_head->data + c->out_off;
}

void conn_output_done(struct conn *c, size_t n)
{
    while (n && c->out_head) {
        struct outmsg *m = c->out_head;
        size_t left = m->len - c->out_off;
        if (n < left) {
            c->out_off += (uint32_t)n;
            return;
        }
        n -= left;
        c->out_off = 0;
        c->out_head = m->next;
        if (!c->out_head)
            c->out_tail = &c->out_head;
        if (m->is_event)
            c->out_events--;
        else
            c->out_replies--;
        free(m);
    }
}

size_t conn_feed(struct conn *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t used = 0;
    while (used < len && conn_wants_input(c)) {
        if (c->hdr_got < sizeof(c->hdr_buf)) {
            size_t n = sizeof(c->hdr_buf) - c->hdr_got;
            if (n > len - used)
                n = len - used;
            memcpy(c->hdr_buf + c->hdr_got, p + used, n);
            c->hdr_got += (uint32_t)n;
            used += n;
            if (c->hdr_got < sizeof(c->hdr_buf))
                break;
            memcpy(&c->hdr, c->hdr_buf, sizeof(c->hdr));
            if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
                conn_break(c, "payload longer than XENSTORE_PAYLOAD_MAX");
                break;
            }
            c->payload_got = 0;
        }
        if (c->payload_got < c->hdr.len) {
            size_t n = c->hdr.len - c->payload_got;
            if (n > len - used)
                n = len - used;
            memcpy(c->payload + c->payload_got, p + used, n);
            c->payload_got += (uint32_t)n;
            used += n;
        }
        if (c->payload_got == c->hdr.len) {
            struct xsd_sockmsg h = c->hdr;
            c->payload[h.len] = '\0'; /* a guard only: handlers use lengths */
            c->hdr_got = 0;
            c->payload_got = 0;
            c->requests++;
            ops_handle(c, &h, c->payload);
        }
    }
    return used;
}
