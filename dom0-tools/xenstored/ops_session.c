/*
 * The request handlers for a client's session and the domains: WATCH,
 * UNWATCH, RESET_WATCHES, TRANSACTION_START/END, INTRODUCE, RELEASE,
 * GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET and CONTROL.
 * Domain management is for privileged connections only (EACCES otherwise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "domain.h"
#include "ops_internal.h"
#include "txn.h"
#include "watch.h"

OPS_HANDLER(ops_watch)
{
    struct xs_args a;
    int err = xs_split_args(payload, h->len, 0, false, &a);
    /* <path>|<token>|, possibly followed by reserved strings. */
    if (err || a.count < 2)
        return EINVAL;
    err = watch_add(c, a.arg[0], a.len[0], a.arg[1]);
    if (err)
        return err;
    ops_ack(c, h);
    /* Fired once at once, after the reply, with the path as given. */
    conn_send_event(c, a.arg[0], a.arg[1]);
    return 0;
}

OPS_HANDLER(ops_unwatch)
{
    struct xs_args a;
    int err = xs_split_args(payload, h->len, 0, false, &a);
    if (err || a.count < 2)
        return EINVAL;
    err = watch_remove(c, a.arg[0], a.len[0], a.arg[1]);
    if (!err)
        ops_ack(c, h);
    return err;
}

OPS_HANDLER(ops_reset_watches)
{
    struct txn *tx;
    watch_remove_all(c);
    xs_list_for_each_safe(tx, tmp, &c->txns, struct txn, link) txn_end(c, tx, false);
    ops_ack(c, h);
    return 0;
}

OPS_HANDLER(ops_transaction_start)
{
    char id[16];
    struct txn *nt;
    if (t)
        return EBUSY; /* no nested transactions */
    if (!c->privileged && c->ntxns >= c->store->quota.transactions)
        return ENOSPC;
    nt = txn_start(c);
    if (!nt)
        return ENOMEM;
    conn_reply(c, h, h->type, id, (size_t)snprintf(id, sizeof(id), "%u", nt->id) + 1);
    return 0;
}

OPS_HANDLER(ops_transaction_end)
{
    const char *arg;
    int err = ops_one_arg(payload, h->len, &arg);
    if (err)
        return err;
    if (!t)
        return ENOENT;
    if (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0)
        return EINVAL;
    err = txn_end(c, t, arg[0] == 'T');
    if (!err)
        ops_ack(c, h);
    return err;
}

/* A domid argument, decimal 0..65535 as the protocol says. */
static int domid_arg(const char *s, uint16_t *domid)
{
    return xs_parse_domid(s, domid) ? 0 : EINVAL;
}

OPS_HANDLER(ops_introduce)
{
    struct xs_args a;
    uint16_t domid;
    long long mfn;
    unsigned long port;
    char *end;
    int err;
    if (!c->privileged)
        return EACCES;
    err = xs_split_args(payload, h->len, 0, false, &a);
    if (err || a.count < 3 || domid_arg(a.arg[0], &domid))
        return EINVAL;
    mfn = strtoll(a.arg[1], &end, 10);
    if (a.len[1] == 0 || *end)
        return EINVAL;
    port = strtoul(a.arg[2], &end, 10);
    if (a.len[2] == 0 || *end || port > UINT32_MAX)
        return EINVAL;
    err = domain_introduce(c->store, domid, mfn, (uint32_t)port);
    if (!err)
        ops_ack(c, h);
    return err;
}

OPS_HANDLER(ops_release)
{
    const char *arg;
    uint16_t domid;
    int err = ops_one_arg(payload, h->len, &arg);
    if (!c->privileged)
        return EACCES;
    if (err || domid_arg(arg, &domid))
        return EINVAL;
    if (c->domain && c->domain->domid == domid)
        return EINVAL; /* a connection cannot release itself */
    err = domain_release(c->store, domid);
    if (!err)
        ops_ack(c, h);
    return err;
}

OPS_HANDLER(ops_get_domain_path)
{
    const char *arg;
    uint16_t domid;
    char path[32];
    if (ops_one_arg(payload, h->len, &arg) || domid_arg(arg, &domid))
        return EINVAL;
    conn_reply(c, h, h->type, path,
               (size_t)snprintf(path, sizeof(path), "/local/domain/%u", domid) + 1);
    return 0;
}

OPS_HANDLER(ops_is_domain_introduced)
{
    const char *arg;
    uint16_t domid;
    bool yes;
    if (ops_one_arg(payload, h->len, &arg) || domid_arg(arg, &domid))
        return EINVAL;
    yes = domid == 0 || domain_find(c->store, domid) != NULL;
    conn_reply(c, h, h->type, yes ? "T" : "F", 2);
    return 0;
}

OPS_HANDLER(ops_resume)
{
    const char *arg;
    uint16_t domid;
    if (!c->privileged)
        return EACCES;
    if (ops_one_arg(payload, h->len, &arg) || domid_arg(arg, &domid))
        return EINVAL;
    if (!domain_find(c->store, domid))
        return ENOENT;
    /* Nothing to re-arm: this store reports @releaseDomain on RELEASE only. */
    ops_ack(c, h);
    return 0;
}

OPS_HANDLER(ops_set_target)
{
    struct xs_args a;
    uint16_t domid, target;
    struct domain *d;
    if (!c->privileged)
        return EACCES;
    if (xs_split_args(payload, h->len, 0, false, &a) || a.count < 2 ||
        domid_arg(a.arg[0], &domid) || domid_arg(a.arg[1], &target))
        return EINVAL;
    d = domain_find(c->store, domid);
    if (!d || (target != 0 && !domain_find(c->store, target)))
        return ENOENT;
    d->has_target = true;
    d->target = target;
    ops_ack(c, h);
    return 0;
}

static const char control_help[] = "check\nhelp\nprint|<string>\nquota\n";

OPS_HANDLER(ops_control)
{
    struct xs_args a;
    char buf[256];
    if (!c->privileged)
        return EACCES;
    if (xs_split_args(payload, h->len, 0, false, &a) || a.count < 1)
        return EINVAL;
    if (strcmp(a.arg[0], "help") == 0) {
        conn_reply(c, h, h->type, control_help, sizeof(control_help));
    } else if (strcmp(a.arg[0], "check") == 0) {
        ops_ack(c, h);
    } else if (strcmp(a.arg[0], "print") == 0 && a.count >= 2) {
        fprintf(stderr, "xenstored: %s\n", a.arg[1]);
        ops_ack(c, h);
    } else if (strcmp(a.arg[0], "quota") == 0) {
        const struct quotas *q = &c->store->quota;
        int n = snprintf(buf, sizeof(buf),
                         "nodes %u\nentry-size %u\nwatches %u\ntransactions %u\n"
                         "outstanding %u\nperms %u\nevents %u\n",
                         q->nodes, q->entry_size, q->watches, q->transactions, q->outstanding,
                         q->perms, q->events);
        conn_reply(c, h, h->type, buf, (size_t)n + 1);
    } else {
        return EINVAL;
    }
    return 0;
}
