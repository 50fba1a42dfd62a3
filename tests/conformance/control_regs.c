/*
 * Conformance kernel: the control registers a 64-bit PV kernel moves to and
 * from (emulated after the #GP they take at CPL 3) and what they control —
 * CR0 (only TS may change), CR2 (the vCPU's own value, apart from
 * vcpu_info's copy), CR3 (a switch of the kernel's base page table, with
 * MMUEXT_NEW_BASEPTR's refusals), CR4 (TSD, DE, FSGSBASE and OSXSAVE
 * chosen by the kernel within the CPUID policy, the rest fixed): rdtsc and
 * rdtscp under TSD, DR4/DR5 and I/O breakpoints under DE, rdfsbase and
 * friends under FSGSBASE, xsetbv and the XSAVE leaf under OSXSAVE; also
 * wbinvd, MSR_TSC_AUX and single-stepping over emulated instructions.
 *
 * Values that depend on the CPU model (what CPUID offers) are printed with
 * test_result and compared with Xen's under the same model; the rest are
 * checked.  Addresses of this kernel are printed as names.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/traps.h>
#include <stdio.h>
#include <string.h>

#define check test_check

#define CR0_TS       0x8UL
#define CR0_WP       (1UL << 16)
#define CR0_CD       (1UL << 30)
#define CR4_TSD      (1UL << 2)
#define CR4_DE       (1UL << 3)
#define CR4_PSE      (1UL << 4)
#define CR4_PGE      (1UL << 7)
#define CR4_VMXE     (1UL << 13)
#define CR4_FSGSBASE (1UL << 16)
#define CR4_OSXSAVE  (1UL << 18)
#define CR4_SMEP     (1UL << 20)
#define MSR_GS_BASE  0xc0000101
#define MSR_FS_BASE  0xc0000100
#define MSR_TSC_AUX  0xc0000103
#define DR7_L0       0x1UL
#define DR7_RW0_IO   (2UL << 16)
#define DR7_RW1_IO   (2UL << 20)

uint64_t cr_read_cr0(void), cr_read_cr2(void), cr_read_cr3(void), cr_read_cr4(void);
void cr_write_cr0(uint64_t), cr_write_cr2(uint64_t), cr_write_cr3(uint64_t), cr_write_cr4(uint64_t);
uint64_t cr_read_cr0_mod0(void);
uint64_t cr_rdtsc(void), cr_rdtscp(uint64_t *aux);
uint64_t cr_xgetbv(uint32_t xcr);
void cr_xsetbv(uint32_t xcr, uint64_t value), cr_xsetbv_66(uint32_t xcr, uint64_t value);
void cr_avx(void), cr_sse(void);
uint64_t cr_read_dr4(void), cr_read_dr8(void);
void cr_write_dr5(uint64_t), cr_write_dr7(uint64_t);
uint64_t cr_rdfsbase(void), cr_rdgsbase(void);
void cr_wrgsbase(uint64_t);
void cr_wbinvd(void);
uint64_t cr_rdmsr(uint32_t msr);
void cr_wrmsr(uint32_t msr, uint64_t value);
unsigned int cr_inb(unsigned int port), cr_inw(unsigned int port);
void cr_inb_stepped(unsigned int port), cr_cpuid_stepped(void), cr_nop_stepped(void);
void cr_cli_stepped(void), cr_rdmsr_stepped(uint32_t msr);
extern char cr_after_stepped_in[], cr_after_stepped_cpuid[], cr_after_stepped_nop[];
extern char cr_after_stepped_cli[], cr_after_stepped_rdmsr[];
void cr_forced_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t cr_touch(uint64_t va);
extern uint64_t cr_resume_rip;

/* --- faults ------------------------------------------------------------ */

static volatile unsigned long faults, last_vector, last_error, nm_count;
static volatile uint64_t db_rip, db_dr6;

