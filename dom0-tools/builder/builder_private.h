/*
 * What the builder's own files share: the start-of-day page tables
 * (page_tables.c) that domu_build.c lays out and writes.
 */
#ifndef BUILDER_PRIVATE_H
#define BUILDER_PRIVATE_H
#include <builder/domu_build.h>
#include <stdbool.h>

/* The tables of one level of a mapping: `count` tables from pfn `pfn`
 * covering [from, to]. */
struct builder_level {
    uint64_t from, to, pfn, count;
};

/* Virtual addresses [from, to] mapped to the pfns from `pfn` on, with the
 * nr_tables page-table pages it adds from table_pfn on (level[1..4]). */
struct builder_mapping {
    uint64_t from, to, pfn;
    uint64_t table_pfn, nr_tables;
    struct builder_level level[5];
};

struct builder_tables {
    struct builder_mapping map[2];
    unsigned int nr_maps;
};

/* Plans a mapping after those of t (not yet added): 0, or -EINVAL if it
 * overlaps one of them. */
int builder_mapping_plan(const struct builder_tables *t, struct builder_mapping *m, uint64_t from,
                         uint64_t to, uint64_t pfn, uint64_t table_pfn);
void builder_mapping_add(struct builder_tables *t, const struct builder_mapping *m);
bool builder_pfn_is_table(const struct builder_tables *t, uint64_t pfn);
/* The 512 entries of the k-th level-`level` table of m. */
void builder_table_fill(const struct builder_tables *t, const struct builder_mapping *m,
                        unsigned int level, uint64_t k, const xen_pfn_t *p2m, uint64_t *entries);
#endif
