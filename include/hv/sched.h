/*
 * The scheduler (hv/sched.c): which vCPU each CPU runs.  Every CPU has a
 * run queue of runnable vCPUs waiting for it and runs the head when its
 * current vCPU blocks, is paused or its time slice ends; a CPU with nothing
 * to run takes work from another CPU's queue (within the vCPU's affinity)
 * and otherwise idles.  Scheduling happens only in SCHEDULE_SOFTIRQ, on the
 * way back to a guest or in the idle loop, never in the middle of a
 * hypercall.
 *
 * Invariants, kept under the lock of the vCPU's CPU (sched_cpu.lock of
 * v->processor):
 *  - a vCPU is on at most one run queue, that of v->processor, and only
 *    while runnable and not running;
 *  - v->running is set from the moment a CPU picks v until its registers
 *    are saved to memory (sched_context_saved), so no other CPU loads a
 *    context that is still live somewhere else;
 *  - v->processor changes only while v is neither running nor queued.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H
#include <hv/types.h>

struct vcpu;
struct domain;

/* vcpu.pause_flags: why a vCPU cannot run, besides pause counts. */
#define VPF_BLOCKED (1u << 0) /* SCHEDOP_block / SCHEDOP_poll: waits for an event */
#define VPF_DOWN    (1u << 1) /* offline: not yet initialised, or VCPUOP_down */
#define VPF_PARKED  (1u << 2) /* over its domain's credit cap until the next period */

void sched_init_cpu(unsigned int cpu);
/* Sets up a new vCPU's scheduling state on CPU `cpu` (its timers too). */
void sched_init_vcpu(struct vcpu *v, unsigned int cpu);
/* Takes v off its run queue and stops its timers (destruction; v must not run). */
void sched_destroy_vcpu(struct vcpu *v);

bool vcpu_runnable(const struct vcpu *v);
/* Queues v if it became runnable, and tells a CPU that should run it. */
void vcpu_wake(struct vcpu *v);
/* Takes v off the CPU or queue if it is no longer runnable (without waiting). */
void vcpu_sleep_nosync(struct vcpu *v);
/* ... and waits until its registers are saved (v must not be the caller). */
void vcpu_sleep_sync(struct vcpu *v);
/* Sets and clears pause flags atomically (the set/clear themselves). */
bool vcpu_test_and_set_flag(struct vcpu *v, unsigned int flag);
bool vcpu_test_and_clear_flag(struct vcpu *v, unsigned int flag);
/* Clears VPF_BLOCKED and wakes v if it was set (Xen's vcpu_unblock). */
void vcpu_unblock(struct vcpu *v);
/* Pause counts: a paused vCPU is descheduled; pause waits for that. */
void vcpu_pause(struct vcpu *v);
void vcpu_pause_nosync(struct vcpu *v);
void vcpu_unpause(struct vcpu *v);
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
/* Re-evaluates every vCPU of d (after a domain-wide change such as shutdown). */
void domain_sched_update(struct domain *d);
/* Asks the current CPU to run the scheduler before returning to its guest. */
void sched_yield_current(void);
/* The CPUs a vCPU may run on (bit per CPU; HV_MAX_CPUS is 64). */
int vcpu_set_hard_affinity(struct vcpu *v, uint64_t cpus);
/* Called by the arch once prev's registers are in memory (v->running cleared). */
void sched_context_saved(struct vcpu *prev);
/* For the 'd' debug key: what each CPU runs and has queued. */
void sched_dump(void);
/* Bitmap of the CPUs that are online and scheduling. */
uint64_t sched_online_cpus(void);

/*
 * Arch hook: switch this CPU from prev (NULL: the idle loop) to next (NULL:
 * idle).  Saves prev, calls sched_context_saved(prev), loads next and runs
 * it on a fresh stack; does not return.
 */
void arch_context_switch(struct vcpu *prev, struct vcpu *next) __noreturn;
#endif
