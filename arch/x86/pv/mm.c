/*
 * Page-table safety for PV guests (DESIGN §2.3), as Xen does it: every
 * frame has a general reference count and a type (L1-L4 page table, or
 * writable) with a type count.  A frame becomes a page table only after
 * every entry in it has been validated and has taken references on what it
 * points to; while it is one, nothing maps it writable.  Guests change page
 * tables only through mmu_update, update_va_mapping and mmuext_op here.
 *
 * References: a page-table entry holds a general reference on the frame it
 * maps (and a writable-type reference if it maps it writable) or, one level
 * up, a general and a type reference on the table it points to.  A pin and
 * a vCPU's base pointer hold one of each on their L4 (or pinned table).
 */
#include <asm/pv.h>
#include <asm/flush.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <hv/mm.h>
#include <asm/e820.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <string.h>

#define PADDR_MASK         0x000ffffffffff000ULL
#define _PAGE_GUEST_KERNEL (1ULL << 52)
/*
 * Bits a guest may not set.  In L1 entries Xen lets a PV guest use every
 * software-available bit (9-11, 52-62; bit 52 is also where hv marks kernel
 * mappings) and, for the hardware domain, the cache attributes.  In L2-L4
 * entries: no superpages, cache attributes, global or software bits.
 */
#define L1_DISALLOW 0ULL
#define LN_DISALLOW (_PAGE_PSE | _PAGE_PCD | _PAGE_PWT | _PAGE_GLOBAL | (0x7ffULL << 52))

/*
 * One lock for every change of frame counts and types and of page tables,
 * whichever vCPU or domain makes it (their updates are not atomic).  It
 * may be taken again by its holder (a multicall, SET_LDT within mmuext_op),
 * and a CPU waiting for it answers TLB-flush requests meanwhile, since the
 * holder may be waiting for those with interrupts off.
 */
static spinlock_t mm_big_lock = SPINLOCK_INIT;
static volatile int mm_lock_owner = -1;
static unsigned int mm_lock_depth;

void pv_mm_lock(void)
{
    int me = (int)smp_processor_id();
    if (__atomic_load_n(&mm_lock_owner, __ATOMIC_SEQ_CST) == me) {
        mm_lock_depth++;
        return;
    }
    while (!spin_trylock(&mm_big_lock))
        arch_wait_relax();
    __atomic_store_n(&mm_lock_owner, me, __ATOMIC_SEQ_CST);
    mm_lock_depth = 1;
}

void pv_mm_unlock(void)
{
    if (--mm_lock_depth)
        return;
    __atomic_store_n(&mm_lock_owner, -1, __ATOMIC_SEQ_CST);
    spin_unlock(&mm_big_lock);
}

static uint64_t pte_mfn(uint64_t e)
{
    return (e & PADDR_MASK) >> PAGE_SHIFT;
}

static uint64_t *table_of(uint64_t mfn)
{
    return __va(mfn << PAGE_SHIFT);
}

static uint64_t type_of_level(unsigned int level)
{
    static const uint64_t types[] = {0, PGT_l1, PGT_l2, PGT_l3, PGT_l4};
    return types[level];
}

/* Is mfn RAM that d owns? */
static bool owned_by(uint64_t mfn, const struct domain *d)
{
    return mfn < max_page && frame_table[mfn].owner == d->id;
}

static bool owned_by_a_domain(uint64_t mfn)
{
    return mfn < max_page && frame_table[mfn].owner < DOMID_HV_MAX &&
           domain_by_id((domid_t_hv)frame_table[mfn].owner);
}

static bool get_page(uint64_t mfn, const struct domain *d)
{
    if (!owned_by(mfn, d))
        return false;
    struct page_info *pg = &frame_table[mfn];
    if ((pg->count_info & PGC_count_mask) == PGC_count_mask)
        return false;
    pg->count_info++;
    return true;
}

/* Set while the CPUs were flushed for a whole batch of frees (domain teardown). */
static bool frees_preflushed;

void pv_frees_preflushed(bool on)
{
    if (on)
        flush_tlb_mask(sched_online_cpus());
    frees_preflushed = on;
}

static void put_page(uint64_t mfn)
{
    struct page_info *pg = &frame_table[mfn];
    /* A frame given back by decrease_reservation goes when its last mapping does. */
    if ((--pg->count_info & PGC_count_mask) == 0 && !(pg->count_info & PGC_allocated)) {
        /* The entry that held the last reference may have been cleared with
         * no flush (update_va_mapping without one, mmu_update, a grant PTE
         * zapped): no CPU may keep it cached once the frame is reused. */
        if (!frees_preflushed)
            flush_tlb_mask(sched_online_cpus());
        domain_free_page(mfn);
    }
}