static bool hook(struct trap_frame *f)
{
    if (f->vector == 7) {
        /* #NM after a CR0.TS write: clear TS and retry. */
        nm_count++;
        HYPERVISOR_fpu_taskswitch(0);
        return true;
    }
    faults++;
    last_vector = f->vector;
    last_error = f->error_code;
    if (f->vector == 1) {
        /* A trap: note where and why, stop stepping, go on after it. */
        db_rip = f->rip;
        db_dr6 = HYPERVISOR_get_debugreg(6);
        HYPERVISOR_set_debugreg(6, 0xffff0ff0UL);
        f->rflags &= ~0x100UL;
        return true;
    }
    f->rip = cr_resume_rip;
    return true;
}

/* "no fault" or "fault <vector> err <code>" of what ran since `before`. */
static const char *outcome(unsigned long before)
{
    static char buf[2][48];
    static int n;
    char *b = buf[n++ & 1];
    if (faults == before)
        return "no fault";
    snprintf(b, sizeof(buf[0]), "fault %lu err %#lx", last_vector, last_error);
    return b;
}

static void cpuid_policy(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    cr_forced_cpuid(leaf, sub, r);
}

static bool policy_bit(uint32_t leaf, int reg, int bit)
{
    uint32_t r[4];
    cpuid_policy(leaf, 0, r);
    return (r[reg] >> bit) & 1;
}

/* --- CR0 --------------------------------------------------------------- */

static void cr0_cases(void)
{
    uint64_t cr0 = cr_read_cr0();
    unsigned long before = faults;
    check("cr0.read", "0x80050033", "%#lx", cr0);
    check("cr0.read_mod0", "0x80050033", "%#lx", cr_read_cr0_mod0());

    cr_write_cr0(cr0);
    check("cr0.write_same", "no fault cr0=0x80050033", "%s cr0=%#lx", outcome(before),
          cr_read_cr0());

    before = faults;
    cr_write_cr0(cr0 | CR0_TS);
    uint64_t with_ts = cr_read_cr0();
    unsigned long nm_before = nm_count;
    cr_sse();
    check("cr0.write_ts", "no fault cr0=0x8005003b nm=1 then=0x80050033",
          "%s cr0=%#lx nm=%lu then=%#lx", outcome(before), with_ts, nm_count - nm_before,
          cr_read_cr0());

    before = faults;
    cr_write_cr0(cr0 | CR0_TS);
    cr_write_cr0(cr0);
    nm_before = nm_count;
    cr_sse();
    check("cr0.write_clear_ts", "no fault cr0=0x80050033 nm=0", "%s cr0=%#lx nm=%lu",
          outcome(before), cr_read_cr0(), nm_count - nm_before);

    before = faults;
    cr_write_cr0(cr0 & ~CR0_WP);
    check("cr0.write_clear_wp", "fault 13 err 0 cr0=0x80050033", "%s cr0=%#lx", outcome(before),
          cr_read_cr0());
    before = faults;
    cr_write_cr0(cr0 | CR0_CD | CR0_TS);
    check("cr0.write_cd_with_ts", "fault 13 err 0 cr0=0x80050033", "%s cr0=%#lx", outcome(before),
          cr_read_cr0());
}

/* --- CR2 --------------------------------------------------------------- */

static void cr2_cases(void)
{
    struct vcpu_info *vi = events_vcpu_info();
    unsigned long before = faults;
    cr_write_cr2(0x123456789UL);
    check("cr2.write", "no fault cr2=0x123456789 vcpu_info=0x123456789",
          "%s cr2=%#lx vcpu_info=%#lx", outcome(before), cr_read_cr2(), vi->arch.cr2);

    before = faults;
    cr_write_cr2(0x8000000000000000UL);
    check("cr2.write_noncanonical", "no fault cr2=0x8000000000000000", "%s cr2=%#lx",
          outcome(before), cr_read_cr2());

    unsigned long va = mm_alloc_va();
    before = faults;
    cr_touch(va);
    uint64_t cr2 = cr_read_cr2();
    check("cr2.after_page_fault", "fault 14 err 0 cr2=va vcpu_info=va", "%s cr2=%s vcpu_info=%s",
          outcome(before), cr2 == va ? "va" : "other", vi->arch.cr2 == va ? "va" : "other");

    /* vcpu_info's copy is the guest's to scribble on; CR2 is the vCPU's. */
    vi->arch.cr2 = 0x5555000UL;
    cr2 = cr_read_cr2();
    check("cr2.vcpu_info_written", "cr2=va", "cr2=%s",
          cr2 == va            ? "va"
          : cr2 == 0x5555000UL ? "vcpu_info"
                               : "other");
}

