/*
 * Store nodes and the table that maps an absolute path to its node.  A node
 * holds its value (binary, any length up to the payload limit), its
 * permission list (entry 0 = owner and default for everyone else), the
 * NUL-separated leaf names of its children (in creation order, the order
 * DIRECTORY returns) and its generation: the store-wide modification count
 * when it last changed, which transactions compare to detect conflicts and
 * DIRECTORY_PART reports.
 */
#ifndef XENSTORED_NODE_H
#define XENSTORED_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xs_proto.h"

struct node {
    char *path;
    char *value;
    uint32_t vlen;
    struct xs_perm *perms;
    uint32_t nperms; /* at least 1 */
    char *children;
    uint32_t childlen; /* bytes, each name with its NUL */
    uint64_t gen;
    bool deleted; /* a transaction's tombstone */
    struct node *hnext;
};

/* NULL when out of memory.  Copies everything it is given. */
struct node *node_new(const char *path, const char *value, uint32_t vlen,
                      const struct xs_perm *perms, uint32_t nperms);
struct node *node_copy(const struct node *n);
void node_free(struct node *n);
bool node_set_value(struct node *n, const char *value, uint32_t vlen);
bool node_set_perms(struct node *n, const struct xs_perm *perms, uint32_t nperms);
bool node_add_child(struct node *n, const char *name);
/* Removes leaf name `name`; false if it is not a child. */
bool node_remove_child(struct node *n, const char *name);
/* The leaf name of a path ("c" for "/a/b/c"). */
const char *node_basename(const char *path);
/* The parent of `path` as a new string ("/" for "/a"); NULL for "/" or no memory. */
char *node_parent_path(const char *path);
/* Bytes this node costs, for the memory report of the benchmarks. */
size_t node_size(const struct node *n);

struct node_table {
    struct node **buckets;
    size_t nbuckets;
    size_t count;
};

bool node_table_init(struct node_table *t);
/* Frees every node and the table. */
void node_table_destroy(struct node_table *t);
struct node *node_table_get(const struct node_table *t, const char *path);
/* Inserts n (taking ownership); a node with the same path is unlinked and
 * returned (caller frees it).  Returns NULL otherwise.  On a failed resize
 * the table still works, only slower. */
struct node *node_table_put(struct node_table *t, struct node *n);
/* Unlinks and returns the node for `path`, or NULL. */
struct node *node_table_remove(struct node_table *t, const char *path);
/* Calls fn for every node; fn must not change the table. */
void node_table_walk(const struct node_table *t, void (*fn)(struct node *, void *), void *arg);

#endif
