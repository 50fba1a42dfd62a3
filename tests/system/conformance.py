"""Conformance (DESIGN §6): the same test kernel is booted as dom0 on Xen 4.17
and on hv.  Every case must pass on Xen; hv must print the same observed
values, except for differences listed in tests/conformance/known-diffs (and
a listed difference that no longer occurs fails too)."""

import gzip
import os
import re

import harness
from _bzimage import bzimage
from _hv import CONSOLE
from harness import CaseFailure, case

KERNELS = ["start-of-day", "start-of-day-hypercall-page", "start-of-day-init-p2m", "hypercall-args", "traps", "memory-op", "priv-ops", "mmu", "events-time", "cpu-state", "user-mode", "descriptors", "console-input", "control-regs", "threads", "domctl", "vcpus", "domains", "grants", "sched", "domu-vcpus", "builder"]
# Kernels whose hv-side cases report XFAIL with the reason instead of running
# and comparing (the Xen case still runs and must pass).
HV_XFAIL = {}  # kernel name -> reason, for a kernel hv does not yet match Xen on
DOM0_OPTIONS = "noreboot loglvl=all guest_loglvl=all dom0_mem=64M dom0_max_vcpus=1"
# Options some kernels add on both hypervisors: Xen configured as hv is
# (the credit scheduler; grant tables up to version 1).
KERNEL_OPTIONS = {"domctl": "sched=credit gnttab=max-ver:1", "vcpus": "sched=credit dom0_max_vcpus=4",
                  "domains": "sched=credit gnttab=max-ver:1",
                  "grants": "sched=credit gnttab=max-ver:1", "sched": "sched=credit gnttab=max-ver:1",
                  "domu-vcpus": "sched=credit gnttab=max-ver:1", "builder": "sched=credit gnttab=max-ver:1"}
# Kernels given another image as their initrd: the dom0 that builds domUs
# gets the test domU's kernel (gzip-compressed for grants: the builder
# unpacks it; and for builder, which also uses it as a ramdisk).
KERNEL_MODULES = {"domains": "domu-guest", "grants": "domu-guest.gz", "sched": "domu-guest", "domu-vcpus": "vcpus",
                  "builder": "builder-guest.gz"}
MACHINE = dict(smp=2, mem="256M")
# Kernels that need another machine: conformance/sched measures the credit
# scheduler's shares on one CPU (Xen's credits follow weights only where
# every CPU of the pool is contended).
KERNEL_MACHINE = {"sched": dict(smp=1)}
KNOWN_DIFFS = os.path.join(harness.ROOT, "tests", "conformance", "known-diffs")
RESULT_LINE = re.compile(r"^test (\S+) (pass|fail) (.*?)\s*$", re.M)
DONE_LINE = r"^tests done: (\d+) passed, (\d+) failed"
SEND_LINE = r"^harness send ([0-9a-f]+)\s*$"
DEBUG_KEY_LINE = r"^harness debug-key\s*$"
HEAP_LINE = r"^harness (heap-mark|heap-check)\s*$"
MEMORY_KEY_ANSWER = {
    "hv": r"^\(hv\) Heap: (\d+) bytes in (\d+) allocations, (\d+) pages held",
    "xen": r"^\(XEN\)\s+Dom heap: \d+kB free",
}
# Ctrl-A three times switches serial input between the hypervisor and dom0.
SWITCH_INPUT = b"\x01\x01\x01"
# What each hypervisor prints for the 'd' debug key and for the switches.
DEBUG_KEY_ANSWER = {"hv": r"^\(hv\) CPU0: apic 0 online", "xen": r"^\(XEN\) 'd' pressed -> dumping registers"}
# Kernels after which hv's softirq latency is checked through the 'd' key:
# a CPU whose LAPIC deadline was 1 us away sat unrun under QEMU's icount
# for 100 ms or more (conformance/vcpus showed it in every run).
SOFTIRQ_LATENCY_KERNELS = {"vcpus"}
SOFTIRQ_LATE_LINE = r"^\(hv\) Softirqs late \(pending over 100 ms\): (\d+) times, longest (\d+) ms"
INPUT_TO = {"hv": r"\*\*\* Serial input to hv ", "xen": r"\*\*\* Serial input to Xen "}
INPUT_TO_DOM0 = r"\*\*\* Serial input to DOM0 "


# Kernels also booted gzip-compressed (as Xen accepts a dom0 kernel): the
# results must still equal Xen's for the same compressed module.
GZIP_KERNELS = ["start-of-day"]
# Kernels also booted inside a bzImage (xz and gzip payloads), as Debian's
# Linux comes: the results must equal Xen's for the same bzImage.
BZIMAGE_KERNELS = ["start-of-day", "start-of-day-init-p2m"]
# Kernels also booted with an initrd module, compared with Xen the same way.
INITRD_KERNELS = ["start-of-day", "start-of-day-mod-pfn", "start-of-day-init-p2m"]


