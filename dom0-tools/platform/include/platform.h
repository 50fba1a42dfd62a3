/*
 * The thin platform layer under xenstored (DESIGN §2.5): what the store
 * needs from the machine beyond portable C11 — mapping a domain's store
 * ring page and talking over its event channel.  The hosted Linux flavour
 * (hosted_ring.c) simulates both: a "domain" registers its ring (a memfd)
 * and two eventfds on the daemon's simulation socket, and INTRODUCE then
 * finds them by (domid, mfn, port).  A freestanding dom0 flavour implements
 * the same calls with grant/foreign mappings and event-channel hypercalls.
 */
#ifndef PLATFORM_H
#define PLATFORM_H

#include <stdint.h>
#include "xs_proto.h"

struct platform_ring;

/* Maps the ring page `mfn` of domain `domid` and binds the domain's event
 * channel `port`.  Returns 0 or an errno value (EINVAL: nothing to map). */
int platform_ring_map(uint16_t domid, int64_t mfn, uint32_t port, struct platform_ring **out);
struct xenstore_domain_interface *platform_ring_page(struct platform_ring *r);
/* Signals the domain's event channel. */
void platform_ring_notify(struct platform_ring *r);
/* A descriptor that polls readable when the domain signals us (-1 when the
 * platform has none), and the call that acknowledges the signal. */
int platform_ring_event_fd(const struct platform_ring *r);
void platform_ring_ack(struct platform_ring *r);
void platform_ring_unmap(struct platform_ring *r);

/* Hosted only: a non-blocking Unix socket listening at path (an old socket
 * file there is replaced; mode 0600).  Returns it or -1 (errno set). */
int platform_unix_listen(const char *path, int backlog);
/* Hosted only: the simulation socket where test "domains" register rings.
 * Returns a listening descriptor or -1 (errno set). */
int platform_sim_listen(const char *path);
/* Takes one registration from the listening socket (never blocks for
 * more than a second on a slow client). */
void platform_sim_accept(int listen_fd);
/* Drops registrations nobody introduced, and the socket file. */
void platform_sim_close(int listen_fd, const char *path);

#endif
