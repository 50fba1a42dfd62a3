/*
 * The per-CPU timer heap (see include/hv/timer.h): a binary min-heap of
 * timers by expiry, 1-based, each timer remembering its slot so that it can
 * be removed from the middle in O(log n).
 */
#include <hv/timer.h>

void timer_heap_init(struct timer_heap *h, struct timer **slots, unsigned int capacity)
{
    h->slots = slots;
    h->nr = 0;
    h->capacity = capacity;
}

static void place(struct timer_heap *h, unsigned int i, struct timer *t)
{
    h->slots[i] = t;
    t->heap_index = i;
}

static void sift_up(struct timer_heap *h, unsigned int i)
{
    struct timer *t = h->slots[i];
    while (i > 1 && h->slots[i / 2]->expires > t->expires) {
        place(h, i, h->slots[i / 2]);
        i /= 2;
    }
    place(h, i, t);
}

static void sift_down(struct timer_heap *h, unsigned int i)
{
    struct timer *t = h->slots[i];
    for (;;) {
        unsigned int child = 2 * i;
        if (child > h->nr)
            break;
        if (child + 1 <= h->nr && h->slots[child + 1]->expires < h->slots[child]->expires)
            child++;
        if (h->slots[child]->expires >= t->expires)
            break;
        place(h, i, h->slots[child]);
        i = child;
    }
    place(h, i, t);
}

bool timer_heap_insert(struct timer_heap *h, struct timer *t)
{
    if (t->heap_index || h->nr == h->capacity)
        return false;
    h->nr++;
    place(h, h->nr, t);
    sift_up(h, h->nr);
    return true;
}

bool timer_heap_remove(struct timer_heap *h, struct timer *t)
{
    unsigned int i = t->heap_index;
    if (i == 0 || i > h->nr || h->slots[i] != t)
        return false;
    struct timer *last = h->slots[h->nr--];
    t->heap_index = 0;
    if (last != t) {
        place(h, i, last);
        /* The moved timer may belong above or below its new slot. */
        if (i > 1 && h->slots[i / 2]->expires > last->expires)
            sift_up(h, i);
        else
            sift_down(h, i);
    }
    return true;
}

struct timer *timer_heap_peek(const struct timer_heap *h)
{
    return h->nr ? h->slots[1] : NULL;
}

struct timer *timer_heap_pop_expired(struct timer_heap *h, s_time_t now)
{
    struct timer *t = timer_heap_peek(h);
    if (!t || t->expires > now)
        return NULL;
    timer_heap_remove(h, t);
    return t;
}
