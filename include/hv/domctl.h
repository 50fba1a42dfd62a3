/*
 * Domain and system control: the domctl and sysctl hypercalls
 * (hv/domctl.c, hv/sysctl.c), for the control domain only.
 */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H
#include <hv/types.h>

struct domain;
struct xen_domctl_getdomaininfo;

long do_domctl(uint64_t arg);
long do_sysctl(uint64_t arg);
/* getdomaininfo's record of d (also each entry of sysctl getdomaininfolist). */
void domctl_domain_info(struct domain *d, struct xen_domctl_getdomaininfo *info);
/* Records of up to max domains from id first on, to the guest's buffer
 * (sysctl getdomaininfolist), under domctl's lock; 0 or -EFAULT. */
long domctl_domain_info_list(uint16_t first, uint32_t max, uint64_t buffer, uint32_t *num);

/* Arch facts for the records: guest physical address bits (Xen's
 * hap_paddr_bits), RAM pages by the machine's memory map. */
unsigned int arch_guest_paddr_bits(void);
uint64_t arch_ram_pages(void);
/* Hardware threads per core, from CPUID (1 when the CPU does not say). */
unsigned int arch_threads_per_core(void);
#endif
