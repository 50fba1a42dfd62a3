/*
 * The start-of-day page tables of a PV domU, laid out as libxc's
 * count_pgtables and setup_pgtables lay them out: the initial mapping from
 * the kernel's virtual base (its tables L4 first, then the L3s, L2s and
 * L1s), and, for a kernel whose INIT_P2M note places the P2M outside that
 * mapping, a second mapping of the P2M alone.  The second mapping shares
 * the L4 and every table whose range the first one already has, so its
 * own tables are only those the first lacks; they are not mapped anywhere.
 * Addresses here are 48-bit (sign extension dropped), as libxc masks them.
 */
#include "builder_private.h"

#define VADDR_MASK ((1UL << 48) - 1)
#define PTE_RW     0x002UL
#define L1_PROT    0x023UL /* present, RW, accessed */
#define LN_PROT    0x067UL /* present, RW, user, accessed, dirty */

/* A level-l table covers 2^(12 + 9l) bytes; one entry of it 2^(3 + 9l). */
static unsigned int table_shift(unsigned int level)
{
    return 12 + 9 * level;
}

int builder_mapping_plan(const struct builder_tables *t, struct builder_mapping *m, uint64_t from,
                         uint64_t to, uint64_t pfn, uint64_t table_pfn)
{
    from &= VADDR_MASK;
    to &= VADDR_MASK;
    for (unsigned int i = 0; i < t->nr_maps; i++)
        if (from < t->map[i].to && to > t->map[i].from)
            return -XEN_EINVAL;
    *m = (struct builder_mapping){.from = from, .to = to, .pfn = pfn, .table_pfn = table_pfn};
    for (unsigned int l = 4; l >= 1; l--) {
        struct builder_level *lv = &m->level[l];
        lv->pfn = table_pfn + m->nr_tables;
        if (l == 4) {
            /* One L4, in the first mapping. */
            if (t->nr_maps == 0) {
                *lv = (struct builder_level){
                    .from = 0, .to = VADDR_MASK, .pfn = table_pfn, .count = 1};
                m->nr_tables++;
            }
            continue;
        }
        uint64_t mask = (1UL << table_shift(l)) - 1;
        lv->from = from & ~mask;
        lv->to = to | mask;
        /* Tables an earlier mapping has already are not made again. */
        for (unsigned int i = 0; i < t->nr_maps; i++) {
            const struct builder_level *other = &t->map[i].level[l];
            if (!other->count)
                continue;
            if (lv->from >= other->from && lv->to <= other->to) {
                lv->from = lv->to = 0;
                break;
            }
            if (lv->from >= other->from && lv->from <= other->to)
                lv->from = other->to + 1;
            if (lv->to >= other->from && lv->to <= other->to)
                lv->to = other->from - 1;
        }
        lv->count = lv->from < lv->to ? ((lv->to - lv->from) >> table_shift(l)) + 1 : 0;
        m->nr_tables += lv->count;
    }
    return 0;
}

void builder_mapping_add(struct builder_tables *t, const struct builder_mapping *m)
{
    t->map[t->nr_maps++] = *m;
}

bool builder_pfn_is_table(const struct builder_tables *t, uint64_t pfn)
{
    for (unsigned int i = 0; i < t->nr_maps; i++)
        if (pfn >= t->map[i].table_pfn && pfn < t->map[i].table_pfn + t->map[i].nr_tables)
            return true;
    return false;
}

/* The pfn that maps va one level below `level` (a table, or at level 1 a page); false if none. */
static bool child_pfn(const struct builder_tables *t, unsigned int level, uint64_t va,
                      uint64_t *pfn)
{
    for (unsigned int i = 0; i < t->nr_maps; i++) {
        const struct builder_mapping *m = &t->map[i];
        if (level == 1) {
            if (va >= m->from && va <= m->to) {
                *pfn = m->pfn + ((va - m->from) >> 12);
                return true;
            }
            continue;
        }
        const struct builder_level *lv = &m->level[level - 1];
        if (lv->count && va >= lv->from && va <= lv->to) {
            *pfn = lv->pfn + ((va - lv->from) >> table_shift(level - 1));
            return true;
        }
    }
    return false;
}

void builder_table_fill(const struct builder_tables *t, const struct builder_mapping *m,
                        unsigned int level, uint64_t k, const xen_pfn_t *p2m, uint64_t *entries)
{
    uint64_t base = m->level[level].from + (k << table_shift(level));
    for (unsigned int i = 0; i < 512; i++) {
        uint64_t va = base + ((uint64_t)i << table_shift(level - 1)), pfn;
        entries[i] = 0;
        if (!child_pfn(t, level, va, &pfn))
            continue;
        uint64_t prot = level > 1 ? LN_PROT : L1_PROT;
        /* Page tables are mapped read-only, as a PV guest's must be. */
        if (level == 1 && builder_pfn_is_table(t, pfn))
            prot &= ~PTE_RW;
        entries[i] = ((uint64_t)p2m[pfn] << 12) | prot;
    }
}
