/*
 * Page-type transitions of PV page-table safety (arch/x86/pv/mm.c), driven
 * through the real hypercall entry points (mmu_update, mmuext_op) over a
 * small fake machine: 96 frames of test memory standing in for the direct
 * map, a frame table, hv's L4 and an M2P frame.
 *
 * Each case checks the counts a transition must leave: a table pinned,
 * validated and released level by level; writable mappings and table use
 * excluding each other (-EINVAL one way, -EBUSY the other); a validation
 * failing half-way undoing every reference it took; linear tables, hv's L4
 * slots, the M2P and other domains' frames refused; counts saturating
 * without wrapping; a frame given back freed with its last reference.  A
 * randomized run checks after every operation that each frame's general
 * and type counts equal what the tables, pins and base pointers referring
 * to it account for, and that releasing everything returns every frame to
 * its allocation reference alone.
 */
#include "unit.h"
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>
#include <asm/pv.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/mm.h>

#define NR_FRAMES     96
#define M2P_MFN       2
#define HV_L4_MFN     3
#define DOM0_FIRST    8 /* frames 8..63 belong to the domain under test */
#define DOM0_END      64
#define OTHER_FIRST   64 /* 64..79 to another domain */
#define IO_FIRST      80 /* 80..95 are not RAM: I/O memory */
#define GUEST_KERNEL  (1ULL << 52)
#define ALLOCATED_REF (PGC_allocated | 1)

/* What arch/x86/pv/mm.c uses from the rest of hv, provided here. */
uint8_t *host_machine_memory;
struct page_info *frame_table;
uint64_t max_page;
unsigned int cpu_phys_addr_bits = 40;
uint64_t *hv_l4;
unsigned long *machine_to_phys;

static struct domain dom, other; /* ids 0 and 1 */
static struct vcpu vcpu;
static uint64_t cr3_loads, last_cr3;
static unsigned int freed[NR_FRAMES];

bool arch_mfn_is_ram(uint64_t mfn)
{
    return mfn < IO_FIRST;
}

struct vcpu *current_vcpu(void)
{
    return &vcpu;
}

/* Guest addresses are host addresses here; 0 and the upper half are not guest memory. */
bool guest_range_ok(uint64_t addr, uint64_t len)
{
    return addr != 0 && addr < (1ULL << 47) && len <= (1ULL << 47) - addr;
}

int copy_from_guest(void *dst, uint64_t guest_src, size_t len)
{
    if (!guest_range_ok(guest_src, len))
        return -EFAULT;
    memcpy(dst, (const void *)guest_src, len);
    return 0;
}

int copy_to_guest(uint64_t guest_dst, const void *src, size_t len)
{
    if (!guest_range_ok(guest_dst, len))
        return -EFAULT;
    memcpy((void *)guest_dst, src, len);
    return 0;
}

struct domain *domain_by_id(domid_t_hv id)
{
    return id == 0 ? &dom : id == 1 ? &other : NULL;
}

/* Teardown (relinquish.c) asks for these; the test's vCPUs hold no GDT or LDT. */
int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
    (void)v, (void)frames, (void)entries;
    return 0;
}

void pv_destroy_ldt(struct vcpu *v)
{
    (void)v;
}

/* Flushes asked for before each frame was last freed (every CPU's TLB must be clean). */
static unsigned int flushes_at_free[NR_FRAMES];
static uint64_t flush_mask_at_free[NR_FRAMES];
static unsigned int mask_flushes;
static uint64_t last_flush_mask;

void domain_free_page(uint64_t mfn)
{
    assert_true(mfn < NR_FRAMES);
    freed[mfn]++;
    flushes_at_free[mfn] = mask_flushes;
    flush_mask_at_free[mfn] = last_flush_mask;
}

int pv_validate_descriptor_page(uint64_t mfn)
{
    (void)mfn;
    return 0;
}

int pv_set_ldt(struct vcpu *v, uint64_t addr, unsigned int entries)
{
    (void)v, (void)addr, (void)entries;
    return -ENOSYS; /* ldt.c is not part of this test */
}

/* The hardware domain may map I/O memory; frame 90 read-only, as hv's HPET. */
enum iomem_access pv_iomem_access(const struct domain *d, uint64_t mfn)
{
    if (!d->privileged)
        return IOMEM_DENIED;
    return mfn == 90 ? IOMEM_READ_ONLY : IOMEM_READ_WRITE;
}

uint64_t read_cr3(void)
{
    return last_cr3;
}

void write_cr3(uint64_t v)
{
    last_cr3 = v;
    cr3_loads++;
}

void invlpg(const void *va)
{
    (void)va;
}

/* The flushes asked of the (fake) machine's CPUs: mask_flushes, last_flush_mask above. */

void flush_tlb_mask(uint64_t cpus)
{
    mask_flushes++;
    last_flush_mask = cpus;
}

unsigned int smp_processor_id(void)
{
    return 0;
}

uint64_t sched_online_cpus(void)
{
    return 0xf;
}

