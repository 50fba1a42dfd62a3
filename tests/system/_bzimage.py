"""Linux bzImage containers for test kernels (conformance and dom0 cases)."""

import gzip
import lzma
import struct


def bzimage(elf, compression):
    """A Linux bzImage (boot protocol 2.15) carrying `elf` as Linux packs its
    kernel: gzip as is, or xz (CRC32 check, x86 BCJ and LZMA2 filters, as
    scripts/xz_wrap.sh makes it) followed by the unpacked size.  The setup
    sectors and the space before the payload are filler: only the header
    fields a PV loader reads are real."""
    if compression == "gz":
        payload = gzip.compress(elf, compresslevel=9, mtime=0)
    else:
        filters = [{"id": lzma.FILTER_X86}, {"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": 1 << 20}]
        payload = lzma.compress(elf, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=filters)
        payload += struct.pack("<I", len(elf))
    setup_sects, payload_offset = 4, 0x200
    image = bytearray((setup_sects + 1) * 512 + payload_offset)
    image[0x1F1] = setup_sects
    struct.pack_into("<H", image, 0x1FE, 0xAA55)
    image[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", image, 0x206, 0x020F)
    struct.pack_into("<II", image, 0x248, payload_offset, len(payload))
    return bytes(image) + payload
