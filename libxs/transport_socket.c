/*
 * The Unix socket transport of libxs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "transport.h"

struct socket_transport {
    struct xs_transport ops;
    int fd;
};

static int sock_send(struct xs_transport *t, const void *buf, size_t len)
{
    struct socket_transport *st = (struct socket_transport *)t;
    const char *p = buf;
    while (len) {
        ssize_t n = send(st->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static ssize_t sock_recv(struct xs_transport *t, void *buf, size_t len, int timeout_ms)
{
    struct socket_transport *st = (struct socket_transport *)t;
    struct pollfd pfd = {st->fd, POLLIN, 0};
    for (;;) {
        ssize_t n;
        int r = poll(&pfd, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -EAGAIN;
        n = recv(st->fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 ? -errno : n;
    }
}

static int sock_fd(struct xs_transport *t)
{
    return ((struct socket_transport *)t)->fd;
}

static void sock_destroy(struct xs_transport *t)
{
    close(((struct socket_transport *)t)->fd);
    free(t);
}

struct xs_transport *xs_transport_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct socket_transport *st;
    int fd;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    st = calloc(1, sizeof(*st));
    if (!st) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    st->ops = (struct xs_transport){sock_send, sock_recv, sock_fd, sock_destroy};
    st->fd = fd;
    return &st->ops;
}
