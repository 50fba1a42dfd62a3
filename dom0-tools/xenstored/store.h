/*
 * The daemon's shared state and the types every part of it uses: the store
 * (node table, generation counter, connections, domains, quotas), a
 * connection (one client: a socket or a domain's ring), transactions and
 * watches.  This core is portable C11: it never touches sockets, rings or
 * the clock itself; transports feed it bytes (conn.h) and the platform layer
 * (dom0-tools/platform) maps rings and signals event channels.
 */
#ifndef XENSTORED_STORE_H
#define XENSTORED_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "list.h"
#include "node.h"
#include "xs_proto.h"

/* Limits for unprivileged domains (Xen's defaults and option names). */
struct quotas {
    uint32_t nodes;        /* --entry-nb: nodes a domain may own */
    uint32_t entry_size;   /* --entry-size: bytes of one value */
    uint32_t watches;      /* --watch-nb */
    uint32_t transactions; /* --transaction: open at once */
    uint32_t outstanding;  /* -Q outstanding=: undelivered replies before input stops */
    uint32_t perms;        /* --perm-nb: entries of one permission list */
    uint32_t events;       /* watch events queued for one connection before more are dropped */
};

#define QUOTA_DEFAULT_NODES        1000
#define QUOTA_DEFAULT_ENTRY_SIZE   2048
#define QUOTA_DEFAULT_WATCHES      128
#define QUOTA_DEFAULT_TRANSACTIONS 10
#define QUOTA_DEFAULT_OUTSTANDING  20
#define QUOTA_DEFAULT_PERMS        5
#define QUOTA_DEFAULT_EVENTS       1024

struct conn;
struct domain;

/* Where a connection's bytes go: set by its transport.  Every hook may be
 * NULL (the fuzz target and unit tests use connections without one). */
struct conn_transport {
    const char *kind; /* "socket", "ring", ... for logs */
    /* Called when the connection has new output queued. */
    void (*kick)(struct conn *c);
    /* The descriptor to poll and the events wanted, or -1. */
    int (*poll_fd)(struct conn *c, short *events);
    /* The descriptor polled ready: take input, send output. */
    void (*service)(struct conn *c, short revents);
    /* Whether the connection is over and can be freed (by close). */
    bool (*finished)(struct conn *c);
    void (*close)(struct conn *c);
};

struct outmsg {
    struct outmsg *next;
    bool is_event;
    uint32_t len; /* header + payload */
    unsigned char data[];
};

struct txn {
    struct xs_list link; /* in conn->txns */
    uint32_t id;
    struct node_table changes;  /* node copies and tombstones made in the transaction */
    struct node_table accessed; /* path -> generation seen (0: did not exist) */
    struct pending_event *events;
    struct pending_event **events_tail;
    int32_t owned_delta; /* net nodes created for the connection's own domain */
};

struct watch {
    struct xs_list link; /* in conn->watches */
    char *path;          /* as registered (relative paths stay relative) */
    char *abs;           /* absolute, or the special name */
    char *token;
    bool relative;
};

struct conn {
    struct xs_list link; /* in store->conns */
    struct store *store;
    uint16_t domid;
    bool privileged;
    struct domain *domain; /* NULL for socket connections */
    /* Input: the header being read, then its payload. */
    unsigned char hdr_buf[sizeof(struct xsd_sockmsg)];
    uint32_t hdr_got;
    struct xsd_sockmsg hdr;
    char *payload; /* XENSTORE_PAYLOAD_MAX + 1 bytes */
    uint32_t payload_got;
    /* Output queue. */
    struct outmsg *out_head, **out_tail;
    uint32_t out_off; /* bytes of out_head already sent */
    uint32_t out_replies, out_events;
    struct xs_list watches;
    uint32_t nwatches;
    struct xs_list txns;
    uint32_t ntxns;
    /* A protocol violation: the transport drops the connection. */
    bool broken;
    const char *broken_why;
    const struct conn_transport *transport;
    void *transport_data;
    /* Statistics for logs and the benchmarks. */
    uint64_t requests;
};

struct domain {
    struct xs_list link; /* in store->domains */
    uint16_t domid;
    bool has_target;
    uint16_t target;
    struct conn *conn;
    void *ring;  /* the platform's mapping (struct platform_ring) */
    int64_t mfn; /* as INTRODUCE gave it */
    uint32_t port;
};

struct store {
    struct node_table nodes;
    uint64_t gen; /* last generation handed out; node generations are <= gen */
    uint32_t next_txn_id;
    struct xs_list conns;
    struct xs_list domains;
    struct quotas quota;
    uint32_t *owned; /* nodes owned per domid, 65536 entries */
    bool verbose;
    /* Platform hooks for domain rings, so the core stays portable. */
    int (*ring_connect)(struct store *s, struct domain *d);
    void (*ring_disconnect)(struct store *s, struct domain *d);
    /* Statistics. */
    uint64_t events_dropped;
};

/* Creates the root node ("/", owned by dom0, no access for others) and the
 * special nodes' parents; NULL when out of memory. */
struct store *store_new(void);
void store_free(struct store *s);
void store_default_quotas(struct quotas *q);

/* The canonical absolute form of a request path for connection c (relative
 * paths are under /local/domain/<domid>), or NULL with *err set: EINVAL for
 * bad syntax or length, ENOMEM. */
char *store_canonical_path(const struct conn *c, const char *path, size_t len, int *err);

#endif
