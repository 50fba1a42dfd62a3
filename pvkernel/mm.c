/* pvkernel's page-table helpers (see include/pvkernel/mm.h). */
#include <pvkernel/mm.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/kernel.h>

#define M2P ((const unsigned long *)MACH2PHYS_VIRT_START)

/* Tables outside the initial region that the kernel has mapped read-only. */
#define EXTRA_TABLES 16
static struct {
    unsigned long mfn;
    const void *va;
} extra_tables[EXTRA_TABLES];

static unsigned long initial_pages, next_spare_pfn, window_start, window_end;
/* Which pages of the free-VA window are handed out (bit i: window_start + i pages). */
static uint64_t window_used[MM_WINDOW_PAGES / 64];

static bool window_page_used(unsigned long i)
{
    return window_used[i / 64] & (1UL << (i % 64));
}

static void window_mark(unsigned long first, unsigned long pages, bool used)
{
    for (unsigned long i = first; i < first + pages; i++) {
        if (used)
            window_used[i / 64] |= 1UL << (i % 64);
        else
            window_used[i / 64] &= ~(1UL << (i % 64));
    }
}

unsigned long pfn_to_mfn(unsigned long pfn)
{
    return ((const unsigned long *)start_info->mfn_list)[pfn];
}

unsigned long mfn_to_pfn(unsigned long mfn)
{
    return M2P[mfn];
}

unsigned long virt_to_pfn(const void *va)
{
    return ((unsigned long)va - VIRT_BASE) >> PAGE_SHIFT;
}

unsigned long virt_to_mfn(const void *va)
{
    return pfn_to_mfn(virt_to_pfn(va));
}

/*
 * The initial region ends where the builder's rule puts it: past the
 * bootstrap page tables and their one stack page, rounded up to 4 MB with
 * at least 512 kB of padding. (first_p2m_pfn is not that end: Xen rounds
 * its first allocation up to a power of two and counts an initrd in it.)
 */
unsigned long mm_initial_pages(void)
{
    unsigned long stack_end = start_info->pt_base + (start_info->nr_pt_frames + 1) * PAGE_SIZE;
    unsigned long end = (stack_end + (4UL << 20) - 1) & ~((4UL << 20) - 1);
    if (end - stack_end < (512UL << 10))
        end += 4UL << 20;
    return (end - VIRT_BASE) >> PAGE_SHIFT;
}

void *pfn_to_virt(unsigned long pfn)
{
    if (pfn >= mm_initial_pages())
        return NULL;
    return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT));
}

void mm_register_table(unsigned long mfn, const void *va)
{
    for (unsigned int i = 0; i < EXTRA_TABLES; i++) {
        if (!extra_tables[i].va || extra_tables[i].mfn == mfn) {
            extra_tables[i].mfn = mfn;
            extra_tables[i].va = va;
            return;
        }
    }
    printk("pvkernel: mm: no room to register table mfn %#lx\n", mfn);
}

const uint64_t *mm_table(unsigned long mfn)
{
    for (unsigned int i = 0; i < EXTRA_TABLES; i++)
        if (extra_tables[i].va && extra_tables[i].mfn == mfn)
            return extra_tables[i].va;
    unsigned long pfn = mfn_to_pfn(mfn);
    if (pfn >= mm_initial_pages() || pfn_to_mfn(pfn) != mfn)
        return NULL;
    return pfn_to_virt(pfn);
}

