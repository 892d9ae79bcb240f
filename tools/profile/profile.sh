#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make profile: where the instructions of the bench's Linux boot go, under Basalt and bare.
#
# Usage: tools/profile/profile.sh   (PROFILE_TIMEOUT=seconds per boot, default 900; BASALT_EFI=FILE)
#
# Boots tests/configs/linux-bench.dts under Basalt and the same kernel and initramfs bare (QEMU's
# SeaBIOS and -kernel, bench.sh's command), both with -icount shift=0 and the insncount.so TCG
# plugin (tools/profile/insncount.c), then writes build/profile.txt (tools/profile/report.py):
# instructions per region (hypervisor, guest kernel, guest boot, guest user, firmware), the top
# functions of each boot and the guest kernel's functions side by side. Kernel symbols come from a
# one-off bare boot that prints /proc/kallsyms (Debian's System.map is a stub; the real one is in
# the -dbg package), cached in build/profile/kallsyms.txt.
set -euo pipefail

# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../../tests/lib/harness.sh"

OUT_DIR="$H_ROOT/build/profile"
LINUX_DIR="$H_ROOT/build/linux"
PLUGIN="$OUT_DIR/insncount.so"
TIMEOUT=${PROFILE_TIMEOUT:-900}
LINUX_CMDLINE="console=ttyS0 reboot=pci" # bench.sh's

die() {
	echo "profile: error: $*" >&2
	exit 1
}

busybox_path() {
	if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"; then
		echo /bin/busybox
	elif [ -x "$LINUX_DIR/busybox-pkg/bin/busybox" ]; then
		echo "$LINUX_DIR/busybox-pkg/bin/busybox"
	else
		die "no static busybox (install busybox-static, or run tools/build-linux-guest.sh)"
	fi
}

# kallsyms: the kernel's text symbols at their link addresses (nokaslr), from a quick bare boot
# (plain TCG, no icount) whose /init prints /proc/kallsyms between two markers.
kallsyms() {
	local out="$OUT_DIR/kallsyms.txt" root log="$OUT_DIR/kallsyms.log" a
	if [ -s "$out" ] && [ "$out" -nt "$LINUX_DIR/vmlinuz" ]; then
		return
	fi
	echo "profile: reading the kernel's symbols (/proc/kallsyms of a bare boot with nokaslr)"
	root=$(mktemp -d "$OUT_DIR/ksroot.XXXXXX")
	mkdir -p "$root"/{bin,proc,dev}
	cp "$(busybox_path)" "$root/bin/busybox"
	for a in sh mount cat reboot echo; do ln -s busybox "$root/bin/$a"; done
	cat >"$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
echo 0 >/proc/sys/kernel/kptr_restrict
echo KALLSYMS-BEGIN
cat /proc/kallsyms
echo KALLSYMS-END
reboot -f
EOF
	chmod 755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip >"$OUT_DIR/kallsyms.cpio.gz")
	rm -rf "$root"
	timeout -s INT -k 10 "$TIMEOUT" qemu-system-x86_64 -machine q35 -cpu qemu64 -m 256 -smp 1 \
		-kernel "$LINUX_DIR/vmlinuz" -initrd "$OUT_DIR/kallsyms.cpio.gz" \
		-append "$LINUX_CMDLINE nokaslr quiet" -display none -serial "file:$log" -monitor none \
		-no-reboot -net none </dev/null >/dev/null 2>&1 || true
	tr -d '\r' <"$log" | awk '/^KALLSYMS-END/ { e = 1 } f && !e { print } /^KALLSYMS-BEGIN/ { f = 1 }' >"$out.tmp"
	grep -q '^ffffffff81000000 T startup_64$' "$out.tmp" && grep -q '^KALLSYMS-END' <(tr -d '\r' <"$log") ||
		die "no complete /proc/kallsyms in $log"
	mv -f "$out.tmp" "$out"
}

# profile_basalt: the bench's Basalt boot with the plugin; the marker's tsc= on stdout.
profile_basalt() {
	local st=0 raw="$OUT_DIR/basalt.raw.log"
	echo "profile: Debian's kernel under Basalt (-icount, insncount.so; a few minutes)" >&2
	h_run_qemu "$raw" "$OUT_DIR/basalt.runner.log" --config "$H_ROOT/tests/configs/linux-bench.dts" \
		--search "$LINUX_DIR" --icount --smp 1 --timeout "$TIMEOUT" \
		-- -plugin "$PLUGIN,out=$OUT_DIR/basalt.count" || st=$?
	[ "$st" = 0 ] || echo "profile: the Basalt boot ended with $(h_status_name "$st")" >&2
	h_clean_log "$raw" "$OUT_DIR/basalt.log"
	sed -n 's/^\[debian\] tsc=\([0-9]\{1,\}\).*/\1/p' "$OUT_DIR/basalt.log" | head -n 1
}

# profile_bare: bench.sh's bare boot with the plugin; the marker's tsc= on stdout.
profile_bare() {
	local log="$OUT_DIR/bare.log"
	echo "profile: the same kernel bare (SeaBIOS, -kernel, -icount, insncount.so)" >&2
	: >"$log"
	timeout -s INT -k 10 "$TIMEOUT" qemu-system-x86_64 -machine q35 -cpu qemu64 -m 256 -smp 1 \
		-icount shift=0,sleep=off -kernel "$LINUX_DIR/vmlinuz" -initrd "$LINUX_DIR/initrd-bench.cpio.gz" \
		-append "$LINUX_CMDLINE" -display none -serial "file:$log" -monitor none -no-reboot -net none \
		-plugin "$PLUGIN,out=$OUT_DIR/bare.count" </dev/null >/dev/null 2>&1 || true
	sed -n 's/^tsc=\([0-9]\{1,\}\).*/\1/p' "$log" | tr -d '\r' | head -n 1
}

main() {
	[ -f "$H_EFI" ] || die "$H_EFI not found: build it with 'make hypervisor'"
	[ -f "$PLUGIN" ] || die "$PLUGIN not found: build it with 'make profile'"
	mkdir -p "$OUT_DIR"
	"$H_ROOT/tools/build-linux-guest.sh" --quiet
	kallsyms
	rm -f "$OUT_DIR/basalt.count" "$OUT_DIR/bare.count"
	local tsc_basalt tsc_bare
	tsc_basalt=$(profile_basalt)
	tsc_bare=$(profile_bare)
	[ -s "$OUT_DIR/basalt.count" ] || die "the Basalt boot left no $OUT_DIR/basalt.count"
	[ -s "$OUT_DIR/bare.count" ] || die "the bare boot left no $OUT_DIR/bare.count"
	echo "profile: writing build/profile.txt (about a minute)"
	python3 "$H_ROOT/tools/profile/report.py" --kallsyms "$OUT_DIR/kallsyms.txt" \
		--basalt-so "$H_ROOT/build/basalt.so" --basalt "$OUT_DIR/basalt.count" \
		--basalt-log "$OUT_DIR/basalt.log" ${tsc_basalt:+--basalt-tsc "$tsc_basalt"} \
		--bare "$OUT_DIR/bare.count" ${tsc_bare:+--bare-tsc "$tsc_bare"} >"$H_ROOT/build/profile.txt.tmp"
	mv -f "$H_ROOT/build/profile.txt.tmp" "$H_ROOT/build/profile.txt"
	echo "== build/profile.txt"
	sed -n '1,/^guest kernel functions/p' "$H_ROOT/build/profile.txt" | head -n 60
}

main "$@"
