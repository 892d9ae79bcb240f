#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Kill-point test for durable disks (a `check` of tests/integration/nvme-killpoints.expect): boots
# the vblk-kill guest again and again on the same NVMe image, kills QEMU (SIGKILL, no shutdown) at a
# random moment after a random number of acknowledged write+flush pairs, and checks on the next
# boot that every record acknowledged before the kill is still there.
#
# Usage: tests/killpoints-check.sh LOG CONFIG KILLS [SEED]
#   LOG     the first run's cleaned serial log; its image is ${LOG%.log}.nvme.img
#   CONFIG  the config to boot (the vblk-kill guest on a partition of the drive)
#   KILLS   how many kill points (the issue asks for at least 20)
# A record is "acknowledged" when the guest printed its ack, which it does only after the write and
# the FLUSH completed; a line the kill cut off counts as not acknowledged, which only makes the
# check stricter for the records before it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
log=${1:?LOG}
config=${2:?CONFIG}
kills=${3:?KILLS}
RANDOM=${4:-$$}
img=${log%.log}.nvme.img
work=${log%.log}.kills
WAIT_S=90 # one boot: OVMF, the hypervisor and the guest's first acks, with headroom for load

die() {
	echo "killpoints: $*"
	exit 1
}

[ -s "$img" ] || die "no NVMe image at $img"
rm -rf "$work"
mkdir -p "$work"

# last_ack FILE: the highest record number FILE acknowledges (-1: none).
last_ack() {
	local n
	n=$(tr -d '\r' <"$1" | sed -n 's/.*vblk-kill: ack \([0-9][0-9]*\)$/\1/p' | tail -n 1)
	echo "${n:--1}"
}

# found FILE: the records the boot in FILE found ("" if it never said).
found() {
	tr -d '\r' <"$1" | sed -n 's/.*vblk-kill: found \([0-9][0-9]*\) records.*/\1/p' | head -n 1
}

# boot I TARGET: one boot that is killed once TARGET acks are seen (0: runs to its end).
boot() {
	local i=$1 target=$2 out="$work/boot-$1.log" pid qemu t=0 acks
	"$ROOT/tools/run-qemu.sh" --config "$ROOT/$config" --test --timeout "$WAIT_S" --log "$out" \
		-- -drive "file=$img,if=none,id=nvme0,format=raw" -device nvme,serial=basalt-nvme0,drive=nvme0 \
		>"$work/boot-$i.runner" 2>&1 &
	pid=$!
	if [ "$target" = 0 ]; then
		wait "$pid" || true
		return
	fi
	while kill -0 "$pid" 2>/dev/null && [ "$t" -lt $((WAIT_S * 20)) ]; do
		acks=$( { [ -f "$out" ] && tr -d '\r' <"$out" | grep -c 'vblk-kill: ack '; } || true)
		[ "${acks:-0}" -ge "$target" ] && break
		sleep 0.05
		t=$((t + 1))
	done
	# A random moment after the target: 0-99 ms more of writing.
	sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
	# QEMU runs below run-qemu.sh (under timeout): found by the log file only it names.
	qemu=$(pgrep -f "qemu-system.*logfile=$out" || true)
	[ -n "$qemu" ] && kill -KILL $qemu 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# Its image lock goes with the process; the next boot needs it.
	while [ -n "$qemu" ] && kill -0 $qemu 2>/dev/null; do sleep 0.05; done
}

acked=$(last_ack "$log")
[ "$acked" -ge 0 ] || die "the first run acknowledged nothing"
echo "killpoints: first run acknowledged records 0..$acked"
for i in $(seq 1 "$kills"); do
	target=$((1 + RANDOM % 300))
	boot "$i" "$target"
	f=$(found "$work/boot-$i.log")
	[ -n "$f" ] || die "boot $i: the guest never reported what it found (see $work/boot-$i.log)"
	[ "$f" -gt "$acked" ] || die "boot $i: found $f records, but records up to $acked were acknowledged: a flushed write was lost"
	a=$(last_ack "$work/boot-$i.log")
	echo "killpoints: boot $i found $f (>= $((acked + 1)) acknowledged), killed after ack $a (target $target)"
	[ "$a" -lt "$acked" ] || acked=$a
done
boot final 0
f=$(found "$work/boot-final.log")
[ -n "$f" ] && [ "$f" -gt "$acked" ] || die "final boot: found '${f}' records, acknowledged up to $acked"
grep -q "PASS vblk-kill" "$work/boot-final.log" || die "final boot did not pass (see $work/boot-final.log)"
echo "killpoints: $kills kills, every acknowledged record survived (final boot found $f)"
