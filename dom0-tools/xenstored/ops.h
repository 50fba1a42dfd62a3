/*
 * Request handling: one handler per message type of <xen/io/xs_wire.h>,
 * each checking its arguments, permissions and quotas and queueing exactly
 * one reply (the result or an ERROR with Xen's error name).
 */
#ifndef XENSTORED_OPS_H
#define XENSTORED_OPS_H

#include "store.h"

/* Handles one complete request (payload of h->len bytes). */
void ops_handle(struct conn *c, const struct xsd_sockmsg *h, const char *payload);

#endif
