/*
 * Building the hardware domain (dom0) from its boot modules, as Xen's PV
 * dom0 builder lays it out (DESIGN §7): the kernel (ELF with Xen notes),
 * the initrd (mapped unless the kernel has MOD_START_PFN), the P2M table
 * (or, with INIT_P2M, at the note's address outside the initial mapping, on
 * pages and tables of its own), start_info with the VGA console info,
 * the bootstrap page tables (read-only, the L4 pinned), one stack page, and
 * padding to the next 4 MiB with at least 512 KiB; start_info fields and the
 * first vCPU's registers as Xen sets them.
 */
#include <asm/pv.h>
#include <asm/acpi.h>
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/gunzip.h>
#include <hv/unxz.h>
#include <hv/mm.h>
#include <elf/bzimage.h>
#include <elf/elf_image.h>
#include <elf/xen_notes.h>
#include <stdio.h>
#include <string.h>

/* dom0_mem=[min:<size>,][max:<size>,][<size>] as in Xen (sizes with units). */
static uint64_t dom0_mem_amount, dom0_mem_min, dom0_mem_max = UINT64_MAX;
static int parse_dom0_mem(const char *s)
{
    uint64_t amount = 0, min = 0, max = UINT64_MAX;
    while (*s) {
        uint64_t *which = &amount;
        if (!strncmp(s, "min:", 4)) {
            which = &min;
            s += 4;
        } else if (!strncmp(s, "max:", 4)) {
            which = &max;
            s += 4;
        }
        const char *end;
        if (*s < '0' || *s > '9')
            return -1;
        *which = parse_size_and_unit(s, &end);
        if (*end != ',' && *end != '\0')
            return -1;
        s = *end ? end + 1 : end;
    }
    dom0_mem_amount = amount;
    dom0_mem_min = min;
    dom0_mem_max = max;
    return 0;
}
custom_param("dom0_mem", parse_dom0_mem);

static unsigned int opt_dom0_max_vcpus = 1;
integer_param("dom0_max_vcpus", opt_dom0_max_vcpus);

/* Features hv offers a PV dom0 kernel that requires them. */
#define HV_PV_FEATURES                                                                             \
    ((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_pae_pgdir_above_4gb) |                  \
     (1u << XENFEAT_dom0))

/* Xen's default processor power-management bits in start_info.flags (PX|CX). */
#define PM_BITS (3u << 8)

/* Bootstrap L1 entries, as Xen's builder writes them: kernel mappings (bit 52). */
#define _PAGE_GUEST_KERNEL (1ULL << 52)
#define L1_PROT                                                                                    \
    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER | _PAGE_GUEST_KERNEL)
#define LN_PROT       (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

struct layout {
    uint64_t v_start, v_end;
    uint64_t vkern_start, vkern_end;
    uint64_t vinitrd_start, vinitrd_end;
    uint64_t vphysmap_start, vphysmap_end;
    uint64_t vstartinfo_start, vstartinfo_end;
    uint64_t vpt_start, vpt_end;
    uint64_t vstack_start, vstack_end;
    unsigned long nr_pt_pages;
    /*
     * Pfns as Xen numbers them: its first allocation is the initial mapping
     * (less a mapped initrd) rounded up to a power of two, then the initrd's
     * pages; first_p2m_pfn is the next pfn after both.
     */
    uint64_t initrd_pfn, first_p2m_pfn;
};

struct builder {
    struct domain *d;
    struct layout l;
    uint64_t nr_pages;
    uint64_t *p2m; /* pfn -> mfn */
    uint64_t virt_offset;
    uint64_t nr_p2m_frames; /* pages of a P2M placed by INIT_P2M, with its tables */
};

static uint64_t round_pgup(uint64_t x)
{
    return (x + PAGE_SIZE - 1) & PAGE_MASK;
}

/* Page-table pages needed to map [start, end) with 4 KiB pages. */
static unsigned long tables_needed(uint64_t start, uint64_t end)
{
    uint64_t last = end - 1;
    return 1 + ((last >> 39) - (start >> 39) + 1) + ((last >> 30) - (start >> 30) + 1) +
           ((last >> 21) - (start >> 21) + 1);
}

