#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The second boot of a durable-disk test (a `check` of tests/integration/linux-nvme.expect): a new
# QEMU on the NVMe image the first run used, which must print PATTERN; then the host's own
# e2fsprogs look at the partition's bytes in the image file: e2fsck -fn finds the file system
# clean, and the file /data matches the SHA-256 the guest stored next to it.
#
# Usage: tests/second-boot-check.sh LOG CONFIG TIMEOUT PATTERN...
#   LOG      the first run's cleaned serial log; the image is ${LOG%.log}.nvme.img
#   CONFIG   the second boot's config
#   PATTERN  words of the line the second boot must print (joined with blanks)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
log=${1:?LOG}
config=${2:?CONFIG}
timeout_s=${3:?TIMEOUT}
shift 3
pattern="$*"
img=${log%.log}.nvme.img
out=${log%.log}.second.log
part=${log%.log}.part.img

die() {
	echo "second-boot: $*"
	exit 1
}

[ -s "$img" ] || die "no NVMe image at $img"
st=0
"$ROOT/tools/run-qemu.sh" --config "$ROOT/$config" --test --timeout "$timeout_s" --log "$out" \
	--search "$ROOT/build/linux" \
	-- -drive "file=$img,if=none,id=nvme0,format=raw" -device nvme,serial=basalt-nvme0,drive=nvme0 \
	>"${out%.log}.runner" 2>&1 || st=$?
[ "$st" = 0 ] || die "the second boot ended with status $st (see ${out#"$ROOT"/})"
tr -d '\r' <"$out" | grep -qF -- "$pattern" || die "the second boot did not print '$pattern' (see ${out#"$ROOT"/})"
echo "second-boot: the guest printed '$pattern'"

# The first partition named "data", from the GPT (sfdisk -d: "start=N, size=M, ..., name=\"data\"").
read -r start size < <(sfdisk -d "$img" | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\),.*name="data".*/\1 \2/p' | head -n 1)
[ -n "${start:-}" ] || die "no partition named 'data' in $img"
dd if="$img" of="$part" bs=512 skip="$start" count="$size" status=none
e2fsck -fn "$part" >"${part%.img}.fsck" 2>&1 || die "host e2fsck -fn on the partition failed: $(tail -n 3 "${part%.img}.fsck")"
want=$(debugfs -R "cat /data.sha256" "$part" 2>/dev/null | cut -d' ' -f1)
got=$(debugfs -R "cat /data" "$part" 2>/dev/null | sha256sum | cut -d' ' -f1)
[ -n "$want" ] && [ "$want" = "$got" ] || die "the partition's /data has SHA-256 '$got', its data.sha256 says '$want'"
echo "second-boot: host e2fsck clean, /data matches its SHA-256 ($got)"
rm -f "$part"
