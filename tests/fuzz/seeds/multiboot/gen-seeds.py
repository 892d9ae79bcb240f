#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the multiboot fuzz seeds: small synthetic kernels (a.out kludge, ELF32, video request).
import struct
import sys
from pathlib import Path

MAGIC = 0x1BADB002


def header(flags, addrs=()):
    h = struct.pack("<III", MAGIC, flags, (-(MAGIC + flags)) & 0xFFFFFFFF)
    return h + b"".join(struct.pack("<I", a) for a in addrs)


def aout():
    img = bytearray(2048)
    img[0:32] = header(0x10003, (0x100000, 0x100000, 0x100600, 0x102000, 0x100020))
    img[0x20] = 0xF4
    return bytes(img)


def aout_far():
    """Header ending exactly at the 8 KiB limit, in a 9 KiB file: the fuzzer explores both sides of it."""
    img = bytearray(9216)
    img[0x1FE0:0x2000] = header(0x10000, (0x101FE0, 0x100000, 0, 0x104000, 0x100000))
    return bytes(img)


def elf(video=False):
    img = bytearray(0x1400)
    phdrs = [(1, 0x1000, 0xC0100000, 0x100000, 0x200, 0x1000), (1, 0x1200, 0xC0200000, 0x200000, 0x100, 0x100)]
    ehdr = b"\x7fELF\x01\x01\x01" + bytes(9)
    ehdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0xC0100010, 0x34, 0, 0, 52, 32, len(phdrs), 0, 0, 0)
    img[0:52] = ehdr
    for i, (t, off, va, pa, fs, ms) in enumerate(phdrs):
        img[0x34 + 32 * i:0x54 + 32 * i] = struct.pack("<IIIIIIII", t, off, va, pa, fs, ms, 5, 0x1000)
    h = header(0x7, (0, 0, 0, 0, 0, 0, 80, 25, 0)) if video else header(0x3)
    img[0x1000:0x1000 + len(h)] = h
    return bytes(img)


out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
(out / "aout.bin").write_bytes(aout())
(out / "aout-far.bin").write_bytes(aout_far())
(out / "elf.bin").write_bytes(elf())
(out / "elf-video.bin").write_bytes(elf(video=True))
