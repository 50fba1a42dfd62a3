/*
 * The PV domU builder (see include/builder/domu_build.h).  The steps and
 * the start-of-day layout are libxc's (DESIGN §7): createdomain, max_vcpus,
 * max_mem (the memory plus 1 MiB), the console and store ports allocated
 * unbound for their backends, set_address_size 64, populate_physmap; then,
 * from the kernel's virtual base: kernel, ramdisk, P2M list, start_info,
 * xenstore page, console page, page tables (L4 first), one stack page,
 * padding of at least 512 KiB to a 4 MiB boundary; the hypercall page if
 * the kernel asks; the L4 pinned on the domain's behalf; shared_info
 * cleared with every upcall masked; grant entries 0 and 1; vCPU 0's
 * context.  A kernel with the MOD_START_PFN note gets its ramdisk after
 * the padding, unmapped, named by pfn; one whose INIT_P2M note asks for
 * the P2M below its base gets it after that, mapped there by tables of its
 * own (page_tables.c), as Linux asks.  A gzip-compressed kernel or ramdisk
 * is unpacked first (gunzip.c).
 */
#include "builder_private.h"
#include <elf/elf_image.h>
#include <elf/xen_notes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PAGE_SHIFT        12
#define PAGE_SIZE         (1UL << PAGE_SHIFT)
#define MAXMEM_SLACK_KB   1024 /* libxl's LIBXL_MAXMEM_CONSTANT */
#define PADDING_PAGES     128  /* 512 KiB */
#define POPULATE_BATCH    4096
#define X86_EFLAGS_IF_BIT (1UL << 9)

struct build {
    const struct builder_platform *p;
    const struct domu_spec *s;
    char *why;
    size_t why_len;
    domid_t domid;
    struct elf_image img;
    struct xen_notes notes;
    uint64_t nr_pages;
    uint64_t virt_base, end; /* the initial mapping: [virt_base, end) */
    /* The ramdisk's bytes (unpacked if it came gzip-compressed) and the
     * pages given to it (libxc: the larger of its packed and unpacked size). */
    const void *ramdisk;
    size_t ramdisk_size;
    uint64_t ramdisk_pages;
    bool ramdisk_unmapped; /* after the padding, named by pfn (MOD_START_PFN) */
    bool p2m_placed;       /* at the INIT_P2M address, outside the initial mapping */
    /* Where each piece starts, as a pfn (pfn = (va - virt_base) >> 12). */
    uint64_t ramdisk_pfn, p2m_pfn, start_info_pfn, store_pfn, console_pfn, pt_pfn, stack_pfn;
    uint64_t p2m_pages, p2m_frames; /* the P2M's pages; with its own tables if placed */
    struct builder_tables tables;
    void *unpacked, *unpacked_ramdisk; /* the platform's memory */
    uint8_t page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
};

static int fail(struct build *b, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->why, b->why_len, fmt, ap);
    va_end(ap);
    if (rc && n >= 0 && (size_t)n < b->why_len)
        snprintf(b->why + n, b->why_len - (size_t)n, " (%d)", rc);
    return rc;
}

static long hypercall(struct build *b, unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                      uint64_t a4)
{
    return b->p->hypercall(b->p->ctx, nr, a1, a2, a3, a4);
}

static long domctl(struct build *b, struct xen_domctl *op)
{
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return hypercall(b, __HYPERVISOR_domctl, (uint64_t)op, 0, 0, 0);
}

static struct xen_domctl domctl_for(struct build *b, uint32_t cmd)
{
    return (struct xen_domctl){.cmd = cmd, .domain = b->domid};
}

static uint64_t va_of(const struct build *b, uint64_t pfn)
{
    return b->virt_base + (pfn << PAGE_SHIFT);
}

/*
 * Writes len bytes (zeros if src is NULL) to the domain's memory from
 * offset `offset` of page pfn on, mapping at most BUILDER_MAP_CHUNK pages
 * at a time.
 */
