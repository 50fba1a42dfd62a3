"""dom0 on hv: what happens when it crashes or stops."""

import os

import harness
from _hv import CONSOLE, SWITCH_TO_HV, SWITCHED
from harness import case


def kernel(name):
    return os.path.join(harness.BUILD, "kernels", name)


@case("dom0/crash-noreboot")
def _(t):
    """A dom0 that executes ud2 with no trap table crashes: hv prints its
    registers (the guest's RBX is visible), says the hardware domain
    crashed and, with noreboot, stays up answering debug keys."""
    image = kernel("crash-ud2")
    t.require_file(image, "make builds it")
    vm = t.boot("hv", cmdline=CONSOLE + " noreboot dom0_mem=32M", modules=[(image, "")], smp=2, mem="256M")
    vm.expect(r"^crash-ud2: about to execute ud2")
    vm.expect(r"^\(hv\) ----\[ hv x86_64  guest crash: domain 0 vcpu 0 \]----")
    vm.expect(r"^\(hv\) RFLAGS: .* vector 6$")
    vm.expect(r"^\(hv\) rax: [0-9a-f]{16}   rbx: 000000001234abcd")
    vm.expect(r"^\(hv\) Domain 0 crashed: unhandled exception")
    vm.expect(r"^\(hv\) Hardware Dom0 crashed")
    vm.expect(r"^\(hv\) Manual reset required \('noreboot' specified\)")
    vm.send(SWITCH_TO_HV)
    vm.expect(SWITCHED)
    vm.send(b"h")
    vm.expect(r"^\(hv\)  key 'm' - dump memory info")


@case("dom0/crash-reboot")
def _(t):
    """Without noreboot the machine resets after the report."""
    image = kernel("crash-ud2")
    t.require_file(image, "make builds it")
    vm = t.boot("hv", cmdline=CONSOLE + " dom0_mem=32M", modules=[(image, "")], smp=2, mem="256M")
    vm.expect(r"^\(hv\) Hardware Dom0 crashed")
    vm.expect(r"^\(hv\) Rebooting")
    status = vm.expect_exit()
    t.check(status == 0, "QEMU exit status %s, expected 0 (a reset under -no-reboot)" % status)


def hostile_iret(t, which):
    image = kernel("hostile-iret")
    t.require_file(image, "make builds it")
    vm = t.boot("hv", cmdline=CONSOLE + " noreboot dom0_mem=32M", modules=[(image, which)], smp=2, mem="256M")
    vm.expect(r"^hostile-iret: iret with %s" % which)
    vm.expect(r"^\(hv\) Domain 0 crashed: return frame with bad selectors or non-canonical address")
    vm.expect(r"^\(hv\) Hardware Dom0 crashed")
    vm.send(SWITCH_TO_HV)
    vm.expect(SWITCHED)
    vm.send(b"q")
    vm.expect(r"^\(hv\) CPU0: apic 0 online")


@case("dom0/hostile-iret-rip")
def _(t):
    """iret to a non-canonical RIP: the domain crashes, hv does not."""
    hostile_iret(t, "rip")


@case("dom0/hostile-iret-cs")
def _(t):
    """iret with hv's own code selector: the domain crashes, hv does not."""
    hostile_iret(t, "cs")
