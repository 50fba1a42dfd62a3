/*
 * A PV guest's own descriptor tables (DESIGN §7): set_gdt hands hv up to 14
 * frames that become the first pages of the CPU's GDT window while the vCPU
 * runs; update_descriptor writes one descriptor.  Every frame of a GDT has
 * the seg_desc type, given only after all 512 of its descriptors pass
 * Xen's check (and get their DPL raised to 3, as Xen's fix-up does), so the
 * guest can neither map it writable nor put in it a descriptor that would
 * reach hv: system descriptors other than call gates are refused, and call
 * gates must target a guest or the flat kernel code selector.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/guest_access.h>
#include <asm/processor-flags.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <string.h>
#include <x86/exceptions.h>

/* Bits of a descriptor's high word. */
#define SEG_TYPE  (15u << 8)
#define SEG_CODE  (1u << 11)
#define SEG_WR    (1u << 9)  /* writable data, readable code */
#define SEG_EC    (1u << 10) /* conforming code */
#define SEG_S     (1u << 12)
#define SEG_DPL   (3u << 13)
#define SEG_P     (1u << 15)
#define SEG_L     (1u << 21)
#define SEG_DB    (1u << 22)
#define SEG_G     (1u << 23)
#define GATE_CALL (12u << 8)

static bool gate_selector_ok(uint16_t sel)
{
    return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || sel == FLAT_KERNEL_CS || (sel & 4);
}

/*
 * Xen's check_descriptor for a 64-bit guest: true if *desc may be in a
 * guest's GDT or LDT, after the same fix-ups (DPL at least 3; a call gate's
 * DPL moves to its selector's RPL and becomes 0, so using it faults into hv).
 */
static bool check_descriptor(uint64_t *desc)
{
    uint32_t a = (uint32_t)*desc, b = (uint32_t)(*desc >> 32);
    if (!(b & SEG_P))
        return true;      /* loading it always faults */
    unsigned int dpl = 3; /* a 64-bit PV kernel runs in ring 3: nothing below */
    b = (b & ~SEG_DPL) | (dpl << 13);
    if (!(b & SEG_S))
        goto system;
    *desc = ((uint64_t)b << 32) | a;
    return true;

system:
    /* Type 0 is the upper half of a 16-byte call gate. */
    if ((b & SEG_TYPE) == 0)
        return true;
    if ((b & SEG_TYPE) != GATE_CALL)
        return false;
    uint16_t cs = (uint16_t)(a >> 16);
    if (!gate_selector_ok(cs))
        return false;
    b &= ~SEG_DPL;
    cs = (uint16_t)((cs & ~3u) | dpl);
    a = (a & 0xffffu) | ((uint32_t)cs << 16);
    if (b & 0xff) /* reserved bits of a 64-bit gate */
        return false;
    *desc = ((uint64_t)b << 32) | a;
    return true;
}

int pv_validate_descriptor_page(uint64_t mfn)
{
    uint64_t *descs = __va(mfn << PAGE_SHIFT);
    for (unsigned int i = 0; i < 512; i++)
        if (!check_descriptor(&descs[i]))
            return -EINVAL;
    return 0;
}

/* The L1 entries of this CPU's GDT window for the guest's pages. */
static void show_gdt_frames(const uint64_t *frames, unsigned int nr)
{
    struct x86_cpu *c = &this_cpu()->desc;
    for (unsigned int i = 0; i < FIRST_RESERVED_GDT_PAGE; i++) {
        /* Writable for hv: the CPU sets accessed and busy bits in descriptors. */
        paddr_t pa = i < nr ? frames[i] << PAGE_SHIFT : c->gdt_zero_pa;
        uint64_t flags = i < nr ? PAGE_HV_RW : PAGE_HV_RO;
        c->gdt_ptes[i] = pa | flags | (c->gdt_ptes[i] & _PAGE_NX);
        invlpg((char *)c->gdt + i * PAGE_SIZE);
    }
}

static unsigned int gdt_frame_count(unsigned int entries)
{
    return (entries + 511) / 512;
}

void pv_load_gdt(struct vcpu *v)
{
    show_gdt_frames(v->arch.gdt_frames, gdt_frame_count(v->arch.gdt_ents));
}

long do_set_gdt(uint64_t frame_list, uint64_t entries_arg)
{
    unsigned int entries = (unsigned int)entries_arg;
    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    unsigned int nr = gdt_frame_count(entries);
    uint64_t frames[FIRST_RESERVED_GDT_PAGE];
    if (nr && copy_from_guest(frames, frame_list, nr * sizeof(frames[0])))
        return -EFAULT;
    return pv_set_gdt(current_vcpu(), frames, entries);
}

static int pv_set_gdt_locked(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    unsigned int nr = gdt_frame_count(entries);
    /* Take the new frames before letting go of the old (they may overlap). */
    for (unsigned int i = 0; i < nr; i++) {
        if (frames[i] >= max_page || pv_get_page_and_type(frames[i], PGT_seg_desc, v->domain)) {
            while (i-- > 0)
                pv_put_page_and_type(frames[i]);
            return -EINVAL;
        }
    }
    unsigned int old_nr = gdt_frame_count(v->arch.gdt_ents);
    uint64_t old[FIRST_RESERVED_GDT_PAGE];
    memcpy(old, v->arch.gdt_frames, sizeof(old));
    memset(v->arch.gdt_frames, 0, sizeof(v->arch.gdt_frames));
    memcpy(v->arch.gdt_frames, frames, nr * sizeof(frames[0]));
    v->arch.gdt_ents = entries;
    if (v == current_vcpu())
        pv_load_gdt(v);
    for (unsigned int i = 0; i < old_nr; i++)
        pv_put_page_and_type(old[i]);
    return 0;
}

