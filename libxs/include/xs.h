/*
 * libxs: the store client library, in the spirit of Xen's <xenstore.h>
 * (xs.h): open a connection (the daemon's Unix socket, or a domain's shared
 * ring), then read, write, list, create, remove, get and set permissions,
 * watch and run transactions.  Calls block until the daemon answers.
 * Failures return NULL/false (XBT_NULL for xs_transaction_start) with errno
 * set to the daemon's error (ENOENT, EACCES, EAGAIN, ...) or a transport's.
 * Returned strings and arrays are malloc()ed: one free() releases each.
 */
#ifndef XS_H
#define XS_H

#include <stdbool.h>
#include <stdint.h>
#include "xs_proto.h"

struct xs_handle;
typedef uint32_t xs_transaction_t;
#define XBT_NULL ((xs_transaction_t)0)

/* The daemon's socket: `path`, else $XENSTORED_PATH, else
 * /var/run/xenstored/socket. */
struct xs_handle *xs_open_socket(const char *path);
void xs_close(struct xs_handle *h);
/* A descriptor that polls readable when a watch event may be waiting. */
int xs_fileno(struct xs_handle *h);

/* The value (NUL-terminated for convenience; *len excludes the NUL). */
void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned *len);
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned len);
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Child names; uses DIRECTORY_PART when the list exceeds one message. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned *num);
struct xs_perm *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                   unsigned *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        const struct xs_perm *perms, unsigned num);

bool xs_watch(struct xs_handle *h, const char *path, const char *token);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Blocks for the next event: vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN]. */
char **xs_read_watch(struct xs_handle *h, unsigned *num);
/* As xs_read_watch, but NULL with errno EAGAIN when none arrives within
 * timeout_ms milliseconds. */
char **xs_read_watch_timeout(struct xs_handle *h, unsigned *num, int timeout_ms);

xs_transaction_t xs_transaction_start(struct xs_handle *h);
/* Commits (abort false) or discards; false with errno EAGAIN on a conflict. */
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

bool xs_introduce_domain(struct xs_handle *h, unsigned domid, int64_t mfn, unsigned port);
bool xs_release_domain(struct xs_handle *h, unsigned domid);
char *xs_get_domain_path(struct xs_handle *h, unsigned domid);
bool xs_is_domain_introduced(struct xs_handle *h, unsigned domid);

/* Any request: the reply payload (with an extra NUL), or NULL with errno
 * set from an ERROR reply. */
void *xs_talk(struct xs_handle *h, uint32_t type, xs_transaction_t t, const void *payload,
              unsigned len, unsigned *reply_len);

#endif