/* --- CR3 --------------------------------------------------------------- */

/* A copy of the kernel's L4 (its top slot shared), unmapped; 0 if none. */
static unsigned long copy_of_kernel_l4(void)
{
    const uint64_t *kl4 = mm_table(virt_to_mfn((const void *)start_info->pt_base));
    unsigned long pfn = mm_alloc_pfn();
    uint64_t *page = pfn ? mm_map_pfn(pfn, PTE_P | PTE_RW) : NULL;
    if (!kl4 || !page)
        return 0;
    memset(page, 0, PAGE_SIZE);
    page[511] = kl4[511];
    if (mm_unmap((unsigned long)page))
        return 0;
    return pfn_to_mfn(pfn);
}

static const char *cr3_name(uint64_t cr3, unsigned long kernel_mfn, unsigned long copy_mfn)
{
    if (cr3 == (uint64_t)kernel_mfn << PAGE_SHIFT)
        return "kernel_l4";
    if (copy_mfn && cr3 == (uint64_t)copy_mfn << PAGE_SHIFT)
        return "copy";
    return "other";
}

static long pin_l4(unsigned long mfn, unsigned int cmd)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.mfn = mfn;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void cr3_cases(void)
{
    unsigned long kernel_mfn = virt_to_mfn((const void *)start_info->pt_base);
    uint64_t kernel_cr3 = (uint64_t)kernel_mfn << PAGE_SHIFT;
    unsigned long copy = copy_of_kernel_l4();
    check("cr3.read", "kernel_l4", "%s", cr3_name(cr_read_cr3(), kernel_mfn, copy));

    unsigned long before = faults;
    cr_write_cr3(kernel_cr3);
    check("cr3.write_same", "no fault cr3=kernel_l4", "%s cr3=%s", outcome(before),
          cr3_name(cr_read_cr3(), kernel_mfn, copy));

    before = faults;
    cr_write_cr3(kernel_cr3 | 0x18); /* PWT, PCD: not part of the frame */
    check("cr3.write_low_bits", "no fault cr3=kernel_l4", "%s cr3=%s", outcome(before),
          cr3_name(cr_read_cr3(), kernel_mfn, copy));

    before = faults;
    cr_write_cr3(kernel_cr3 | (1UL << 63));
    check("cr3.write_bit63", "fault 13 err 0 cr3=kernel_l4", "%s cr3=%s", outcome(before),
          cr3_name(cr_read_cr3(), kernel_mfn, copy));

    if (!copy) {
        test_result("cr3.write_unpinned_copy", false, "no spare page");
        return;
    }
    /* An unpinned copy: validated as an L4 for as long as it is CR3. */
    before = faults;
    cr_write_cr3((uint64_t)copy << PAGE_SHIFT);
    const char *on_copy = cr3_name(cr_read_cr3(), kernel_mfn, copy);
    volatile uint64_t probe = start_info->nr_pages; /* the kernel still runs from it */
    cr_write_cr3(kernel_cr3);
    check("cr3.write_unpinned_copy", "no fault cr3=copy runs=yes back=kernel_l4",
          "%s cr3=%s runs=%s back=%s", outcome(before), on_copy,
          probe == start_info->nr_pages ? "yes" : "no", cr3_name(cr_read_cr3(), kernel_mfn, copy));
    /* Once CR3 left it, it is no page table any more: it maps writable. */
    unsigned long va = mm_alloc_va();
    long rc = va ? mm_map(va, copy, PTE_P | PTE_RW) : -1;
    check("cr3.copy_released", "0", "%ld", rc);
    if (rc == 0)
        mm_unmap(va);

    /* The same copy pinned, then CR3 while a writable mapping exists elsewhere. */
    long pin = pin_l4(copy, MMUEXT_PIN_L4_TABLE);
    before = faults;
    cr_write_cr3((uint64_t)copy << PAGE_SHIFT);
    on_copy = cr3_name(cr_read_cr3(), kernel_mfn, copy);
    cr_write_cr3(kernel_cr3);
    long unpin = pin_l4(copy, MMUEXT_UNPIN_TABLE);
    check("cr3.write_pinned_copy", "pin=0 no fault cr3=copy unpin=0", "pin=%ld %s cr3=%s unpin=%ld",
          pin, outcome(before), on_copy, unpin);

    rc = va ? mm_map(va, copy, PTE_P | PTE_RW) : -1;
    before = faults;
    cr_write_cr3((uint64_t)copy << PAGE_SHIFT);
    check("cr3.write_mapped_writable", "map=0 fault 13 err 0 cr3=kernel_l4", "map=%ld %s cr3=%s",
          rc, outcome(before), cr3_name(cr_read_cr3(), kernel_mfn, copy));
    if (rc == 0)
        mm_unmap(va);

    /* A table of another level: the kernel's L3. */
    uint64_t entry[5];
    mm_walk(VIRT_BASE, entry);
    unsigned long l3 = (entry[4] & PTE_ADDR_MASK) >> PAGE_SHIFT;
    before = faults;
    cr_write_cr3((uint64_t)l3 << PAGE_SHIFT);
    check("cr3.write_l3_table", "fault 13 err 0 cr3=kernel_l4", "%s cr3=%s", outcome(before),
          cr3_name(cr_read_cr3(), kernel_mfn, copy));

    /* A frame past the end of RAM. */
    long max = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    before = faults;
    cr_write_cr3(((uint64_t)max + 0x1000) << PAGE_SHIFT);
    check("cr3.write_not_owned", "fault 13 err 0 cr3=kernel_l4", "%s cr3=%s", outcome(before),
          cr3_name(cr_read_cr3(), kernel_mfn, copy));
}

