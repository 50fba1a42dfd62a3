/*
 * What the start-of-day kernels share for reading a layout back
 * (layout_probe.c): offsets as pfns from VIRT_BASE, FNV-1a hashes of bytes
 * in the initial mapping or of pages named by pfn, and page-table entries
 * read through read-only mappings, printed as flags and the pfn they name
 * (never machine addresses, so Xen's and hv's runs compare).
 */
#ifndef CONFORMANCE_LAYOUT_PROBE_H
#define CONFORMANCE_LAYOUT_PROBE_H
#include <stddef.h>
#include <stdint.h>

#define FNV1A_START 0xcbf29ce484222325UL

unsigned long pfn_of(unsigned long va);
/* A 64-bit FNV-1a hash carried on from h: enough to tell that two loaders
 * copied the same bytes. */
unsigned long fnv1a(unsigned long h, const unsigned char *p, unsigned long len);
/* The hash of len bytes from pfn on, a page at a time (mm_init() done):
 * 0 or -errno. */
long fnv1a_of_pfns(unsigned long pfn, unsigned long len, unsigned long *hash);
/* An entry as its flags and the pfn it points at: "0x67@pfn 0x1234". */
const char *entry_text(char *buf, size_t size, uint64_t e);
/* Entry `index` of the page-table page mfn (~0 if it cannot be mapped). */
uint64_t table_entry(unsigned long mfn, unsigned int index);
#endif
