/*
 * Sets of inclusive 64-bit ranges (Xen's rangesets): what I/O memory a
 * domain may map, given by the control domain through iomem_permission.
 * Kept sorted, merged and bounded in size (a full set refuses more with
 * -ENOMEM, as an allocation failure would on Xen).  The caller serialises.
 */
#ifndef HV_RANGESET_H
#define HV_RANGESET_H
#include <hv/types.h>

#define RANGESET_MAX 64

struct rangeset {
    unsigned int nr;
    struct {
        uint64_t first, last;
    } r[RANGESET_MAX];
};

/* 0, or -ENOMEM if the set would need more than RANGESET_MAX ranges. */
int rangeset_add(struct rangeset *s, uint64_t first, uint64_t last);
int rangeset_remove(struct rangeset *s, uint64_t first, uint64_t last);
/* Is every value of [first, last] in the set? */
bool rangeset_contains(const struct rangeset *s, uint64_t first, uint64_t last);
/* Is any value of [first, last] in the set? */
bool rangeset_overlaps(const struct rangeset *s, uint64_t first, uint64_t last);
#endif