static int validate_table(uint64_t mfn, unsigned int level, struct domain *d);
static void release_table(uint64_t mfn, unsigned int level);

/*
 * Takes a type reference of `type` on mfn: a frame with no type references
 * may change type (a page table is validated first); otherwise the type
 * must match.  -EINVAL if it cannot be validated, -EBUSY on a type clash.
 */
static int get_page_type(uint64_t mfn, uint64_t type, struct domain *d)
{
    struct page_info *pg = &frame_table[mfn];
    uint64_t x = pg->type_info;
    if ((x & PGT_count_mask) == 0) {
        if ((x & PGT_type_mask) != type || !(x & PGT_validated)) {
            /* Leaving writable: a CPU running one of the domain's vCPUs may
             * still hold a writable translation of it, which must go before
             * the frame is checked and trusted (Xen's flush on a type change). */
            if ((x & PGT_type_mask) == PGT_writable && type != PGT_writable)
                flush_tlb_mask(__atomic_load_n(&d->dirty_cpumask, __ATOMIC_SEQ_CST));
            pg->type_info = type | 1;
            int rc = 0;
            if (type >= PGT_l1 && type <= PGT_l4)
                rc = validate_table(mfn, (unsigned int)(type >> 60), d);
            else if (type == PGT_seg_desc)
                rc = pv_validate_descriptor_page(mfn);
            if (rc) {
                pg->type_info = 0;
                return rc;
            }
            pg->type_info |= PGT_validated;
            return 0;
        }
        pg->type_info = (x & ~PGT_count_mask) | 1;
        return 0;
    }
    /* A clash: mapping a table writable is -EBUSY; using another page as a table -EINVAL. */
    if ((x & PGT_type_mask) != type)
        return type == PGT_writable ? -EBUSY : -EINVAL;
    if ((x & PGT_count_mask) == PGT_count_mask)
        return -EBUSY;
    pg->type_info = x + 1;
    return 0;
}

static void put_page_type(uint64_t mfn)
{
    struct page_info *pg = &frame_table[mfn];
    uint64_t x = pg->type_info - 1;
    pg->type_info = x;
    uint64_t type = x & PGT_type_mask;
    /* The last reference to a page table: it stops being one. */
    if ((x & PGT_count_mask) == 0 && type >= PGT_l1 && type <= PGT_l4 && (x & PGT_validated)) {
        pg->type_info = 0;
        release_table(mfn, (unsigned int)(type >> 60));
    }
}

static int get_page_and_type(uint64_t mfn, uint64_t type, struct domain *d)
{
    if (!get_page(mfn, d))
        return -EINVAL;
    int rc = get_page_type(mfn, type, d);
    if (rc)
        put_page(mfn);
    return rc;
}

static void put_page_and_type(uint64_t mfn)
{
    put_page_type(mfn);
    put_page(mfn);
}

int pv_get_page_and_type(uint64_t mfn, uint64_t type, struct domain *d)
{
    return get_page_and_type(mfn, type, d);
}

void pv_put_page_and_type(uint64_t mfn)
{
    put_page_and_type(mfn);
}

/* A type reference on a frame with a general one held (update_descriptor). */
bool pv_get_page(uint64_t mfn, const struct domain *d)
{
    return get_page(mfn, d);
}

void pv_put_page(uint64_t mfn)
{
    put_page(mfn);
}

int pv_get_page_type(uint64_t mfn, uint64_t type, struct domain *d)
{
    return get_page_type(mfn, type, d);
}

void pv_put_page_type(uint64_t mfn)
{
    put_page_type(mfn);
}

/*
 * I/O memory: a frame that is not RAM, or one of the first MiB's (firmware
 * and legacy devices, which hv never hands out; Xen gives them to dom_io
 * too).  It holds no references: nobody owns it.
 */
#define LEGACY_IO_FRAMES 0x100

static bool is_io_frame(uint64_t mfn)
{
    if (mfn < LEGACY_IO_FRAMES && mfn < max_page && frame_table[mfn].owner == OWNER_NONE)
        return true;
    return !arch_mfn_is_ram(mfn);
}

/* Xen's adjustment of guest L1 entries (DESIGN §7); I/O memory is mapped
 * uncached, and read-only where the domain may only read it. */
