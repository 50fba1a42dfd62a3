/*
 * Conformance kernel: the per-vCPU CPU state a 64-bit PV kernel manages
 * through hypercalls (DESIGN §7, issue 3) — segment bases (set_segment_base,
 * read back with the emulated rdmsr and through %fs/%gs), the kernel stack
 * of stack_switch, the debug registers (set_debugreg/get_debugreg, a real
 * execute and data breakpoint, icebp, direct `mov %drN`), the FPU
 * (fpu_taskswitch, #NM, clts, CR0.TS as the guest reads it, FPU/SSE state
 * kept across hypercalls, events and #NM), and the I/O bitmap of
 * PHYSDEVOP_set_iobitmap with the port accesses it allows.
 *
 * Each case prints what it observed: return codes, register values that are
 * facts of the ABI, fault vectors.  Addresses of this kernel are printed as
 * names ("kaddr", "target+0"), never as numbers.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/time.h>
#include <pvkernel/traps.h>
#include <stdio.h>
#include <string.h>

#define check test_check

#define NONCANON      0x8000000000000000UL
#define NONCANON_LOW  0x0000800000000000UL /* just above the lower half */
#define HV_RANGE      0xffff800000000000UL /* HYPERVISOR_VIRT_START */
#define HV_RANGE_MID  0xffff830000000000UL
#define USER_ADDR     0x1000UL
#define USER_TOP      0x00007ffffffff000UL
#define MSR_FS_BASE   0xc0000100
#define MSR_GS_BASE   0xc0000101
#define MSR_SHADOW_GS 0xc0000102
#define CR0_TS        0x8UL
#define FPU_WORDS     33 /* xmm0-15 as 32 quadwords, st0 as a double */

uint64_t cs_rdmsr(uint32_t msr);
uint64_t cs_xgetbv(uint32_t xcr);
void cs_xsetbv(uint32_t xcr, uint64_t value);
uint64_t cs_read_fs0(void), cs_read_gs0(void);
unsigned long cs_read_gs_sel(void);
uint64_t cs_read_cr0(void);
void cs_clts(void);
uint64_t cs_read_dr7(void), cs_read_dr6(void);
void cs_write_dr7(uint64_t v);
void cs_bp_target(void), cs_icebp(void);
void cs_store(uint64_t *p, uint64_t v);
void cs_sse(void), cs_x87(void);
unsigned int cs_inb(unsigned int port);
unsigned long cs_fpu_keep(const uint64_t *in, uint64_t *out, const volatile unsigned long *counter);
void cs_fpu_keep_nm(const uint64_t *in, uint64_t *out);
extern uint64_t cs_resume_rip;

/* --- faults ------------------------------------------------------------ */

static volatile unsigned long faults, last_vector, last_error;
/* #NM: CR0 as the handler reads it.  #DB: DR6 (get_debugreg) and where. */
static volatile uint64_t nm_cr0, db_dr6, db_rip, fault_rip;

static bool hook(struct trap_frame *f)
{
    faults++;
    last_vector = f->vector;
    last_error = f->error_code;
    fault_rip = f->rip;
    if (f->vector == 7) {
        nm_cr0 = cs_read_cr0();
        HYPERVISOR_fpu_taskswitch(0);
        return true; /* again, now without TS */
    }
    if (f->vector == 1) {
        db_rip = f->rip;
        db_dr6 = HYPERVISOR_get_debugreg(6);
        HYPERVISOR_set_debugreg(7, 0);
        return true; /* a fault at the target no longer hits; a trap is past it */
    }
    f->rip = cs_resume_rip;
    return true;
}

/* "no fault" or "fault <vector> err <code>" of what ran since `before`. */
static const char *outcome(unsigned long before)
{
    static char buf[48];
    if (faults == before)
        return "no fault";
    snprintf(buf, sizeof(buf), "fault %lu err %#lx", last_vector, last_error);
    return buf;
}

/* A value that may be this kernel's address `kaddr`: printed as the name. */
static const char *val(uint64_t v, uint64_t kaddr)
{
    static char buf[2][24];
    static int n;
    char *b = buf[n++ & 1];
    if (kaddr && v == kaddr)
        return "kaddr";
    snprintf(b, sizeof(buf[0]), "%#lx", v);
    return b;
}

/* --- segment bases ----------------------------------------------------- */

static volatile uint64_t fs_word = 0x1122334455667788UL, gs_word = 0x99aabbccddeeff00UL;

