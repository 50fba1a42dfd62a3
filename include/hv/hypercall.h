/*
 * Hypercall dispatch (hv/hypercall.c) and the handlers, by Xen's numbers.
 * Arguments are the guest's raw register values; handlers return Xen's
 * result (negative errno on failure).  A number with no handler is -ENOSYS.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H
#include <hv/types.h>

long do_hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/*
 * Continuations of long hypercalls (hv/hypercall.c): a handler that has
 * done a slice of a batch sets the arguments that describe what is left
 * and returns -ERESTART; the guest then issues the call again with them,
 * and interrupts, softirqs and other vCPUs get their turn in between
 * (hypercalls run with interrupts off, so pending work cannot be seen
 * from inside one: slices have a fixed size).  Never inside a multicall,
 * whose entries run to the end: hypercall_may_continue says which.
 */
bool hypercall_may_continue(void);
void hypercall_continue_with(uint64_t a2, uint64_t a3);
/* For the arch's hypercall entry: the arguments a continuation set, once. */
bool hypercall_take_continuation(uint64_t *a2, uint64_t *a3);
/* do_multicall brackets its entries with these. */
void hypercall_multicall_enter(void);
void hypercall_multicall_leave(void);

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer);
long do_sched_op(uint64_t cmd, uint64_t arg);
long do_xen_version(uint64_t cmd, uint64_t arg);
long do_physdev_op(uint64_t cmd, uint64_t arg); /* arch */
long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t pdone, uint64_t foreigndom);
long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t pdone, uint64_t foreigndom);
long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long do_vm_assist(uint64_t cmd, uint64_t type);
long do_memory_op(uint64_t cmd, uint64_t arg);
long do_multicall(uint64_t calls, uint64_t count);

/* Called (on the stopped domain's CPU) once the hardware domain has stopped. */
struct domain;
void hardware_domain_stopped(struct domain *d);
#endif
