/*
 * The permission model: the first entry of a node's list names its owner
 * and the access everyone not listed gets; later entries grant a domain
 * their own access.  The owner, privileged connections (dom0's sockets) and
 * a domain whose target owns the node have full access.  Also Xen's rule for
 * what a failed lookup reports: ENOENT only to those who may read the
 * nearest existing ancestor, EACCES to the rest.
 */
#ifndef XENSTORED_PERMS_H
#define XENSTORED_PERMS_H

#include "store.h"

/* XS_PERM_* bits connection c has under this permission list. */
unsigned perms_for_conn(const struct conn *c, const struct xs_perm *perms, uint32_t nperms);

/* The node at canonical `path` if c has every bit of `want` on it;
 * otherwise NULL with *err = ENOENT (absent, and c may read the nearest
 * existing ancestor), EACCES (present but refused, or the ancestor is not
 * readable).  Reads go through transaction t (may be NULL). */
struct node *perms_get_node(struct conn *c, struct txn *t, const char *path, unsigned want,
                            int *err);

/* The nearest existing ancestor of `path` (excluded) in the view of t. */
struct node *perms_nearest_ancestor(struct store *s, struct txn *t, const char *path);

#endif