static void segbase_rc(const char *name, const char *expected, unsigned int which, uint64_t base,
                       uint32_t msr, uint64_t kaddr)
{
    long rc = HYPERVISOR_set_segment_base(which, base);
    check(name, expected, "rc=%ld msr=%s", rc, val(cs_rdmsr(msr), kaddr));
}

static void user_sel(const char *name, const char *expected, uint64_t sel)
{
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x123456789000UL);
    long rc = HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, sel);
    check(name, expected, "rc=%ld gs=%#lx user_base=%#lx kernel_base=%#lx", rc, cs_read_gs_sel(),
          cs_rdmsr(MSR_SHADOW_GS), cs_rdmsr(MSR_GS_BASE));
}

static void segbase_cases(void)
{
    uint64_t fs_addr = (uint64_t)&fs_word, gs_addr = (uint64_t)&gs_word;
    check("segbase.initial", "fs=0 gs=0 shadow_gs=0 gs_sel=0",
          "fs=%#lx gs=%#lx shadow_gs=%#lx gs_sel=%#lx", cs_rdmsr(MSR_FS_BASE),
          cs_rdmsr(MSR_GS_BASE), cs_rdmsr(MSR_SHADOW_GS), cs_read_gs_sel());

    long rc = HYPERVISOR_set_segment_base(SEGBASE_FS, fs_addr);
    check("segbase.fs", "rc=0 rdmsr=kaddr fs:0=0x1122334455667788", "rc=%ld rdmsr=%s fs:0=%#lx", rc,
          val(cs_rdmsr(MSR_FS_BASE), fs_addr), cs_read_fs0());
    segbase_rc("segbase.fs.noncanonical", "rc=-22 msr=kaddr", SEGBASE_FS, NONCANON, MSR_FS_BASE,
               fs_addr);
    segbase_rc("segbase.fs.noncanonical_low", "rc=-22 msr=kaddr", SEGBASE_FS, NONCANON_LOW,
               MSR_FS_BASE, fs_addr);
    segbase_rc("segbase.fs.hv_range", "rc=0 msr=0xffff800000000000", SEGBASE_FS, HV_RANGE,
               MSR_FS_BASE, fs_addr);
    segbase_rc("segbase.fs.user", "rc=0 msr=0x7ffffffff000", SEGBASE_FS, USER_TOP, MSR_FS_BASE,
               fs_addr);
    segbase_rc("segbase.fs.zero", "rc=0 msr=0", SEGBASE_FS, 0, MSR_FS_BASE, fs_addr);

    rc = HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, gs_addr);
    check("segbase.gs_kernel", "rc=0 rdmsr=kaddr gs:0=0x99aabbccddeeff00 shadow=0",
          "rc=%ld rdmsr=%s gs:0=%#lx shadow=%#lx", rc, val(cs_rdmsr(MSR_GS_BASE), gs_addr),
          cs_read_gs0(), cs_rdmsr(MSR_SHADOW_GS));
    segbase_rc("segbase.gs_kernel.noncanonical", "rc=-22 msr=kaddr", SEGBASE_GS_KERNEL, NONCANON,
               MSR_GS_BASE, gs_addr);
    segbase_rc("segbase.gs_kernel.zero", "rc=0 msr=0", SEGBASE_GS_KERNEL, 0, MSR_GS_BASE, gs_addr);

    rc = HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x123456789000UL);
    check("segbase.gs_user", "rc=0 shadow=0x123456789000 gs=0", "rc=%ld shadow=%#lx gs=%#lx", rc,
          cs_rdmsr(MSR_SHADOW_GS), cs_rdmsr(MSR_GS_BASE));
    segbase_rc("segbase.gs_user.noncanonical", "rc=-22 msr=0x123456789000", SEGBASE_GS_USER,
               NONCANON, MSR_SHADOW_GS, 0);
    segbase_rc("segbase.gs_user.noncanonical_low", "rc=-22 msr=0x123456789000", SEGBASE_GS_USER,
               NONCANON_LOW, MSR_SHADOW_GS, 0);

    user_sel("segbase.gs_user_sel.null", "rc=0 gs=0 user_base=0 kernel_base=0", 0);
    /* FLAT_USER_DS64 is the null selector; DS32 is the flat ring-3 data segment. */
    user_sel("segbase.gs_user_sel.flat_user_ds32", "rc=0 gs=0xe02b user_base=0 kernel_base=0",
             FLAT_USER_DS32);
    user_sel("segbase.gs_user_sel.rpl0", "rc=0 gs=0xe02b user_base=0 kernel_base=0",
             FLAT_USER_DS32 & ~3UL);
    user_sel("segbase.gs_user_sel.high_bits", "rc=0 gs=0xe02b user_base=0 kernel_base=0",
             0xabcd0000UL | FLAT_USER_DS32);
    user_sel("segbase.gs_user_sel.beyond_gdt", "rc=0 gs=0 user_base=0 kernel_base=0", 0x1230);
    user_sel("segbase.gs_user_sel.ldt", "rc=0 gs=0 user_base=0 kernel_base=0", 0x7);
    user_sel("segbase.gs_user_sel.hv_cs", "rc=0 gs=0 user_base=0 kernel_base=0", 0xe008);
    user_sel("segbase.gs_user_sel.user_cs", "rc=0 gs=0xe033 user_base=0 kernel_base=0",
             FLAT_USER_CS64);
    user_sel("segbase.gs_user_sel.null_rpl3", "rc=0 gs=0x3 user_base=0 kernel_base=0", 3);
    HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0);
    segbase_rc("segbase.gs_user.zero", "rc=0 msr=0", SEGBASE_GS_USER, 0, MSR_SHADOW_GS, 0);

    test_check_rc("segbase.bad_which.4", HYPERVISOR_set_segment_base(4, 0), -XEN_EINVAL);
    test_check_rc("segbase.bad_which.big", HYPERVISOR_set_segment_base(0xffffffffu, 0),
                  -XEN_EINVAL);
    check("segbase.final", "fs=0 gs=0 shadow_gs=0 gs_sel=0",
          "fs=%#lx gs=%#lx shadow_gs=%#lx gs_sel=%#lx", cs_rdmsr(MSR_FS_BASE),
          cs_rdmsr(MSR_GS_BASE), cs_rdmsr(MSR_SHADOW_GS), cs_read_gs_sel());
}

