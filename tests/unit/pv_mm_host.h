/*
 * Force-included into arch/x86/pv/mm.c built for the host (test_page_types,
 * see unit.mk): hv's machine-wide objects that the HOST_TEST build of its
 * headers leaves undeclared, which the test defines over its fake machine.
 */
#ifndef UNIT_PV_MM_HOST_H
#define UNIT_PV_MM_HOST_H
#include <hv/mm.h>

extern struct page_info *frame_table;
extern uint64_t max_page;
extern unsigned int cpu_phys_addr_bits;
bool arch_mfn_is_ram(uint64_t mfn);
#endif
