#!/usr/bin/env bash
# Runs Basalt's integration tests under Bochs (Intel VMX + EPT) instead of QEMU (AMD SVM): every
# tests/integration/*.expect (or the NAMEs given) boots one config through tools/run-bochs.sh and
# the serial log is checked with the same rules as tests/integration.sh (tests/lib/harness.sh).
#
# Usage: tests/integration-vmx.sh [NAME|FILE]...
#   INTEGRATION_VMX_JOBS=N   runs at a time (default 2: the machines have 2 cores)
#   BOCHS_TIMEOUT_FACTOR=N   without a `vmx-timeout` line, a run gets N x `timeout` (default 2)
#   BASALT_EFI=FILE          hypervisor to test (default build/basalt.efi)
#
# Two directives only this runner reads (tests/integration.sh must not see them, so they are
# blanked out before the file goes to the shared parser):
#   vmx-timeout N   seconds for the Bochs run (Bochs is slower than QEMU TCG)
#   vmx-ips N       Bochs instructions per emulated second (run-bochs.sh --ips; default 50 M).
#   vmx-smp N       Bochs CPUs instead of `smp N` (Bochs emulates every CPU in one thread, so a
#                   4-CPU run costs about twice a 2-CPU one)
#                   1000000000 makes the guest clock count instructions as QEMU's icount does.
# A file with `not-on bochs REASON` (tests/lib/harness.sh) is reported as skipped with its reason.
# Ignored under Bochs: `qemu-arg` and `icount` (QEMU only). `smp N` and `mem MiB` are passed on.
# Logs: build/test-logs-vmx/<name>.log (serial, cleaned), .raw.log, .runner.log, .result
set -euo pipefail

# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/lib/harness.sh"

LOG_DIR="$H_ROOT/build/test-logs-vmx"
RUN_BOCHS="$H_ROOT/tools/run-bochs.sh"
JOBS=${INTEGRATION_VMX_JOBS:-2}
TIMEOUT_FACTOR=${BOCHS_TIMEOUT_FACTOR:-2}
TAIL_LINES=60

files=()
declare -A running=() # pid -> expectation file
passed=0
failed=0
skipped=0

die() {
	echo "integration-vmx: error: $*" >&2
	exit 2
}

# ---- the Bochs-only directives -----------------------------------------------------------------

# vmx_directive LINE: prints "timeout N", "ips N", "smp N" or "bad REASON" for a vmx line, nothing otherwise.
vmx_directive() {
	local line=$1 key rest v
	line=${line#"${line%%[![:space:]]*}"}
	key=${line%%[[:space:]]*}
	case "$key" in
	vmx-timeout | vmx-ips | vmx-smp) ;;
	*) return 0 ;;
	esac
	rest=${line#"$key"}
	rest=${rest#"${rest%%[![:space:]]*}"}
	v=$(h_keyword_value "$rest")
	if [[ ! "$v" =~ ^[1-9][0-9]*$ ]]; then
		echo "bad $key wants a positive number, got '$v'"
	elif [ "$key" = vmx-timeout ]; then
		echo "timeout $v"
	elif [ "$key" = vmx-smp ]; then
		echo "smp $v"
	else
		echo "ips $v"
	fi
}

# vmx_filter FILE OUT: copies FILE to OUT with the vmx lines blanked (line numbers stay right) and
# sets VMX_TIMEOUT and VMX_IPS (empty if not given); returns 1 with H_ERROR on a malformed vmx line.
vmx_filter() {
	local file=$1 out=$2 line d n=0
	VMX_TIMEOUT="" VMX_IPS="" VMX_SMP=""
	: >"$out"
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		d=$(vmx_directive "$line")
		case "$d" in
		"") printf '%s\n' "$line" >>"$out"; continue ;;
		timeout\ *) VMX_TIMEOUT=${d#timeout } ;;
		ips\ *) VMX_IPS=${d#ips } ;;
		smp\ *) VMX_SMP=${d#smp } ;;
		bad\ *) H_ERROR="$file:$n: ${d#bad }"; return 1 ;;
		esac
		echo >>"$out"
	done <"$file"
}

# ---- one run -----------------------------------------------------------------------------------

