/*
 * The request handlers (ops.h) for the store operations: READ, WRITE,
 * MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS, and the
 * dispatcher for every type.  Watch, transaction and domain requests are in
 * ops_session.c.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "ops_internal.h"
#include "perms.h"
#include "txn.h"

static const char ok_reply[] = "OK";

void ops_ack(struct conn *c, const struct xsd_sockmsg *h)
{
    conn_reply(c, h, h->type, ok_reply, sizeof(ok_reply));
}

int ops_one_arg(const char *payload, uint32_t len, const char **arg)
{
    /* Exactly one NUL-terminated string, as Xen's onearg() wants. */
    if (len == 0 || payload[len - 1] != '\0' || strlen(payload) != len - 1)
        return EINVAL;
    *arg = payload;
    return 0;
}

/* The canonical path of the request's first (only) argument. */
static char *path_arg(struct conn *c, const char *payload, uint32_t len, int *err)
{
    const char *p;
    *err = ops_one_arg(payload, len, &p);
    if (*err)
        return NULL;
    return store_canonical_path(c, p, strlen(p), err);
}

static int do_read(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    int err;
    char *path = path_arg(c, pl, h->len, &err);
    struct node *n;
    if (!path)
        return err;
    n = perms_get_node(c, t, path, XS_PERM_READ, &err);
    free(path);
    if (!n)
        return err;
    conn_reply(c, h, h->type, n->value, n->vlen);
    return 0;
}

/*
 * Creates `path` (absent in the view) and any missing parents, with empty
 * values except `value` for the node itself.  New nodes inherit the
 * parent's permissions; an unprivileged creator becomes their owner.  The
 * nearest existing ancestor must be writable by c.
 */
static int create_node(struct conn *c, struct txn *t, const char *path, const char *value,
                       uint32_t vlen)
{
    struct store *s = c->store;
    struct node *anc = perms_nearest_ancestor(s, t, path);
    const char *p;
    int err = 0;
    if (!anc)
        return ENOENT; /* the root is always there: cannot happen */
    if (!(perms_for_conn(c, anc->perms, anc->nperms) & XS_PERM_WRITE))
        return EACCES;
    /* Walk down from the ancestor, creating one level at a time. */
    p = path + strlen(anc->path) + (strcmp(anc->path, "/") == 0 ? 0 : 1);
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t plen = slash ? (size_t)(slash - path) : strlen(path);
        char *cur = malloc(plen + 1);
        struct node *parent, *pcopy, *n;
        struct xs_perm *perms;
        char *ppath;
        if (!cur)
            return ENOMEM;
        memcpy(cur, path, plen);
        cur[plen] = '\0';
        if (!c->privileged && view_owned(s, t, c->domid) >= s->quota.nodes) {
            free(cur);
            return ENOSPC;
        }
        ppath = node_parent_path(cur);
        parent = ppath ? view_get(s, t, ppath) : NULL;
        free(ppath);
        if (!parent) {
            free(cur);
            return ENOENT;
        }
        perms = malloc(parent->nperms * sizeof(*perms));
        if (!perms) {
            free(cur);
            return ENOMEM;
        }
        memcpy(perms, parent->perms, parent->nperms * sizeof(*perms));
        if (!c->privileged)
            perms[0].domid = c->domid;
        n = node_new(cur, slash ? NULL : value, slash ? 0 : vlen, perms, parent->nperms);
        free(perms);
        pcopy = node_copy(parent);
        if (!n || !pcopy || !node_add_child(pcopy, node_basename(cur))) {
            node_free(n);
            node_free(pcopy);
            free(cur);
            return ENOMEM;
        }
        /* parent may be freed by this put (a transaction's copy): not used after. */
        err = view_put(s, t, pcopy, c->domid);
        if (!err)
            err = view_put(s, t, n, c->domid);
        else
            node_free(n);
        /* One event, for the node asked for: it matches every watch on
         * the parents created on the way too. */
        if (!err && !slash)
            view_event(s, t, cur, view_get(s, t, cur), EVENT_CHANGED);
        free(cur);
        if (err || !slash)
            return err;
        p = slash + 1;
    }
}

