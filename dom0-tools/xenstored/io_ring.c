/*
 * The shared-ring transport (io_ring.h).  The ring page is shared with an
 * untrusted domain: indices are read once into locals, checked, and the
 * request bytes are copied out before they are parsed, so a domain that
 * rewrites the page concurrently can only confuse itself.
 */
#include "io_ring.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "platform.h"

struct ring_conn {
    struct platform_ring *pr;
    struct xenstore_domain_interface *intf;
    struct domain *domain;
};

static void ring_kick(struct conn *c)
{
    (void)c; /* output goes out at the next service pass of the main loop */
}

static int ring_poll_fd(struct conn *c, short *events)
{
    struct ring_conn *rc = c->transport_data;
    *events = 0x001; /* POLLIN, without needing <poll.h> in portable code */
    return rc ? platform_ring_event_fd(rc->pr) : -1;
}

static void ring_service(struct conn *c, short revents)
{
    struct ring_conn *rc = c->transport_data;
    if (rc && revents)
        platform_ring_ack(rc->pr);
    io_ring_service(c);
}

static bool ring_finished(struct conn *c)
{
    /* Released: the domain and its mapping are gone. */
    return c->transport_data == NULL;
}

static void ring_close(struct conn *c)
{
    conn_free(c);
}

static const struct conn_transport ring_transport = {
    .kind = "ring",
    .kick = ring_kick,
    .poll_fd = ring_poll_fd,
    .service = ring_service,
    .finished = ring_finished,
    .close = ring_close,
};

int io_ring_connect(struct store *s, struct domain *d)
{
    struct ring_conn *rc = calloc(1, sizeof(*rc));
    int err;
    if (!rc)
        return ENOMEM;
    err = platform_ring_map(d->domid, d->mfn, d->port, &rc->pr);
    if (err) {
        free(rc);
        return err;
    }
    rc->intf = platform_ring_page(rc->pr);
    rc->domain = d;
    d->conn = conn_new(s, d->domid, false, &ring_transport, rc);
    if (!d->conn) {
        platform_ring_unmap(rc->pr);
        free(rc);
        return ENOMEM;
    }
    d->conn->domain = d;
    d->ring = rc;
    rc->intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
    rc->intf->connection = XENSTORE_CONNECTED;
    rc->intf->error = XENSTORE_ERROR_NONE;
    /* Requests may already be waiting. */
    io_ring_service(d->conn);
    return 0;
}

void io_ring_disconnect(struct store *s, struct domain *d)
{
    struct ring_conn *rc = d->ring;
    (void)s;
    if (!rc)
        return;
    if (d->conn)
        d->conn->transport_data = NULL;
    /* A conn already detached by domain_release still points at rc. */
    for (struct xs_list *l = s->conns.next; l != &s->conns; l = l->next) {
        struct conn *c = xs_container_of(l, struct conn, link);
        if (c->transport_data == rc)
            c->transport_data = NULL;
    }
    platform_ring_unmap(rc->pr);
    free(rc);
    d->ring = NULL;
}

static void ring_fail(struct conn *c, struct ring_conn *rc, uint32_t error, const char *why)
{
    rc->intf->error = error;
    conn_break(c, why);
    platform_ring_notify(rc->pr);
}

void io_ring_service(struct conn *c)
{
    struct ring_conn *rc = c->transport_data;
    struct xenstore_domain_interface *intf;
    XENSTORE_RING_IDX cons, prod;
    bool moved = false;
    char chunk[XENSTORE_RING_SIZE];

    if (!rc || c->broken)
        return;
    intf = rc->intf;

    /* Requests in. */
    cons = intf->req_cons;
    prod = intf->req_prod;
    atomic_thread_fence(memory_order_acquire);
    if ((XENSTORE_RING_IDX)(prod - cons) > XENSTORE_RING_SIZE) {
        ring_fail(c, rc, XENSTORE_ERROR_RINGIDX, "request ring indices out of range");
        return;
    }
    while (cons != prod && conn_wants_input(c)) {
        uint32_t avail = prod - cons, off = MASK_XENSTORE_IDX(cons), used;
        if (avail > XENSTORE_RING_SIZE - off)
            avail = XENSTORE_RING_SIZE - off;
        memcpy(chunk, intf->req + off, avail);
        used = (uint32_t)conn_feed(c, chunk, avail);
        cons += used;
        moved |= used != 0;
        if (used < avail)
            break;
    }
    atomic_thread_fence(memory_order_release);
    intf->req_cons = cons;
    if (c->broken) {
        ring_fail(c, rc, XENSTORE_ERROR_PROTO, c->broken_why);
        return;
    }

    /* Replies and events out. */
    cons = intf->rsp_cons;
    prod = intf->rsp_prod;
    atomic_thread_fence(memory_order_acquire);
    if ((XENSTORE_RING_IDX)(prod - cons) > XENSTORE_RING_SIZE) {
        ring_fail(c, rc, XENSTORE_ERROR_RINGIDX, "reply ring indices out of range");
        return;
    }
    for (;;) {
        size_t len;
        const unsigned char *out = conn_output(c, &len);
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons), off = MASK_XENSTORE_IDX(prod);
        if (!out || space == 0)
            break;
        if (space > XENSTORE_RING_SIZE - off)
            space = XENSTORE_RING_SIZE - off;
        if (len > space)
            len = space;
        memcpy(intf->rsp + off, out, len);
        prod += (uint32_t)len;
        conn_output_done(c, len);
        moved = true;
    }
    atomic_thread_fence(memory_order_release);
    intf->rsp_prod = prod;
    if (moved)
        platform_ring_notify(rc->pr);
}
