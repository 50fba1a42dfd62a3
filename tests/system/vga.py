"""The VGA text sink: hv's log also goes to the text buffer at 0xb8000."""

from _hv import BRINGUP, boot_hv
from harness import case

VGA_TEXT = 0xB8000
VGA_BYTES = 80 * 25 * 2


@case("vga/text")
def _(t):
    vm = boot_hv(t, console="com1,vga", qmp=True)
    vm.expect(BRINGUP)
    # The serial line and the VGA buffer are written one after the other;
    # poll the buffer (a few QMP round trips) rather than sleeping.
    screen = ""
    for _ in range(50):
        raw = vm.pmemsave(VGA_TEXT, VGA_BYTES)
        screen = raw[0::2].decode("latin-1")
        if "Bring-up complete" in screen:
            break
        vm.expect_running(0.1)
    rows = [screen[i : i + 80].rstrip() for i in range(0, len(screen), 80)]
    t.log("VGA text:\n" + "\n".join(rows))
    t.check("Bring-up complete" in screen, "the VGA text buffer lacks 'Bring-up complete'")
