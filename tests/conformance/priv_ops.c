/*
 * Conformance kernel: privileged operations a PV kernel performs at CPL 3
 * and the hypervisor emulates (DESIGN §7): forced-emulation cpuid with the
 * hypervisor leaves, MSR reads and writes (FS/GS bases, PAT, APIC_BASE,
 * EFER, unknown MSRs), and control-register reads.  CR3 is printed as
 * whether it names the kernel's L4 (a machine address is not compared).
 * I/O ports as dom0 sees them: ports kept by the hypervisor read as all
 * ones; PIT channel 2 and the speaker gate reach the hardware; the CMOS
 * index is latched per domain and the data port is mediated; PCI
 * configuration goes through a per-domain 0xcf8 latch; other ports go
 * straight to the (QEMU) hardware.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/traps.h>
#include <stdio.h>
#include <string.h>

void forced_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
uint64_t read_msr(uint32_t msr);
void write_msr(uint32_t msr, uint64_t value);
uint64_t read_cr0(void), read_cr2(void), read_cr3(void), read_cr4(void);
extern uint64_t resume_rip;
struct sio {
    uint64_t rcx, rsi, rdi, rdx;
};
void string_io(struct sio *s, unsigned int which);
enum { REP_INSB, REP_INSL, REP_OUTSB, INSB, REP_INSB_DOWN, REP_OUTSB_FS, ADDR32_REP_INSB };

static int faults;
static unsigned long last_vector, last_error;

static bool record(struct trap_frame *f)
{
    faults++;
    last_vector = f->vector;
    last_error = f->error_code;
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

static uint32_t port_in(uint16_t port, unsigned int bytes)
{
    uint32_t v = 0;
    if (bytes == 1)
        __asm__ __volatile__("inb %w1, %b0" : "+a"(v) : "Nd"(port));
    else if (bytes == 2)
        __asm__ __volatile__("inw %w1, %w0" : "+a"(v) : "Nd"(port));
    else
        __asm__ __volatile__("inl %w1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void port_out(uint16_t port, unsigned int bytes, uint32_t v)
{
    if (bytes == 1)
        __asm__ __volatile__("outb %b0, %w1" : : "a"(v), "Nd"(port));
    else if (bytes == 2)
        __asm__ __volatile__("outw %w0, %w1" : : "a"(v), "Nd"(port));
    else
        __asm__ __volatile__("outl %0, %w1" : : "a"(v), "Nd"(port));
}

static void port_case(const char *name, const char *expected, uint16_t port, unsigned int bytes)
{
    test_check(name, expected, "%#x", port_in(port, bytes));
}

/* "fault <vector> err <code>" since `before`, or "no fault". */
static const char *sio_outcome(int before)
{
    static char buf[40];
    if (faults == before)
        return "no fault";
    snprintf(buf, sizeof(buf), "fault %lu err %#lx", last_vector, last_error);
    return buf;
}

/*
 * ins/outs (Xen's rep_ins/rep_outs): through the same port emulation as
 * in/out — the CMOS data port (mediated), PCI configuration data, the
 * CMOS index latch — with and without rep, downwards, from an FS
 * override, with 32-bit addressing; a zero count; a store into a
 * read-only page (the page tables), one running off the initial mapping
 * part-way (registers as far as it got), one into hv's range.
 */
