#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a Basalt boot medium: a FAT32 disk image with \EFI\BOOT\BOOTX64.EFI, the config blob
# \basalt\basalt.dtb, every file the config names, and optionally \basalt\cmdline.txt.
#
# Usage: tools/mkmedium.sh --config FILE(.dts|.dtb) --out IMG [--search DIR]... [--cmdline "TEXT"]
#                          [--efi build/basalt.efi] [--allow-missing] [--no-config] [--size MiB] [--quiet]
#
# Paths in the config are paths ON THE MEDIUM:
#   - relative "x/y.bin"             -> \basalt\x\y.bin (relative to the config's own directory on
#                                       the medium, which is \basalt\)
#   - absolute "\images\a.bin" or "/images/a.bin" -> \images\a.bin
# The file is copied from <config dir>/<path> (absolute paths without their leading separator), or
# failing that from <search dir>/<path> for each --search dir in order. As \basalt\ on the medium is
# the config's directory, an absolute "\basalt\x.bin" is also looked up as "x.bin" in those places.
# Properties that name files (in every node below /vms): see FILE_PROPS. A missing file is an error
# naming the node, property and path unless --allow-missing is given (tests use that to check the
# hypervisor's own error). Needs no root and no loop mounts: dosfstools + mtools only. Output is
# reproducible (fixed volume id, timestamps from SOURCE_DATE_EPOCH, default 2024-01-01).
set -euo pipefail

# Properties whose string value is a file path on the medium.
FILE_PROPS=(image kernel initrd multiboot)
# Properties whose value is a string list of "file [args]" entries (multiboot modules).
LIST_FILE_PROPS=(modules)
# FAT32 needs at least 65525 clusters: with 512-byte clusters that is ~33 MiB. Below it mtools and
# strict FAT drivers see the volume as FAT16 and fail ("No directory slots"), so 64 MiB it is.
DEFAULT_SIZE_MIB=64

PROG=mkmedium
config="" out="" cmdline="" have_cmdline=0 efi="" allow_missing=0 size_mib="" quiet=0 no_config=0
search_dirs=()
tmp=""

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
warn() { echo "$PROG: warning: $*" >&2; }
say() { [ "$quiet" = 1 ] || echo "$PROG: $*" >&2; }

usage() {
	sed -n '/^# Usage/,/^[^#]/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
	exit "${1:-1}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--config) config=${2:?--config needs a file}; shift 2 ;;
		--out) out=${2:?--out needs a file}; shift 2 ;;
		--search) search_dirs+=("${2:?--search needs a directory}"); shift 2 ;;
		--cmdline) cmdline=${2?--cmdline needs text}; have_cmdline=1; shift 2 ;;
		--efi) efi=${2:?--efi needs a file}; shift 2 ;;
		--allow-missing) allow_missing=1; shift ;;
		--no-config) no_config=1; shift ;;
		--size) size_mib=${2:?--size needs MiB}; shift 2 ;;
		--quiet | -q) quiet=1; shift ;;
		-h | --help) usage 0 ;;
		*) echo "$PROG: unknown argument '$1'" >&2; usage ;;
		esac
	done
	[ -n "$config" ] || die "--config FILE is required"
	[ -n "$out" ] || die "--out IMG is required"
	[ -f "$config" ] || die "config '$config' not found"
	if [ -z "$efi" ]; then
		efi="$(cd "$(dirname "$0")/.." && pwd)/build/basalt.efi"
	fi
	[ -f "$efi" ] || die "EFI application '$efi' not found (build it with 'make hypervisor', or pass --efi)"
	if [ -n "$size_mib" ]; then
		[[ "$size_mib" =~ ^[0-9]+$ ]] || die "--size wants a number of MiB, got '$size_mib'"
	fi
	local d
	for d in "${search_dirs[@]}"; do
		[ -d "$d" ] || warn "search directory '$d' does not exist"
	done
}

# Produces $tmp/basalt.dtb from the config: compiles a .dts (with include paths for /incbin/), takes
# a .dtb as it is.
make_dtb() {
	local dtb=$tmp/basalt.dtb conf_dir magic d
	conf_dir=$(dirname "$config")
	magic=$(head -c 4 "$config" | od -An -tx1 | tr -d ' \n')
	if [ "$magic" = d00dfeed ]; then
		cp "$config" "$dtb"
	elif [[ "$config" == *.dtb ]]; then
		die "config '$config' is not a DTB (no d00dfeed magic)"
	else
		local inc=(-i "$conf_dir")
		for d in "${search_dirs[@]}"; do inc+=(-i "$d"); done
		dtc -q -I dts -O dtb "${inc[@]}" -o "$dtb" "$config" ||
			die "dtc could not compile '$config'"
	fi
}

