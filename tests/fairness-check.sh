#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks a run's CPU-time accounting against the VMs' shares: each VM's run time must be within
# TOLERANCE percent of weight / (sum of weights) * (sum of all VMs' run times).
#
# Usage: tests/fairness-check.sh LOG DTS [TOLERANCE_PCT]   (default 3; an expectation file's
#        `check tests/fairness-check.sh tests/configs/fairness.dts`)
# Prints one line per VM and "fairness_error_pct E" (the worst |error|); exits 1 when a VM of DTS
# has no cpu-time line (or no run figure), when no VM ran, or when the worst error exceeds TOLERANCE.
#
# When every VM printed the fair guest's line ("[NAME] fair: started at S us, ran R us until D us"),
# R is used: the hypervisor's run time of that VM (BASALT_HC_RUN_NS) read at the deadline all VMs
# share, i.e. while all of them still competed. The cpu-time line at the VM's end also counts the
# tail after the deadline, where the VMs print and power off one by one; under Bochs a printed
# line costs ~20 ms of exits, enough to move a light VM's figure by 30%.
set -euo pipefail

# shellcheck source=tests/lib/accounting.sh
. "$(dirname "$0")/lib/accounting.sh"

[ $# -ge 2 ] || { echo "usage: $0 LOG DTS [TOLERANCE_PCT]" >&2; exit 2; }
log=$1 dts=$2 tol=${3:-3}
[ -r "$log" ] || { echo "fairness: cannot read $log"; exit 1; }
weights=$(acct_weights "$dts")
[ -n "$weights" ] || { echo "fairness: no VMs found in $dts (does dtc accept it?)"; exit 1; }
vms=$(acct_vms "$log")
at_deadline=$(sed -nE 's/^\[([^]]+)\] fair: started at [0-9]+ us, ran ([0-9]+) us until [0-9]+ us.*/\1 \2/p' "$log" |
	LC_ALL=C awk '{ printf "%s %.3f\n", $1, $2 / 1000 }')
if [ -n "$at_deadline" ] && [ "$(wc -l <<<"$at_deadline")" -eq "$(wc -l <<<"$weights")" ]; then
	echo "fairness: run times at the shared deadline (the fair guests' lines)"
	vms=$at_deadline
fi

# Joins weights and run times by name; everything else is arithmetic in awk.
LC_ALL=C awk -v tol="$tol" '
	FNR == NR { w[$1] = $2; order[n++] = $1; next }
	{ run[$1] = $2 }
	END {
		bad = 0
		for (k = 0; k < n; k++) {
			nm = order[k]
			if (!(nm in run) || run[nm] == "-") { print "fairness: no cpu-time run figure for VM " nm; bad = 1; continue }
			sw += w[nm]; sr += run[nm]
		}
		if (bad) exit 1
		if (sr <= 0) { print "fairness: no VM ran (total run time 0)"; exit 1 }
		worst = 0
		for (k = 0; k < n; k++) {
			nm = order[k]; want = w[nm] / sw * sr; err = (run[nm] - want) / want * 100
			printf "fairness: %s weight %d run %.3f ms expected %.3f ms error %+.2f%%\n", nm, w[nm], run[nm], want, err
			if (err < 0) err = -err
			if (err > worst) { worst = err; worst_nm = nm }
		}
		printf "fairness_error_pct %.2f percent\n", worst
		if (worst > tol) { printf "fairness: FAIL: VM %s is %.2f%% off its share (limit %s%%)\n", worst_nm, worst, tol; exit 1 }
		printf "fairness: ok: every VM within %s%% of its share (%d VMs, %.1f ms in all)\n", tol, n, sr
	}' <(echo "$weights") <(echo "$vms")