/* --- CR4 and what it controls ------------------------------------------- */

static uint64_t cr4_initial;

/* A CR4 value as the bits it has beyond the initial one ("initial+TSD..."). */
static const char *cr4_text(uint64_t cr4)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } bits[] = {
        {CR4_TSD, "TSD"}, {CR4_DE, "DE"}, {CR4_FSGSBASE, "FSGSBASE"}, {CR4_OSXSAVE, "OSXSAVE"}};
    static char buf[2][96];
    static int n;
    char *b = buf[n++ & 1];
    uint64_t extra = cr4 & ~cr4_initial;
    int len =
        snprintf(b, sizeof(buf[0]), "%s", (cr4 & cr4_initial) == cr4_initial ? "initial" : "?");
    for (unsigned int i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (extra & bits[i].bit) {
            len += snprintf(b + len, sizeof(buf[0]) - len, "+%s", bits[i].name);
            extra &= ~bits[i].bit;
        }
    if (extra)
        snprintf(b + len, sizeof(buf[0]) - len, "+%#lx", extra);
    return b;
}

static void cr4_write_cases(void)
{
    cr4_initial = cr_read_cr4();
    test_result("cr4.initial", true, "%#lx", cr4_initial);

    unsigned long before = faults;
    cr_write_cr4(cr4_initial);
    check("cr4.write_same", "no fault cr4=initial", "%s cr4=%s", outcome(before),
          cr4_text(cr_read_cr4()));
    before = faults;
    cr_write_cr4(0);
    check("cr4.write_zero", "no fault cr4=initial", "%s cr4=%s", outcome(before),
          cr4_text(cr_read_cr4()));
    before = faults;
    cr_write_cr4(cr4_initial | CR4_PSE | CR4_PGE | CR4_VMXE | CR4_SMEP | (1UL << 40));
    check("cr4.write_hv_bits", "no fault cr4=initial", "%s cr4=%s", outcome(before),
          cr4_text(cr_read_cr4()));
    /* Every bit the kernel may choose: what the policy lets it have. */
    before = faults;
    cr_write_cr4(cr4_initial | CR4_TSD | CR4_DE | CR4_FSGSBASE | CR4_OSXSAVE);
    test_result("cr4.write_guest_bits", faults == before, "%s cr4=%s", outcome(before),
                cr4_text(cr_read_cr4()));
    cr_write_cr4(cr4_initial);
    check("cr4.restored", "initial", "%s", cr4_text(cr_read_cr4()));
}

