/*
 * Hosted-only: acting as an unprivileged domain.  xs_sim_domain_create()
 * makes a ring page (memfd) and two eventfds, registers them on the
 * daemon's simulation socket (xenstored --sim-socket) under (domid, mfn,
 * port), and a privileged client then introduces the domain with those
 * numbers.  xs_open_sim_domain() gives a libxs handle over that ring.
 */
#ifndef XS_SIM_H
#define XS_SIM_H

#include <stdint.h>
#include "xs.h"

struct xs_sim_domain {
    uint16_t domid;
    int64_t mfn;
    uint32_t port;
    struct xenstore_domain_interface *intf;
    int ring_fd;
    int to_store_fd;  /* we signal the daemon */
    int to_domain_fd; /* the daemon signals us */
};

/* 0, or an errno value (EPROTO when the daemon refused; *why says why if
 * given, up to why_len bytes). */
int xs_sim_domain_create(const char *sim_socket, uint16_t domid, int64_t mfn, uint32_t port,
                         struct xs_sim_domain *d, char *why, size_t why_len);
void xs_sim_domain_destroy(struct xs_sim_domain *d);
/* A handle over the domain's ring; the handle does not own d. */
struct xs_handle *xs_open_sim_domain(struct xs_sim_domain *d);

#endif