static uint64_t adjust_l1e(uint64_t e, const struct domain *d)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    if (is_io_frame(pte_mfn(e))) {
        e |= _PAGE_PCD | _PAGE_PWT;
        if (pv_iomem_access(d, pte_mfn(e)) == IOMEM_READ_ONLY)
            e &= ~(uint64_t)_PAGE_RW;
    }
    if (e & _PAGE_USER)
        return e | _PAGE_GLOBAL;                /* a user mapping */
    return e | _PAGE_USER | _PAGE_GUEST_KERNEL; /* a kernel mapping */
}

static uint64_t adjust_lne(uint64_t e, unsigned int level)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    e |= _PAGE_USER;
    if (level == 4)
        e |= _PAGE_ACCESSED;
    return e;
}

/* Frames hv shares read-only with every guest through its own mapping: the M2P. */
static bool is_m2p_frame(uint64_t mfn)
{
    uint64_t first = __pa(machine_to_phys) >> PAGE_SHIFT;
    uint64_t bytes = ROUNDUP(max_page * sizeof(unsigned long), PAGE_SIZE);
    return mfn >= first && mfn < first + (bytes >> PAGE_SHIFT);
}

/*
 * References taken by one L1 entry of d's tables; -errno if it may not
 * exist.  The frame must belong to pg_owner: d itself, or the domain an
 * mmu_update named as foreign (a builder mapping its new domain's memory).
 */
static int get_l1e_refs(uint64_t e, struct domain *d, struct domain *pg_owner)
{
    if (!(e & _PAGE_PRESENT))
        return 0;
    if (e & L1_DISALLOW)
        return -EINVAL;
    uint64_t mfn = pte_mfn(e);
    if (is_io_frame(mfn)) {
        if (pv_iomem_access(d, mfn) != IOMEM_DENIED)
            return 0;
        /* As Xen: the all-ones frame is invalid, any other refused frame not permitted. */
        return mfn == PADDR_MASK >> PAGE_SHIFT ? -EINVAL : -EPERM;
    }
    if (is_m2p_frame(mfn))
        return -EBUSY;
    /* Another domain's frame is -EBUSY (Xen's could_not_pin), a frame of
     * nobody's -EINVAL. */
    if (!get_page(mfn, pg_owner))
        return !owned_by(mfn, pg_owner) && owned_by_a_domain(mfn) ? -EBUSY : -EINVAL;
    if (e & _PAGE_RW) {
        int rc = get_page_type(mfn, PGT_writable, pg_owner);
        if (rc) {
            put_page(mfn);
            return rc;
        }
    }
    return 0;
}

static void put_l1e_refs(uint64_t e)
{
    if (!(e & _PAGE_PRESENT))
        return;
    uint64_t mfn = pte_mfn(e);
    if (is_io_frame(mfn))
        return; /* I/O memory holds no references */
    if (e & _PAGE_RW)
        put_page_type(mfn);
    put_page(mfn);
}

static bool is_hv_l4_slot(unsigned int i)
{
    return i >= HV_SLOT_FIRST && i <= HV_SLOT_LAST;
}

static int get_lne_refs(uint64_t e, unsigned int level, struct domain *d)
{
    if (!(e & _PAGE_PRESENT))
        return 0;
    if (e & LN_DISALLOW)
        return -EINVAL;
    /* Linear (recursive) mappings are refused: a table never points at its own level. */
    return get_page_and_type(pte_mfn(e), type_of_level(level - 1), d);
}

static void put_lne_refs(uint64_t e)
{
    if (e & _PAGE_PRESENT)
        put_page_and_type(pte_mfn(e));
}

/* Drops the references held by the first `count` entries of a level-`level` table. */
static void put_entries(const uint64_t *t, unsigned int level, unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        if (level == 4 && is_hv_l4_slot(i))
            continue;
        if (level == 1)
            put_l1e_refs(t[i]);
        else
            put_lne_refs(t[i]);
    }
}

/* Validates every entry of a candidate page table, adjusting them as Xen does. */
static int validate_table(uint64_t mfn, unsigned int level, struct domain *d)
{
    uint64_t *t = table_of(mfn);
    for (unsigned int i = 0; i < 512; i++) {
        if (level == 4 && is_hv_l4_slot(i)) {
            /* hv's slots are hv's, whatever the guest wrote; the read-only M2P
             * slot is filled when the table becomes a kernel base pointer. */
            t[i] = i == HV_SLOT_FIRST ? 0 : hv_l4[i];
            continue;
        }
        int rc = level == 1 ? get_l1e_refs(t[i], d, d) : get_lne_refs(t[i], level, d);
        if (rc) {
            put_entries(t, level, i); /* undo the entries already taken */
            return rc;
        }
        t[i] = level == 1 ? adjust_l1e(t[i], d) : adjust_lne(t[i], level);
    }
    return 0;
}

