/*
 * Reading a start-of-day layout back (see layout_probe.h), for
 * conformance/start-of-day (dom0s Xen and hv build) and
 * conformance/builder-guest (domUs dom0-tools/builder builds).
 */
#include "layout_probe.h"
#include <pvkernel/kernel.h>
#include <pvkernel/mm.h>
#include <stdio.h>

unsigned long pfn_of(unsigned long va)
{
    return (va - VIRT_BASE) >> 12;
}

unsigned long fnv1a(unsigned long h, const unsigned char *p, unsigned long len)
{
    for (unsigned long i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3UL;
    return h;
}

long fnv1a_of_pfns(unsigned long pfn, unsigned long len, unsigned long *hash)
{
    unsigned long va = mm_alloc_va();
    if (!va)
        return -XEN_ENOMEM;
    unsigned long h = FNV1A_START;
    long rc = 0;
    for (; len && !rc; pfn++) {
        unsigned long n = len < PAGE_SIZE ? len : PAGE_SIZE;
        if ((rc = mm_map(va, pfn_to_mfn(pfn), PTE_P)))
            break;
        h = fnv1a(h, (const unsigned char *)va, n);
        len -= n;
    }
    long unmapped = mm_unmap(va);
    mm_free_va_range(va, 1);
    *hash = h;
    return rc ? rc : unmapped;
}

const char *entry_text(char *buf, size_t size, uint64_t e)
{
    snprintf(buf, size, "%#lx@pfn %#lx", PTE_FLAGS(e) & ~PTE_NX,
             mfn_to_pfn((e & PTE_ADDR_MASK) >> PAGE_SHIFT));
    return buf;
}

uint64_t table_entry(unsigned long mfn, unsigned int index)
{
    unsigned long va = mm_alloc_va();
    if (!va)
        return ~0UL;
    uint64_t e = mm_map(va, mfn, PTE_P) ? ~0UL : ((const uint64_t *)va)[index];
    mm_unmap(va);
    mm_free_va_range(va, 1);
    return e;
}
