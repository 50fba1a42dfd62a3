/* Symbol lookup over the table scripts/gen-symbols.sh generates at link time. */
#include <hv/symbols.h>
#include <stdio.h>

extern const uint64_t image_symbol_count;
extern const uint64_t image_symbol_addrs[];
extern const uint32_t image_symbol_name_offsets[];
extern const char image_symbol_names[];
extern const char __text_end[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
    uint64_t n = image_symbol_count;
    if (n == 0 || addr < image_symbol_addrs[0] || addr >= (uint64_t)__text_end)
        return NULL;
    uint64_t lo = 0, hi = n; /* the last symbol <= addr is in [lo, hi) */
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (image_symbol_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    /* Several names may share an address; any of them will do. */
    uint64_t next = lo + 1 < n ? image_symbol_addrs[lo + 1] : (uint64_t)__text_end;
    *offset = addr - image_symbol_addrs[lo];
    *size = next - image_symbol_addrs[lo];
    return image_symbol_names + image_symbol_name_offsets[lo];
}

void symbol_format(uint64_t addr, char *buf, size_t len)
{
    uint64_t off, size;
    const char *name = symbol_lookup(addr, &off, &size);
    if (name)
        snprintf(buf, len, "%s+%#lx/%#lx", name, off, size);
    else
        snprintf(buf, len, "%016lx", addr);
}
