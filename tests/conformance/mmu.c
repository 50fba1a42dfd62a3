/*
 * Conformance kernel: page-table operations of a 64-bit PV guest (DESIGN
 * §7, "Page tables") — update_va_mapping, mmu_update, mmuext_op, the
 * writable-pagetables assist and vm_assist, multicall, and the memory_op
 * queries they rely on.  Each case prints what it observed: return codes,
 * `done` counts, the flag bits of entries read back (never their frames),
 * which spare page a virtual address shows, and the exceptions that
 * accesses raise.  Spare pages are named A, B, C...; "sees=A" means the
 * address reads page A's marker.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/traps.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NONCANONICAL 0x8000000000000000UL
#define HV_RANGE     0xffff830000000000UL
#define UNMAPPED     0x0000000000001000UL
/* A guest virtual address whose L4 slot (32) the kernel never fills. */
#define NO_TABLES 0x0000100000000000UL
/* The largest frame number a PTE can hold: never RAM, never I/O memory. */
#define INVALID_FRAME 0xffffffffffUL
/* The guest L4 slot after hv's (DESIGN §2.3: 256-271 are reserved). */
#define FIRST_GUEST_SLOT_AFTER_HV 272

long probe_read64(const uint64_t *p, uint64_t *out);
long probe_write64(uint64_t *p, uint64_t val);
long probe_write32(uint32_t *p, uint32_t val);
long probe_cmpxchg64(uint64_t *p, uint64_t old, uint64_t new_val);
extern char probe_read64_insn[], probe_write64_insn[], probe_write32_insn[], probe_cmpxchg64_insn[],
    probe_fixup[];

/* --- result lines ---------------------------------------------------- */

#define check test_check

/* --- faults on purpose ----------------------------------------------- */

static struct {
    bool hit;
    uint64_t vector, error_code, cr2;
} fault;
static shared_info_t *shinfo; /* mapped by a case; gives the fault's CR2 */
static unsigned long probe_addr;

static bool probe_hook(struct trap_frame *f)
{
    if (f->rip != (uint64_t)probe_read64_insn && f->rip != (uint64_t)probe_write64_insn &&
        f->rip != (uint64_t)probe_write32_insn && f->rip != (uint64_t)probe_cmpxchg64_insn)
        return false;
    fault.hit = true;
    fault.vector = f->vector;
    fault.error_code = f->error_code;
    fault.cr2 = shinfo ? shinfo->vcpu_info[0].arch.cr2 : 0;
    f->rip = (uint64_t)probe_fixup;
    return true;
}

static long do_read(unsigned long va, uint64_t *out)
{
    fault.hit = false;
    probe_addr = va;
    *out = 0;
    return probe_read64((const uint64_t *)va, out);
}

static long do_write(unsigned long va, uint64_t val)
{
    fault.hit = false;
    probe_addr = va;
    return probe_write64((uint64_t *)va, val);
}

static long do_write32(unsigned long va, uint32_t val)
{
    fault.hit = false;
    probe_addr = va;
    return probe_write32((uint32_t *)va, val);
}

static long do_cmpxchg(unsigned long va, uint64_t old, uint64_t new_val)
{
    fault.hit = false;
    probe_addr = va;
    return probe_cmpxchg64((uint64_t *)va, old, new_val);
}

/* "none", or the last probe's exception as the handler saw it. */
static const char *fault_text(void)
{
    static char buf[80];
    if (!fault.hit)
        return "none";
    snprintf(buf, sizeof(buf), "vector=%lu,ec=%#lx,cr2=%s", fault.vector, fault.error_code,
             !shinfo                   ? "?"
             : fault.cr2 == probe_addr ? "addr"
                                       : "other");
    return buf;
}

/* --- spare pages ------------------------------------------------------ */

struct spare {
    char name[2];
    unsigned long pfn, mfn;
};
static struct spare spares[16];
static unsigned int nr_spares;
static unsigned long scratch_va;

#define MARKER(pfn) (0x6d6d750000000000UL | (pfn))

/*
 * A new spare page, zeroed, with `n` of its first entries set to
 * entries[]; a data page (n < 0) carries its marker in its first word
 * instead.  Filled through a scratch mapping that is gone afterwards.
 */
static struct spare *new_page(const char *name, const uint64_t *entries, int n)
{
    if (nr_spares == sizeof(spares) / sizeof(spares[0]))
        return NULL;
    struct spare *p = &spares[nr_spares];
    p->pfn = mm_alloc_pfn();
    if (!p->pfn)
        return NULL;
    p->mfn = pfn_to_mfn(p->pfn);
    strlcpy(p->name, name, sizeof(p->name));
    if (mm_map(scratch_va, p->mfn, PTE_P | PTE_RW))
        return NULL;
    uint64_t *page = (uint64_t *)scratch_va;
    memset(page, 0, PAGE_SIZE);
    if (n < 0)
        page[0] = MARKER(p->pfn);
    for (int i = 0; i < n; i++)
        page[i] = entries[i];
    if (mm_unmap(scratch_va))
        return NULL;
    nr_spares++;
    return p;
}

/* Which spare page va shows: its name, "fault", or "other". */
static const char *seen(unsigned long va)
{
    uint64_t v;
    if (do_read(va, &v))
        return "fault";
    for (unsigned int i = 0; i < nr_spares; i++)
        if (v == MARKER(spares[i].pfn))
            return spares[i].name;
    return "other";
}

static uint64_t pte_flags(unsigned long va)
{
    const uint64_t *e = mm_l1e(va);
    return e ? PTE_FLAGS(*e) : ~0UL;
}

static uint64_t pte(struct spare *p, uint64_t flags)
{
    return ((uint64_t)p->mfn << PAGE_SHIFT) | flags;
}

static uint64_t frame_pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << PAGE_SHIFT) | flags;
}

/* --- hypercall shorthands --------------------------------------------- */

static long mmu1(uint64_t ptr, uint64_t val, unsigned int *done)
{
    mmu_update_t req = {.ptr = ptr, .val = val};
    return HYPERVISOR_mmu_update(&req, 1, done, DOMID_SELF);
}