def kernel_image(name):
    """The image for kernel `name`; "<kernel>.gz" is made from <kernel>, and
    "<kernel>.bzxz" / "<kernel>.bzgz" are bzImages carrying it."""
    path = os.path.join(harness.BUILD, "conformance", name)
    base, dot, suffix = name.rpartition(".")
    if dot and suffix in ("gz", "bzxz", "bzgz"):
        source = os.path.join(harness.BUILD, "conformance", base)
        if os.path.exists(source) and (not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(source)):
            with open(source, "rb") as f:
                elf = f.read()
            data = gzip.compress(elf, compresslevel=9, mtime=0) if suffix == "gz" else bzimage(elf, suffix[2:])
            partial = "%s.%d" % (path, os.getpid())
            with open(partial, "wb") as f:
                f.write(data)
            os.replace(partial, path)
    return path


def initrd_sample():
    """A 300000-byte initrd of fixed pseudo-random bytes (not a page
    multiple, so the tail is compared too)."""
    path = os.path.join(harness.BUILD, "conformance", "initrd-sample")
    if not os.path.exists(path):
        state, data = 0x12345678, bytearray()
        while len(data) < 300000:
            state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            data += (state >> 32).to_bytes(4, "little")
        partial = "%s.%d" % (path, os.getpid())
        with open(partial, "wb") as f:
            f.write(data[:300000])
        os.replace(partial, path)
    return path


def run_kernel(t, target, name, **qemu):
    """Boots kernel `name` as dom0 on `target`; returns ({case: (verdict,
    observed)}, debug-exit value).  "<kernel>+initrd" boots <kernel> with
    initrd_sample() as its initrd module."""
    kernel, _, extra = name.partition("+")
    image = kernel_image(kernel)
    t.require_file(image, "make builds it")
    modules = [(image, "")]
    if kernel in KERNEL_MODULES:
        module = kernel_image(KERNEL_MODULES[kernel])
        t.require_file(module, "make builds it")
        modules.append((module, ""))
    if extra == "initrd":
        modules.append((initrd_sample(), ""))
    heap = {}
    machine = dict(MACHINE)
    machine.update(KERNEL_MACHINE.get(kernel, {}))
    machine.update(qemu)
    options = DOM0_OPTIONS + (" " + KERNEL_OPTIONS[kernel] if kernel in KERNEL_OPTIONS else "")
    vm = t.boot(target, cmdline=CONSOLE + " " + options, modules=modules, label=target, **machine)
    while True:
        m = vm.expect(r"%s|^\(hv\) (Could not set up DOM0 guest OS.*)|%s|(%s)|%s" % (DONE_LINE, SEND_LINE, DEBUG_KEY_LINE, HEAP_LINE))
        if m.group(3):
            raise CaseFailure("%s refused the kernel: %s" % (target, m.group(3)))
        if m.group(6):
            heap_counters(vm, target, m.group(6), heap)
        elif m.group(5):
            press_debug_key(vm, target, kernel)
        elif m.group(4) is not None:
            # The kernel asks for serial input (tests/conformance/console_input.c).
            vm.send(bytes.fromhex(m.group(4)))
        else:
            break
    status = vm.expect_exit()
    value = vm.debug_exit_value(status)
    results = {}
    for m in RESULT_LINE.finditer(vm.output):
        if m.group(1) in results:
            raise CaseFailure("%s printed case %s twice" % (target, m.group(1)))
        results[m.group(1)] = (m.group(2), m.group(3))
    return results, value


def heap_counters(vm, target, request, heap):
    """test_heap_mark/test_heap_check: hv's heap counters from the 'm' key,
    kept at the mark and compared at the check (Xen's 'm' is only pressed)."""
    vm.send(SWITCH_INPUT)
    vm.expect(INPUT_TO[target])
    vm.send(b"m")
    m = vm.expect(MEMORY_KEY_ANSWER[target])
    counters = m.groups() if target == "hv" else ()
    vm.send(SWITCH_INPUT)
    vm.expect(INPUT_TO_DOM0)
    if request == "heap-mark":
        heap["mark"] = counters
    elif counters != heap.get("mark"):
        raise CaseFailure("hv's heap counters (bytes, allocations, pages) went from %s to %s" % (heap.get("mark"), counters))
    vm.send(b"k")


def press_debug_key(vm, target, kernel):
    """After a kernel's hostile cases (test_debug_key_answered): the
    hypervisor must still answer the 'd' debug key; then input goes back to
    dom0 and the kernel gets the "k" it waits for.  For the kernels of
    SOFTIRQ_LATENCY_KERNELS, hv's answer must also show no softirq left
    pending over 100 ms on a CPU that serves them."""
    vm.send(SWITCH_INPUT)
    vm.expect(INPUT_TO[target])
    vm.send(b"d")
    vm.expect(DEBUG_KEY_ANSWER[target])
    if target == "hv" and kernel.split("+")[0] in SOFTIRQ_LATENCY_KERNELS:
        m = vm.expect(SOFTIRQ_LATE_LINE)
        if int(m.group(1)):
            raise CaseFailure("hv left softirqs pending over 100 ms %s times (longest %s ms)" % (m.group(1), m.group(2)))
    vm.send(SWITCH_INPUT)
    vm.expect(INPUT_TO_DOM0)
    vm.send(b"k")


