/*
 * Permission checks (perms.h).
 */
#include "perms.h"

#include <stdlib.h>
#include <string.h>
#include "txn.h"

static bool acts_as(const struct conn *c, uint16_t domid)
{
    if (c->domid == domid)
        return true;
    return c->domain && c->domain->has_target && c->domain->target == domid;
}

unsigned perms_for_conn(const struct conn *c, const struct xs_perm *perms, uint32_t nperms)
{
    if (c->privileged)
        return XS_PERM_BOTH;
    if (acts_as(c, perms[0].domid))
        return XS_PERM_BOTH;
    /* An entry for the connection itself wins over one for its target. */
    for (uint32_t i = 1; i < nperms; i++)
        if (perms[i].domid == c->domid)
            return perms[i].perm;
    for (uint32_t i = 1; i < nperms; i++)
        if (acts_as(c, perms[i].domid))
            return perms[i].perm;
    return perms[0].perm;
}

struct node *perms_nearest_ancestor(struct store *s, struct txn *t, const char *path)
{
    char *p = node_parent_path(path);
    while (p) {
        struct node *n = view_get(s, t, p);
        char *up;
        if (n) {
            free(p);
            return n;
        }
        up = node_parent_path(p);
        free(p);
        p = up;
    }
    return NULL;
}

struct node *perms_get_node(struct conn *c, struct txn *t, const char *path, unsigned want,
                            int *err)
{
    struct node *n = view_get(c->store, t, path);
    if (n) {
        if ((perms_for_conn(c, n->perms, n->nperms) & want) == want)
            return n;
        *err = EACCES;
        return NULL;
    }
    n = perms_nearest_ancestor(c->store, t, path);
    if (n && (perms_for_conn(c, n->perms, n->nperms) & XS_PERM_READ))
        *err = ENOENT;
    else
        *err = n ? EACCES : ENOENT;
    return NULL;
}
