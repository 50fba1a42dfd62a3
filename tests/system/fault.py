"""hv's fatal-exception paths, triggered by hvtest=pf|gp|df|nmi: each dumps
registers and a symbolized call trace, then resets (QEMU, run with
-no-reboot, exits) or, with noreboot, stays up answering debug keys."""

from _hv import boot_hv, expect_banner, switch_to_hv
from harness import add_case

FAULTS = {
    "pf": (14, "page fault"),
    "gp": (13, "general protection fault"),
    "df": (8, "double fault"),
    "nmi": (2, "NMI"),
}


def expect_dump(t, vm, test):
    vector, name = FAULTS[test]
    vm.expect(r"^\(hv\) ----\[ hv x86_64  fatal exception \]----")
    vm.expect(r"^\(hv\) RIP: ")
    vm.expect(r"^\(hv\) rax: [0-9a-f]{16}")
    vm.expect(r"^\(hv\) Hv call trace:")
    # At least one symbolized frame, the first inside the test trigger.
    vm.expect(r"^\(hv\)\s+\[<ffff[0-9a-f]{12}>\] [RF ] [A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+")
    vm.expect(r"^\(hv\) FATAL TRAP: vector = %d \(%s\)" % (vector, name))
    if test == "pf":
        # The page fault touches 0x1000: no identity map is left.
        vm.expect(r"^\(hv\) Faulting linear address: 0000000000001000")


def fault_case(test, noreboot):
    def run(t):
        vm = boot_hv(t, "hvtest=%s%s" % (test, " noreboot" if noreboot else ""))
        expect_banner(vm)
        expect_dump(t, vm, test)
        if noreboot:
            vm.expect(r"^\(hv\) Manual reset required \('noreboot' specified\)")
            # Still up: the debug keys answer, and QEMU has not exited.
            switch_to_hv(vm)
            vm.send(b"h")
            vm.expect(r"^\(hv\)  key 'm' - dump memory info")
            t.check(vm.running, "QEMU exited although noreboot was given")
        else:
            vm.expect(r"^\(hv\) Rebooting")
            status = vm.expect_exit()
            t.check(status == 0, "QEMU exit status %d, expected 0 (a reset under -no-reboot)" % status)

    return run


for _test in FAULTS:
    add_case("fault/" + _test, fault_case(_test, False), tiers=("check", "test") if _test == "pf" else ("test",))
    add_case("fault/%s-noreboot" % _test, fault_case(_test, True))