/* --- stack_switch -------------------------------------------------------- */

static char spare_stack[4096] __attribute__((aligned(16)));

static void stack_switch_cases(void)
{
    unsigned long sp = (unsigned long)(spare_stack + sizeof(spare_stack));
    check("stack_switch.kernel_ss", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, sp));
    check("stack_switch.ss_rpl0", "rc=0", "rc=%ld",
          HYPERVISOR_stack_switch(FLAT_KERNEL_SS & ~3UL, sp));
    check("stack_switch.ss_null", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(0, sp));
    check("stack_switch.ss_hv_cs", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(0xe008, sp));
    check("stack_switch.ss_user_cs", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(0xe033, sp));
    check("stack_switch.ss_beyond_gdt", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(0x1233, sp));
    check("stack_switch.sp_noncanonical", "rc=0", "rc=%ld",
          HYPERVISOR_stack_switch(FLAT_KERNEL_SS, NONCANON));
    check("stack_switch.sp_hv_range", "rc=0", "rc=%ld",
          HYPERVISOR_stack_switch(FLAT_KERNEL_SS, HV_RANGE_MID));
    check("stack_switch.sp_zero", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, 0));
    check("stack_switch.restore", "rc=0", "rc=%ld", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, sp));
}

/* --- debug registers ----------------------------------------------------- */

static void dr_set(const char *name, const char *expected, int reg, uint64_t v, uint64_t kaddr)
{
    long rc = HYPERVISOR_set_debugreg(reg, v);
    check(name, expected, "rc=%ld get=%s", rc, val(HYPERVISOR_get_debugreg(reg), kaddr));
}

static void dr_addr_cases(const char *prefix, int reg)
{
    /* The expected values are the same for DR0-DR3. */
    static const struct {
        const char *suffix, *expected;
        uint64_t value; /* 1: this kernel's address */
    } cases[] = {
        {"user", "rc=0 get=0x1000", USER_ADDR},
        {"user_top", "rc=0 get=0x7ffffffff000", USER_TOP},
        {"user_end", "rc=0 get=0x7ffffffffff8", 0x00007ffffffffff8UL},
        {"kernel", "rc=0 get=kaddr", 1},
        {"hv_range", "rc=-1 get=kaddr", HV_RANGE},
        {"hv_range_mid", "rc=-1 get=kaddr", HV_RANGE_MID},
        {"hv_range_end", "rc=0 get=0xffff880000000000", 0xffff880000000000UL},
        {"noncanonical_low", "rc=-1 get=0xffff880000000000", NONCANON_LOW},
        {"noncanonical", "rc=-1 get=0xffff880000000000", NONCANON},
        {"zero", "rc=0 get=0", 0},
    };
    uint64_t kaddr = (uint64_t)cs_bp_target;
    for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.%s", prefix, cases[i].suffix);
        dr_set(name, cases[i].expected, reg, cases[i].value == 1 ? kaddr : cases[i].value, kaddr);
    }
}

