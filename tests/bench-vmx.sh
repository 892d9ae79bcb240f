#!/usr/bin/env bash
# Exit-cost benchmarks on Intel VT-x: boots tests/configs/bench.dts under Bochs (tools/run-bochs.sh)
# and writes build/bench-vmx.txt, one `<name> <value> <unit>` line per `[bench] BENCH ...` line the
# bench guest prints (cpuid_exit_round_trip, io_exit_round_trip, mmio_exit_round_trip,
# memory_loop_baseline), then the same guest's local APIC figures (x2apic_msr_round_trip,
# lapic_timer_irq_latency) from a second boot of tests/configs/bench-pc.dts, where it runs in a
# pc-platform VM.
#
# Usage: tests/bench-vmx.sh            (BASALT_EFI=FILE to measure another build)
#
# How the numbers become instruction counts (measured with Bochs 2.7, Debian 2.7+dfsg-4):
#   With one emulated CPU Bochs advances its tick counter exactly once per executed instruction, and
#   RDTSC returns that tick counter (TSC = ticks, k = 1 tick per instruction). `cpu: ips=N` with
#   `clock: sync=none` only says how many ticks make one emulated second - it scales timers (PIT,
#   LAPIC, RTC) and the TSC *frequency* the hypervisor calibrates (it reports "TSC <ips/1e6> MHz"),
#   never the ticks per instruction. Checked with a boot sector doing RDTSC around `dec ecx; jnz`
#   x 1e6 (2,000,004 ticks) and `nop; dec ecx; jnz` x 1e6 (3,000,003 ticks), identical at ips = 10 M,
#   50 M and 200 M. So the bench guest's rdtsc deltas are instruction counts already, as under
#   `qemu -icount shift=0`. Caveats: a REP string instruction counts one tick per iteration; a HLT
#   (or MWAIT) lets Bochs skip ahead to the next timer event, so idle time is not instructions (the
#   bench guest never halts inside a measurement); more than one CPU breaks k = 1 (run-bochs.sh
#   defaults to one); TSC scaling in the VMCS would scale the guest's view (TSC offsetting does not
#   matter: only differences are used).
#   The run uses --ips 1000000000: one instruction is one emulated nanosecond, the same time scale
#   as `qemu -icount shift=0`, so the hypervisor's timer interrupts land as often per instruction as
#   in `make bench`. Emulated time follows ticks, not the host clock, so runs repeat exactly.
#   As a check, k is measured in every run: memory_loop_baseline's loop is 7 instructions per
#   iteration (tests/guests/bench.c), so k = reported / 7. If k is not 1 the values are divided by
#   k and a warning is printed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EFI=${BASALT_EFI:-$ROOT/build/basalt.efi}
CONFIG="$ROOT/tests/configs/bench.dts"
OUT="$ROOT/build/bench-vmx.txt"
LOG="$ROOT/build/bench-vmx.log"
PC_CONFIG="$ROOT/tests/configs/bench-pc.dts"
PC_LOG="$ROOT/build/bench-vmx-pc.log"
IPS=1000000000
TIMEOUT=${BENCH_VMX_TIMEOUT:-900}
BASELINE_NAME=memory_loop_baseline
BASELINE_INSNS=7 # instructions per iteration of the bench guest's memory loop

die() {
	echo "bench-vmx: error: $*" >&2
	exit 1
}

check_inputs() {
	[ -f "$EFI" ] || die "$EFI not found: build it with 'make hypervisor' (or set BASALT_EFI)"
	[ -f "$ROOT/build/guests/bench.bin" ] || die "build/guests/bench.bin not found: run 'make guests'"
	[ -f "$CONFIG" ] || die "$CONFIG not found"
}

# run_bench CONFIG LOG: boots a bench config; the raw serial log goes to LOG.
run_bench() {
	local st=0 config=$1 log=$2
	"$ROOT/tools/run-bochs.sh" --config "$config" --test --efi "$EFI" --ips "$IPS" \
		--timeout "$TIMEOUT" --log "$log" >/dev/null || st=$?
	if [ "$st" != 0 ]; then
		echo "bench-vmx: the bench run did not pass (run-bochs.sh exit $st); last lines of $log:" >&2
		tr -d '\r' <"$log" | tail -n 30 | sed 's/^/    /' >&2
		exit 1
	fi
}

# bench_lines LOG: the guest's "name value unit" triples, one a line.
bench_lines() {
	tr -d '\r' <"$1" | sed -n 's/.*\[bench\] BENCH \([A-Za-z0-9_]*\) \([0-9][0-9]*\) \([A-Za-z_]*\).*/\1 \2 \3/p'
}

# ticks_per_insn LINES: k from the memory loop baseline (awk prints it with 3 decimals).
ticks_per_insn() {
	awk -v name="$BASELINE_NAME" -v n="$BASELINE_INSNS" '$1 == name { printf "%.3f\n", $2 / n; found = 1 }
		END { if (!found) exit 1 }' <<<"$1"
}

# write_results LINES K: writes $OUT, dividing by K when it is not 1.
write_results() {
	local lines=$1 k=$2
	awk -v k="$k" '{ v = (k == 1) ? $2 : int($2 / k + 0.5); print $1, v, $3 }' <<<"$lines" >"$OUT.tmp"
	mv -f "$OUT.tmp" "$OUT"
}

main() {
	check_inputs
	mkdir -p "$ROOT/build"
	echo "bench-vmx: Bochs (Intel VMX + EPT), ips $IPS, 1 CPU: guest TSC ticks = instructions"
	run_bench "$CONFIG" "$LOG"
	run_bench "$PC_CONFIG" "$PC_LOG"
	local lines k
	lines=$(bench_lines "$LOG"; bench_lines "$PC_LOG")
	[ -n "$lines" ] || die "no '[bench] BENCH' lines in $LOG"
	k=$(ticks_per_insn "$lines") || die "no $BASELINE_NAME line in $LOG: cannot check ticks per instruction"
	if [ "$k" = 1.000 ]; then
		k=1
		echo "bench-vmx: check: $BASELINE_NAME = $BASELINE_INSNS ticks per $BASELINE_INSNS-instruction iteration (1 tick per instruction)"
	else
		echo "bench-vmx: warning: $BASELINE_NAME shows $k ticks per instruction, not 1; values divided by $k" >&2
	fi
	write_results "$lines" "$k"
	echo "bench-vmx: results in ${OUT#"$ROOT"/} (serial log ${LOG#"$ROOT"/}):"
	sed 's/^/  /' "$OUT"
}

main "$@"