static void release_table(uint64_t mfn, unsigned int level)
{
    put_entries(table_of(mfn), level, 512);
}

/* Replaces the entry at index i of table mfn (a validated level-`level` table). */
static int mod_entry(uint64_t mfn, unsigned int i, unsigned int level, uint64_t new,
                     struct domain *d, struct domain *pg_owner, bool preserve_ad)
{
    uint64_t *slot = &table_of(mfn)[i];
    if (level == 4 && is_hv_l4_slot(i))
        return -EINVAL;
    uint64_t old = *slot;
    if (preserve_ad)
        new |= old &(_PAGE_ACCESSED | _PAGE_DIRTY);
    uint64_t adjusted = level == 1 ? adjust_l1e(new, d) : adjust_lne(new, level);
    /* Same frame, same presence and writability: no references change. */
    bool same = ((old ^ adjusted) & (PADDR_MASK | _PAGE_PRESENT | _PAGE_RW)) == 0;
    if (!same) {
        int rc = level == 1 ? get_l1e_refs(new, d, pg_owner) : get_lne_refs(new, level, d);
        if (rc)
            return rc;
    }
    __atomic_store_n(slot, adjusted, __ATOMIC_SEQ_CST);
    if (!same) {
        if (level == 1)
            put_l1e_refs(old);
        else
            put_lne_refs(old);
    }
    return 0;
}

static unsigned int table_level(uint64_t mfn)
{
    uint64_t x = frame_table[mfn].type_info;
    uint64_t type = x & PGT_type_mask;
    if (!(x & PGT_validated) || (x & PGT_count_mask) == 0 || type < PGT_l1 || type > PGT_l4)
        return 0;
    return (unsigned int)(type >> 60);
}

/*
 * Xen's access_ok for guest arrays: the first and the last byte must be
 * guest addresses; a range may wrap from the kernel half to the user half.
 */
static bool array_ok(uint64_t addr, uint64_t size)
{
    return guest_range_ok(addr, 1) && (size == 0 || guest_range_ok(addr + size - 1, 1));
}

/* A plain 8-byte write into a data page of the domain (mmu_update on a non-table). */
static int write_data_page(struct domain *d, uint64_t ptr, uint64_t val)
{
    uint64_t mfn = ptr >> PAGE_SHIFT;
    if (!get_page(mfn, d))
        return -EINVAL;
    int rc = get_page_type(mfn, PGT_writable, d);
    if (!rc) {
        *(volatile uint64_t *)((char *)table_of(mfn) + (ptr & (PAGE_SIZE - 8))) = val;
        put_page_type(mfn);
    }
    put_page(mfn);
    return rc ? -EINVAL : 0;
}

/*
 * Xen's get_pg_owner: the domain whose frames an mmu_update or mmuext_op
 * works on.  DOMID_SELF is the caller; the caller's own id, the reserved
 * ids (hv has no DOMID_IO or DOMID_XEN frames to offer) and unknown ids
 * are NULL (-ESRCH).  Whether the caller may act on another domain is
 * checked per operation (-EPERM), as Xen's XSM hook does.
 */
static struct domain *page_owner_for(struct domain *self, uint16_t id)
{
    if (id == DOMID_SELF)
        return self;
    if (id == self->id || id >= DOMID_FIRST_RESERVED)
        return NULL;
    return domain_by_id(id);
}

/* May `self` work on `target`'s memory?  Itself, or any domain for the control domain. */
static bool may_act_on(const struct domain *self, const struct domain *target)
{
    return self == target || self->privileged;
}

