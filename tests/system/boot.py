"""Boot matrix of hv (issue 2): the banner, the loader, every CPU ticking,
the TSC's calibration source, RAM, the no-dom0 message; -kernel and ISO."""

import re

from _hv import (
    BANNER,
    HV_CMDLINE,
    BRINGUP,
    NO_DOM0,
    RAM_LINE,
    TSC_LINE,
    boot_hv,
    expect_banner,
    expect_cpus,
    online_cpus,
    switch_to_hv,
)
from harness import add_case, case


def full_boot(t, vm, ncpus, loader=r"qemu \(multiboot\)", tsc_source="HPET", cmdline=None):
    """The checks every boot case makes."""
    expect_banner(vm, loader)
    if cmdline is not None:
        vm.expect(r"^\(hv\) Command line: %s$" % re.escape(cmdline))
    # In whatever order hv prints them:
    ram, tsc, _, _ = vm.expect_all([RAM_LINE, TSC_LINE, NO_DOM0, BRINGUP])
    kb = int(ram.group(3))
    t.check(kb > 0, "System RAM is 0 kB")
    t.check(tsc.group(2) == tsc_source, "TSC calibrated against the %s, expected the %s" % (tsc.group(2), tsc_source))
    expect_cpus(t, vm, ncpus)
    return kb


@case("boot/default", tiers=("check", "test"))
def _(t):
    """-smp 2 -m 256M: everything, and the no-dom0 message only once."""
    vm = boot_hv(t)
    # QEMU passes "path args": hv drops the first word, as Xen does.
    full_boot(t, vm, 2, cmdline=HV_CMDLINE)
    # Let hv idle on: after a debug-key round trip (which follows any late
    # output), the no-dom0 message must still have been printed only once.
    switch_to_hv(vm)
    vm.send(b"m")
    vm.expect(r"^\(hv\) Memory: \d+ of \d+ pages free")
    n = len(re.findall(NO_DOM0, vm.output, re.M))
    t.check(n == 1, "'no dom0 kernel module given' printed %d times" % n)


def smp_case(smp, ncpus, online_check=False):
    def run(t):
        vm = boot_hv(t, smp=smp)
        full_boot(t, vm, ncpus)
        if online_check:
            switch_to_hv(vm)
            cpus = online_cpus(vm)
            t.check(cpus == list(range(ncpus)), "debug key 'd' lists CPUs %s online, expected %s" % (cpus, list(range(ncpus))))

    return run


add_case("boot/smp1", smp_case(1, 1))
add_case("boot/smp4", smp_case(4, 4), timeout=45)
# Two CPUs present, two more possible (hot-pluggable, disabled in the MADT):
# only the two come up.
add_case("boot/smp2-maxcpus4", smp_case("2,maxcpus=4", 2, online_check=True), timeout=45)


def mem_case(mem):
    def run(t):
        vm = boot_hv(t, mem=mem)
        full_boot(t, vm, 2)

    return run


add_case("boot/mem128m", mem_case("128M"))
add_case("boot/mem4g", mem_case("4G"), timeout=60)


def cpu_case(model):
    def run(t):
        vm = boot_hv(t, cpu=model)
        full_boot(t, vm, 2)

    return run


add_case("boot/cpu-qemu64", cpu_case("qemu64"))
add_case("boot/cpu-haswell", cpu_case("Haswell-noTSX"))
add_case("boot/cpu-max", cpu_case("max"))


@case("boot/no-hpet")
def _(t):
    """-machine hpet=off: the TSC is calibrated against the PIT."""
    vm = boot_hv(t, machine="hpet=off")
    full_boot(t, vm, 2, tsc_source="PIT")