static void debugreg_cases(void)
{
    uint64_t kaddr = (uint64_t)cs_bp_target;
    check("debugreg.initial", "dr0=0 dr1=0 dr2=0 dr3=0 dr6=0xffff0ff0 dr7=0x400",
          "dr0=%#lx dr1=%#lx dr2=%#lx dr3=%#lx dr6=%#lx dr7=%#lx", HYPERVISOR_get_debugreg(0),
          HYPERVISOR_get_debugreg(1), HYPERVISOR_get_debugreg(2), HYPERVISOR_get_debugreg(3),
          HYPERVISOR_get_debugreg(6), HYPERVISOR_get_debugreg(7));
    dr_addr_cases("debugreg.dr0", 0);
    dr_addr_cases("debugreg.dr1", 1);
    dr_addr_cases("debugreg.dr2", 2);
    dr_addr_cases("debugreg.dr3", 3);

    dr_set("debugreg.dr6.zero", "rc=0 get=0xffff0ff0", 6, 0, 0);
    dr_set("debugreg.dr6.b0_b3", "rc=0 get=0xffff0fff", 6, 0xf, 0);
    dr_set("debugreg.dr6.bs", "rc=0 get=0xffff4ff0", 6, 0x4000, 0);
    dr_set("debugreg.dr6.all_low", "rc=0 get=0xffffefff", 6, 0xffffffffUL, 0);
    dr_set("debugreg.dr6.high_bits", "rc=-22 get=0xffffefff", 6, 1UL << 32, 0);
    dr_set("debugreg.dr6.reset", "rc=0 get=0xffff0ff0", 6, 0, 0);

    HYPERVISOR_set_debugreg(0, USER_ADDR);
    dr_set("debugreg.dr7.zero", "rc=0 get=0x400", 7, 0, 0);
    dr_set("debugreg.dr7.l0", "rc=0 get=0x401", 7, 0x1, 0);
    dr_set("debugreg.dr7.g0", "rc=0 get=0x402", 7, 0x2, 0);
    dr_set("debugreg.dr7.all_enables", "rc=0 get=0x4ff", 7, 0xff, 0);
    dr_set("debugreg.dr7.le_ge", "rc=0 get=0x700", 7, 0x300, 0);
    dr_set("debugreg.dr7.rsvd_bit10_clear", "rc=0 get=0x401", 7, 0x1, 0);
    dr_set("debugreg.dr7.rsvd_bits_11_12", "rc=0 get=0x401", 7, 0x1801, 0);
    dr_set("debugreg.dr7.rtm_bit11", "rc=0 get=0x400", 7, 0x800, 0);
    dr_set("debugreg.dr7.gd", "rc=-1 get=0x400", 7, 0x2000, 0);
    dr_set("debugreg.dr7.gd_disabled", "rc=-1 get=0x400", 7, 0x2001, 0);
    dr_set("debugreg.dr7.rsvd_bits_14_15", "rc=0 get=0x401", 7, 0xc001, 0);
    dr_set("debugreg.dr7.high_bits", "rc=-22 get=0x401", 7, (1UL << 32) | 1, 0);
    dr_set("debugreg.dr7.io_breakpoint", "rc=-1 get=0x401", 7, 0x20001, 0);
    dr_set("debugreg.dr7.write_len8", "rc=0 get=0xd0401", 7, 0xd0001, 0);
    dr_set("debugreg.dr7.conditions_disabled", "rc=0 get=0xffff0400", 7, 0xffff0000UL, 0);
    /* A breakpoint on an address in the hypervisor's range cannot be armed. */
    long rc0 = HYPERVISOR_set_debugreg(0, HV_RANGE_MID);
    long rc7 = HYPERVISOR_set_debugreg(7, 0x1);
    check("debugreg.dr7.enable_hv_range_dr0", "rc0=-1 rc7=0 dr0=0x1000 dr7=0x401",
          "rc0=%ld rc7=%ld dr0=%#lx dr7=%#lx", rc0, rc7, HYPERVISOR_get_debugreg(0),
          HYPERVISOR_get_debugreg(7));
    dr_set("debugreg.dr7.off", "rc=0 get=0x400", 7, 0, 0);
    HYPERVISOR_set_debugreg(0, 0);

    check("debugreg.dr4.set", "rc=0", "rc=%ld", HYPERVISOR_set_debugreg(4, 0));
    check("debugreg.dr5.set", "rc=0", "rc=%ld", HYPERVISOR_set_debugreg(5, 0));
    check("debugreg.dr8.set", "rc=-19", "rc=%ld", HYPERVISOR_set_debugreg(8, 0));
    check("debugreg.dr_neg.set", "rc=-19", "rc=%ld", HYPERVISOR_set_debugreg(-1, 0));
    check("debugreg.dr4.get", "0xffff0ff0", "%#lx", HYPERVISOR_get_debugreg(4));
    check("debugreg.dr5.get", "0x400", "%#lx", HYPERVISOR_get_debugreg(5));
    check("debugreg.dr8.get", "-19", "%ld", (long)HYPERVISOR_get_debugreg(8));
    check("debugreg.dr_neg.get", "-19", "%ld", (long)HYPERVISOR_get_debugreg(-1));

    /* An execute breakpoint: #DB (a fault) at the instruction. */
    unsigned long before = faults;
    db_rip = 0;
    long rca = HYPERVISOR_set_debugreg(0, kaddr);
    long rcb = HYPERVISOR_set_debugreg(7, 0x1); /* L0, execute, length 1 */
    cs_bp_target();
    check("debugreg.breakpoint.execute", "rc=0,0 fault 1 err 0 vector=1 rip=kaddr dr6=0xffff0ff1",
          "rc=%ld,%ld %s vector=%lu rip=%s dr6=%#lx", rca, rcb, outcome(before), last_vector,
          val(db_rip, kaddr), db_dr6);
    check("debugreg.breakpoint.after", "dr6=0xffff0ff1 dr7=0x400", "dr6=%#lx dr7=%#lx",
          HYPERVISOR_get_debugreg(6), HYPERVISOR_get_debugreg(7));
    before = faults;
    cs_bp_target();
    check("debugreg.breakpoint.disabled", "no fault", "%s", outcome(before));
    HYPERVISOR_set_debugreg(6, 0);

    /* A data breakpoint on writes to a quadword: #DB (a trap) after the store. */
    static uint64_t watched;
    before = faults;
    db_rip = 0;
    rca = HYPERVISOR_set_debugreg(1, (uint64_t)&watched);
    rcb = HYPERVISOR_set_debugreg(7, 0x4 | (0xdUL << 20)); /* L1, write, length 8 */
    cs_store(&watched, 5);
    check("debugreg.breakpoint.write", "rc=0,0 fault 1 err 0 vector=1 rip=store+3 dr6=0xffff0ff2",
          "rc=%ld,%ld %s vector=%lu rip=store+%ld dr6=%#lx", rca, rcb, outcome(before), last_vector,
          (long)(db_rip - (uint64_t)cs_store), db_dr6);
    HYPERVISOR_set_debugreg(6, 0);
    HYPERVISOR_set_debugreg(1, 0);

    /* A write watchpoint on a buffer the hypervisor fills for a hypercall:
     * the hit happens inside the hypervisor, which must carry on. */
    static char extraversion[XEN_EXTRAVERSION_LEN] __attribute__((aligned(16)));
    before = faults;
    rca = HYPERVISOR_set_debugreg(2, (uint64_t)extraversion);
    rcb = HYPERVISOR_set_debugreg(7, 0x10 | (0xdUL << 24)); /* L2, write, length 8 */
    long rcv = HYPERVISOR_xen_version(XENVER_extraversion, extraversion);
    uint64_t dr6 = HYPERVISOR_get_debugreg(6);
    HYPERVISOR_set_debugreg(7, 0);
    check("debugreg.watchpoint_in_hypercall", "rc=0,0 xen_version=0 no fault dr6=0xffff0ff0",
          "rc=%ld,%ld xen_version=%ld %s dr6=%#lx", rca, rcb, rcv, outcome(before), dr6);
    HYPERVISOR_set_debugreg(6, 0);
    HYPERVISOR_set_debugreg(2, 0);

    /* icebp (int1): #DB, a trap after the instruction. */
    before = faults;
    db_rip = 0;
    cs_icebp();
    check("debugreg.icebp", "fault 6 err 0 rip=icebp+14 dr6=0xffff0ff0",
          "%s rip=icebp+%ld dr6=%#lx", outcome(before), (long)(fault_rip - (uint64_t)cs_icebp),
          HYPERVISOR_get_debugreg(6));
    HYPERVISOR_set_debugreg(6, 0);

    /* mov to and from DR7 and DR6 by the guest kernel itself (CPL 3). */
    HYPERVISOR_set_debugreg(0, USER_ADDR);
    HYPERVISOR_set_debugreg(7, 0x2);
    before = faults;
    uint64_t v = cs_read_dr7();
    check("debugreg.mov_from_dr7", "no fault value=0x402", "%s value=%#lx", outcome(before), v);
    before = faults;
    v = cs_read_dr6();
    check("debugreg.mov_from_dr6", "no fault value=0xffff0ff0", "%s value=%#lx", outcome(before),
          v);
    before = faults;
    cs_write_dr7(0);
    check("debugreg.mov_to_dr7", "no fault dr7=0x400", "%s dr7=%#lx", outcome(before),
          HYPERVISOR_get_debugreg(7));
    before = faults;
    cs_write_dr7(0x2000);
    check("debugreg.mov_to_dr7.gd", "fault 13 err 0 dr7=0x400", "%s dr7=%#lx", outcome(before),
          HYPERVISOR_get_debugreg(7));
    HYPERVISOR_set_debugreg(7, 0);
    HYPERVISOR_set_debugreg(0, 0);
    check("debugreg.final", "dr0=0 dr1=0 dr2=0 dr3=0 dr6=0xffff0ff0 dr7=0x400",
          "dr0=%#lx dr1=%#lx dr2=%#lx dr3=%#lx dr6=%#lx dr7=%#lx", HYPERVISOR_get_debugreg(0),
          HYPERVISOR_get_debugreg(1), HYPERVISOR_get_debugreg(2), HYPERVISOR_get_debugreg(3),
          HYPERVISOR_get_debugreg(6), HYPERVISOR_get_debugreg(7));
}

