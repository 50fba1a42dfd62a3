/*
 * Conformance kernel: hypercall results for good and hostile arguments —
 * NULL, non-canonical, hv-range and unmapped pointers, unknown commands and
 * numbers, out-of-range values — and xen_version's answers that a PV kernel
 * relies on.  Versions and build strings are not compared, only their shape.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/test.h>
#include <stdio.h>
#include <string.h>

#define NONCANONICAL 0x8000000000000000UL
#define HV_RANGE     0xffff830000000000UL
#define UNMAPPED     0x0000000000001000UL

static const unsigned long bad_pointers[] = {0, NONCANONICAL, HV_RANGE, UNMAPPED};
static const char *const bad_names[] = {"null", "noncanonical", "hv-range", "unmapped"};

static void expect_errno(const char *name, long rc, long expected)
{
    test_result(name, rc == expected, "%ld", rc);
}

static void console_io_cases(void)
{
    char name[80];
    expect_errno("console_io.write.good", HYPERVISOR_console_io(CONSOLEIO_write, 0, "x"), 0);
    for (unsigned int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "console_io.write.%s", bad_names[i]);
        expect_errno(name, hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, 4, bad_pointers[i]),
                     -XEN_EFAULT);
    }
    expect_errno("console_io.unknown_cmd", hypercall3(__HYPERVISOR_console_io, 99, 0, 0),
                 -XEN_ENOSYS);
}

static void sched_op_cases(void)
{
    char name[80];
    for (unsigned int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "sched_op.shutdown.%s", bad_names[i]);
        expect_errno(name, hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, bad_pointers[i]),
                     -XEN_EFAULT);
    }
    expect_errno("sched_op.yield", HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
    expect_errno("sched_op.unknown_cmd", hypercall2(__HYPERVISOR_sched_op, 999, 0), -XEN_ENOSYS);
}

static void physdev_op_cases(void)
{
    char name[80];
    struct physdev_set_iopl iopl = {.iopl = 4};
    expect_errno("physdev_op.set_iopl.4", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl),
                 -XEN_EINVAL);
    iopl.iopl = 1;
    expect_errno("physdev_op.set_iopl.1", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
    for (unsigned int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "physdev_op.set_iopl.%s", bad_names[i]);
        expect_errno(name, hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, bad_pointers[i]),
                     -XEN_EFAULT);
    }
}

static void unknown_hypercall_cases(void)
{
    /* Numbers with no hypercall in 4.17's table, and far beyond it. */
    expect_errno("hypercall.63", hypercall0(63), -XEN_ENOSYS);
    expect_errno("hypercall.0x1000", hypercall0(0x1000), -XEN_ENOSYS);
    expect_errno("hypercall.huge", hypercall0(0x80000000u), -XEN_ENOSYS);
}

static void xen_version_cases(void)
{
    long v = HYPERVISOR_xen_version(XENVER_version, NULL);
    /* Which version is not compared; that it is a 4.x of at least 4.17 is. */
    test_result("xen_version.version.shape", (v >> 16) == 4 && (v & 0xffff) >= 17, "4.x>=17");

    xen_extraversion_t extra;
    long rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
    test_result("xen_version.extraversion", rc == 0 && memchr(extra, 0, sizeof(extra)), "%ld", rc);

    xen_capabilities_info_t caps;
    rc = HYPERVISOR_xen_version(XENVER_capabilities, caps);
    test_result("xen_version.capabilities.x86_64", rc == 0 && strstr(caps, "xen-3.0-x86_64"), "%s",
                strstr(caps, "xen-3.0-x86_64") ? "xen-3.0-x86_64" : "missing");

    xen_platform_parameters_t pp;
    rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
    test_result("xen_version.platform_parameters", rc == 0, "rc=%ld virt_start=%#lx", rc,
                (unsigned long)pp.virt_start);

    xen_feature_info_t fi = {.submap_idx = 0};
    rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
    test_result("xen_version.get_features.0", rc == 0, "rc=%ld map=%#x", rc, fi.submap);
    fi.submap_idx = 1;
    rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
    test_result("xen_version.get_features.1", rc == -XEN_EINVAL, "%ld", rc);

    rc = HYPERVISOR_xen_version(XENVER_pagesize, NULL);
    test_result("xen_version.pagesize", rc == 4096, "%ld", rc);

    xen_domain_handle_t handle;
    rc = HYPERVISOR_xen_version(XENVER_guest_handle, handle);
    int zero = 1;
    for (unsigned int i = 0; i < sizeof(handle); i++)
        zero &= handle[i] == 0;
    test_result("xen_version.guest_handle", rc == 0, "rc=%ld zero=%d", rc, zero);

    char name[80];
    for (unsigned int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "xen_version.capabilities.%s", bad_names[i]);
        expect_errno(name,
                     hypercall2(__HYPERVISOR_xen_version, XENVER_capabilities, bad_pointers[i]),
                     -XEN_EFAULT);
    }
    expect_errno("xen_version.unknown_cmd", hypercall2(__HYPERVISOR_xen_version, 64, 0),
                 -XEN_ENOSYS);
}

int kernel_main(void)
{
    console_io_cases();
    sched_op_cases();
    physdev_op_cases();
    unknown_hypercall_cases();
    xen_version_cases();
    test_debug_key_answered();
    return test_summary();
}