static void compute_layout(struct layout *l, const struct xen_notes *n, uint64_t nr_pages,
                           uint64_t initrd_len, bool initrd_mapped)
{
    l->v_start = n->virt_base;
    l->vkern_start = n->virt_kstart;
    l->vkern_end = n->virt_kend;
    l->vinitrd_start = round_pgup(l->vkern_end);
    l->vinitrd_end = l->vinitrd_start + (initrd_mapped ? initrd_len : 0);
    l->vphysmap_start = round_pgup(l->vinitrd_end);
    l->vphysmap_end =
        l->vphysmap_start + (n->init_p2m == XEN_NOTES_UNSET ? nr_pages * sizeof(uint64_t) : 0);
    l->vstartinfo_start = round_pgup(l->vphysmap_end);
    l->vstartinfo_end =
        l->vstartinfo_start + sizeof(struct start_info) + sizeof(struct dom0_vga_console_info);
    l->vpt_start = round_pgup(l->vstartinfo_end);
    for (l->nr_pt_pages = 2;; l->nr_pt_pages++) {
        l->vpt_end = l->vpt_start + l->nr_pt_pages * PAGE_SIZE;
        l->vstack_start = l->vpt_end;
        l->vstack_end = l->vstack_start + PAGE_SIZE;
        l->v_end = (l->vstack_end + MiB(4) - 1) & ~(MiB(4) - 1);
        if (l->v_end - l->vstack_end < KiB(512))
            l->v_end += MiB(4);
        if (tables_needed(l->v_start, l->v_end) <= l->nr_pt_pages)
            break;
    }
    uint64_t initrd_pages = round_pgup(initrd_len) >> PAGE_SHIFT;
    uint64_t first_alloc =
        (l->v_end - l->v_start) - (initrd_mapped ? initrd_pages << PAGE_SHIFT : 0);
    unsigned int order = 0;
    while ((PAGE_SIZE << order) < first_alloc)
        order++;
    l->initrd_pfn =
        initrd_mapped ? (l->vinitrd_start - l->v_start) >> PAGE_SHIFT : (uint64_t)1 << order;
    l->first_p2m_pfn = ((uint64_t)1 << order) + initrd_pages;
}

static uint64_t default_dom0_pages(void)
{
    uint64_t avail = machine_pages.free_pages;
    uint64_t reserve = MIN(avail / 16, MiB(128) >> PAGE_SHIFT);
    uint64_t pages = avail - reserve;
    if (dom0_mem_amount)
        pages = dom0_mem_amount >> PAGE_SHIFT;
    pages = MAX(pages, dom0_mem_min >> PAGE_SHIFT);
    if (dom0_mem_max != UINT64_MAX)
        pages = MIN(pages, dom0_mem_max >> PAGE_SHIFT);
    /* Never more than there is, keeping hv a little to work with. */
    return MIN(pages, avail - MIN(avail / 64, (uint64_t)1024));
}

static void *guest_va_ptr(const struct builder *b, uint64_t va)
{
    uint64_t pfn = (va - b->l.v_start) >> PAGE_SHIFT;
    return (char *)__va(b->p2m[pfn] << PAGE_SHIFT) + (va & (PAGE_SIZE - 1));
}

static void copy_to_bootstrap(const struct builder *b, uint64_t va, const void *src, uint64_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint64_t n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        memcpy(guest_va_ptr(b, va), s, n);
        va += n;
        s += n;
        len -= n;
    }
}

static void write_hypercall_page(const struct builder *b, uint64_t va)
{
    uint8_t page[PAGE_SIZE];
    pv_fill_hypercall_page(page);
    copy_to_bootstrap(b, va, page, sizeof(page));
}

/* Into the domain's pfns from pfn on, mapped or not (an unmapped initrd). */
static void copy_to_pfns(const struct builder *b, uint64_t pfn, const void *src, uint64_t len)
{
    const uint8_t *s = src;
    for (; len; pfn++) {
        uint64_t n = MIN(len, PAGE_SIZE);
        memcpy(__va(b->p2m[pfn] << PAGE_SHIFT), s, n);
        s += n;
        len -= n;
    }
}