static int do_write(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    struct xs_args a;
    int err = xs_split_args(pl, h->len, 1, true, &a);
    char *path;
    struct node *n, *copy;
    if (err || a.count != 1)
        return EINVAL;
    path = store_canonical_path(c, a.arg[0], a.len[0], &err);
    if (!path)
        return err;
    if (!c->privileged && a.tail_len > c->store->quota.entry_size) {
        free(path);
        return ENOSPC;
    }
    n = perms_get_node(c, t, path, XS_PERM_WRITE, &err);
    if (!n) {
        if (err == ENOENT)
            err = create_node(c, t, path, a.tail, (uint32_t)a.tail_len);
    } else {
        copy = node_copy(n);
        if (!copy || !node_set_value(copy, a.tail, (uint32_t)a.tail_len)) {
            node_free(copy);
            err = ENOMEM;
        } else {
            err = view_put(c->store, t, copy, c->domid);
            if (!err)
                view_event(c->store, t, path, view_get(c->store, t, path), EVENT_CHANGED);
        }
    }
    free(path);
    if (!err)
        ops_ack(c, h);
    return err;
}

static int do_mkdir(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    int err;
    char *path = path_arg(c, pl, h->len, &err);
    struct node *n;
    if (!path)
        return err;
    /* An existing node is left as it is (but must be writable, as in Xen). */
    n = perms_get_node(c, t, path, XS_PERM_WRITE, &err);
    if (n)
        err = 0;
    else if (err == ENOENT)
        err = create_node(c, t, path, NULL, 0);
    free(path);
    if (!err)
        ops_ack(c, h);
    return err;
}

/* Appends the subtree at `path` (children first) to *list. */
static int collect_subtree(struct store *s, struct txn *t, const char *path, char ***list,
                           size_t *n, size_t *cap)
{
    struct node *node = view_get(s, t, path);
    size_t plen = strlen(path);
    if (!node)
        return 0;
    for (uint32_t off = 0; off < node->childlen;) {
        const char *name = node->children + off;
        size_t nl = strlen(name);
        char *child = malloc(plen + nl + 2);
        int err;
        if (!child)
            return ENOMEM;
        sprintf(child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, name);
        err = collect_subtree(s, t, child, list, n, cap);
        free(child);
        if (err)
            return err;
        /* The recursion may have changed nothing in node: it only reads. */
        off += (uint32_t)nl + 1;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **nl = realloc(*list, nc * sizeof(**list));
        if (!nl)
            return ENOMEM;
        *list = nl;
        *cap = nc;
    }
    (*list)[*n] = strdup(path);
    if (!(*list)[*n])
        return ENOMEM;
    (*n)++;
    return 0;
}

