/*
 * The Unix socket transport of the hosted daemon: dom0's tools (Debian's
 * xenstore-* commands, libxs) connect to $XENSTORED_PATH; each connection
 * is privileged (it acts as dom0), as with Xen's xenstored.
 */
#ifndef XENSTORED_IO_SOCKET_H
#define XENSTORED_IO_SOCKET_H

#include "store.h"

/* A listening socket at path (a stale socket file is replaced), mode 0600;
 * -1 with errno set on failure. */
int io_socket_listen(const char *path);
/* Accepts one client as a new connection. */
void io_socket_accept(struct store *s, int listen_fd);

#endif
