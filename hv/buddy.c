/*
 * The buddy allocator (see include/hv/mm.h).  Free blocks are kept on
 * doubly linked lists per order, threaded through the frame table; a free
 * block's head frame has owner OWNER_FREE and its order, so a freed block
 * can find and merge with its buddy in constant time.
 */
#include <hv/mm.h>

static inline bool is_free_head(const struct buddy *b, uint64_t mfn, unsigned int order)
{
    return mfn < b->nr_frames && b->frames[mfn].owner == OWNER_FREE &&
           b->frames[mfn].order == order;
}

static void list_add(struct buddy *b, uint64_t mfn, unsigned int order)
{
    struct page_info *pg = &b->frames[mfn];
    pg->owner = OWNER_FREE;
    pg->order = (uint8_t)order;
    pg->prev = PAGE_LIST_NULL;
    pg->next = b->free_head[order];
    if (pg->next != PAGE_LIST_NULL)
        b->frames[pg->next].prev = (uint32_t)mfn;
    b->free_head[order] = (uint32_t)mfn;
}

static void list_del(struct buddy *b, uint64_t mfn, unsigned int order)
{
    struct page_info *pg = &b->frames[mfn];
    if (pg->prev != PAGE_LIST_NULL)
        b->frames[pg->prev].next = pg->next;
    else
        b->free_head[order] = pg->next;
    if (pg->next != PAGE_LIST_NULL)
        b->frames[pg->next].prev = pg->prev;
    pg->owner = OWNER_NONE;
    pg->next = pg->prev = PAGE_LIST_NULL;
}

void buddy_init(struct buddy *b, struct page_info *frames, uint64_t nr_frames)
{
    b->frames = frames;
    b->nr_frames = nr_frames;
    b->free_pages = 0;
    b->total_pages = 0;
    for (unsigned int i = 0; i <= BUDDY_MAX_ORDER; i++)
        b->free_head[i] = PAGE_LIST_NULL;
}

void buddy_free(struct buddy *b, uint64_t mfn, unsigned int order)
{
    b->free_pages += 1ULL << order;
    while (order < BUDDY_MAX_ORDER) {
        uint64_t buddy = mfn ^ (1ULL << order);
        if (!is_free_head(b, buddy, order))
            break;
        list_del(b, buddy, order);
        mfn &= ~(1ULL << order);
        order++;
    }
    list_add(b, mfn, order);
}

void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end)
{
    if (end > b->nr_frames)
        end = b->nr_frames;
    while (start < end) {
        unsigned int order = 0;
        /* The largest block aligned at start that still fits. */
        while (order < BUDDY_MAX_ORDER && !(start & (1ULL << order)) &&
               start + (2ULL << order) <= end)
            order++;
        for (uint64_t i = 0; i < (1ULL << order); i++)
            b->frames[start + i].owner = OWNER_NONE;
        b->total_pages += 1ULL << order;
        buddy_free(b, start, order);
        start += 1ULL << order;
    }
}

uint64_t buddy_alloc(struct buddy *b, unsigned int order)
{
    unsigned int o = order;
    if (order > BUDDY_MAX_ORDER)
        return UINT64_MAX;
    while (o <= BUDDY_MAX_ORDER && b->free_head[o] == PAGE_LIST_NULL)
        o++;
    if (o > BUDDY_MAX_ORDER)
        return UINT64_MAX;
    uint64_t mfn = b->free_head[o];
    list_del(b, mfn, o);
    /* Split: give back the upper halves. */
    while (o > order) {
        o--;
        list_add(b, mfn + (1ULL << o), o);
    }
    b->free_pages -= 1ULL << order;
    return mfn;
}

const char *buddy_check(const struct buddy *b)
{
    uint64_t counted = 0;
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++) {
        uint32_t prev = PAGE_LIST_NULL;
        for (uint32_t m = b->free_head[o]; m != PAGE_LIST_NULL; m = b->frames[m].next) {
            const struct page_info *pg = &b->frames[m];
            if (m >= b->nr_frames || m + (1ULL << o) > b->nr_frames)
                return "free block outside the frame table";
            if (pg->owner != OWNER_FREE || pg->order != o)
                return "free-list entry not marked as a free head of its order";
            if (m & ((1ULL << o) - 1))
                return "free block not aligned to its order";
            if (pg->prev != prev)
                return "broken back link";
            for (uint64_t i = 1; i < (1ULL << o); i++)
                if (b->frames[m + i].owner == OWNER_FREE)
                    return "free head inside another free block";
            if (o < BUDDY_MAX_ORDER && is_free_head(b, m ^ (1ULL << o), o))
                return "two free buddies not merged";
            counted += 1ULL << o;
            prev = m;
        }
    }
    if (counted != b->free_pages)
        return "free page count does not match the lists";
    return NULL;
}