void arch_wait_relax(void)
{
}

static uint64_t *table(uint64_t mfn)
{
    return (uint64_t *)(host_machine_memory + (mfn << PAGE_SHIFT));
}

static uint64_t entry(uint64_t mfn, uint64_t flags)
{
    return (mfn << PAGE_SHIFT) | flags;
}

#define RW (_PAGE_PRESENT | _PAGE_RW)
#define RO _PAGE_PRESENT

static int setup(void **state)
{
    (void)state;
    host_machine_memory = aligned_alloc(PAGE_SIZE, NR_FRAMES * PAGE_SIZE);
    assert_non_null(host_machine_memory);
    memset(host_machine_memory, 0, NR_FRAMES * PAGE_SIZE);
    frame_table = calloc(NR_FRAMES, sizeof(*frame_table));
    assert_non_null(frame_table);
    max_page = NR_FRAMES;
    machine_to_phys = (unsigned long *)table(M2P_MFN);
    hv_l4 = table(HV_L4_MFN);
    for (unsigned int i = HV_SLOT_FIRST; i <= HV_SLOT_LAST; i++)
        hv_l4[i] = entry(0x100000 + i, RW);
    for (uint64_t m = 0; m < NR_FRAMES; m++) {
        struct page_info *pg = &frame_table[m];
        if (m >= DOM0_FIRST && m < DOM0_END)
            pg->owner = 0;
        else if (m >= OTHER_FIRST && m < IO_FIRST)
            pg->owner = 1;
        else
            pg->owner = m < IO_FIRST ? OWNER_HV : OWNER_NONE;
        if (pg->owner == 0 || pg->owner == 1)
            pg->count_info = ALLOCATED_REF;
    }
    memset(&dom, 0, sizeof(dom));
    dom.id = 0;
    dom.privileged = true;
    memset(&other, 0, sizeof(other));
    other.id = 1;
    /* The other domain's frames threaded on its page list, as hv keeps them. */
    other.page_list_head = PAGE_LIST_NULL;
    for (uint64_t m = IO_FIRST; m-- > OTHER_FIRST;) {
        frame_table[m].prev = PAGE_LIST_NULL;
        frame_table[m].next = other.page_list_head;
        if (other.page_list_head != PAGE_LIST_NULL)
            frame_table[other.page_list_head].prev = (uint32_t)m;
        other.page_list_head = (uint32_t)m;
    }
    memset(&vcpu, 0, sizeof(vcpu));
    vcpu.domain = &dom;
    vcpu.arch.kernel_mode = true;
    cr3_loads = last_cr3 = 0;
    mask_flushes = 0;
    last_flush_mask = 0;
    memset(freed, 0, sizeof(freed));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(host_machine_memory);
    free(frame_table);
    host_machine_memory = NULL;
    frame_table = NULL;
    return 0;
}

static long mmuext(unsigned int cmd, uint64_t mfn)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = mfn;
    return do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF);
}

static long pin(unsigned int level, uint64_t mfn)
{
    return mmuext(MMUEXT_PIN_L1_TABLE + level - 1, mfn);
}

static long unpin(uint64_t mfn)
{
    return mmuext(MMUEXT_UNPIN_TABLE, mfn);
}

static long update(uint64_t table_mfn, unsigned int index, uint64_t val, unsigned int cmd)
{
    struct mmu_update req = {.ptr = (table_mfn << PAGE_SHIFT) + index * 8 + cmd, .val = val};
    return do_mmu_update((uint64_t)&req, 1, 0, DOMID_SELF);
}

static long foreign_update(uint64_t table_mfn, unsigned int index, uint64_t val, uint64_t fd)
{
    struct mmu_update req = {.ptr = (table_mfn << PAGE_SHIFT) + index * 8, .val = val};
    return do_mmu_update((uint64_t)&req, 1, 0, fd);
}

static long foreign_mmuext(unsigned int cmd, uint64_t mfn, uint64_t fd)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = mfn;
    return do_mmuext_op((uint64_t)&op, 1, 0, fd);
}

static uint64_t general_count(uint64_t mfn)
{
    return frame_table[mfn].count_info & PGC_count_mask;
}

static uint64_t type_count(uint64_t mfn)
{
    return frame_table[mfn].type_info & PGT_count_mask;
}

static uint64_t type_of(uint64_t mfn)
{
    return frame_table[mfn].type_info & PGT_type_mask;
}

/* Every frame of both domains holds only its allocation reference and no type reference. */
static void assert_baseline(void)
{
    for (uint64_t m = DOM0_FIRST; m < IO_FIRST; m++) {
        if (frame_table[m].count_info != ALLOCATED_REF || type_count(m) != 0)
            unit_fail("frame %llu: count_info %#llx type_info %#llx, expected only the "
                      "allocation reference",
                      (unsigned long long)m, (unsigned long long)frame_table[m].count_info,
                      (unsigned long long)frame_table[m].type_info);
    }
}

