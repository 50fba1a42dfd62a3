/*
 * The Unix socket transport (io_socket.h).  Sockets are non-blocking; input
 * is read only while the connection takes it, and output waits in the
 * connection's queue until the socket can take it.  A client that vanishes
 * mid-message simply ends its connection.
 */
#define _GNU_SOURCE
#include "io_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "conn.h"
#include "platform.h"

struct sock_conn {
    int fd;
    bool eof;
};

static int sock_poll_fd(struct conn *c, short *events)
{
    struct sock_conn *sc = c->transport_data;
    size_t len;
    *events = 0;
    if (conn_wants_input(c))
        *events |= POLLIN;
    if (conn_output(c, &len))
        *events |= POLLOUT;
    return sc->fd;
}

static void sock_flush(struct conn *c, struct sock_conn *sc)
{
    for (;;) {
        size_t len;
        const void *out = conn_output(c, &len);
        ssize_t n;
        if (!out)
            return;
        n = send(sc->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                sc->eof = true;
            return;
        }
        conn_output_done(c, (size_t)n);
    }
}

static void sock_service(struct conn *c, short revents)
{
    struct sock_conn *sc = c->transport_data;
    char buf[8192];
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(sc->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            sc->eof = true;
        } else if (n > 0) {
            /* Peek, then take exactly what the connection consumed, so a
             * client over its outstanding quota keeps its bytes queued. */
            size_t used = conn_feed(c, buf, (size_t)n);
            if (used && recv(sc->fd, buf, used, MSG_DONTWAIT) < 0)
                sc->eof = true;
        }
    }
    sock_flush(c, sc);
}

static bool sock_finished(struct conn *c)
{
    struct sock_conn *sc = c->transport_data;
    return sc->eof || c->broken;
}

static void sock_close(struct conn *c)
{
    struct sock_conn *sc = c->transport_data;
    if (c->broken && c->broken_why)
        fprintf(stderr, "xenstored: dropping socket client: %s\n", c->broken_why);
    close(sc->fd);
    free(sc);
    conn_free(c);
}

static const struct conn_transport socket_transport = {
    .kind = "socket",
    .poll_fd = sock_poll_fd,
    .service = sock_service,
    .finished = sock_finished,
    .close = sock_close,
};

int io_socket_listen(const char *path)
{
    return platform_unix_listen(path, 64);
}

void io_socket_accept(struct store *s, int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    struct sock_conn *sc;
    if (fd < 0)
        return;
    sc = calloc(1, sizeof(*sc));
    if (!sc) {
        close(fd);
        return;
    }
    sc->fd = fd;
    /* Socket clients are dom0's tools: privileged, as in Xen. */
    if (!conn_new(s, 0, true, &socket_transport, sc)) {
        close(fd);
        free(sc);
    }
}