static long do_mmu_update_locked(uint64_t reqs, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    struct vcpu *v = current_vcpu();
    struct domain *self = v->domain, *pt_owner = self;
    /* Bits 16 and up name whose page tables are updated (id + 1), as Xen. */
    uint32_t pt_id = (uint32_t)foreigndom >> 16;
    if (pt_id) {
        pt_owner = domain_by_id((domid_t_hv)(pt_id - 1));
        if (!pt_owner || pt_id - 1 >= DOMID_FIRST_RESERVED)
            return -ESRCH;
        if (!pt_owner->vcpus[0])
            return -EINVAL;
    }
    struct domain *pg_owner = page_owner_for(self, (uint16_t)foreigndom);
    if (!pg_owner)
        return -ESRCH;
    uint32_t n = (uint32_t)count, done = 0;
    if (!array_ok(reqs, (uint64_t)n * sizeof(struct mmu_update)))
        return -EFAULT; /* before anything, so `done` is not written */
    long rc = 0;
    for (; done < n; done++) {
        struct mmu_update req;
        if (copy_from_guest(&req, reqs + (uint64_t)done * sizeof(req), sizeof(req))) {
            rc = -EFAULT;
            break;
        }
        unsigned int cmd = req.ptr & 7;
        uint64_t ptr = req.ptr & ~7ULL, mfn = ptr >> PAGE_SHIFT;
        if (cmd == MMU_MACHPHYS_UPDATE) {
            if (!may_act_on(self, pg_owner)) {
                rc = -EPERM;
                break;
            }
            if (!owned_by(mfn, pg_owner)) {
                rc = -EINVAL;
                break;
            }
            set_gpfn_from_mfn(mfn, req.val);
            continue;
        }
        if (cmd != MMU_NORMAL_PT_UPDATE && cmd != MMU_PT_UPDATE_PRESERVE_AD &&
            cmd != MMU_PT_UPDATE_NO_TRANSLATE) {
            rc = -ENOSYS;
            break;
        }
        /* A present entry reads (and maybe writes) pg_owner's frame. */
        if (!may_act_on(self, pt_owner) ||
            ((req.val & _PAGE_PRESENT) && !may_act_on(self, pg_owner))) {
            rc = -EPERM;
            break;
        }
        if (!owned_by(mfn, pt_owner)) {
            rc = -EINVAL;
            break;
        }
        unsigned int level = table_level(mfn);
        /* Only L1 entries may name another domain's frames (Xen: -EINVAL). */
        if (level > 1 && pg_owner != pt_owner) {
            rc = -EINVAL;
            break;
        }
        unsigned int index = (ptr & (PAGE_SIZE - 1)) / sizeof(uint64_t);
        rc = level ? mod_entry(mfn, index, level, req.val, pt_owner, pg_owner,
                               cmd == MMU_PT_UPDATE_PRESERVE_AD)
                   : write_data_page(pt_owner, ptr, req.val);
        if (rc)
            break;
    }
    flush_tlb_local();
    /* As Xen: a done pointer that cannot be written is not an error. */
    if (pdone)
        copy_to_guest(pdone, &done, sizeof(done));
    return rc;
}

/* The L1 entry mapping va in the tables under L4 `root`: its table's mfn and index. */
static bool find_l1e_under(const struct vcpu *v, uint64_t root, uint64_t va, uint64_t *l1_mfn,
                           unsigned int *index)
{
    uint64_t mfn = root;
    if (!mfn)
        return false;
    for (unsigned int level = 4; level > 1; level--) {
        uint64_t e = table_of(mfn)[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            return false;
        mfn = pte_mfn(e);
        if (!owned_by(mfn, v->domain))
            return false;
    }
    if (table_level(mfn) != 1)
        return false;
    *l1_mfn = mfn;
    *index = (va >> 12) & 511;
    return true;
}

/* ... in the vCPU's current page tables (kernel or user). */
static bool find_l1e(const struct vcpu *v, uint64_t va, uint64_t *l1_mfn, unsigned int *index)
{
    uint64_t root = v->arch.kernel_mode ? v->arch.guest_table : v->arch.guest_table_user;
    return find_l1e_under(v, root, va, l1_mfn, index);
}

bool pv_kernel_mapped_frame(const struct vcpu *v, uint64_t va, uint64_t *mfn)
{
    uint64_t table;
    unsigned int index;
    if (!find_l1e_under(v, v->arch.guest_table, va, &table, &index))
        return false;
    uint64_t e = table_of(table)[index];
    *mfn = pte_mfn(e);
    return e & _PAGE_PRESENT;
}

/*
 * The CPUs where the vCPUs in a guest's bitmap have their state loaded
 * (Xen's vcpumask_to_pcpumask): words are read up to max_vcpus, a bit
 * past it ends the scan; -EFAULT if the bitmap cannot be read.
 */
static int vcpumask_to_cpus(struct domain *d, uint64_t bitmap, uint64_t *cpus)
{
    *cpus = 0;
    for (unsigned int word = 0; word * 64 < d->max_vcpus; word++) {
        unsigned long bits;
        if (copy_from_guest(&bits, bitmap + word * sizeof(bits), sizeof(bits))) {
            *cpus = 0;
            return -EFAULT;
        }
        for (; bits; bits &= bits - 1) {
            unsigned int id = word * 64 + (unsigned int)__builtin_ctzl(bits);
            if (id >= d->max_vcpus)
                return 0;
            struct vcpu *v = d->vcpus[id];
            if (v && __atomic_load_n(&v->running, __ATOMIC_SEQ_CST))
                *cpus |= 1ULL << v->processor;
        }
    }
    return 0;
}

/* Flushes after update_va_mapping; -EFAULT if a UVMF_MULTI vCPU mask cannot be read. */
static int flush_for(struct domain *d, uint64_t flags, uint64_t va)
{
    uint64_t bitmap = flags & ~(uint64_t)UVMF_FLUSHTYPE_MASK;
    uint64_t cpus = 0;
    int rc = 0;
    bool local = bitmap == UVMF_LOCAL;
    if (bitmap == UVMF_ALL)
        cpus = __atomic_load_n(&d->dirty_cpumask, __ATOMIC_SEQ_CST);
    else if (!local)
        rc = vcpumask_to_cpus(d, bitmap, &cpus);
    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_TLB_FLUSH:
        if (local)
            flush_tlb_local();
        else
            flush_tlb_mask(cpus);
        break;
    case UVMF_INVLPG:
        if (local)
            invlpg((void *)va);
        else
            flush_tlb_mask(cpus);
        break;
    }
    return rc;
}