static long ext(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
    struct mmuext_op op;
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long uvm(unsigned long va, uint64_t val, unsigned long flags)
{
    return HYPERVISOR_update_va_mapping(va, val, flags);
}

/* --- shared state of the cases ---------------------------------------- */

static unsigned long l4_mfn;        /* the current (bootstrap) L4 */
static unsigned long no_ram_mfn;    /* a frame past the last RAM page */
static unsigned long m2p_mfn;       /* a frame of the M2P (Xen's) */
static unsigned long window_l1_mfn; /* bootstrap L1 that maps the free VAs */
static struct spare *A, *B, *C, *D;
static unsigned long va_c; /* C stays mapped writable here */

static const char *const bad_names[] = {"null", "noncanonical", "hv_range", "unmapped"};
static const unsigned long bad_pointers[] = {0, NONCANONICAL, HV_RANGE, UNMAPPED};
/*
 * mmu_update and mmuext_op with a bad array: an address outside the guest's
 * range fails before `done` is written; one inside it fails on the first
 * read, and `done` (0) is written.
 */
static const char *const bad_array_results[] = {"rc=-14 done=0", "rc=-14 done=99", "rc=-14 done=99",
                                                "rc=-14 done=0"};

/* --- layout ------------------------------------------------------------ */

static void layout_cases(void)
{
    unsigned long pages = mm_initial_pages();
    test_result("layout.initial_pages", pages && (pages % 512) == 0, "%#lx", pages);

    uint64_t e[5];
    int level = mm_walk(VIRT_BASE, e);
    test_check("layout.walk.kernel_text", "level=1 l4=0x67 l3=0x67 l2=0x67 l1=0x10000000000067",
               "level=%d l4=%#lx l3=%#lx l2=%#lx l1=%#lx", level, PTE_FLAGS(e[4]), PTE_FLAGS(e[3]),
               PTE_FLAGS(e[2]), PTE_FLAGS(e[1]));

    level = mm_walk(start_info->pt_base, e);
    test_check("layout.walk.page_table", "level=1 l1=0x10000000000025", "level=%d l1=%#lx", level,
               PTE_FLAGS(e[1]));

    level = mm_walk(MACH2PHYS_VIRT_START, e);
    test_check("layout.walk.m2p", "l4.present=1 l4.rw=0 l4.user=1",
               "l4.present=%lu l4.rw=%lu l4.user=%lu", e[4] & PTE_P, (e[4] & PTE_RW) >> 1,
               (e[4] & PTE_US) >> 2);

    unsigned long consistent = 0;
    for (unsigned long pfn = 0; pfn < start_info->nr_pages; pfn++)
        consistent += mfn_to_pfn(pfn_to_mfn(pfn)) == pfn;
    test_result("layout.p2m_m2p.consistent", consistent == start_info->nr_pages, "%lu", consistent);

    /* The M2P is mapped read-only. */
    do_write(MACH2PHYS_VIRT_START + pfn_to_mfn(0) * 8, 0);
    test_check("layout.m2p.write", "vector=14,ec=0x3,cr2=?", "%s", fault_text());
}

/* --- memory_op queries ------------------------------------------------- */

static void memory_op_cases(void)
{
    long rc = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    test_result("memory_op.maximum_ram_page", rc > 0, "%s", rc > 0 ? "positive" : "not positive");
    /* A frame past RAM: 4 GB up, or the next 1 GB boundary above RAM's end. */
    no_ram_mfn = 0x100000;
    if (rc > 0 && (unsigned long)rc >= no_ram_mfn)
        no_ram_mfn = ((unsigned long)rc + 0x3ffff) & ~0x3ffffUL;

    xen_pfn_t extents[4] = {0};
    struct xen_machphys_mfn_list list = {.max_extents = 4};
    set_xen_guest_handle(list.extent_start, extents);
    rc = HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &list);
    test_check("memory_op.machphys_mfn_list", "rc=0 extents=nonzero", "rc=%ld extents=%s", rc,
               list.nr_extents > 0 && extents[0] ? "nonzero" : "none");
    m2p_mfn = extents[0];
}

/* --- update_va_mapping ------------------------------------------------ */