/* --- FPU ------------------------------------------------------------------ */

static volatile unsigned long timer_events;

static void on_timer(evtchn_port_t port, void *data)
{
    (void)port;
    (void)data;
    timer_events++;
}

static uint64_t fpu_in[FPU_WORDS], fpu_out[FPU_WORDS];

static void fpu_fill(void)
{
    for (int i = 0; i < 32; i++)
        fpu_in[i] = 0x0101010101010101UL * (uint64_t)(i + 1) ^ 0x8040201008040201UL;
    fpu_in[32] = 0x400a000000000000UL; /* 3.25 */
    memset(fpu_out, 0, sizeof(fpu_out));
}

static const char *kept(void)
{
    return memcmp(fpu_in, fpu_out, sizeof(fpu_in)) ? "changed" : "kept";
}

static void fpu_cases(bool have_events)
{
    uint64_t cr0 = cs_read_cr0();
    check("fpu.cr0.initial", "cr0=0x80050033 ts=0", "cr0=%#lx ts=%lu", cr0, cr0 & CR0_TS);
    unsigned long before = faults;
    cs_sse();
    check("fpu.sse.initial", "no fault", "%s", outcome(before));

    long rc = HYPERVISOR_fpu_taskswitch(1);
    cr0 = cs_read_cr0();
    check("fpu.taskswitch.set", "rc=0 ts=8", "rc=%ld ts=%lu", rc, cr0 & CR0_TS);
    before = faults;
    nm_cr0 = ~0UL;
    cs_sse();
    check("fpu.taskswitch.set.sse", "fault 7 err 0 vector=7 handler_ts=0 after_ts=0",
          "%s vector=%lu handler_ts=%lu after_ts=%lu", outcome(before), last_vector,
          nm_cr0 & CR0_TS, cs_read_cr0() & CR0_TS);

    rc = HYPERVISOR_fpu_taskswitch(1);
    before = faults;
    nm_cr0 = ~0UL;
    cs_x87();
    check("fpu.taskswitch.set.x87", "rc=0 fault 7 err 0 vector=7 handler_ts=0",
          "rc=%ld %s vector=%lu handler_ts=%lu", rc, outcome(before), last_vector, nm_cr0 & CR0_TS);

    rc = HYPERVISOR_fpu_taskswitch(0);
    before = faults;
    cs_sse();
    check("fpu.taskswitch.clear", "rc=0 ts=0 sse=no fault", "rc=%ld ts=%lu sse=%s", rc,
          cs_read_cr0() & CR0_TS, outcome(before));

    long rc2 = HYPERVISOR_fpu_taskswitch(2);
    uint64_t ts2 = cs_read_cr0() & CR0_TS;
    HYPERVISOR_fpu_taskswitch(0);
    long rcm = HYPERVISOR_fpu_taskswitch(-1);
    uint64_t tsm = cs_read_cr0() & CR0_TS;
    HYPERVISOR_fpu_taskswitch(0);
    check("fpu.taskswitch.other_values", "2:0 ts=8 -1:0 ts=8", "2:%ld ts=%lu -1:%ld ts=%lu", rc2,
          ts2, rcm, tsm);

    HYPERVISOR_fpu_taskswitch(1);
    before = faults;
    cs_clts();
    unsigned long clts_faults = faults - before;
    before = faults;
    cs_sse();
    check("fpu.clts", "no fault ts=0 sse=no fault", "%s ts=%lu sse=%s",
          clts_faults ? "fault" : "no fault", cs_read_cr0() & CR0_TS, outcome(before));
    HYPERVISOR_fpu_taskswitch(0);

    fpu_fill();
    before = faults;
    cs_fpu_keep_nm(fpu_in, fpu_out);
    check("fpu.state.across_nm", "kept nm=1 ts=0", "%s nm=%lu ts=%lu", kept(), faults - before,
          cs_read_cr0() & CR0_TS);

    if (!have_events)
        return;
    evtchn_port_t port;
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &port);
    if (rc) {
        test_check_rc("fpu.bind_virq_timer", rc, 0);
        return;
    }
    evtchn_set_handler(port, on_timer, NULL);
    fpu_fill();
    HYPERVISOR_set_timer_op(time_now() + 2 * NS_PER_MS);
    unsigned long events = cs_fpu_keep(fpu_in, fpu_out, &timer_events);
    events_mask();
    check("fpu.state.across_hypercalls_and_events", "kept timer_event=yes", "%s timer_event=%s",
          kept(), events ? "yes" : "no");
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    evtchn_close(port);
}

