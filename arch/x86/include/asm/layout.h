/*
 * hv's virtual address layout (DESIGN §2.3).  hv owns L4 slots 256-271
 * (0xffff800000000000-0xffff87ffffffffff) of every address space:
 *
 *   slot 256        read-only M2P (machine-to-phys table), for guests
 *   slot 261        ioremap area, per-CPU GDT windows, then hv's image
 *   slots 262-271   direct map of all machine RAM (5 TiB)
 *
 * The image is loaded at HV_PHYS_START and runs at HV_VIRT_BASE + physical.
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#ifdef __ASSEMBLY__
#define _AC(x, s) x
#else
#define _AC(x, s) x##s
#endif

#define HV_SLOT_FIRST      256
#define HV_SLOT_LAST       271
#define HV_RESERVED_START  _AC(0xffff800000000000, UL)
#define HV_RESERVED_LAST   _AC(0xffff87ffffffffff, UL)
#define RO_MPT_VIRT_START  _AC(0xffff800000000000, UL)
#define IOREMAP_VIRT_START _AC(0xffff82c000000000, UL)
#define IOREMAP_VIRT_SIZE  _AC(0x0000000040000000, UL)
/*
 * Each CPU's GDT is a 16-page window (Xen's layout): pages 0-13 show the
 * running vCPU's GDT frames (set_gdt) or a zero page, pages 14-15 hold
 * hv's descriptors.  The CPU's 16-page LDT window follows it (pages of the
 * running vCPU's LDT, mapped as the CPU first reads them: arch/x86/pv/ldt.c).
 */
#define GDT_VIRT_START       _AC(0xffff82c080000000, UL)
#define GDT_VIRT_STRIDE      _AC(0x20000, UL)
#define LDT_WINDOW_OFFSET    _AC(0x10000, UL)
#define LDT_PAGES            16
#define HV_VIRT_BASE         _AC(0xffff82d040000000, UL)
#define HV_PHYS_START        _AC(0x200000, UL)
#define DIRECTMAP_VIRT_START _AC(0xffff830000000000, UL)
#define DIRECTMAP_VIRT_END   _AC(0xffff880000000000, UL)

/*
 * Each CPU runs on one stack block, aligned to its size: the IST stacks
 * (#MC, #DF, NMI, #DB; 8 KiB each) at the bottom, the primary stack above
 * them, and at the very top STACK_INFO_SIZE bytes holding the CPU's
 * struct percpu pointer.  hv finds its per-CPU data from the stack pointer
 * alone, because a PV guest owns the GS base while it runs and `syscall`
 * does not switch stacks.
 */
#define STACK_BLOCK_ORDER 4
#define STACK_BLOCK_SIZE  (4096 << STACK_BLOCK_ORDER)
#define IST_STACK_SIZE    8192
#define STACK_INFO_SIZE   16

#define NR_CPUS 64

/* The real-mode trampoline for secondary CPUs lives at this physical page. */
#define TRAMPOLINE_PHYS _AC(0x8000, UL)

#ifndef __ASSEMBLY__
#include <hv/types.h>
/* 48-bit virtual addresses: bits 63-47 all equal. */
static inline bool is_canonical_address(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}
#ifdef HOST_TEST
/* Unit tests give hv code a block of their own memory as "machine memory". */
extern uint8_t *host_machine_memory;
static inline void *__va(paddr_t pa)
{
    return host_machine_memory + pa;
}
static inline paddr_t __pa(const void *va)
{
    return (paddr_t)((const uint8_t *)va - host_machine_memory);
}
#else
static inline void *__va(paddr_t pa)
{
    return (void *)(pa + DIRECTMAP_VIRT_START);
}
static inline paddr_t __pa(const void *va)
{
    uint64_t v = (uint64_t)va;
    if (v >= HV_VIRT_BASE && v < HV_VIRT_BASE + 0x40000000UL)
        return v - HV_VIRT_BASE;
    return v - DIRECTMAP_VIRT_START;
}
#endif /* HOST_TEST */
#endif
#endif