static long do_update_va_mapping_locked(uint64_t va, uint64_t val, uint64_t flags)
{
    struct vcpu *v = current_vcpu();
    if (!guest_range_ok(va, 1))
        return -EINVAL;
    uint64_t l1_mfn;
    unsigned int index;
    if (!find_l1e(v, va, &l1_mfn, &index))
        return -EINVAL;
    int rc = mod_entry(l1_mfn, index, 1, val, v->domain, v->domain, false);
    if (rc)
        return rc;
    return flush_for(v->domain, flags, va); /* the entry is changed even if this fails, as on Xen */
}

static int pin(struct domain *d, uint64_t mfn, uint64_t type)
{
    /* A builder racing the teardown of its domain: no pin outlives it. */
    if (!owned_by(mfn, d) || d->is_dying)
        return -EINVAL;
    if (frame_table[mfn].type_info & PGT_pinned)
        return -EINVAL;
    int rc = get_page_and_type(mfn, type, d);
    if (rc)
        return rc;
    frame_table[mfn].type_info |= PGT_pinned;
    return 0;
}

static int unpin(struct domain *d, uint64_t mfn)
{
    if (!owned_by(mfn, d) || !(frame_table[mfn].type_info & PGT_pinned))
        return -EINVAL;
    frame_table[mfn].type_info &= ~PGT_pinned;
    put_page_and_type(mfn);
    return 0;
}

static int new_baseptr(struct vcpu *v, uint64_t mfn, bool user)
{
    struct domain *d = v->domain;
    if (user && mfn == 0) {
        if (v->arch.guest_table_user)
            put_page_and_type(v->arch.guest_table_user);
        v->arch.guest_table_user = 0;
        return 0;
    }
    int rc = get_page_and_type(mfn, PGT_l4, d);
    if (rc)
        return rc;
    uint64_t *slot = user ? &v->arch.guest_table_user : &v->arch.guest_table;
    uint64_t old = *slot;
    *slot = mfn;
    /* A kernel's page tables see the M2P (m2p_strict keeps it out of user ones). */
    if (!user || !(d->arch.vm_assist & (1UL << VMASST_TYPE_m2p_strict)))
        table_of(mfn)[HV_SLOT_FIRST] = hv_l4[HV_SLOT_FIRST];
    if (user == !v->arch.kernel_mode)
        write_cr3(mfn << PAGE_SHIFT);
    if (old)
        put_page_and_type(old);
    return 0;
}

