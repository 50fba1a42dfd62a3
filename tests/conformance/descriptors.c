/*
 * Conformance kernel: a guest's own descriptor tables (DESIGN §7) —
 * set_gdt and update_descriptor, with their refusals (too many entries,
 * bad pointers, frames not owned or mapped writable, descriptors that
 * would reach the hypervisor), the fix-ups Xen applies to what it accepts
 * (DPL raised to 3, call gates turned into DPL-0 gates with the DPL in
 * their selector), the frames' protection while they form a GDT, and the
 * selectors in use: loaded into a data segment register, read with lar,
 * and as CS and SS of an iret that stays in guest kernel mode.  An iret
 * frame the CPU refuses (null, LDT, hypervisor, data-as-code, code-as-stack
 * and not-present selectors, a non-canonical RIP) raises, through the trap
 * table, the fault the CPU names, as if at the frame's target; a
 * non-canonical RSP is loaded as it is.
 *
 * The LDT (MMUEXT_SET_LDT): its argument checks, descriptors loaded from it
 * (the fix-ups and the CPU's accessed bit seen in the guest's page), the
 * page kept from writable mappings while in use, and the faults the guest
 * gets when a page of it cannot be used (not mapped, mapped writable, a
 * descriptor refused): a #PF at the LDT's own address; a page unmapped
 * while in use stays in the LDT (Xen 4.17 without PV_LDT_PAGING); LDT
 * selectors in an iret frame.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/traps.h>
#include <stdio.h>
#include <string.h>

#define CODE64_DPL0  0x00af9a000000ffffUL /* 64-bit code, DPL 0 */
#define DATA_DPL0    0x00cf92000000ffffUL /* flat writable data, DPL 0 */
#define CODE32_DPL1  0x00cfba000000ffffUL /* 32-bit code, DPL 1 */
#define TSS64        0x0000890000000067UL /* a present 64-bit TSS: system, refused */
#define INT_GATE     0x00008e0000000000UL /* an interrupt gate: system, refused */
#define NOT_PRESENT  0x00cf12000000ffffUL /* anything goes when P is clear */
#define CODE64_NP    0x00af7a000000ffffUL /* 64-bit code, DPL 3, not present */
#define DATA_NP      0x00cf72000000ffffUL /* writable data, DPL 3, not present */
#define NONCANONICAL 0x8000000000000000UL

/* A 64-bit call gate (low half) to selector sel, DPL dpl, offset 0x1000. */
static uint64_t call_gate(uint16_t sel, unsigned int dpl)
{
    return 0x1000UL | ((uint64_t)sel << 16) | ((0x8cUL | (dpl << 5)) << 40);
}

static long set_gdt(const unsigned long *frames, unsigned int entries)
{
    return hypercall2(__HYPERVISOR_set_gdt, frames, entries);
}

static long update_descriptor(uint64_t maddr, uint64_t desc)
{
    return hypercall2(__HYPERVISOR_update_descriptor, maddr, desc);
}

/* A spare page holding descs[0..n-1], unmapped again; its mfn. */
static unsigned long descriptor_page(const uint64_t *descs, unsigned int n)
{
    unsigned long pfn = mm_alloc_pfn();
    uint64_t *page = pfn ? mm_map_pfn(pfn, PTE_P | PTE_RW) : NULL;
    if (!page)
        return 0;
    memset(page, 0, PAGE_SIZE);
    memcpy(page, descs, n * sizeof(descs[0]));
    mm_unmap((unsigned long)page);
    return pfn_to_mfn(pfn);
}

static uint64_t read_only_view(unsigned long mfn, unsigned int index)
{
    static unsigned long va;
    if (!va)
        va = mm_alloc_va();
    if (mm_map(va, mfn, PTE_P))
        return ~0UL;
    uint64_t d = ((volatile uint64_t *)va)[index];
    mm_unmap(va);
    return d;
}

static bool lar(uint16_t sel, uint32_t *rights)
{
    uint32_t r = 0;
    bool ok;
    __asm__ __volatile__("lar %2, %0\n\tsetz %1" : "=r"(r), "=q"(ok) : "r"((uint32_t)sel), "0"(0));
    *rights = r;
    return ok;
}

static struct trap_frame fault_seen;
static bool faulted;
static uint64_t resume_rsp;
extern char iret_resume[]; /* in kernel_iret */

