/*
 * hv's page tables (DESIGN §2.3): the image at HV_VIRT_BASE with text
 * read-only and data non-executable, a direct map of all RAM (and the legacy
 * first MiB) at DIRECTMAP_VIRT_START, and an ioremap area for device
 * registers and firmware tables.  No identity map: a stray access to a low
 * address faults.
 */
#include <asm/paging.h>
#include <asm/layout.h>
#include <asm/cpu.h>
#include <asm/processor-flags.h>
#include <hv/mm.h>
#include <hv/console.h>
#include <hv/panic.h>
#include <string.h>

uint64_t *hv_l4;
paddr_t hv_l4_pa;
bool cpu_has_nx;
static bool mm_ready;
static uint64_t ioremap_next = IOREMAP_VIRT_START;

extern char __image_start[], __text_end[], __load_end[], __image_end[];
extern char __rodata_start[], __data_start[];

static uint64_t nx(void)
{
    return cpu_has_nx ? _PAGE_NX : 0;
}

static paddr_t alloc_table(void)
{
    paddr_t pa;
    if (mm_ready) {
        void *p = alloc_hv_pages(1);
        if (!p)
            panic("out of memory for page tables");
        pa = __pa(p);
    } else {
        /* Before the switch only the boot tables' first 4 GiB are reachable. */
        pa = bootmem_alloc(1, GiB(4));
        if (!pa)
            panic("out of memory for page tables");
    }
    memset(__va(pa), 0, PAGE_SIZE);
    return pa;
}

/*
 * Returns the entry of level `level` (1 = L1) for va, creating tables on the
 * way; new intermediate entries get `extra` flags too (_PAGE_USER for the
 * guest-visible M2P, nothing for hv's own mappings).
 */
static uint64_t *walk_create_flags(uint64_t *l4, uint64_t va, unsigned int level, uint64_t extra)
{
    uint64_t *table = l4;
    for (unsigned int lvl = 4; lvl > level; lvl--) {
        unsigned int idx = (va >> (12 + 9 * (lvl - 1))) & 511;
        if (!(table[idx] & _PAGE_PRESENT))
            table[idx] = alloc_table() | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | extra;
        if (table[idx] & _PAGE_PSE)
            panic("mapping %lx: already covered by a large page", va);
        table = __va(table[idx] & 0x000ffffffffff000ULL);
    }
    return &table[(va >> (12 + 9 * (level - 1))) & 511];
}

static uint64_t *walk_create(uint64_t *l4, uint64_t va, unsigned int level)
{
    return walk_create_flags(l4, va, level, 0);
}

static void map_range(uint64_t *l4, uint64_t va, paddr_t pa, uint64_t len, uint64_t flags)
{
    uint64_t end = va + len;
    while (va < end) {
        if (!(va & (MiB(2) - 1)) && !(pa & (MiB(2) - 1)) && end - va >= MiB(2)) {
            *walk_create(l4, va, 2) = pa | flags | _PAGE_PSE;
            va += MiB(2);
            pa += MiB(2);
        } else {
            *walk_create(l4, va, 1) = pa | flags;
            va += PAGE_SIZE;
            pa += PAGE_SIZE;
        }
    }
}

uint64_t *lookup_pte(uint64_t va, unsigned int *level)
{
    uint64_t *table = hv_l4;
    for (unsigned int lvl = 4; lvl >= 1; lvl--) {
        uint64_t *e = &table[(va >> (12 + 9 * (lvl - 1))) & 511];
        if (!(*e & _PAGE_PRESENT) || lvl == 1 || (lvl <= 3 && (*e & _PAGE_PSE))) {
            *level = lvl;
            return e;
        }
        table = __va(*e & 0x000ffffffffff000ULL);
    }
    return NULL;
}

void paging_init(const struct e820map *map)
{
    uint32_t a, b, c, d;
    cpuid(0x80000001, &a, &b, &c, &d);
    cpu_has_nx = d & (1u << 20);

    hv_l4_pa = alloc_table();
    hv_l4 = __va(hv_l4_pa);

    /* The image: text read-only and executable, the rest non-executable. */
    uint64_t text = (uint64_t)__image_start, rodata = (uint64_t)__rodata_start;
    uint64_t data = (uint64_t)__data_start, end = (uint64_t)__image_end;
    map_range(hv_l4, text, __pa(__image_start), rodata - text, PAGE_HV_RO | _PAGE_GLOBAL);
    map_range(hv_l4, rodata, __pa(__rodata_start), data - rodata, PAGE_HV_RO | _PAGE_GLOBAL | nx());
    map_range(hv_l4, data, __pa(__data_start), end - data, PAGE_HV_RW | _PAGE_GLOBAL | nx());

    /* The legacy first MiB, with the VGA window uncached. */
    map_range(hv_l4, DIRECTMAP_VIRT_START, 0, 0xa0000, PAGE_HV_RW | nx());
    map_range(hv_l4, DIRECTMAP_VIRT_START + 0xa0000, 0xa0000, 0x20000,
              PAGE_HV_RW | _PAGE_PCD | _PAGE_PWT | nx());
    map_range(hv_l4, DIRECTMAP_VIRT_START + 0xc0000, 0xc0000, 0x40000, PAGE_HV_RW | nx());

    for (unsigned int i = 0; i < map->nr; i++) {
        const struct e820entry *e = &map->map[i];
        if (e->type != E820_RAM)
            continue;
        paddr_t s = e->addr < MiB(1) ? MiB(1) : e->addr, t = e->addr + e->size;
        if (t <= s)
            continue;
        if (t > DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START)
            t = DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START;
        map_range(hv_l4, DIRECTMAP_VIRT_START + s, s, t - s, PAGE_HV_RW | nx());
    }

    write_cr4(read_cr4() | X86_CR4_PGE);
    write_cr3(hv_l4_pa);
}

void paging_mm_ready(void)
{
    mm_ready = true;
}

void *ioremap(paddr_t pa, size_t len, bool cached)
{
    paddr_t base = ROUNDDOWN(pa, PAGE_SIZE);
    uint64_t size = ROUNDUP(pa + len, PAGE_SIZE) - base;
    if (ioremap_next + size > IOREMAP_VIRT_START + IOREMAP_VIRT_SIZE)
        return NULL;
    uint64_t va = ioremap_next;
    ioremap_next += size + PAGE_SIZE; /* a guard page between mappings */
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        *walk_create(hv_l4, va + off, 1) =
            (base + off) | PAGE_HV_RW | nx() | (cached ? 0 : _PAGE_PCD | _PAGE_PWT);
        invlpg((void *)(va + off));
    }
    return (void *)(va + (pa - base));
}

uint64_t *map_hv_page(uint64_t va, paddr_t pa, uint64_t flags)
{
    uint64_t *pte = walk_create(hv_l4, va, 1);
    *pte = pa | flags | nx();
    invlpg((void *)va);
    return pte;
}

void map_guest_readonly(uint64_t va, paddr_t pa, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE)
        *walk_create_flags(hv_l4, va + off, 1, _PAGE_USER) =
            (pa + off) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_USER | nx();
}
