/*
 * What the request handlers in ops.c and ops_session.c share.
 */
#ifndef XENSTORED_OPS_INTERNAL_H
#define XENSTORED_OPS_INTERNAL_H

#include "store.h"

#define OPS_HANDLER(name)                                                                          \
    int name(struct conn *c, struct txn *t, const struct xsd_sockmsg *h, const char *payload)

void ops_ack(struct conn *c, const struct xsd_sockmsg *h);
/* Exactly one NUL-terminated argument: 0 or EINVAL. */
int ops_one_arg(const char *payload, uint32_t len, const char **arg);

OPS_HANDLER(ops_control);
OPS_HANDLER(ops_watch);
OPS_HANDLER(ops_unwatch);
OPS_HANDLER(ops_reset_watches);
OPS_HANDLER(ops_transaction_start);
OPS_HANDLER(ops_transaction_end);
OPS_HANDLER(ops_introduce);
OPS_HANDLER(ops_release);
OPS_HANDLER(ops_get_domain_path);
OPS_HANDLER(ops_is_domain_introduced);
OPS_HANDLER(ops_resume);
OPS_HANDLER(ops_set_target);

#endif