static void tsd_cases(void)
{
    bool rdtscp = policy_bit(0x80000001, 3, 27);
    uint64_t t0 = cr_rdtsc();
    unsigned long before = faults;
    cr_write_cr4(cr4_initial | CR4_TSD);
    uint64_t t1 = cr_rdtsc();
    uint64_t t2 = cr_rdtsc();
    check("tsd.rdtsc_kernel", "no fault cr4=initial+TSD increasing", "%s cr4=%s %s",
          outcome(before), cr4_text(cr_read_cr4()),
          t0 < t1 && t1 < t2 && t1 != ~0UL ? "increasing" : "not increasing");
    if (rdtscp) {
        uint64_t aux = 0;
        before = faults;
        uint64_t t3 = cr_rdtscp(&aux);
        test_result("tsd.rdtscp_kernel", faults == before && t3 > t2, "%s aux=%#lx",
                    outcome(before), aux);
    } else {
        test_result("tsd.rdtscp_kernel", true, "no rdtscp");
    }
    cr_write_cr4(cr4_initial);
    before = faults;
    uint64_t t4 = cr_rdtsc();
    check("tsd.cleared", "no fault cr4=initial increasing", "%s cr4=%s %s", outcome(before),
          cr4_text(cr_read_cr4()), t4 > t2 ? "increasing" : "not increasing");
}

static void tsc_aux_cases(void)
{
    unsigned long before = faults;
    uint64_t v = cr_rdmsr(MSR_TSC_AUX);
    test_result("tsc_aux.read", true, "%s %#lx", outcome(before), v);
    before = faults;
    cr_wrmsr(MSR_TSC_AUX, 0x12345);
    v = cr_rdmsr(MSR_TSC_AUX);
    uint64_t aux = ~0UL;
    if (policy_bit(0x80000001, 3, 27))
        cr_rdtscp(&aux);
    test_result("tsc_aux.write", true, "%s read=%#lx rdtscp=%#lx", outcome(before), v, aux);
    before = faults;
    cr_wrmsr(MSR_TSC_AUX, 1UL << 32);
    const char *written = outcome(before);
    test_result("tsc_aux.write_high", true, "%s read=%#lx", written, cr_rdmsr(MSR_TSC_AUX));
    cr_wrmsr(MSR_TSC_AUX, 0);
}

