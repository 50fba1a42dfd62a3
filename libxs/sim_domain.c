/*
 * Registering a simulated domain's ring with the hosted daemon (xs_sim.h):
 * the counterpart of dom0-tools/platform/hosted_ring.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "xs_sim.h"

#define RING_PAGE_SIZE 4096

void xs_sim_domain_destroy(struct xs_sim_domain *d)
{
    if (d->intf)
        munmap(d->intf, RING_PAGE_SIZE);
    if (d->ring_fd >= 0)
        close(d->ring_fd);
    if (d->to_store_fd >= 0)
        close(d->to_store_fd);
    if (d->to_domain_fd >= 0)
        close(d->to_domain_fd);
    memset(d, 0, sizeof(*d));
    d->ring_fd = d->to_store_fd = d->to_domain_fd = -1;
}

static int send_registration(const char *sim_socket, struct xs_sim_domain *d, char *why,
                             size_t why_len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char line[64], answer[160];
    int fds[3] = {d->ring_fd, d->to_store_fd, d->to_domain_fd};
    char cbuf[CMSG_SPACE(sizeof(fds))];
    struct iovec iov;
    struct msghdr mh = {0};
    struct cmsghdr *cm;
    struct pollfd pfd;
    ssize_t n;
    int fd, len;

    if (strlen(sim_socket) >= sizeof(sa.sun_path))
        return ENAMETOOLONG;
    strcpy(sa.sun_path, sim_socket);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return e;
    }
    len = snprintf(line, sizeof(line), "%u %lld %u\n", d->domid, (long long)d->mfn, d->port);
    iov.iov_base = line;
    iov.iov_len = (size_t)len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(fds));
    memcpy(CMSG_DATA(cm), fds, sizeof(fds));
    if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
        int e = errno;
        close(fd);
        return e;
    }
    pfd = (struct pollfd){fd, POLLIN, 0};
    n = poll(&pfd, 1, 5000) == 1 ? recv(fd, answer, sizeof(answer) - 1, 0) : -1;
    close(fd);
    if (n <= 0)
        return EIO;
    answer[n] = '\0';
    if (strcmp(answer, "OK\n") == 0)
        return 0;
    if (why && why_len)
        snprintf(why, why_len, "%s", answer);
    return EPROTO;
}

int xs_sim_domain_create(const char *sim_socket, uint16_t domid, int64_t mfn, uint32_t port,
                         struct xs_sim_domain *d, char *why, size_t why_len)
{
    int err;
    memset(d, 0, sizeof(*d));
    d->ring_fd = d->to_store_fd = d->to_domain_fd = -1;
    d->domid = domid;
    d->mfn = mfn;
    d->port = port;
    d->ring_fd = memfd_create("xenstore-ring", MFD_CLOEXEC);
    if (d->ring_fd < 0 || ftruncate(d->ring_fd, RING_PAGE_SIZE) < 0)
        goto fail_errno;
    d->intf = mmap(NULL, RING_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->ring_fd, 0);
    if (d->intf == MAP_FAILED) {
        d->intf = NULL;
        goto fail_errno;
    }
    d->to_store_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    d->to_domain_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->to_store_fd < 0 || d->to_domain_fd < 0)
        goto fail_errno;
    err = send_registration(sim_socket, d, why, why_len);
    if (err) {
        xs_sim_domain_destroy(d);
        return err;
    }
    return 0;
fail_errno:
    err = errno;
    xs_sim_domain_destroy(d);
    return err;
}