/*
 * The invariant: each frame's general count is its allocation reference plus
 * one per pin, base pointer and present entry of a live table that refers to
 * it; its type count is one per pin, base pointer, next-level table entry and
 * (for data frames) writable L1 entry.  A table that is referenced is
 * validated, and everything refers to it with the type it has.
 */
static void assert_counts_exact(const char *after)
{
    uint64_t general[NR_FRAMES] = {0}, typed[NR_FRAMES] = {0}, wanted[NR_FRAMES] = {0};
    for (uint64_t m = 0; m < NR_FRAMES; m++) {
        uint64_t x = frame_table[m].type_info;
        if (frame_table[m].count_info & PGC_allocated)
            general[m]++;
        if (x & PGT_pinned) {
            general[m]++;
            typed[m]++;
        }
        uint64_t t = x & PGT_type_mask;
        if ((x & PGT_count_mask) == 0 || t < PGT_l1 || t > PGT_l4)
            continue;
        if (!(x & PGT_validated))
            unit_fail("after %s: frame %llu is a referenced table but not validated", after,
                      (unsigned long long)m);
        unsigned int level = (unsigned int)(t >> 60);
        for (unsigned int i = 0; i < 512; i++) {
            uint64_t e = table(m)[i];
            if (level == 4 && i >= HV_SLOT_FIRST && i <= HV_SLOT_LAST) {
                if (e != (i == HV_SLOT_FIRST ? 0 : hv_l4[i]) && e != hv_l4[i])
                    unit_fail("after %s: hv slot %u of L4 %llu is %#llx", after, i,
                              (unsigned long long)m, (unsigned long long)e);
                continue;
            }
            if (!(e & _PAGE_PRESENT))
                continue;
            uint64_t target = (e & 0x000ffffffffff000ULL) >> PAGE_SHIFT;
            if (target >= IO_FIRST)
                continue; /* I/O memory: no references */
            general[target]++;
            uint64_t type = level == 1 ? PGT_writable : (uint64_t)(level - 1) << 60;
            if (level > 1 || (e & _PAGE_RW)) {
                typed[target]++;
                if (wanted[target] && wanted[target] != type)
                    unit_fail("after %s: frame %llu referred to with two types", after,
                              (unsigned long long)target);
                wanted[target] = type;
            }
        }
    }
    if (vcpu.arch.guest_table) {
        general[vcpu.arch.guest_table]++;
        typed[vcpu.arch.guest_table]++;
    }
    if (vcpu.arch.guest_table_user) {
        general[vcpu.arch.guest_table_user]++;
        typed[vcpu.arch.guest_table_user]++;
    }
    for (uint64_t m = DOM0_FIRST; m < IO_FIRST; m++) {
        if (general_count(m) != general[m] || type_count(m) != typed[m])
            unit_fail("after %s: frame %llu has general %llu type %llu (type_info %#llx), "
                      "its referrers account for %llu and %llu",
                      after, (unsigned long long)m, (unsigned long long)general_count(m),
                      (unsigned long long)type_count(m),
                      (unsigned long long)frame_table[m].type_info, (unsigned long long)general[m],
                      (unsigned long long)typed[m]);
        if (wanted[m] && type_of(m) != wanted[m])
            unit_fail("after %s: frame %llu has type %#llx, its referrers want %#llx", after,
                      (unsigned long long)m, (unsigned long long)type_of(m),
                      (unsigned long long)wanted[m]);
    }
}

static void l1_pin_takes_and_unpin_drops_references(void **state)
{
    (void)state;
    table(10)[0] = entry(20, RW);
    table(10)[1] = entry(21, RO);
    table(10)[2] = entry(22, RW);
    table(10)[3] = entry(22, RW | _PAGE_USER);
    assert_int_equal(pin(1, 10), 0);
    assert_int_equal(frame_table[10].type_info, PGT_l1 | PGT_pinned | PGT_validated | 1);
    assert_int_equal(general_count(10), 2);
    assert_int_equal(general_count(20), 2);
    assert_int_equal(frame_table[20].type_info, PGT_writable | PGT_validated | 1);
    assert_int_equal(general_count(21), 2);
    assert_int_equal(type_count(21), 0);
    assert_int_equal(general_count(22), 3);
    assert_int_equal(frame_table[22].type_info, PGT_writable | PGT_validated | 2);
    /* Xen's adjustment: kernel mappings get _PAGE_USER (and hv's mark), user ones global. */
    assert_int_equal(table(10)[0], entry(20, RW | _PAGE_USER | GUEST_KERNEL));
    assert_int_equal(table(10)[3], entry(22, RW | _PAGE_USER | _PAGE_GLOBAL));
    assert_counts_exact("pin");
    assert_int_equal(unpin(10), 0);
    assert_int_equal(frame_table[10].type_info, 0);
    assert_baseline();
}