# prop_string NODE PROP: sets pval to the string value of the property and returns 0, or returns 2
# when it is not a single plain string (the hypervisor reports that; there is nothing to copy).
pval=""
prop_string() {
	local node=$1 prop=$2 hex b n=0 i=0 last="" fmt=""
	pval=""
	hex=$(fdtget -t bx "$tmp/basalt.dtb" "$node" "$prop" 2>/dev/null) || return 2
	for b in $hex; do
		n=$((n + 1))
		last=$b
	done
	[ "$n" -ge 1 ] && [ "$last" = 0 ] || return 2
	for b in $hex; do
		i=$((i + 1))
		[ "$i" -lt "$n" ] || break
		# a NUL inside (a string list) or a control character: not a path
		[ $((16#$b)) -ge 32 ] || return 2
		fmt+="\\x$b"
	done
	# shellcheck disable=SC2059 # fmt holds only \xNN escapes built above
	printf -v pval "$fmt"
}

# Every node under /vms (the VM nodes and their subnodes, e.g. disk0), one path per line.
vm_nodes() {
	local node=${1:-/vms} child
	fdtget -l "$tmp/basalt.dtb" "$node" 2>/dev/null | while IFS= read -r child; do
		[ -n "$child" ] || continue
		echo "$node/$child"
		vm_nodes "$node/$child"
	done
}

# medium_rel PATH: sets rel to the path on the medium, '/'-separated, without the leading separator.
rel=""
medium_rel() {
	rel=${1//\\//}
	case "$rel" in
	/*) rel=${rel#/} ;;
	*) rel="basalt/$rel" ;;
	esac
	while [[ "$rel" == *//* ]]; do rel=${rel//\/\//\/}; done
}

# find_source REL: sets src to the host file for medium path REL (see the header), or returns 1.
src=""
find_source() {
	local r=$1 d c candidates=()
	candidates+=("$r")
	[[ "$r" == basalt/* ]] && candidates+=("${r#basalt/}")
	for d in "$(dirname "$config")" "${search_dirs[@]}"; do
		for c in "${candidates[@]}"; do
			if [ -f "$d/$c" ]; then
				src="$d/$c"
				return 0
			fi
		done
	done
	return 1
}

# prop_module_files NODE PROP: sets pfiles to the file of each entry of a "file [args]" string list
# (the characters before the first blank); returns 2 when the property is not a printable string list.
pfiles=()
prop_module_files() {
	local hex b cur="" fmt=""
	pfiles=()
	hex=$(fdtget -t bx "$tmp/basalt.dtb" "$1" "$2" 2>/dev/null) || return 2
	[[ "$hex" == *" 0" || "$hex" == "0" ]] || return 2
	for b in $hex; do
		if [ "$b" = 0 ]; then
			# shellcheck disable=SC2059 # fmt holds only \xNN escapes
			printf -v cur "$fmt"
			pfiles+=("${cur%% *}")
			fmt=""
			continue
		fi
		[ $((16#$b)) -ge 32 ] && [ $((16#$b)) -lt 127 ] || return 2
		fmt+="\\x$b"
	done
}

# Fills the parallel arrays files_rel / files_src with every file the config names.
files_rel=()
files_src=()
declare -A seen_rel=()
missing=0
# add_file NODE PROP PATH: finds PATH's source and records it (or notes it missing).
add_file() {
	local node=$1 prop=$2 path=$3 shown
	if [ -z "$path" ]; then
		warn "$node: $prop: empty path; nothing copied"
		return 0
	fi
	medium_rel "$path"
	shown="\\${rel//\//\\}"
	if [[ "/$rel/" == */../* || "/$rel/" == */./* ]]; then
		if [ "$allow_missing" = 1 ]; then
			warn "$node: $prop: '$path' has '.' or '..' components; not copied (--allow-missing)"
			return 0
		fi
		echo "$PROG: error: VM node $node, property '$prop': '$path': '.' and '..' are not allowed in medium paths" >&2
		missing=1
		return 0
	fi
	if ! find_source "$rel"; then
		if [ "$allow_missing" = 1 ]; then
			say "$node $prop = '$path': not found; left off the medium (--allow-missing)"
			return 0
		fi
		echo "$PROG: error: VM node $node, property '$prop': file '$path' (medium path $shown) not found in: $(dirname "$config") ${search_dirs[*]}" >&2
		missing=1
		return 0
	fi
	if [ -z "${seen_rel[${rel,,}]:-}" ]; then
		seen_rel[${rel,,}]=1
		files_rel+=("$rel")
		files_src+=("$src")
	fi
	say "$node $prop = '$path' -> $shown (from $src)"
}

collect_files() {
	local node prop props rc f
	if ! fdtget -l "$tmp/basalt.dtb" /vms >/dev/null 2>&1; then
		warn "config has no /vms node: no VM files to copy"
		return 0
	fi
	while IFS= read -r node; do
		props=" $(fdtget -p "$tmp/basalt.dtb" "$node" 2>/dev/null | tr '\n' ' ') "
		for prop in "${FILE_PROPS[@]}"; do
			[[ "$props" == *" $prop "* ]] || continue
			rc=0
			prop_string "$node" "$prop" || rc=$?
			if [ "$rc" != 0 ]; then
				warn "$node: $prop: not a single string; nothing copied (the hypervisor will refuse it)"
				continue
			fi
			add_file "$node" "$prop" "$pval"
		done
		for prop in "${LIST_FILE_PROPS[@]}"; do
			[[ "$props" == *" $prop "* ]] || continue
			rc=0
			prop_module_files "$node" "$prop" || rc=$?
			if [ "$rc" != 0 ]; then
				warn "$node: $prop: not a list of printable strings; nothing copied (the hypervisor will refuse it)"
				continue
			fi
			for f in "${pfiles[@]}"; do add_file "$node" "$prop" "$f"; done
		done
	done < <(vm_nodes)
	[ "$missing" = 0 ] || die "files named by the config are missing (pass --allow-missing to build the medium anyway)"
}

# mcopy_to SRC REL: copies one host file to the medium, creating its directories first.
declare -A made_dirs=()
mcopy_to() {
	local src=$1 rel=$2 rest dir=""
	rest=$(dirname "$rel")
	while [ "$rest" != . ] && [ -n "$rest" ]; do
		dir="$dir/${rest%%/*}"
		[[ "$rest" == */* ]] && rest=${rest#*/} || rest=""
		if [ -z "${made_dirs[${dir,,}]:-}" ]; then
			mmd -i "$tmp/medium.img" "::$dir"
			made_dirs[${dir,,}]=1
		fi
	done
	mcopy -o -i "$tmp/medium.img" "$src" "::/$rel"
}

build_image() {
	local total=0 f i need_mib
	while read -r f; do
		total=$((total + f))
	done < <(stat -L -c %s "$efi" "$tmp/basalt.dtb" "${files_src[@]}")
	# room for FAT tables, directories and cluster slack: 1/8 more plus 8 MiB
	need_mib=$(((total + total / 8) / 1048576 + 8))
	[ -n "$size_mib" ] || size_mib=$DEFAULT_SIZE_MIB
	if [ "$size_mib" -lt "$need_mib" ]; then size_mib=$need_mib; fi
	if [ "$size_mib" -lt 34 ]; then
		warn "raising --size $size_mib to 34 MiB: FAT32 needs 65525 clusters"
		size_mib=34
	fi

	rm -f "$tmp/medium.img"
	mkfs.vfat -F 32 -s 1 -S 512 --invariant -i 42415341 -n BASALT -C "$tmp/medium.img" \
		$((size_mib * 1024)) >/dev/null
	mcopy_to "$efi" EFI/BOOT/BOOTX64.EFI
	# --no-config: the image carries its config (.basalt section); the medium must not offer another.
	[ "$no_config" = 1 ] || mcopy_to "$tmp/basalt.dtb" basalt/basalt.dtb
	if [ "$have_cmdline" = 1 ]; then
		printf '%s' "$cmdline" >"$tmp/cmdline.txt"
		mcopy_to "$tmp/cmdline.txt" basalt/cmdline.txt
	fi
	# sorted, so the image does not depend on the order of the nodes
	while IFS=$'\t' read -r i _; do
		mcopy_to "${files_src[$i]}" "${files_rel[$i]}"
	done < <(for i in "${!files_rel[@]}"; do printf '%s\t%s\n' "$i" "${files_rel[$i]}"; done | sort -t$'\t' -k2)
}

main() {
	parse_args "$@"
	local need
	for need in dtc fdtget mkfs.vfat mcopy mmd; do
		command -v "$need" >/dev/null ||
			die "'$need' not found: install device-tree-compiler, dosfstools and mtools (tools/deps.sh build)"
	done
	export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200}
	export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null
	mkdir -p "$(dirname "$out")"
	tmp=$(mktemp -d "$(dirname "$out")/.mkmedium.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT

	make_dtb
	collect_files
	build_image
	mv -f "$tmp/medium.img" "$out"
	local summary="$out: $size_mib MiB FAT32, $((${#files_rel[@]} + 2 + have_cmdline)) files"
	[ "$have_cmdline" = 0 ] || summary+=", cmdline '$cmdline'"
	say "$summary"
}

main "$@"
