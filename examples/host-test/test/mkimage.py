#!/usr/bin/env python3
"""Writes a small ESP8266 RTOS SDK 3.x app image for the OTA tests, as the
SDK's build leaves one: image header, a code segment linked for the slot, a
rodata segment that starts with the app descriptor (its version), a RAM
segment, the XOR checksum at the end of 16-byte padding, then the SHA-256 of
all of it.

usage: mkimage.py OUT.bin SLOT_OFFSET VERSION [CODE_BYTES]"""
import hashlib
import struct
import sys


def image(slot_offset, version, code_len):
    # The ESP8266 maps flash at 0x40200000 in 1 MB windows: code is linked
    # for the slot's offset inside its window (+0x10 for the image header).
    base = 0x40200010 + (slot_offset & 0xFFFFF)
    code_len = (code_len + 3) & ~3
    x = sum(version.encode()) * 2654435761 & 0xFFFFFFFF
    code = bytearray()
    for _ in range(code_len):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        code.append((x >> 16) & 0xFF)
    desc = bytearray(256)
    struct.pack_into("<I", desc, 0, 0xABCD5432)  # descriptor magic
    for off, size, text in ((16, 32, version), (48, 32, "host_test"), (80, 16, "12:00:00"),
                            (96, 16, "Dec  5 2026"), (112, 32, "v3.4")):
        b = text.encode()[: size - 1]
        desc[off:off + len(b)] = b
    ram = bytes((i * 7) & 0xFF for i in range(16))
    segs = [(base, bytes(code)), (base + len(code) + 8, bytes(desc)), (0x3FFE8000, ram)]
    out = bytearray(struct.pack("<BBBBI", 0xE9, len(segs), 2, 0x20, base + 4))
    chk = 0xEF
    for addr, data in segs:
        out += struct.pack("<II", addr, len(data)) + data
        for b in data:
            chk ^= b
    pad = (len(out) + 1 + 15) & ~15
    out += bytes(pad - len(out) - 1) + bytes([chk])
    return bytes(out) + hashlib.sha256(out).digest()


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.split("\n\n")[-1])
    code_len = int(sys.argv[4], 0) if len(sys.argv) == 5 else 20000
    with open(sys.argv[1], "wb") as f:
        f.write(image(int(sys.argv[2], 0), sys.argv[3], code_len))


main()