static bool iret_fault_hook(struct trap_frame *f)
{
    fault_seen = *f;
    faulted = true;
    f->rip = (uint64_t)iret_resume;
    f->cs = FLAT_KERNEL_CS & ~3; /* RPL 0: the iret stays in kernel mode */
    f->rsp = resume_rsp;
    f->ss = FLAT_KERNEL_SS;
    return true;
}

/*
 * HYPERVISOR_iret in kernel mode to rip (0: iret_resume, just after it)
 * with cs, ss and rsp (0: the current stack); iret_resume restores the
 * stack, so that rsp may be anything (this kernel registers no event
 * callback: no upcall frame can land on it).  noipa: the resume label must
 * exist once, and callers must not assume that the trap hook, which runs
 * inside it, left their globals alone.
 */
static __attribute__((noipa)) void kernel_iret(uint64_t rip, uint16_t cs, uint16_t ss, uint64_t rsp)
{
    __asm__ __volatile__("mov %%rsp, %[save]\n\t"
                         "test %[rsp], %[rsp]\n\t"
                         "jnz 1f\n\t"
                         "mov %%rsp, %[rsp]\n"
                         "1:\tpushq %q[ss]\n\t"
                         "pushq %[rsp]\n\t"
                         "pushfq\n\t"
                         "pushq %q[cs]\n\t"
                         "pushq %[rip]\n\t"
                         "pushq $0\n\t" /* flags */
                         "pushq $0\n\t" /* rcx */
                         "pushq $0\n\t" /* r11 */
                         "pushq $0\n\t" /* rax */
                         "mov $23, %%eax\n\t"
                         "syscall\n"
                         ".globl iret_resume\n"
                         "iret_resume:\n\t"
                         "mov %[save], %%rsp"
                         : [save] "+m"(resume_rsp), [rsp] "+r"(rsp)
                         : [ss] "r"((uint64_t)ss), [cs] "r"((uint64_t)cs),
                           [rip] "r"(rip ? rip : (uint64_t)iret_resume)
                         : "rax", "rcx", "r11", "memory");
}

/* An iret that loads cs and ss; reads back what the segment registers hold. */
static void iret_with(uint16_t cs, uint16_t ss, uint16_t *cs_seen, uint16_t *ss_seen)
{
    kernel_iret(0, cs, ss, 0);
    uint16_t c, s;
    __asm__ __volatile__("mov %%cs, %w0\n\tmov %%ss, %w1" : "=r"(c), "=r"(s));
    *cs_seen = c;
    *ss_seen = s;
}

/*
 * An iret the CPU may refuse: prints the fault the trap table delivered
 * (vector, error code, and the frame's RIP and CS as the handler saw them).
 */
static void iret_fault(const char *name, const char *expected, uint64_t rip, uint16_t cs,
                       uint16_t ss, uint64_t rsp)
{
    char label[64];
    snprintf(label, sizeof(label), "iret_fault.%s", name);
    faulted = false;
    trap_hook = iret_fault_hook;
    kernel_iret(rip, cs, ss, rsp);
    trap_hook = NULL;
    if (!faulted) {
        test_check(label, expected, "no fault");
        return;
    }
    bool at_target = fault_seen.rip == (rip ? rip : (uint64_t)iret_resume);
    test_check(label, expected, "vector=%lu error=%#lx rip=%s cs=%#lx", fault_seen.vector,
               fault_seen.error_code, at_target ? "target" : "other", fault_seen.cs & 0xffff);
}

static void iret_fault_cases(void)
{
    uint64_t rsp;
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));
    rsp -= 512; /* below this function's frame: the fault's frame goes there */
    uint16_t kcs = FLAT_KERNEL_CS & ~3, kss = FLAT_KERNEL_SS;
    iret_fault("noncanonical_rip", "vector=13 error=0 rip=target cs=0xe030", NONCANONICAL, kcs, kss,
               rsp);
    iret_fault("null_cs", "vector=13 error=0 rip=target cs=0", 0, 0, kss, rsp);
    iret_fault("ldt_cs", "vector=13 error=0xc rip=target cs=0xc", 0, 0x0c, kss, rsp);
    iret_fault("hv_cs", "vector=13 error=0xe008 rip=target cs=0xe008", 0, 0xe008, kss, rsp);
    iret_fault("data_as_cs", "vector=13 error=0x10 rip=target cs=0x10", 0, 0x10, kss, rsp);
    iret_fault("cs_past_entries", "vector=13 error=0x88 rip=target cs=0x88", 0, 0x88, kss, rsp);
    iret_fault("cs_past_frames", "vector=13 error=0x1008 rip=target cs=0x1008", 0, 0x1008, kss,
               rsp);
    iret_fault("not_present_cs", "vector=11 error=0x48 rip=target cs=0x48", 0, 0x48, kss, rsp);
    iret_fault("null_ss", "vector=13 error=0 rip=target cs=0xe030", 0, kcs, 0, rsp);
    iret_fault("ldt_ss", "vector=13 error=0x14 rip=target cs=0xe030", 0, kcs, 0x14, rsp);
    iret_fault("hv_ss", "vector=13 error=0xe010 rip=target cs=0xe030", 0, kcs, 0xe010, rsp);
    iret_fault("code_as_ss", "vector=13 error=0x8 rip=target cs=0xe030", 0, kcs, 0x08, rsp);
    iret_fault("not_present_ss", "vector=11 error=0x50 rip=target cs=0xe030", 0, kcs, 0x50, rsp);
    iret_fault("not_present_cs_and_ss", "vector=11 error=0x48 rip=target cs=0x48", 0, 0x48, 0x50,
               rsp);
    iret_fault("noncanonical_rsp", "no fault", 0, kcs, kss, NONCANONICAL);
    iret_fault("guest_selectors", "no fault", 0, 0x08, 0x10, rsp);
}

