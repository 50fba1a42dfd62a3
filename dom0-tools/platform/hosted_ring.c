/*
 * The hosted (Linux) platform: simulated domain rings.  A registration on
 * the simulation socket is one message "<domid> <mfn> <port>\n" carrying
 * three descriptors (SCM_RIGHTS): the ring page (a memfd of at least one
 * page), an eventfd the domain signals when it has written requests or
 * consumed replies, and an eventfd the daemon signals the other way.  The
 * daemon answers "OK\n" or "ERROR <reason>\n".  platform_ring_map() then
 * hands out the registration INTRODUCE names, so the store core sees the
 * same struct xenstore_domain_interface a real domain would share.
 */
#define _GNU_SOURCE
#include "platform.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define RING_PAGE_SIZE 4096

struct platform_ring {
    struct platform_ring *next; /* in the registry until mapped */
    uint16_t domid;
    int64_t mfn;
    uint32_t port;
    void *page;
    int to_store_fd;  /* domain -> store */
    int to_domain_fd; /* store -> domain */
};

static struct platform_ring *registry;

static void ring_free(struct platform_ring *r)
{
    if (r->page)
        munmap(r->page, RING_PAGE_SIZE);
    if (r->to_store_fd >= 0)
        close(r->to_store_fd);
    if (r->to_domain_fd >= 0)
        close(r->to_domain_fd);
    free(r);
}

int platform_ring_map(uint16_t domid, int64_t mfn, uint32_t port, struct platform_ring **out)
{
    for (struct platform_ring **pp = &registry; *pp; pp = &(*pp)->next) {
        struct platform_ring *r = *pp;
        if (r->domid == domid && r->mfn == mfn) {
            if (r->port != port)
                return EINVAL; /* binding the wrong event channel fails on Xen too */
            *pp = r->next;
            r->next = NULL;
            *out = r;
            return 0;
        }
    }
    return EINVAL;
}

struct xenstore_domain_interface *platform_ring_page(struct platform_ring *r)
{
    return r->page;
}

void platform_ring_notify(struct platform_ring *r)
{
    uint64_t one = 1;
    /* A full counter only means the domain has signals pending already. */
    if (write(r->to_domain_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        perror("xenstored: event channel notify");
}

int platform_ring_event_fd(const struct platform_ring *r)
{
    return r->to_store_fd;
}

void platform_ring_ack(struct platform_ring *r)
{
    uint64_t v;
    while (read(r->to_store_fd, &v, sizeof(v)) > 0)
        ;
}

void platform_ring_unmap(struct platform_ring *r)
{
    ring_free(r);
}

int platform_sim_listen(const char *path)
{
    return platform_unix_listen(path, 16);
}

static void answer(int fd, const char *text)
{
    if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0)
        perror("xenstored: simulation socket reply");
}

static void take_registration(int fd)
{
    char text[128];
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {text, sizeof(text) - 1};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct pollfd pfd = {fd, POLLIN, 0};
    int fds[3] = {-1, -1, -1}, nfds = 0;
    unsigned domid, port;
    long long mfn;
    char tail;
    struct platform_ring *r;
    struct stat st;
    ssize_t n;

    if (poll(&pfd, 1, 1000) != 1) {
        answer(fd, "ERROR no registration within a second\n");
        return;
    }
    n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k; i++) {
                int f;
                memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                if (nfds < 3)
                    fds[nfds++] = f;
                else
                    close(f);
            }
        }
    }
    if (n <= 0 || nfds != 3 || (mh.msg_flags & MSG_CTRUNC)) {
        answer(fd, "ERROR expected \"<domid> <mfn> <port>\" with three descriptors\n");
        goto fail;
    }
    text[n] = '\0';
    if (sscanf(text, "%u %lld %u%c", &domid, &mfn, &port, &tail) != 4 || tail != '\n' ||
        domid == 0 || domid >= DOMID_FIRST_RESERVED) {
        answer(fd, "ERROR bad registration line\n");
        goto fail;
    }
    if (fstat(fds[0], &st) < 0 || st.st_size < RING_PAGE_SIZE) {
        answer(fd, "ERROR the ring descriptor is not a page of shared memory\n");
        goto fail;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        answer(fd, "ERROR out of memory\n");
        goto fail;
    }
    r->page = mmap(NULL, RING_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    close(fds[0]);
    r->to_store_fd = fds[1];
    r->to_domain_fd = fds[2];
    if (r->page == MAP_FAILED) {
        r->page = NULL;
        ring_free(r);
        answer(fd, "ERROR cannot map the ring\n");
        return;
    }
    r->domid = (uint16_t)domid;
    r->mfn = mfn;
    r->port = port;
    /* A newer registration of the same page replaces the old one. */
    for (struct platform_ring **pp = &registry; *pp; pp = &(*pp)->next) {
        if ((*pp)->domid == r->domid && (*pp)->mfn == r->mfn) {
            struct platform_ring *old = *pp;
            *pp = old->next;
            ring_free(old);
            break;
        }
    }
    r->next = registry;
    registry = r;
    answer(fd, "OK\n");
    return;
fail:
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
}

void platform_sim_accept(int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    take_registration(fd);
    close(fd);
}

void platform_sim_close(int listen_fd, const char *path)
{
    while (registry) {
        struct platform_ring *r = registry;
        registry = r->next;
        ring_free(r);
    }
    if (listen_fd >= 0) {
        close(listen_fd);
        unlink(path);
    }
}
