/* The test-result lines of test kernels (see include/pvkernel/test.h). */
#include <pvkernel/test.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <stdio.h>
#include <string.h>

static unsigned int passed, failed;

void test_result(const char *name, bool ok, const char *fmt, ...)
{
    char observed[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(observed, sizeof(observed), fmt, ap);
    va_end(ap);
    printk("test %s %s %s\n", name, ok ? "pass" : "fail", observed);
    if (ok)
        passed++;
    else
        failed++;
}

void test_check(const char *name, const char *expected, const char *fmt, ...)
{
    char observed[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(observed, sizeof(observed), fmt, ap);
    va_end(ap);
    test_result(name, strcmp(observed, expected) == 0, "%s", observed);
}

void test_check_rc(const char *name, long rc, long expected)
{
    test_result(name, rc == expected, "%ld", rc);
}

int test_summary(void)
{
    printk("tests done: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

bool test_init_mm_and_events(void)
{
    long rc = mm_init();
    test_check_rc("mm.init", rc, 0);
    if (rc)
        return false;
    rc = events_init();
    test_check_rc("events.init", rc, 0);
    return rc == 0;
}

/* Prints "harness <request>" and waits for the runner's one-byte answer (-1 if unreadable). */
static int harness_request(const char *request, long *n_out)
{
    printk("harness %s\n", request);
    char c = 0;
    long n;
    while ((n = hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read, 1, (unsigned long)&c)) == 0)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    *n_out = n;
    return n == 1 ? c : -1;
}

void test_debug_key_answered(void)
{
    long n;
    int c = harness_request("debug-key", &n);
    test_check("hypervisor.debug_key_answered", "read=1 byte=k", "read=%ld byte=%c", n,
               c >= 0 ? c : '?');
}

void test_heap_mark(const char *name)
{
    long n;
    int c = harness_request("heap-mark", &n);
    test_check(name, "read=1 byte=k", "read=%ld byte=%c", n, c >= 0 ? c : '?');
}

void test_heap_check(const char *name)
{
    long n;
    int c = harness_request("heap-check", &n);
    test_check(name, "read=1 byte=k", "read=%ld byte=%c", n, c >= 0 ? c : '?');
}
