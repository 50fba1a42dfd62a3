/*
 * The frame table and hv's page allocation on top of the buddy allocator
 * (see include/hv/mm.h).  Every machine frame below max_page has a
 * struct page_info; frames that are not RAM keep owner OWNER_NONE.
 */
#include <hv/mm.h>
#include <hv/console.h>
#include <hv/panic.h>
#include <hv/spinlock.h>
#include <asm/layout.h>
#include <string.h>

struct page_info *frame_table;
uint64_t max_page;
struct buddy machine_pages;
static spinlock_t buddy_lock = SPINLOCK_INIT;

static unsigned int order_for(unsigned long nr)
{
    unsigned int order = 0;
    while ((1UL << order) < nr)
        order++;
    return order;
}

static void *heap_source_alloc(unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&buddy_lock);
    uint64_t mfn = buddy_alloc(&machine_pages, order);
    spin_unlock_irqrestore(&buddy_lock, flags);
    if (mfn == UINT64_MAX)
        return NULL;
    for (uint64_t i = 0; i < (1ULL << order); i++)
        frame_table[mfn + i].owner = OWNER_HV;
    return __va(mfn << PAGE_SHIFT);
}

static void heap_source_free(void *p, unsigned int order)
{
    uint64_t mfn = __pa(p) >> PAGE_SHIFT;
    unsigned long flags = spin_lock_irqsave(&buddy_lock);
    buddy_free(&machine_pages, mfn, order);
    spin_unlock_irqrestore(&buddy_lock, flags);
}

static const struct heap_page_source page_source = {heap_source_alloc, heap_source_free};

uint64_t alloc_machine_pages(unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&buddy_lock);
    uint64_t mfn = buddy_alloc(&machine_pages, order);
    spin_unlock_irqrestore(&buddy_lock, flags);
    return mfn;
}

void free_machine_pages(uint64_t mfn, unsigned int order)
{
    for (uint64_t i = 0; i < (1ULL << order); i++)
        frame_table[mfn + i].owner = OWNER_NONE;
    unsigned long flags = spin_lock_irqsave(&buddy_lock);
    buddy_free(&machine_pages, mfn, order);
    spin_unlock_irqrestore(&buddy_lock, flags);
}

void *alloc_hv_pages(unsigned long nr)
{
    void *p = heap_source_alloc(order_for(nr));
    if (p)
        memset(p, 0, PAGE_SIZE << order_for(nr));
    return p;
}

void free_hv_pages(void *p, unsigned long nr)
{
    if (p)
        heap_source_free(p, order_for(nr));
}

void mm_init(uint64_t max_mfn)
{
    uint64_t bytes = ROUNDUP(max_mfn * sizeof(struct page_info), PAGE_SIZE);
    paddr_t pa = bootmem_alloc(bytes >> PAGE_SHIFT, UINT64_MAX);
    if (!pa)
        panic("no memory for a frame table of %lu frames", max_mfn);
    frame_table = __va(pa);
    max_page = max_mfn;
    for (uint64_t i = 0; i < max_mfn; i++)
        frame_table[i] =
            (struct page_info){.next = PAGE_LIST_NULL, .prev = PAGE_LIST_NULL, .owner = OWNER_NONE};
    buddy_init(&machine_pages, frame_table, max_mfn);
    bootmem_release(&machine_pages);
    const char *bad = buddy_check(&machine_pages);
    if (bad)
        panic("buddy allocator inconsistent after boot: %s", bad);
    heap_init(&page_source);
    paging_mm_ready();
    printk("Frame table: %lu frames, %lu KiB; %lu pages free for hv and domains\n", max_mfn,
           bytes >> 10, machine_pages.free_pages);
}

void mm_dump(void)
{
    struct heap_stats h;
    heap_get_stats(&h);
    unsigned long flags = spin_lock_irqsave(&buddy_lock);
    uint64_t free = machine_pages.free_pages, total = machine_pages.total_pages;
    uint32_t per_order[BUDDY_MAX_ORDER + 1];
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++) {
        per_order[o] = 0;
        for (uint32_t m = machine_pages.free_head[o]; m != PAGE_LIST_NULL; m = frame_table[m].next)
            per_order[o]++;
    }
    spin_unlock_irqrestore(&buddy_lock, flags);

    printk("Memory: %lu of %lu pages free (%lu MiB free)\n", free, total, free >> 8);
    printk("Free blocks by order:");
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        if (per_order[o])
            printk(" %u:%u", o, per_order[o]);
    printk("\n");
    printk("Heap: %lu bytes in %lu allocations, %lu pages held (%lu allocs, %lu frees)\n",
           h.bytes_in_use, h.allocations, h.pages_held, h.total_allocs, h.total_frees);
}
