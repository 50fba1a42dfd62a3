/*
 * Views of the store and transactions.  Every request reads and writes the
 * store through a view: the store itself (t == NULL) or a transaction,
 * which keeps its own copies of the nodes it changed and the generation of
 * every node it looked at.  A commit fails with EAGAIN when any of those
 * nodes changed (or appeared, or went away) since; otherwise the copies
 * replace the store's nodes and the transaction's held watch events fire.
 */
#ifndef XENSTORED_TXN_H
#define XENSTORED_TXN_H

#include "store.h"

/* The node at path as the view sees it, or NULL. */
struct node *view_get(struct store *s, struct txn *t, const char *path);
/* Stores n (a node the caller allocated; ownership passes) in the view.
 * `domid` is the acting connection's domain (for its ownership count in a
 * transaction).  Returns 0 or ENOMEM (n is freed either way). */
int view_put(struct store *s, struct txn *t, struct node *n, uint16_t domid);
/* Removes the node at path (which must exist in the view): 0 or ENOMEM. */
int view_delete(struct store *s, struct txn *t, const char *path, uint16_t domid);
/* Nodes owned by domid as the view sees them (for the node quota). */
uint32_t view_owned(struct store *s, struct txn *t, uint16_t domid);

/* Kinds of change for watch events. */
enum event_kind { EVENT_CHANGED, EVENT_REMOVED };

struct pending_event {
    struct pending_event *next;
    enum event_kind kind;
    uint32_t nperms;
    char *path;
    struct xs_perm perms[];
};

/* Reports a change to watchers: at once outside a transaction, held in t
 * until it commits otherwise. */
void view_event(struct store *s, struct txn *t, const char *path, const struct node *n,
                enum event_kind kind);

struct txn *txn_start(struct conn *c);
struct txn *txn_find(struct conn *c, uint32_t id);
/* Ends (and frees) t: commit ? 0 or EAGAIN : 0. */
int txn_end(struct conn *c, struct txn *t, bool commit);
void txn_free(struct txn *t);

#endif