# vmx_args: fills H_ARGS with the run-bochs.sh arguments for the parsed file (E_* from harness.sh)
# and notes in the runner log what Bochs ignores.
vmx_args() {
	local d
	H_ARGS=(--config "$E_CONFIG" --timeout "$E_TIMEOUT")
	[[ "$E_CONFIG" == /* ]] || H_ARGS[1]="$H_ROOT/$E_CONFIG"
	for d in "${E_SEARCH[@]}"; do
		[[ "$d" == /* ]] || d="$H_ROOT/$d"
		H_ARGS+=(--search "$d")
	done
	[ "$E_ALLOW_MISSING" = 0 ] || H_ARGS+=(--allow-missing)
	h_common_args
	if [ -n "$VMX_SMP" ]; then H_ARGS+=(--smp "$VMX_SMP"); elif [ -n "$E_SMP" ]; then H_ARGS+=(--smp "$E_SMP"); fi
	[ -z "$E_MEM" ] || H_ARGS+=(--mem "$E_MEM")
	[ -z "$VMX_IPS" ] || H_ARGS+=(--ips "$VMX_IPS")
	[ -z "$E_CMDLINE" ] || H_ARGS+=(--cmdline "$E_CMDLINE")
	[ "$E_ICOUNT" = 0 ] || echo "integration-vmx: 'icount' ignored under Bochs" >>"$H_RUNNER_LOG"
	[ ${#E_QEMU_ARGS[@]} = 0 ] || echo "integration-vmx: 'qemu-arg ${E_QEMU_ARGS[*]}' ignored under Bochs" >>"$H_RUNNER_LOG"
}

# vmx_run_expect FILE LOGDIR: runs one expectation file under Bochs; leaves LOGDIR/<name>.log,
# .raw.log, .runner.log and .result ("ok SECONDS" or "FAIL SECONDS" + one line per failure).
vmx_run_expect() {
	local file=$1 dir=$2 name st=0 t0 filtered
	name=$(basename "$file" .expect)
	t0=${EPOCHREALTIME/./}
	H_RUNNER_LOG="$dir/$name.runner.log"
	filtered="$dir/$name.expect.filtered"
	rm -f "$dir/$name.log" "$dir/$name.raw.log" "$H_RUNNER_LOG" "$dir/$name.result"
	: >"$dir/$name.log"
	if ! vmx_filter "$file" "$filtered" || ! h_parse_expect "$filtered"; then
		H_ERROR=${H_ERROR//"$filtered"/"$file"}
		echo "$H_ERROR" >"$H_RUNNER_LOG"
		printf 'FAIL 0\nbad expectation file: %s\n' "$H_ERROR" >"$dir/$name.result"
		rm -f "$filtered"
		return 1
	fi
	rm -f "$filtered"
	if [ -n "$E_NOT_ON_BOCHS" ]; then
		printf 'skip 0\n%s\n' "$E_NOT_ON_BOCHS" >"$dir/$name.result"
		return 0
	fi
	E_TIMEOUT=${VMX_TIMEOUT:-$((E_TIMEOUT * TIMEOUT_FACTOR))}
	: >"$H_RUNNER_LOG"
	vmx_args
	"$RUN_BOCHS" --test --efi "$H_EFI" --log "$dir/$name.raw.log" "${H_ARGS[@]}" \
		>/dev/null 2>>"$H_RUNNER_LOG" || st=$?
	h_finish_run "$dir" "$name" "$st" "$t0"
}

# ---- the suite ---------------------------------------------------------------------------------

# select_files ARG...: fills files with the named expectation files, or all of them.
select_files() {
	local a f candidates=()
	if [ $# = 0 ]; then
		for f in "$H_ROOT"/tests/integration/*.expect; do
			[ -e "$f" ] && candidates+=("$f")
		done
		[ ${#candidates[@]} -gt 0 ] || die "no expectation files in tests/integration/"
	fi
	for a in "$@"; do
		if [ -f "$a" ]; then
			f=$a
		else
			f="$H_ROOT/tests/integration/${a%.expect}.expect"
		fi
		[ -f "$f" ] || die "no expectation file for '$a' (looked for $f)"
		candidates+=("$f")
	done
	files=("${candidates[@]}")
}

# stop_tree PID: ends PID and its descendants. Bochs and `timeout` get SIGINT (Bochs may sit on
# SIGTERM for minutes; `timeout` passes SIGINT on to it), the shells SIGTERM (background jobs
# cannot trap SIGINT), so run-bochs.sh still removes its run directory.
stop_tree() {
	local pid=$1 child comm
	for child in $(pgrep -P "$pid" 2>/dev/null); do
		stop_tree "$child"
	done
	comm=$(ps -o comm= -p "$pid" 2>/dev/null) || return 0
	case "$comm" in
	bochs | bochs-bin | timeout) kill -INT "$pid" 2>/dev/null || true ;;
	*) kill -TERM "$pid" 2>/dev/null || true ;;
	esac
}

# shellcheck disable=SC2317 # called from the trap
on_interrupt() {
	local pid
	for pid in "${!running[@]}"; do
		stop_tree "$pid"
	done
	wait 2>/dev/null || true
	echo "integration-vmx: interrupted" >&2
	exit 130
}

main() {
	[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "INTEGRATION_VMX_JOBS wants a positive number, got '$JOBS'"
	[[ "$TIMEOUT_FACTOR" =~ ^[1-9][0-9]*$ ]] || die "BOCHS_TIMEOUT_FACTOR wants a positive number, got '$TIMEOUT_FACTOR'"
	select_files "$@"
	[ -f "$H_EFI" ] || die "$H_EFI not found: build it with 'make hypervisor' (or set BASALT_EFI)"
	mkdir -p "$LOG_DIR"
	trap on_interrupt INT TERM

	local file
	for file in "${files[@]}"; do
		while [ ${#running[@]} -ge "$JOBS" ]; do h_wait_one; done
		vmx_run_expect "$file" "$LOG_DIR" &
		running[$!]=$file
	done
	while [ ${#running[@]} -gt 0 ]; do h_wait_one; done

	echo "integration-vmx: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

main "$@"
