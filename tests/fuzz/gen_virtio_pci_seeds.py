#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes seeds for fuzz_virtio_pci: byte streams in that target's op format (see one_op there).
import struct
import sys

RAM = 0x100000
SIZES = {1: 0, 2: 1, 4: 2, 8: 3}


def val(v):
    """The value field: 4 bytes, or the 8-byte form for 64-bit values."""
    if v < 1 << 32:
        return bytes([0]) + struct.pack('<I', v)
    return bytes([1, 0]) + struct.pack('<Q', v)


def cc(off, size, v):
    return bytes([0, SIZES[size], 1]) + val(v) + bytes([off])


def kick(q):
    return bytes([3, 1, 1]) + val(q) + bytes([q * 4])


def ram(off, v8):
    return bytes([6, 0, 0]) + bytes([1, 0]) + struct.pack('<Q', v8) + struct.pack('<H', off)


def msix_entry(i, word, v):
    return bytes([5, 2, 1]) + val(v) + bytes([16 * i + 4 * word])


def bring_up(queue_size=8, desc=RAM, avail=RAM + 0x1000, used=RAM + 0x2000):
    s = cc(0x14, 1, 1) + cc(0x14, 1, 3)
    s += cc(0x08, 4, 1) + cc(0x0c, 4, 1)          # driver features: VERSION_1
    s += cc(0x14, 1, 0x0b)                         # FEATURES_OK
    s += cc(0x16, 2, 0) + cc(0x18, 2, queue_size)
    s += cc(0x20, 8, desc) + cc(0x28, 8, avail) + cc(0x30, 8, used)
    s += cc(0x1c, 2, 1) + cc(0x14, 1, 0x0f)        # enable, DRIVER_OK
    return s


def one_buffer():
    # descriptor 0: 64 writable bytes at RAM + 0x4000; avail ring entry 0 = 0, idx 1
    return ram(0x0, RAM + 0x4000) + ram(0x8, 64 | 2 << 32) + ram(0x1000, 1 << 16)


def main(out):
    seeds = {
        'bring-up-kick.bin': bring_up() + one_buffer() + kick(0),
        'bad-ring.bin': bring_up(desc=RAM + 0xfff8) + kick(0),
        'msix-kick.bin': b''.join(msix_entry(0, w, v) for w, v in ((0, 0xfee00000), (2, 0x41), (3, 0)))
        + bytes([4, 2, 1]) + val(0x80000000) + bytes([0x84])  # MSI-X control: the capability after the four virtio ones
        + bring_up() + cc(0x1a, 2, 0) + one_buffer() + kick(0) + cc(0x14, 1, 0),
    }
    for name, data in seeds.items():
        with open(f'{out}/{name}', 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'tests/fuzz/seeds/virtio_pci')
