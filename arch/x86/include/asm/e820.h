/*
 * The machine memory map (BIOS E820 form) and its sanitizer: loaders hand
 * over maps with overlapping, unaligned and unsorted entries; hv works from
 * a sorted, non-overlapping map whose RAM ranges are whole pages.
 */
#ifndef ASM_E820_H
#define ASM_E820_H
#include <hv/types.h>

#define E820_MAX 128

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5

struct e820entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
};

struct e820map {
    unsigned int nr;
    struct e820entry map[E820_MAX];
};

/*
 * Builds out from nr raw entries: zero-sized and wrapping entries dropped,
 * overlaps resolved in favour of the higher type (anything beats RAM),
 * RAM shrunk to whole pages, neighbours of one type merged, sorted.
 * Returns the number of raw entries that were dropped or changed.
 */
int e820_sanitize(const struct e820entry *raw, unsigned int nr, struct e820map *out);
uint64_t e820_ram_bytes(const struct e820map *m);
const char *e820_type_name(uint32_t type);
/*
 * Does frame mfn lie in an E820_UNUSABLE range above the first MiB?  Xen
 * keeps those from the hardware domain (its dom0_setup_permissions); the
 * first MiB stays dom0's whatever the map says.
 */
bool e820_mfn_unusable_above_1m(const struct e820map *m, uint64_t mfn);
/* ... any frame of [first, last]. */
bool e820_range_unusable_above_1m(const struct e820map *m, uint64_t first, uint64_t last);

#ifndef HOST_TEST
/* Is machine frame mfn RAM, by the sanitized map hv booted with? */
bool arch_mfn_is_ram(uint64_t mfn);
/* e820_mfn_unusable_above_1m() of the map hv booted with. */
bool arch_mfn_is_unusable(uint64_t mfn);
bool arch_mfn_range_has_unusable(uint64_t first, uint64_t last);
/* The CPU's physical address width (CPUID 0x80000008), 36 if unknown. */
extern unsigned int cpu_phys_addr_bits;
#endif
#endif
