/*
 * Machine memory: the frame table (one struct page_info per machine frame),
 * the boot allocator, the buddy allocator for hv and domain pages, and hv's
 * heap for small objects.
 */
#ifndef HV_MM_H
#define HV_MM_H
#include <hv/types.h>

#define OWNER_NONE 0xffffffffu /* not RAM, or not yet handed out */
#define OWNER_HV   0xfffffffeu /* hv's own pages */
#define OWNER_FREE 0xfffffffdu /* in the buddy allocator */

#define PAGE_LIST_NULL 0xffffffffu

/* Type field of type_info, as Xen has them (DESIGN §2.3). */
#define PGT_none       (0ULL << 60)
#define PGT_l1         (1ULL << 60)
#define PGT_l2         (2ULL << 60)
#define PGT_l3         (3ULL << 60)
#define PGT_l4         (4ULL << 60)
#define PGT_seg_desc   (5ULL << 60)
#define PGT_writable   (7ULL << 60)
#define PGT_type_mask  (7ULL << 60)
#define PGT_pinned     (1ULL << 59)
#define PGT_validated  (1ULL << 58)
#define PGT_count_mask ((1ULL << 40) - 1)

/* Flags of count_info above the general reference count. */
#define PGC_allocated (1ULL << 63) /* the owner's allocation reference is held */
#define PGC_relinquish_skip                                                                        \
    (1ULL << 62) /* teardown: no extra reference taken (hv/domain_kill.c)                          \
                  */
#define PGC_count_mask ((1ULL << 40) - 1)

struct page_info {
    uint32_t next, prev; /* free-list or owner-list links: frame numbers */
    uint32_t owner;      /* domain id, or one of OWNER_* */
    uint8_t order;       /* when the head of a free block: its order */
    uint8_t pad[3];
    uint64_t count_info; /* general reference count */
    uint64_t type_info;  /* PGT_* type, flags and type count */
};

/* The buddy allocator over a frame table; frame numbers are absolute. */
#define BUDDY_MAX_ORDER 20

struct buddy {
    struct page_info *frames; /* frames[mfn] for every mfn < nr_frames */
    uint64_t nr_frames;
    uint32_t free_head[BUDDY_MAX_ORDER + 1];
    uint64_t free_pages;
    uint64_t total_pages; /* ever handed to the allocator */
};

void buddy_init(struct buddy *b, struct page_info *frames, uint64_t nr_frames);
/* Adds [start, end) (frame numbers) as free memory. */
void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end);
/* Returns the first frame of 2^order free frames, or UINT64_MAX. */
uint64_t buddy_alloc(struct buddy *b, unsigned int order);
void buddy_free(struct buddy *b, uint64_t mfn, unsigned int order);
/* Checks every invariant; returns NULL or a description of the first broken one. */
const char *buddy_check(const struct buddy *b);

/* hv's heap. */
struct heap_stats {
    uint64_t bytes_in_use; /* as requested by callers */
    uint64_t allocations;  /* live */
    uint64_t pages_held;   /* taken from the page allocator */
    uint64_t total_allocs, total_frees;
};

struct heap_page_source {
    void *(*alloc)(unsigned int order);
    void (*free)(void *p, unsigned int order);
};

void heap_init(const struct heap_page_source *src);
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void xfree(void *p);
void heap_get_stats(struct heap_stats *s);

#ifndef HOST_TEST
extern struct page_info *frame_table;
extern uint64_t max_page;
extern struct buddy machine_pages;
void *alloc_hv_pages(unsigned long nr);
/* 2^order machine frames, not yet owned by anyone; UINT64_MAX if none. */
uint64_t alloc_machine_pages(unsigned int order);
void free_machine_pages(uint64_t mfn, unsigned int order);
void free_hv_pages(void *p, unsigned long nr);
void bootmem_add_range(paddr_t start, paddr_t end);
void bootmem_reserve(paddr_t start, paddr_t end);
paddr_t bootmem_alloc(unsigned long nr_pages, paddr_t below);
void bootmem_dump(void);
struct buddy;
void bootmem_release(struct buddy *b);
void mm_init(uint64_t max_mfn);
/* Arch hook: page tables may now come from the buddy allocator. */
void paging_mm_ready(void);
void mm_dump(void);
#endif
#endif