static int pv_set_vcpu_tables_locked(struct vcpu *v, uint64_t kernel_mfn, uint64_t user_mfn)
{
    struct domain *d = v->domain;
    if (!owned_by(kernel_mfn, d))
        return -EINVAL;
    int rc = get_page_and_type(kernel_mfn, PGT_l4, d);
    if (rc)
        return rc;
    if (user_mfn) {
        rc = owned_by(user_mfn, d) ? get_page_and_type(user_mfn, PGT_l4, d) : -EINVAL;
        if (rc) {
            put_page_and_type(kernel_mfn);
            return rc;
        }
    }
    table_of(kernel_mfn)[HV_SLOT_FIRST] = hv_l4[HV_SLOT_FIRST];
    if (user_mfn && !(d->arch.vm_assist & (1UL << VMASST_TYPE_m2p_strict)))
        table_of(user_mfn)[HV_SLOT_FIRST] = hv_l4[HV_SLOT_FIRST];
    uint64_t old_kernel = v->arch.guest_table, old_user = v->arch.guest_table_user;
    v->arch.guest_table = kernel_mfn;
    v->arch.guest_table_user = user_mfn;
    if (old_kernel)
        put_page_and_type(old_kernel);
    if (old_user)
        put_page_and_type(old_user);
    return 0;
}

int pv_new_guest_cr3(struct vcpu *v, uint64_t mfn)
{
    return new_baseptr(v, mfn, false);
}

static long do_mmuext_op_locked(uint64_t ops, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    struct domain *pg_owner = page_owner_for(d, (uint16_t)foreigndom);
    if (!pg_owner)
        return -ESRCH;
    uint32_t n = (uint32_t)count, done = 0;
    if (!array_ok(ops, (uint64_t)n * sizeof(struct mmuext_op)))
        return -EFAULT;
    long rc = 0;
    for (; done < n; done++) {
        struct mmuext_op op;
        if (copy_from_guest(&op, ops + (uint64_t)done * sizeof(op), sizeof(op))) {
            rc = -EFAULT;
            break;
        }
        /* Only pins work on another domain's frames (a builder pinning its
         * new domain's L4); everything else is the caller's own business. */
        bool own_only = (op.cmd >= MMUEXT_NEW_BASEPTR && op.cmd <= MMUEXT_SET_LDT) ||
                        op.cmd == MMUEXT_NEW_USER_BASEPTR;
        if (!may_act_on(d, pg_owner) || (pg_owner != d && own_only)) {
            rc = -EPERM;
            break;
        }
        switch (op.cmd) {
        case MMUEXT_PIN_L1_TABLE:
        case MMUEXT_PIN_L2_TABLE:
        case MMUEXT_PIN_L3_TABLE:
        case MMUEXT_PIN_L4_TABLE:
            rc = pin(pg_owner, op.arg1.mfn, type_of_level(op.cmd - MMUEXT_PIN_L1_TABLE + 1));
            break;
        case MMUEXT_UNPIN_TABLE:
            rc = unpin(pg_owner, op.arg1.mfn);
            break;
        case MMUEXT_NEW_BASEPTR:
            rc = new_baseptr(v, op.arg1.mfn, false);
            break;
        case MMUEXT_NEW_USER_BASEPTR:
            rc = new_baseptr(v, op.arg1.mfn, true);
            break;
        case MMUEXT_TLB_FLUSH_LOCAL:
            flush_tlb_local();
            break;
        case MMUEXT_INVLPG_LOCAL:
            if (guest_range_ok(op.arg1.linear_addr, 1))
                invlpg((void *)op.arg1.linear_addr);
            break;
        case MMUEXT_TLB_FLUSH_MULTI:
        case MMUEXT_INVLPG_MULTI: {
            uint64_t cpus;
            if (vcpumask_to_cpus(d, (uint64_t)op.arg2.vcpumask.p, &cpus)) {
                rc = -EINVAL;
                break;
            }
            /* A bad address for INVLPG is skipped quietly, as on Xen. */
            if (op.cmd == MMUEXT_TLB_FLUSH_MULTI || guest_range_ok(op.arg1.linear_addr, 1))
                flush_tlb_mask(cpus);
            break;
        }
        case MMUEXT_TLB_FLUSH_ALL:
        case MMUEXT_INVLPG_ALL:
            if (op.cmd == MMUEXT_TLB_FLUSH_ALL || guest_range_ok(op.arg1.linear_addr, 1))
                flush_tlb_mask(__atomic_load_n(&d->dirty_cpumask, __ATOMIC_SEQ_CST));
            break;
        case MMUEXT_SET_LDT:
            rc = pv_set_ldt(v, op.arg1.linear_addr, op.arg2.nr_ents);
            break;
        case MMUEXT_MARK_SUPER:
        case MMUEXT_UNMARK_SUPER:
            rc = -EOPNOTSUPP; /* no superpages for PV guests */
            break;
        default:
            rc = -ENOSYS;
            break;
        }
        if (rc)
            break;
    }
    if (pdone)
        copy_to_guest(pdone, &done, sizeof(done));
    return rc;
}