static int domain_write(struct build *b, uint64_t pfn, uint64_t offset, const void *src,
                        uint64_t len)
{
    pfn += offset >> PAGE_SHIFT;
    offset &= PAGE_SIZE - 1;
    const uint8_t *from = src;
    while (len) {
        uint64_t pages = (offset + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
        unsigned int n = pages > BUILDER_MAP_CHUNK ? BUILDER_MAP_CHUNK : (unsigned int)pages;
        if (pfn + n > b->nr_pages)
            return fail(b, -XEN_EINVAL, "write past the domain's memory at pfn %#lx",
                        (unsigned long)pfn);
        uint8_t *va = b->p->map_foreign(b->p->ctx, b->domid, &b->s->p2m[pfn], n);
        if (!va)
            return fail(b, -XEN_EFAULT, "cannot map the domain's pfn %#lx", (unsigned long)pfn);
        uint64_t chunk = ((uint64_t)n << PAGE_SHIFT) - offset;
        if (chunk > len)
            chunk = len;
        if (from) {
            memcpy(va + offset, from, chunk);
            from += chunk;
        } else {
            memset(va + offset, 0, chunk);
        }
        b->p->unmap_foreign(b->p->ctx, va, n);
        len -= chunk;
        pfn += n;
        offset = 0;
    }
    return 0;
}

static uint64_t pages_for(uint64_t bytes)
{
    return (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* libxc's check as each piece is allocated: the domain's pages hold it. */
static int fits(struct build *b, uint64_t next_pfn, const char *what)
{
    if (next_pfn <= b->nr_pages)
        return 0;
    return fail(b, -XEN_ENOMEM, "%lu pages are too few: the %s ends at pfn %#lx",
                (unsigned long)b->nr_pages, what, (unsigned long)next_pfn);
}

/* The initial mapping, with its tables from `next` on, one stack page and
 * the padding; `next` moves past them. */
static int plan_initial_mapping(struct build *b, uint64_t *next)
{
    uint64_t extra = 1 + PADDING_PAGES, pages = extra, last;
    struct builder_mapping m;
    for (;;) {
        last = (va_of(b, *next) + pages * PAGE_SIZE) | ((4UL << 20) - 1);
        if (builder_mapping_plan(&b->tables, &m, b->virt_base, last, 0, *next))
            return fail(b, -XEN_EINVAL, "the initial mapping overlaps another");
        pages = m.nr_tables + extra;
        if (va_of(b, *next) + pages * PAGE_SIZE <= last + 1)
            break;
    }
    builder_mapping_add(&b->tables, &m);
    b->pt_pfn = *next;
    b->stack_pfn = b->pt_pfn + m.nr_tables;
    b->end = last + 1;
    *next = (b->end - b->virt_base) >> PAGE_SHIFT;
    if (*next > b->nr_pages)
        return fail(b, -XEN_ENOMEM, "%lu pages are too few for the initial mapping (%lu)",
                    (unsigned long)b->nr_pages, (unsigned long)*next);
    return 0;
}

/* The P2M at the INIT_P2M address: its pages from `next` on, then the
 * tables that map it. */
static int plan_placed_p2m(struct build *b, uint64_t *next)
{
    uint64_t from = b->notes.init_p2m, to = from + (b->p2m_pages << PAGE_SHIFT) - 1;
    struct builder_mapping m;
    if (to < from || builder_mapping_plan(&b->tables, &m, from, to, *next, *next + b->p2m_pages))
        return fail(b, -XEN_EINVAL,
                    "the P2M at the INIT_P2M address %#lx overlaps the initial mapping",
                    (unsigned long)from);
    if (*next + b->p2m_pages > b->nr_pages)
        return fits(b, *next + b->p2m_pages, "P2M");
    builder_mapping_add(&b->tables, &m);
    b->p2m_pfn = *next;
    b->p2m_frames = b->p2m_pages + m.nr_tables;
    *next += b->p2m_frames;
    return fits(b, *next, "P2M's page tables");
}

static int compute_layout(struct build *b)
{
    const struct xen_notes *n = &b->notes;
    b->virt_base = n->virt_base;
    /* libxc ignores an INIT_P2M address at or above the base, or unaligned. */
    b->p2m_placed = n->init_p2m != XEN_NOTES_UNSET && n->init_p2m < b->virt_base &&
                    !(n->init_p2m & (PAGE_SIZE - 1));
    b->ramdisk_unmapped = b->ramdisk && n->mod_start_pfn;
    b->p2m_pages = pages_for(b->nr_pages * sizeof(xen_pfn_t));
    b->p2m_frames = b->p2m_pages;
    uint64_t next = pages_for(n->virt_kend - b->virt_base);
    int rc;
    if (b->ramdisk && !b->ramdisk_unmapped) {
        b->ramdisk_pfn = next;
        next += b->ramdisk_pages;
    }
    if (!b->p2m_placed) {
        b->p2m_pfn = next;
        next += b->p2m_pages;
    }
    b->start_info_pfn = next;
    b->store_pfn = next + 1;
    b->console_pfn = next + 2;
    next += 3;
    if ((rc = fits(b, next, "start_info, store and console pages")) ||
        (rc = plan_initial_mapping(b, &next)))
        return rc;
    if (b->ramdisk_unmapped) {
        b->ramdisk_pfn = next;
        next += b->ramdisk_pages;
        if ((rc = fits(b, next, "ramdisk")))
            return rc;
    }
    return b->p2m_placed ? plan_placed_p2m(b, &next) : 0;
}

static int create_domain(struct build *b)
{
    struct xen_domctl op = {.cmd = XEN_DOMCTL_createdomain, .domain = 0};
    struct xen_domctl_createdomain *c = &op.u.createdomain;
    c->max_vcpus = b->s->max_vcpus;
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;
    c->max_maptrack_frames = -1;
    c->grant_opts = XEN_DOMCTL_GRANT_version(1);
    memcpy(c->handle, b->s->handle, sizeof(c->handle));
    long rc = domctl(b, &op);
    if (rc)
        return fail(b, (int)rc, "createdomain failed");
    b->domid = op.domain;
    op = domctl_for(b, XEN_DOMCTL_max_vcpus);
    op.u.max_vcpus.max = b->s->max_vcpus;
    if ((rc = domctl(b, &op)))
        return fail(b, (int)rc, "max_vcpus %u failed", b->s->max_vcpus);
    op = domctl_for(b, XEN_DOMCTL_max_mem);
    op.u.max_mem.max_memkb = b->s->memory_kb + MAXMEM_SLACK_KB;
    if ((rc = domctl(b, &op)))
        return fail(b, (int)rc, "max_mem failed");
    op = domctl_for(b, XEN_DOMCTL_set_address_size);
    op.u.address_size.size = 64;
    if ((rc = domctl(b, &op)))
        return fail(b, (int)rc, "set_address_size 64 failed");
    return 0;
}

static int alloc_port(struct build *b, domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {.dom = b->domid, .remote_dom = remote};
    long rc =
        hypercall(b, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)&a, 0, 0);
    if (rc)
        return fail(b, (int)rc, "alloc_unbound for domain %u failed", remote);
    *port = a.port;
    return 0;
}

static int populate(struct build *b)
{
    xen_pfn_t *p2m = b->s->p2m;
    for (uint64_t pfn = 0; pfn < b->nr_pages; pfn += POPULATE_BATCH) {
        uint64_t n = b->nr_pages - pfn < POPULATE_BATCH ? b->nr_pages - pfn : POPULATE_BATCH;
        for (uint64_t i = 0; i < n; i++)
            p2m[pfn + i] = pfn + i;
        struct xen_memory_reservation r = {.nr_extents = n, .extent_order = 0, .domid = b->domid};
        set_xen_guest_handle(r.extent_start, &p2m[pfn]);
        long rc = hypercall(b, __HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0);
        if (rc != (long)n)
            return fail(b, rc < 0 ? (int)rc : -XEN_ENOMEM,
                        "populate_physmap gave %ld of %lu pages from pfn %#lx", rc,
                        (unsigned long)n, (unsigned long)pfn);
    }
    return 0;
}

static int load_segment(void *ctx, uint64_t paddr, const void *src, uint64_t filesz, uint64_t memsz)
{
    struct build *b = ctx;
    uint64_t va = paddr + b->notes.virt_base - b->notes.paddr_offset;
    uint64_t pfn = (va - b->virt_base) >> PAGE_SHIFT, offset = va & (PAGE_SIZE - 1);
    int rc = domain_write(b, pfn, offset, src, filesz);
    if (!rc && memsz > filesz)
        rc = domain_write(b, pfn, offset + filesz, NULL, memsz - filesz);
    return rc;
}

static int write_page_tables(struct build *b)
{
    for (unsigned int m = 0; m < b->tables.nr_maps; m++) {
        const struct builder_mapping *map = &b->tables.map[m];
        for (unsigned int l = 4; l >= 1; l--) {
            for (uint64_t k = 0; k < map->level[l].count; k++) {
                builder_table_fill(&b->tables, map, l, k, b->s->p2m, (uint64_t *)b->page);
                int rc = domain_write(b, map->level[l].pfn + k, 0, b->page, PAGE_SIZE);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

static int write_start_info(struct build *b, const struct domu_built *out)
{
    start_info_t *si = (start_info_t *)b->page;
    memset(b->page, 0, PAGE_SIZE);
    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
    si->nr_pages = b->nr_pages;
    si->shared_info = (uint64_t)out->shared_info_frame << PAGE_SHIFT;
    si->flags = 0; /* as libxl leaves it */
    si->store_mfn = out->store_mfn;
    si->store_evtchn = out->store_port;
    si->console.domU.mfn = out->console_mfn;
    si->console.domU.evtchn = out->console_port;
    si->pt_base = va_of(b, b->pt_pfn);
    si->nr_pt_frames = b->tables.map[0].nr_tables;
    if (b->p2m_placed) {
        si->mfn_list = b->notes.init_p2m;
        si->first_p2m_pfn = b->p2m_pfn;
        si->nr_p2m_frames = b->p2m_frames;
    } else {
        si->mfn_list = va_of(b, b->p2m_pfn);
    }
    /* libxc passes the ramdisk's whole pages as its length. */
    if (b->ramdisk) {
        si->flags |= b->ramdisk_unmapped ? SIF_MOD_START_PFN : 0;
        si->mod_start = b->ramdisk_unmapped ? b->ramdisk_pfn : va_of(b, b->ramdisk_pfn);
        si->mod_len = b->ramdisk_pages << PAGE_SHIFT;
    }
    if (b->s->cmdline)
        snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", b->s->cmdline);
    return domain_write(b, b->start_info_pfn, 0, si, PAGE_SIZE);
}

static int init_shared_info(struct build *b, xen_pfn_t frame)
{
    shared_info_t *s = b->p->map_foreign(b->p->ctx, b->domid, &frame, 1);
    if (!s)
        return fail(b, -XEN_EFAULT, "cannot map the domain's shared_info (frame %#lx)",
                    (unsigned long)frame);
    memset(s, 0, PAGE_SIZE);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        s->vcpu_info[i].evtchn_upcall_mask = 1;
    b->p->unmap_foreign(b->p->ctx, s, 1);
    return 0;
}

/*
 * Grant entries 0 and 1 offer the console and store pages to their
 * backends (libxc's xc_dom_gnttab_seed), written through the first frame
 * of the domain's grant table as XENMEM_acquire_resource gives it.
 */
static int seed_grant_table(struct build *b, const struct domu_built *out)
{
    xen_pfn_t frame;
    struct xen_mem_acquire_resource r = {.domid = b->domid,
                                         .type = XENMEM_resource_grant_table,
                                         .id = XENMEM_resource_grant_table_id_shared,
                                         .nr_frames = 1,
                                         .frame = 0};
    set_xen_guest_handle(r.frame_list, &frame);
    long rc = hypercall(b, __HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)&r, 0, 0);
    if (rc)
        return fail(b, (int)rc, "acquiring the domain's grant table failed");
    grant_entry_v1_t *table = b->p->map_foreign(b->p->ctx, b->domid, &frame, 1);
    if (!table)
        return fail(b, -XEN_EFAULT, "cannot map the domain's grant table (frame %#lx)",
                    (unsigned long)frame);
    table[GNTTAB_RESERVED_CONSOLE] = (grant_entry_v1_t){.flags = GTF_permit_access,
                                                        .domid = b->s->console_domid,
                                                        .frame = (uint32_t)out->console_mfn};
    table[GNTTAB_RESERVED_XENSTORE] = (grant_entry_v1_t){
        .flags = GTF_permit_access, .domid = b->s->store_domid, .frame = (uint32_t)out->store_mfn};
    b->p->unmap_foreign(b->p->ctx, table, 1);
    return 0;
}

static int start_vcpu0(struct build *b)
{
    static struct vcpu_guest_context c;
    memset(&c, 0, sizeof(c));
    c.user_regs.rip = b->notes.entry;
    c.user_regs.rsp = va_of(b, b->stack_pfn + 1);
    c.user_regs.rsi = va_of(b, b->start_info_pfn);
    c.user_regs.rflags = X86_EFLAGS_IF_BIT;
    c.user_regs.cs = FLAT_KERNEL_CS;
    c.user_regs.ss = FLAT_KERNEL_SS;
    c.kernel_ss = FLAT_KERNEL_SS;
    c.kernel_sp = c.user_regs.rsp;
    c.debugreg[6] = 0xffff0ff0;
    c.debugreg[7] = 0x400;
    c.flags = VGCF_in_kernel | VGCF_online;
    c.ctrlreg[3] = xen_pfn_to_cr3(b->s->p2m[b->pt_pfn]);
    struct xen_domctl op = domctl_for(b, XEN_DOMCTL_setvcpucontext);
    op.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(op.u.vcpucontext.ctxt, &c);
    long rc = domctl(b, &op);
    return rc ? fail(b, (int)rc, "setvcpucontext for vCPU 0 failed") : 0;
}

/*
 * The ramdisk as libxc loads a module: a gzip-compressed one is unpacked
 * (and handed over as it came if it does not unpack), and it gets the
 * pages of the larger of its two sizes.
 */
static void prepare_ramdisk(struct build *b)
{
    b->ramdisk = b->s->ramdisk_size ? b->s->ramdisk : NULL;
    b->ramdisk_size = b->ramdisk ? b->s->ramdisk_size : 0;
    if (!b->ramdisk)
        return;
    size_t pages_for_size = b->ramdisk_size;
    if (builder_is_gzip(b->ramdisk, b->ramdisk_size)) {
        const char *why = NULL;
        void *unpacked;
        size_t size;
        if (builder_gunzip(b->p, b->ramdisk, b->ramdisk_size, &unpacked, &size, &why) == 0) {
            b->unpacked_ramdisk = unpacked;
            b->ramdisk = unpacked;
            if (size > pages_for_size)
                pages_for_size = size;
            b->ramdisk_size = size;
        }
    }
    b->ramdisk_pages = pages_for(pages_for_size);
}

static int build(struct build *b, struct domu_built *out)
{
    const char *why = NULL;
    const void *kernel = b->s->kernel;
    size_t kernel_size = b->s->kernel_size;
    if (builder_is_gzip(kernel, kernel_size)) {
        void *unpacked;
        int rc = builder_gunzip(b->p, kernel, kernel_size, &unpacked, &kernel_size, &why);
        if (rc)
            return fail(b, rc, "the kernel is refused: %s", why);
        b->unpacked = unpacked;
        kernel = unpacked;
    }
    if (elf_image_open(&b->img, kernel, kernel_size, &why) ||
        xen_notes_parse(&b->img, &b->notes, &why))
        return fail(b, -XEN_EINVAL, "the kernel is refused: %s", why ? why : "?");
    if (b->s->max_vcpus == 0)
        return fail(b, -XEN_EINVAL, "a domain needs at least one vCPU");
    prepare_ramdisk(b);
    b->nr_pages = b->s->memory_kb >> 2;
    if (b->nr_pages > b->s->p2m_entries)
        return fail(b, -XEN_EINVAL, "%lu pages do not fit the P2M buffer of %lu entries",
                    (unsigned long)b->nr_pages, (unsigned long)b->s->p2m_entries);
    int rc = compute_layout(b);
    if (rc)
        return rc;
    if ((rc = create_domain(b)))
        return rc;
    out->domid = b->domid;
    out->nr_pages = b->nr_pages;
    if ((rc = alloc_port(b, b->s->store_domid, &out->store_port)) ||
        (rc = alloc_port(b, b->s->console_domid, &out->console_port)) || (rc = populate(b)))
        return rc;
    struct xen_domctl info = domctl_for(b, XEN_DOMCTL_getdomaininfo);
    long r = domctl(b, &info);
    if (r || info.domain != b->domid)
        return fail(b, r ? (int)r : -XEN_ESRCH, "getdomaininfo of the new domain failed");
    out->shared_info_frame = info.u.getdomaininfo.shared_info_frame;
    out->store_mfn = b->s->p2m[b->store_pfn];
    out->console_mfn = b->s->p2m[b->console_pfn];
    /* Every piece is zeroed, then filled (the padding is left as it came). */
    if ((rc = domain_write(b, (b->notes.virt_kstart - b->virt_base) >> PAGE_SHIFT, 0, NULL,
                           ((b->stack_pfn + 1) << PAGE_SHIFT) -
                               (b->notes.virt_kstart - b->virt_base))) ||
        (b->ramdisk_unmapped &&
         (rc = domain_write(b, b->ramdisk_pfn, 0, NULL, b->ramdisk_pages << PAGE_SHIFT))) ||
        (b->p2m_placed && (rc = domain_write(b, b->p2m_pfn, 0, NULL, b->p2m_frames << PAGE_SHIFT))))
        return rc;
    if ((rc = elf_image_load(&b->img, load_segment, b)))
        return fail(b, rc, "loading the kernel's segments failed");
    if (b->ramdisk && (rc = domain_write(b, b->ramdisk_pfn, 0, b->ramdisk, b->ramdisk_size)))
        return rc;
    if ((rc = domain_write(b, b->p2m_pfn, 0, b->s->p2m, b->nr_pages * sizeof(xen_pfn_t))) ||
        (rc = write_page_tables(b)) || (rc = write_start_info(b, out)))
        return rc;
    if (b->notes.hypercall_page != XEN_NOTES_UNSET) {
        uint64_t hp = b->notes.hypercall_page;
        if (hp < b->notes.virt_kstart || hp >= b->notes.virt_kend)
            return fail(b, -XEN_EINVAL, "the hypercall page %#lx is outside the kernel",
                        (unsigned long)hp);
        struct xen_domctl op = domctl_for(b, XEN_DOMCTL_hypercall_init);
        op.u.hypercall_init.gmfn = b->s->p2m[(hp - b->virt_base) >> PAGE_SHIFT];
        if ((r = domctl(b, &op)))
            return fail(b, (int)r, "hypercall_init failed");
    }
    struct mmuext_op pin = {.cmd = MMUEXT_PIN_L4_TABLE};
    pin.arg1.mfn = b->s->p2m[b->pt_pfn];
    r = hypercall(b, __HYPERVISOR_mmuext_op, (uint64_t)&pin, 1, 0, b->domid);
    if (r)
        return fail(b, (int)r, "pinning the domain's L4 failed");
    if ((rc = init_shared_info(b, out->shared_info_frame)) || (rc = seed_grant_table(b, out)))
        return rc;
    return start_vcpu0(b);
}

int domu_build(const struct builder_platform *p, const struct domu_spec *spec,
               struct domu_built *out, char *why, size_t why_len)
{
    static struct build b;
    memset(&b, 0, sizeof(b));
    b.p = p;
    b.s = spec;
    b.why = why;
    b.why_len = why_len;
    b.domid = DOMID_INVALID;
    memset(out, 0, sizeof(*out));
    out->domid = DOMID_INVALID;
    if (why_len)
        why[0] = '\0';
    int rc = build(&b, out);
    if (b.unpacked)
        p->release(p->ctx, b.unpacked);
    if (b.unpacked_ramdisk)
        p->release(p->ctx, b.unpacked_ramdisk);
    if (rc && b.domid != DOMID_INVALID) {
        struct xen_domctl op = domctl_for(&b, XEN_DOMCTL_destroydomain);
        domctl(&b, &op);
        out->domid = DOMID_INVALID;
    }
    return rc;
}
