/*
 * hv's heap: xmalloc/xfree for hv objects.  Requests up to 2 KiB come from
 * pages carved into one size class each (16 bytes to 2 KiB, powers of two);
 * larger ones get whole page blocks with a header.  Every page starts with a
 * header naming which of the two it is, so xfree needs no size.  Counters
 * (heap_get_stats) let tests and the `m` debug key watch for leaks; a small
 * block counts as its class size in bytes_in_use.
 */
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <string.h>

#define SMALL_MIN_SHIFT  4
#define SMALL_CLASSES    8 /* 16 .. 2048 */
#define HEAP_MAGIC_SMALL 0x68656170736d6c6cULL
#define HEAP_MAGIC_LARGE 0x686561706c726765ULL

struct heap_page {
    uint64_t magic;
    struct heap_page *next, *prev; /* pages of this class with free slots */
    void *free_list;
    uint32_t size_class;
    uint32_t in_use;
    uint32_t capacity;
    uint32_t pad;
};

struct large_header {
    uint64_t magic;
    uint32_t order;
    uint32_t pad;
    uint64_t size;
    uint64_t pad2[5]; /* 64 bytes: keeps the caller's block 64-byte aligned */
};

#define SMALL_HEADER_SIZE 64

static const struct heap_page_source *source;
static struct heap_page *partial[SMALL_CLASSES];
static struct heap_stats stats;
static spinlock_t heap_lock = SPINLOCK_INIT;

void heap_init(const struct heap_page_source *src)
{
    source = src;
    memset(partial, 0, sizeof(partial));
    memset(&stats, 0, sizeof(stats));
}

static unsigned int class_of(size_t size)
{
    unsigned int c = 0;
    while ((1UL << (c + SMALL_MIN_SHIFT)) < size)
        c++;
    return c;
}

static void unlink_page(struct heap_page *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        partial[p->size_class] = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->next = p->prev = NULL;
}

static void link_page(struct heap_page *p)
{
    p->prev = NULL;
    p->next = partial[p->size_class];
    if (p->next)
        p->next->prev = p;
    partial[p->size_class] = p;
}

static struct heap_page *new_small_page(unsigned int c)
{
    struct heap_page *p = source->alloc(0);
    if (!p)
        return NULL;
    size_t obj = 1UL << (c + SMALL_MIN_SHIFT);
    p->magic = HEAP_MAGIC_SMALL;
    p->size_class = c;
    p->in_use = 0;
    p->capacity = (uint32_t)((PAGE_SIZE - SMALL_HEADER_SIZE) / obj);
    p->free_list = NULL;
    char *base = (char *)p + SMALL_HEADER_SIZE;
    for (int i = (int)p->capacity - 1; i >= 0; i--) {
        void **slot = (void **)(base + (size_t)i * obj);
        *slot = p->free_list;
        p->free_list = slot;
    }
    stats.pages_held++;
    link_page(p);
    return p;
}

static void xfree_locked(void *ptr);

static void *xmalloc_locked(size_t size)
{
    if (size == 0)
        size = 1;
    if (size <= (1UL << (SMALL_MIN_SHIFT + SMALL_CLASSES - 1))) {
        unsigned int c = class_of(size);
        struct heap_page *p = partial[c];
        if (!p && !(p = new_small_page(c)))
            return NULL;
        void **slot = p->free_list;
        p->free_list = *slot;
        if (++p->in_use == p->capacity)
            unlink_page(p);
        /* Small blocks count as their class size: that is what xfree sees. */
        stats.bytes_in_use += 1UL << (c + SMALL_MIN_SHIFT);
        stats.allocations++;
        stats.total_allocs++;
        return slot;
    }
    if (size > (1ULL << 40))
        return NULL;
    unsigned int order = 0;
    while ((PAGE_SIZE << order) < size + sizeof(struct large_header))
        order++;
    struct large_header *h = source->alloc(order);
    if (!h)
        return NULL;
    h->magic = HEAP_MAGIC_LARGE;
    h->order = order;
    h->size = size;
    stats.pages_held += 1UL << order;
    stats.bytes_in_use += size;
    stats.allocations++;
    stats.total_allocs++;
    return h + 1;
}

void *xmalloc(size_t size)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    void *p = xmalloc_locked(size);
    spin_unlock_irqrestore(&heap_lock, flags);
    return p;
}

void xfree(void *ptr)
{
    if (!ptr)
        return;
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    xfree_locked(ptr);
    spin_unlock_irqrestore(&heap_lock, flags);
}

void *xzalloc(size_t size)
{
    void *p = xmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

static void xfree_locked(void *ptr)
{
    uintptr_t page = (uintptr_t)ptr & ~(PAGE_SIZE - 1);
    if ((uintptr_t)ptr == page + sizeof(struct large_header) &&
        ((struct large_header *)page)->magic == HEAP_MAGIC_LARGE) {
        struct large_header *h = (void *)page;
        stats.bytes_in_use -= h->size;
        stats.pages_held -= 1UL << h->order;
        stats.allocations--;
        stats.total_frees++;
        h->magic = 0;
        source->free(h, h->order);
        return;
    }
    struct heap_page *p = (void *)page;
    if (p->magic != HEAP_MAGIC_SMALL)
        return; /* not ours: ignore rather than corrupt */
    size_t obj = 1UL << (p->size_class + SMALL_MIN_SHIFT);
    bool was_full = p->in_use == p->capacity;
    void **slot = ptr;
    *slot = p->free_list;
    p->free_list = slot;
    p->in_use--;
    stats.bytes_in_use -= obj;
    stats.allocations--;
    stats.total_frees++;
    if (was_full)
        link_page(p);
    if (p->in_use == 0) {
        unlink_page(p);
        p->magic = 0;
        stats.pages_held--;
        source->free(p, 0);
    }
}

void heap_get_stats(struct heap_stats *s)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    *s = stats;
    spin_unlock_irqrestore(&heap_lock, flags);
}