uint64_t *pv_find_l1e(const struct vcpu *v, uint64_t va)
{
    uint64_t table;
    unsigned int index;
    if (!guest_range_ok(va, 1) || !find_l1e(v, va, &table, &index))
        return NULL;
    return &table_of(table)[index];
}

uint64_t *pv_l1e_at_maddr(const struct domain *d, uint64_t maddr)
{
    uint64_t mfn = maddr >> PAGE_SHIFT;
    if ((maddr & 7) || !owned_by(mfn, d) || table_level(mfn) != 1)
        return NULL;
    return &table_of(mfn)[(maddr & (PAGE_SIZE - 1)) / sizeof(uint64_t)];
}

uint64_t pv_adjust_l1e(uint64_t e, const struct domain *d)
{
    return adjust_l1e(e, d);
}

void pv_put_l1e_refs(uint64_t e)
{
    put_l1e_refs(e);
}

bool pv_l1_table_behind(const struct vcpu *v, uint64_t va, uint64_t *l1_mfn)
{
    uint64_t table;
    unsigned int index;
    /* The frame mapped at va, and whether it is one of the domain's L1 tables. */
    if (!find_l1e(v, va, &table, &index))
        return false;
    uint64_t e = table_of(table)[index];
    if (!(e & _PAGE_PRESENT) || !owned_by(pte_mfn(e), v->domain) || table_level(pte_mfn(e)) != 1)
        return false;
    *l1_mfn = pte_mfn(e);
    return true;
}

uint64_t pv_read_table_entry(uint64_t mfn, unsigned int index)
{
    return table_of(mfn)[index & 511];
}

static int pv_write_table_entry_locked(uint64_t mfn, unsigned int index, uint64_t value)
{
    struct vcpu *v = current_vcpu();
    int rc = mod_entry(mfn, index & 511, 1, value, v->domain, v->domain, false);
    if (!rc)
        flush_tlb_local();
    return rc;
}

/* Xen's VM-assist types for 64-bit PV guests. */
#define VM_ASSIST_VALID                                                                            \
    ((1UL << VMASST_TYPE_4gb_segments) | (1UL << VMASST_TYPE_4gb_segments_notify) |                \
     (1UL << VMASST_TYPE_writable_pagetables) | (1UL << VMASST_TYPE_pae_extended_cr3) |            \
     (1UL << VMASST_TYPE_architectural_iopl) | (1UL << VMASST_TYPE_runstate_update_flag) |         \
     (1UL << VMASST_TYPE_m2p_strict))

unsigned long pv_vm_assist_valid(void)
{
    return VM_ASSIST_VALID;
}

long do_vm_assist(uint64_t cmd, uint64_t type)
{
    struct domain *d = current_vcpu()->domain;
    if (type >= 64 || !(VM_ASSIST_VALID & (1UL << type)))
        return -EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        d->arch.vm_assist |= 1UL << type;
        return 0;
    case VMASST_CMD_disable:
        d->arch.vm_assist &= ~(1UL << type);
        return 0;
    default:
        return -ENOSYS;
    }
}

static bool pv_get_writable_page_locked(struct domain *d, uint64_t mfn)
{
    if (!get_page(mfn, d))
        return false;
    if (get_page_type(mfn, PGT_writable, d)) {
        put_page(mfn);
        return false;
    }
    return true;
}

long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    pv_mm_lock();
    long rc = do_mmu_update_locked(reqs, count, pdone, foreigndom);
    pv_mm_unlock();
    return rc;
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    pv_mm_lock();
    long rc = do_update_va_mapping_locked(va, val, flags);
    pv_mm_unlock();
    return rc;
}

long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    pv_mm_lock();
    long rc = do_mmuext_op_locked(ops, count, pdone, foreigndom);
    pv_mm_unlock();
    return rc;
}

int pv_set_vcpu_tables(struct vcpu *v, uint64_t kernel_mfn, uint64_t user_mfn)
{
    pv_mm_lock();
    int rc = pv_set_vcpu_tables_locked(v, kernel_mfn, user_mfn);
    pv_mm_unlock();
    return rc;
}

int pv_write_table_entry(uint64_t mfn, unsigned int index, uint64_t value)
{
    pv_mm_lock();
    int rc = pv_write_table_entry_locked(mfn, index, value);
    pv_mm_unlock();
    return rc;
}

bool pv_get_writable_page(struct domain *d, uint64_t mfn)
{
    pv_mm_lock();
    bool rc = pv_get_writable_page_locked(d, mfn);
    pv_mm_unlock();
    return rc;
}