static void writable_mapping_and_table_use_exclude_each_other(void **state)
{
    (void)state;
    table(10)[0] = entry(11, RW);
    assert_int_equal(pin(1, 10), 0);
    /* A frame mapped writable cannot become a table... */
    assert_int_equal(pin(1, 11), -EINVAL);
    assert_int_equal(frame_table[11].type_info, PGT_writable | PGT_validated | 1);
    /* ...until the writable mapping goes; then it cannot be mapped writable. */
    assert_int_equal(update(10, 0, entry(11, RO), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(type_count(11), 0);
    assert_int_equal(pin(1, 11), 0);
    assert_int_equal(update(10, 0, entry(11, RW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(table(10)[0], entry(11, RO | _PAGE_USER | GUEST_KERNEL));
    assert_int_equal(update(10, 1, entry(10, RW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    /* An update of a table is validated as an entry; of a data frame it is a plain write. */
    assert_int_equal(update(11, 5, entry(70, RO), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(table(11)[5], 0);
    assert_int_equal(update(12, 5, entry(70, RO), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(table(12)[5], entry(70, RO));
    assert_counts_exact("updates");
    assert_int_equal(unpin(11), 0);
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

/* A frame that was writable becomes a table only after every CPU running
 * the domain dropped its translations (another vCPU could still write it). */
static void leaving_writable_flushes_the_domains_cpus(void **state)
{
    (void)state;
    dom.dirty_cpumask = 0x6;
    table(10)[0] = entry(11, RW);
    assert_int_equal(pin(1, 10), 0);
    assert_int_equal(update(10, 0, entry(11, RO), MMU_NORMAL_PT_UPDATE), 0);
    unsigned int before = mask_flushes;
    assert_int_equal(pin(1, 11), 0);
    assert_int_equal(mask_flushes, before + 1);
    assert_int_equal(last_flush_mask, 0x6);
    /* Taking the same type again flushes nothing. */
    assert_int_equal(unpin(11), 0);
    before = mask_flushes;
    assert_int_equal(pin(1, 11), 0);
    assert_int_equal(mask_flushes, before);
    assert_int_equal(unpin(11), 0);
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

static void pins_are_not_counted_twice(void **state)
{
    (void)state;
    assert_int_equal(pin(1, 10), 0);
    assert_int_equal(pin(1, 10), -EINVAL);
    assert_int_equal(pin(2, 10), -EINVAL);
    assert_int_equal(type_count(10), 1);
    assert_int_equal(unpin(10), 0);
    assert_int_equal(unpin(10), -EINVAL);
    assert_int_equal(unpin(11), -EINVAL); /* never pinned */
    assert_int_equal(unpin(70), -EINVAL); /* not ours */
    assert_int_equal(pin(1, 70), -EINVAL);
    assert_baseline();
}

/* L4 12 -> L3 13 -> L2 14 -> L1 15 -> data 16. */
static void build_hierarchy(void)
{
    table(12)[0] = entry(13, RW);
    table(13)[0] = entry(14, RW);
    table(14)[0] = entry(15, RW);
    table(15)[0] = entry(16, RW);
}

static void hierarchy_validated_and_released_level_by_level(void **state)
{
    (void)state;
    build_hierarchy();
    assert_int_equal(pin(4, 12), 0);
    assert_int_equal(frame_table[12].type_info, PGT_l4 | PGT_pinned | PGT_validated | 1);
    assert_int_equal(frame_table[13].type_info, PGT_l3 | PGT_validated | 1);
    assert_int_equal(frame_table[14].type_info, PGT_l2 | PGT_validated | 1);
    assert_int_equal(frame_table[15].type_info, PGT_l1 | PGT_validated | 1);
    assert_int_equal(frame_table[16].type_info, PGT_writable | PGT_validated | 1);
    /* Xen sets _PAGE_USER in every upper-level entry and Accessed in L4 entries. */
    assert_int_equal(table(12)[0], entry(13, RW | _PAGE_USER | _PAGE_ACCESSED));
    assert_int_equal(table(13)[0], entry(14, RW | _PAGE_USER));
    assert_counts_exact("pin L4");
    assert_int_equal(unpin(12), 0);
    for (uint64_t m = 12; m <= 15; m++)
        assert_int_equal(frame_table[m].type_info, 0);
    assert_baseline();

    /* A table pinned on its own outlives the hierarchy above it. */
    assert_int_equal(pin(2, 14), 0);
    assert_int_equal(pin(4, 12), 0);
    assert_int_equal(type_count(14), 2);
    assert_int_equal(unpin(12), 0);
    assert_int_equal(frame_table[14].type_info, PGT_l2 | PGT_pinned | PGT_validated | 1);
    assert_int_equal(frame_table[15].type_info, PGT_l1 | PGT_validated | 1);
    assert_counts_exact("unpin L4 with L2 pinned");
    assert_int_equal(unpin(14), 0);
    assert_baseline();
}

static void failed_validation_undoes_every_reference(void **state)
{
    (void)state;
    for (unsigned int i = 0; i < 100; i++)
        table(10)[i] = entry(20 + i % 10, RW);
    table(10)[100] = entry(70, RO); /* another domain's frame */
    assert_int_equal(pin(1, 10), -EBUSY);
    assert_int_equal(frame_table[10].type_info, 0);
    assert_baseline();

    /* Deep in a hierarchy: the L1 fails, after L3 and L2 took references. */
    build_hierarchy();
    table(13)[1] = entry(17, RW);
    table(17)[0] = entry(18, RW);
    table(18)[0] = entry(20, RW);
    table(18)[7] = entry(M2P_MFN, RO); /* the M2P is hv's */
    assert_int_equal(pin(4, 12), -EBUSY);
    static const uint64_t tables[] = {12, 13, 14, 15, 17, 18};
    for (unsigned int i = 0; i < 6; i++)
        assert_int_equal(frame_table[tables[i]].type_info, 0);
    assert_baseline();

    /* Bits a guest may not set in upper levels (a superpage, cache attributes). */
    table(18)[7] = 0;
    table(14)[1] = entry(19, RW | _PAGE_PSE);
    assert_int_equal(pin(4, 12), -EINVAL);
    assert_baseline();
    table(14)[1] = entry(19, RW | _PAGE_PCD);
    assert_int_equal(pin(2, 14), -EINVAL);
    assert_baseline();
    table(14)[1] = 0;
    assert_int_equal(pin(4, 12), 0);
    assert_counts_exact("pin after fixing");
    assert_int_equal(unpin(12), 0);
    assert_baseline();
}

static void level_clash_and_linear_tables_refused(void **state)
{
    (void)state;
    /* 14 is in use as an L1: an L3 cannot use it as its L2. */
    table(13)[0] = entry(15, RW);
    table(13)[1] = entry(14, RW);
    assert_int_equal(pin(1, 14), 0);
    assert_int_equal(pin(3, 13), -EINVAL);
    assert_int_equal(frame_table[13].type_info, 0);
    assert_int_equal(frame_table[14].type_info, PGT_l1 | PGT_pinned | PGT_validated | 1);
    assert_int_equal(unpin(14), 0);
    assert_baseline();
    /* A table that refers to itself (a linear mapping) at any level. */
    memset(table(13), 0, PAGE_SIZE);
    table(13)[3] = entry(13, RO);
    assert_int_equal(pin(3, 13), -EINVAL);
    table(12)[3] = entry(12, RO);
    assert_int_equal(pin(4, 12), -EINVAL);
    assert_baseline();
    /* An L1 may map itself read-only (as guests map their page tables), never writable. */
    table(10)[0] = entry(10, RO);
    assert_int_equal(pin(1, 10), 0);
    assert_int_equal(general_count(10), 3);
    assert_int_equal(update(10, 1, entry(10, RW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_counts_exact("self-mapping L1");
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

static void hv_slots_are_hvs(void **state)
{
    (void)state;
    for (unsigned int i = HV_SLOT_FIRST; i <= HV_SLOT_LAST; i++)
        table(12)[i] = entry(20, RW); /* a guest's try at hv's slots: no references taken */
    table(12)[0] = entry(13, RW);
    assert_int_equal(pin(4, 12), 0);
    assert_int_equal(table(12)[HV_SLOT_FIRST], 0); /* the M2P slot comes with a base pointer */
    for (unsigned int i = HV_SLOT_FIRST + 1; i <= HV_SLOT_LAST; i++)
        assert_int_equal(table(12)[i], hv_l4[i]);
    assert_int_equal(general_count(20), 1);
    assert_int_equal(update(12, HV_SLOT_FIRST + 1, entry(13, RW), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(table(12)[HV_SLOT_FIRST + 1], hv_l4[HV_SLOT_FIRST + 1]);
    assert_counts_exact("pin L4");
    assert_int_equal(unpin(12), 0);
    assert_baseline();
}

static void foreign_m2p_and_io_frames(void **state)
{
    (void)state;
    assert_int_equal(pin(1, 10), 0);
    /* Another domain's frame: -EBUSY, as Xen (conformance/domains). */
    assert_int_equal(update(10, 0, entry(70, RO), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(update(10, 0, entry(M2P_MFN, RO), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(update(10, 0, entry(HV_L4_MFN, RO), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(table(10)[0], 0);
    /* I/O memory: the hardware domain maps it uncached, with no references. */
    assert_int_equal(update(10, 0, entry(85, RW), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(table(10)[0],
                     entry(85, RW | _PAGE_PCD | _PAGE_PWT | _PAGE_USER | GUEST_KERNEL));
    /* A frame it may only read: the writable mapping is made read-only. */
    assert_int_equal(update(10, 0, entry(90, RW), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(table(10)[0],
                     entry(90, RO | _PAGE_PCD | _PAGE_PWT | _PAGE_USER | GUEST_KERNEL));
    assert_int_equal(update(10, 0, 0, MMU_NORMAL_PT_UPDATE), 0);
    /* Other domains have no I/O memory: -EPERM, as Xen; the all-ones frame is -EINVAL. */
    dom.privileged = false;
    assert_int_equal(update(10, 0, entry(85, RW), MMU_NORMAL_PT_UPDATE), -EPERM);
    assert_int_equal(update(10, 0, entry(0xffffffffffULL, RO), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_counts_exact("refused updates");
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

static void mmu_update_moves_references(void **state)
{
    (void)state;
    table(10)[0] = entry(20, RW);
    assert_int_equal(pin(1, 10), 0);
    assert_int_equal(update(10, 0, entry(21, RW), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(general_count(20), 1);
    assert_int_equal(type_count(20), 0);
    assert_int_equal(type_count(21), 1);
    /* Flags other than presence and writability change no reference. */
    assert_int_equal(
        update(10, 0, entry(21, RW | _PAGE_ACCESSED | _PAGE_DIRTY), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(general_count(21), 2);
    assert_int_equal(type_count(21), 1);
    /* Preserve-AD keeps the Accessed and Dirty bits the entry had. */
    assert_int_equal(update(10, 0, entry(21, RO), MMU_PT_UPDATE_PRESERVE_AD), 0);
    assert_int_equal(table(10)[0],
                     entry(21, RO | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER | GUEST_KERNEL));
    assert_int_equal(type_count(21), 0);
    assert_int_equal(general_count(21), 2);
    /* A refused update leaves the old entry and its references. */
    assert_int_equal(update(10, 0, entry(70, RW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(general_count(21), 2);
    assert_counts_exact("updates");
    /* A batch stops at the first failure and reports how many were done. */
    struct mmu_update reqs[3] = {
        {.ptr = (10ULL << PAGE_SHIFT) + 8, .val = entry(22, RW)},
        {.ptr = (10ULL << PAGE_SHIFT) + 16, .val = entry(M2P_MFN, RO)},
        {.ptr = (10ULL << PAGE_SHIFT) + 24, .val = entry(23, RW)},
    };
    unsigned int done = 99;
    assert_int_equal(do_mmu_update((uint64_t)reqs, 3, (uint64_t)&done, DOMID_SELF), -EBUSY);
    assert_int_equal(done, 1);
    assert_int_equal(type_count(22), 1);
    assert_int_equal(general_count(23), 1);
    assert_counts_exact("batch");
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

static void counts_saturate_without_wrapping(void **state)
{
    (void)state;
    assert_int_equal(pin(1, 10), 0);
    frame_table[20].type_info = PGT_writable | PGT_validated | PGT_count_mask;
    assert_int_equal(update(10, 0, entry(20, RW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(frame_table[20].type_info, PGT_writable | PGT_validated | PGT_count_mask);
    assert_int_equal(general_count(20), 1);
    frame_table[20].type_info = 0;
    frame_table[21].count_info = PGC_allocated | PGC_count_mask;
    assert_int_equal(update(10, 0, entry(21, RO), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(frame_table[21].count_info, PGC_allocated | PGC_count_mask);
    frame_table[21].count_info = ALLOCATED_REF;
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

static void given_back_frame_freed_with_last_reference(void **state)
{
    (void)state;
    table(10)[0] = entry(20, RW);
    table(10)[1] = entry(20, RO);
    assert_int_equal(pin(1, 10), 0);
    /* decrease_reservation drops the allocation reference while mappings remain. */
    frame_table[20].count_info &= ~PGC_allocated;
    frame_table[20].count_info--;
    assert_int_equal(update(10, 0, 0, MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(freed[20], 0);
    unsigned int flushes_before = mask_flushes;
    assert_int_equal(unpin(10), 0);
    assert_int_equal(freed[20], 1);
    assert_int_equal(general_count(20), 0);
    /* The entry that held the last reference may still be cached somewhere:
     * every CPU was flushed before the frame went back. */
    assert_true(flushes_at_free[20] > flushes_before);
    assert_int_equal(flush_mask_at_free[20], sched_online_cpus());
}

static void base_pointers_hold_their_tables(void **state)
{
    (void)state;
    table(12)[0] = entry(13, RW);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, 12), 0);
    assert_int_equal(vcpu.arch.guest_table, 12);
    assert_int_equal(frame_table[12].type_info, PGT_l4 | PGT_validated | 1);
    assert_int_equal(last_cr3, 12ULL << PAGE_SHIFT);
    assert_int_equal(table(12)[HV_SLOT_FIRST], hv_l4[HV_SLOT_FIRST]);
    /* A user base pointer is not loaded while the kernel runs. */
    assert_int_equal(mmuext(MMUEXT_NEW_USER_BASEPTR, 11), 0);
    assert_int_equal(cr3_loads, 1);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, 70), -EINVAL);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, 15), 0);
    assert_int_equal(frame_table[12].type_info, 0);
    assert_int_equal(frame_table[13].type_info, 0);
    assert_counts_exact("base pointers");
    assert_int_equal(mmuext(MMUEXT_NEW_USER_BASEPTR, 0), 0);
    assert_int_equal(type_count(11), 0);
    /* The last reference to the kernel's L4 is the test's to drop. */
    pv_put_page_and_type(vcpu.arch.guest_table);
    vcpu.arch.guest_table = 0;
    assert_baseline();
}

/* The pool a random run works in: dom0 frames 8..39, plus a few it may not use. */
static uint64_t random_target(struct unit_rng *r)
{
    switch (unit_below(r, 40)) {
    case 0:
        return OTHER_FIRST + unit_below(r, 4);
    case 1:
        return M2P_MFN;
    case 2:
        return IO_FIRST + unit_below(r, 4);
    default:
        return DOM0_FIRST + unit_below(r, 32);
    }
}

static uint64_t random_entry(struct unit_rng *r, bool upper)
{
    if (unit_below(r, 3) == 0)
        return 0;
    uint64_t flags = _PAGE_PRESENT;
    if (unit_below(r, 2))
        flags |= _PAGE_RW;
    if (unit_below(r, 4) == 0)
        flags |= _PAGE_USER;
    if (upper && unit_below(r, 30) == 0)
        flags |= _PAGE_PSE;
    return entry(random_target(r), flags);
}

static void random_operations_keep_counts_exact(void **state)
{
    (void)state;
    struct unit_rng r;
    unit_rng_init(&r, "random_operations_keep_counts_exact");
    char what[64];
    unsigned int succeeded = 0;
    for (unsigned int step = 0; step < 4000; step++) {
        uint64_t m = DOM0_FIRST + unit_below(&r, 32);
        unsigned int level = 1 + (unsigned int)unit_below(&r, 4);
        long rc = 0;
        switch (unit_below(&r, 6)) {
        case 0: /* the guest fills a frame no table references (it owns it) */
            if (type_count(m) == 0) {
                for (unsigned int i = 0; i < 8; i++)
                    table(m)[unit_below(&r, 8) * (level == 4 ? 1 : 64)] =
                        random_entry(&r, level > 1);
            }
            snprintf(what, sizeof(what), "step %u: fill %llu", step, (unsigned long long)m);
            break;
        case 1:
            rc = pin(level, m);
            snprintf(what, sizeof(what), "step %u: pin L%u %llu", step, level,
                     (unsigned long long)m);
            break;
        case 2:
            rc = unpin(m);
            snprintf(what, sizeof(what), "step %u: unpin %llu", step, (unsigned long long)m);
            break;
        case 3:
        case 4: {
            unsigned int i = (unsigned int)unit_below(&r, 8) * 64;
            rc = update(m, i, random_entry(&r, type_of(m) > PGT_l1 && type_of(m) <= PGT_l4),
                        unit_below(&r, 2) ? MMU_NORMAL_PT_UPDATE : MMU_PT_UPDATE_PRESERVE_AD);
            snprintf(what, sizeof(what), "step %u: update %llu[%u]", step, (unsigned long long)m,
                     i);
            break;
        }
        default:
            rc = mmuext(unit_below(&r, 2) ? MMUEXT_NEW_BASEPTR : MMUEXT_NEW_USER_BASEPTR, m);
            snprintf(what, sizeof(what), "step %u: base pointer %llu", step, (unsigned long long)m);
            break;
        }
        if (rc != 0 && rc != -EINVAL && rc != -EBUSY && rc != -EPERM)
            unit_fail("%s: rc %ld", what, rc);
        succeeded += rc == 0;
        assert_counts_exact(what);
    }
    printf("[   INFO   ] %u of 4000 operations succeeded\n", succeeded);
    assert_true(succeeded > 400);
    /* Release everything: every frame is back to its allocation reference. */
    for (uint64_t m = DOM0_FIRST; m < DOM0_END; m++)
        if (frame_table[m].type_info & PGT_pinned)
            assert_int_equal(unpin(m), 0);
    assert_int_equal(mmuext(MMUEXT_NEW_USER_BASEPTR, 0), 0);
    if (vcpu.arch.guest_table) {
        pv_put_page_and_type(vcpu.arch.guest_table);
        vcpu.arch.guest_table = 0;
    }
    assert_baseline();
    for (uint64_t m = 0; m < NR_FRAMES; m++)
        assert_int_equal(freed[m], 0);
}

/* A builder in the control domain maps its new domain's frames and pins its tables. */
static void foreign_frames_for_the_control_domain(void **state)
{
    (void)state;
    assert_int_equal(pin(1, 10), 0);
    /* Naming itself, or a domain that does not exist: -ESRCH, as Xen's get_pg_owner. */
    assert_int_equal(foreign_update(10, 0, entry(70, RW), 0), -ESRCH);
    assert_int_equal(foreign_update(10, 0, entry(70, RW), 7), -ESRCH);
    assert_int_equal(foreign_mmuext(MMUEXT_PIN_L1_TABLE, 71, 7), -ESRCH);
    /* The frame must be the named domain's. */
    assert_int_equal(foreign_update(10, 0, entry(20, RW), 1), -EBUSY);
    assert_int_equal(foreign_update(10, 0, entry(70, RW), 1), 0);
    assert_int_equal(general_count(70), 2);
    assert_int_equal(type_of(70), PGT_writable);
    assert_int_equal(type_count(70), 1);
    /* Its table, validated against its owner: entries naming the builder's frames fail. */
    table(71)[0] = entry(72, RO);
    assert_int_equal(foreign_mmuext(MMUEXT_PIN_L1_TABLE, 71, 1), 0);
    assert_int_equal(type_of(71), PGT_l1);
    assert_int_equal(general_count(72), 2);
    table(73)[0] = entry(20, RO);
    assert_int_equal(foreign_mmuext(MMUEXT_PIN_L1_TABLE, 73, 1), -EBUSY);
    /* Entries above L1 never name another domain's frames. */
    assert_int_equal(pin(2, 12), 0);
    assert_int_equal(foreign_update(12, 0, entry(13, RW), 1), -EINVAL); /* even its own L1 */
    assert_int_equal(unpin(12), 0);
    /* Only pins may name another domain. */
    assert_int_equal(foreign_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 1), -EPERM);
    assert_int_equal(foreign_mmuext(MMUEXT_NEW_BASEPTR, 71, 1), -EPERM);
    assert_counts_exact("foreign map and pin");
    /* Without privilege: -EPERM, for maps and pins alike; clearing an entry is allowed. */
    dom.privileged = false;
    assert_int_equal(foreign_update(10, 1, entry(74, RO), 1), -EPERM);
    assert_int_equal(foreign_mmuext(MMUEXT_UNPIN_TABLE, 71, 1), -EPERM);
    assert_int_equal(foreign_update(10, 0, 0, 1), 0);
    dom.privileged = true;
    assert_int_equal(foreign_mmuext(MMUEXT_UNPIN_TABLE, 71, 1), 0);
    assert_int_equal(unpin(10), 0);
    assert_baseline();
}

/*
 * Teardown: a dying domain's pinned tree and its data frames are freed;
 * a frame the control domain still maps outlives it until unmapped.
 */
static void relinquish_frees_all_but_frames_mapped_elsewhere(void **state)
{
    (void)state;
    /* L4 64 -> L3 65 -> L2 66 -> L1 67 -> data 68 (writable), 69 (read-only). */
    table(64)[0] = entry(65, RW);
    table(65)[0] = entry(66, RW);
    table(66)[0] = entry(67, RW);
    table(67)[0] = entry(68, RW);
    table(67)[1] = entry(69, RO);
    assert_int_equal(foreign_mmuext(MMUEXT_PIN_L4_TABLE, 64, 1), 0);
    /* The builder keeps a writable view of 75 and a read-only one of 69. */
    assert_int_equal(pin(1, 10), 0);
    assert_int_equal(foreign_update(10, 0, entry(75, RW), 1), 0);
    assert_int_equal(foreign_update(10, 1, entry(69, RO), 1), 0);
    other.tot_pages = IO_FIRST - OTHER_FIRST;
    other.is_dying = true;
    arch_domain_relinquish_memory(&other);
    for (uint64_t m = OTHER_FIRST; m < IO_FIRST; m++) {
        bool mapped = m == 69 || m == 75;
        if (freed[m] != (mapped ? 0u : 1u))
            unit_fail("frame %llu freed %u times", (unsigned long long)m, freed[m]);
        assert_int_equal(frame_table[m].type_info & PGT_pinned, 0);
        assert_int_equal(frame_table[m].count_info & PGC_allocated, 0);
    }
    assert_int_equal(general_count(69), 1);
    assert_int_equal(general_count(75), 1);
    assert_int_equal(type_count(75), 1);
    /* Unmapping drops the last references: now they go too. */
    assert_int_equal(update(10, 0, 0, MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(update(10, 1, 0, MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(freed[69], 1);
    assert_int_equal(freed[75], 1);
    assert_int_equal(unpin(10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(l1_pin_takes_and_unpin_drops_references, setup, teardown),
        cmocka_unit_test_setup_teardown(writable_mapping_and_table_use_exclude_each_other, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pins_are_not_counted_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(hierarchy_validated_and_released_level_by_level, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failed_validation_undoes_every_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(level_clash_and_linear_tables_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(hv_slots_are_hvs, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_m2p_and_io_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(mmu_update_moves_references, setup, teardown),
        cmocka_unit_test_setup_teardown(counts_saturate_without_wrapping, setup, teardown),
        cmocka_unit_test_setup_teardown(given_back_frame_freed_with_last_reference, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(base_pointers_hold_their_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(leaving_writable_flushes_the_domains_cpus, setup, teardown),
        cmocka_unit_test_setup_teardown(random_operations_keep_counts_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_frames_for_the_control_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(relinquish_frees_all_but_frames_mapped_elsewhere, setup,
                                        teardown),
    };
    return unit_run(tests);
}
