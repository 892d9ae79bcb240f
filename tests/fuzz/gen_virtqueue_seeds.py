#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed inputs of tests/fuzz/fuzz_virtqueue.c (layout documented there) into tests/fuzz/seeds/virtqueue/.
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "virtqueue")
NEXT, WRITE, INDIRECT = 1, 2, 4


class Ram:
    def __init__(self, base):
        self.base, self.b = base, bytearray(0x1800)

    def put(self, off, data):
        self.b[off:off + len(data)] = data

    def desc(self, table, i, addr, length, flags, nxt=0):
        self.put(table + 16 * i, struct.pack("<QIHH", addr, length, flags, nxt))

    def offer(self, avail, heads):
        for n, h in enumerate(heads):
            self.put(avail + 4 + 2 * n, struct.pack("<H", h))
        self.put(avail + 2, struct.pack("<H", len(heads)))


def seed(name, log2, flags, desc, avail, used, ops, ram):
    hdr = struct.pack("<BBHHHB3x", log2, flags, desc // 8, avail, used // 2, len(ops))
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(hdr + bytes(ops) + bytes(ram.b))


# Direct chains: a block-like request (header, data, status) and a single buffer.
r = Ram(0)
r.desc(0, 0, 0x1000, 16, NEXT, 1)
r.desc(0, 1, 0x1100, 512, NEXT | WRITE, 2)
r.desc(0, 2, 0x1400, 1, WRITE)
r.desc(0, 3, 0x1500, 64, 0)
r.offer(0x100, [0, 3])
seed("direct.bin", 3, 0, 0, 0x100, 0x200, [0, 2, 9, 5, 3, 6, 2, 1, 5, 4, 0, 0, 0, 7, 0, 1, 1], r)

# EVENT_IDX and INDIRECT_DESC: a table of three entries, and direct descriptors followed by a table.
r = Ram(0)
r.desc(0x1000, 0, 0x1400, 16, NEXT, 2)
r.desc(0x1000, 2, 0x1500, 32, NEXT | WRITE, 1)
r.desc(0x1000, 1, 0x1600, 8, WRITE)
r.desc(0, 0, 0x1000, 48, INDIRECT)
r.desc(0, 1, 0x1400, 8, NEXT, 2)
r.desc(0, 2, 0x1040, 16, INDIRECT)
r.desc(0x1040, 0, 0x1700, 16, WRITE)
r.offer(0x400, [0, 1])
seed("indirect.bin", 4, 3, 0, 0x400, 0x800, [0, 1, 4, 5, 3, 0, 4, 4, 0, 5, 7, 0, 0, 0], r)

# RAM at the top of the address space: a buffer that wraps past 2^64 and a loop after it.
top = (1 << 64) - 0x10000
r = Ram(top)
r.desc(0, 0, top + 0x1000, 8, NEXT, 1)
r.desc(0, 1, top + 0xfff0, 0x20, WRITE)
r.desc(0, 2, top + 0x1000, 8, NEXT, 3)
r.desc(0, 3, top + 0x1000, 8, NEXT, 2)
r.offer(0x100, [0, 2])
seed("top-wrap.bin", 3, 4, 0, 0x100, 0x200, [6, 0x00, 0x01, 0x02, 0, 0, 7, 0, 0], r)
