/*
 * The one result format of every test kernel (DESIGN §6, conformance):
 *
 *   test <name> <pass|fail> <observed value>
 *   tests done: N passed, M failed
 *
 * Each case prints what it observed, not only a verdict: the harness runs
 * the same kernel on Xen 4.17 and on hv and compares these lines.  Observed
 * values must therefore be facts of the ABI (offsets, PFNs, flags, error
 * codes), never machine addresses or timings.
 */
#ifndef PVKERNEL_TEST_H
#define PVKERNEL_TEST_H
#include <stdbool.h>

void test_result(const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Passes if the observed text (formatted) equals Xen 4.17's, `expected`. */
void test_check(const char *name, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Passes if a return code equals `expected`; prints the code. */
void test_check_rc(const char *name, long rc, long expected);

/* mm_init(), then events_init(): each a checked case ("mm.init",
 * "events.init"); true if both worked. */
bool test_init_mm_and_events(void);

/*
 * After a kernel's hostile cases: prints "harness debug-key", on which the
 * runner switches the serial input to the hypervisor, presses 'd', waits
 * for the hypervisor's answer, switches input back and types "k"; this
 * reads that byte (a case).  A hypervisor that no longer answers leaves the
 * kernel waiting and the runner fails the run.
 */
void test_debug_key_answered(void);

/*
 * The hypervisor's own heap, through the runner: on "harness heap-mark" it
 * presses the 'm' debug key and keeps hv's heap counters (bytes in use,
 * allocations, pages held); on "harness heap-check" it presses 'm' again
 * and fails the run unless they are what was kept (Xen has no such
 * counters: its 'm' is only pressed).  Either way it types "k", which this
 * reads (a case named `name`).
 */
void test_heap_mark(const char *name);
void test_heap_check(const char *name);

/* Prints the closing line; returns 0 if every case passed, else 1. */
int test_summary(void);

#define TEST_EQ_UL(name, observed, expected)                                                       \
    do {                                                                                           \
        unsigned long __o = (unsigned long)(observed);                                             \
        test_result(name, __o == (unsigned long)(expected), "%#lx", __o);                          \
    } while (0)
#endif
