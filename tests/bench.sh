#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs Basalt's benchmark: boots tests/configs/bench.dts under QEMU -icount (guest TSC = executed
# instructions, so figures repeat run to run) and writes build/bench.txt as "<name> <value> <unit>".
#
# Usage: tests/bench.sh            (BENCH_TIMEOUT=seconds, default 900; BASALT_EFI=FILE)
# Figures: every "[vm] BENCH <name> <value> <unit>" line the bench guest prints, then image_size
# (bytes of the hypervisor EFI image) and hypervisor_memory (from the hypervisor's log line
# "basalt: hypervisor memory: <n> bytes"). Fails if any figure in REQUIRED is missing.
# The issue-10 figures (SMP10) are measured in runs of their own; one that cannot be measured on
# this build is written as "# <name> unavailable: <why>" (never a made-up number), and the bench
# fails only if such a figure has neither a value nor that line. BENCH_ONLY=smp runs just them;
# BENCH_ONLY=virtio just the issue-11 figures (to build/bench-virtio.txt).
set -euo pipefail

# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/lib/harness.sh"
# shellcheck source=tests/lib/accounting.sh
. "$(dirname "$0")/lib/accounting.sh"

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
SMP10=(vcpu_switch ipi_round_trip fairness_error_pct linux_smp_boot)
# Issue 11 (tests/guests/vbench.c, tests/configs/bench-virtio.dts): per request, per packet, and
# throughput in MiB per 10^9 instructions; a figure the run could not measure is "unavailable".
VIRTIO11=(virtio_blk_4k_read virtio_blk_4k_write virtio_blk_seq_read virtio_net_packet_64 virtio_net_packet_1500
	virtio_net_stream)

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

# ---- issue 10: switches, IPIs, fairness, SMP Linux ------------------------------------------

# unavailable NAME WHY: the line written instead of a figure that could not be measured.
unavailable() {
	echo "# $1 unavailable: $2"
}

# smp_run NAME CONFIG SMP SEARCH: one -icount run, cleaned log in LOG_DIR/bench-NAME.log; returns
# run-qemu.sh's status.
smp_run() {
	local st=0
	h_run_qemu "$LOG_DIR/bench-$1.raw.log" "$LOG_DIR/bench-$1.runner.log" --config "$2" --search "$4" \
		--icount --smp "$3" --timeout "$TIMEOUT" || st=$?
	[ -e "$LOG_DIR/bench-$1.raw.log" ] || : >"$LOG_DIR/bench-$1.raw.log"
	h_clean_log "$LOG_DIR/bench-$1.raw.log" "$LOG_DIR/bench-$1.log"
	return "$st"
}

# why_not LOG STATUS: the first reason a run gives for not measuring, in one line.
why_not() {
	local r
	# "VM refused", not any "refused": a VM's refused MSR read is a normal line, not the reason.
	r=$(grep -m1 -E 'unavailable:|VM refused|FAIL' "$1" | sed 's/^.*unavailable: //') || true
	printf '%s' "${r:-the run ended with $(h_status_name "$2") and printed no figure}"
}

# bench_figure NAME LOG STATUS: the last "BENCH NAME v unit" line of LOG, or why there is none.
bench_figure() {
	local line
	line=$(sed -n "s/^\(\[[^]]*\] \)\{0,1\}BENCH \($1\) \([0-9][0-9.]*\) \([^ ]\{1,\}\)[[:space:]]*$/\2 \3 \4/p" "$2" | tail -n 1)
	if [ -n "$line" ] && [ "$3" = 0 ]; then echo "$line"; else unavailable "$1" "$(why_not "$2" "$3")"; fi
}

# vcpu_switch: two VMs on host core 0 yield to each other (tests/guests/switch.c); one core is
# enough, so it runs with -smp 1 before and after SMP exists.
bench_switch() {
	local st=0
	smp_run switch "$H_ROOT/tests/configs/bench-switch.dts" 1 "$H_ROOT/build/guests" || st=$?
	bench_figure vcpu_switch "$LOG_DIR/bench-switch.log" "$st"
}

# ipi_round_trip: a 2-vCPU VM pinned to host cores 1 and 2 (tests/guests/bench_ipi.c), -smp 4.
bench_ipi() {
	local st=0
	smp_run ipi "$H_ROOT/tests/configs/bench-ipi.dts" 4 "$H_ROOT/build/guests" || st=$?
	bench_figure ipi_round_trip "$LOG_DIR/bench-ipi.log" "$st"
}

