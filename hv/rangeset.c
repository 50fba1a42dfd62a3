/*
 * Range sets (include/hv/rangeset.h): a sorted array of disjoint,
 * non-adjacent inclusive ranges.  Adding merges every range it touches;
 * removing trims or splits them.  Both check the room they need before
 * changing anything, so a refused change leaves the set as it was.
 */
#include <hv/rangeset.h>
#include <hv/errno.h>
#include <string.h>

/* The first range whose end is at or after v (s->nr if none). */
static unsigned int first_ending_at_or_after(const struct rangeset *s, uint64_t v)
{
    unsigned int i = 0;
    while (i < s->nr && s->r[i].last < v)
        i++;
    return i;
}

int rangeset_add(struct rangeset *s, uint64_t first, uint64_t last)
{
    if (first > last)
        return -EINVAL;
    /* Ranges touching [first, last] (overlapping or adjacent) merge with it. */
    unsigned int i = first ? first_ending_at_or_after(s, first - 1) : 0, j = i;
    while (j < s->nr && (last == UINT64_MAX || s->r[j].first <= last + 1))
        j++;
    if (i == j) {
        if (s->nr == RANGESET_MAX)
            return -ENOMEM;
        memmove(&s->r[i + 1], &s->r[i], (s->nr - i) * sizeof(s->r[0]));
        s->r[i].first = first;
        s->r[i].last = last;
        s->nr++;
        return 0;
    }
    if (s->r[i].first < first)
        first = s->r[i].first;
    if (s->r[j - 1].last > last)
        last = s->r[j - 1].last;
    s->r[i].first = first;
    s->r[i].last = last;
    memmove(&s->r[i + 1], &s->r[j], (s->nr - j) * sizeof(s->r[0]));
    s->nr -= j - i - 1;
    return 0;
}

int rangeset_remove(struct rangeset *s, uint64_t first, uint64_t last)
{
    if (first > last)
        return -EINVAL;
    unsigned int i = first_ending_at_or_after(s, first);
    if (i == s->nr || s->r[i].first > last)
        return 0;
    /* One range holding [first, last] strictly inside splits in two. */
    if (s->r[i].first < first && s->r[i].last > last) {
        if (s->nr == RANGESET_MAX)
            return -ENOMEM;
        memmove(&s->r[i + 1], &s->r[i], (s->nr - i) * sizeof(s->r[0]));
        s->nr++;
        s->r[i].last = first - 1;
        s->r[i + 1].first = last + 1;
        return 0;
    }
    unsigned int keep_from = i;
    if (s->r[i].first < first) {
        s->r[i].last = first - 1; /* its head stays */
        keep_from = i + 1;
    }
    unsigned int j = keep_from;
    while (j < s->nr && s->r[j].last <= last)
        j++;
    if (j < s->nr && s->r[j].first <= last)
        s->r[j].first = last + 1; /* its tail stays */
    memmove(&s->r[keep_from], &s->r[j], (s->nr - j) * sizeof(s->r[0]));
    s->nr -= j - keep_from;
    return 0;
}

bool rangeset_contains(const struct rangeset *s, uint64_t first, uint64_t last)
{
    unsigned int i = first_ending_at_or_after(s, first);
    return i < s->nr && s->r[i].first <= first && s->r[i].last >= last;
}

bool rangeset_overlaps(const struct rangeset *s, uint64_t first, uint64_t last)
{
    unsigned int i = first_ending_at_or_after(s, first);
    return i < s->nr && s->r[i].first <= last;
}
