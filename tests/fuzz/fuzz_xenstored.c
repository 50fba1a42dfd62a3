/*
 * libFuzzer target: the daemon's whole request path (framing in conn.c,
 * argument parsing and every handler in ops*.c, the tree, permissions,
 * transactions, watches, domains) on hostile byte streams.
 *
 * Input: chunks of [selector byte][length, 2 bytes little-endian][bytes].
 * The selector's low bit picks the connection (dom0's privileged socket or
 * unprivileged domain 5, a stand-in for a ring); bit 1 drains that
 * connection's output first, as a client reading its replies would.  A
 * broken connection (an oversized header) is replaced by a fresh one.
 * After every chunk each queued message is checked for a sane header, and
 * the store is freed at the end (LeakSanitizer sees what was lost).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "domain.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* INTRODUCE succeeds for any ring here: the domain gets a connection with no transport. */
static int fake_ring_connect(struct store *s, struct domain *d)
{
    d->conn = conn_new(s, d->domid, false, NULL, NULL);
    if (!d->conn)
        return ENOMEM;
    d->conn->domain = d;
    return 0;
}

static void fake_ring_disconnect(struct store *s, struct domain *d)
{
    (void)s;
    (void)d;
}

/* Every queued message must have a header the protocol allows. */
static void check_and_drain(struct conn *c, bool drain)
{
    size_t len;
    const unsigned char *out;
    for (struct outmsg *m = c->out_head; m; m = m->next) {
        struct xsd_sockmsg h;
        memcpy(&h, m->data, sizeof(h));
        if (h.len > XENSTORE_PAYLOAD_MAX || h.len + sizeof(h) != m->len ||
            (h.type >= XS_TYPE_COUNT))
            abort();
    }
    while (drain && (out = conn_output(c, &len)) != NULL)
        conn_output_done(c, len);
}

static struct conn *fresh(struct store *s, int which)
{
    return which ? conn_new(s, 5, false, NULL, NULL) : conn_new(s, 0, true, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store *s = store_new();
    struct conn *c[2];
    size_t pos = 0;
    if (!s)
        return 0;
    /* Small quotas so that fuzzing reaches them. */
    s->quota.nodes = 20;
    s->quota.watches = 4;
    s->quota.transactions = 2;
    s->quota.outstanding = 4;
    s->quota.events = 8;
    s->ring_connect = fake_ring_connect;
    s->ring_disconnect = fake_ring_disconnect;
    c[0] = fresh(s, 0);
    c[1] = fresh(s, 1);
    while (c[0] && c[1] && pos + 3 <= size) {
        uint8_t sel = data[pos];
        size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        int which = sel & 1;
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        check_and_drain(c[which], sel & 2);
        conn_feed(c[which], data + pos, len);
        pos += len;
        check_and_drain(c[which], false);
        if (c[which]->broken) {
            conn_free(c[which]);
            c[which] = fresh(s, which);
        }
    }
    store_free(s);
    return 0;
}
