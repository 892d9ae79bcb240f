#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Creates a raw disk image with a GPT and named partitions, for QEMU's `-device nvme` (Basalt's
# host storage gives the partitions to VMs by name).
#
# Usage: tools/mk-nvme-image.sh OUT SIZE_MIB name:size_mib [name:size_mib ...]
#   Partitions are laid out in order from 1 MiB, 1 MiB-aligned, type "Linux filesystem"; the last
#   one may give its size as `rest` to take what is left. Names: 1-36 characters of
#   [A-Za-z0-9._-] (Basalt matches them as ASCII). Partition k (from 1) gets the unique GUID
#   00000000-0000-4000-8000-000000000dKK (KK: k in two hex digits), so images are reproducible and
#   a config can name a partition by GUID. Uses sfdisk (Debian package fdisk), or sgdisk
#   (package gdisk) when sfdisk is missing.
set -euo pipefail

PROG="mk-nvme-image"
die() { echo "$PROG: $*" >&2; exit 2; }

[ $# -ge 3 ] || die "usage: $0 OUT SIZE_MIB name:size_mib ..."
out=$1 size=$2
shift 2
[[ $size =~ ^[0-9]+$ ]] && [ "$size" -ge 2 ] || die "SIZE_MIB must be a number >= 2"

# Checks every spec before touching OUT: names, sizes, and that they fit (1 MiB in front, and
# the backup GPT needs the last 33 sectors, so the end stays 1 MiB clear too).
used=1
specs=()
n=0
for spec in "$@"; do
	n=$((n + 1))
	name=${spec%%:*} psize=${spec#*:}
	[ "$name" != "$spec" ] || die "'$spec': expected name:size_mib"
	[[ $name =~ ^[A-Za-z0-9._-]{1,36}$ ]] || die "'$name': names are 1-36 of [A-Za-z0-9._-]"
	if [ "$psize" = rest ]; then
		[ $n -eq $# ] || die "only the last partition may be 'rest'"
		psize=$((size - 1 - used))
	fi
	[[ $psize =~ ^[0-9]+$ ]] && [ "$psize" -ge 1 ] || die "'$spec': size must be a number of MiB >= 1"
	specs+=("$name:$used:$psize")
	used=$((used + psize))
done
[ $((used + 1)) -le "$size" ] || die "partitions need $((used + 1)) MiB, the image has $size"

# part_guid K: the fixed unique GUID of partition K.
part_guid() { printf '00000000-0000-4000-8000-000000000d%02x' "$1"; }

rm -f "$out"
truncate -s "${size}M" "$out"

if command -v sfdisk >/dev/null 2>&1; then
	{
		echo "label: gpt"
		echo "label-id: 00000000-0000-4000-8000-00000000d15c"
		i=0
		for s in "${specs[@]}"; do
			IFS=: read -r name start psize <<<"$s"
			i=$((i + 1))
			echo "start=$((start * 2048)), size=$((psize * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$(part_guid "$i"), name=\"$name\""
		done
	} | sfdisk --quiet --no-reread --no-tell-kernel "$out" >/dev/null
elif command -v sgdisk >/dev/null 2>&1; then
	args=(--clear)
	i=0
	for s in "${specs[@]}"; do
		IFS=: read -r name start psize <<<"$s"
		i=$((i + 1))
		args+=(--new="$i:$((start * 2048)):$(((start + psize) * 2048 - 1))" --typecode="$i:8300" --change-name="$i:$name"
			--partition-guid="$i:$(part_guid "$i")")
	done
	sgdisk "${args[@]}" "$out" >/dev/null
else
	rm -f "$out"
	echo "$PROG: needs sfdisk or sgdisk. Install one with:" >&2
	echo "  sudo apt-get install -y fdisk     (or: gdisk)" >&2
	exit 1
fi
echo "$PROG: $out: $size MiB, ${#specs[@]} partition(s)"