/* --- I/O bitmap ------------------------------------------------------------ */

static uint8_t iobmp[8192];

static long set_iobitmap(void *bitmap, uint32_t nr_ports)
{
    struct physdev_set_iobitmap s = {.nr_ports = nr_ports};
    set_xen_guest_handle(s.bitmap, (uint8_t *)bitmap);
    return HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &s);
}

static long set_iopl(uint32_t iopl)
{
    struct physdev_set_iopl s = {.iopl = iopl};
    return HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &s);
}

/* "80:<outcome> 81:<outcome> 100:<outcome>" for inb of those ports. */
static const char *ports(void)
{
    static char buf[128];
    static const unsigned int list[] = {0x80, 0x81, 0x100};
    size_t n = 0;
    for (unsigned int i = 0; i < 3; i++) {
        unsigned long before = faults;
        cs_inb(list[i]);
        n += snprintf(buf + n, sizeof(buf) - n, "%s%x:%s", i ? " " : "", list[i],
                      faults == before ? "ok" : "fault");
    }
    return buf;
}

static void iobitmap_cases(void)
{
    unsigned long before = faults;
    cs_inb(0x80);
    check("io.initial", "fault 13 err 0", "%s", outcome(before));
    check("io.initial.ports", "80:fault 81:fault 100:fault", "%s", ports());

    memset(iobmp, 0xff, sizeof(iobmp));
    iobmp[0x80 / 8] &= (uint8_t)~1u; /* port 0x80 only */
    long rc = set_iobitmap(iobmp, 0x200);
    check("io.iobitmap.port80", "rc=0 80:ok 81:fault 100:fault", "rc=%ld %s", rc, ports());
    rc = set_iobitmap(iobmp, 0x81);
    check("io.iobitmap.nr_ports_0x81", "rc=0 80:ok 81:fault 100:fault", "rc=%ld %s", rc, ports());
    rc = set_iobitmap(iobmp, 0x80);
    check("io.iobitmap.nr_ports_0x80", "rc=0 80:fault 81:fault 100:fault", "rc=%ld %s", rc,
          ports());
    rc = set_iobitmap(iobmp, 0);
    check("io.iobitmap.nr_ports_0", "rc=0 80:fault 81:fault 100:fault", "rc=%ld %s", rc, ports());
    check("io.iobitmap.nr_ports_65536", "rc=0", "rc=%ld", set_iobitmap(iobmp, 65536));
    check("io.iobitmap.nr_ports_65537", "rc=-22", "rc=%ld", set_iobitmap(iobmp, 65537));
    check("io.iobitmap.nr_ports_max", "rc=-22", "rc=%ld", set_iobitmap(iobmp, 0xffffffffu));
    check("io.iobitmap.bitmap_null", "rc=0", "rc=%ld", set_iobitmap(NULL, 0x200));
    check("io.iobitmap.bitmap_noncanonical", "rc=-22", "rc=%ld",
          set_iobitmap((void *)NONCANON, 0x200));
    check("io.iobitmap.bitmap_hv_range", "rc=-22", "rc=%ld",
          set_iobitmap((void *)HV_RANGE_MID, 0x200));
    check("io.iobitmap.bitmap_user_end", "rc=0", "rc=%ld",
          set_iobitmap((void *)(USER_TOP + 0x800), 0x200));
    check("io.iobitmap.arg_null", "rc=-14", "rc=%ld",
          HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, NULL));
    check("io.iobitmap.arg_noncanonical", "rc=-14", "rc=%ld",
          HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, (void *)NONCANON));
    check("io.iobitmap.arg_hv_range", "rc=-14", "rc=%ld",
          HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, (void *)HV_RANGE_MID));

    rc = set_iobitmap(iobmp, 0x200);
    long rc2 = set_iopl(1);
    check("io.iopl.1_with_bitmap", "rc=0,0 80:ok 81:ok 100:ok", "rc=%ld,%ld %s", rc, rc2, ports());
    rc = set_iopl(3);
    check("io.iopl.3_with_bitmap", "rc=0 80:ok 81:ok 100:ok", "rc=%ld %s", rc, ports());
    rc = set_iopl(0);
    check("io.iopl.0_with_bitmap", "rc=0 80:ok 81:fault 100:fault", "rc=%ld %s", rc, ports());
    rc = set_iopl(4);
    rc2 = set_iopl(0xffffffffu);
    check("io.iopl.bad", "4:-22 0xffffffff:-22 80:ok 81:fault 100:fault", "4:%ld 0xffffffff:%ld %s",
          rc, rc2, ports());
    rc = set_iobitmap(iobmp, 0);
    rc2 = set_iopl(0);
    check("io.restore", "rc=0,0 80:fault 81:fault 100:fault", "rc=%ld,%ld %s", rc, rc2, ports());
}

