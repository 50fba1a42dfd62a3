/*
 * Conformance kernel: exceptions raised in guest kernel mode and delivered
 * through the trap table.  For each case it prints what the handler saw in
 * the bounce frame: vector, error code, RIP relative to the faulting
 * instruction, CS (kernel context: RPL 0) and the saved upcall mask, the
 * RFLAGS.IF and IOPL the frame carries, RSP and SS, and whether RCX and R11
 * came through.  Privileged instructions without I/O privilege must fault;
 * with it, cli is a no-op; hlt always faults (DESIGN §7).  Jumps into,
 * reads of and writes to hv's range (its text, direct map, the read-only
 * M2P, the range's last page) are page faults for the guest; afterwards
 * the hypervisor must still answer a debug key (test_debug_key_answered).
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/test.h>
#include <pvkernel/traps.h>
#include <stdio.h>

extern uint64_t fault_rip, resume_rip, fault_rsp, readonly_target;
extern char trap_entry_3[]; /* pvkernel's int3 entry stub */
#define CASES(X)                                                                                   \
    X(ud2)                                                                                         \
    X(int3)                                                                                        \
    X(divide_error)                                                                                \
    X(noncanonical_read)                                                                           \
    X(unmapped_read)                                                                               \
    X(readonly_write)                                                                              \
    X(hlt)                                                                                         \
    X(cli)                                                                                         \
    X(in_port)                                                                                     \
    X(noncanonical_exec)                                                                           \
    HV_RANGE(X, hv_text)                                                                           \
    HV_RANGE(X, hv_directmap)                                                                      \
    HV_RANGE(X, hv_m2p)                                                                            \
    HV_RANGE(X, hv_range_last)
#define HV_RANGE(X, n) X(n##_exec) X(n##_read) X(n##_write)
#define DECLARE(n)     void case_##n(void);
CASES(DECLARE)
#undef DECLARE

static struct trap_frame seen;
static bool trapped;

static bool record(struct trap_frame *f)
{
    seen = *f;
    trapped = true;
    f->rip = resume_rip;
    return true;
}

static void run(const char *name, void (*fn)(void), int expect_vector)
{
    char label[64];
    trapped = false;
    fn();
    snprintf(label, sizeof(label), "trap.%s", name);
    if (!trapped) {
        test_result(label, expect_vector < 0, "no exception");
        return;
    }
    /* The frame as the guest saw it; rsp is relative to the one at the fault. */
    test_result(label, (int)seen.vector == expect_vector,
                "vector=%lu error=%#lx rip=%+ld cs=%#lx mask=%lu if=%lu iopl=%lu rsp=%+ld "
                "ss=%#lx rcx=%s r11=%s",
                seen.vector, seen.error_code, (long)(seen.rip - fault_rip), seen.cs & 0xffff,
                (seen.cs >> 32) & 0xff, (seen.rflags >> 9) & 1, (seen.rflags >> 12) & 3,
                (long)(seen.rsp - fault_rsp), seen.ss, seen.rcx == 0xc0ffee11 ? "kept" : "lost",
                seen.r11 == 0xbeef22 ? "kept" : "lost");
}

int kernel_main(void)
{
    trap_hook = record;
    readonly_target = start_info->pt_base; /* page tables are mapped read-only */

    run("ud2", case_ud2, 6);
    run("int3", case_int3, 3);
    run("divide_error", case_divide_error, 0);
    run("noncanonical_read", case_noncanonical_read, 13);
    run("unmapped_read", case_unmapped_read, 14);
    run("readonly_write", case_readonly_write, 14);
    run("hlt", case_hlt, 13);
    run("cli.iopl0", case_cli, 13);
    run("in.iopl0", case_in_port, 13);

    struct physdev_set_iopl iopl = {.iopl = 1};
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    run("cli.iopl1", case_cli, -1);
    run("in.iopl1", case_in_port, -1);
    run("hlt.iopl1", case_hlt, 13);
    run("ud2.iopl1", case_ud2, 6);

    /* set_trap_table: a bad list pointer faults; a non-canonical handler is
     * refused, and the entries before it stay installed (here vector 6 goes
     * to the int3 stub, which reports vector 3). */
    test_check_rc("set_trap_table.noncanonical_list",
                  hypercall1(__HYPERVISOR_set_trap_table, 0x8000000000000000UL), -XEN_EFAULT);
    struct trap_info bad_table[] = {{6, 0, FLAT_KERNEL_CS, (unsigned long)trap_entry_3},
                                    {7, 0, FLAT_KERNEL_CS, 0x8000000000000000UL},
                                    {0, 0, 0, 0}};
    test_check_rc("set_trap_table.noncanonical_handler",
                  hypercall1(__HYPERVISOR_set_trap_table, bad_table), -XEN_EINVAL);
    run("ud2.after_refused_table", case_ud2, 3);
    traps_init();
    run("ud2.table_restored", case_ud2, 6);

    /* Jumping into, reading and writing hv's range: page faults for the
     * guest (its kernel runs in ring 3), and hv unharmed — the runner
     * checks that it still answers a debug key. */
    static const struct {
        const char *name;
        void (*fn)(void);
        int vector; /* -1: no exception */
    } hv_range[] = {
        {"noncanonical_exec", case_noncanonical_exec, 13},
        {"hv_text.exec", case_hv_text_exec, 14},
        {"hv_text.read", case_hv_text_read, 14},
        {"hv_text.write", case_hv_text_write, 14},
        {"hv_directmap.exec", case_hv_directmap_exec, 14},
        {"hv_directmap.read", case_hv_directmap_read, 14},
        {"hv_directmap.write", case_hv_directmap_write, 14},
        {"hv_m2p.exec", case_hv_m2p_exec, 14},
        {"hv_m2p.read", case_hv_m2p_read, -1},
        {"hv_m2p.write", case_hv_m2p_write, 14},
        {"hv_range_last.exec", case_hv_range_last_exec, 14},
        {"hv_range_last.read", case_hv_range_last_read, 14},
        {"hv_range_last.write", case_hv_range_last_write, 14},
    };
    for (unsigned int i = 0; i < sizeof(hv_range) / sizeof(hv_range[0]); i++)
        run(hv_range[i].name, hv_range[i].fn, hv_range[i].vector);

    trap_hook = NULL;
    test_debug_key_answered();
    return test_summary();
}
