"""hv's debug keys on the serial line (Ctrl-A three times switches to them)."""

from _hv import BRINGUP, boot_hv, debug_key, switch_to_hv
from harness import case


def booted(t, **qemu):
    vm = boot_hv(t, **qemu)
    vm.expect(BRINGUP)
    switch_to_hv(vm)
    return vm


@case("keys/help")
def _(t):
    vm = booted(t)
    vm.send(b"h")
    vm.expect_all(
        [
            r"^\(hv\)  key 'h' - ",
            r"^\(hv\)  key 'm' - dump memory info",
            r"^\(hv\)  key 'q' - ",
            r"^\(hv\)  key 'r' - ",
        ]
    )


@case("keys/memory")
def _(t):
    vm = booted(t)
    m = debug_key(vm, b"m", r"^\(hv\) Memory: (\d+) of (\d+) pages free")
    free, total = int(m.group(1)), int(m.group(2))
    t.check(0 < free <= total, "implausible: %d of %d pages free" % (free, total))
    # 256 MiB of RAM: most of its 65536 pages.
    t.check(total > 60000 and total <= 65536, "%d pages in all for -m 256M" % total)


@case("keys/cpus")
def _(t):
    vm = booted(t, smp=2)
    vm.send(b"d")
    vm.expect_all([r"^\(hv\) CPU0: apic 0 online", r"^\(hv\) CPU1: apic \d+ online"])


@case("keys/domains-none")
def _(t):
    """'q' with no domain says so (and notifies nobody)."""
    vm = booted(t)
    debug_key(vm, b"q", r"^\(hv\) No domains$")
    t.check("Notifying guest" not in vm.output, "a guest was notified with no domain")


@case("keys/reset")
def _(t):
    vm = booted(t)
    vm.send(b"r")
    status = vm.expect_exit()
    t.check(status == 0, "QEMU exit status %d, expected 0 (a reset under -no-reboot)" % status)


@case("keys/switch-back")
def _(t):
    """Ctrl-A three times again gives input back (to dom0, absent): keys are
    then not hv's; switching once more makes them work again."""
    vm = booted(t)
    vm.send(b"\x01\x01\x01")
    vm.expect(r"\*\*\* Serial input to DOM0 \(type 'CTRL-a' three times to switch input\)")
    start = vm.pos
    vm.send(b"m")  # for dom0: dropped
    switch_to_hv(vm)
    debug_key(vm, b"h", r"^\(hv\)  key 'm' - dump memory info")
    t.check("pages free" not in vm.output[start:], "key 'm' reached hv while input went to dom0")


@case("keys/nmi-counted")
def _(t):
    """An NMI with no known reason (QEMU's monitor `nmi` sends one to every
    CPU) is counted, not printed (the CPU may hold the console lock), and
    hv carries on: the 'd' key shows the count."""
    vm = booted(t, smp=2, qmp=True)
    vm.hmp("nmi")
    vm.send(b"d")
    vm.expect_all(
        [
            r"^\(hv\) CPU0: apic 0 online, \d+ timer ticks, 1 unexplained NMIs",
            r"^\(hv\) CPU1: apic \d+ online, \d+ timer ticks, 1 unexplained NMIs",
        ]
    )
    vm.send(b"h")
    vm.expect(r"^\(hv\)  key 'h' - ")
