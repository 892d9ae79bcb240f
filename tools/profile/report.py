#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make profile: turns insncount.so dumps into build/profile.txt (where the instructions go)."""

# Usage: report.py --kallsyms FILE --basalt-so FILE --basalt DUMP --basalt-log LOG [--basalt-tsc N]
#                  --bare DUMP [--bare-tsc N] [--top N] [--svg FILE] > profile.txt
#
# A dump line is "<vaddr> <host address> <executions>" per instruction. Each instruction is put in
# a region, then a function:
#   guest kernel   virtual address in the upper half: a function of the kernel's kallsyms (read
#                  once from a bare boot with nokaslr; the run's KASLR slide is found as the 2 MiB
#                  multiple that puts the most executed addresses on symbol starts)
#   hypervisor     identity-mapped (vaddr == host-physical) inside Basalt's image: a function of
#                  basalt.so, placed at the "image at 0x..." address Basalt prints
#   firmware       code in flash (the top 16 MiB below 4 GiB, not RAM-backed), other identity-
#                  mapped code under Basalt (OVMF), identity-mapped code below 1 MiB bare (SeaBIOS,
#                  QEMU's linuxboot option ROM, the kernel's real-mode setup)
#   guest boot     guest code mapped 1:1 (the decompressor and the kernel's first instructions):
#                  under Basalt the guest's 1:1 offset is the most common one among the guest's pages
#   guest user     everything else at a lower-half virtual address (busybox, /init, tsc)
import argparse
import bisect
import collections
import re
import subprocess
import sys

KERNEL_HALF = 0xFFFF800000000000
KTEXT_LO, KTEXT_HI = 0xFFFFFFFF80000000, 0xFFFFFFFFC0000000
SLIDE_STEP = 0x200000
FLASH_LO, FLASH_HI = 0xFF000000, 0x100000000  # the top 16 MiB below 4 GiB: flash, reset vector


def load_dump(path):
    """{(vaddr, haddr): executions}"""
    counts = collections.Counter()
    with open(path) as f:
        for line in f:
            v, h, c = line.split()
            counts[(int(v, 16), int(h, 16))] += int(c)
    return counts


def load_kallsyms(path):
    syms = []
    for line in open(path, errors="replace"):
        parts = line.strip().split()
        if len(parts) >= 3 and parts[1] in "tTwW" and len(parts[0]) == 16:
            syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return syms


def load_so_symbols(path, base):
    out = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tT" and not parts[2].startswith("."):
            syms.append((base + int(parts[0], 16), parts[2]))
    syms.sort()
    return syms