/* The table holding the level-`level` entry for va, or NULL. */
static const uint64_t *table_at(unsigned long va, int level)
{
    const uint64_t *table = (const uint64_t *)start_info->pt_base;
    for (int l = 4; l > level; l--) {
        uint64_t e = table[pt_index(va, l)];
        if (!(e & PTE_P) || (l < 4 && (e & PTE_PSE)))
            return NULL;
        table = mm_table((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
        if (!table)
            return NULL;
    }
    return table;
}

int mm_walk(unsigned long va, uint64_t entry[5])
{
    const uint64_t *table = (const uint64_t *)start_info->pt_base;
    for (int l = 4; l >= 1; l--) {
        uint64_t e = table[pt_index(va, l)];
        entry[l] = e;
        if (l == 1 || !(e & PTE_P) || (l < 4 && (e & PTE_PSE)))
            return l;
        table = mm_table((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
        if (!table)
            return l;
    }
    return 1;
}

const uint64_t *mm_l1e(unsigned long va)
{
    const uint64_t *table = table_at(va, 1);
    return table ? &table[pt_index(va, 1)] : NULL;
}

/* The mfn of a table that mm_table() gave. */
static unsigned long table_mfn(const uint64_t *table)
{
    for (unsigned int i = 0; i < EXTRA_TABLES; i++)
        if (extra_tables[i].va && extra_tables[i].va == table)
            return extra_tables[i].mfn;
    return virt_to_mfn(table);
}

uint64_t mm_entry_maddr(unsigned long va, int level)
{
    const uint64_t *table = table_at(va, level);
    if (!table)
        return 0;
    return ((uint64_t)table_mfn(table) << PAGE_SHIFT) + pt_index(va, level) * 8;
}

uint64_t mm_l1e_maddr(unsigned long va)
{
    return mm_entry_maddr(va, 1);
}

unsigned long mm_alloc_pfn(void)
{
    if (next_spare_pfn >= start_info->nr_pages)
        return 0;
    return next_spare_pfn++;
}

unsigned long mm_alloc_va_range(unsigned long pages)
{
    if (!window_start || !pages || pages > MM_WINDOW_PAGES)
        return 0;
    /* First fit. */
    for (unsigned long first = 0; first + pages <= MM_WINDOW_PAGES; first++) {
        unsigned long n = 0;
        while (n < pages && !window_page_used(first + n))
            n++;
        if (n == pages) {
            window_mark(first, pages, true);
            return window_start + (first << PAGE_SHIFT);
        }
        first += n;
    }
    return 0;
}

void mm_free_va_range(unsigned long va, unsigned long pages)
{
    if (va < window_start || va + (pages << PAGE_SHIFT) > window_end)
        return;
    window_mark((va - window_start) >> PAGE_SHIFT, pages, false);
}

unsigned long mm_alloc_va(void)
{
    return mm_alloc_va_range(1);
}

long mm_map(unsigned long va, unsigned long mfn, uint64_t flags)
{
    return HYPERVISOR_update_va_mapping(va, ((uint64_t)mfn << PAGE_SHIFT) | flags,
                                        UVMF_INVLPG | UVMF_LOCAL);
}

long mm_unmap(unsigned long va)
{
    return HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG | UVMF_LOCAL);
}

void *mm_map_pfn(unsigned long pfn, uint64_t flags)
{
    unsigned long va = mm_alloc_va();
    if (!va || mm_map(va, pfn_to_mfn(pfn), flags))
        return NULL;
    return (void *)va;
}

long mm_init(void)
{
    initial_pages = mm_initial_pages();
    /* An unmapped initrd (named by pfn) and a P2M placed by INIT_P2M lie
     * past the initial region: spare pages start after both. */
    unsigned long after_p2m = start_info->first_p2m_pfn + start_info->nr_p2m_frames;
    next_spare_pfn = after_p2m > initial_pages ? after_p2m : initial_pages;
    if (start_info->flags & SIF_MOD_START_PFN) {
        unsigned long after_initrd =
            start_info->mod_start + ((start_info->mod_len + PAGE_SIZE - 1) >> PAGE_SHIFT);
        if (after_initrd > next_spare_pfn)
            next_spare_pfn = after_initrd;
    }

    /* The start-of-day pieces end with the page tables and one stack page. */
    unsigned long used =
        virt_to_pfn((const void *)start_info->pt_base) + start_info->nr_pt_frames + 1;
    if (initial_pages < MM_WINDOW_PAGES || used > initial_pages - MM_WINDOW_PAGES) {
        printk("pvkernel: mm: no room for a free-VA window (used %#lx of %#lx pages)\n", used,
               initial_pages);
        return -XEN_ENOMEM;
    }
    unsigned long start = VIRT_BASE + ((initial_pages - MM_WINDOW_PAGES) << PAGE_SHIFT);
    window_end = VIRT_BASE + (initial_pages << PAGE_SHIFT);
    for (unsigned long va = start; va < window_end; va += PAGE_SIZE) {
        long rc = HYPERVISOR_update_va_mapping(va, 0, UVMF_NONE);
        if (rc) {
            printk("pvkernel: mm: unmapping %#lx failed: %ld\n", va, rc);
            return rc;
        }
    }
    struct mmuext_op flush = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};
    long rc = HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF);
    if (rc)
        return rc;
    window_start = start;
    return 0;
}