def xen_results(t, name, **qemu):
    """Xen's results for kernel `name` on the same machine (CPU model
    included: CPUID and other facts depend on it), booted once per run."""
    key = ("conformance-xen", name, tuple(sorted(qemu.items())))
    return harness.memo(key, lambda: run_kernel(t, "xen", name, **qemu))


def known_diffs(name):
    """{case: reason} for kernel `name` from the known-diffs file
    ("<kernel> <case> <reason>" lines; # starts a comment)."""
    diffs = {}
    if not os.path.exists(KNOWN_DIFFS):
        return diffs
    with open(KNOWN_DIFFS) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise CaseFailure("%s:%d: expected '<kernel> <case> <reason>'" % (KNOWN_DIFFS, n))
            if parts[0] == name:
                diffs[parts[1]] = parts[2]
    return diffs


def compare(t, name, xen, hv):
    diffs = known_diffs(name)
    problems = []
    for case_name, (verdict, observed) in sorted(xen.items()):
        if case_name not in hv:
            problems.append("%s: missing on hv (Xen: %s)" % (case_name, observed))
            continue
        hv_verdict, hv_observed = hv[case_name]
        same = (verdict, observed) == (hv_verdict, hv_observed)
        if case_name in diffs:
            if same:
                problems.append("%s: listed in known-diffs (%s) but hv now matches Xen" % (case_name, diffs[case_name]))
            else:
                t.log("known difference %s: Xen %s %s, hv %s %s (%s)" % (case_name, verdict, observed, hv_verdict, hv_observed, diffs[case_name]))
        elif not same:
            problems.append("%s: hv %s %s, Xen %s %s" % (case_name, hv_verdict, hv_observed, verdict, observed))
    for case_name in sorted(set(hv) - set(xen)):
        problems.append("%s: only on hv" % case_name)
    for case_name in sorted(set(diffs) - set(xen)):
        problems.append("%s: listed in known-diffs but not a case of %s" % (case_name, name))
    if problems:
        raise CaseFailure("%d difference(s) from Xen: %s" % (len(problems), "; ".join(problems)))


def xen_case(name):
    def run(t):
        results, value = xen_results(t, name)
        failed = sorted(n for n, (v, _) in results.items() if v != "pass")
        t.check(not failed, "cases fail on Xen 4.17: %s" % ", ".join(failed))
        t.check(results, "no test lines from the kernel")
        t.check(value == 0, "the kernel exited with %s" % value)

    return run


def hv_case(name, **qemu):
    def run(t):
        if name in HV_XFAIL:
            t.xfail(HV_XFAIL[name])
        xen, _ = xen_results(t, name, **qemu)
        hv, value = run_kernel(t, "hv", name, **qemu)
        compare(t, name, xen, hv)
        t.check(value == 0, "the kernel exited with %s on hv" % value)

    return run


for _kernel in KERNELS:
    harness.add_case("conformance/%s/xen" % _kernel, xen_case(_kernel), timeout=60)
    harness.add_case("conformance/%s/hv" % _kernel, hv_case(_kernel), timeout=60)
    harness.add_case("conformance/%s/hv-cpu-qemu64" % _kernel, hv_case(_kernel, cpu="qemu64"), timeout=60)
    harness.add_case("conformance/%s/hv-cpu-max" % _kernel, hv_case(_kernel, cpu="max"), timeout=60)

for _kernel in INITRD_KERNELS:
    harness.add_case("conformance/%s/xen-initrd" % _kernel, xen_case(_kernel + "+initrd"), timeout=60)
    harness.add_case("conformance/%s/hv-initrd" % _kernel, hv_case(_kernel + "+initrd"), timeout=60)

for _kernel in GZIP_KERNELS:
    harness.add_case("conformance/%s/xen-gzip" % _kernel, xen_case(_kernel + ".gz"), timeout=60)
    harness.add_case("conformance/%s/hv-gzip" % _kernel, hv_case(_kernel + ".gz"), timeout=60)

for _kernel in BZIMAGE_KERNELS:
    for _suffix in ("bzxz", "bzgz"):
        harness.add_case("conformance/%s/xen-%s" % (_kernel, _suffix), xen_case("%s.%s" % (_kernel, _suffix)), timeout=60)
        harness.add_case("conformance/%s/hv-%s" % (_kernel, _suffix), hv_case("%s.%s" % (_kernel, _suffix)), timeout=60)
