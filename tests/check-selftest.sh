#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the accounting checkers (tests/fairness-check.sh, tests/mixed-check.sh) on the logs in
# tests/lib/fixtures/: each good log must pass and each bad one fail, so a checker cannot pass
# vacuously. Usage: tests/check-selftest.sh (no QEMU; a second or so).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
fx=tests/lib/fixtures
bad=0

# want STATUS CMD...: CMD must exit with STATUS (0 or non-zero).
want() {
	local w=$1 st=0
	shift
	"$@" >/dev/null 2>&1 || st=$?
	if { [ "$w" = 0 ] && [ "$st" = 0 ]; } || { [ "$w" != 0 ] && [ "$st" != 0 ]; }; then
		echo "ok   $*"
	else
		echo "FAIL $* (exit $st, wanted $w)"
		bad=1
	fi
}

want 0 tests/fairness-check.sh "$fx/fairness-good.log" tests/configs/fairness.dts
want 1 tests/fairness-check.sh "$fx/fairness-bad.log" tests/configs/fairness.dts
want 1 tests/fairness-check.sh "$fx/fairness-missing.log" tests/configs/fairness.dts
want 1 tests/fairness-check.sh "$fx/fairness-good.log" tests/configs/fairness.dts 1
want 0 tests/mixed-check.sh "$fx/mixed-good.log" rt 1
want 1 tests/mixed-check.sh "$fx/mixed-bad.log" rt 1
want 1 tests/mixed-check.sh "$fx/mixed-good.log" rt 2
want 1 tests/mixed-check.sh "$fx/fairness-good.log" rt 1
exit "$bad"
