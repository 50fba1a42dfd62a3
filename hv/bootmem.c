/*
 * The boot allocator: free RAM as a list of ranges, with the ranges hv must
 * not touch (its image, the boot modules, the loader's data, the first MiB)
 * cut out.  It serves the page tables and the frame table before the buddy
 * allocator exists, then hands everything left to it.
 */
#include <hv/mm.h>
#include <hv/console.h>

#define BOOTMEM_RANGES 256

struct range {
    paddr_t start, end;
};

static struct range ranges[BOOTMEM_RANGES];
static unsigned int nr_ranges;

void bootmem_add_range(paddr_t start, paddr_t end)
{
    start = ROUNDUP(start, PAGE_SIZE);
    end = ROUNDDOWN(end, PAGE_SIZE);
    if (end <= start || nr_ranges == BOOTMEM_RANGES)
        return;
    unsigned int i = nr_ranges++;
    while (i > 0 && ranges[i - 1].start > start) {
        ranges[i] = ranges[i - 1];
        i--;
    }
    ranges[i] = (struct range){start, end};
}

void bootmem_reserve(paddr_t start, paddr_t end)
{
    start = ROUNDDOWN(start, PAGE_SIZE);
    end = ROUNDUP(end, PAGE_SIZE);
    for (unsigned int i = 0; i < nr_ranges; i++) {
        struct range *r = &ranges[i];
        if (end <= r->start || start >= r->end)
            continue;
        if (start > r->start && end < r->end) {
            /* Punch a hole: split in two. */
            paddr_t tail_start = end, tail_end = r->end;
            r->end = start;
            bootmem_add_range(tail_start, tail_end);
            return;
        }
        if (start <= r->start)
            r->start = end < r->end ? end : r->end;
        else
            r->end = start;
    }
}

paddr_t bootmem_alloc(unsigned long nr_pages, paddr_t below)
{
    uint64_t bytes = (uint64_t)nr_pages << PAGE_SHIFT;
    for (int i = (int)nr_ranges - 1; i >= 0; i--) {
        struct range *r = &ranges[i];
        paddr_t end = r->end < below ? r->end : below;
        if (end <= r->start || end - r->start < bytes)
            continue;
        paddr_t pa = end - bytes;
        bootmem_reserve(pa, end);
        return pa;
    }
    return 0;
}

void bootmem_dump(void)
{
    for (unsigned int i = 0; i < nr_ranges; i++)
        if (ranges[i].end > ranges[i].start)
            printk(XENLOG_DEBUG " bootmem free %016lx - %016lx\n", ranges[i].start, ranges[i].end);
}

/* Gives every remaining range to the buddy allocator; bootmem is done. */
void bootmem_release(struct buddy *b)
{
    for (unsigned int i = 0; i < nr_ranges; i++)
        if (ranges[i].end > ranges[i].start)
            buddy_add_range(b, ranges[i].start >> PAGE_SHIFT, ranges[i].end >> PAGE_SHIFT);
    nr_ranges = 0;
}
