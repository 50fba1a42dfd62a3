"""make bench's hypervisor figures (issue 4): the same dom0 kernel
(tests/bench/hypervisors.c, its domU conformance/domu-guest) on hv and on
Xen 4.17 in the same QEMU machine with -icount, so both are timed by the
same instruction clock.  Prints each figure for both and the ratio hv/Xen;
nothing is asserted (a run that prints no figure for a hypervisor fails)."""

import os
import re

import harness
from _hv import CONSOLE
from harness import CaseFailure, case

OPTIONS = "noreboot dom0_mem=256M dom0_max_vcpus=1 sched=credit gnttab=max-ver:1"
MACHINE = dict(smp=2, mem="768M")
FIGURE = re.compile(r"^bench (\S+) (\d+)\s*$", re.M)


def figures(t, target):
    kernel = os.path.join(harness.BUILD, "bench", "hypervisors")
    domu = os.path.join(harness.BUILD, "conformance", "domu-guest")
    t.require_file(kernel, "make pv-kernels builds it")
    t.require_file(domu, "make pv-kernels builds it")
    vm = t.boot(target, cmdline=CONSOLE + " " + OPTIONS, modules=[(kernel, ""), (domu, "")], label=target, **MACHINE)
    vm.expect(r"^bench done", timeout=900)
    vm.expect_exit()
    found = {m.group(1): int(m.group(2)) for m in FIGURE.finditer(vm.output)}
    if not found:
        raise CaseFailure("%s printed no figures" % target)
    return found


@case("bench/hypervisors", tiers=("bench",), timeout=1800)
def bench_hypervisors(t):
    """Figures of hv and Xen 4.17 side by side, with the ratio hv/Xen."""
    hv = figures(t, "hv")
    xen = figures(t, "xen")
    print("%-24s %14s %14s %8s" % ("figure (ns per op)", "hv", "Xen 4.17", "hv/Xen"), flush=True)
    for name in sorted(set(hv) | set(xen)):
        a, b = hv.get(name), xen.get(name)
        ratio = "%.2f" % (a / b) if a is not None and b else "-"
        print("%-24s %14s %14s %8s" % (name, a if a is not None else "-", b if b is not None else "-", ratio), flush=True)
