/*
 * Domains the store talks to: INTRODUCE connects a domain's ring through the
 * platform layer (store->ring_connect), RELEASE drops its watches and
 * transactions, disconnects it and fires @releaseDomain; SET_TARGET gives
 * a domain its target's rights.  dom0 (socket connections) is always
 * present and never introduced.
 */
#ifndef XENSTORED_DOMAIN_H
#define XENSTORED_DOMAIN_H

#include "store.h"

struct domain *domain_find(struct store *s, uint16_t domid);
/* 0, or EINVAL (domid 0 or DOMID_FIRST_RESERVED and above, a ring the
 * platform cannot map), EEXIST (introduced with another ring), ENOMEM. */
int domain_introduce(struct store *s, uint16_t domid, int64_t mfn, uint32_t port);
/* 0 or ENOENT.  The connection is ended at once (watches, transactions);
 * the transport frees it later (conn->broken). */
int domain_release(struct store *s, uint16_t domid);
/* Frees a domain whose connection is gone. */
void domain_free(struct store *s, struct domain *d);

#endif
