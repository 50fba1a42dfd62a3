/*
 * The machine-to-phys table (M2P): for every machine frame, the guest frame
 * number its owner knows it by.  Guests read it at RO_MPT_VIRT_START
 * (MACH2PHYS_VIRT_START of the ABI); hv writes it through the direct map.
 */
#ifndef ASM_M2P_H
#define ASM_M2P_H
#include <hv/types.h>

#define M2P_INVALID (~0UL)

extern unsigned long *machine_to_phys;
void m2p_init(uint64_t nr_frames);
static inline void set_gpfn_from_mfn(uint64_t mfn, unsigned long pfn)
{
    machine_to_phys[mfn] = pfn;
}
#endif
