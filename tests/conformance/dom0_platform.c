/*
 * What the dom0 test kernels that build domains share (conformance/domains,
 * conformance/grants): the builder's platform (hypercalls and foreign
 * mappings of this kernel), domctl and sysctl calls, and waiting for a
 * destroyed domain to go and its memory to come back.
 */
#include "dom0_platform.h"
#include <pvkernel/hypercall.h>
#include <pvkernel/time.h>
#include <pvkernel/console.h>
#include <pvkernel/test.h>
#include <stdio.h>
#include <string.h>

/* --- the builder's platform: hypercalls and foreign mappings from here --- */

static long platform_hypercall(void *ctx, unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                               uint64_t a4)
{
    (void)ctx;
    return hypercall5(nr, a1, a2, a3, a4, 0);
}

void unmap_pages(void *va, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        mm_unmap((unsigned long)va + i * PAGE_SIZE);
    mm_free_va_range((unsigned long)va, n);
}

/* n frames of domid at consecutive free addresses, with one mmu_update. */
void *map_pages(domid_t domid, const xen_pfn_t *mfns, unsigned int n, long *rc_out)
{
    unsigned long va = mm_alloc_va_range(n);
    if (!va) {
        *rc_out = -XEN_ENOMEM;
        return NULL;
    }
    mmu_update_t req[BUILDER_MAP_CHUNK];
    for (unsigned int i = 0; i < n; i++) {
        req[i].ptr = mm_l1e_maddr(va + i * PAGE_SIZE);
        req[i].val = ((uint64_t)mfns[i] << PAGE_SHIFT) | PTE_MAP_FLAGS;
    }
    unsigned int done = 0;
    long rc = HYPERVISOR_mmu_update(req, n, &done, domid);
    *rc_out = rc;
    if (rc) {
        unmap_pages((void *)va, done);
        mm_free_va_range(va + done * PAGE_SIZE, n - done);
        return NULL;
    }
    return (void *)va;
}

static void *platform_map(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n)
{
    (void)ctx;
    long rc;
    return n <= BUILDER_MAP_CHUNK ? map_pages(domid, mfns, n, &rc) : NULL;
}

static void platform_unmap(void *ctx, void *va, unsigned int n)
{
    (void)ctx;
    unmap_pages(va, n);
}

/*
 * Memory for the builder to unpack gzip kernels: a bump arena that starts
 * over once everything given out is released (the builder releases all of
 * it before domu_build returns).
 */
#define ARENA_BYTES (4UL << 20)
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));
static size_t arena_used;
static unsigned int arena_live;

static void *platform_alloc(void *ctx, size_t bytes)
{
    (void)ctx;
    size_t need = (bytes + 15) & ~(size_t)15;
    if (need < bytes || need > ARENA_BYTES - arena_used)
        return NULL;
    void *p = &arena[arena_used];
    arena_used += need;
    arena_live++;
    return p;
}

static void platform_release(void *ctx, void *p)
{
    (void)ctx;
    if (p && arena_live && --arena_live == 0)
        arena_used = 0;
}

const struct builder_platform platform = {.hypercall = platform_hypercall,
                                          .map_foreign = platform_map,
                                          .unmap_foreign = platform_unmap,
                                          .alloc = platform_alloc,
                                          .release = platform_release};

/* --- domctl and sysctl ------------------------------------------------- */

long domctl(struct xen_domctl *op)
{
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return hypercall1(__HYPERVISOR_domctl, op);
}

struct xen_domctl domctl_op(uint32_t cmd, domid_t domain)
{
    return (struct xen_domctl){.cmd = cmd, .domain = domain};
}

/* getdomaininfo of exactly `domid`: 0, -ESRCH if it is gone, or -errno. */
long domain_info(domid_t domid, struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_getdomaininfo, domid);
    long rc = domctl(&op);
    if (rc)
        return rc;
    if (op.domain != domid)
        return -XEN_ESRCH;
    *info = op.u.getdomaininfo;
    return 0;
}

