#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs Basalt's integration tests: every tests/integration/*.expect (or the NAMEs given) boots one
# config in QEMU and checks the serial log; the format is described in tests/lib/harness.sh.
#
# Usage: tests/integration.sh [NAME|FILE]...
#   INTEGRATION_JOBS=N   runs at a time (default 2: the machines have 2 cores)
#   BASALT_EFI=FILE      hypervisor to test (default build/basalt.efi)
# Logs: build/test-logs/<name>.log (serial, cleaned), .raw.log, .runner.log, .result
set -euo pipefail

# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/lib/harness.sh"

LOG_DIR="$H_ROOT/build/test-logs"
JOBS=${INTEGRATION_JOBS:-2}
TAIL_LINES=60

files=()
declare -A running=() # pid -> expectation file
passed=0
failed=0
skipped=0

die() {
	echo "integration: error: $*" >&2
	exit 2
}

# select_files ARG...: fills files with the named expectation files, or all of them.
select_files() {
	local a f
	if [ $# = 0 ]; then
		for f in "$H_ROOT"/tests/integration/*.expect; do
			[ -e "$f" ] && files+=("$f")
		done
		[ ${#files[@]} -gt 0 ] || die "no expectation files in tests/integration/"
		return 0
	fi
	for a in "$@"; do
		if [ -f "$a" ]; then
			f=$a
		else
			f="$H_ROOT/tests/integration/${a%.expect}.expect"
		fi
		[ -f "$f" ] || die "no expectation file for '$a' (looked for $f)"
		files+=("$f")
	done
}

# shellcheck disable=SC2317 # called from the trap
on_interrupt() {
	local pid
	for pid in "${!running[@]}"; do
		h_kill_tree "$pid"
	done
	wait 2>/dev/null || true
	echo "integration: interrupted" >&2
	exit 130
}

main() {
	[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "INTEGRATION_JOBS wants a positive number, got '$JOBS'"
	select_files "$@"
	[ -f "$H_EFI" ] || die "$H_EFI not found: build it with 'make hypervisor' (or set BASALT_EFI)"
	mkdir -p "$LOG_DIR"
	trap on_interrupt INT TERM

	local file
	echo "integration: ${#files[@]} runs, $JOBS at a time; logs in build/test-logs/"
	for file in "${files[@]}"; do
		while [ ${#running[@]} -ge "$JOBS" ]; do h_wait_one; done
		h_run_expect "$file" "$LOG_DIR" &
		running[$!]=$file
	done
	while [ ${#running[@]} -gt 0 ]; do h_wait_one; done

	echo "integration: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

main "$@"