/* --- the LDT ------------------------------------------------------------ */

#define DATA_DPL3 0x00cff2000000ffffUL

static long set_ldt(unsigned long va, unsigned int ents)
{
    struct mmuext_op op = {.cmd = MMUEXT_SET_LDT};
    op.arg1.linear_addr = va;
    op.arg2.nr_ents = ents;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static const volatile shared_info_t *shared;
static struct trap_frame load_fault;
static bool load_faulted;
extern char load_fs_resume[]; /* in load_fs */

static bool load_fault_hook(struct trap_frame *f)
{
    load_fault = *f;
    load_faulted = true;
    f->rip = (uint64_t)load_fs_resume;
    return true;
}

/* Loads sel into FS and reads FS back (noipa: as kernel_iret). */
static __attribute__((noipa)) uint16_t load_fs(uint16_t sel)
{
    uint16_t seen = 0xffff;
    __asm__ __volatile__("mov %w1, %%fs\n"
                         ".globl load_fs_resume\n"
                         "load_fs_resume:\n\t"
                         "mov %%fs, %w0"
                         : "+r"(seen)
                         : "r"(sel)
                         : "memory");
    return seen;
}

/* Prints FS after loading sel, or the fault (a #PF's CR2 relative to base). */
static void fs_case(const char *name, const char *expected, uint16_t sel, unsigned long base)
{
    load_faulted = false;
    trap_hook = load_fault_hook;
    uint16_t seen = load_fs(sel);
    trap_hook = NULL;
    __asm__ __volatile__("mov %0, %%fs" : : "r"(0));
    if (!load_faulted)
        test_check(name, expected, "fs=%#x", seen);
    else if (load_fault.vector == 14)
        test_check(name, expected, "vector=14 error=%#lx cr2=base%+ld", load_fault.error_code,
                   (long)(shared->vcpu_info[0].arch.cr2 - base));
    else
        test_check(name, expected, "vector=%lu error=%#lx", load_fault.vector,
                   load_fault.error_code);
}

static void ldt_cases(void)
{
    unsigned long shared_va = mm_alloc_va();
    if (mm_map(shared_va, start_info->shared_info >> PAGE_SHIFT, PTE_P)) {
        test_result("ldt.shared_info", false, "cannot map shared_info");
        return;
    }
    shared = (const volatile shared_info_t *)shared_va;

    /* Arguments: without entries the address is not looked at. */
    unsigned long va = mm_alloc_va(), next = mm_alloc_va(); /* consecutive pages */
    test_check_rc("set_ldt.no_entries_any_address", set_ldt(va + 8, 0), 0);
    test_check_rc("set_ldt.noncanonical", set_ldt(0x0000800000000000UL, 1), -XEN_EINVAL);
    test_check_rc("set_ldt.last_user_page", set_ldt(0x00007ffffffff000UL, 8192), 0);
    fs_case("ldt.runs_off_canonical", "vector=13 error=0x12c4", (uint16_t)((600 << 3) | 7),
            0x00007ffffffff000UL);
    test_check_rc("set_ldt.above_hv", set_ldt(0xffff880000000000UL, 1), 0);
    test_check_rc("set_ldt.none_again", set_ldt(0, 0), 0);
    fs_case("ldt.none", "vector=13 error=0x4", 0x07, 0);

    /* A good LDT of two pages, the second not mapped. */
    uint64_t descs[8] = {DATA_DPL3, CODE64_DPL0, DATA_DPL0, DATA_NP, 0, 0, 0, 0};
    unsigned long ldt_mfn = descriptor_page(descs, 8);
    test_check_rc("ldt.map_readonly", mm_map(va, ldt_mfn, PTE_P), 0);
    test_check_rc("set_ldt.good", set_ldt(va, 1024), 0);
    /* The first read of the LDT by the hypervisor itself (loading the user
     * GS selector) maps the page as a read by the guest would. */
    long rc = HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0x07);
    uint16_t gs;
    __asm__ __volatile__("mov %%gs, %0" : "=r"(gs));
    test_check("ldt.gs_user_sel_first_read", "rc=0 gs=0x7", "rc=%ld gs=%#x", rc, gs);
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0);
    uint32_t rights;
    bool ok = lar(0x07, &rights);
    test_check("ldt.lar_data", "ok=1 rights=0xc0f300", "ok=%d rights=%#x", ok, rights);
    ok = lar(0x0f, &rights);
    test_check("ldt.lar_code_dpl_raised", "ok=1 rights=0xa0fa00", "ok=%d rights=%#x", ok, rights);
    fs_case("ldt.load_data", "fs=0x7", 0x07, va);
    fs_case("ldt.load_dpl0_data", "fs=0x17", 0x17, va);
    fs_case("ldt.load_not_present", "vector=11 error=0x1c", 0x1f, va);
    fs_case("ldt.load_past_limit", "vector=13 error=0x2004", (uint16_t)((1024 << 3) | 7), va);
    fs_case("ldt.load_second_page_unmapped", "vector=14 error=0 cr2=base+4096",
            (uint16_t)((512 << 3) | 7), va);
    test_check("ldt.accessed_bit_in_page", "data=0xcff3000000ffff dpl0=0xcff3000000ffff",
               "data=%#lx dpl0=%#lx", ((volatile uint64_t *)va)[0], ((volatile uint64_t *)va)[2]);
    test_check_rc("ldt.page_map_writable", mm_map(next, ldt_mfn, PTE_P | PTE_RW), -XEN_EBUSY);

    /* LDT selectors in an iret frame (RPL 0: the iret stays in kernel mode). */
    uint16_t cs_seen, ss_seen;
    test_check_rc("ldt.code64_for_iret",
                  update_descriptor(((uint64_t)ldt_mfn << PAGE_SHIFT) + 8 * 4, CODE64_DPL0), 0);
    iret_with(0x24, 0x04, &cs_seen, &ss_seen);
    test_check("ldt.iret_ldt_selectors", "cs=0x27 ss=0x7", "cs=%#x ss=%#x", cs_seen, ss_seen);
    iret_with(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS, &cs_seen, &ss_seen);
    uint64_t rsp;
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));
    iret_fault("ldt_cs_past_limit", "vector=13 error=0x2004 rip=target cs=0x2004", 0,
               (uint16_t)((1024 << 3) | 4), FLAT_KERNEL_SS, rsp - 512);
    iret_fault("ldt_cs_page_unmapped", "vector=14 error=0 rip=target cs=0x1004", 0,
               (uint16_t)((512 << 3) | 4), FLAT_KERNEL_SS, rsp - 512);
    iret_fault("ldt_ss_not_present", "vector=13 error=0x18 rip=target cs=0xe030", 0,
               FLAT_KERNEL_CS & ~3, 0x18, rsp - 512);

    /* Unmapped while in use: the page stays in the LDT (no LDT paging). */
    test_check_rc("ldt.unmap_in_use", mm_unmap(va), 0);
    fs_case("ldt.load_after_unmap", "fs=0x7", 0x07, va);
    test_check_rc("ldt.map_again", mm_map(va, ldt_mfn, PTE_P), 0);
    fs_case("ldt.load_after_map_again", "fs=0x7", 0x07, va);

    /* A page still mapped writable, and one with a refused descriptor. */
    unsigned long writable_pfn = mm_alloc_pfn();
    uint64_t *writable = mm_map_pfn(writable_pfn, PTE_P | PTE_RW);
    memset(writable, 0, PAGE_SIZE);
    writable[0] = DATA_DPL3;
    test_check_rc("set_ldt.writable_page", set_ldt((unsigned long)writable, 1), 0);
    fs_case("ldt.load_from_writable_page", "vector=14 error=0 cr2=base+0", 0x07,
            (unsigned long)writable);
    uint64_t bad[] = {DATA_DPL3, TSS64, 0};
    test_check_rc("ldt.map_bad_page", mm_map(next, descriptor_page(bad, 3), PTE_P), 0);
    test_check_rc("set_ldt.bad_descriptor_page", set_ldt(next, 3), 0);
    fs_case("ldt.load_from_bad_page", "vector=14 error=0 cr2=base+0", 0x07, next);

    /* Letting go: the page may be mapped writable again. */
    test_check_rc("set_ldt.release", set_ldt(0, 0), 0);
    mm_unmap(next);
    test_check_rc("ldt.page_writable_after", mm_map(next, ldt_mfn, PTE_P | PTE_RW), 0);
    mm_unmap(next);
    mm_unmap(va);
}