static void update_va_mapping_cases(void)
{
    unsigned long va = mm_alloc_va(), va2 = mm_alloc_va();
    uint64_t flags;
    long rc;

    rc = uvm(va, pte(A, PTE_P | PTE_RW), UVMF_NONE);
    test_check("update_va_mapping.map", "rc=0 flags=0x10000000000007", "rc=%ld flags=%#lx", rc,
               pte_flags(va));
    rc = do_write(va + 8, 0x1122334455667788UL);
    uint64_t v = 0;
    long rc2 = uvm(va2, pte(A, PTE_P), UVMF_INVLPG);
    do_read(va2 + 8, &v);
    test_check("update_va_mapping.write_read", "write=none alias_rc=0 alias=same",
               "write=%s alias_rc=%ld alias=%s", rc ? fault_text() : "none", rc2,
               v == 0x1122334455667788UL ? "same" : "different");
    test_check("update_va_mapping.map.flags_after_access", "flags=0x10000000000067", "flags=%#lx",
               pte_flags(va));

    rc = uvm(va, pte(B, PTE_P | PTE_RW), UVMF_INVLPG | UVMF_LOCAL);
    test_check("update_va_mapping.invlpg", "rc=0 sees=B", "rc=%ld sees=%s", rc, seen(va));
    rc = uvm(va, pte(A, PTE_P | PTE_RW), UVMF_TLB_FLUSH | UVMF_ALL);
    test_check("update_va_mapping.tlb_flush_all", "rc=0 sees=A", "rc=%ld sees=%s", rc, seen(va));
    rc = uvm(va, pte(B, PTE_P | PTE_RW), UVMF_TLB_FLUSH | UVMF_LOCAL);
    test_check("update_va_mapping.tlb_flush_local", "rc=0 sees=B", "rc=%ld sees=%s", rc, seen(va));
    static unsigned long vcpumask = 1;
    rc = uvm(va, pte(A, PTE_P | PTE_RW), UVMF_INVLPG | (unsigned long)&vcpumask);
    test_check("update_va_mapping.invlpg_multi", "rc=0 sees=A", "rc=%ld sees=%s", rc, seen(va));
    /* The entry is changed before the mask is read: only the flush fails. */
    rc = uvm(va, pte(B, PTE_P | PTE_RW), UVMF_INVLPG | UNMAPPED);
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check("update_va_mapping.invlpg_multi.bad_mask", "rc=-14 sees=B", "rc=%ld sees=%s", rc,
               seen(va));

    rc = uvm(va, pte(A, PTE_P), UVMF_INVLPG);
    flags = pte_flags(va);
    do_write(va + 8, 0);
    test_check("update_va_mapping.readonly",
               "rc=0 flags=0x10000000000005 write=vector=14,ec=0x3,cr2=?",
               "rc=%ld flags=%#lx write=%s", rc, flags, fault_text());
    rc = uvm(va, pte(A, PTE_P | PTE_RW | PTE_US), UVMF_INVLPG);
    test_check("update_va_mapping.user", "rc=0 flags=0x107", "rc=%ld flags=%#lx", rc,
               pte_flags(va));
    rc = uvm(va, pte(A, PTE_P | PTE_RW | PTE_NX), UVMF_INVLPG);
    test_check("update_va_mapping.nx", "rc=0 flags=0x8010000000000007", "rc=%ld flags=%#lx", rc,
               pte_flags(va));
    rc = uvm(va, pte(A, PTE_P | PTE_RW | PTE_G), UVMF_INVLPG);
    test_check("update_va_mapping.global", "rc=0 flags=0x10000000000107", "rc=%ld flags=%#lx", rc,
               pte_flags(va));
    rc = uvm(va, pte(A, PTE_P | PTE_RW | PTE_PCD | PTE_PWT), UVMF_INVLPG);
    flags = pte_flags(va);
    test_check("update_va_mapping.uncached", "rc=0 flags=0x1000000000001f sees=A",
               "rc=%ld flags=%#lx sees=%s", rc, flags, seen(va));
    rc = uvm(va, pte(A, PTE_P | PTE_RW | (1UL << 9) | (1UL << 62)), UVMF_INVLPG);
    test_check("update_va_mapping.avail_bits", "rc=0 flags=0x4010000000000207", "rc=%ld flags=%#lx",
               rc, pte_flags(va));

    rc = uvm(va, 0, UVMF_INVLPG);
    flags = pte_flags(va);
    test_check("update_va_mapping.unmap", "rc=0 flags=0 read=vector=14,ec=0,cr2=?",
               "rc=%ld flags=%#lx read=%s", rc, flags,
               seen(va)[0] == 'f' ? fault_text() : "no fault");
    rc = uvm(va, 0, UVMF_INVLPG);
    test_check_rc("update_va_mapping.unmap.again", rc, 0);
    /* Not present, but with a frame in it: stored as it is. */
    rc = uvm(va, pte(A, 0), UVMF_INVLPG);
    const uint64_t *e = mm_l1e(va);
    test_check("update_va_mapping.not_present_frame", "rc=0 stored=same", "rc=%ld stored=%s", rc,
               e && *e == pte(A, 0) ? "same" : "different");
    uvm(va, 0, UVMF_INVLPG);

    /* Frames that are not the domain's RAM. */
    rc = uvm(va, frame_pte(no_ram_mfn, PTE_P | PTE_RW), UVMF_INVLPG);
    test_check("update_va_mapping.frame.no_ram", "rc=0 flags=0x1000000000001f", "rc=%ld flags=%#lx",
               rc, rc ? 0 : pte_flags(va));
    uvm(va, 0, UVMF_INVLPG);
    rc = uvm(va, frame_pte(INVALID_FRAME, PTE_P | PTE_RW), UVMF_INVLPG);
    test_check_rc("update_va_mapping.frame.invalid", rc, -XEN_EINVAL);
    /* dom0's I/O memory, mapped uncached: the local APIC and the MSI window
     * are the hypervisor's; the I/O APIC and the HPET, which it programs,
     * are mapped read-only even when asked writable; the first MiB and the
     * PCI hole are dom0's; on AMD CPUs (QEMU's models here) the
     * HyperTransport window 0xfd00000000-0xffffffffff is not, nor is
     * anything past the 40-bit physical address width. */
    static const struct {
        const char *name;
        unsigned long mfn;
        uint64_t flags;
        const char *expected;
    } io[] = {
        {"lapic", 0xfee00, PTE_P, "rc=-1 flags=0"},
        {"msi_window", 0xfee01, PTE_P, "rc=-1 flags=0"},
        {"ioapic", 0xfec00, PTE_P, "rc=0 flags=0x1000000000001d"},
        {"ioapic_rw", 0xfec00, PTE_P | PTE_RW, "rc=0 flags=0x1000000000001d"},
        {"hpet_rw", 0xfed00, PTE_P | PTE_RW, "rc=0 flags=0x1000000000001d"},
        {"hpet_ro", 0xfed00, PTE_P, "rc=0 flags=0x1000000000001d"},
        {"vga_text", 0xb8, PTE_P | PTE_RW, "rc=0 flags=0x1000000000001f"},
        {"bios_rom", 0xf0, PTE_P, "rc=0 flags=0x1000000000001d"},
        {"pci_hole", 0xfe000, PTE_P | PTE_RW, "rc=0 flags=0x1000000000001f"},
        {"frame_zero", 0, PTE_P, "rc=0 flags=0x1000000000001d"},
        {"below_hypertransport", 0xfcfffff, PTE_P, "rc=0 flags=0x1000000000001d"},
        {"hypertransport_first", 0xfd00000, PTE_P, "rc=-1 flags=0"},
        {"hypertransport_last", 0xfffffff, PTE_P, "rc=-1 flags=0"},
        {"past_phys_bits", 0x10000000, PTE_P, "rc=-1 flags=0"},
    };
    for (unsigned int i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "update_va_mapping.io.%s", io[i].name);
        rc = uvm(va, frame_pte(io[i].mfn, io[i].flags), UVMF_INVLPG);
        test_check(name, io[i].expected, "rc=%ld flags=%#lx", rc, rc ? 0 : pte_flags(va));
        uvm(va, 0, UVMF_INVLPG);
    }
    rc = m2p_mfn ? uvm(va, frame_pte(m2p_mfn, PTE_P), UVMF_INVLPG) : -9999;
    test_check_rc("update_va_mapping.frame.m2p_readonly", rc, -XEN_EBUSY);
    uvm(va, 0, UVMF_INVLPG);

    /* shared_info is the domain's to map (and gives the CR2 of later faults). */
    unsigned long si_va = mm_alloc_va();
    rc = uvm(si_va, frame_pte(start_info->shared_info >> PAGE_SHIFT, PTE_P | PTE_RW), UVMF_INVLPG);
    test_check("update_va_mapping.shared_info", "rc=0 flags=0x10000000000007", "rc=%ld flags=%#lx",
               rc, pte_flags(si_va));
    /* hv's pages shared with the guest can never become page tables. */
    test_check_rc("mmuext_op.pin_l1.shared_info",
                  ext(MMUEXT_PIN_L1_TABLE, start_info->shared_info >> PAGE_SHIFT, 0), -XEN_EINVAL);
    if (rc == 0)
        shinfo = (shared_info_t *)si_va;

    /* Page tables: never writable, readable. */
    rc = uvm(va, frame_pte(l4_mfn, PTE_P | PTE_RW), UVMF_INVLPG);
    test_check_rc("update_va_mapping.l4.writable", rc, -XEN_EBUSY);
    rc = uvm(va, frame_pte(window_l1_mfn, PTE_P | PTE_RW), UVMF_INVLPG);
    test_check_rc("update_va_mapping.l1.writable", rc, -XEN_EBUSY);
    rc = uvm(va, frame_pte(l4_mfn, PTE_P), UVMF_INVLPG);
    flags = pte_flags(va);
    uint64_t slot = ~0UL;
    if (rc == 0)
        do_read(va + pt_index(VIRT_BASE, 4) * 8, &slot);
    test_check("update_va_mapping.l4.readonly", "rc=0 flags=0x10000000000005 kernel_slot=0x67",
               "rc=%ld flags=%#lx kernel_slot=%#lx", rc, flags, PTE_FLAGS(slot));
    uvm(va, 0, UVMF_INVLPG);

    /* Addresses that have no guest L1 entry. */
    test_check_rc("update_va_mapping.va.noncanonical", uvm(NONCANONICAL, pte(A, PTE_P), 0),
                  -XEN_EINVAL);
    test_check_rc("update_va_mapping.va.hv_range", uvm(HV_RANGE, pte(A, PTE_P), 0), -XEN_EINVAL);
    test_check_rc("update_va_mapping.va.m2p", uvm(MACH2PHYS_VIRT_START, pte(A, PTE_P), 0),
                  -XEN_EINVAL);
    test_check_rc("update_va_mapping.va.no_tables", uvm(NO_TABLES, pte(A, PTE_P), 0), -XEN_EINVAL);
    test_check_rc("update_va_mapping.va.null", uvm(0, pte(A, PTE_P), 0), -XEN_EINVAL);

    uvm(va2, 0, UVMF_INVLPG);
}

