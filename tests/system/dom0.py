"""dom0 on hv: what happens when it crashes or stops."""

import gzip
import os
import re

import harness
from _bzimage import bzimage
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
    # 'q' lists the crashed domain; it bound no VIRQ_DEBUG, so port 0.
    vm.send(b"q")
    vm.expect(r"^\(hv\) General information for domain 0:")
    vm.expect(r"^\(hv\)     crashed, privileged, 8192 pages \(max unlimited\), 1 vCPUs")
    vm.expect(r"^\(hv\)     VCPU0: CPU0 stopped ")
    vm.expect(r"^\(hv\) Notifying guest 0:0 \(virq 1, port 0\)")


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


def hostile_iret(t, target, which, report):
    """HYPERVISOR_iret with a frame the CPU would refuse.  The guest's #GP
    handler reports the frame it got (`report`, a regex), or, with None,
    the domain crashes; on hv, a debug key is answered afterwards."""
    image = kernel("hostile-iret")
    t.require_file(image, "make builds it")
    vm = t.boot(target, cmdline=CONSOLE + " noreboot dom0_mem=32M", modules=[(image, which)], smp=2, mem="256M")
    vm.expect(r"^hostile-iret: iret with %s" % which)
    if report:
        vm.expect(r"^hostile-iret: %s$" % report)
    elif target == "hv":
        vm.expect(r"^\(hv\) Domain 0 crashed: iret frame the CPU refuses, and its fault cannot be delivered")
        vm.expect(r"^\(hv\) Hardware Dom0 crashed")
    else:
        vm.expect(r"^\(XEN\) Hardware Dom0 crashed")
    t.check("iret returned" not in vm.output, "the iret returned to its caller")
    if target == "hv":
        vm.send(SWITCH_TO_HV)
        vm.expect(SWITCHED)
        vm.send(b"d")
        vm.expect(r"^\(hv\) CPU0: apic 0 online")


# Each frame on Xen 4.17 (the expected answer) and on hv.
HOSTILE_IRET = {
    # A non-canonical RIP: #GP(0) at that RIP.
    "rip": r"vector 13 error 0 rip 0x8000000000000000 cs 0xe030",
    # The hypervisor's code selector (DPL 0): #GP naming it.
    "cs": r"vector 13 error 0xe008 rip 0x[0-9a-f]+ cs 0xe008",
    # Nowhere to write the #GP's frame: the domain crashes.
    "bad-stack": None,
}

def _hostile_iret_case(target, which, report):
    def run(t):
        hostile_iret(t, target, which, report)

    run.__doc__ = "iret with a hostile frame (%s) on %s: %s." % (
        which, "Xen 4.17" if target == "xen" else "hv",
        "the guest's #GP handler sees %s" % report if report else "the domain crashes")
    return run


for _which, _report in HOSTILE_IRET.items():
    for _target in ("xen", "hv"):
        case("dom0/hostile-iret-%s%s" % (_which, "-xen" if _target == "xen" else ""))(
            _hostile_iret_case(_target, _which, _report))


@case("dom0/hostile-iret-cs32-rip")
def _(t):
    """iret to the flat 32-bit code segment with a RIP past its 4 GiB limit:
    real hardware's iretq refuses it with #GP(0) (inside hv, where it would
    be fatal), so hv gives the guest that #GP.  QEMU does not check the
    limit, so Xen under QEMU runs on and faults at the address instead: no
    Xen case."""
    hostile_iret(t, "hv", "cs32-rip", r"vector 13 error 0 rip 0x100001000 cs 0xe020")


def gzip_refused(t, name, damage, message):
    """A damaged gzip dom0 kernel is refused with a reason; hv panics as
    Xen does ("Could not set up DOM0 guest OS") and, with noreboot, still
    answers debug keys: no fault inside hv."""
    source = kernel("crash-ud2")
    t.require_file(source, "make builds it")
    with open(source, "rb") as f:
        data = bytearray(gzip.compress(f.read(), mtime=0))
    damage(data)
    refused_image(t, name + ".gz", data, message)