static void de_cases(void)
{
    /* Without CR4.DE: DR4/DR5 are DR6/DR7; I/O breakpoints refused, also
     * in a slot that is not enabled once another is. */
    check("de.clear.get_dr4", "0xffff0ff0", "%#lx", (unsigned long)HYPERVISOR_get_debugreg(4));
    check("de.clear.mov_dr4", "0xffff0ff0", "%#lx", cr_read_dr4());
    unsigned long before = faults;
    uint64_t dr8 = cr_read_dr8();
    check("de.mov_dr8", "fault 6 err 0 ~0", "%s %s", outcome(before), dr8 == ~0UL ? "~0" : "value");
    check("de.clear.io_breakpoint", "-1", "%ld", HYPERVISOR_set_debugreg(7, DR7_L0 | DR7_RW0_IO));
    check("de.clear.io_type_in_disabled_slot", "-1", "%ld",
          HYPERVISOR_set_debugreg(7, DR7_L0 | DR7_RW1_IO));
    long rc = HYPERVISOR_set_debugreg(7, DR7_RW0_IO);
    check("de.clear.io_type_nothing_enabled", "0 dr7=0x20400", "%ld dr7=%#lx", rc,
          (unsigned long)HYPERVISOR_get_debugreg(7));
    HYPERVISOR_set_debugreg(7, 0);

    if (!policy_bit(1, 3, 2)) {
        test_result("de.set", true, "no de");
        return;
    }
    cr_write_cr4(cr4_initial | CR4_DE);
    check("de.set", "cr4=initial+DE", "cr4=%s", cr4_text(cr_read_cr4()));
    check("de.set.get_dr4", "-19 -19", "%ld %ld", (long)HYPERVISOR_get_debugreg(4),
          (long)HYPERVISOR_get_debugreg(5));
    check("de.set.set_dr5", "-19", "%ld", (long)HYPERVISOR_set_debugreg(5, 0x400));
    before = faults;
    uint64_t dr4 = cr_read_dr4();
    check("de.set.mov_dr4", "fault 6 err 0 ~0", "%s %s", outcome(before),
          dr4 == ~0UL ? "~0" : "value");
    before = faults;
    cr_write_dr5(0x400);
    check("de.set.mov_to_dr5", "fault 6 err 0", "%s", outcome(before));

    /* An I/O breakpoint on port 0x80 (one byte), seen by an emulated inb. */
    struct physdev_set_iopl iopl = {.iopl = 1};
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    long rc0 = HYPERVISOR_set_debugreg(0, 0x80);
    long rc7 = HYPERVISOR_set_debugreg(7, DR7_L0 | DR7_RW0_IO);
    check("de.io_breakpoint.set", "0 0 dr7=0x20401", "%ld %ld dr7=%#lx", rc0, rc7,
          (unsigned long)HYPERVISOR_get_debugreg(7));
    before = faults;
    db_rip = 0;
    cr_inb(0x80);
    check("de.io_breakpoint.hit", "fault 1 err 0 dr6=0xffff0ff1", "%s dr6=%#lx", outcome(before),
          (unsigned long)db_dr6);
    before = faults;
    cr_inb(0x81);
    check("de.io_breakpoint.other_port", "no fault", "%s", outcome(before));
    /* Two bytes at 0x7f cover 0x80 too. */
    before = faults;
    cr_inw(0x7f);
    check("de.io_breakpoint.word_across", "fault 1 err 0 dr6=0xffff0ff1", "%s dr6=%#lx",
          outcome(before), (unsigned long)db_dr6);
    /* CR4.DE cleared: the breakpoint stays set but no longer matches. */
    cr_write_cr4(cr4_initial);
    before = faults;
    cr_inb(0x80);
    check("de.io_breakpoint.de_cleared", "no fault dr7=0x20401", "%s dr7=%#lx", outcome(before),
          (unsigned long)HYPERVISOR_get_debugreg(7));
    HYPERVISOR_set_debugreg(7, 0);
    HYPERVISOR_set_debugreg(0, 0);
    iopl.iopl = 0;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
}

