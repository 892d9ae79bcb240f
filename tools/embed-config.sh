#!/usr/bin/env bash
# Builds a single-file hypervisor image with a config blob in its .basalt section (for network boot).
# Usage: tools/embed-config.sh CONFIG.dts|CONFIG.dtb OUT.efi [dtc include dir]...
set -euo pipefail
config=$1 out=$2
shift 2
build=build
work=$(mktemp -d "$build/embed.XXXXXX")
trap 'rm -rf "$work"' EXIT

case "$config" in
*.dts)
	incs=(-i "$(dirname "$config")")
	for d in "$@"; do incs+=(-i "$d"); done
	dtc -q -I dts -O dtb "${incs[@]}" -o "$work/config.dtb" "$config"
	;;
*) cp "$config" "$work/config.dtb" ;;
esac

cat >"$work/section.S" <<ASM
	.section .basalt, "a"
	.globl basalt_config_start, basalt_config_end
	.p2align 3
basalt_config_start:
	.incbin "$work/config.dtb"
basalt_config_end:
	.section .note.GNU-stack, "", @progbits
ASM
gcc -c "$work/section.S" -o "$work/section.o"
make --no-print-directory -s "$build/basalt.so" >/dev/null
objs=$(sed -n 's/^HV_LINK_OBJS=//p' "$build/hv/link-objects")
# shellcheck disable=SC2086
ld -nostdlib -znocombreloc -shared -Bsymbolic -T linker.ld /usr/lib/crt0-efi-x86_64.o $objs "$work/section.o" \
	/usr/lib/x86_64-linux-gnu/libfdt.a -L/usr/lib -lefi -lgnuefi -o "$work/basalt.so"
tools/check-undefined.sh "$work/basalt.so"
objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
	-j .basalt --target efi-app-x86_64 --subsystem=10 "$work/basalt.so" "$out"
echo "built $out with $(stat -c %s "$work/config.dtb") bytes of config embedded"
