#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes seed inputs of tests/fuzz/fuzz_virtio_blk.c (the byte order of its build()) into tests/fuzz/seeds/virtio_blk/.
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "virtio_blk")
IN, OUT_T, FLUSH, GET_ID, DISCARD, WZ = 0, 1, 2, 3, 4, 5  # indexes into the target's type table


def req(type_idx, sector, lens, status_len=0, mode=0):
    """One request: mode, data count, type, a small sector, data lengths ((1 + m) * 512 for m < 8), status."""
    b = [0x00, mode, len(lens), type_idx, 0x01, sector]
    b += lens
    b += [status_len]
    return bytes(b)


def ranges(pairs):
    """Discard / write-zeroes ranges: small sector, small count, no flags."""
    b = b""
    for s, n in pairs:
        b += bytes([0x01, s, 0x01, n, 0x01])
    return b


def seed(name, setup, body):
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(bytes([setup]) + b"\xff\xff\xff\xff" + body)


os.makedirs(OUT, exist_ok=True)
rw = req(OUT_T, 3, [7]) + req(IN, 3, [7]) + req(OUT_T, 9, [0, 1, 2]) + req(IN, 9, [2, 1, 0])
seed("rw-ram", 0x00, rw)
seed("rw-bounce", 0x02, rw)
seed("rw-read-only", 0x01, rw)
seed("flush-getid", 0x00, req(FLUSH, 0, []) + req(GET_ID, 0, [0]))
seed("discard", 0x00, req(DISCARD, 0, [0]) + ranges([(4, 2), (10, 1)] + [(0, 0)] * 30))
seed("write-zeroes", 0x02, req(WZ, 0, [0]) + ranges([(4, 2), (10, 1)] + [(0, 0)] * 30))
seed("reset", 0x00, req(OUT_T, 1, [0]) + b"\xff\xff\xff\xff\xff" + req(IN, 1, [0]))