int kernel_main(void)
{
    long rc = mm_init();
    if (rc) {
        printk("descriptors: mm_init failed: %ld\n", rc);
        return 1;
    }
    unsigned long frames[16];

    /* --- set_gdt refusals ------------------------------------------------ */
    test_check_rc("set_gdt.too_many", set_gdt(frames, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL);
    test_check_rc("set_gdt.null_list", set_gdt(NULL, 1), -XEN_EFAULT);
    test_check_rc("set_gdt.empty", set_gdt(NULL, 0), 0);
    frames[0] = 0x7ffffffffUL;
    test_check_rc("set_gdt.bad_frame", set_gdt(frames, 1), -XEN_EINVAL);
    frames[0] = virt_to_mfn((const void *)start_info->pt_base);
    test_check_rc("set_gdt.page_table", set_gdt(frames, 1), -XEN_EINVAL);

    /* A frame still mapped writable cannot be a descriptor page. */
    static const uint64_t good[] = {0, CODE64_DPL0, DATA_DPL0, CODE32_DPL1, NOT_PRESENT, 0, 0, 0, 0,
                                    0, 0,           0,         0,           0,           0, 0, 0};
    unsigned long writable_pfn = mm_alloc_pfn();
    void *writable = mm_map_pfn(writable_pfn, PTE_P | PTE_RW);
    memset(writable, 0, PAGE_SIZE);
    frames[0] = pfn_to_mfn(writable_pfn);
    test_check_rc("set_gdt.mapped_writable", set_gdt(frames, 16), -XEN_EINVAL);
    mm_unmap((unsigned long)writable);

    uint64_t with_tss[] = {0, TSS64, 0};
    frames[0] = descriptor_page(with_tss, 3);
    test_check_rc("set_gdt.tss_descriptor", set_gdt(frames, 3), -XEN_EINVAL);
    uint64_t with_int_gate[] = {0, INT_GATE, 0};
    frames[0] = descriptor_page(with_int_gate, 3);
    test_check_rc("set_gdt.interrupt_gate", set_gdt(frames, 3), -XEN_EINVAL);
    uint64_t with_hv_gate[] = {0, call_gate(0xe008, 3), 0};
    frames[0] = descriptor_page(with_hv_gate, 3);
    test_check_rc("set_gdt.call_gate_to_hv", set_gdt(frames, 3), -XEN_EINVAL);

    /* --- a good GDT ------------------------------------------------------ */
    uint64_t descs[17];
    memcpy(descs, good, sizeof(descs));
    descs[5] = call_gate(FLAT_KERNEL_CS, 0); /* with its upper half, 6, zero */
    descs[7] = call_gate(0x08, 3);
    descs[9] = CODE64_NP;
    descs[10] = DATA_NP;
    unsigned long gdt_mfn = descriptor_page(descs, 17);
    frames[0] = gdt_mfn;
    rc = set_gdt(frames, 17);
    test_check_rc("set_gdt.good", rc, 0);
    test_check("set_gdt.fixups",
               "code64=0xaffa000000ffff data=0xcff2000000ffff code32=0xcffa000000ffff "
               "not_present=0xcf12000000ffff",
               "code64=%#lx data=%#lx code32=%#lx not_present=%#lx", read_only_view(gdt_mfn, 1),
               read_only_view(gdt_mfn, 2), read_only_view(gdt_mfn, 3), read_only_view(gdt_mfn, 4));
    test_check("set_gdt.call_gates", "kernel_cs=0x8c00e0331000 guest=0x8c00000b1000 upper=0",
               "kernel_cs=%#lx guest=%#lx upper=%#lx", read_only_view(gdt_mfn, 5),
               read_only_view(gdt_mfn, 7), read_only_view(gdt_mfn, 6));

    /* While it is a GDT frame: no writable mapping. */
    unsigned long va = mm_alloc_va();
    test_check_rc("gdt_frame.map_writable", mm_map(va, gdt_mfn, PTE_P | PTE_RW), -XEN_EBUSY);
    test_check_rc("gdt_frame.map_readonly", mm_map(va, gdt_mfn, PTE_P), 0);
    mm_unmap(va);

    /* --- the selectors in use -------------------------------------------- */
    uint32_t rights;
    bool ok = lar(0x0b, &rights);
    test_check("lar.code64", "ok=1 rights=0xa0fa00", "ok=%d rights=%#x", ok, rights);
    ok = lar(0x13, &rights);
    test_check("lar.data", "ok=1 rights=0xc0f200", "ok=%d rights=%#x", ok, rights);
    ok = lar(0x23, &rights);
    test_check("lar.not_present", "ok=0", "ok=%d", ok);
    ok = lar(0x8b, &rights);
    test_check("lar.past_entries", "ok=0", "ok=%d", ok);
    ok = lar(0x2b, &rights);
    test_check("lar.call_gate", "ok=0 rights=0", "ok=%d rights=%#x", ok, rights);

    uint16_t ds;
    __asm__ __volatile__("mov %1, %%ds\n\tmov %%ds, %0" : "=r"(ds) : "r"(0x13));
    test_check("mov_ds.guest_data", "ds=0x13", "ds=%#x", ds);
    __asm__ __volatile__("mov %0, %%ds" : : "r"(0));

    uint16_t cs_seen, ss_seen;
    iret_with(0x08, 0x10, &cs_seen, &ss_seen);
    test_check("iret.guest_selectors", "cs=0xb ss=0x13", "cs=%#x ss=%#x", cs_seen, ss_seen);
    /* RPL 0 stays in guest kernel mode (RPL 3 would mean a return to user). */
    iret_with(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS, &cs_seen, &ss_seen);
    test_check("iret.flat_selectors", "cs=0xe033 ss=0xe02b", "cs=%#x ss=%#x", cs_seen, ss_seen);
    iret_fault_cases();

    /* --- update_descriptor ----------------------------------------------- */
    uint64_t gdt_ma = (uint64_t)gdt_mfn << PAGE_SHIFT;
    test_check_rc("update_descriptor.unaligned", update_descriptor(gdt_ma + 4, DATA_DPL0),
                  -XEN_EINVAL);
    test_check_rc("update_descriptor.tss", update_descriptor(gdt_ma + 8, TSS64), -XEN_EINVAL);
    test_check_rc("update_descriptor.gate_to_hv",
                  update_descriptor(gdt_ma + 8, call_gate(0xe008, 3)), -XEN_EINVAL);
    rc = update_descriptor(gdt_ma + 8 * 8, DATA_DPL0);
    test_check("update_descriptor.in_gdt", "rc=0 now=0xcff2000000ffff", "rc=%ld now=%#lx", rc,
               read_only_view(gdt_mfn, 8));
    ok = lar(0x43, &rights);
    test_check("update_descriptor.in_gdt.lar", "ok=1 rights=0xc0f200", "ok=%d rights=%#x", ok,
               rights);
    unsigned long plain_pfn = mm_alloc_pfn();
    uint64_t *plain = mm_map_pfn(plain_pfn, PTE_P | PTE_RW);
    memset(plain, 0, PAGE_SIZE);
    rc = update_descriptor(((uint64_t)pfn_to_mfn(plain_pfn) << PAGE_SHIFT) + 16, CODE64_DPL0);
    test_check("update_descriptor.plain_page", "rc=0 now=0xaffa000000ffff", "rc=%ld now=%#lx", rc,
               plain[2]);
    test_check_rc(
        "update_descriptor.page_table",
        update_descriptor((uint64_t)virt_to_mfn((const void *)start_info->pt_base) << PAGE_SHIFT,
                          DATA_DPL0),
        -XEN_EINVAL);
    test_check_rc("update_descriptor.not_owned", update_descriptor(0x7ffffffffUL << PAGE_SHIFT, 0),
                  -XEN_EINVAL);

    ldt_cases();

    /* --- letting go ------------------------------------------------------ */
    test_check_rc("set_gdt.release", set_gdt(NULL, 0), 0);
    test_check_rc("gdt_frame.map_writable_after", mm_map(va, gdt_mfn, PTE_P | PTE_RW), 0);
    mm_unmap(va);
    test_debug_key_answered();
    return test_summary();
}
