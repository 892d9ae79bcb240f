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
REQUIRED=(cpuid_exit_round_trip io_exit_round_trip memory_loop_baseline image_size hypervisor_memory)

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