class Symbols:
    def __init__(self, syms):
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]
        self.starts = set(self.addrs)

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def find_slide(counts, ksyms):
    """The KASLR slide putting the most distinct executed kernel addresses on symbol starts."""
    addrs = {v for (v, _h) in counts if KTEXT_LO <= v < KTEXT_HI}
    best, best_hits = 0, -1
    for k in range(0, (KTEXT_HI - KTEXT_LO) // SLIDE_STEP):
        slide = k * SLIDE_STEP
        hits = sum(1 for a in addrs if (a - slide) in ksyms.starts)
        if hits > best_hits:
            best, best_hits = slide, hits
    return best, best_hits, len(addrs)


def host_base(counts, image_lo, image_hi):
    """haddr - vaddr of the hypervisor's identity-mapped code (or, bare, the most common delta)."""
    deltas = collections.Counter()
    for (v, h), c in counts.items():
        if v < KERNEL_HALF and h and (image_lo is None or image_lo <= v < image_hi):
            deltas[h - v] += c
    return deltas.most_common(1)[0][0] if deltas else 0


def classify(counts, ksyms, slide, hsyms, image_lo, image_hi, base):
    """{(region, function): instructions}"""
    out = collections.Counter()
    lowdelta = collections.Counter()
    rest = []
    for (v, h), c in counts.items():
        if v >= KERNEL_HALF:
            out[("guest kernel", ksyms.name(v - slide))] += c
            continue
        phys = h - base
        if not h or FLASH_LO <= v < FLASH_HI and phys != v:
            out[("firmware", "flash")] += c
        elif phys == v and hsyms and image_lo <= v < image_hi:
            out[("hypervisor", hsyms.name(v))] += c
        elif phys == v and hsyms:
            out[("firmware", "OVMF in RAM")] += c
        elif phys == v and v < 0x100000:
            out[("firmware", "SeaBIOS, option ROM, real-mode setup")] += c
        elif phys == v:
            out[("guest boot", "setup/decompressor")] += c
        else:
            lowdelta[(h - v) & ~0xFFF] += 1
            rest.append((v, h, c))
    boot_delta = lowdelta.most_common(1)[0][0] if lowdelta else None
    for v, h, c in rest:
        if ((h - v) & ~0xFFF) == boot_delta and v < 0x100000000:
            out[("guest boot", "setup/decompressor")] += c
        else:
            out[("guest user", "user")] += c
    return out


def parse_image_base(log):
    m = re.search(r"image at 0x([0-9a-fA-F]+)", open(log, errors="replace").read())
    if not m:
        sys.exit("report: no 'image at 0x...' line in " + log)
    return int(m.group(1), 16)


def image_span(so):
    out = subprocess.run(["readelf", "-lW", so], capture_output=True, text=True, check=True).stdout
    hi = 0
    for line in out.splitlines():
        p = line.split()
        if p and p[0] == "LOAD":
            hi = max(hi, int(p[2], 16) + int(p[5], 16))
    return hi


def fmt(n):
    return f"{n:>15,}"


def by_region(table):
    r = collections.Counter()
    for (region, _f), c in table.items():
        r[region] += c
    return r


def section(title):
    return ["", title, "-" * len(title)]


def report(args):
    ksyms = Symbols(load_kallsyms(args.kallsyms))
    lines = ["Basalt profile: executed instructions by place (QEMU -icount, insncount.so)",
             "Counts are executions of translated blocks times their length, for the whole QEMU",
             "run (firmware, Basalt's start and the guest's reset after the marker included); the",
             "tsc= figures are the bench's (VM creation or power-on to /init). TSC minus executed",
             "instructions is time the CPU spent halted (icount advances the clock while idle)."]
    runs = {}
    image_base = parse_image_base(args.basalt_log)
    span = image_span(args.basalt_so)
    hsyms = Symbols(load_so_symbols(args.basalt_so, image_base))
    for name, dump, tsc in (("basalt", args.basalt, args.basalt_tsc), ("bare", args.bare, args.bare_tsc)):
        if not dump:
            continue
        counts = load_dump(dump)
        slide, hits, n = find_slide(counts, ksyms)
        if name == "basalt":
            base = host_base(counts, image_base, image_base + span)
            table = classify(counts, ksyms, slide, hsyms, image_base, image_base + span, base)
        else:
            base = host_base(counts, None, None)
            table = classify(counts, ksyms, slide, None, 0, 0, base)
        runs[name] = (table, tsc)
        total = sum(table.values())
        lines += section(f"{name}: {total:,} instructions executed"
                         + (f", tsc at marker {tsc:,}" if tsc else "")
                         + f" (KASLR slide {slide:#x}: {hits} of {n} kernel addresses on symbols)")
        for region, c in by_region(table).most_common():
            lines.append(f"  {region:<14}{fmt(c)}  {100.0 * c / total:5.1f}%")
        lines.append("")
        lines.append(f"  top {args.top} functions:")
        for (region, func), c in table.most_common(args.top):
            lines.append(f"  {fmt(c)}  {100.0 * c / total:5.1f}%  {region}: {func}")
    if "basalt" in runs and "bare" in runs:
        a, b = runs["basalt"][0], runs["bare"][0]
        ra, rb = by_region(a), by_region(b)
        lines += section("difference basalt - bare, by region")
        for region in sorted(set(ra) | set(rb), key=lambda r: -abs(ra[r] - rb[r])):
            lines.append(f"  {region:<14}{fmt(ra[region] - rb[region])}   ({ra[region]:,} vs {rb[region]:,})")
        lines.append(f"  {'total':<14}{fmt(sum(ra.values()) - sum(rb.values()))}")
        ka = {f: c for (r, f), c in a.items() if r == "guest kernel"}
        kb = {f: c for (r, f), c in b.items() if r == "guest kernel"}
        diff = sorted(((ka.get(f, 0) - kb.get(f, 0), f) for f in set(ka) | set(kb)), key=lambda x: -abs(x[0]))
        lines += section(f"guest kernel functions with the largest difference (top {args.top})")
        lines.append(f"  {'basalt - bare':>15}  {'basalt':>15}  {'bare':>15}  function")
        for d, f in diff[: args.top]:
            lines.append(f"  {d:>+15,}  {ka.get(f, 0):>15,}  {kb.get(f, 0):>15,}  {f}")
    print("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--kallsyms", required=True)
    p.add_argument("--basalt-so", required=True)
    p.add_argument("--basalt", required=True)
    p.add_argument("--basalt-log", required=True)
    p.add_argument("--basalt-tsc", type=int)
    p.add_argument("--bare")
    p.add_argument("--bare-tsc", type=int)
    p.add_argument("--top", type=int, default=40)
    report(p.parse_args())


if __name__ == "__main__":
    main()
