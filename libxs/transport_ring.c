/*
 * The shared-ring transport of libxs, as a domain uses it: requests go into
 * req[] (we own req_prod), replies and events come from rsp[] (we own
 * rsp_cons); each side signals the other after moving indices.  In the
 * hosted build the event channel is a pair of eventfds (xs_sim.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "transport.h"
#include "xs_sim.h"

struct ring_transport {
    struct xs_transport ops;
    struct xs_sim_domain *d;
};

static void notify(struct xs_sim_domain *d)
{
    uint64_t one = 1;
    if (write(d->to_store_fd, &one, sizeof(one)) < 0) {
        /* A full counter means the daemon has a signal pending anyway. */
    }
}

/* Waits for the daemon's signal; 0, -EAGAIN on timeout, or -errno. */
static int wait_signal(struct xs_sim_domain *d, int timeout_ms)
{
    struct pollfd pfd = {d->to_domain_fd, POLLIN, 0};
    uint64_t v;
    int r;
    do
        r = poll(&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return -EAGAIN;
    if (read(d->to_domain_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        return -errno;
    return 0;
}

static int ring_send(struct xs_transport *t, const void *buf, size_t len)
{
    struct xs_sim_domain *d = ((struct ring_transport *)t)->d;
    struct xenstore_domain_interface *intf = d->intf;
    const char *p = buf;
    while (len) {
        XENSTORE_RING_IDX cons = intf->req_cons, prod = intf->req_prod;
        uint32_t space, off;
        atomic_thread_fence(memory_order_acquire);
        if (intf->error)
            return -EIO;
        space = XENSTORE_RING_SIZE - (prod - cons);
        if (space == 0 || space > XENSTORE_RING_SIZE) {
            int err = wait_signal(d, 5000);
            if (err && err != -EAGAIN)
                return err;
            continue;
        }
        off = MASK_XENSTORE_IDX(prod);
        if (space > XENSTORE_RING_SIZE - off)
            space = XENSTORE_RING_SIZE - off;
        if (space > len)
            space = (uint32_t)len;
        memcpy(intf->req + off, p, space);
        atomic_thread_fence(memory_order_release);
        intf->req_prod = prod + space;
        p += space;
        len -= space;
        notify(d);
    }
    return 0;
}

static ssize_t ring_recv(struct xs_transport *t, void *buf, size_t len, int timeout_ms)
{
    struct xs_sim_domain *d = ((struct ring_transport *)t)->d;
    struct xenstore_domain_interface *intf = d->intf;
    for (;;) {
        XENSTORE_RING_IDX cons = intf->rsp_cons, prod = intf->rsp_prod;
        uint32_t avail, off;
        int err;
        atomic_thread_fence(memory_order_acquire);
        avail = prod - cons;
        if (avail > XENSTORE_RING_SIZE)
            return -EIO;
        if (avail) {
            off = MASK_XENSTORE_IDX(cons);
            if (avail > XENSTORE_RING_SIZE - off)
                avail = XENSTORE_RING_SIZE - off;
            if (avail > len)
                avail = (uint32_t)len;
            memcpy(buf, intf->rsp + off, avail);
            atomic_thread_fence(memory_order_release);
            intf->rsp_cons = cons + avail;
            notify(d);
            return avail;
        }
        if (intf->error)
            return -EIO;
        err = wait_signal(d, timeout_ms);
        if (err)
            return err;
    }
}

static int ring_fd(struct xs_transport *t)
{
    return ((struct ring_transport *)t)->d->to_domain_fd;
}

static void ring_destroy(struct xs_transport *t)
{
    free(t);
}

struct xs_handle *xs_open_sim_domain(struct xs_sim_domain *d)
{
    struct ring_transport *rt = calloc(1, sizeof(*rt));
    if (!rt) {
        errno = ENOMEM;
        return NULL;
    }
    rt->ops = (struct xs_transport){ring_send, ring_recv, ring_fd, ring_destroy};
    rt->d = d;
    return xs_handle_new(&rt->ops);
}
