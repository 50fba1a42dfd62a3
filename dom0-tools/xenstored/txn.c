/*
 * Store views and transactions (txn.h).  Outside a transaction a write gets
 * a new generation from the store-wide counter at once; inside, the
 * transaction's copy is stored and the generation seen on first access is
 * remembered (0 for a node that did not exist), so that the commit can tell
 * whether anything it depended on changed meanwhile.
 */
#include "txn.h"

#include <stdlib.h>
#include <string.h>
#include "watch.h"

static void record_access(struct txn *t, const char *path, const struct node *cur)
{
    struct node *rec;
    struct xs_perm none = {0, XS_PERM_NONE};
    if (node_table_get(&t->accessed, path))
        return;
    rec = node_new(path, NULL, 0, &none, 1);
    if (!rec) {
        /* Without the record the commit could miss a conflict: make it fail. */
        t->owned_delta = INT32_MIN;
        return;
    }
    rec->gen = cur ? cur->gen : 0;
    node_table_put(&t->accessed, rec);
}

struct node *view_get(struct store *s, struct txn *t, const char *path)
{
    struct node *n;
    if (!t)
        return node_table_get(&s->nodes, path);
    n = node_table_get(&t->changes, path);
    if (n)
        return n->deleted ? NULL : n;
    n = node_table_get(&s->nodes, path);
    record_access(t, path, n);
    return n;
}

uint32_t view_owned(struct store *s, struct txn *t, uint16_t domid)
{
    int64_t v = s->owned[domid];
    if (t && t->owned_delta != INT32_MIN)
        v += t->owned_delta;
    return v < 0 ? 0 : (uint32_t)v;
}

static void store_put(struct store *s, struct node *n)
{
    struct node *old;
    n->gen = ++s->gen;
    n->deleted = false;
    old = node_table_put(&s->nodes, n);
    if (old) {
        s->owned[old->perms[0].domid]--;
        node_free(old);
    }
    s->owned[n->perms[0].domid]++;
}

static void store_delete(struct store *s, const char *path)
{
    struct node *old = node_table_remove(&s->nodes, path);
    if (old) {
        s->owned[old->perms[0].domid]--;
        node_free(old);
    }
    s->gen++;
}

static void adjust_delta(struct txn *t, const struct node *before, const struct node *after,
                         uint16_t domid)
{
    if (t->owned_delta == INT32_MIN)
        return;
    if (before && before->perms[0].domid == domid)
        t->owned_delta--;
    if (after && after->perms[0].domid == domid)
        t->owned_delta++;
}

int view_put(struct store *s, struct txn *t, struct node *n, uint16_t domid)
{
    struct node *before, *old;
    if (!t) {
        store_put(s, n);
        return 0;
    }
    before = view_get(s, t, n->path);
    adjust_delta(t, before, n, domid);
    n->deleted = false;
    old = node_table_put(&t->changes, n);
    node_free(old); /* `before` may have been this copy: not used past here */
    return 0;
}

int view_delete(struct store *s, struct txn *t, const char *path, uint16_t domid)
{
    struct node *before, *tomb, *old;
    if (!t) {
        store_delete(s, path);
        return 0;
    }
    before = view_get(s, t, path);
    if (!before)
        return 0;
    tomb = node_new(path, NULL, 0, before->perms, 1);
    if (!tomb)
        return ENOMEM;
    adjust_delta(t, before, NULL, domid);
    tomb->deleted = true;
    old = node_table_put(&t->changes, tomb);
    node_free(old);
    return 0;
}

static struct pending_event *event_new(const char *path, const struct node *n, enum event_kind kind)
{
    uint32_t np = n ? n->nperms : 0;
    struct pending_event *e = calloc(1, sizeof(*e) + np * sizeof(e->perms[0]));
    if (!e)
        return NULL;
    e->path = strdup(path);
    if (!e->path) {
        free(e);
        return NULL;
    }
    e->kind = kind;
    e->nperms = np;
    if (np)
        memcpy(e->perms, n->perms, np * sizeof(e->perms[0]));
    return e;
}

void view_event(struct store *s, struct txn *t, const char *path, const struct node *n,
                enum event_kind kind)
{
    struct pending_event *e;
    if (!t) {
        watch_fire(s, path, n ? n->perms : NULL, n ? n->nperms : 0, kind == EVENT_REMOVED);
        return;
    }
    e = event_new(path, n, kind);
    if (!e) {
        s->events_dropped++;
        return;
    }
    *t->events_tail = e;
    t->events_tail = &e->next;
}

struct txn *txn_start(struct conn *c)
{
    struct txn *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (!node_table_init(&t->changes) || !node_table_init(&t->accessed)) {
        txn_free(t);
        return NULL;
    }
    /* Ids are never 0 (that means "no transaction") and not reused soon. */
    do {
        t->id = ++c->store->next_txn_id;
    } while (t->id == 0);
    t->events_tail = &t->events;
    xs_list_add_tail(&c->txns, &t->link);
    c->ntxns++;
    return t;
}

struct txn *txn_find(struct conn *c, uint32_t id)
{
    struct txn *t;
    xs_list_for_each_safe(t, tmp, &c->txns, struct txn, link) if (t->id == id) return t;
    return NULL;
}

void txn_free(struct txn *t)
{
    struct pending_event *e = t->events;
    while (e) {
        struct pending_event *next = e->next;
        free(e->path);
        free(e);
        e = next;
    }
    node_table_destroy(&t->changes);
    node_table_destroy(&t->accessed);
    free(t);
}

struct collect {
    struct node **v;
    size_t n;
};

static void collect_node(struct node *n, void *arg)
{
    struct collect *c = arg;
    c->v[c->n++] = n;
}

static bool unchanged(struct store *s, struct txn *t)
{
    struct collect c;
    bool ok = true;
    if (t->owned_delta == INT32_MIN)
        return false;
    c.v = malloc((t->accessed.count + 1) * sizeof(*c.v));
    c.n = 0;
    if (!c.v)
        return false;
    node_table_walk(&t->accessed, collect_node, &c);
    for (size_t i = 0; i < c.n && ok; i++) {
        const struct node *cur = node_table_get(&s->nodes, c.v[i]->path);
        ok = (cur ? cur->gen : 0) == c.v[i]->gen;
    }
    free(c.v);
    return ok;
}

static int commit(struct store *s, struct txn *t)
{
    struct collect c;
    struct pending_event *e;
    if (!unchanged(s, t))
        return EAGAIN;
    c.v = malloc((t->changes.count + 1) * sizeof(*c.v));
    c.n = 0;
    if (!c.v)
        return ENOMEM;
    node_table_walk(&t->changes, collect_node, &c);
    for (size_t i = 0; i < c.n; i++) {
        struct node *n = node_table_remove(&t->changes, c.v[i]->path);
        if (n->deleted) {
            store_delete(s, n->path);
            node_free(n);
        } else {
            store_put(s, n);
        }
    }
    free(c.v);
    for (e = t->events; e; e = e->next)
        watch_fire(s, e->path, e->nperms ? e->perms : NULL, e->nperms, e->kind == EVENT_REMOVED);
    return 0;
}

int txn_end(struct conn *c, struct txn *t, bool do_commit)
{
    int err = do_commit ? commit(c->store, t) : 0;
    xs_list_del(&t->link);
    c->ntxns--;
    txn_free(t);
    return err;
}