/* --- main --------------------------------------------------------------------- */

/* --- XCR0 ---------------------------------------------------------------- */

/*
 * XCR0 as a PV kernel finds it (x87 and SSE only, until it enables more),
 * and xsetbv, which Xen emulates only once the kernel has set CR4.OSXSAVE
 * in its virtual CR4 (a CR4 write): before that it is #UD, as on a CPU with
 * OSXSAVE clear.  From user mode it would be #GP.
 */
static void xcr_cases(void)
{
    uint32_t a, b, c, d;
    __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & (1u << 27))) {
        check("xcr0.initial", "no osxsave", "no osxsave");
        return;
    }
    unsigned long before = faults;
    uint64_t xcr0 = cs_xgetbv(0);
    check("xcr0.initial", "0x3 no fault", "%#lx %s", xcr0, outcome(before));
    before = faults;
    cs_xsetbv(0, 3);
    check("xsetbv.without_cr4_osxsave", "fault 6 err 0 xcr0=0x3", "%s xcr0=%#lx", outcome(before),
          cs_xgetbv(0));
    before = faults;
    cs_xsetbv(0, 7);
    check("xsetbv.avx_without_cr4_osxsave", "fault 6 err 0 xcr0=0x3", "%s xcr0=%#lx",
          outcome(before), cs_xgetbv(0));
}

int kernel_main(void)
{
    trap_hook = hook;
    long rc = mm_init();
    if (rc == 0)
        rc = events_init();
    test_check_rc("setup", rc, 0);

    segbase_cases();
    stack_switch_cases();
    debugreg_cases();
    fpu_cases(rc == 0);
    iobitmap_cases();
    xcr_cases();

    check("still_works", "ok", "%s",
          HYPERVISOR_xen_version(XENVER_version, NULL) > 0 ? "ok" : "no");
    trap_hook = NULL;
    return test_summary();
}