static int load_segment(void *ctx, uint64_t paddr, const void *src, uint64_t filesz, uint64_t memsz)
{
    const struct builder *b = ctx;
    /* Pages are zeroed already: only the file bytes need copying. */
    copy_to_bootstrap(b, paddr + b->virt_offset, src, filesz);
    return 0;
}

static int allocate_memory(struct builder *b)
{
    b->p2m = xmalloc(b->nr_pages * sizeof(uint64_t));
    if (!b->p2m)
        return -ENOMEM;
    uint64_t pfn = 0;
    unsigned int order = BUDDY_MAX_ORDER;
    while (pfn < b->nr_pages) {
        while (order && (1ULL << order) > b->nr_pages - pfn)
            order--;
        uint64_t mfn = domain_alloc_pages(b->d, order);
        if (mfn == UINT64_MAX) {
            if (order == 0)
                return -ENOMEM;
            order--;
            continue;
        }
        for (uint64_t i = 0; i < (1ULL << order); i++, pfn++) {
            memset(__va((mfn + i) << PAGE_SHIFT), 0, PAGE_SIZE);
            b->p2m[pfn] = mfn + i;
            set_gpfn_from_mfn(mfn + i, pfn);
        }
    }
    return 0;
}

static uint64_t mfn_of_va(const struct builder *b, uint64_t va)
{
    return b->p2m[(va - b->l.v_start) >> PAGE_SHIFT];
}

/* A parent table's reference on a child table: general and type (arch/x86/pv/mm.c). */
static void take_type(uint64_t mfn, uint64_t type)
{
    struct page_info *pg = &frame_table[mfn];
    pg->type_info = type | PGT_validated | ((pg->type_info & PGT_count_mask) + 1);
    pg->count_info++;
}

static void build_page_tables(struct builder *b)
{
    const struct layout *l = &b->l;
    uint64_t next_pt = l->vpt_start;
    uint64_t l4_va = next_pt;
    next_pt += PAGE_SIZE;
    uint64_t *l4 = guest_va_ptr(b, l4_va);

    /* hv's slots, as in every PV address space. */
    for (unsigned int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++)
        l4[s] = hv_l4[s];

    for (uint64_t va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
        uint64_t *table = l4;
        for (unsigned int level = 4; level > 1; level--) {
            uint64_t *e = &table[(va >> (12 + 9 * (level - 1))) & 511];
            if (!(*e & _PAGE_PRESENT)) {
                uint64_t pt_va = next_pt;
                next_pt += PAGE_SIZE;
                uint64_t mfn = mfn_of_va(b, pt_va);
                *e = (mfn << PAGE_SHIFT) | LN_PROT;
                take_type(mfn, level == 4 ? PGT_l3 : level == 3 ? PGT_l2 : PGT_l1);
            }
            table = __va(*e & PTE_ADDR_MASK);
        }
        uint64_t mfn = mfn_of_va(b, va);
        uint64_t flags = L1_PROT;
        struct page_info *pg = &frame_table[mfn];
        if (va >= l->vpt_start && va < l->vpt_end) {
            flags &= ~(_PAGE_RW | _PAGE_DIRTY); /* page tables are never mapped writable */
        } else {
            pg->type_info = PGT_writable | PGT_validated | ((pg->type_info & PGT_count_mask) + 1);
        }
        pg->count_info++;
        table[(va >> 12) & 511] = (mfn << PAGE_SHIFT) | flags;
    }
    /* The L4: validated and pinned, as Xen leaves it; the pin and vCPU 0's
     * base pointer each hold a general and a type reference. */
    uint64_t l4_mfn = mfn_of_va(b, l4_va);
    frame_table[l4_mfn].type_info = PGT_l4 | PGT_validated | PGT_pinned | 2;
    frame_table[l4_mfn].count_info += 2;
    b->d->vcpus[0]->arch.guest_table = l4_mfn;
}

