/*
 * Watches: registration (which fires the new watch once at once), removal,
 * and matching changes against every connection's watches.  A change to a
 * path fires each watch on that path or above it; the removal of a subtree
 * also fires watches set on paths inside it (with the watch's own path).
 * Events go only to connections that may read the changed node; the
 * special events @introduceDomain and @releaseDomain go to privileged
 * connections.  Relative watches get relative event paths.
 */
#ifndef XENSTORED_WATCH_H
#define XENSTORED_WATCH_H

#include "store.h"

/* 0, or EEXIST (same path and token), E2BIG (quota), EINVAL, ENOMEM. */
int watch_add(struct conn *c, const char *path, size_t path_len, const char *token);
/* 0 or ENOENT. */
int watch_remove(struct conn *c, const char *path, size_t path_len, const char *token);
void watch_remove_all(struct conn *c);

/* A change of `path` whose node has these permissions (NULL: a special
 * event); `removed` when the subtree at path went away. */
void watch_fire(struct store *s, const char *path, const struct xs_perm *perms, uint32_t nperms,
                bool removed);

#define WATCH_INTRODUCE "@introduceDomain"
#define WATCH_RELEASE   "@releaseDomain"

#endif
