/*
 * The shared-ring transport: a domain's struct xenstore_domain_interface
 * (requests in req[], replies and watch events in rsp[]) and its event
 * channel, both reached through the platform layer.
 */
#ifndef XENSTORED_IO_RING_H
#define XENSTORED_IO_RING_H

#include "store.h"

/* store->ring_connect / ring_disconnect. */
int io_ring_connect(struct store *s, struct domain *d);
void io_ring_disconnect(struct store *s, struct domain *d);

/* Moves whatever can move between the ring and the connection: requests
 * in, replies out; signals the domain when anything moved.  Indices that
 * claim more than a ring's worth of data mark the ring broken
 * (XENSTORE_ERROR_RINGIDX in its error field) and the domain is no longer
 * served; the daemon carries on. */
void io_ring_service(struct conn *c);

#endif
