/*
 * The store's life cycle and path canonicalization (store.h).
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "domain.h"
#include "txn.h"

void store_default_quotas(struct quotas *q)
{
    q->nodes = QUOTA_DEFAULT_NODES;
    q->entry_size = QUOTA_DEFAULT_ENTRY_SIZE;
    q->watches = QUOTA_DEFAULT_WATCHES;
    q->transactions = QUOTA_DEFAULT_TRANSACTIONS;
    q->outstanding = QUOTA_DEFAULT_OUTSTANDING;
    q->perms = QUOTA_DEFAULT_PERMS;
    q->events = QUOTA_DEFAULT_EVENTS;
}

static bool add_initial(struct store *s, const char *path)
{
    /* Owned by dom0, no access for anyone else: what Xen starts with. */
    struct xs_perm p = {0, XS_PERM_NONE};
    struct node *n = node_new(path, NULL, 0, &p, 1);
    struct node *parent;
    char *pp;
    if (!n)
        return false;
    pp = node_parent_path(path);
    if (pp) {
        parent = node_table_get(&s->nodes, pp);
        free(pp);
        if (!parent || !node_add_child(parent, node_basename(path))) {
            node_free(n);
            return false;
        }
    }
    view_put(s, NULL, n, 0);
    return true;
}

struct store *store_new(void)
{
    struct store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->owned = calloc(65536, sizeof(*s->owned));
    if (!s->owned || !node_table_init(&s->nodes)) {
        store_free(s);
        return NULL;
    }
    xs_list_init(&s->conns);
    xs_list_init(&s->domains);
    store_default_quotas(&s->quota);
    if (!add_initial(s, "/") || !add_initial(s, "/tool") || !add_initial(s, "/tool/xenstored")) {
        store_free(s);
        return NULL;
    }
    return s;
}

void store_free(struct store *s)
{
    struct conn *c;
    struct domain *d;
    if (!s)
        return;
    if (s->conns.next) {
        /* Domains first: freeing one detaches its connection. */
        xs_list_for_each_safe(d, tmp2, &s->domains, struct domain, link) domain_free(s, d);
        xs_list_for_each_safe(c, tmp, &s->conns, struct conn, link) conn_free(c);
    }
    node_table_destroy(&s->nodes);
    free(s->owned);
    free(s);
}

char *store_canonical_path(const struct conn *c, const char *path, size_t len, int *err)
{
    char home[32];
    size_t hl = 0, total;
    char *abs;
    *err = EINVAL;
    if (len == 0 || strlen(path) != len || path[0] == '@' || !xs_path_chars_valid(path, len))
        return NULL;
    if (path[0] != '/') {
        hl = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", c->domid);
        if (len > XENSTORE_REL_PATH_MAX)
            return NULL;
    }
    total = hl + len;
    if (total > XENSTORE_ABS_PATH_MAX)
        return NULL;
    /* An unprivileged domain's absolute paths obey the relative limit
     * inside its home and the absolute one elsewhere. */
    if (!c->privileged && hl == 0) {
        int n = snprintf(home, sizeof(home), "/local/domain/%u/", c->domid);
        if (strncmp(path, home, (size_t)n) == 0 && len - (size_t)n > XENSTORE_REL_PATH_MAX)
            return NULL;
    }
    abs = malloc(total + 1);
    if (!abs) {
        *err = ENOMEM;
        return NULL;
    }
    memcpy(abs, home, hl);
    memcpy(abs + hl, path, len);
    abs[total] = '\0';
    return abs;
}