static int remove_subtree(struct conn *c, struct txn *t, const char *path)
{
    struct store *s = c->store;
    char **list = NULL, *ppath;
    size_t n = 0, cap = 0;
    struct node *root, *parent, *pcopy;
    int err = collect_subtree(s, t, path, &list, &n, &cap);
    if (!err) {
        ppath = node_parent_path(path);
        parent = ppath ? view_get(s, t, ppath) : NULL;
        free(ppath);
        pcopy = parent ? node_copy(parent) : NULL;
        if (!pcopy) {
            err = ENOMEM;
        } else {
            node_remove_child(pcopy, node_basename(path));
            /* The event carries the removed root's permissions. */
            root = view_get(s, t, path);
            view_event(s, t, path, root, EVENT_REMOVED);
            for (size_t i = 0; i < n && !err; i++)
                err = view_delete(s, t, list[i], c->domid);
            if (!err)
                err = view_put(s, t, pcopy, c->domid);
            else
                node_free(pcopy);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return err;
}

static int do_rm(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    int err;
    char *path = path_arg(c, pl, h->len, &err);
    struct node *n;
    if (!path)
        return err;
    if (strcmp(path, "/") == 0) {
        free(path);
        return EINVAL;
    }
    n = perms_get_node(c, t, path, XS_PERM_WRITE, &err);
    if (!n) {
        if (err == ENOENT) {
            /* Already gone is fine, if the parent is there. */
            char *pp = node_parent_path(path);
            if (pp && view_get(c->store, t, pp))
                err = 0;
            free(pp);
            if (!err)
                ops_ack(c, h);
        }
        free(path);
        return err;
    }
    err = remove_subtree(c, t, path);
    free(path);
    if (!err)
        ops_ack(c, h);
    return err;
}

static int do_directory(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    int err;
    char *path = path_arg(c, pl, h->len, &err);
    struct node *n;
    if (!path)
        return err;
    n = perms_get_node(c, t, path, XS_PERM_READ, &err);
    free(path);
    if (!n)
        return err;
    if (n->childlen > XENSTORE_PAYLOAD_MAX)
        return E2BIG;
    conn_reply(c, h, h->type, n->children, n->childlen);
    return 0;
}

static int do_directory_part(struct conn *c, struct txn *t, const struct xsd_sockmsg *h,
                             const char *pl)
{
    struct xs_args a;
    int err = xs_split_args(pl, h->len, 0, false, &a);
    char *path, *end, gen[24], *buf;
    struct node *n;
    unsigned long off;
    size_t genlen, stop;
    bool last;
    if (err || a.count != 2 || a.len[1] == 0)
        return EINVAL;
    off = strtoul(a.arg[1], &end, 10);
    if (*end != '\0' || a.arg[1][0] == '-')
        return EINVAL;
    path = store_canonical_path(c, a.arg[0], a.len[0], &err);
    if (!path)
        return err;
    n = perms_get_node(c, t, path, XS_PERM_READ, &err);
    free(path);
    if (!n)
        return err;
    if (off > n->childlen)
        return EINVAL;
    genlen = (size_t)snprintf(gen, sizeof(gen), "%llu", (unsigned long long)n->gen) + 1;
    /* Whole names from `off` while they fit.  The last part ends with an
     * extra empty string (two NULs in a row), which is how clients such as
     * Xen's libxenstore tell it from a part that was cut short; they ask
     * for the next part at the offset just past the names they got. */
    stop = off;
    while (stop < n->childlen) {
        size_t l = strlen(n->children + stop) + 1;
        if (genlen + (stop - off) + l + 1 > XENSTORE_PAYLOAD_MAX)
            break;
        stop += l;
    }
    last = stop == n->childlen;
    buf = malloc(genlen + (stop - off) + 1);
    if (!buf)
        return ENOMEM;
    memcpy(buf, gen, genlen);
    /* A node without children has no child buffer at all (NULL): copy nothing. */
    if (stop > off)
        memcpy(buf + genlen, n->children + off, stop - off);
    if (last)
        buf[genlen + (stop - off)] = '\0';
    conn_reply(c, h, h->type, buf, genlen + (stop - off) + (last ? 1 : 0));
    free(buf);
    return 0;
}

static int do_get_perms(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    int err;
    char *path = path_arg(c, pl, h->len, &err), *buf;
    struct node *n;
    size_t len = 0;
    if (!path)
        return err;
    n = perms_get_node(c, t, path, XS_PERM_READ, &err);
    free(path);
    if (!n)
        return err;
    buf = malloc((size_t)n->nperms * 8);
    if (!buf)
        return ENOMEM;
    for (uint32_t i = 0; i < n->nperms; i++)
        len += xs_perm_format(&n->perms[i], buf + len) + 1;
    conn_reply(c, h, h->type, buf, len);
    free(buf);
    return 0;
}

static int do_set_perms(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *pl)
{
    struct xs_args a;
    struct xs_perm perms[XS_MAX_ARGS];
    int err = xs_split_args(pl, h->len, 0, false, &a);
    uint32_t np;
    char *path;
    struct node *n, *copy;
    if (err || a.count < 2)
        return EINVAL;
    np = a.count - 1;
    for (uint32_t i = 0; i < np; i++)
        if (!xs_perm_parse(a.arg[i + 1], a.len[i + 1], &perms[i]))
            return EINVAL;
    if (!c->privileged && np > c->store->quota.perms)
        return ENOSPC;
    path = store_canonical_path(c, a.arg[0], a.len[0], &err);
    if (!path)
        return err;
    n = perms_get_node(c, t, path, XS_PERM_WRITE, &err);
    if (n && !c->privileged && n->perms[0].domid != c->domid &&
        !(c->domain && c->domain->has_target && c->domain->target == n->perms[0].domid))
        err = EACCES, n = NULL; /* only the owner changes permissions */
    if (n && !c->privileged && perms[0].domid != n->perms[0].domid)
        err = EPERM, n = NULL; /* and only dom0 gives a node away */
    if (!n) {
        free(path);
        return err;
    }
    copy = node_copy(n);
    if (!copy || !node_set_perms(copy, perms, np)) {
        node_free(copy);
        free(path);
        return ENOMEM;
    }
    err = view_put(c->store, t, copy, c->domid);
    if (!err)
        view_event(c->store, t, path, view_get(c->store, t, path), EVENT_CHANGED);
    free(path);
    if (!err)
        ops_ack(c, h);
    return err;
}

typedef int (*handler_fn)(struct conn *, struct txn *, const struct xsd_sockmsg *, const char *);

/* in_txn: the request works inside the transaction its tx_id names. */
static const struct {
    handler_fn fn;
    bool in_txn;
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {ops_control, false},
    [XS_DIRECTORY] = {do_directory, true},
    [XS_READ] = {do_read, true},
    [XS_GET_PERMS] = {do_get_perms, true},
    [XS_WATCH] = {ops_watch, false},
    [XS_UNWATCH] = {ops_unwatch, false},
    [XS_TRANSACTION_START] = {ops_transaction_start, true},
    [XS_TRANSACTION_END] = {ops_transaction_end, true},
    [XS_INTRODUCE] = {ops_introduce, false},
    [XS_RELEASE] = {ops_release, false},
    [XS_GET_DOMAIN_PATH] = {ops_get_domain_path, false},
    [XS_WRITE] = {do_write, true},
    [XS_MKDIR] = {do_mkdir, true},
    [XS_RM] = {do_rm, true},
    [XS_SET_PERMS] = {do_set_perms, true},
    [XS_IS_DOMAIN_INTRODUCED] = {ops_is_domain_introduced, false},
    [XS_RESUME] = {ops_resume, false},
    [XS_SET_TARGET] = {ops_set_target, false},
    [XS_RESET_WATCHES] = {ops_reset_watches, false},
    [XS_DIRECTORY_PART] = {do_directory_part, true},
};

void ops_handle(struct conn *c, const struct xsd_sockmsg *h, const char *payload)
{
    struct txn *t = NULL;
    int err;
    if (h->type >= XS_TYPE_COUNT || !handlers[h->type].fn) {
        /* Unknown types, and ERROR or WATCH_EVENT sent as requests. */
        conn_reply_error(c, h, ENOSYS);
        return;
    }
    if (handlers[h->type].in_txn && h->tx_id != 0) {
        t = txn_find(c, h->tx_id);
        if (!t) {
            conn_reply_error(c, h, ENOENT);
            return;
        }
    }
    err = handlers[h->type].fn(c, t, h, payload);
    if (err)
        conn_reply_error(c, h, err);
}
