/*
 * The public ABI as seen through include/xen-abi.h, in both build flavours:
 * built once with -D__XEN_TOOLS__ (test_abi_tools: hv and the toolstack) and
 * once with -D__XEN_INTERFACE_VERSION__=0x00040e00 (test_abi_guest).  Both
 * must see Xen 4.17's hypercall numbers, never the legacy ones the headers
 * silently give without either macro; only the tools flavour sees domctl
 * and sysctl.  The guard against defining both or neither macro is checked
 * at build time by tests/unit/check-abi-guard.sh.
 */
#include "unit.h"
#include <xen-abi.h>

#if defined(__XEN_TOOLS__)
#define FLAVOUR "tools"
#else
#define FLAVOUR "guest"
#endif

static void test_interface_version(void **state)
{
    assert_int_equal(__XEN_INTERFACE_VERSION__, 0x00040e00);
    assert_int_equal(__XEN_LATEST_INTERFACE_VERSION__, 0x00040e00);
}

static void test_hypercall_numbers(void **state)
{
    assert_int_equal(__HYPERVISOR_mmu_update, 1);
    assert_int_equal(__HYPERVISOR_memory_op, 12);
    assert_int_equal(__HYPERVISOR_console_io, 18);
    assert_int_equal(__HYPERVISOR_grant_table_op, 20);
    assert_int_equal(__HYPERVISOR_sched_op, 29);
    assert_int_equal(__HYPERVISOR_event_channel_op, 32);
    /* The legacy numbers stay distinct from the ones we use. */
    assert_int_equal(__HYPERVISOR_sched_op_compat, 6);
    assert_int_not_equal(__HYPERVISOR_sched_op, __HYPERVISOR_sched_op_compat);
    assert_int_not_equal(__HYPERVISOR_event_channel_op, __HYPERVISOR_event_channel_op_compat);
}

static void test_control_interfaces(void **state)
{
#if defined(__XEN_TOOLS__)
    assert_int_equal(XEN_DOMCTL_INTERFACE_VERSION, 0x15);
    assert_int_equal(XEN_SYSCTL_INTERFACE_VERSION, 0x15);
    assert_int_equal(__HYPERVISOR_domctl, 36);
    assert_int_equal(__HYPERVISOR_sysctl, 35);
#else
#if defined(XEN_DOMCTL_INTERFACE_VERSION) || defined(XEN_SYSCTL_INTERFACE_VERSION)
    unit_fail("guest flavour must not see domctl.h or sysctl.h");
#endif
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interface_version),
        cmocka_unit_test(test_hypercall_numbers),
        cmocka_unit_test(test_control_interfaces),
    };
    printf("ABI flavour: %s\n", FLAVOUR);
    return unit_run(tests);
}
