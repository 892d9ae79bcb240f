#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks from the CPU-time accounting that a pinned VM owned its core: core CORE ran VM and nothing
# else, VM ran on no other core, and VM never migrated (when the cpu-time line counts migrations).
#
# Usage: tests/mixed-check.sh LOG VM CORE   (an expectation file's `check tests/mixed-check.sh rt 1`)
# Prints the core table it read; exits 1 on any violation or when the accounting lines are missing.
set -euo pipefail

# shellcheck source=tests/lib/accounting.sh
. "$(dirname "$0")/lib/accounting.sh"

[ $# = 3 ] || { echo "usage: $0 LOG VM CORE" >&2; exit 2; }
log=$1 vm=$2 core=$3
[ -r "$log" ] || { echo "mixed: cannot read $log"; exit 1; }
cores=$(acct_cores "$log")
vms=$(acct_vms "$log")
[ -n "$cores" ] || { echo "mixed: no 'basalt: core N: busy ...' accounting lines in the log"; exit 1; }
echo "$cores" | sed 's/^/mixed: core /'

LC_ALL=C awk -v vm="$vm" -v core="$core" '
	FNR == NR { if ($1 == vm) { found = 1; mig = $5 } next }
	{
		seen[$1] = 1
		n = split($4 == "-" ? "" : $4, items, ",")
		for (i = 1; i <= n; i++) {
			split(items[i], kv, "="); nm = kv[1]
			if ($1 == core && nm == vm) mine = kv[2]
			if ($1 == core && nm != vm) { printf "mixed: FAIL: core %s also ran %s (%s ms)\n", core, nm, kv[2]; bad = 1 }
			if ($1 != core && nm == vm) { printf "mixed: FAIL: %s also ran on core %s (%s ms)\n", vm, $1, kv[2]; bad = 1 }
		}
	}
	END {
		if (!found) { printf "mixed: FAIL: no cpu-time line for %s\n", vm; bad = 1 }
		else if (mig != "-" && mig != 0) { printf "mixed: FAIL: %s migrated %s times\n", vm, mig; bad = 1 }
		if (!(core in seen)) { printf "mixed: FAIL: no accounting line for core %s\n", core; bad = 1 }
		else if (mine == "" || mine + 0 <= 0) { printf "mixed: FAIL: core %s has no run time of %s\n", core, vm; bad = 1 }
		if (bad) exit 1
		printf "mixed: ok: core %s ran %s alone (%s ms), %s ran nowhere else\n", core, vm, mine, vm
	}' <(echo "$vms") <(echo "$cores")
