/*
 * Shared by the dom0 test kernels that build domains (dom0_platform.c):
 * the builder's platform, foreign mappings, domctl/sysctl helpers, and
 * waits bounded by WAIT_NS.
 */
#ifndef CONFORMANCE_DOM0_PLATFORM_H
#define CONFORMANCE_DOM0_PLATFORM_H
#include <pvkernel/kernel.h>
#include <pvkernel/mm.h>
#include <builder/domu_build.h>
#include <xen-abi.h>

#define WAIT_NS       (10ULL * 1000000000ULL)
#define PTE_MAP_FLAGS (PTE_P | PTE_RW | PTE_A | PTE_D)

extern const struct builder_platform platform;

/* n frames of domid at consecutive free addresses, with one mmu_update;
 * NULL with *rc_out set if it is refused. */
void *map_pages(domid_t domid, const xen_pfn_t *mfns, unsigned int n, long *rc_out);
void unmap_pages(void *va, unsigned int n);

long domctl(struct xen_domctl *op);
struct xen_domctl domctl_op(uint32_t cmd, domid_t domain);
/* getdomaininfo of exactly `domid`: 0, -ESRCH if it is gone, or -errno. */
long domain_info(domid_t domid, struct xen_domctl_getdomaininfo *info);
long destroy(domid_t domid);
/* Polls (up to WAIT_NS) until domid is gone. */
bool domain_gone(domid_t domid);
/* physinfo's free pages (0 if refused). */
uint64_t free_pages(void);
/* Polls until free memory is back at baseline: "yes" or "off by N pages". */
const char *memory_returns_to(uint64_t baseline);

/* A paused domU of kb KiB and `vcpus` vCPUs built from this kernel's initrd
 * (console and store for dom0); 0, or -errno with the builder's reason printed. */
int build_from_module(struct domu_built *d, const char *cmdline, unsigned long kb,
                      unsigned int vcpus, xen_pfn_t *p2m, size_t entries);
/* domu_build with this kernel's platform; the builder's reason printed if it fails. */
int build_domu(struct domu_built *d, const struct domu_spec *spec);

/* A domU's console ring relayed here: its "test" lines become
 * "guest.<case>" cases, its closing line the case guest.finished (with
 * the relay's name after "guest." when it has one). */
struct console_relay {
    char line[256];
    unsigned int len;
    bool done;        /* the closing line was seen */
    const char *name; /* if set, the cases are "guest.<name>.<case>" */
};
/* Reads what the domU wrote since last time (its indices bounded). */
void console_relay_drain(struct console_relay *r, struct xencons_interface *ring);
/* Relays the ring until domid shuts down, is gone, or ns pass; its last getdomaininfo in *info. */
void console_relay_until_shutdown(struct console_relay *r, struct xencons_interface *ring,
                                  domid_t domid, uint64_t ns,
                                  struct xen_domctl_getdomaininfo *info);
#endif