def refused_image(t, name, data, message):
    """Boots hv with `data` as the dom0 kernel: refused with `message`, and
    hv still answers a debug key (no fault inside hv)."""
    image = os.path.join(t.tmpdir, name)
    with open(image, "wb") as f:
        f.write(data)
    vm = t.boot("hv", cmdline=CONSOLE + " noreboot dom0_mem=32M", modules=[(image, "")], smp=2, mem="256M")
    vm.expect(r"^\(hv\) Dom0 kernel: %s$" % message)
    vm.expect(r"^\(hv\) Could not set up DOM0 guest OS \(-22\)")
    vm.send(SWITCH_TO_HV)
    vm.expect(SWITCHED)
    vm.send(b"d")
    vm.expect(r"^\(hv\) CPU0: apic 0 online")
    t.check("FATAL TRAP" not in vm.output, "hv faulted while unpacking")


def bzimage_refused(t, name, damage, message):
    """A damaged bzImage (xz payload) dom0 kernel: refused with a reason,
    and hv still answers debug keys afterwards."""
    source = kernel("crash-ud2")
    t.require_file(source, "make builds it")
    with open(source, "rb") as f:
        data = bytearray(bzimage(f.read(), "xz"))
    damage(data)
    refused_image(t, name, data, message)


def payload_start(data):
    return (data[0x1F1] + 1) * 512 + int.from_bytes(data[0x248:0x24C], "little")


def payload_end(data):
    return payload_start(data) + int.from_bytes(data[0x24C:0x250], "little")