@case("boot/unknown-option")
def _(t):
    """Unknown options are warned about and ignored."""
    vm = boot_hv(t, cmdline="foo frobnicate=3")
    # The command line is parsed before the banner is printed.
    vm.expect_all(
        [
            r'^\(hv\) WARNING: unknown option "foo" ignored',
            r'^\(hv\) WARNING: unknown option "frobnicate" ignored',
            BANNER,
            r"^\(hv\) Command line: .* foo frobnicate=3$",
            BRINGUP,
        ]
    )


@case("iso/boot", tiers=("check", "test"), timeout=60)
def _(t):
    """hv through GRUB (multiboot2) from an ISO that scripts/mkiso.sh builds
    from build/hv.gz, as `make iso` does."""
    iso = t.make_iso(HV_CMDLINE)
    vm = t.boot(iso=iso, smp=2, mem="256M", label="hv-iso")
    vm.expect(r"Booting `hv'")
    # GRUB passes no image name in front of the command line.
    full_boot(t, vm, 2, loader=r"GRUB .*\(multiboot2\)", cmdline=HV_CMDLINE)


# --- boot modules ------------------------------------------------------------

FDT_SOURCE = """/dts-v1/;
/ {
    compatible = "hv,boot-description";
    chosen {
        hv-test = "hello";
    };
    domains {
        guest1 {
            memory = <0x4000>;
        };
    };
};
"""


def fdt_blob(t):
    src = t.tmpfile("boot.dts", FDT_SOURCE)
    out = src[:-4] + ".dtb"
    t.run(["dtc", "-I", "dts", "-O", "dtb", "-o", out, src], what="dtc (device-tree-compiler)")
    return out


def expect_fdt_listing(vm):
    vm.expect(r"^\(hv\) Boot description \(FDT, \d+ bytes, version \d+\)")
    vm.expect_all([r"^\(hv\)\s+node /$", r"^\(hv\)\s+node guest1$", r"^\(hv\)\s+property hv-test \(6 bytes\)"])
    vm.expect(r"^\(hv\) Boot description: 4 nodes")


@case("boot/fdt-module")
def _(t):
    """-kernel with a boot-description (FDT) module: listed node by node at
    loglvl=all; it is not a dom0 kernel."""
    vm = boot_hv(t, modules=[(fdt_blob(t), "desc=1")])
    expect_banner(vm)
    vm.expect(r'^\(hv\) Module 0: .* "desc=1"$')
    expect_fdt_listing(vm)
    vm.expect(NO_DOM0)
    vm.expect(BRINGUP)


@case("iso/fdt-module", timeout=60)
def _(t):
    """The same through GRUB's module2, with a command line."""
    iso = t.make_iso(HV_CMDLINE, [(fdt_blob(t), "desc=1")])
    vm = t.boot(iso=iso, smp=2, mem="256M", label="hv-iso")
    expect_banner(vm, loader=r"GRUB .*\(multiboot2\)")
    vm.expect(r'^\(hv\) Module 0: .* "desc=1"$')
    expect_fdt_listing(vm)
    vm.expect(NO_DOM0)
    vm.expect(BRINGUP)


@case("boot/fdt-bad")
def _(t):
    """Modules that start with the FDT magic but are not valid FDTs (one
    shorter than an FDT header, one with a header whose offsets point past
    its end) are boot descriptions all the same: reported, ignored, and
    never taken for a dom0 kernel."""
    short = t.tmpfile("short.dtb", b"\xd0\x0d\xfe\xed\x00\x00\x10\x00garbage!")
    header = bytes.fromhex(
        "d00dfeed" "00000030" "00000038" "00000040" "00000028" "00000011" "00000010" "00000000" "00000000" "00000000"
    )
    lying = t.tmpfile("lying.dtb", header + b"garbagegarbagegarbage")
    vm = boot_hv(t, modules=[(short, ""), (lying, "")])
    expect_banner(vm)
    for _ in range(2):
        vm.expect(r"^\(hv\) WARNING: boot description module is not a valid FDT: FDT_ERR_\w+; ignored$")
    vm.expect(NO_DOM0)
    vm.expect(BRINGUP)
