/* TLB flushes on this and other CPUs (arch/x86/flush.c). */
#ifndef ASM_FLUSH_H
#define ASM_FLUSH_H
#include <hv/types.h>

/* Flushes this CPU's TLB, global entries included. */
void flush_tlb_global_local(void);
/* Flushes the TLBs of the CPUs in `cpus` (bit per CPU), waiting for them. */
void flush_tlb_mask(uint64_t cpus);
/* Serves flush requests aimed at this CPU (also from its IPI). */
void flush_service(void);
void flush_init(void);
#endif
