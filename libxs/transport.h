/*
 * How libxs moves bytes: one transport per handle (a socket, a shared
 * ring).  Internal to libxs.
 */
#ifndef LIBXS_TRANSPORT_H
#define LIBXS_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

struct xs_transport {
    /* Sends all of buf: 0 or a negative errno. */
    int (*send)(struct xs_transport *t, const void *buf, size_t len);
    /* Receives 1..len bytes, waiting at most timeout_ms (-1: forever):
     * the count, 0 at end of stream, -EAGAIN on timeout, another -errno. */
    ssize_t (*recv)(struct xs_transport *t, void *buf, size_t len, int timeout_ms);
    int (*fd)(struct xs_transport *t);
    void (*destroy)(struct xs_transport *t);
};

struct xs_transport *xs_transport_socket(const char *path);
struct xs_handle *xs_handle_new(struct xs_transport *t);

#endif
