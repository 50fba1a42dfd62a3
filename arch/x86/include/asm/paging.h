/* hv's own page tables (arch/x86/paging.c). */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H
#include <hv/types.h>
#include <asm/e820.h>

#define PAGE_HV_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_HV_RO (_PAGE_PRESENT | _PAGE_ACCESSED)

extern uint64_t *hv_l4; /* hv's top-level table (direct-map address) */
extern paddr_t hv_l4_pa;
extern bool cpu_has_nx;

/* Builds hv's final page tables (no identity map) and switches to them. */
void paging_init(const struct e820map *map);
/* Maps machine memory [pa, pa+len) uncached (or cached) into the ioremap area. */
void *ioremap(paddr_t pa, size_t len, bool cached);
/* Returns the PTE of va in hv's tables, or NULL; for diagnostics. */
uint64_t *lookup_pte(uint64_t va, unsigned int *level);
/* Maps [pa, pa+len) read-only for guests (user-accessible) at va in hv's slots. */
void map_guest_readonly(uint64_t va, paddr_t pa, uint64_t len);
/* Maps the hv page at va (in hv's slots) to pa with flags; returns its PTE. */
uint64_t *map_hv_page(uint64_t va, paddr_t pa, uint64_t flags);
/* From now on page tables come from the buddy allocator. */
void paging_mm_ready(void);
#endif
