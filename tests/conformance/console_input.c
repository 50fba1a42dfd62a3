/*
 * Conformance kernel: dom0's serial console input (DESIGN §7, issue 3) —
 * VIRQ_CONSOLE for each character the hypervisor passes to dom0,
 * CONSOLEIO_read (the 128-byte ring, -E2BIG counts, nothing consumed by a
 * read that faults), Ctrl-A switching (three switch input, fewer are
 * passed on), and VIRQ_DEBUG raised by the 'q' debug key.
 *
 * The harness types for this kernel: a line "harness send <hex>" asks the
 * runner (tests/system/conformance.py) to write those bytes to the serial
 * line.  The kernel then waits for the event with SCHEDOP_poll (events stay
 * masked) and reports what it read: the bytes, never times.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <stdio.h>
#include <string.h>

#define NONCANON 0x8000000000000000UL
#define CTRL_A   0x01
#define RX_RING  128 /* Xen's SERIAL_RX_SIZE */

static evtchn_port_t console_port, debug_port;

static void harness_send(const char *bytes, size_t n)
{
    char line[600];
    size_t at = (size_t)snprintf(line, sizeof(line), "harness send ");
    for (size_t i = 0; i < n && at + 3 < sizeof(line); i++)
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%02x", (unsigned char)bytes[i]);
    line[at++] = '\n';
    console_write(line, at);
}

/*
 * Waits for `port` to become pending, then clears it.  No timeout: under
 * -icount with sleep=off an idle guest's clock leaps ahead, so a timeout
 * says nothing about the harness's typing; a missing event shows as a
 * kernel that never finishes (the harness's case timeout).
 */
static void wait_port(evtchn_port_t port)
{
    struct sched_poll p = {.nr_ports = 1, .timeout = 0};
    set_xen_guest_handle(p.ports, &port);
    while (!evtchn_port_pending(port))
        HYPERVISOR_sched_op(SCHEDOP_poll, &p);
    evtchn_clear_port(port);
}

static long console_read(void *buf, unsigned long count)
{
    return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read, count, (unsigned long)buf);
}

/*
 * Reads until `want` bytes came, waiting for VIRQ_CONSOLE while there are
 * none.  The port is cleared before each read, so a byte arriving after a
 * read always leaves it pending.  Returns the count, or the first error.
 */
static long read_input(char *buf, size_t want)
{
    size_t got = 0;
    for (;;) {
        long rc = console_read(buf + got, want - got);
        if (rc < 0)
            return rc;
        got += (size_t)rc;
        if (got == want)
            return (long)got;
        wait_port(console_port);
    }
}

/* Asks for `bytes` on the serial line; earlier notifications are stale by then. */
static void type(const char *bytes, size_t n)
{
    evtchn_clear_port(console_port);
    harness_send(bytes, n);
}

static const char *hex(const char *bytes, long n)
{
    static char out[2 * RX_RING + 1];
    size_t at = 0;
    for (long i = 0; i < n && at + 2 < sizeof(out); i++)
        at += (size_t)snprintf(out + at, sizeof(out) - at, "%02x", (unsigned char)bytes[i]);
    out[at] = 0;
    return at ? out : "-";
}

static void read_arg_cases(void)
{
    char buf[16];
    test_check_rc("read.empty", console_read(buf, sizeof(buf)), 0);
    test_check_rc("read.count_zero", console_read(buf, 0), 0);
    test_check_rc("read.count_int_max", console_read(buf, 0x7fffffff), 0);
    test_check_rc("read.count_over_int_max", console_read(buf, 0x80000000), -XEN_E2BIG);
    test_check_rc("read.count_all_ones", console_read(buf, 0xffffffff), -XEN_E2BIG);
    /* Only the low 32 bits of the count are the hypercall's argument. */
    test_check_rc("read.count_high_bits_ignored", console_read(buf, 0x100000000UL | sizeof(buf)),
                  0);
    test_check_rc("read.empty_bad_pointer", console_read((void *)NONCANON, 4), 0);
}

static void input_cases(void)
{
    char buf[RX_RING * 2];

    type("abc", 3);
    wait_port(console_port);
    long rc = read_input(buf, 3);
    test_check("input.abc", "rc=3 616263", "rc=%ld %s", rc, hex(buf, rc));

    /* A read into a bad buffer fails and consumes nothing. */
    type("xyz", 3);
    wait_port(console_port);
    rc = console_read((void *)NONCANON, 3);
    long again = read_input(buf, 3);
    test_check("input.fault_keeps_bytes", "rc=-14 then=3 78797a", "rc=%ld then=%ld %s", rc, again,
               hex(buf, again));

    /* A read never returns more than its count; the rest waits. */
    type("12345", 5);
    size_t got = 0;
    bool capped = true;
    while (got < 5) {
        rc = console_read(buf + got, 2);
        if (rc < 0)
            break;
        capped = capped && rc <= 2;
        got += (size_t)rc;
        if (got < 5 && rc < 2)
            wait_port(console_port);
    }
    test_check("input.count_caps_read", "capped=yes total=5 3132333435", "capped=%s total=%zu %s",
               capped ? "yes" : "no", got, hex(buf, (long)got));

    /* One or two Ctrl-As followed by another byte reach dom0; three switch input. */
    const char ctrl[] = {CTRL_A, 'k', CTRL_A, CTRL_A, 'm'};
    type(ctrl, sizeof(ctrl));
    rc = read_input(buf, sizeof(ctrl));
    test_check("input.ctrl_a_passed_on", "rc=5 016b01016d", "rc=%ld %s", rc, hex(buf, rc));
}

/*
 * Input to the hypervisor, its 'q' key, input back to dom0: VIRQ_DEBUG.
 * Serial bytes are handled in order, so once VIRQ_DEBUG came every byte
 * typed before the keys has been handled too.
 */
static const char debug_keys[] = {CTRL_A, CTRL_A, CTRL_A, 'q', CTRL_A, CTRL_A, CTRL_A};

static void debug_key_cases(void)
{
    char buf[RX_RING * 2];
    type(debug_keys, sizeof(debug_keys));
    wait_port(debug_port);
    test_check_rc("debug_key.nothing_for_dom0", console_read(buf, sizeof(buf)), 0);

    /* More than the ring holds: the first 128 stay, the rest are dropped. */
    char many[200 + sizeof(debug_keys)];
    for (size_t i = 0; i < 200; i++)
        many[i] = (char)('A' + i % 26);
    memcpy(many + 200, debug_keys, sizeof(debug_keys));
    type(many, sizeof(many));
    wait_port(debug_port);
    long rc = console_read(buf, sizeof(buf));
    bool prefix = rc == RX_RING && memcmp(buf, many, RX_RING) == 0;
    test_check("input.ring_full", "rc=128 first_128=yes", "rc=%ld first_128=%s", rc,
               prefix ? "yes" : "no");
    test_check_rc("input.ring_empty_after", console_read(buf, sizeof(buf)), 0);
}

int kernel_main(void)
{
    if (!test_init_mm_and_events())
        return test_summary();
    test_check_rc("bind.virq_console", evtchn_bind_virq(VIRQ_CONSOLE, 0, &console_port), 0);
    test_check_rc("bind.virq_debug", evtchn_bind_virq(VIRQ_DEBUG, 0, &debug_port), 0);
    test_check("bind.ports", "console=1 debug=2", "console=%u debug=%u", console_port, debug_port);

    read_arg_cases();
    input_cases();
    debug_key_cases();
    return test_summary();
}
