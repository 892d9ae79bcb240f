#!/usr/bin/env bash
# Runs every cmocka unit-test binary given and prints one closing line: "N passed, N failed".
set -u
passed=0 failed=0 failed_bins=()
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	echo "$out" | grep -E '^\[  (PASSED|FAILED)  \]|^\[  ERROR' | sed "s|^|$(basename "$bin"): |"
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | head -1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ] || [ -z "$p" ]; then
		failed_bins+=("$bin")
		[ -z "$f" ] && failed=$((failed + 1))
		echo "$out" | tail -40
	fi
done
echo "unit: $passed passed, $failed failed"
[ ${#failed_bins[@]} -eq 0 ]