/* --- mmu_update ---------------------------------------------------------- */

static void mmu_update_cases(void)
{
    unsigned long va = mm_alloc_va();
    uint64_t ptr = mm_l1e_maddr(va);
    unsigned int done;
    long rc;
    char name[80];

    done = 99;
    rc = mmu1(ptr | MMU_NORMAL_PT_UPDATE, pte(A, PTE_P | PTE_RW), &done);
    uint64_t flags = pte_flags(va);
    test_check("mmu_update.normal", "rc=0 done=1 flags=0x10000000000007 sees=A",
               "rc=%ld done=%u flags=%#lx sees=%s", rc, done, flags, seen(va));

    mmu_update_t batch[3] = {
        {ptr | MMU_NORMAL_PT_UPDATE, pte(B, PTE_P | PTE_RW)},
        {(uint64_t)no_ram_mfn << PAGE_SHIFT, 0},
        {ptr | MMU_NORMAL_PT_UPDATE, pte(A, PTE_P | PTE_RW)},
    };
    done = 99;
    rc = HYPERVISOR_mmu_update(batch, 3, &done, DOMID_SELF);
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check("mmu_update.batch_stops", "rc=-22 done=1 sees=B", "rc=%ld done=%u sees=%s", rc, done,
               seen(va));

    /* Preserve-AD keeps the accessed and dirty bits the entry has. */
    mmu1(ptr, pte(A, PTE_P | PTE_RW | PTE_A | PTE_D), NULL);
    rc = mmu1(ptr | MMU_PT_UPDATE_PRESERVE_AD, pte(A, PTE_P | PTE_RW), NULL);
    uint64_t preserved = pte_flags(va);
    mmu1(ptr, pte(A, PTE_P | PTE_RW | PTE_A | PTE_D), NULL);
    long rc2 = mmu1(ptr | MMU_NORMAL_PT_UPDATE, pte(A, PTE_P | PTE_RW), NULL);
    test_check("mmu_update.preserve_ad",
               "rc=0 flags=0x10000000000067 normal_rc=0 normal=0x10000000000007",
               "rc=%ld flags=%#lx normal_rc=%ld normal=%#lx", rc, preserved, rc2, pte_flags(va));
    rc = mmu1(ptr | MMU_PT_UPDATE_NO_TRANSLATE, pte(B, PTE_P | PTE_RW), NULL);
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check("mmu_update.no_translate", "rc=0 sees=B", "rc=%ld sees=%s", rc, seen(va));
    for (unsigned int cmd = 4; cmd <= 7; cmd += 3) {
        done = 99;
        rc = mmu1(ptr | cmd, pte(A, PTE_P | PTE_RW), &done);
        snprintf(name, sizeof(name), "mmu_update.cmd%u", cmd);
        test_check(name, "rc=-38 done=0", "rc=%ld done=%u", rc, done);
    }

    rc = mmu1(ptr, frame_pte(l4_mfn, PTE_P | PTE_RW), NULL);
    test_check_rc("mmu_update.l1.writable_l4", rc, -XEN_EBUSY);
    rc = mmu1(ptr, frame_pte(l4_mfn, PTE_P), NULL);
    test_check_rc("mmu_update.l1.readonly_l4", rc, 0);
    rc = mmu1(ptr, frame_pte(INVALID_FRAME, PTE_P), NULL);
    test_check_rc("mmu_update.l1.invalid_frame", rc, -XEN_EINVAL);
    rc = mmu1(ptr, 0, NULL);
    test_check_rc("mmu_update.l1.clear", rc, 0);

    /* A request whose ptr is in a page that is no page table: plain write. */
    rc = mmu1(((uint64_t)C->mfn << PAGE_SHIFT) + 16, 0x1234, NULL);
    uint64_t v = 0;
    do_read(va_c + 16, &v);
    test_check("mmu_update.data_page.mapped", "rc=0 written=yes", "rc=%ld written=%s", rc,
               v == 0x1234 ? "yes" : "no");
    rc = mmu1(((uint64_t)D->mfn << PAGE_SHIFT) + 16, 0x5678, NULL);
    mm_map(va, D->mfn, PTE_P);
    do_read(va + 16, &v);
    mm_unmap(va);
    test_check("mmu_update.data_page.unmapped", "rc=0 written=yes", "rc=%ld written=%s", rc,
               v == 0x5678 ? "yes" : "no");
    rc = mmu1((uint64_t)no_ram_mfn << PAGE_SHIFT, 0, NULL);
    test_check_rc("mmu_update.not_owned", rc, -XEN_EINVAL);

    /* The M2P entry of a frame of the domain's. */
    rc = mmu1(((uint64_t)A->mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0x12345, NULL);
    unsigned long m2p = mfn_to_pfn(A->mfn);
    rc2 = mmu1(((uint64_t)A->mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, A->pfn, NULL);
    test_check("mmu_update.machphys", "rc=0 m2p=set restore_rc=0 restored=yes",
               "rc=%ld m2p=%s restore_rc=%ld restored=%s", rc, m2p == 0x12345 ? "set" : "unchanged",
               rc2, mfn_to_pfn(A->mfn) == A->pfn ? "yes" : "no");
    rc = mmu1(((uint64_t)no_ram_mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0, NULL);
    test_check_rc("mmu_update.machphys.not_owned", rc, -XEN_EINVAL);

    /* hv's L4 slots are not the guest's; guest slots are. */
    uint64_t l4 = (uint64_t)l4_mfn << PAGE_SHIFT;
    test_check_rc("mmu_update.l4.slot256", mmu1(l4 + 256 * 8, 0, NULL), -XEN_EINVAL);
    test_check_rc("mmu_update.l4.slot271", mmu1(l4 + 271 * 8, 0, NULL), -XEN_EINVAL);
    test_check_rc("mmu_update.l4.slot272", mmu1(l4 + FIRST_GUEST_SLOT_AFTER_HV * 8, 0, NULL), 0);

    /* Bad arguments. */
    for (unsigned int i = 0; i < 4; i++) {
        done = 99;
        rc = hypercall5(__HYPERVISOR_mmu_update, bad_pointers[i], 1, (unsigned long)&done,
                        DOMID_SELF, 0);
        snprintf(name, sizeof(name), "mmu_update.reqs.%s", bad_names[i]);
        test_check(name, bad_array_results[i], "rc=%ld done=%u", rc, done);
    }
    rc = hypercall5(__HYPERVISOR_mmu_update, UNMAPPED, 0x7fffffff, 0, DOMID_SELF, 0);
    test_check_rc("mmu_update.count_huge.unmapped", rc, -XEN_EFAULT);
    /* From the kernel's half the range wraps into the guest's: the requests run. */
    done = 99;
    rc = HYPERVISOR_mmu_update(batch, 0x7fffffff, &done, DOMID_SELF);
    test_check("mmu_update.count_huge", "rc=-22 done=1", "rc=%ld done=%u", rc, done);
    done = 99;
    rc = HYPERVISOR_mmu_update(batch, 0, &done, DOMID_SELF);
    test_check("mmu_update.count0", "rc=0 done=0", "rc=%ld done=%u", rc, done);
    mmu_update_t req = {ptr, pte(A, PTE_P | PTE_RW)};
    rc = hypercall5(__HYPERVISOR_mmu_update, (unsigned long)&req, 1, UNMAPPED, DOMID_SELF, 0);
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check("mmu_update.done.unmapped", "rc=0 sees=A", "rc=%ld sees=%s", rc, seen(va));
    rc = HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF);
    test_check_rc("mmu_update.foreigndom.self", rc, 0);
    rc = HYPERVISOR_mmu_update(&req, 1, NULL, 7);
    test_check_rc("mmu_update.foreigndom.absent", rc, -XEN_ESRCH);
    mmu1(ptr, 0, NULL);
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
}

/* A new L1 table hooked into the kernel's L2 past the initial region. */
static void mmu_update_l2_cases(void)
{
    unsigned long area = VIRT_BASE + (((mm_initial_pages() + 511) & ~511UL) << PAGE_SHIFT);
    uint64_t l2e = mm_entry_maddr(area, 2);
    uint64_t entries[1] = {pte(A, PTE_P | PTE_RW)};
    struct spare *E = new_page("E", entries, 1);
    long rc;

    if (!E || !l2e) {
        test_result("mmu_update.l2.new_l1", false, "setup failed");
        return;
    }
    rc = mmu1(l2e, pte(E, PTE_P | PTE_RW), NULL);
    uint64_t walk[5];
    mm_walk(area, walk);
    test_check("mmu_update.l2.new_l1", "rc=0 l2=0x7 sees=A", "rc=%ld l2=%#lx sees=%s", rc,
               PTE_FLAGS(walk[2]), seen(area));

    /* Its entries as the hypervisor adjusted them, through a read-only map. */
    unsigned long e_va = mm_alloc_va();
    rc = mm_map(e_va, E->mfn, PTE_P);
    if (rc == 0)
        mm_register_table(E->mfn, (const void *)e_va);
    test_check("mmu_update.l2.new_l1.entry", "map_rc=0 e0=0x10000000000027", "map_rc=%ld e0=%#lx",
               rc, rc ? 0 : PTE_FLAGS(((const uint64_t *)e_va)[0]));
    rc = mm_map(e_va + 0, E->mfn, PTE_P | PTE_RW);
    test_check_rc("mmu_update.l2.new_l1.writable", rc, -XEN_EBUSY);
    rc = uvm(area + PAGE_SIZE, pte(B, PTE_P | PTE_RW), UVMF_INVLPG);
    test_check("mmu_update.l2.new_l1.update_va_mapping", "rc=0 sees=B", "rc=%ld sees=%s", rc,
               seen(area + PAGE_SIZE));

    uint64_t l2e_next = l2e + 8;
    rc = mmu1(l2e_next, pte(E, PTE_P | PTE_RW), NULL);
    test_check("mmu_update.l2.same_l1_twice", "rc=0 sees=A", "rc=%ld sees=%s", rc,
               seen(area + (1UL << 21)));
    rc = mmu1(l2e_next, 0, NULL);
    test_check_rc("mmu_update.l2.clear_second", rc, 0);
    rc = mmu1(l2e_next, pte(C, PTE_P | PTE_RW), NULL);
    test_check_rc("mmu_update.l2.writable_page_as_l1", rc, -XEN_EINVAL);
    rc = mmu1(l2e_next, pte(D, PTE_P | PTE_RW | PTE_PSE), NULL);
    test_check_rc("mmu_update.l2.superpage", rc, -XEN_EINVAL);
    rc = mmu1(l2e_next, pte(D, PTE_P | PTE_RW | PTE_PCD), NULL);
    test_check_rc("mmu_update.l2.uncached", rc, -XEN_EINVAL);

    rc = mmu1(l2e, 0, NULL);
    ext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
    test_check("mmu_update.l2.clear", "rc=0 read=vector=14,ec=0,cr2=addr", "rc=%ld read=%s", rc,
               seen(area)[0] == 'f' ? fault_text() : "no fault");
}

/* --- mmuext_op ------------------------------------------------------------ */

static void mmuext_pin_cases(void)
{
    uint64_t l1[3] = {pte(A, PTE_P | PTE_RW), pte(B, PTE_P), pte(A, PTE_P | PTE_RW | PTE_US)};
    struct spare *F = new_page("F", l1, 3);
    if (!F) {
        test_result("mmuext_op.pin_l1", false, "setup failed");
        return;
    }
    long rc = ext(MMUEXT_PIN_L1_TABLE, F->mfn, 0);
    unsigned long f_va = mm_alloc_va();
    long rc2 = mm_map(f_va, F->mfn, PTE_P);
    const uint64_t *f = (const uint64_t *)f_va;
    test_check("mmuext_op.pin_l1", "rc=0 map_rc=0 e0=0x10000000000007 e1=0x10000000000005 e2=0x107",
               "rc=%ld map_rc=%ld e0=%#lx e1=%#lx e2=%#lx", rc, rc2, rc2 ? 0 : PTE_FLAGS(f[0]),
               rc2 ? 0 : PTE_FLAGS(f[1]), rc2 ? 0 : PTE_FLAGS(f[2]));
    test_check_rc("mmuext_op.pin_l1.again", ext(MMUEXT_PIN_L1_TABLE, F->mfn, 0), -XEN_EINVAL);
    unsigned long va = mm_alloc_va();
    test_check_rc("mmuext_op.pin_l1.map_writable", mm_map(va, F->mfn, PTE_P | PTE_RW), -XEN_EBUSY);
    test_check_rc("mmuext_op.pin_l2.pinned_l1", ext(MMUEXT_PIN_L2_TABLE, F->mfn, 0), -XEN_EINVAL);
    test_check_rc("mmuext_op.unpin", ext(MMUEXT_UNPIN_TABLE, F->mfn, 0), 0);
    test_check_rc("mmuext_op.unpin.again", ext(MMUEXT_UNPIN_TABLE, F->mfn, 0), -XEN_EINVAL);
    test_check_rc("mmuext_op.unpin.data_page", ext(MMUEXT_UNPIN_TABLE, D->mfn, 0), -XEN_EINVAL);
    test_check_rc("mmuext_op.unpin.not_owned", ext(MMUEXT_UNPIN_TABLE, no_ram_mfn, 0), -XEN_EINVAL);
    test_check_rc("mmuext_op.pin_l1.writable_mapping", ext(MMUEXT_PIN_L1_TABLE, C->mfn, 0),
                  -XEN_EINVAL);
    test_check_rc("mmuext_op.pin_l1.not_owned", ext(MMUEXT_PIN_L1_TABLE, no_ram_mfn, 0),
                  -XEN_EINVAL);

    uint64_t bad[1] = {frame_pte(l4_mfn, PTE_P | PTE_RW)};
    struct spare *G = new_page("G", bad, 1);
    test_check_rc("mmuext_op.pin_l1.writable_l4_entry",
                  G ? ext(MMUEXT_PIN_L1_TABLE, G->mfn, 0) : -9999, -XEN_EBUSY);
    test_check_rc("mmuext_op.pin_l4.current", ext(MMUEXT_PIN_L4_TABLE, l4_mfn, 0), -XEN_EINVAL);

    /* A whole new hierarchy: L2 -> F, L3 -> L2, L4 -> L3, each pinned alone. */
    uint64_t l2[1] = {pte(F, PTE_P | PTE_RW)};
    struct spare *H = new_page("H", l2, 1);
    uint64_t l3[1] = {H ? pte(H, PTE_P | PTE_RW) : 0};
    struct spare *I = new_page("I", l3, 1);
    uint64_t l4[1] = {I ? pte(I, PTE_P | PTE_RW) : 0};
    struct spare *J = new_page("J", l4, 1);
    if (!H || !I || !J) {
        test_result("mmuext_op.pin_l2", false, "setup failed");
        return;
    }
    rc = ext(MMUEXT_PIN_L2_TABLE, H->mfn, 0);
    rc2 = ext(MMUEXT_UNPIN_TABLE, H->mfn, 0);
    test_check("mmuext_op.pin_l2", "rc=0 unpin=0", "rc=%ld unpin=%ld", rc, rc2);
    rc = ext(MMUEXT_PIN_L3_TABLE, I->mfn, 0);
    rc2 = ext(MMUEXT_UNPIN_TABLE, I->mfn, 0);
    test_check("mmuext_op.pin_l3", "rc=0 unpin=0", "rc=%ld unpin=%ld", rc, rc2);
    rc = ext(MMUEXT_PIN_L4_TABLE, J->mfn, 0);
    unsigned long j_va = mm_alloc_va();
    long map_rc = mm_map(j_va, J->mfn, PTE_P);
    const uint64_t *j = (const uint64_t *)j_va;
    test_check("mmuext_op.pin_l4", "rc=0 map_rc=0 slot0=0x27 slot256=0",
               "rc=%ld map_rc=%ld slot0=%#lx slot256=%lu", rc, map_rc, map_rc ? 0 : PTE_FLAGS(j[0]),
               map_rc ? 0 : j[256] & PTE_P);
    mm_unmap(j_va);
    test_check_rc("mmuext_op.pin_l4.unpin", ext(MMUEXT_UNPIN_TABLE, J->mfn, 0), 0);
}

static void mmuext_other_cases(void)
{
    unsigned long va = mm_alloc_va();
    static unsigned long vcpumask = 1;
    struct mmuext_op op;
    long rc;
    char name[80];

    test_check_rc("mmuext_op.tlb_flush_local", ext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    test_check_rc("mmuext_op.invlpg_local", ext(MMUEXT_INVLPG_LOCAL, va, 0), 0);
    test_check_rc("mmuext_op.invlpg_local.noncanonical", ext(MMUEXT_INVLPG_LOCAL, NONCANONICAL, 0),
                  0);
    test_check_rc("mmuext_op.invlpg_local.hv_range", ext(MMUEXT_INVLPG_LOCAL, HV_RANGE, 0), 0);
    test_check_rc("mmuext_op.tlb_flush_all", ext(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
    test_check_rc("mmuext_op.invlpg_all", ext(MMUEXT_INVLPG_ALL, va, 0), 0);
    test_check_rc("mmuext_op.tlb_flush_multi",
                  ext(MMUEXT_TLB_FLUSH_MULTI, 0, (unsigned long)&vcpumask), 0);
    test_check_rc("mmuext_op.invlpg_multi", ext(MMUEXT_INVLPG_MULTI, va, (unsigned long)&vcpumask),
                  0);
    test_check_rc("mmuext_op.tlb_flush_multi.bad_mask", ext(MMUEXT_TLB_FLUSH_MULTI, 0, UNMAPPED),
                  -XEN_EINVAL);

    test_check_rc("mmuext_op.new_baseptr.current", ext(MMUEXT_NEW_BASEPTR, l4_mfn, 0), 0);
    test_check_rc("mmuext_op.new_baseptr.writable_page", ext(MMUEXT_NEW_BASEPTR, C->mfn, 0),
                  -XEN_EINVAL);
    test_check_rc("mmuext_op.new_baseptr.not_owned", ext(MMUEXT_NEW_BASEPTR, no_ram_mfn, 0),
                  -XEN_EINVAL);
    test_check_rc("mmuext_op.new_user_baseptr.zero", ext(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    rc = ext(MMUEXT_NEW_USER_BASEPTR, l4_mfn, 0);
    long rc2 = ext(MMUEXT_NEW_USER_BASEPTR, 0, 0);
    test_check("mmuext_op.new_user_baseptr.l4", "rc=0 back_to_zero=0", "rc=%ld back_to_zero=%ld",
               rc, rc2);
    test_check_rc("mmuext_op.new_user_baseptr.writable_page",
                  ext(MMUEXT_NEW_USER_BASEPTR, C->mfn, 0), -XEN_EINVAL);

    test_check_rc("mmuext_op.set_ldt.none", ext(MMUEXT_SET_LDT, 0, 0), 0);
    test_check_rc("mmuext_op.set_ldt.unaligned", ext(MMUEXT_SET_LDT, va_c + 8, 1), -XEN_EINVAL);
    test_check_rc("mmuext_op.set_ldt.too_many", ext(MMUEXT_SET_LDT, va_c, 8193), -XEN_EINVAL);
    test_check_rc("mmuext_op.set_ldt.hv_range", ext(MMUEXT_SET_LDT, HV_RANGE, 1), -XEN_EINVAL);

    test_check_rc("mmuext_op.unknown_cmd", ext(99, 0, 0), -XEN_ENOSYS);
    test_check_rc("mmuext_op.mark_super", ext(MMUEXT_MARK_SUPER, A->mfn, 0), -XEN_EOPNOTSUPP);

    struct mmuext_op batch[3];
    memset(batch, 0, sizeof(batch));
    batch[0].cmd = MMUEXT_TLB_FLUSH_LOCAL;
    batch[1].cmd = 99;
    batch[2].cmd = MMUEXT_TLB_FLUSH_LOCAL;
    unsigned int done = 99;
    rc = HYPERVISOR_mmuext_op(batch, 3, &done, DOMID_SELF);
    test_check("mmuext_op.batch_stops", "rc=-38 done=1", "rc=%ld done=%u", rc, done);
    done = 99;
    rc = HYPERVISOR_mmuext_op(batch, 0, &done, DOMID_SELF);
    test_check("mmuext_op.count0", "rc=0 done=0", "rc=%ld done=%u", rc, done);
    for (unsigned int i = 0; i < 4; i++) {
        done = 99;
        rc = hypercall5(__HYPERVISOR_mmuext_op, bad_pointers[i], 1, (unsigned long)&done,
                        DOMID_SELF, 0);
        snprintf(name, sizeof(name), "mmuext_op.ops.%s", bad_names[i]);
        test_check(name, bad_array_results[i], "rc=%ld done=%u", rc, done);
    }
    done = 99;
    rc = HYPERVISOR_mmuext_op(batch, 0x7fffffff, &done, DOMID_SELF);
    test_check("mmuext_op.count_huge", "rc=-38 done=1", "rc=%ld done=%u", rc, done);
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_TLB_FLUSH_LOCAL;
    rc = HYPERVISOR_mmuext_op(&op, 1, NULL, 7);
    test_check_rc("mmuext_op.foreigndom.absent", rc, -XEN_ESRCH);
}

/* --- writable page tables ---------------------------------------------- */

/*
 * After a probe: its exception (or "none"), then the entry's flags, then
 * which page va shows, each taken in that order.
 */
static void wpt_check(const char *name, const char *expected, unsigned long l1e, unsigned long va)
{
    char f[80];
    strlcpy(f, fault_text(), sizeof(f));
    uint64_t flags = PTE_FLAGS(*(const uint64_t *)l1e);
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check(name, expected, "fault=%s flags=%#lx sees=%s", f, flags, seen(va));
}

static void writable_pagetable_cases(void)
{
    unsigned long va = mm_alloc_va();
    unsigned long l1e = (unsigned long)mm_l1e(va); /* in a read-only mapping */
    uint64_t now;
    long rc;
    char f[80];

    /* Without the assist (Xen 4.17 emulates these writes all the same). */
    do_write(l1e, pte(A, PTE_P | PTE_RW));
    wpt_check("writable_pagetables.off.write", "fault=none flags=0x10000000000007 sees=A", l1e, va);
    do_write(l1e, 0);
    wpt_check("writable_pagetables.off.clear", "fault=none flags=0 sees=fault", l1e, va);

    rc = HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    test_check_rc("vm_assist.enable.writable_pagetables", rc, 0);

    do_write(l1e, pte(A, PTE_P | PTE_RW));
    wpt_check("writable_pagetables.write", "fault=none flags=0x10000000000007 sees=A", l1e, va);
    do_write(l1e, pte(B, PTE_P));
    wpt_check("writable_pagetables.write.readonly", "fault=none flags=0x10000000000005 sees=B", l1e,
              va);
    do_write32(l1e, (uint32_t)pte(B, PTE_P | PTE_RW));
    strlcpy(f, fault_text(), sizeof(f));
    test_check("writable_pagetables.write32", "fault=none flags=0x10000000000007 same_frame=yes",
               "fault=%s flags=%#lx same_frame=%s", f, PTE_FLAGS(*(const uint64_t *)l1e),
               (*(const uint64_t *)l1e & PTE_ADDR_MASK) == pte(B, 0) ? "yes" : "no");
    now = *(const uint64_t *)l1e;
    rc = do_cmpxchg(l1e, now, pte(A, PTE_P | PTE_RW));
    strlcpy(f, fault_text(), sizeof(f));
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check("writable_pagetables.cmpxchg", "rc=0 fault=none sees=A", "rc=%ld fault=%s sees=%s",
               rc, f, seen(va));
    rc = do_cmpxchg(l1e, now, pte(B, PTE_P | PTE_RW));
    strlcpy(f, fault_text(), sizeof(f));
    ext(MMUEXT_INVLPG_LOCAL, va, 0);
    test_check("writable_pagetables.cmpxchg.stale", "rc=1 fault=none sees=A",
               "rc=%ld fault=%s sees=%s", rc, f, seen(va));

    /* The hypervisor refuses what it would refuse in a hypercall: a fault. */
    now = *(const uint64_t *)l1e;
    do_write(l1e, frame_pte(l4_mfn, PTE_P | PTE_RW));
    test_check("writable_pagetables.write.writable_l4", "vector=14,ec=0x3,cr2=addr unchanged=yes",
               "%s unchanged=%s", fault_text(), *(const uint64_t *)l1e == now ? "yes" : "no");
    do_write(l1e, frame_pte(INVALID_FRAME, PTE_P));
    test_check("writable_pagetables.write.invalid_frame", "vector=14,ec=0x3,cr2=addr unchanged=yes",
               "%s unchanged=%s", fault_text(), *(const uint64_t *)l1e == now ? "yes" : "no");
    /* Only L1 tables are emulated. */
    unsigned long l4_slot = start_info->pt_base + FIRST_GUEST_SLOT_AFTER_HV * 8;
    do_write(l4_slot, 0);
    test_check("writable_pagetables.write.l4", "vector=14,ec=0x3,cr2=addr", "%s", fault_text());

    do_write(l1e, 0);
    wpt_check("writable_pagetables.clear", "fault=none flags=0 sees=fault", l1e, va);

    rc = HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
    test_check_rc("vm_assist.disable.writable_pagetables", rc, 0);
}

static void vm_assist_cases(void)
{
    char enabled[120] = "", others[60] = "";
    long other_rc = 0;
    bool mixed = false;
    for (unsigned int type = 0; type <= 40; type++) {
        long rc = HYPERVISOR_vm_assist(VMASST_CMD_enable, type);
        if (rc == 0) {
            size_t n = strlen(enabled);
            snprintf(enabled + n, sizeof(enabled) - n, "%s%u", n ? "," : "", type);
            HYPERVISOR_vm_assist(VMASST_CMD_disable, type);
        } else if (!other_rc) {
            other_rc = rc;
        } else if (rc != other_rc) {
            mixed = true;
        }
    }
    snprintf(others, sizeof(others), "%ld%s", other_rc, mixed ? ",mixed" : "");
    test_check("vm_assist.enable.types_0_40", "enabled=0,1,2,3,4,5,32 others=-22",
               "enabled=%s others=%s", enabled, others);
    test_check_rc("vm_assist.enable.type64", HYPERVISOR_vm_assist(VMASST_CMD_enable, 64),
                  -XEN_EINVAL);
    test_check_rc("vm_assist.disable.type64", HYPERVISOR_vm_assist(VMASST_CMD_disable, 64),
                  -XEN_EINVAL);
    test_check_rc("vm_assist.unknown_cmd", HYPERVISOR_vm_assist(2, VMASST_TYPE_writable_pagetables),
                  -XEN_ENOSYS);
}

/* --- multicall ------------------------------------------------------------ */

static void multicall_cases(void)
{
    unsigned long va = mm_alloc_va();
    static struct mmuext_op flush = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};
    multicall_entry_t calls[3];
    long rc;

    memset(calls, 0, sizeof(calls));
    calls[0].op = __HYPERVISOR_update_va_mapping;
    calls[0].args[0] = va;
    calls[0].args[1] = pte(A, PTE_P | PTE_RW);
    calls[1].op = __HYPERVISOR_mmuext_op;
    calls[1].args[0] = (unsigned long)&flush;
    calls[1].args[1] = 1;
    calls[1].args[3] = DOMID_SELF;
    calls[0].result = calls[1].result = 99;
    rc = HYPERVISOR_multicall(calls, 2);
    test_check("multicall.map_and_flush", "rc=0 results=0,0 sees=A",
               "rc=%ld results=%ld,%ld sees=%s", rc, (long)calls[0].result, (long)calls[1].result,
               seen(va));

    memset(calls, 0, sizeof(calls));
    calls[0].op = __HYPERVISOR_update_va_mapping;
    calls[0].args[0] = HV_RANGE;
    calls[0].args[1] = pte(A, PTE_P);
    calls[1].op = 63;
    calls[2].op = __HYPERVISOR_update_va_mapping;
    calls[2].args[0] = va;
    calls[2].args[2] = UVMF_INVLPG;
    rc = HYPERVISOR_multicall(calls, 3);
    test_check("multicall.errors_do_not_stop", "rc=0 results=-22,-38,0 sees=fault",
               "rc=%ld results=%ld,%ld,%ld sees=%s", rc, (long)calls[0].result,
               (long)calls[1].result, (long)calls[2].result, seen(va));

    static multicall_entry_t inner[1];
    inner[0].op = __HYPERVISOR_mmuext_op;
    inner[0].args[0] = (unsigned long)&flush;
    inner[0].args[1] = 1;
    inner[0].args[3] = DOMID_SELF;
    memset(calls, 0, sizeof(calls));
    calls[0].op = __HYPERVISOR_multicall;
    calls[0].args[0] = (unsigned long)inner;
    calls[0].args[1] = 1;
    rc = HYPERVISOR_multicall(calls, 1);
    test_check("multicall.nested", "rc=0 result=-22", "rc=%ld result=%ld", rc,
               (long)calls[0].result);

    test_check_rc("multicall.count0", HYPERVISOR_multicall(calls, 0), 0);
    char name[80];
    for (unsigned int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "multicall.calls.%s", bad_names[i]);
        test_check_rc(name, hypercall2(__HYPERVISOR_multicall, bad_pointers[i], 1), -XEN_EFAULT);
    }
}

/* --- afterwards ------------------------------------------------------------ */

static void still_works_case(void)
{
    /* The initial region below the window still maps what the P2M says. */
    unsigned long wrong = 0, pages = mm_initial_pages() - MM_WINDOW_PAGES;
    for (unsigned long pfn = 0; pfn < pages; pfn++) {
        const uint64_t *e = mm_l1e(VIRT_BASE + (pfn << PAGE_SHIFT));
        if (!e || (*e & PTE_ADDR_MASK) != (uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT)
            wrong++;
    }
    long v = HYPERVISOR_xen_version(XENVER_version, NULL);
    test_result("domain.still_works", wrong == 0 && v > 0, "%s",
                wrong == 0 && v > 0 ? "ok" : "broken");
}

int kernel_main(void)
{
    trap_hook = probe_hook;
    l4_mfn = virt_to_mfn((const void *)start_info->pt_base);

    long rc = mm_init();
    test_check_rc("mm.init", rc, 0);
    if (rc)
        return test_summary();
    scratch_va = mm_alloc_va();
    window_l1_mfn = virt_to_mfn((const void *)((unsigned long)mm_l1e(scratch_va) & ~0xfffUL));
    A = new_page("A", NULL, -1);
    B = new_page("B", NULL, -1);
    C = new_page("C", NULL, -1);
    D = new_page("D", NULL, -1);
    va_c = mm_alloc_va();
    if (!A || !B || !C || !D || !va_c || mm_map(va_c, C->mfn, PTE_P | PTE_RW)) {
        test_result("mm.spare_pages", false, "setup failed");
        return test_summary();
    }

    layout_cases();
    memory_op_cases();
    update_va_mapping_cases();
    mmu_update_cases();
    mmu_update_l2_cases();
    mmuext_pin_cases();
    mmuext_other_cases();
    writable_pagetable_cases();
    vm_assist_cases();
    multicall_cases();
    still_works_case();

    trap_hook = NULL;
    test_debug_key_answered();
    return test_summary();
}
