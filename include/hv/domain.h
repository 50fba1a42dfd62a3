/*
 * Domains and vCPUs (arch-neutral part).  A domain owns machine frames
 * (frame_table[mfn].owner == its id), has up to max_vcpus vCPUs, and a
 * shared_info page it shares with hv.  The x86 PV state of each lives in
 * struct arch_domain / struct arch_vcpu (asm/domain.h).
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H
#include <hv/types.h>
#include <hv/spinlock.h>
#include <asm/domain.h>
#include <hv/event.h>
#include <hv/timer.h>

typedef uint16_t domid_t_hv;

#define DOMID_HV_MAX 0x7ff0 /* DOMID_FIRST_RESERVED */
#define HV_MAX_VCPUS 8192   /* Xen's MAX_VIRT_CPUS: a PV domain's vCPU limit */

enum domain_state { DOMAIN_RUNNING, DOMAIN_SHUTDOWN, DOMAIN_CRASHED };

struct vcpu {
    unsigned int id;
    struct domain *domain;
    /* Scheduling (hv/sched.c; the invariants are in hv/sched.h). */
    volatile bool running;    /* picked by a CPU, registers not yet saved */
    bool is_initialised;      /* has a context (builder, VCPUOP_initialise) */
    unsigned int processor;   /* the CPU whose run queue it belongs to */
    unsigned int pause_flags; /* VPF_*, changed atomically */
    int pause_count;          /* vcpu_pause */
    bool on_runq;
    struct vcpu *runq_next, *runq_prev;
    uint64_t hard_affinity; /* CPUs it may run on */
    uint64_t soft_affinity; /* CPUs it would rather run on (kept, not yet used) */
    int credit;             /* credit scheduler: what it may still run */
    int priority;           /* CSCHED_PRI_* while queued */
    s_time_t run_start;     /* when it last started running (credit burn) */
    /* SCHEDOP_poll: whether it polls, and the port (-1: any of several). */
    volatile bool polling;
    volatile int poll_evtchn;
    struct timer poll_timer;
    uint32_t virq_to_port[HV_NR_VIRQS];
    struct timer singleshot_timer; /* set_timer_op, VCPUOP_set_singleshot_timer */
    struct timer periodic_timer;   /* VCPUOP_set_periodic_timer; 10 ms at start */
    s_time_t periodic_period;
    s_time_t periodic_last_event;
    /* Runstate accounting (<xen/vcpu.h>), and where the guest wants a copy. */
    int runstate;
    s_time_t runstate_entry;
    uint64_t runstate_time[4];
    uint64_t runstate_guest;
    struct arch_vcpu arch;
};

struct domain {
    domid_t_hv id;
    uint64_t unique_id; /* never reused, unlike ids (grant mappings name their granter by both) */
    bool privileged;    /* dom0: SIF_PRIVILEGED */
    enum domain_state state;
    bool is_dying; /* destroydomain: its resources are going (hv/domain_kill.c) */
    unsigned int shutdown_reason;
    unsigned int shutdown_code; /* SCHEDOP_shutdown_code */
    spinlock_t page_lock;
    spinlock_t lock;         /* vCPU initialisation (Xen's domain_lock) */
    uint32_t page_list_head; /* frames owned, threaded through frame_table next/prev */
    uint64_t tot_pages;
    uint64_t max_pages; /* at most UINT32_MAX, as Xen's unsigned int */
    unsigned int max_vcpus;
    struct vcpu **vcpus; /* max_vcpus entries; NULL until created */
    /* Domain control (hv/domctl.c): what createdomain and later domctls set. */
    uint8_t handle[16];
    uint32_t create_flags;      /* XEN_DOMCTL_CDF_* as sanitised */
    uint32_t emulation_flags;   /* XEN_X86_EMU_* */
    bool msr_relaxed;           /* XEN_X86_MSR_RELAXED */
    int controller_pause_count; /* pausedomain/unpausedomain; 1 at creation */
    int pause_count;            /* every pause of the whole domain, the controller's too */
    uint64_t dirty_cpumask;     /* CPUs whose TLBs may hold its mappings */
    volatile int nr_polling;    /* vCPUs in SCHEDOP_poll */
    unsigned int sched_weight;  /* credit scheduler: 256 by default */
    unsigned int sched_cap;     /* percent of one CPU; 0 = no cap */
    spinlock_t cap_lock;        /* the cap's budget in the current period */
    s_time_t cap_period_start, cap_used;
    struct timer cap_timer; /* releases parked vCPUs at the period's end */
    int max_grant_frames;   /* grant tables (hv/grant_table.c) */
    int max_maptrack_frames;
    unsigned int grant_version_max;
    int64_t time_offset_seconds; /* settimeoffset */
    void *shared_info;           /* one page, hv's, shared with the guest */
    struct evtchn_domain evtchn;
    struct grant_table *grant_table; /* hv/grant_table.c */
    struct arch_domain arch;
};

