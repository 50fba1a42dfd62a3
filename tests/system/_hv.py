"""Shared helpers of the system cases: what hv and Xen print, and how to
read it.  hv prefixes every console line with "(hv) ", Xen with "(XEN) "."""

import re

import harness
from harness import CaseFailure

# The serial console as Xen configures it; hv speaks the same words.
CONSOLE = "console=com1 com1=115200,8n1"
HV_CMDLINE = CONSOLE + " loglvl=all"

BANNER = r"^\(hv\) .*hv 0\.1 - x86_64 paravirtualizing hypervisor"
BRINGUP = r"^\(hv\) Bring-up complete; idle"
NO_DOM0 = r"^\(hv\) no dom0 kernel module given"
RAM_LINE = r"^\((hv|XEN)\) System RAM: (\d+)MB \((\d+)kB\)"
CPU_LINE = re.compile(r"^\(hv\) cpu (\d+) apic (\d+) ticks (\d+)\s*$", re.M)
TSC_LINE = r"^\(hv\) TSC: (\d+\.\d{3}) MHz, calibrated against the (\S+)"
MIN_TICKS = 5
# Ctrl-A three times switches serial input to hv's debug keys.
SWITCH_TO_HV = b"\x01\x01\x01"
SWITCHED = r"\*\*\* Serial input to hv \(type 'CTRL-a' three times to switch input\)"


def boot_hv(t, cmdline="", console=None, **qemu):
    """Boots build/hv by -kernel with HV_CMDLINE plus `cmdline`; `console`
    replaces the console= option (e.g. "com1,vga")."""
    full = HV_CMDLINE + (" " + cmdline if cmdline else "")
    if console:
        full = full.replace("console=com1", "console=" + console, 1)
    qemu.setdefault("smp", 2)
    qemu.setdefault("mem", "256M")
    return t.boot("hv", cmdline=full, label=qemu.pop("label", "hv"), **qemu)


def expect_banner(vm, loader=r"qemu \(multiboot\)", timeout=None):
    vm.expect(BANNER, timeout)
    vm.expect(r"^\(hv\) Loader: %s" % loader, timeout)


def system_ram_kb(vm, timeout=None):
    """The kB figure of the next "System RAM: NMB (NkB)" line."""
    m = vm.expect(RAM_LINE, timeout)
    return int(m.group(3))


def expect_cpus(t, vm, ncpus, timeout=None):
    """Waits until every CPU 0..ncpus-1 has printed a `cpu N apic A ticks T`
    line with T >= MIN_TICKS; fails on a CPU number outside the range, a
    CPU reporting twice with different APIC ids, or too few ticks.
    Returns {cpu: (apic, ticks)}."""
    seen = {}

    def scan(text):
        for m in CPU_LINE.finditer(text):
            cpu, apic, ticks = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if cpu >= ncpus:
                raise CaseFailure("unexpected CPU: %r (only %d CPUs should come up)" % (m.group(0).strip(), ncpus))
            if cpu in seen and seen[cpu][0] != apic:
                raise CaseFailure("cpu %d reported APIC ids %d and %d" % (cpu, seen[cpu][0], apic))
            seen.setdefault(cpu, (apic, ticks))
        return len(seen) == ncpus

    try:
        vm.wait_for(scan, timeout, what="`cpu N apic A ticks T` lines of CPUs 0..%d" % (ncpus - 1))
    except CaseFailure as e:
        if seen:
            raise CaseFailure("%s (seen: %s)" % (e, ", ".join("cpu %d" % c for c in sorted(seen))))
        raise
    low = ["cpu %d ticks %d" % (c, tk) for c, (a, tk) in sorted(seen.items()) if tk < MIN_TICKS]
    if low:
        raise CaseFailure("fewer than %d ticks: %s" % (MIN_TICKS, ", ".join(low)))
    apics = [a for a, _ in seen.values()]
    if len(set(apics)) != len(apics):
        raise CaseFailure("CPUs share APIC ids: %s" % seen)
    t.log("cpus: %s" % seen)
    return seen


def switch_to_hv(vm, timeout=None):
    vm.send(SWITCH_TO_HV)
    vm.expect(SWITCHED, timeout)


def debug_key(vm, key, expect, timeout=None):
    """Sends one debug key (input must already go to hv) and waits for
    `expect`; returns the match."""
    vm.send(key)
    return vm.expect(expect, timeout)


def online_cpus(vm, timeout=None):
    """Dumps per-CPU state with debug key 'd' (input must go to hv) and
    returns the CPU numbers it lists as online.  The dump is known to be
    complete when the answer to a following 'm' arrives."""
    start = vm.pos
    vm.send(b"d")
    vm.expect(r"^\(hv\) CPU0: apic \d+ online", timeout)
    vm.send(b"m")
    m = vm.expect(r"^\(hv\) Memory: \d+ of \d+ pages free", timeout)
    dump = vm.output[start : m.start()]
    return sorted(int(c) for c in re.findall(r"^\(hv\) CPU(\d+): apic \d+ online", dump, re.M))


# --- Xen as the oracle ------------------------------------------------------

# Xen panics without a dom0 module before it prints "System RAM", so it gets
# a dummy one.  It must start with the ELF magic: Xen sizes the headroom to
# unpack a non-ELF module from its last four bytes (a gzip trailer), which
# for arbitrary bytes asks for more memory than a small machine has ("Not
# enough memory to relocate the dom0 kernel image").  Xen then stops at
# "Could not construct domain 0", after the line we want.
DUMMY_MODULE = b"\x7fELF" + bytes(4092)
XEN_CMDLINE = CONSOLE + " noreboot"


def boot_xen(t, **qemu):
    t.require_xen()
    module = t.tmpfile("dummy-dom0", DUMMY_MODULE)
    return t.boot("xen", cmdline=XEN_CMDLINE, modules=[(module, "")], label=qemu.pop("label", "xen"), **qemu)


def xen_system_ram_kb(t, mem, smp=2, **qemu):
    """Xen's "System RAM" kB figure for this QEMU configuration, booting Xen
    once per run and configuration (whichever case asks first)."""
    key = ("xen-system-ram", str(mem), smp, tuple(sorted(qemu.items())))

    def compute():
        vm = boot_xen(t, mem=mem, smp=smp, **qemu)
        vm.expect(r"^\(XEN\) Xen version 4\.17")
        kb = system_ram_kb(vm)
        t.log("Xen System RAM for -m %s: %d kB" % (mem, kb))
        vm.kill()
        return kb

    return harness.memo(key, compute)
