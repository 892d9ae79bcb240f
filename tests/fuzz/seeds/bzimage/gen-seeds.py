#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the bzimage fuzz seeds (*.bin) next to this script: synthetic headers, no kernel code.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def header(sects=4, version=0x020F, pm=0x2000, init=0x800000, align=0x200000, xlf=0x3,
           pref=0x1000000, params=(0, 0, 0, 0)):
    img = bytearray((sects or 4) * 512 + 512 + pm)
    # Bytes 0-15 are not read by the parser: the harness takes RAM, initrd and cmdline sizes from them.
    struct.pack_into("<4I", img, 0, *params)
    img[0x1EF] = 0xFF  # sentinel, as real images have it
    img[0x1F1] = sects
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200], img[0x201] = 0xEB, 0x6A
    struct.pack_into("<IH", img, 0x202, 0x53726448, version)
    struct.pack_into("<H", img, 0x20E, 0x100)  # version string at 0x300
    img[0x211] = 0x01  # LOADED_HIGH
    struct.pack_into("<III", img, 0x22C, 0x7FFFFFFF, align, 0)
    img[0x234], img[0x235] = 1, 21
    struct.pack_into("<HI", img, 0x236, xlf, 0x7FF)
    struct.pack_into("<II", img, 0x248, 0x100, pm // 2)
    struct.pack_into("<QI", img, 0x258, pref, init)
    img[0x300:0x300 + 22] = b"6.1.0-seed (basalt) #1"
    return bytes(img)


SEEDS = {
    "valid.bin": header(params=(240, 0x123, 1031166, 40)),
    "valid-sects0.bin": header(sects=0, params=(100, 0, 4096, 0)),
    "valid-big-initrd.bin": header(init=0x3F98000, params=(128, 0x800, 60 << 20, 2047)),
    "valid-4k-align.bin": header(align=0x1000, pref=0x100000, params=(20, 1, 1, 1)),
    "old-version.bin": header(version=0x0202),
    "no-64bit.bin": header(xlf=0x2),
}

for name, data in SEEDS.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
