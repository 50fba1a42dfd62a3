/*
 * Domain and system control: the domctl and sysctl hypercalls
 * (hv/domctl.c, hv/sysctl.c), for the control domain only.
 */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H
#include <hv/types.h>

struct domain;
struct xen_domctl_getdomaininfo;
struct xen_domctl_scheduler_op;
struct xen_domctl_vcpuaffinity;

long do_domctl(uint64_t arg);
long do_sysctl(uint64_t arg);
/* getdomaininfo's record of d (also each entry of sysctl getdomaininfolist). */
void domctl_domain_info(struct domain *d, struct xen_domctl_getdomaininfo *info);
/* Frees dead domains whose last page went, if the domctl lock is free
 * (sysctl physinfo: a freed domain's memory shows at once). */
void domctl_reap_dead(void);
/* Records of up to max domains from id first on, to the guest's buffer
 * (sysctl getdomaininfolist), under domctl's lock; 0 or -EFAULT. */
long domctl_domain_info_list(uint16_t first, uint32_t max, uint64_t buffer, uint32_t *num);
/* hv/domctl_sched.c: scheduler_op (credit weight and cap) and get/setvcpuaffinity. */
long domctl_scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *op);
long domctl_vcpu_affinity(struct domain *d, uint32_t cmd, struct xen_domctl_vcpuaffinity *a);

/*
 * Arch parts of vCPU control (arch/x86/pv/domctl.c), v paused or never
 * run: a context from the caller's memory (setvcpucontext; 0 or -errno),
 * a reset to "never initialised" (setvcpucontext with no context), the
 * context read back (getvcpucontext), and the hypercall page written into
 * frame gmfn of d (-EINVAL: not d's; -EPERM: not a plain data page).
 */
struct vcpu;
int arch_set_vcpu_context(struct vcpu *v, uint64_t guest_context);
void arch_reset_vcpu(struct vcpu *v);
int arch_get_vcpu_context(struct vcpu *v, uint64_t guest_context);
int arch_hypercall_init(struct domain *d, uint64_t gmfn);
/* The arch's own domctls (I/O port and I/O memory permissions); -ENOSYS for others. */
struct xen_domctl;
long arch_do_domctl(struct xen_domctl *op, struct domain *d, struct domain *self);

/* Arch facts for the records: guest physical address bits (Xen's
 * hap_paddr_bits), RAM pages by the machine's memory map. */
unsigned int arch_guest_paddr_bits(void);
uint64_t arch_ram_pages(void);
/* Hardware threads per core, from CPUID (1 when the CPU does not say). */
unsigned int arch_threads_per_core(void);
#endif
