/*
 * Grant host mappings in a PV domain's page tables (Xen's
 * create_grant_pv_mapping and replace_grant_pv_mapping): the entry goes
 * into the L1 behind a linear address of the mapper's current tables, or
 * with GNTMAP_contains_pte into the entry at a machine address.  The
 * entry is built as Xen builds it — present, accessed, dirty, NX,
 * writable unless read-only, user for an application mapping, the
 * guest's available bits from the flags — and adjusted like any L1 entry,
 * so that a guest reads back what it would read on Xen.  The references
 * it holds are taken and dropped by hv/grant_map.c, so that a guest
 * removing it with mmu_update balances them as Xen's release builds do.
 */
#include <hv/grant_table.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <asm/flush.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>
#include <asm/pv.h>
#include <hv/smp.h>
#include <xen-abi.h>

#define PADDR_MASK  0x000ffffffffff000ULL
#define PAGE_AVAIL  0xe00ULL /* bits 9-11 */
#define AVAIL_SHIFT 16       /* _GNTMAP_guest_avail0 */

static uint64_t *grant_entry_slot(struct vcpu *v, uint64_t addr, unsigned int flags)
{
    if (flags & GNTMAP_contains_pte)
        return pv_l1e_at_maddr(v->domain, addr);
    return pv_find_l1e(v, addr);
}

static uint64_t grant_pte(uint64_t mfn, unsigned int flags, const struct domain *d)
{
    uint64_t e = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY;
    if (cpu_has_nx)
        e |= _PAGE_NX;
    if (!(flags & GNTMAP_readonly))
        e |= _PAGE_RW;
    if (flags & GNTMAP_application_map)
        e |= _PAGE_USER;
    e |= ((uint64_t)(flags >> AVAIL_SHIFT) << 9) & PAGE_AVAIL;
    return pv_adjust_l1e(e, d);
}

void arch_grant_flush(struct domain *d)
{
    uint64_t cpus = __atomic_load_n(&d->dirty_cpumask, __ATOMIC_SEQ_CST);
    flush_tlb_mask(cpus | (1ULL << smp_processor_id()));
}

int arch_grant_create_host_mapping(struct vcpu *v, uint64_t addr, uint64_t mfn, unsigned int flags)
{
    uint64_t *slot = grant_entry_slot(v, addr, flags);
    if (!slot)
        return GNTST_general_error;
    uint64_t old = __atomic_exchange_n(slot, grant_pte(mfn, flags, v->domain), __ATOMIC_SEQ_CST);
    if (old & _PAGE_PRESENT) {
        /* What was mapped there goes (as on Xen); no CPU may keep it cached. */
        arch_grant_flush(v->domain);
        pv_put_l1e_refs(old);
    }
    return GNTST_okay;
}

int arch_grant_replace_host_mapping(struct vcpu *v, uint64_t addr, uint64_t mfn, unsigned int flags,
                                    uint64_t new_addr)
{
    if ((flags & GNTMAP_contains_pte) && new_addr)
        return GNTST_general_error;
    uint64_t replacement = 0;
    if (new_addr) {
        /* The entry at new_addr moves, with its references. */
        uint64_t *from = pv_find_l1e(v, new_addr);
        if (!from)
            return GNTST_general_error;
        replacement = __atomic_exchange_n(from, 0, __ATOMIC_SEQ_CST);
    }
    uint64_t *slot = grant_entry_slot(v, addr, flags);
    uint64_t expected = _PAGE_PRESENT | ((flags & GNTMAP_readonly) ? 0 : _PAGE_RW);
    uint64_t cur = slot ? __atomic_load_n(slot, __ATOMIC_SEQ_CST) : 0;
    if (!slot || (cur & PADDR_MASK) >> PAGE_SHIFT != mfn ||
        ((cur ^ expected) & (_PAGE_PRESENT | _PAGE_RW)) ||
        !__atomic_compare_exchange_n(slot, &cur, replacement, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST)) {
        /* As Xen: new_addr stays cleared; what it mapped is let go. */
        if (replacement & _PAGE_PRESENT) {
            arch_grant_flush(v->domain);
            pv_put_l1e_refs(replacement);
        }
        return GNTST_general_error;
    }
    return GNTST_okay;
}
