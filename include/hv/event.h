/*
 * Event channels, 2-level ABI (hv/event_channel.c): ports of a domain, bound
 * to a VIRQ, an IPI or another domain's port, raised by setting the port's
 * pending bit in shared_info, its selector bit in the target vCPU's
 * vcpu_info and evtchn_upcall_pending; the vCPU then gets its event upcall.
 */
#ifndef HV_EVENT_H
#define HV_EVENT_H
#include <hv/types.h>

#define EVTCHN_PORTS 4096 /* EVTCHN_2L_NR_CHANNELS for 64-bit guests */
#define HV_NR_VIRQS  24

enum evtchn_state {
    ECS_FREE = 0,
    ECS_RESERVED, /* port 0 */
    ECS_UNBOUND,
    ECS_INTERDOMAIN,
    ECS_VIRQ,
    ECS_IPI,
};

struct domain;
struct vcpu;

struct evtchn {
    uint8_t state;
    uint16_t notify_vcpu;
    union {
        uint16_t unbound_remote; /* ECS_UNBOUND: the domain that may bind */
        struct {
            struct domain *domain;
            uint32_t port;
        } interdomain;
        uint32_t virq;
    } u;
};

struct evtchn_domain {
    struct evtchn *ports; /* EVTCHN_PORTS entries */
    uint32_t max_port;    /* highest port the domain may use */
};

int evtchn_init_domain(struct domain *d, uint32_t max_port);
/* createdomain's max_evtchn_port (ports above it are refused; at most 4095). */
void evtchn_set_max_port(struct domain *d, uint32_t max_port);
/* Closes every port of a dying domain (peers left unbound); none is valid after. */
void evtchn_destroy_domain(struct domain *d);
/* Frees a dead domain's port table (once no lookup can reach the domain). */
void evtchn_free_domain(struct domain *d);
/* The event-channel lock, for taking a domain out of every lookup. */
void evtchn_lock_all(unsigned long *flags);
void evtchn_unlock_all(unsigned long flags);
long do_event_channel_op(uint64_t cmd, uint64_t arg);
/* Raises virq on v (if the guest bound it). */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
/* Raises a global VIRQ (VIRQ_CONSOLE, ...) on the hardware domain, bound on its vCPU 0. */
void send_global_virq(unsigned int virq);
/* Is a port of v's domain pending and unmasked in `ports`? (SCHEDOP_poll) */
bool evtchn_port_pending(struct domain *d, uint32_t port);
bool evtchn_port_valid(struct domain *d, uint32_t port);
#endif