/* hv's view of the guest page at va through the page tables from l4 (all present). */
static void *table_walk(const uint64_t *l4, uint64_t va)
{
    const uint64_t *table = l4;
    for (unsigned int level = 4; level > 1; level--)
        table = __va(table[(va >> (12 + 9 * (level - 1))) & 511] & PTE_ADDR_MASK);
    return (char *)__va(table[(va >> 12) & 511] & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
}

/*
 * Why the P2M of an INIT_P2M kernel cannot go at [base, end), or NULL if it
 * can: as Xen, not over the initial mapping; and, where Xen trusts its dom0,
 * within one canonical half and clear of hv's slots.
 */
static const char *p2m_range_problem(const struct layout *l, uint64_t base, uint64_t end)
{
    if (end <= base || !is_canonical_address(base) || !is_canonical_address(end - 1) ||
        ((int64_t)base < 0) != ((int64_t)(end - 1) < 0))
        return "DOM0 P->M table is not in one canonical half";
    if (base <= HV_RESERVED_LAST && end > HV_RESERVED_START)
        return "DOM0 P->M table overlaps hv's range";
    if (l->v_start <= end && base <= l->v_end)
        return "DOM0 P->M table overlaps initial mapping"; /* Xen's words */
    return NULL;
}

/*
 * Xen's setup_pv_physmap, for a kernel with an INIT_P2M note: the P2M at the
 * note's address, outside the initial mapping, on the pfns from first_p2m_pfn
 * on, each new page table taking the pfn before the first page it maps, as
 * Xen allocates them.  The tables are mapped nowhere in the guest.  (Xen maps
 * a P2M of 2 MB or more with superpages, so for a dom0 of 1 GB or more it
 * numbers these pfns differently; hv always uses 4 KB pages.)  Returns the
 * frames used; 0 if nr_pages ran out.
 */
static uint64_t map_p2m_at_note(struct builder *b, uint64_t base)
{
    uint64_t end = base + b->nr_pages * sizeof(uint64_t);
    uint64_t *l4 = __va(b->d->vcpus[0]->arch.guest_table << PAGE_SHIFT);
    uint64_t pfn = b->l.first_p2m_pfn;
    for (uint64_t va = base & PAGE_MASK; va < end; va += PAGE_SIZE) {
        uint64_t *table = l4;
        for (unsigned int level = 4; level > 1; level--) {
            uint64_t *e = &table[(va >> (12 + 9 * (level - 1))) & 511];
            if (!(*e & _PAGE_PRESENT)) {
                if (pfn >= b->nr_pages)
                    return 0;
                uint64_t mfn = b->p2m[pfn++];
                *e = (mfn << PAGE_SHIFT) | LN_PROT;
                take_type(mfn, level == 4 ? PGT_l3 : level == 3 ? PGT_l2 : PGT_l1);
            }
            table = __va(*e & PTE_ADDR_MASK);
        }
        if (pfn >= b->nr_pages)
            return 0;
        uint64_t mfn = b->p2m[pfn++];
        struct page_info *pg = &frame_table[mfn];
        pg->type_info = PGT_writable | PGT_validated | ((pg->type_info & PGT_count_mask) + 1);
        pg->count_info++;
        table[(va >> 12) & 511] = (mfn << PAGE_SHIFT) | L1_PROT;
    }
    const uint8_t *src = (const uint8_t *)b->p2m;
    for (uint64_t va = base; va < end;) {
        uint64_t n = MIN(end - va, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        memcpy(table_walk(l4, va), src, n);
        src += n;
        va += n;
    }
    return pfn - b->l.first_p2m_pfn;
}

static void fill_start_info(const struct builder *b, const struct xen_notes *n,
                            const struct boot_module *kernel, const struct boot_module *initrd,
                            bool initrd_mapped)
{
    const struct layout *l = &b->l;
    struct start_info *si = guest_va_ptr(b, l->vstartinfo_start);
    bool pae = !strcmp(n->pae_mode, "yes") || strstr(n->pae_mode, "bimodal");

    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64%s", pae ? "p" : "");
    si->nr_pages = b->nr_pages;
    si->shared_info = __pa(b->d->shared_info);
    si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN | PM_BITS;
    if (initrd && !initrd_mapped)
        si->flags |= SIF_MOD_START_PFN; /* mod_start is a pfn, not an address */
    si->pt_base = l->vpt_start;
    si->nr_pt_frames = l->nr_pt_pages;
    si->mfn_list = n->init_p2m == XEN_NOTES_UNSET ? l->vphysmap_start : n->init_p2m;
    si->first_p2m_pfn = l->first_p2m_pfn;
    si->nr_p2m_frames = b->nr_p2m_frames;
    if (initrd) {
        si->mod_start = initrd_mapped ? l->vinitrd_start : l->initrd_pfn;
        si->mod_len = initrd->end - initrd->start;
    }
    strlcpy((char *)si->cmd_line, kernel->cmdline, sizeof(si->cmd_line));

    /* The console info follows start_info in the same page. */
    struct dom0_vga_console_info *ci = (void *)(si + 1);
    si->console.dom0.info_off = sizeof(*si);
    si->console.dom0.info_size = sizeof(*ci);
    ci->video_type = XEN_VGATYPE_TEXT_MODE_3;
    ci->u.text_mode_3.rows = 25;
    ci->u.text_mode_3.columns = 80;
    ci->u.text_mode_3.font_height = 16;
}

static void setup_dom0_ioports(struct domain *d)
{
    memset(d->arch.ioport_allowed, 0xff, sizeof(d->arch.ioport_allowed));
    /* What hv keeps (DESIGN §7): PICs, PIT, PCI config data, hv's UART.
     * The CMOS ports stay permitted: that is what lets dom0 reach CMOS
     * data through hv (io_ports.c), never directly. */
    static const uint16_t denied[][2] = {
        {0x20, 0x21}, {0xa0, 0xa1}, {0x40, 0x43}, {0x61, 0x61}, {0xcfc, 0xcff}, {0x3f8, 0x3ff},
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(denied); i++)
        for (unsigned int p = denied[i][0]; p <= denied[i][1]; p++)
            d->arch.ioport_allowed[p / 8] &= (uint8_t) ~(1u << (p % 8));
    /* The ACPI PM timer, as Xen: its four ports. */
    for (unsigned int p = acpi_info.pm_timer_port; p && p < acpi_info.pm_timer_port + 4u; p++)
        d->arch.ioport_allowed[p / 8] &= (uint8_t) ~(1u << (p % 8));
}

static void setup_vcpu0(struct vcpu *v, const struct xen_notes *n, const struct layout *l)
{
    struct cpu_regs *r = &v->arch.user_regs;
    memset(r, 0, sizeof(*r));
    r->rip = n->entry;
    r->rsp = l->vstack_end;
    r->rsi = l->vstartinfo_start;
    r->rflags = X86_EFLAGS_IF | 2;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    v->arch.kernel_mode = true;
    /* Events start masked: the kernel unmasks them when it is ready. */
    pv_vcpu_info(v)->evtchn_upcall_mask = 1;
}

/* image is the kernel module's ELF, unpacked if it came compressed. */
static int build_from_image(struct domain *d, const uint8_t *image, size_t image_size,
                            const struct boot_module *kernel, const struct boot_module *initrd)
{
    struct builder b = {.d = d};
    struct elf_image img;
    struct xen_notes notes;
    const char *why;

    if (elf_image_open(&img, image, image_size, &why) || xen_notes_parse(&img, &notes, &why)) {
        printk(XENLOG_ERR "Dom0 kernel: %s\n", why);
        return -EINVAL;
    }
    printk(" Dom0 kernel: 64-bit%s, lsb, paddr %#lx -> %#lx\n", notes.pae_mode[0] ? ", PAE" : "",
           img.pstart, img.pend);
    if (notes.present[XEN_ELFNOTE_SUPPORTED_FEATURES] &&
        !(notes.f_supported & (1u << XENFEAT_dom0))) {
        printk(XENLOG_ERR "Kernel does not support Dom0 operation\n");
        return -EINVAL;
    }
    if (notes.f_required & ~HV_PV_FEATURES) {
        printk(XENLOG_ERR "Dom0 kernel requires unsupported features %#x\n",
               notes.f_required & ~HV_PV_FEATURES);
        return -EINVAL;
    }

    if (initrd && initrd->end == initrd->start)
        initrd = NULL; /* as Xen, which keys every initrd step on its length */
    b.nr_pages = default_dom0_pages();
    bool initrd_mapped = initrd && !notes.mod_start_pfn;
    uint64_t initrd_len = initrd ? initrd->end - initrd->start : 0;
    compute_layout(&b.l, &notes, b.nr_pages, initrd_len, initrd_mapped);
    struct layout *l = &b.l;
    if (l->v_end <= l->v_start ||
        (l->v_start <= HV_RESERVED_LAST && l->v_end > HV_RESERVED_START)) {
        printk(XENLOG_ERR "Dom0 kernel's initial mapping %#lx-%#lx overlaps hv\n", l->v_start,
               l->v_end);
        return -EINVAL;
    }
    if (notes.hypercall_page != XEN_NOTES_UNSET) {
        uint64_t hp = notes.hypercall_page;
        /* As Xen: inside the initial mapping. Also clear of the bootstrap
         * page tables, which hv has validated and must not overwrite. */
        if (hp < l->v_start || hp > l->v_end - PAGE_SIZE ||
            (hp < l->vpt_end && hp + PAGE_SIZE > l->vpt_start)) {
            printk(XENLOG_ERR "Invalid HYPERCALL_PAGE field in ELF notes.\n");
            return -EINVAL;
        }
    }
    if (l->first_p2m_pfn > b.nr_pages) {
        printk(XENLOG_ERR "Dom0 memory (%lu pages) is too small for its kernel image\n",
               b.nr_pages);
        return -ENOMEM;
    }
    if (notes.init_p2m != XEN_NOTES_UNSET) {
        uint64_t p2m_end = notes.init_p2m + b.nr_pages * sizeof(uint64_t);
        const char *problem = p2m_range_problem(l, notes.init_p2m, p2m_end);
        if (problem) {
            printk(XENLOG_ERR "%s (%#lx-%#lx)\n", problem, notes.init_p2m, p2m_end);
            return -EINVAL;
        }
        /* Xen's own estimate: the table's pages and three page tables. */
        if (l->first_p2m_pfn + ((round_pgup(p2m_end) - notes.init_p2m) >> PAGE_SHIFT) + 3 >
            b.nr_pages) {
            printk(XENLOG_ERR "Dom0 allocation too small for initial P->M table\n");
            return -ENOMEM;
        }
    }

    printk(" Dom0 alloc.:   %lu pages (%lu MiB)\n", b.nr_pages, b.nr_pages >> 8);
    if (allocate_memory(&b)) {
        printk(XENLOG_ERR "Out of memory building Dom0\n");
        return -ENOMEM;
    }
    printk("VIRTUAL MEMORY ARRANGEMENT:\n");
    printk(" Loaded kernel: %016lx->%016lx\n", l->vkern_start, l->vkern_end);
    if (initrd_mapped)
        printk(" Init. ramdisk: %016lx->%016lx\n", l->vinitrd_start, l->vinitrd_end);
    printk(" Phys-Mach map: %016lx->%016lx\n", l->vphysmap_start, l->vphysmap_end);
    printk(" Start info:    %016lx->%016lx\n", l->vstartinfo_start, l->vstartinfo_end);
    printk(" Page tables:   %016lx->%016lx\n", l->vpt_start, l->vpt_end);
    printk(" Boot stack:    %016lx->%016lx\n", l->vstack_start, l->vstack_end);
    printk(" TOTAL:         %016lx->%016lx\n", l->v_start, l->v_end);
    printk(" ENTRY ADDRESS: %016lx\n", notes.entry);

    b.virt_offset = notes.virt_base - notes.paddr_offset;
    elf_image_load(&img, load_segment, &b);
    if (initrd_mapped)
        copy_to_bootstrap(&b, l->vinitrd_start, __va(initrd->start), initrd_len);
    else if (initrd)
        copy_to_pfns(&b, l->initrd_pfn, __va(initrd->start), initrd_len);
    /* In Xen's order: a kernel whose note points at its P2M or start_info
     * sees those written over the stubs, as on Xen. */
    if (notes.hypercall_page != XEN_NOTES_UNSET)
        write_hypercall_page(&b, notes.hypercall_page);
    if (notes.init_p2m == XEN_NOTES_UNSET)
        copy_to_bootstrap(&b, l->vphysmap_start, b.p2m, b.nr_pages * sizeof(uint64_t));

    struct vcpu *v0 = d->vcpus[0];
    build_page_tables(&b);
    if (notes.init_p2m != XEN_NOTES_UNSET) {
        b.nr_p2m_frames = map_p2m_at_note(&b, notes.init_p2m);
        if (!b.nr_p2m_frames) {
            printk(XENLOG_ERR "Not enough RAM for DOM0 P->M table\n");
            xfree(b.p2m);
            return -ENOMEM;
        }
        printk(" Phys-Mach map: %016lx->%016lx (%lu frames from pfn %#lx)\n", notes.init_p2m,
               notes.init_p2m + b.nr_pages * sizeof(uint64_t), b.nr_p2m_frames, l->first_p2m_pfn);
    }
    fill_start_info(&b, &notes, kernel, initrd, initrd_mapped);
    setup_dom0_ioports(d);
    setup_vcpu0(v0, &notes, l);
    ((shared_info_t *)d->shared_info)->arch.max_pfn = b.nr_pages;
    xfree(b.p2m);
    pv_update_wallclock(d);
    return 0;
}

unsigned int dom0_max_vcpus(void)
{
    return opt_dom0_max_vcpus ? opt_dom0_max_vcpus : 1;
}

int dom0_build_pv(struct domain *d, const struct boot_module *kernel,
                  const struct boot_module *initrd)
{
    printk("*** Building a PV Dom0 ***\n");
    const uint8_t *image = __va(kernel->start);
    size_t image_size = kernel->end - kernel->start;
    void *unpacked;
    size_t unpacked_size;
    const char *why;
    int rc;
    if (bzimage_is_bzimage(image, image_size)) {
        /* As Xen: the kernel ELF inside a bzImage, unpacked (gzip or xz). */
        struct bzimage_payload payload;
        rc = bzimage_payload(image, image_size, &payload, &why);
        if (!rc && payload.compression == BZIMAGE_GZIP) {
            rc = gunzip(payload.data, payload.len, &unpacked, &unpacked_size, &why);
        } else if (!rc && payload.compression == BZIMAGE_XZ) {
            /* The stream, then the unpacked size Linux appends to it. */
            unpacked_size = payload.unpacked_len;
            rc = unxz(payload.data, payload.len - 4, unpacked_size, &unpacked, &why);
        } else if (!rc) {
            why = "bzImage payload compressed in a way hv does not unpack (gzip and xz only)";
            rc = -EINVAL;
        }
        if (rc) {
            printk(XENLOG_ERR "Dom0 kernel: %s\n", why);
            return rc;
        }
        printk(" Dom0 kernel: bzImage, %s payload of %zu bytes unpacked to %zu\n",
               payload.compression == BZIMAGE_XZ ? "xz" : "gzip", payload.len, unpacked_size);
        rc = build_from_image(d, unpacked, unpacked_size, kernel, initrd);
        xfree(unpacked);
        return rc;
    }
    if (!gunzip_is_gzip(image, image_size))
        return build_from_image(d, image, image_size, kernel, initrd);

    /* As Xen: a gzip-compressed kernel is unpacked first, then built as usual. */
    rc = gunzip(image, image_size, &unpacked, &unpacked_size, &why);
    if (rc) {
        printk(XENLOG_ERR "Dom0 kernel: %s\n", why);
        return rc;
    }
    printk(" Dom0 kernel: gzip, %zu bytes unpacked to %zu\n", image_size, unpacked_size);
    rc = build_from_image(d, unpacked, unpacked_size, kernel, initrd);
    xfree(unpacked);
    return rc;
}