static void fsgsbase_cases(void)
{
    unsigned long before = faults;
    uint64_t v = cr_rdfsbase();
    check("fsgsbase.clear.rdfsbase", "fault 6 err 0", "%s", outcome(before));
    if (!policy_bit(7, 1, 0)) {
        test_result("fsgsbase.set", true, "no fsgsbase");
        return;
    }
    uint64_t gs_kernel = cr_rdmsr(MSR_GS_BASE);
    cr_write_cr4(cr4_initial | CR4_FSGSBASE);
    before = faults;
    v = cr_rdfsbase();
    check("fsgsbase.set.rdfsbase", "no fault same_as_msr", "%s %s", outcome(before),
          v == cr_rdmsr(MSR_FS_BASE) ? "same_as_msr" : "different");
    before = faults;
    cr_wrgsbase(0x123456789000UL);
    check("fsgsbase.set.wrgsbase", "no fault msr=0x123456789000 rdgsbase=0x123456789000",
          "%s msr=%#lx rdgsbase=%#lx", outcome(before), cr_rdmsr(MSR_GS_BASE), cr_rdgsbase());
    /* Cleared again: what the kernel wrote directly is what it keeps. */
    cr_write_cr4(cr4_initial);
    before = faults;
    v = cr_rdgsbase();
    check("fsgsbase.cleared", "fault 6 err 0 msr=0x123456789000", "%s msr=%#lx", outcome(before),
          cr_rdmsr(MSR_GS_BASE));
    HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, gs_kernel);
}

static void xsave_cases(void)
{
    uint32_t r[4];
    cpuid_policy(1, 0, r);
    check("osxsave.clear.cpuid_kernel", r[2] & (1u << 26) ? "osxsave=1" : "osxsave=0", "osxsave=%u",
          (r[2] >> 27) & 1);
    cpuid_policy(0xd, 0, r);
    test_result("xstate.leaf_d.0", true, "%08x %08x %08x %08x", r[0], r[1], r[2], r[3]);
    cpuid_policy(0xd, 1, r);
    test_result("xstate.leaf_d.1", true, "%08x %08x %08x %08x", r[0], r[1], r[2], r[3]);
    for (unsigned int sub = 2; sub < 10; sub++) {
        char name[32];
        cpuid_policy(0xd, sub, r);
        snprintf(name, sizeof(name), "xstate.leaf_d.%u", sub);
        test_result(name, true, "%08x %08x %08x %08x", r[0], r[1], r[2], r[3]);
    }
    if (!policy_bit(1, 2, 26)) {
        test_result("osxsave.set", true, "no xsave");
        return;
    }
    cpuid_policy(0xd, 0, r);
    uint64_t xcr0_max = ((uint64_t)r[3] << 32) | r[0];
    cr_write_cr4(cr4_initial | CR4_OSXSAVE);
    cpuid_policy(1, 0, r);
    check("osxsave.set", "cr4=initial+OSXSAVE osxsave=1", "cr4=%s osxsave=%u",
          cr4_text(cr_read_cr4()), (r[2] >> 27) & 1);

    static const struct {
        const char *name;
        uint32_t xcr;
        uint64_t value;
    } refused[] = {
        {"xsetbv.zero", 0, 0},
        {"xsetbv.no_x87", 0, 2},
        {"xsetbv.ymm_without_sse", 0, 5},
        {"xsetbv.xcr1", 1, 3},
        {"xsetbv.pkru", 0, 0x203},
        {"xsetbv.bit63", 0, (1UL << 63) | 3},
        {"xsetbv.opmask_alone", 0, 0x27},
    };
    for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        unsigned long before = faults;
        cr_xsetbv(refused[i].xcr, refused[i].value);
        check(refused[i].name, "fault 13 err 0 xcr0=0x3", "%s xcr0=%#lx", outcome(before),
              cr_xgetbv(0));
    }
    unsigned long before = faults;
    cr_xsetbv_66(0, 3);
    check("xsetbv.prefix_66", "fault 6 err 0", "%s", outcome(before));
    before = faults;
    cr_xsetbv(0, 3);
    check("xsetbv.fp_sse", "no fault xcr0=0x3", "%s xcr0=%#lx", outcome(before), cr_xgetbv(0));

    if (xcr0_max & 4) {
        before = faults;
        cr_xsetbv(0, 7);
        uint64_t xcr0 = cr_xgetbv(0);
        cpuid_policy(0xd, 0, r);
        unsigned long after_set = faults;
        cr_avx();
        test_result("xsetbv.avx", faults == before && xcr0 == 7, "%s xcr0=%#lx size=%#x avx=%s",
                    outcome(before), xcr0, r[1], faults == after_set ? "ok" : outcome(after_set));
        cr_xsetbv(0, 3);
        cpuid_policy(0xd, 0, r);
        before = faults;
        cr_avx();
        test_result("xsetbv.avx_off", true, "size=%#x avx=%s", r[1], outcome(before));
    } else {
        test_result("xsetbv.avx", true, "no avx");
        test_result("xsetbv.avx_off", true, "no avx");
    }
    /* OSXSAVE cleared: xsetbv is #UD again, XCR0 stays as it was. */
    cr_write_cr4(cr4_initial);
    before = faults;
    cr_xsetbv(0, 3);
    cpuid_policy(1, 0, r);
    check("osxsave.cleared", "fault 6 err 0 xcr0=0x3 osxsave=1", "%s xcr0=%#lx osxsave=%u",
          outcome(before), cr_xgetbv(0), (r[2] >> 27) & 1);
}

