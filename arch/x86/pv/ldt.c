/*
 * A PV guest's local descriptor table (DESIGN §7), as Xen keeps it.
 * MMUEXT_SET_LDT names a page-aligned linear address and up to 8192
 * entries; hv points the CPU's LDTR at a 16-page LDT window beside the
 * CPU's GDT window and maps the guest's pages there only when the CPU
 * first reads them: that read faults in hv's range, and pv_map_ldt_fault looks
 * the address up in the guest's kernel page tables and, if the frame is
 * the guest's and can take the seg_desc type (no writable mapping, every
 * descriptor passing the GDT's check), maps it.  If it cannot, the guest
 * gets the #PF it would have had reading its LDT itself (at base + offset),
 * or #GP naming the selector when that address is not canonical.
 *
 * Each mapped page holds a seg_desc type reference, recorded per vCPU so a
 * context switch can show that vCPU's pages in the CPU's window.  They are
 * dropped only when the LDT changes: a guest that unmaps or remaps its LDT's
 * pages keeps the LDT it had, as on Xen 4.17 built without PV_LDT_PAGING
 * (Debian's build; the type reference keeps the frames from being written).
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <x86/exceptions.h>

#define LDT_MAX_ENTRIES 8192
#define DESC_TYPE_LDT   2ULL

static uint64_t ldt_window(void)
{
    return (uint64_t)this_cpu()->desc.ldt;
}

bool pv_in_ldt_window(uint64_t va)
{
    uint64_t start = ldt_window();
    return va >= start && va < start + LDT_PAGES * PAGE_SIZE;
}

/* Shows page i of v's LDT (or nothing) in this CPU's window. */
static void show_ldt_page(const struct vcpu *v, unsigned int i)
{
    struct x86_cpu *c = &this_cpu()->desc;
    uint64_t nx = c->ldt_ptes[i] & _PAGE_NX;
    /* Writable for hv: the CPU sets accessed bits in descriptors it loads. */
    c->ldt_ptes[i] = v->arch.ldt_mapped & (1u << i)
                         ? (v->arch.ldt_frames[i] << PAGE_SHIFT) | PAGE_HV_RW | nx
                         : nx;
    invlpg((char *)c->ldt + i * PAGE_SIZE);
}

