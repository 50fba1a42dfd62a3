/*
 * Domain introduction and release (domain.h).
 */
#include "domain.h"

#include <stdlib.h>
#include "conn.h"
#include "txn.h"
#include "watch.h"

struct domain *domain_find(struct store *s, uint16_t domid)
{
    struct domain *d;
    xs_list_for_each_safe(d, tmp, &s->domains, struct domain, link) if (d->domid == domid) return d;
    return NULL;
}

int domain_introduce(struct store *s, uint16_t domid, int64_t mfn, uint32_t port)
{
    struct domain *d;
    int err;
    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return EINVAL;
    d = domain_find(s, domid);
    if (d) {
        /* Introducing again with the same ring is harmless (a toolstack
         * retrying); another ring for a live domain is refused. */
        return d->mfn == mfn && d->port == port ? 0 : EEXIST;
    }
    if (!s->ring_connect)
        return EINVAL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return ENOMEM;
    d->domid = domid;
    d->mfn = mfn;
    d->port = port;
    err = s->ring_connect(s, d);
    if (err) {
        free(d);
        return err;
    }
    xs_list_add_tail(&s->domains, &d->link);
    watch_fire(s, WATCH_INTRODUCE, NULL, 0, false);
    return 0;
}

int domain_release(struct store *s, uint16_t domid)
{
    struct domain *d = domain_find(s, domid);
    struct txn *t;
    if (!d)
        return ENOENT;
    if (d->conn) {
        xs_list_for_each_safe(t, tmp, &d->conn->txns, struct txn, link) txn_end(d->conn, t, false);
        watch_remove_all(d->conn);
        conn_break(d->conn, "domain released");
        d->conn->domain = NULL;
        d->conn = NULL;
    }
    domain_free(s, d);
    watch_fire(s, WATCH_RELEASE, NULL, 0, false);
    return 0;
}

void domain_free(struct store *s, struct domain *d)
{
    if (s->ring_disconnect)
        s->ring_disconnect(s, d);
    if (d->conn)
        d->conn->domain = NULL;
    xs_list_del(&d->link);
    free(d);
}
