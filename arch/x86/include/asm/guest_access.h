/*
 * hv's access to guest virtual memory.  Guest input is hostile: addresses
 * are checked to be canonical, outside hv's slots 256-271 and not wrapping
 * before any access; the access itself runs between stac and clac (SMAP)
 * and a fault on it is caught by the exception table and reported, never
 * taken as hv's own crash.
 */
#ifndef ASM_GUEST_ACCESS_H
#define ASM_GUEST_ACCESS_H
#include <hv/types.h>

/* Is [addr, addr + len) a range a PV guest may name? */
bool guest_range_ok(uint64_t addr, uint64_t len);

/* 0, or -EFAULT (as a positive 14) when the range is bad or faults. */
int copy_from_guest(void *dst, uint64_t guest_src, size_t len);
int copy_to_guest(uint64_t guest_dst, const void *src, size_t len);

/* The raw copies: the number of bytes not copied (0 on success). */
unsigned long raw_copy_guest(void *dst, const void *src, unsigned long len);

/* Finds the fixup of a faulting hv instruction; 0 if there is none. */
uint64_t search_exception_table(uint64_t rip);
extern bool cpu_has_smap;
/* Per CPU: x87/SSE/XSAVE state enabled for guests; SMEP and SMAP on where present. */
void cpu_features_init(void);
#endif
