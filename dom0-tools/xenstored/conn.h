/*
 * Connections: framing of a client's byte stream into messages, the queue
 * of replies and watch events waiting to be sent, and the per-connection
 * limits.  Transports (a socket, a domain's ring) push the bytes they
 * receive with conn_feed() and drain conn_output().  A header whose length
 * exceeds XENSTORE_PAYLOAD_MAX marks the connection broken (Xen drops such
 * a client); everything else malformed gets an ERROR reply.
 */
#ifndef XENSTORED_CONN_H
#define XENSTORED_CONN_H

#include <stddef.h>
#include "store.h"

struct conn *conn_new(struct store *s, uint16_t domid, bool privileged,
                      const struct conn_transport *transport, void *transport_data);
/* Ends the connection's transactions and watches and frees it. */
void conn_free(struct conn *c);

/* Consumes up to len bytes of input, handling each complete message.
 * Returns the bytes consumed: fewer than len when the connection stops
 * taking input (outstanding-reply quota reached, or broken). */
size_t conn_feed(struct conn *c, const void *data, size_t len);
/* Whether the connection takes more input now. */
bool conn_wants_input(const struct conn *c);

/* Queues a reply (type, req_id and tx_id of the request) or an error. */
void conn_reply(struct conn *c, const struct xsd_sockmsg *req, uint32_t type, const void *payload,
                size_t len);
void conn_reply_error(struct conn *c, const struct xsd_sockmsg *req, int err);
/* Queues a WATCH_EVENT (req_id and tx_id 0). */
void conn_send_event(struct conn *c, const char *path, const char *token);

/* The bytes waiting to be sent (NULL when none). */
const void *conn_output(struct conn *c, size_t *len);
void conn_output_done(struct conn *c, size_t n);

/* Marks the connection for dropping, with a reason for the log. */
void conn_break(struct conn *c, const char *why);

#endif