static void string_io_cases(void)
{
    static uint8_t buf[16] __attribute__((aligned(8)));
    static uint8_t out[4] = {0x8a, 0x8b, 0x8c, 0x8d};
    uint64_t b = (uint64_t)buf;
    struct physdev_set_iopl iopl = {.iopl = 1};
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);

    port_out(0x70, 1, 0x0b); /* CMOS status B: 0x2, as cmos.status_b reads it */
    memset(buf, 0xee, sizeof(buf));
    struct sio s = {.rcx = 3, .rdi = b, .rdx = 0x71};
    int before = faults;
    string_io(&s, REP_INSB);
    test_check("sio.rep_insb_cmos", "no fault 02 02 02 ee rcx=0 rdi=+3",
               "%s %02x %02x %02x %02x rcx=%lu rdi=%+ld", sio_outcome(before), buf[0], buf[1],
               buf[2], buf[3], s.rcx, (long)(s.rdi - b));

    port_out(0xcf8, 4, 0x80000000);
    memset(buf, 0xee, sizeof(buf));
    s = (struct sio){.rcx = 2, .rdi = b, .rdx = 0xcfc};
    before = faults;
    string_io(&s, REP_INSL);
    uint32_t d0, d1;
    memcpy(&d0, buf, 4);
    memcpy(&d1, buf + 4, 4);
    test_check("sio.rep_insl_pci", "no fault 0x12378086 0x12378086 rcx=0 rdi=+8",
               "%s %#x %#x rcx=%lu rdi=%+ld", sio_outcome(before), d0, d1, s.rcx,
               (long)(s.rdi - b));
    port_out(0xcf8, 4, 0);

    s = (struct sio){.rcx = 2, .rsi = (uint64_t)out, .rdx = 0x70};
    before = faults;
    string_io(&s, REP_OUTSB);
    test_check("sio.rep_outsb_cmos_index", "no fault latch=0x8b rcx=0 rsi=+2",
               "%s latch=%#x rcx=%lu rsi=%+ld", sio_outcome(before), port_in(0x70, 1), s.rcx,
               (long)(s.rsi - (uint64_t)out));

    port_out(0x70, 1, 0x0b);
    memset(buf, 0xee, sizeof(buf));
    s = (struct sio){.rcx = 5, .rdi = b, .rdx = 0x71};
    before = faults;
    string_io(&s, INSB);
    test_check("sio.insb", "no fault 02 ee rcx=5 rdi=+1", "%s %02x %02x rcx=%lu rdi=%+ld",
               sio_outcome(before), buf[0], buf[1], s.rcx, (long)(s.rdi - b));

    memset(buf, 0xee, sizeof(buf));
    s = (struct sio){.rcx = 2, .rdi = b + 3, .rdx = 0x71};
    before = faults;
    string_io(&s, REP_INSB_DOWN);
    test_check("sio.rep_insb_down", "no fault ee 02 02 ee rcx=0 rdi=+1",
               "%s %02x %02x %02x %02x rcx=%lu rdi=%+ld", sio_outcome(before), buf[1], buf[2],
               buf[3], buf[4], s.rcx, (long)(s.rdi - b));

    s = (struct sio){.rcx = 0, .rdi = b, .rdx = 0x71};
    before = faults;
    string_io(&s, REP_INSB);
    test_check("sio.rep_zero", "no fault rcx=0 rdi=+0", "%s rcx=%lu rdi=%+ld", sio_outcome(before),
               s.rcx, (long)(s.rdi - b));

    HYPERVISOR_set_segment_base(SEGBASE_FS, (uint64_t)out);
    s = (struct sio){.rcx = 1, .rsi = 2, .rdx = 0x70};
    before = faults;
    string_io(&s, REP_OUTSB_FS);
    test_check("sio.rep_outsb_fs", "no fault latch=0x8c rsi=3", "%s latch=%#x rsi=%lu",
               sio_outcome(before), port_in(0x70, 1), s.rsi);
    HYPERVISOR_set_segment_base(SEGBASE_FS, 0);

    /* The bootstrap page tables are mapped read-only. */
    uint64_t pt = start_info->pt_base;
    s = (struct sio){.rcx = 2, .rdi = pt, .rdx = 0x71};
    before = faults;
    string_io(&s, REP_INSB);
    test_check("sio.rep_insb_read_only", "fault 14 err 0x2 cr2=pt_base rcx=2 rdi=+0",
               "%s cr2=%s rcx=%lu rdi=%+ld", sio_outcome(before),
               read_cr2() == pt ? "pt_base" : "other", s.rcx, (long)(s.rdi - pt));

    /* From the initial mapping's last byte into the unmapped page after it. */
    uint64_t end = 0xffffffff80000000UL + (mm_initial_pages() << 12);
    s = (struct sio){.rcx = 3, .rdi = end - 1, .rdx = 0x71};
    before = faults;
    string_io(&s, REP_INSB);
    test_check("sio.rep_insb_runs_off", "fault 14 err 0x2 cr2=end rcx=2 rdi=end",
               "%s cr2=%s rcx=%lu rdi=%s", sio_outcome(before), read_cr2() == end ? "end" : "other",
               s.rcx, s.rdi == end ? "end" : "other");

    s = (struct sio){.rcx = 1, .rdi = 0xffff800000000000UL, .rdx = 0x71};
    before = faults;
    string_io(&s, REP_INSB);
    test_check("sio.rep_insb_hv_range", "fault 13 err 0 rcx=1", "%s rcx=%lu", sio_outcome(before),
               s.rcx);

    /* 32-bit addressing: this kernel's buffer truncated to the lower half. */
    s = (struct sio){.rcx = 1, .rdi = b, .rdx = 0x71};
    before = faults;
    string_io(&s, ADDR32_REP_INSB);
    test_check("sio.addr32", "fault 14 err 0x2 cr2=low32 rcx=1", "%s cr2=%s rcx=%lu",
               sio_outcome(before), read_cr2() == (uint32_t)b ? "low32" : "other", s.rcx);

    iopl.iopl = 0;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    s = (struct sio){.rcx = 1, .rdi = b, .rdx = 0x71};
    before = faults;
    string_io(&s, REP_INSB);
    test_check("sio.no_iopl", "fault 13 err 0 rcx=1 rdi=+0", "%s rcx=%lu rdi=%+ld",
               sio_outcome(before), s.rcx, (long)(s.rdi - b));
}

