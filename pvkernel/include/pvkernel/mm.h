/*
 * pvkernel's view of memory and its page tables, changed only through the
 * PV MMU interface (update_va_mapping, mmu_update, mmuext_op).
 *
 * At start of day the hypervisor maps the initial region: VIRT_BASE up to
 * a 4 MB boundary past the bootstrap stack, holding the kernel, an initrd
 * (unless MOD_START_PFN), the P2M (start_info->mfn_list), start_info, the
 * bootstrap page tables (mapped read-only, from start_info->pt_base) and
 * padding.  Pages from start_info->first_p2m_pfn to nr_pages - 1 are the
 * domain's but mapped nowhere: they are the spare pages handed out here.  The last MM_WINDOW_PAGES
 * pages of the initial region's padding are unmapped by mm_init() and handed out as free virtual
 * addresses.
 *
 * pfn -> mfn through the P2M, mfn -> pfn through the read-only M2P that the
 * hypervisor maps at MACH2PHYS_VIRT_START.
 */
#ifndef PVKERNEL_MM_H
#define PVKERNEL_MM_H
#include <stdbool.h>
#include <stdint.h>
#include <xen-abi.h>

#define VIRT_BASE  0xffffffff80000000UL
#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)

/* Page-table entry bits. */
#define PTE_P            (1UL << 0)
#define PTE_RW           (1UL << 1)
#define PTE_US           (1UL << 2)
#define PTE_PWT          (1UL << 3)
#define PTE_PCD          (1UL << 4)
#define PTE_A            (1UL << 5)
#define PTE_D            (1UL << 6)
#define PTE_PSE          (1UL << 7) /* PAT in an L1 entry */
#define PTE_G            (1UL << 8)
#define PTE_GUEST_KERNEL (1UL << 52) /* Xen's mark of a guest-kernel L1 entry */
#define PTE_NX           (1UL << 63)
#define PTE_ADDR_MASK    0x000ffffffffff000UL
/* Everything of an entry but the frame: what a guest may compare. */
#define PTE_FLAGS(pte) ((uint64_t)(pte) & ~PTE_ADDR_MASK)

/* Free virtual addresses mm_init() makes at the initial region's end. */
#define MM_WINDOW_PAGES 128

/* Index of va in its table at level 1 (L1) to 4 (L4). */
static inline unsigned int pt_index(unsigned long va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/*
 * Finds the initial region, unmaps the free-VA window; returns 0, or a
 * negative errno of the first hypercall that failed.
 */
long mm_init(void);

unsigned long pfn_to_mfn(unsigned long pfn);
unsigned long mfn_to_pfn(unsigned long mfn);
/* pfn and mfn of an address in the initial region. */
unsigned long virt_to_pfn(const void *va);
unsigned long virt_to_mfn(const void *va);
/* The initial region's mapping of pfn, or NULL if pfn is outside it. */
void *pfn_to_virt(unsigned long pfn);
/* Pages in the initial region (from start_info's page-table facts). */
unsigned long mm_initial_pages(void);

/*
 * A readable mapping of the page-table page mfn: its place in the initial
 * region, or one given to mm_register_table(); NULL if there is none.
 */
const uint64_t *mm_table(unsigned long mfn);
void mm_register_table(unsigned long mfn, const void *va);

/*
 * Walks the current kernel page tables for va: entry[4] is the L4 entry,
 * down to entry[1], the L1 entry.  Returns the level of the last entry
 * read (1 when the L1 entry was read; higher when an entry was not
 * present, was a superpage, or its table has no readable mapping).
 */
int mm_walk(unsigned long va, uint64_t entry[5]);
/* The L1 entry mapping va: a pointer into its (read-only) table, or NULL. */
const uint64_t *mm_l1e(unsigned long va);
/* Machine address of the L1 entry mapping va, or 0. */
uint64_t mm_l1e_maddr(unsigned long va);
/* Machine address of the level-`level` entry for va, or 0. */
uint64_t mm_entry_maddr(unsigned long va, int level);

/* A spare page: never mapped, owned by the domain; 0 when none is left. */
unsigned long mm_alloc_pfn(void);
/* A free, unmapped virtual address of the window; 0 when none is left. */
unsigned long mm_alloc_va(void);
/* `pages` consecutive free, unmapped virtual pages of the window; 0 when too few are left. */
unsigned long mm_alloc_va_range(unsigned long pages);
/* Gives back a range mm_alloc_va_range gave (already unmapped by the caller). */
void mm_free_va_range(unsigned long va, unsigned long pages);

/* update_va_mapping(va, mfn | flags, UVMF_INVLPG). */
long mm_map(unsigned long va, unsigned long mfn, uint64_t flags);
long mm_unmap(unsigned long va);
/* A free VA mapping pfn with flags, or NULL. */
void *mm_map_pfn(unsigned long pfn, uint64_t flags);
#endif
