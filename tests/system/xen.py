"""Xen 4.17 as the oracle: it boots, and hv's usable RAM is within 1 MiB of
Xen's "System RAM" figure for the same QEMU configuration."""

from _hv import RAM_LINE, boot_hv, boot_xen, xen_system_ram_kb
from harness import add_case, case


@case("xen/smoke", timeout=60)
def _(t):
    vm = boot_xen(t, smp=2, mem="256M")
    vm.expect(r"^\(XEN\) Xen version 4\.17\.\d+")
    vm.expect(r"^\(XEN\) Bootloader: qemu")
    m = vm.expect(RAM_LINE)
    t.log("Xen: %s" % m.group(0))
    vm.expect(r"^\(XEN\) Brought up 2 CPUs")


TOLERANCE_KB = 1024


def ram_case(mem):
    def run(t):
        xen_kb = xen_system_ram_kb(t, mem)
        vm = boot_hv(t, mem=mem)
        m = vm.expect(RAM_LINE)
        hv_kb = int(m.group(3))
        t.log("System RAM -m %s: hv %d kB, Xen %d kB" % (mem, hv_kb, xen_kb))
        t.check(
            abs(hv_kb - xen_kb) <= TOLERANCE_KB,
            "hv's System RAM %d kB differs from Xen's %d kB by more than %d kB" % (hv_kb, xen_kb, TOLERANCE_KB),
        )

    return run


for _mem in ("128M", "256M", "4G"):
    add_case("xen/ram-" + _mem, ram_case(_mem), timeout=60)
