#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs Basalt's benchmark: boots tests/configs/bench.dts under QEMU -icount (guest TSC = executed
# instructions, so figures repeat run to run) and writes build/bench.txt as "<name> <value> <unit>".
#
# Usage: tests/bench.sh            (BENCH_TIMEOUT=seconds, default 900; BASALT_EFI=FILE)
# Figures: every "[vm] BENCH <name> <value> <unit>" line the bench guest prints, then image_size
# (bytes of the hypervisor EFI image) and hypervisor_memory (from the hypervisor's log line
# "basalt: hypervisor memory: <n> bytes"). Fails if any figure in REQUIRED is missing.
set -euo pipefail

# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/lib/harness.sh"

CONFIG="$H_ROOT/tests/configs/bench.dts"
OUT="$H_ROOT/build/bench.txt"
LOG_DIR="$H_ROOT/build/test-logs"
TIMEOUT=${BENCH_TIMEOUT:-900}
REQUIRED=(cpuid_exit_round_trip io_exit_round_trip mmio_exit_round_trip memory_loop_baseline image_size
	hypervisor_memory x2apic_msr_round_trip lapic_timer_irq_latency linux_boot_basalt linux_boot_bare
	linux_boot_ratio)
PC_CONFIG="$H_ROOT/tests/configs/bench-pc.dts"
LINUX_CONFIG="$H_ROOT/tests/configs/linux-bench.dts"
LINUX_DIR="$H_ROOT/build/linux"
LINUX_CMDLINE="console=ttyS0 reboot=pci"

# linux_basalt: Debian's kernel in a Basalt VM under icount. Its /init prints tsc=N at the marker,
# and every VM's TSC starts at 0 when it is created: N = instructions from VM creation to /init.
# Also one exits_<reason> line per exit reason of that VM (from the hypervisor's final report).
linux_basalt() {
	local st=0
	h_run_qemu "$LOG_DIR/bench-linux.raw.log" "$LOG_DIR/bench-linux.runner.log" --config "$LINUX_CONFIG" \
		--search "$LINUX_DIR" --icount --smp 1 --timeout "$TIMEOUT" || st=$?
	h_clean_log "$LOG_DIR/bench-linux.raw.log" "$LOG_DIR/bench-linux.log"
	[ "$st" = 0 ] || echo "bench: Linux under Basalt ended with $(h_status_name "$st")" >&2
	sed -n 's/^\[debian\] tsc=\([0-9]\{1,\}\).*/linux_boot_basalt \1 instructions/p' "$LOG_DIR/bench-linux.log" | head -n 1
	sed -n "s/^basalt: vm 'debian' exits: \([^;]*\);.*/\1/p" "$LOG_DIR/bench-linux.log" | tr ' ' '\n' |
		sed -n 's/^\([a-z_]\{1,\}\)=\([0-9]\{1,\}\)$/exits_\1 \2 exits/p'
}

# linux_bare: the same kernel and initramfs booted directly by QEMU (SeaBIOS, -kernel), where the
# TSC starts at 0 at power-on: the instructions a machine without Basalt needs to reach /init.
linux_bare() {
	local log="$LOG_DIR/bench-linux-bare.log"
	: >"$log"
	timeout -s INT -k 10 "$TIMEOUT" qemu-system-x86_64 -machine q35 -cpu qemu64 -m 256 -smp 1 \
		-icount shift=0,sleep=off -kernel "$LINUX_DIR/vmlinuz" -initrd "$LINUX_DIR/initrd-bench.cpio.gz" \
		-append "$LINUX_CMDLINE" -display none -serial "file:$log" -monitor none -no-reboot -net none \
		</dev/null >/dev/null 2>&1 || true
	sed -n 's/^tsc=\([0-9]\{1,\}\).*/linux_boot_bare \1 instructions/p' "$log" | tr -d '\r' | head -n 1
}

# linux_ratio FILE: linux_boot_basalt / linux_boot_bare, to three decimals.
linux_ratio() {
	awk '$1 == "linux_boot_basalt" { a = $2 } $1 == "linux_boot_bare" { b = $2 }
		END { if (a > 0 && b > 0) printf "linux_boot_ratio %.3f ratio\n", a / b }' "$1"
}

die() {
	echo "bench: error: $*" >&2
	exit 1
}

# show_logs: what a failed run left, for the reader.
show_logs() {
	echo "  --- runner: build/test-logs/bench.runner.log (last 15 lines) ---" >&2
	h_tail "$LOG_DIR/bench.runner.log" 15 >&2
	echo "  --- serial: build/test-logs/bench.log (last 60 lines) ---" >&2
	h_tail "$LOG_DIR/bench.log" 60 >&2
}