void pv_load_ldt(struct vcpu *v)
{
    struct x86_cpu *c = &this_cpu()->desc;
    for (unsigned int i = 0; i < LDT_PAGES; i++)
        show_ldt_page(v, i);
    if (!v->arch.ldt_ents) {
        __asm__ __volatile__("lldt %w0" ::"r"(0));
        return;
    }
    uint64_t base = (uint64_t)c->ldt, limit = (uint64_t)v->arch.ldt_ents * 8 - 1;
    c->gdt[HV_LDT / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (DESC_TYPE_LDT << 40) |
                         (1ULL << 47) | (((limit >> 16) & 0xf) << 48) |
                         (((base >> 24) & 0xff) << 56);
    c->gdt[HV_LDT / 8 + 1] = base >> 32;
    __asm__ __volatile__("lldt %w0" ::"r"(HV_LDT));
}

void pv_destroy_ldt(struct vcpu *v)
{
    uint16_t mapped = v->arch.ldt_mapped;
    if (!mapped)
        return;
    v->arch.ldt_mapped = 0;
    /* Only the running vCPU's pages are in a window (one vCPU per CPU runs). */
    if (v == current_vcpu())
        for (unsigned int i = 0; i < LDT_PAGES; i++)
            if (mapped & (1u << i))
                show_ldt_page(v, i);
    for (unsigned int i = 0; i < LDT_PAGES; i++)
        if (mapped & (1u << i))
            pv_put_page_and_type(v->arch.ldt_frames[i]);
}

/* Maps page i of the current vCPU's LDT into the window; false if it cannot be. */
static bool map_ldt_page(struct vcpu *v, unsigned int i)
{
    if (v->arch.ldt_mapped & (1u << i))
        return true;
    uint64_t linear = v->arch.ldt_base + (uint64_t)i * PAGE_SIZE, mfn;
    if (!is_canonical_address(linear) || !pv_kernel_mapped_frame(v, linear, &mfn))
        return false;
    if (pv_get_page_and_type(mfn, PGT_seg_desc, v->domain))
        return false;
    v->arch.ldt_frames[i] = mfn;
    v->arch.ldt_mapped |= (uint16_t)(1u << i);
    show_ldt_page(v, i);
    return true;
}

static bool pv_map_ldt_fault_locked(uint64_t va)
{
    struct vcpu *v = current_vcpu();
    if (!v || !pv_in_ldt_window(va))
        return false;
    uint64_t offset = va - ldt_window();
    /* The CPU checks the LDT's limit first: reads beyond it never get here. */
    if (offset >= (uint64_t)v->arch.ldt_ents * 8)
        return false;
    return map_ldt_page(v, (unsigned int)(offset >> PAGE_SHIFT));
}

void pv_ldt_fault_for_guest(uint64_t va, struct pv_fault *fault)
{
    struct vcpu *v = current_vcpu();
    uint64_t offset = va - ldt_window();
    uint64_t linear = v->arch.ldt_base + offset;
    if (!is_canonical_address(linear)) {
        fault->vector = X86_EXC_GP;
        fault->error_code = (uint32_t)((offset & ~3ULL) | 4) & 0xffff;
        return;
    }
    fault->vector = X86_EXC_PF;
    fault->cr2 = linear;
}

static bool pv_ldt_descriptor_locked(uint16_t sel, uint64_t *desc, struct pv_fault *fault)
{
    struct vcpu *v = current_vcpu();
    unsigned int index = sel >> 3;
    /* A null LDTR, or an index past the limit: #GP naming the selector. */
    if (index >= v->arch.ldt_ents) {
        fault->vector = X86_EXC_GP;
        fault->error_code = sel & 0xfffc;
        return false;
    }
    if (!map_ldt_page(v, index / 512)) {
        fault->error_code = 0; /* a supervisor read of a page not present */
        pv_ldt_fault_for_guest(ldt_window() + (uint64_t)index * 8, fault);
        return false;
    }
    *desc = this_cpu()->desc.ldt[index];
    return true;
}

static int pv_set_ldt_locked(struct vcpu *v, uint64_t addr, unsigned int entries)
{
    /* As Xen: without entries the address is not looked at. */
    uint64_t base = entries ? addr : 0;
    /* Xen's __addr_ok: the lower half, or above hv's slots (so running off
     * the end of the LDT reaches non-canonical addresses, never hv). */
    bool addr_ok = base < (1ULL << 47) || base > HV_RESERVED_LAST;
    if ((base & (PAGE_SIZE - 1)) || entries > LDT_MAX_ENTRIES || !addr_ok)
        return -EINVAL;
    if (v->arch.ldt_base == base && v->arch.ldt_ents == entries)
        return 0;
    pv_destroy_ldt(v);
    v->arch.ldt_base = base;
    v->arch.ldt_ents = entries;
    if (v == current_vcpu())
        pv_load_ldt(v);
    return 0;
}

bool pv_map_ldt_fault(uint64_t va)
{
    pv_mm_lock();
    bool rc = pv_map_ldt_fault_locked(va);
    pv_mm_unlock();
    return rc;
}

int pv_set_ldt(struct vcpu *v, uint64_t addr, unsigned int entries)
{
    pv_mm_lock();
    int rc = pv_set_ldt_locked(v, addr, entries);
    pv_mm_unlock();
    return rc;
}

bool pv_ldt_descriptor(uint16_t sel, uint64_t *desc, struct pv_fault *fault)
{
    pv_mm_lock();
    bool rc = pv_ldt_descriptor_locked(sel, desc, fault);
    pv_mm_unlock();
    return rc;
}
