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

enum domain_state { DOMAIN_BUILDING, DOMAIN_RUNNING, DOMAIN_SHUTDOWN, DOMAIN_CRASHED };

struct vcpu {
    unsigned int id;
    struct domain *domain;
    bool running;
    bool up;
    unsigned int processor; /* the CPU it runs on */
    volatile bool blocked;  /* in SCHEDOP_block or SCHEDOP_poll */
    volatile bool kicked;   /* an event arrived since it last looked */
    uint32_t virq_to_port[HV_NR_VIRQS];
    struct timer singleshot_timer; /* set_timer_op, VCPUOP_set_singleshot_timer */
    struct timer periodic_timer;   /* VCPUOP_set_periodic_timer; 10 ms at start */
    s_time_t periodic_period;
    /* Runstate accounting (<xen/vcpu.h>), and where the guest wants a copy. */
    int runstate;
    s_time_t runstate_entry;
    uint64_t runstate_time[4];
    uint64_t runstate_guest;
    struct arch_vcpu arch;
};

struct domain {
    domid_t_hv id;
    bool privileged; /* dom0: SIF_PRIVILEGED */
    enum domain_state state;
    unsigned int shutdown_reason;
    unsigned int shutdown_code; /* SCHEDOP_shutdown_code */
    spinlock_t page_lock;
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
    int max_grant_frames;       /* kept for grant tables */
    int max_maptrack_frames;
    unsigned int grant_version_max;
    int64_t time_offset_seconds; /* settimeoffset */
    void *shared_info;           /* one page, hv's, shared with the guest */
    struct evtchn_domain evtchn;
    struct arch_domain arch;
};

struct domain *domain_create(domid_t_hv id, bool privileged, unsigned int max_vcpus);
/*
 * Frees a domain that owns no memory beyond its shared_info (destroydomain
 * of a domain still being built): vCPUs, event channels, the id.  -EBUSY
 * if it owns frames (their release comes with foreign populate_physmap).
 */
int domain_destroy(struct domain *d);
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
/* Wakes v if it is blocked waiting for events. */
void vcpu_kick(struct vcpu *v);
/* Starts v's timers (the 10 ms default periodic timer) and runstate. */
void vcpu_start_timers(struct vcpu *v);
/* Runstate transitions (RUNSTATE_* of <xen/vcpu.h>). */
void vcpu_runstate_change(struct vcpu *v, int state);
/* Time v has spent running, in ns (getdomaininfo's cpu_time adds these up). */
uint64_t vcpu_running_time(const struct vcpu *v);
long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg);
long do_set_timer_op(uint64_t timeout);
/* Arch hooks for blocking: the vCPU's event state, and waiting for an interrupt. */
bool arch_vcpu_events_pending(struct vcpu *v);
void arch_vcpu_enable_events(struct vcpu *v);
void arch_wait_for_interrupt(void);
extern struct domain *hardware_domain;

/* Arch hooks: build dom0 from its boot modules (0 or -errno); run a vCPU here. */
struct boot_module;
int arch_dom0_build(struct domain *d, const struct boot_module *kernel,
                    const struct boot_module *initrd);
void arch_start_vcpu(struct vcpu *v) __noreturn;
unsigned int dom0_max_vcpus(void);
#endif
