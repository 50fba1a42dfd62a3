/* The machine-to-phys table (see asm/m2p.h). */
#include <asm/m2p.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>
#include <hv/console.h>
#include <hv/mm.h>
#include <hv/panic.h>

unsigned long *machine_to_phys;

void m2p_init(uint64_t nr_frames)
{
    uint64_t bytes = ROUNDUP(nr_frames * sizeof(unsigned long), PAGE_SIZE);
    unsigned long pages = bytes >> PAGE_SHIFT;
    machine_to_phys = alloc_hv_pages(pages);
    if (!machine_to_phys)
        panic("no memory for the M2P table (%lu pages)", pages);
    for (uint64_t i = 0; i < nr_frames; i++)
        machine_to_phys[i] = M2P_INVALID;
    map_guest_readonly(RO_MPT_VIRT_START, __pa(machine_to_phys), bytes);
    /* Guests see the slot itself read-only too, as on Xen. */
    hv_l4[HV_SLOT_FIRST] &= ~(uint64_t)_PAGE_RW;
    printk("M2P: %lu entries, read-only for guests at %#lx\n", nr_frames,
           (uint64_t)RO_MPT_VIRT_START);
}