@case("dom0/bzimage-xz-damaged")
def _(t):
    """A flipped byte inside the xz stream: refused (the LZMA2 data, a block
    header or the CRC-32 gives it away; which one depends on the byte)."""
    def damage(data):
        data[(payload_start(data) + payload_end(data)) // 2] ^= 0xFF
    bzimage_refused(t, "xz-damaged", damage,
                    "(corrupt or truncated xz data|xz data longer than its payload says|xz data uses filters hv does not unpack)")


@case("dom0/bzimage-xz-short-size")
def _(t):
    """The appended size one byte short of what the stream holds: refused
    before anything is written past the buffer sized from it."""
    def damage(data):
        end = payload_end(data)
        size = int.from_bytes(data[end - 4:end], "little") - 1
        data[end - 4:end] = size.to_bytes(4, "little")
    bzimage_refused(t, "xz-short-size", damage, "xz data longer than its payload says")


@case("dom0/bzimage-xz-huge-size")
def _(t):
    """An appended size of 4 GiB: refused before any allocation."""
    def damage(data):
        end = payload_end(data)
        data[end - 4:end] = (0xFFFFFFF0).to_bytes(4, "little")
    bzimage_refused(t, "xz-huge-size", damage, "xz payload gives an implausible size")


@case("dom0/bzimage-payload-outside")
def _(t):
    """A payload length reaching past the module's end: refused."""
    def damage(data):
        data[0x24C:0x250] = (len(data)).to_bytes(4, "little")
    bzimage_refused(t, "payload-outside", damage, "bzImage payload lies outside the image")


@case("dom0/bzimage-old-protocol")
def _(t):
    """Boot protocol 2.07 (no payload fields): refused, as Xen refuses it."""
    def damage(data):
        data[0x206:0x208] = (0x0207).to_bytes(2, "little")
    bzimage_refused(t, "old-protocol", damage, re.escape("bzImage boot protocol older than 2.08 (no payload fields)"))


def flip_middle_byte(data):
    data[len(data) // 2] ^= 0xff


def flip_crc(data):
    # The CRC-32 of the unpacked data: the four bytes before ISIZE.
    data[-8] ^= 0xff


def shrink_trailer_size(data):
    # ISIZE (the last four bytes) one byte smaller than the real size.
    size = int.from_bytes(data[-4:], "little") - 1
    data[-4:] = size.to_bytes(4, "little")


def huge_trailer_size(data):
    data[-4:] = (0xFFFFFFF0).to_bytes(4, "little")


@case("dom0/gzip-corrupt")
def _(t):
    """A wrong CRC-32 in the trailer: the data unpacks in full but is
    refused as corrupt."""
    gzip_refused(t, "gzip-corrupt", flip_crc, "corrupt gzip data")


@case("dom0/gzip-damaged-data")
def _(t):
    """A flipped byte inside the deflate data: whether the damaged stream
    then ends early, overruns or fails its check depends on the image, so
    either refusal will do, but it must be a refusal."""
    gzip_refused(t, "gzip-damaged-data", flip_middle_byte, "(corrupt gzip data|gzip data truncated or longer than its trailer says)")


@case("dom0/gzip-short-trailer")
def _(t):
    """A trailer claiming one byte less than the data holds: refused, and
    nothing is written past the buffer sized from it."""
    gzip_refused(t, "gzip-short-trailer", shrink_trailer_size, "gzip data truncated or longer than its trailer says")


@case("dom0/gzip-huge-trailer")
def _(t):
    """A trailer claiming 4 GiB: refused before any allocation."""
    gzip_refused(t, "gzip-huge-trailer", huge_trailer_size, "gzip trailer gives an implausible size")


def bad_hypercall_page(t, target, prefix):
    image = kernel("bad-hypercall-page")
    t.require_file(image, "make builds it")
    vm = t.boot(target, cmdline=CONSOLE + " noreboot dom0_mem=32M", modules=[(image, "")], smp=2, mem="256M")
    vm.expect(r"^\(%s\) Invalid HYPERCALL_PAGE field in ELF notes\.$" % prefix)
    # Xen words this panic "Could not construct domain 0"; hv uses one message for every builder failure.
    vm.expect(r"^\(%s\) (Could not construct domain 0|Could not set up DOM0 guest OS \(-22\))$" % prefix)
    t.check("crash-ud2: about to" not in vm.output, "the kernel ran")


@case("dom0/bad-hypercall-page-xen")
def _(t):
    """Xen 4.17 refuses a HYPERCALL_PAGE note past the initial mapping..."""
    bad_hypercall_page(t, "xen", "XEN")


@case("dom0/bad-hypercall-page")
def _(t):
    """...and so does hv, with the same message, without writing there."""
    bad_hypercall_page(t, "hv", "hv")



def refused_init_p2m(t, target, prefix, image_name, message):
    image = kernel(image_name)
    t.require_file(image, "make builds it")
    vm = t.boot(target, cmdline=CONSOLE + " noreboot dom0_mem=32M", modules=[(image, "")], smp=2, mem="256M")
    vm.expect(r"^\(%s\) %s" % (prefix, re.escape(message)))
    if target == "hv":
        vm.expect(r"^\(hv\) Could not set up DOM0 guest OS \(-22\)$")
    else:
        vm.expect(r"^\(XEN\) Reboot in five seconds|^\(XEN\) Manual reset required")
    t.check("crash-ud2: about to" not in vm.output, "the kernel ran")


@case("dom0/bad-init-p2m-xen")
def _(t):
    """Xen 4.17 refuses an INIT_P2M note over the initial mapping (a panic)..."""
    refused_init_p2m(t, "xen", "XEN", "bad-init-p2m", "DOM0 P->M table overlaps initial mapping")


@case("dom0/bad-init-p2m")
def _(t):
    """...and so does hv, in the same words, before building anything there."""
    refused_init_p2m(t, "hv", "hv", "bad-init-p2m", "DOM0 P->M table overlaps initial mapping")


@case("dom0/hv-range-init-p2m")
def _(t):
    """An INIT_P2M note in hv's own range: refused (Xen, trusting its dom0,
    would write the table into its own page tables)."""
    refused_init_p2m(t, "hv", "hv", "hv-range-init-p2m", "DOM0 P->M table overlaps hv's range")