struct domain *domain_create(domid_t_hv id, bool privileged, unsigned int max_vcpus);
/*
 * destroydomain (hv/domain_kill.c), as Xen's domain_kill: the domain is
 * paused for good, its ports closed, its vCPUs stopped and their page
 * tables, GDT and LDT let go, its pins and allocation references dropped,
 * and VIRQ_DOM_EXC raised.  Frames others still map (a builder's or
 * backend's mappings) stay until those go; the domain stays listed, dying,
 * until its last frame is freed, and is then reaped under the domctl lock.
 * 0, or -EINVAL for the hardware domain.
 */
int domain_kill(struct domain *d);
/* Frees the dead domains whose last frame has gone (with the domctl lock held). */
void domain_reap_dead(void);
/* Takes d out of the id table (domain_reap_dead, with every lookup's lock held). */
void domain_unlist(struct domain *d);
/* Frees d's shared_info page once nobody maps it (its last reference gone). */
void domain_free_shared_info(struct domain *d);
/* Is id free for a new domain? */
bool domid_free(domid_t_hv id);
struct vcpu *vcpu_create(struct domain *d, unsigned int id);
/* Gives 2^order frames from mfn on to d (general count 1, "allocated"). */
void domain_assign_pages(struct domain *d, uint64_t mfn, unsigned int order);
/* Allocates 2^order frames for d; UINT64_MAX when out of memory or over max_pages. */
uint64_t domain_alloc_pages(struct domain *d, unsigned int order);
/*
 * Gives back 2^order frames from mfn (decrease_reservation): d's allocation
 * reference is dropped; each frame is freed once nothing else references it.
 * -EINVAL if d does not own them all or they are in use as page tables.
 */
int domain_release_pages(struct domain *d, uint64_t mfn, unsigned int order);
/* Called when a frame's last reference goes and its allocation was dropped. */
void domain_free_page(uint64_t mfn);
struct domain *domain_by_id(domid_t_hv id);
/* Shutdown (reason from <xen/sched.h>) and crash: the domain stops running. */
void domain_shutdown(struct domain *d, unsigned int reason);
void domain_crash(struct domain *d, const char *why);
/* For the 'q' debug key: state, pages and each vCPU. */
void domain_dump(struct domain *d);
/* An event is pending for v: wake it if blocked, interrupt its CPU if it runs elsewhere. */
void vcpu_kick(struct vcpu *v);
/* The periodic timer's work when v starts running on this CPU (Xen's catch-up tick). */
void vcpu_periodic_timer_work(struct vcpu *v);
/* Runstate transitions (RUNSTATE_* of <xen/vcpu.h>); the guest's copy is
 * written by vcpu_update_runstate_area, with v's page tables loaded. */
void vcpu_runstate_change(struct vcpu *v, int state);
void vcpu_update_runstate_area(struct vcpu *v);
/* A new vCPU's timers, on its CPU; moving them with it. */
void vcpu_init_timers(struct vcpu *v);
void migrate_vcpu_timers(struct vcpu *v, unsigned int cpu);
/* Ends v's SCHEDOP_poll; true for the one caller that ended it. */
bool vcpu_poll_end(struct vcpu *v);
/* Time v has spent running, in ns (getdomaininfo's cpu_time adds these up). */
uint64_t vcpu_running_time(const struct vcpu *v);
long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg);
long do_set_timer_op(uint64_t timeout);
/* Arch hooks for blocking: the vCPU's event state. */
bool arch_vcpu_events_pending(struct vcpu *v);
/* ... pending and not masked (Xen's local_events_need_delivery). */
bool arch_vcpu_events_need_delivery(struct vcpu *v);
void arch_vcpu_enable_events(struct vcpu *v);
extern struct domain *hardware_domain;

/* Arch hooks: build dom0 from its boot modules (0 or -errno); run a vCPU here. */
struct boot_module;
int arch_dom0_build(struct domain *d, const struct boot_module *kernel,
                    const struct boot_module *initrd);
/* Makes v (initialised) runnable: it leaves VPF_DOWN and is queued. */
void vcpu_start(struct vcpu *v);
unsigned int dom0_max_vcpus(void);
/* Arch hooks for teardown (with the page lock held): what a vCPU holds
 * (page tables, GDT, LDT, vcpu_info page), then the domain's pins and
 * allocation references; frames nobody else references are freed. */
void arch_vcpu_relinquish(struct vcpu *v);
void arch_domain_relinquish_memory(struct domain *d);
/* Arch hooks for vCPUs: create (its FPU area; -1 without memory), destroy,
 * and VCPUOP_initialise's context (0 or -errno). */
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
int arch_initialise_vcpu(struct vcpu *v, uint64_t arg);
/* Has v no vcpu_info of its own yet (an id past shared_info's slots)? */
bool arch_vcpu_info_unregistered(const struct vcpu *v);
#endif
