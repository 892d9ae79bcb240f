#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every integration test on both emulators, QEMU (AMD-V: tests/integration.sh) and Bochs
# (VT-x: tests/integration-vmx.sh), from one pool of job slots, longest first: a run of one emulator
# after the other leaves a core idle while each one's last long test finishes.
#
# Usage: tests/integration-all.sh [NAME]...
#   INTEGRATION_ALL_JOBS=N   runs at a time (default 2: the machines have 2 cores)
# Each run is one call of its emulator's runner, so logs, results and skip rules are theirs:
# build/test-logs/ (QEMU) and build/test-logs-vmx/ (Bochs). The order: a run's duration from the
# last result there, else its timeout (a first run on a clean clone).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JOBS=${INTEGRATION_ALL_JOBS:-2}
OUT_DIR="$ROOT/build/test-logs-all"
BOCHS_TIMEOUT_FACTOR=${BOCHS_TIMEOUT_FACTOR:-2}

declare -A running=() # pid -> "emulator name"
passed=0 failed=0 skipped=0

die() {
	echo "integration-all: error: $*" >&2
	exit 2
}

# directive FILE KEY: the value of the first KEY line of an expectation file (comment dropped).
directive() {
	sed -n "s/^[[:space:]]*$2[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" "$1" | head -n 1
}

# estimate EMU NAME FILE: the seconds this run is expected to take.
estimate() {
	local emu=$1 name=$2 file=$3 dir=test-logs status secs t
	[ "$emu" = qemu ] || dir=test-logs-vmx
	if [ -s "$ROOT/build/$dir/$name.result" ] && read -r status secs <"$ROOT/build/$dir/$name.result" &&
		[[ "$status" =~ ^(ok|FAIL)$ ]] && [[ "$secs" =~ ^[0-9]+$ ]]; then
		echo "$secs"
		return
	fi
	t=$(directive "$file" estimate)
	if [ -n "$t" ] && [ "$emu" = qemu ]; then
		echo "$t"
		return
	fi
	t=$(directive "$file" timeout)
	t=${t:-120}
	if [ "$emu" = bochs ]; then
		local v
		v=$(directive "$file" vmx-timeout)
		t=${v:-$((t * BOCHS_TIMEOUT_FACTOR))}
	fi
	echo "$((t / 4))" # timeouts leave about 4x headroom
}

# plan NAME...: prints "SECONDS EMU NAME" per run, longest first.
plan() {
	local f name emu
	for f in "$@"; do
		name=$(basename "$f" .expect)
		for emu in qemu bochs; do
			echo "$(estimate "$emu" "$name" "$f") $emu $name"
		done
	done | sort -k1,1nr -k3,3 -k2,2
}

# start EMU NAME: one run in the background, its runner's output to OUT_DIR/EMU-NAME.out.
start() {
	local emu=$1 name=$2 out="$OUT_DIR/$1-$2.out"
	if [ "$emu" = qemu ]; then
		INTEGRATION_JOBS=1 "$ROOT/tests/integration.sh" "$name" >"$out" 2>&1 &
	else
		INTEGRATION_VMX_JOBS=1 "$ROOT/tests/integration-vmx.sh" "$name" >"$out" 2>&1 &
	fi
	running[$!]="$emu $name"
}

# finish PID STATUS: prints a finished run's lines (without its runner's banner and tally), tagged
# with the emulator, and counts it.
finish() {
	local pid=$1 st=$2 emu name out line
	read -r emu name <<<"${running[$pid]}"
	unset "running[$pid]"
	out="$OUT_DIR/$emu-$name.out"
	while IFS= read -r line; do
		case "$line" in
		"integration: "*" runs, "* | "integration: "*" passed, "* | "integration-vmx: "*" passed, "*) ;;
		"ok "* | "FAIL "* | "skip "*) echo "[$emu] $line" ;;
		*) echo "$line" ;;
		esac
	done <"$out"
	if grep -q '^skip ' "$out"; then
		skipped=$((skipped + 1))
	elif [ "$st" = 0 ] && grep -q '^ok ' "$out"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		grep -q '^FAIL ' "$out" || echo "[$emu] FAIL $name: its runner ended with status $st and reported no result"
	fi
}

wait_one() {
	local pid="" st=0
	wait -n -p pid "${!running[@]}" || st=$?
	[ -n "$pid" ] || return 0
	finish "$pid" "$st"
}

# shellcheck disable=SC2317 # called from the trap
on_interrupt() {
	local pid
	for pid in "${!running[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	echo "integration-all: interrupted" >&2
	exit 130
}

main() {
	local files=() a f emu name secs
	[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "INTEGRATION_ALL_JOBS wants a positive number, got '$JOBS'"
	if [ $# = 0 ]; then
		for f in "$ROOT"/tests/integration/*.expect; do files+=("$f"); done
	fi
	for a in "$@"; do
		f="$ROOT/tests/integration/${a%.expect}.expect"
		[ -f "$f" ] || die "no expectation file for '$a' (looked for $f)"
		files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || die "no expectation files in tests/integration/"
	mkdir -p "$OUT_DIR"
	trap on_interrupt INT TERM
	echo "integration-all: ${#files[@]} tests on QEMU (AMD-V) and Bochs (VT-x), $JOBS at a time, longest first"
	while read -r secs emu name; do
		while [ ${#running[@]} -ge "$JOBS" ]; do wait_one; done
		start "$emu" "$name"
	done < <(plan "${files[@]}")
	while [ ${#running[@]} -gt 0 ]; do wait_one; done
	echo "integration-all: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

main "$@"
