/*
 * Conformance kernel: privileged operations a PV kernel performs at CPL 3
 * and the hypervisor emulates (DESIGN §7): forced-emulation cpuid with the
 * hypervisor leaves, MSR reads and writes (FS/GS bases, PAT, APIC_BASE,
 * EFER, unknown MSRs), and control-register reads.  CR3 is printed as
 * whether it names the kernel's L4 (a machine address is not compared).
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/test.h>
#include <pvkernel/traps.h>
#include <stdio.h>
#include <string.h>

void forced_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
uint64_t read_msr(uint32_t msr);
void write_msr(uint32_t msr, uint64_t value);
uint64_t read_cr0(void), read_cr2(void), read_cr3(void), read_cr4(void);
extern uint64_t resume_rip;

static int faults;
static unsigned long last_vector;

static bool record(struct trap_frame *f)
{
    faults++;
    last_vector = f->vector;
    f->rip = resume_rip;
    return true;
}

static void cpuid_case(const char *name, uint32_t leaf, uint32_t sub)
{
    uint32_t r[4];
    forced_cpuid(leaf, sub, r);
    test_result(name, true, "%08x %08x %08x %08x", r[0], r[1], r[2], r[3]);
}

static void msr_read_case(const char *name, uint32_t msr)
{
    int before = faults;
    uint64_t v = read_msr(msr);
    if (faults != before)
        test_result(name, true, "fault %lu", last_vector);
    else
        test_result(name, true, "%#lx", v);
}

int kernel_main(void)
{
    trap_hook = record;
    uint32_t r[4];
    forced_cpuid(0x40000000, 0, r);
    char sig[13];
    memcpy(sig, &r[1], 4);
    memcpy(sig + 4, &r[2], 4);
    memcpy(sig + 8, &r[3], 4);
    sig[12] = 0;
    test_result("cpuid.40000000.signature", !strcmp(sig, "XenVMMXenVMM"), "%s max=%#x", sig, r[0]);
    cpuid_case("cpuid.40000001", 0x40000001, 0);
    cpuid_case("cpuid.40000002", 0x40000002, 0);
    cpuid_case("cpuid.40000003", 0x40000003, 0);
    cpuid_case("cpuid.40000004", 0x40000004, 0);
    cpuid_case("cpuid.40000005", 0x40000005, 0);
    cpuid_case("cpuid.0", 0, 0);
    cpuid_case("cpuid.1", 1, 0);
    cpuid_case("cpuid.7", 7, 0);
    cpuid_case("cpuid.80000000", 0x80000000, 0);
    cpuid_case("cpuid.80000001", 0x80000001, 0);

    msr_read_case("rdmsr.fs_base", 0xc0000100);
    msr_read_case("rdmsr.gs_base", 0xc0000101);
    msr_read_case("rdmsr.shadow_gs_base", 0xc0000102);
    msr_read_case("rdmsr.pat", 0x277);
    msr_read_case("rdmsr.apic_base", 0x1b);
    msr_read_case("rdmsr.efer", 0xc0000080);
    msr_read_case("rdmsr.unknown", 0x12345678);
    write_msr(0xc0000100, 0x123456789000);
    msr_read_case("wrmsr.fs_base.readback", 0xc0000100);
    write_msr(0xc0000100, 0);
    int before = faults;
    write_msr(0x12345678, 1);
    test_result("wrmsr.unknown", true, "%s", faults != before ? "fault" : "no fault");
    before = faults;
    write_msr(0xc0000100, 0x8000000000000000UL);
    test_result("wrmsr.fs_base.noncanonical", true, "%s", faults != before ? "fault" : "no fault");

    test_result("cr0", true, "%#lx", read_cr0());
    test_result("cr2.after_no_fault", true, "%#lx", read_cr2());
    uint64_t cr3 = read_cr3();
    const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
    unsigned long l4_mfn = p2m[(start_info->pt_base - 0xffffffff80000000UL) >> 12];
    test_result("cr3.is_kernel_l4", (cr3 >> 12) == l4_mfn, "%s",
                (cr3 >> 12) == l4_mfn ? "yes" : "no");
    test_result("cr4", true, "%#lx", read_cr4());
    trap_hook = NULL;
    return test_summary();
}