uint64_t free_pages(void)
{
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_physinfo,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    if (hypercall1(__HYPERVISOR_sysctl, &op))
        return 0;
    return op.u.physinfo.free_pages;
}

/* Teardown finishes asynchronously on Xen: poll until free memory is back. */
const char *memory_returns_to(uint64_t baseline)
{
    static char missing[48];
    uint64_t deadline = time_now() + WAIT_NS, now;
    while ((now = free_pages()) != baseline) {
        if (time_now() > deadline) {
            snprintf(missing, sizeof(missing), "off by %ld pages", (long)(now - baseline));
            return missing;
        }
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return "yes";
}

bool domain_gone(domid_t domid)
{
    struct xen_domctl_getdomaininfo info;
    uint64_t deadline = time_now() + WAIT_NS;
    while (domain_info(domid, &info) != -XEN_ESRCH) {
        if (time_now() > deadline)
            return false;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return true;
}

long destroy(domid_t domid)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_destroydomain, domid);
    return domctl(&op);
}

/* --- a domU's console ---------------------------------------------------- */

static void relay_line(struct console_relay *r)
{
    r->line[r->len] = '\0';
    const char *failed = strstr(r->line, " passed, ");
    const char *dot = r->name ? "." : "", *name = r->name ? r->name : "";
    if (strncmp(r->line, "test ", 5) == 0) {
        printk("test guest.%s%s%s\n", name, dot, r->line + 5);
    } else if (strncmp(r->line, "tests done: ", 12) == 0 && failed) {
        char finished[64];
        snprintf(finished, sizeof(finished), "guest.%s%sfinished", name, dot);
        test_check(finished, "0 failed", "%s", failed + 9);
        r->done = true;
    } else {
        printk("domU: %s\n", r->line);
    }
    r->len = 0;
}

void console_relay_drain(struct console_relay *r, struct xencons_interface *ring)
{
    XENCONS_RING_IDX prod = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX cons = ring->out_cons;
    /* The indices are the domU's to write: more than a ring's worth
     * outstanding is a lie, and only the last ring's worth is read. */
    if (prod - cons > sizeof(ring->out))
        cons = prod - sizeof(ring->out);
    while (cons != prod) {
        char c = ring->out[MASK_XENCONS_IDX(cons, ring->out)];
        cons++;
        if (c == '\n' || r->len == sizeof(r->line) - 1)
            relay_line(r);
        else if (c != '\r')
            r->line[r->len++] = c;
    }
    __atomic_store_n(&ring->out_cons, cons, __ATOMIC_RELEASE);
}

int build_from_module(struct domu_built *d, const char *cmdline, unsigned long kb,
                      unsigned int vcpus, xen_pfn_t *p2m, size_t entries)
{
    if (!start_info->mod_len) {
        printk("builder: no domU kernel (this kernel's initrd)\n");
        return -XEN_EINVAL;
    }
    struct domu_spec spec = {.kernel = (const void *)start_info->mod_start,
                             .kernel_size = start_info->mod_len,
                             .cmdline = cmdline,
                             .memory_kb = kb,
                             .max_vcpus = vcpus,
                             .console_domid = 0,
                             .store_domid = 0,
                             .p2m = p2m,
                             .p2m_entries = entries};
    return build_domu(d, &spec);
}

int build_domu(struct domu_built *d, const struct domu_spec *spec)
{
    char why[160];
    int rc = domu_build(&platform, spec, d, why, sizeof(why));
    if (rc)
        printk("builder: %s\n", why);
    return rc;
}

void console_relay_until_shutdown(struct console_relay *r, struct xencons_interface *ring,
                                  domid_t domid, uint64_t ns, struct xen_domctl_getdomaininfo *info)
{
    uint64_t deadline = time_now() + ns;
    info->flags = 0;
    while (time_now() < deadline) {
        console_relay_drain(r, ring);
        if (domain_info(domid, info) || (info->flags & XEN_DOMINF_shutdown))
            break;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    console_relay_drain(r, ring);
}