# bench_pc: the local APIC figures (x2apic_*, lapic_*), printed by the same bench guest in a
# pc-platform VM: a second boot, so the plain VM's figures keep their unclaimed port 0x80.
bench_pc() {
	local st=0 log="$LOG_DIR/bench-pc.log"
	h_run_qemu "$LOG_DIR/bench-pc.raw.log" "$LOG_DIR/bench-pc.runner.log" --config "$PC_CONFIG" \
		--search "$H_ROOT/build/guests" --icount --smp 1 --timeout "$TIMEOUT" || st=$?
	[ -e "$LOG_DIR/bench-pc.raw.log" ] || : >"$LOG_DIR/bench-pc.raw.log"
	h_clean_log "$LOG_DIR/bench-pc.raw.log" "$log"
	[ "$st" = 0 ] || echo "bench: the pc-platform bench VM ended with $(h_status_name "$st")" >&2
	sed -n 's/^\(\[[^]]*\] \)\{0,1\}BENCH \(\(x2apic\|lapic\|mmio\)_[A-Za-z0-9_]*\) \([0-9][0-9.]*\) \([^ ]\{1,\}\)[[:space:]]*$/\2 \4 \5/p' "$log"
}

# collect LOG: prints "<name> <value> <unit>" for every BENCH line (the last one wins for a name
# printed twice), then image_size and hypervisor_memory.
collect() {
	local log=$1 mem
	sed -n 's/^\(\[[^]]*\] \)\{0,1\}BENCH \([A-Za-z0-9_.-]\{1,\}\) \([0-9][0-9.]*\) \([^ ]\{1,\}\)[[:space:]]*$/\2 \3 \4/p' "$log" |
		awk '{ if (!($1 in v)) order[n++] = $1; v[$1] = $0 } END { for (i = 0; i < n; i++) print v[order[i]] }'
	echo "image_size $(stat -L -c %s "$H_EFI") bytes"
	mem=$(sed -n 's/.*basalt: hypervisor memory: \([0-9]\{1,\}\) bytes.*/\1/p' "$log" | tail -n 1)
	[ -z "$mem" ] || echo "hypervisor_memory $mem bytes"
}

main() {
	[ -f "$CONFIG" ] || die "$CONFIG not found"
	[ -f "$H_EFI" ] || die "$H_EFI not found: build it with 'make hypervisor'"
	mkdir -p "$LOG_DIR"
	local st=0 t0 name missing=()
	t0=$SECONDS
	echo "bench: booting tests/configs/bench.dts with -icount shift=0,sleep=off (about 8x slower than plain TCG)"
	h_run_qemu "$LOG_DIR/bench.raw.log" "$LOG_DIR/bench.runner.log" --config "$CONFIG" \
		--search "$H_ROOT/build/guests" --icount --smp 1 --timeout "$TIMEOUT" || st=$?
	[ -e "$LOG_DIR/bench.raw.log" ] || : >"$LOG_DIR/bench.raw.log"
	h_clean_log "$LOG_DIR/bench.raw.log" "$LOG_DIR/bench.log"
	echo "bench: run took $((SECONDS - t0)) s: $(h_status_name "$st")"

	collect "$LOG_DIR/bench.log" >"$OUT.tmp"
	echo "bench: booting tests/configs/bench-pc.dts (local APIC figures) with -icount"
	bench_pc >>"$OUT.tmp"
	echo "bench: booting Debian's kernel under Basalt and bare, both with -icount (a few minutes)"
	"$H_ROOT/tools/build-linux-guest.sh" >/dev/null
	linux_basalt >>"$OUT.tmp"
	linux_bare >>"$OUT.tmp"
	linux_ratio "$OUT.tmp" >>"$OUT.tmp"
	mv -f "$OUT.tmp" "$OUT"
	for name in "${REQUIRED[@]}"; do
		grep -q "^$name " "$OUT" || missing+=("$name")
	done
	echo "== $OUT"
	cat "$OUT"
	if [ "$st" != 0 ] || [ ${#missing[@]} -gt 0 ]; then
		[ "$st" = 0 ] || echo "bench: FAIL: the run ended with $(h_status_name "$st"), not verdict pass" >&2
		[ ${#missing[@]} = 0 ] || echo "bench: FAIL: missing figures: ${missing[*]}" >&2
		show_logs
		exit 1
	fi
}

main "$@"