static void port_cases(void)
{
    struct physdev_set_iopl iopl = {.iopl = 1};
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);

    /* Kept by the hypervisor: the PICs, PIT channel 0, the PM timer, its UART. */
    port_case("port.pic_master_mask", "0xff", 0x21, 1);
    port_case("port.pic_slave_mask", "0xff", 0xa1, 1);
    port_case("port.pit_ch0", "0xff", 0x40, 1);
    port_case("port.pit_mode_read", "0", 0x43, 1);
    port_case("port.pm_timer", "0xffffffff", 0x608, 4);
    port_case("port.uart_lsr", "0xff", 0x3fd, 1);
    port_case("port.reset_control", "0", 0xcf9, 1);
    /* Straight to the hardware: the keyboard controller's status. */
    port_case("port.kbc_status", "0x1c", 0x64, 1);

    /* PIT channel 2 with the speaker gate: mode 0 from 0xffff counts down. */
    uint32_t gate = port_in(0x61, 1);
    port_out(0x61, 1, (gate & ~3u) | 1);
    port_out(0x43, 1, 0xb0);
    port_out(0x42, 1, 0xff);
    port_out(0x42, 1, 0xff);
    for (volatile int i = 0; i < 100000; i++)
        ;
    port_out(0x43, 1, 0x80); /* latch channel 2 */
    uint32_t count = port_in(0x42, 1);
    count |= port_in(0x42, 1) << 8;
    test_check("port.pit_ch2_counts", "counting", "%s",
               count < 0xffff    ? "counting"
               : count == 0xffff ? "stuck"
                                 : "?");
    test_check("port.speaker_gate_on", "0x1", "%#x", port_in(0x61, 1) & 3);
    port_out(0x61, 1, gate & ~3u);
    test_check("port.speaker_gate_off", "0", "%#x", port_in(0x61, 1) & 3);

    /* CMOS: the index is latched (all 8 bits), the data port mediated. */
    port_out(0x70, 1, 0x8b);
    port_case("cmos.index_latch", "0x8b", 0x70, 1);
    port_case("cmos.status_b", "0x2", 0x71, 1);
    port_case("cmos.index_and_data_word", "0x28b", 0x70, 2);
    port_out(0x70, 1, 0x40);
    uint32_t saved = port_in(0x71, 1);
    port_out(0x71, 1, 0x5a);
    port_out(0x70, 1, 0x0b);
    port_out(0x70, 1, 0x40);
    port_case("cmos.nvram_written", "0x5a", 0x71, 1);
    port_out(0x71, 1, saved);

    /* PCI configuration through the 0xcf8 latch: the i440FX host bridge. */
    port_out(0xcf8, 4, 0x80000000);
    port_case("pci.cf8_latch", "0x80000000", 0xcf8, 4);
    port_case("pci.host_bridge_id", "0x12378086", 0xcfc, 4);
    port_case("pci.device_id_word", "0x1237", 0xcfe, 2);
    port_case("pci.vendor_high_byte", "0x80", 0xcfd, 1);
    port_case("pci.dword_at_cfd", "0xff120000", 0xcfd, 4);
    port_out(0xcf8, 4, 0x80000008);
    port_case("pci.class_revision", "0x6000002", 0xcfc, 4);
    port_out(0xcf8, 4, 0x0);
    port_case("pci.disabled", "0xffffffff", 0xcfc, 4);
    port_case("pci.cf8_byte", "0", 0xcf8, 1);

    iopl.iopl = 0;
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
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
    port_cases();
    string_io_cases();
    trap_hook = NULL;
    return test_summary();
}
