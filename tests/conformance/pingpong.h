/*
 * The mailbox of the grant/event-channel ping-pong between the dom0 of
 * conformance/grants and the domU it builds (domu_guest.c run with the
 * command line "pingpong"): it lives at the start of the domU's store
 * page, which dom0 maps through grant entry 1 as the builder seeds it.
 * Each round dom0 writes a number into the page the domU granted it and
 * notifies; the domU adds one and writes the result into the page dom0
 * granted it, and notifies back.
 */
#ifndef CONFORMANCE_PINGPONG_H
#define CONFORMANCE_PINGPONG_H
#include <stdint.h>

#define PINGPONG_READY  0x50494e47u /* "PING": the domU's fields are filled */
#define PINGPONG_ROUNDS 100
#define PINGPONG_GREF   8 /* the first entry past the toolstack's reserved ones */

struct pingpong_mailbox {
    uint32_t dom0_gref;       /* dom0: its grant of a page to the domU */
    uint32_t magic;           /* domU: PINGPONG_READY once the next three are set */
    uint32_t domu_port;       /* domU: its unbound port for dom0 */
    uint32_t domu_gref;       /* domU: its grant of a page to dom0 */
    int32_t domu_map;         /* domU: GNTST_* of its map of dom0's grant */
    uint32_t domu_rounds;     /* domU: rounds answered */
    int32_t domu_unmap;       /* domU: GNTST_* of its unmap, when done */
    uint32_t domu_seen_flags; /* domU: its entry's flags while dom0 maps it */
    /* Two domUs ("echo <id>" and "ping"): dom0 tells the pinger its peer. */
    uint32_t peer_domid, peer_port; /* dom0: set last, peer_port non-zero */
    int32_t ping_bind;              /* the pinger: bind_interdomain's result */
    uint32_t ping_rounds;           /* ... round trips answered */
    uint32_t ping_status;           /* ... EVTCHNSTAT_* of its port, then */
    uint32_t ping_done;             /* ... 1 when finished */
};

/* conformance/sched's CPU-bound domUs ("spin") count loop iterations here. */
struct spin_mailbox {
    uint64_t iterations;
};
#endif