# fairness_error_pct: the 16-VM run with the shorter deadline, judged by tests/fairness-check.sh
# with no limit (the figure is the worst VM's error; the ±3% verdict is the integration test's).
bench_fairness() {
	local st=0 out line
	smp_run fairness "$H_ROOT/tests/configs/bench-fairness.dts" 4 "$H_ROOT/build/guests" || st=$?
	out=$("$H_ROOT/tests/fairness-check.sh" "$LOG_DIR/bench-fairness.log" \
		"$H_ROOT/tests/configs/bench-fairness.dts" 100 2>&1) || true
	echo "$out" >"$LOG_DIR/bench-fairness.check.log"
	line=$(echo "$out" | grep '^fairness_error_pct ' | tail -n 1)
	if [ -n "$line" ] && [ "$st" = 0 ]; then
		echo "$line"
	elif [ "$st" != 0 ]; then
		unavailable fairness_error_pct "$(why_not "$LOG_DIR/bench-fairness.log" "$st")"
	else
		unavailable fairness_error_pct "$(echo "$out" | head -n 1 | sed 's/^fairness: //')"
	fi
}

# linux_smp_boot: Debian's kernel with 4 vCPUs on 4 host cores, -icount. The figure is the guest
# TSC at /init's marker, as for linux_boot_basalt: every vCPU of a VM shares one TSC that starts at
# VM creation. Under icount QEMU runs the 4 host cores round-robin on one virtual clock, so it is
# virtual time (1 ns per instruction executed by any core, plus idle time skipped with sleep=off),
# not the instructions of one CPU; QEMU's own icount cannot tell the VM's start apart from OVMF's.
# Counted only when Linux says it brought up all 4 CPUs.
bench_linux_smp() {
	local st=0 log="$LOG_DIR/bench-linux-smp.log" tsc cpus
	smp_run linux-smp "$H_ROOT/tests/configs/linux-bench-smp.dts" 4 "$LINUX_DIR" || st=$?
	tsc=$(sed -n 's/^\[debian\] tsc=\([0-9]\{1,\}\).*/\1/p' "$log" | head -n 1)
	cpus=$(sed -n 's/.*smp: Brought up [0-9]\{1,\} nodes\{0,1\}, \([0-9]\{1,\}\) CPUs\{0,1\}.*/\1/p' "$log" | head -n 1)
	if [ -z "$tsc" ]; then
		unavailable linux_smp_boot "$(why_not "$log" "$st")"
	elif [ "${cpus:-0}" != 4 ]; then
		unavailable linux_smp_boot "Linux brought up ${cpus:-an unknown number of} CPUs, not 4 (tsc=$tsc at /init)"
	else
		echo "linux_smp_boot $tsc instructions"
	fi
}

# bench_virtio: the issue-11 figures from one -icount run of two VMs on host core 0.
bench_virtio() {
	local st=0 name
	echo "bench: issue-11 figures: virtio-blk on a RAM disk, virtio-net between two VMs (-icount)" >&2
	smp_run virtio "$H_ROOT/tests/configs/bench-virtio.dts" 1 "$H_ROOT/build/guests" || st=$?
	for name in "${VIRTIO11[@]}"; do
		bench_figure "$name" "$LOG_DIR/bench-virtio.log" "$st"
	done
}

# bench_smp: the issue-10 figures, one line each (a figure or its "unavailable" line).
bench_smp() {
	echo "bench: issue-10 figures: vcpu_switch, ipi_round_trip, fairness_error_pct, linux_smp_boot (-icount)" >&2
	bench_switch
	bench_ipi
	bench_fairness
	"$H_ROOT/tools/build-linux-guest.sh" >/dev/null
	bench_linux_smp
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

# smp_only: BENCH_ONLY=smp: the issue-10 figures alone, to build/bench-smp.txt.
smp_only() {
	local name bad=0
	bench_smp >"$OUT.smp.tmp"
	mv -f "$OUT.smp.tmp" "${OUT%.txt}-smp.txt"
	echo "== ${OUT%.txt}-smp.txt"
	cat "${OUT%.txt}-smp.txt"
	for name in "${SMP10[@]}"; do
		grep -qE "^(# )?$name " "${OUT%.txt}-smp.txt" || { echo "bench: FAIL: no line at all for $name" >&2; bad=1; }
	done
	return "$bad"
}

main() {
	[ -f "$CONFIG" ] || die "$CONFIG not found"
	[ -f "$H_EFI" ] || die "$H_EFI not found: build it with 'make hypervisor'"
	mkdir -p "$LOG_DIR"
	if [ "${BENCH_ONLY:-}" = smp ]; then smp_only; return; fi
	if [ "${BENCH_ONLY:-}" = virtio ]; then
		bench_virtio | tee "${OUT%.txt}-virtio.txt"
		return
	fi
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
	bench_smp >>"$OUT.tmp"
	bench_virtio >>"$OUT.tmp"
	mv -f "$OUT.tmp" "$OUT"
	for name in "${REQUIRED[@]}"; do
		grep -q "^$name " "$OUT" || missing+=("$name")
	done
	for name in "${SMP10[@]}" "${VIRTIO11[@]}"; do
		grep -qE "^(# )?$name " "$OUT" || missing+=("$name")
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