static long do_update_descriptor_locked(uint64_t maddr, uint64_t desc)
{
    struct vcpu *v = current_vcpu();
    if ((maddr & 7) || !check_descriptor(&desc))
        return -EINVAL;
    uint64_t mfn = maddr >> PAGE_SHIFT;
    if (mfn >= max_page || !pv_get_page(mfn, v->domain))
        return -EINVAL;
    /* A descriptor page stays one; any other page must be free to be written. */
    uint64_t type = frame_table[mfn].type_info & PGT_type_mask;
    long rc = -EINVAL;
    if (!pv_get_page_type(mfn, type == PGT_seg_desc ? PGT_seg_desc : PGT_writable, v->domain)) {
        uint64_t *slot = (uint64_t *)__va(maddr);
        __atomic_store_n(slot, desc, __ATOMIC_RELAXED);
        pv_put_page_type(mfn);
        rc = 0;
    }
    pv_put_page(mfn);
    return rc;
}

/* Selector error codes name the descriptor: index and table bit, without the RPL. */
static bool selector_fault(unsigned int vector, uint16_t sel, struct pv_fault *fault)
{
    fault->vector = vector;
    fault->error_code = sel & 0xfffc;
    return true;
}

/* The descriptor sel names: in the GDT this CPU runs with, or the vCPU's LDT. */
static bool fetch_descriptor(uint16_t sel, uint64_t *desc, struct pv_fault *fault)
{
    if (sel & 4)
        return pv_ldt_descriptor(sel, desc, fault);
    *desc = this_cpu()->desc.gdt[sel >> 3];
    return true;
}

/*
 * The fault hv's iretq (at CPL 0, back to the guest at RPL 3) would raise
 * for this frame, checked in the order the CPU checks it; false if the frame
 * loads.  On Xen such an iretq faults and Xen hands the fault to the guest
 * as if raised at the frame's target; hv checks first, because a fault
 * inside hv is fatal.  Selectors read the GDT this CPU runs with (the
 * vCPU's frames or the zero page, then hv's own descriptors) or the vCPU's
 * LDT, whose page is mapped here if it was not yet (one that cannot be
 * gives the #PF Xen's second try would).  RSP is not checked: iretq loads
 * any value, and a bad one faults when the guest uses its stack.
 */
bool pv_return_frame_fault(const struct cpu_regs *regs, struct pv_fault *fault)
{
    uint16_t cs = (uint16_t)regs->cs, ss = (uint16_t)regs->ss;
    if ((cs & 0xfffc) == 0)
        return selector_fault(X86_EXC_GP, 0, fault);
    /* RPL 3 only: hv's frames force it, and anything less would return to ring 0-2. */
    if ((cs & 3) != 3)
        return selector_fault(X86_EXC_GP, cs, fault);
    uint64_t code, stack;
    if (!fetch_descriptor(cs, &code, fault))
        return true;
    uint32_t b = (uint32_t)(code >> 32), dpl = (b & SEG_DPL) >> 13;
    if (!(b & SEG_S) || !(b & SEG_CODE) || ((b & SEG_EC) ? dpl > 3 : dpl != 3) ||
        ((b & SEG_L) && (b & SEG_DB)))
        return selector_fault(X86_EXC_GP, cs, fault);
    if (!(b & SEG_P))
        return selector_fault(X86_EXC_NP, cs, fault);
    if ((ss & 0xfffc) == 0)
        return selector_fault(X86_EXC_GP, 0, fault);
    if ((ss & 3) != 3)
        return selector_fault(X86_EXC_GP, ss, fault);
    if (!fetch_descriptor(ss, &stack, fault))
        return true;
    uint32_t sb = (uint32_t)(stack >> 32);
    if (!(sb & SEG_S) || (sb & SEG_CODE) || !(sb & SEG_WR) || ((sb & SEG_DPL) >> 13) != 3)
        return selector_fault(X86_EXC_GP, ss, fault);
    /* #NP, not #SS: iret reports either segment missing as not present. */
    if (!(sb & SEG_P))
        return selector_fault(X86_EXC_NP, ss, fault);
    /* Outside 64-bit mode iretq checks RIP against the code segment's limit. */
    uint64_t limit = (code & 0xffff) | ((code >> 32) & 0xf0000);
    if (b & SEG_G)
        limit = (limit << 12) | 0xfff;
    if ((b & SEG_L) ? !is_canonical_address(regs->rip) : regs->rip > limit)
        return selector_fault(X86_EXC_GP, 0, fault);
    return false;
}

int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
    pv_mm_lock();
    int rc = pv_set_gdt_locked(v, frames, entries);
    pv_mm_unlock();
    return rc;
}

long do_update_descriptor(uint64_t maddr, uint64_t desc)
{
    pv_mm_lock();
    long rc = do_update_descriptor_locked(maddr, desc);
    pv_mm_unlock();
    return rc;
}