/* --- the rest ------------------------------------------------------------ */

static void misc_cases(void)
{
    unsigned long before = faults;
    cr_wbinvd();
    check("wbinvd", "no fault", "%s", outcome(before));

    struct physdev_set_iopl iopl = {.iopl = 1};
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    before = faults;
    cr_nop_stepped();
    check("step.native_nop", "fault 1 err 0 at=after dr6=0xffff4ff0", "%s at=%s dr6=%#lx",
          outcome(before), db_rip == (uint64_t)cr_after_stepped_nop ? "after" : "other",
          (unsigned long)db_dr6);
    before = faults;
    cr_inb_stepped(0x80);
    check("step.emulated_in_direct_port", "fault 1 err 0 at=+1 dr6=0xffff4ff0",
          "%s at=%+ld dr6=%#lx", outcome(before), (long)(db_rip - (uint64_t)cr_after_stepped_in),
          (unsigned long)db_dr6);
    before = faults;
    cr_inb_stepped(0x70);
    check("step.emulated_in_cmos", "fault 1 err 0 at=+0 dr6=0xffff4ff0", "%s at=%+ld dr6=%#lx",
          outcome(before), (long)(db_rip - (uint64_t)cr_after_stepped_in), (unsigned long)db_dr6);
    before = faults;
    cr_cli_stepped();
    check("step.cli", "fault 1 err 0 at=+1 dr6=0xffff4ff0", "%s at=%+ld dr6=%#lx", outcome(before),
          (long)(db_rip - (uint64_t)cr_after_stepped_cli), (unsigned long)db_dr6);
    before = faults;
    cr_rdmsr_stepped(MSR_FS_BASE);
    check("step.rdmsr", "fault 1 err 0 at=+0 dr6=0xffff4ff0", "%s at=%+ld dr6=%#lx",
          outcome(before), (long)(db_rip - (uint64_t)cr_after_stepped_rdmsr),
          (unsigned long)db_dr6);
    before = faults;
    cr_cpuid_stepped();
    check("step.forced_cpuid", "fault 1 err 0 at=after dr6=0xffff4ff0", "%s at=%s dr6=%#lx",
          outcome(before), db_rip == (uint64_t)cr_after_stepped_cpuid ? "after" : "other",
          (unsigned long)db_dr6);
    iopl.iopl = 0;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
}

int kernel_main(void)
{
    trap_hook = hook;
    if (!test_init_mm_and_events())
        return test_summary();

    cr0_cases();
    cr2_cases();
    cr3_cases();
    cr4_write_cases();
    tsd_cases();
    tsc_aux_cases();
    de_cases();
    fsgsbase_cases();
    xsave_cases();
    misc_cases();

    check("still_works", "ok", "%s",
          HYPERVISOR_xen_version(XENVER_version, NULL) > 0 ? "ok" : "no");
    trap_hook = NULL;
    return test_summary();
}
