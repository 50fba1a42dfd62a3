/* The E820 sanitizer (see asm/e820.h). */
#include <asm/e820.h>

static void sort_u64(uint64_t *v, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++) {
        uint64_t x = v[i];
        unsigned int j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Adds [start, end) to out, merging with the last entry; false if out is full. */
static bool append(struct e820map *out, uint64_t start, uint64_t end, uint32_t type)
{
    if (end <= start)
        return true;
    if (out->nr) {
        struct e820entry *last = &out->map[out->nr - 1];
        if (last->type == type && last->addr + last->size == start) {
            last->size = end - last->addr;
            return true;
        }
    }
    if (out->nr == E820_MAX)
        return false;
    out->map[out->nr++] = (struct e820entry){start, end - start, type};
    return true;
}

int e820_sanitize(const struct e820entry *raw, unsigned int nr, struct e820map *out)
{
    static uint64_t points[2 * E820_MAX];
    struct e820map tmp;
    unsigned int np = 0, changed = 0;

    if (nr > E820_MAX) {
        changed += nr - E820_MAX;
        nr = E820_MAX;
    }
    for (unsigned int i = 0; i < nr; i++) {
        if (raw[i].size == 0 || raw[i].addr + raw[i].size < raw[i].addr) {
            changed++;
            continue;
        }
        points[np++] = raw[i].addr;
        points[np++] = raw[i].addr + raw[i].size;
    }
    sort_u64(points, np);

    /* Each elementary interval takes the highest type of the entries covering it. */
    tmp.nr = 0;
    for (unsigned int k = 0; k + 1 < np; k++) {
        uint64_t s = points[k], e = points[k + 1];
        uint32_t type = 0;
        unsigned int covering = 0;
        if (s == e)
            continue;
        for (unsigned int i = 0; i < nr; i++) {
            const struct e820entry *r = &raw[i];
            if (r->size == 0 || r->addr + r->size < r->addr)
                continue;
            if (r->addr <= s && r->addr + r->size >= e) {
                covering++;
                if (r->type > type)
                    type = r->type;
            }
        }
        if (covering > 1)
            changed++;
        if (type && !append(&tmp, s, e, type))
            changed++; /* more distinct ranges than E820_MAX: this one is lost */
    }

    /* RAM is only usable in whole pages. */
    out->nr = 0;
    for (unsigned int i = 0; i < tmp.nr; i++) {
        struct e820entry *r = &tmp.map[i];
        if (r->type == E820_RAM) {
            uint64_t s = ROUNDUP(r->addr, PAGE_SIZE);
            uint64_t e = ROUNDDOWN(r->addr + r->size, PAGE_SIZE);
            if (s != r->addr || e != r->addr + r->size)
                changed++;
            if (!append(out, s, e, E820_RAM))
                changed++;
        } else if (!append(out, r->addr, r->addr + r->size, r->type)) {
            changed++;
        }
    }
    return (int)changed;
}

uint64_t e820_ram_bytes(const struct e820map *m)
{
    uint64_t total = 0;
    for (unsigned int i = 0; i < m->nr; i++)
        if (m->map[i].type == E820_RAM)
            total += m->map[i].size;
    return total;
}

const char *e820_type_name(uint32_t type)
{
    switch (type) {
    case E820_RAM:
        return "usable";
    case E820_RESERVED:
        return "reserved";
    case E820_ACPI:
        return "ACPI data";
    case E820_NVS:
        return "ACPI NVS";
    case E820_UNUSABLE:
        return "unusable";
    default:
        return "unknown";
    }
}

bool e820_range_unusable_above_1m(const struct e820map *m, uint64_t first, uint64_t last)
{
    if (first < 0x100)
        first = 0x100;
    if (first > last)
        return false;
    for (unsigned int i = 0; i < m->nr; i++) {
        const struct e820entry *e = &m->map[i];
        if (e->type == E820_UNUSABLE && e->size && last >= e->addr >> PAGE_SHIFT &&
            first <= (e->addr + e->size - 1) >> PAGE_SHIFT)
            return true;
    }
    return false;
}

bool e820_mfn_unusable_above_1m(const struct e820map *m, uint64_t mfn)
{
    return e820_range_unusable_above_1m(m, mfn, mfn);
}
