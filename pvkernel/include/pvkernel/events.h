/*
 * pvkernel's event channels (2-level ABI): shared_info mapped from
 * start_info->shared_info, the event and failsafe callbacks, and the upcall
 * that scans the selector word and the pending/mask bitmaps and calls a
 * handler per port.
 *
 * Events are masked at start of day (vcpu_info.evtchn_upcall_mask = 1);
 * events_unmask() clears the mask and forces delivery of anything already
 * pending with a harmless hypercall.  The upcall runs with events masked,
 * on the interrupted stack, and returns through HYPERVISOR_iret, which
 * restores the mask from the saved flags.  Handlers may run at any point
 * where events are unmasked: they must only record facts (counters, times).
 */
#ifndef PVKERNEL_EVENTS_H
#define PVKERNEL_EVENTS_H
#include <stdbool.h>
#include <stdint.h>
#include <xen-abi.h>
#include <pvkernel/traps.h>

/* The trap_frame vectors the entry stubs give the event and failsafe callbacks. */
#define EVENTS_VECTOR_UPCALL   256
#define EVENTS_VECTOR_FAILSAFE 257

/* Ports with handlers and counters; higher ports are counted as stray. */
#define EVENTS_NR_PORTS 256

typedef void (*evtchn_handler_fn)(evtchn_port_t port, void *data);

/* The shared_info page, mapped by events_init(); NULL before. */
extern shared_info_t *HYPERVISOR_shared_info;

/* Upcalls taken, and events seen on ports >= EVENTS_NR_PORTS or without handler. */
extern unsigned long events_upcalls, events_stray;
extern evtchn_port_t events_last_stray;
/* The bounce frame of the last upcall, and the upcall mask inside it. */
extern struct trap_frame events_last_frame;
extern uint8_t events_mask_in_upcall;

/* Entry points (traps_entry.S) for set_callbacks/callback_op. */
extern char hypervisor_callback[], failsafe_callback[];

/*
 * Maps shared_info (needs mm_init()) and registers the event and failsafe
 * callbacks with callback_op.  Events stay masked.  0 or a negative errno.
 */
long events_init(void);

/* vcpu 0's vcpu_info: in shared_info, or where events_move_vcpu_info() put it. */
struct vcpu_info *events_vcpu_info(void);
/* After a successful VCPUOP_register_vcpu_info: follow the new location. */
void events_move_vcpu_info(struct vcpu_info *vi);

/* The global upcall mask. */
void events_mask(void);
void events_unmask(void); /* and takes what is pending now */
bool events_masked(void);

/* Called by pvkernel_trap() for EVENTS_VECTOR_UPCALL. */
void events_upcall(struct trap_frame *f);

/* Handler and counter of a port (port < EVENTS_NR_PORTS). */
void evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn, void *data);
unsigned long evtchn_count(evtchn_port_t port);

/* The port's bits in shared_info. */
void evtchn_mask_port(evtchn_port_t port);
void evtchn_unmask_local(evtchn_port_t port); /* clears the mask bit, no hypercall */
bool evtchn_port_masked(evtchn_port_t port);
bool evtchn_port_pending(evtchn_port_t port);
void evtchn_clear_port(evtchn_port_t port);

/* Event-channel operations (rc; the port through *port). */
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port); /* EVTCHNOP_unmask */
long evtchn_close(evtchn_port_t port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port);
#endif
