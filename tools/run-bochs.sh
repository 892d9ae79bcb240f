#!/usr/bin/env bash
# Boots a Basalt config in Bochs 2.7 (Intel VMX + EPT, OVMF, headless): builds the boot medium in a
# per-run directory under build/bochs/, runs Bochs with a time limit and, in --test mode, turns the
# hypervisor's verdict line on COM1 into an exit status. The Intel counterpart of run-qemu.sh.
#
# Usage: tools/run-bochs.sh --config FILE [--test] [--timeout S] [--log FILE] [--cpu MODEL]
#            [--search DIR]... [--mem MiB] [--smp N] [--ips N] [--allow-missing] [--efi FILE]
#            [--cmdline "OPTIONS"] [--keep]
#
#   --test       the medium's cmdline.txt says `test`: the hypervisor prints `basalt: verdict: X`
#                and writes "Shutdown" to port 0x8900, which ends Bochs; bounded by --timeout (300 s)
#   --log FILE   a copy of the COM1 log (raw). It is also streamed to stdout, in chunks: Bochs
#                writes COM1 through a stdio buffer, so lines can lag until Bochs flushes or ends
#   --cpu MODEL  a Bochs CPU model with VMX and EPT (default corei7_haswell_4770)
#   --mem MiB    guest RAM (default 512); --smp N: CPUs (default 1: then TSC = instructions)
#   --ips N      Bochs ticks (= instructions, with 1 CPU) per emulated second (default 50000000):
#                the TSC frequency and timer periods in instructions, not the emulation speed
#   --cmdline    more hypervisor options for cmdline.txt (after `test` in --test mode)
#   --search     where to look for files the config names (build/guests is always searched last)
#   --keep       keep the run directory (medium, bochsrc, Bochs log) and print its path
#   BOCHS_RC_EXTRA="line\nline"  more bochsrc lines (experiments); BOCHS=path  another bochs binary
#
# Exit status (from the last `basalt: verdict:` line on COM1, as run-qemu.sh's):
#   0    verdict pass        1    verdict fail        2    verdict panic
#   3    no verdict (Bochs ended without one: triple fault, Bochs panic, back in the firmware)
#   4    could not start (bad arguments, medium not buildable, Bochs/OVMF/VGA ROM missing)
#   124  timeout (prints "TIMEOUT after N s"; Bochs gets SIGINT, then SIGKILL 10 s later)
#   130  interrupted
#
# Measured (2 cores, corei7_haswell_4770, ips 50 M): OVMF needs 681 M instructions (~9-10 s of CPU,
# the same on every VMX model) to start BOOTX64.EFI; a whole tests/configs/basic.dts run is ~20 s.
# Emulated time follows instructions (clock: sync=none), so runs repeat exactly, whatever the load.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROG="run-bochs"
BOCHS=${BOCHS:-bochs}
OVMF_DIR=${OVMF_DIR:-/usr/share/OVMF}
OVMF_2M="$ROOT/build/bochs/OVMF_2M.fd"
OVMF_2M_SIZE=2097152
TEMPLATE="$ROOT/tests/bochs/bochsrc.template"
# The VGA ROM Bochs loads: vgabios (Bochs' default), else SeaBIOS' build of it.
VGAROM_CANDIDATES=(/usr/share/vgabios/vgabios.bin /usr/share/bochs/VGABIOS-lgpl-latest
	/usr/share/seabios/vgabios-stdvga.bin)
DEFAULT_SEARCH=("$ROOT/build/guests")

config="" test_mode=0 timeout_s="" log="" cpu=corei7_haswell_4770 mem=512 smp=1 ips=50000000
allow_missing=0 efi="$ROOT/build/basalt.efi" extra_cmdline="" keep=0
search_dirs=()
run_dir="" serial="" vgarom=""
tpid="" wpid=""

die() {
	echo "$PROG: error: $*" >&2
	exit 4
}
say() { echo "$PROG: $*" >&2; }

usage() {
	sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit "${1:-4}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--config) config=${2:?--config needs a file}; shift 2 ;;
		--test) test_mode=1; shift ;;
		--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
		--log) log=${2:?--log needs a file}; shift 2 ;;
		--cpu) cpu=${2:?--cpu needs a Bochs CPU model}; shift 2 ;;
		--search) search_dirs+=("${2:?--search needs a directory}"); shift 2 ;;
		--mem) mem=${2:?--mem needs MiB}; shift 2 ;;
		--smp) smp=${2:?--smp needs a number}; shift 2 ;;
		--ips) ips=${2:?--ips needs a number}; shift 2 ;;
		--allow-missing) allow_missing=1; shift ;;
		--no-config) no_config=1; shift ;;
		--efi) efi=${2:?--efi needs a file}; shift 2 ;;
		--cmdline) extra_cmdline=${2?--cmdline needs text}; shift 2 ;;
		--keep) keep=1; shift ;;
		-h | --help) usage 0 ;;
		*) echo "$PROG: unknown argument '$1'" >&2; usage ;;
		esac
	done
	[ -n "$config" ] || die "--config FILE is required"
	[ -f "$config" ] || die "config '$config' not found"
	[[ "$mem" =~ ^[1-9][0-9]*$ ]] || die "--mem wants MiB, got '$mem'"
	[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive number, got '$smp'"
	[[ "$ips" =~ ^[1-9][0-9]*$ ]] || die "--ips wants a positive number, got '$ips'"
	[[ "$cpu" =~ ^[a-z0-9_]+$ ]] || die "--cpu wants a Bochs model name (bochs --help cpu), got '$cpu'"
	if [ -n "$timeout_s" ]; then
		[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds, got '$timeout_s'"
	elif [ "$test_mode" = 1 ]; then
		timeout_s=300
	fi
}

# Bochs, its curses display plugin and a VGA ROM; OVMF's two halves.
check_tools() {
	local f plugin=""
	command -v "$BOCHS" >/dev/null || die "$BOCHS not found (install bochs bochs-term: tools/deps.sh vmx)"
	for f in /usr/lib/*/bochs/plugins/libbx_term_gui.so /usr/lib/bochs/plugins/libbx_term_gui.so; do
		[ -e "$f" ] && plugin=$f
	done
	[ -n "$plugin" ] || [ "$BOCHS" != bochs ] ||
		die "Bochs' term display plugin is missing (install bochs-term: tools/deps.sh vmx)"
	for f in "${VGAROM_CANDIDATES[@]}"; do
		if [ -r "$f" ]; then
			vgarom=$(readlink -f "$f")
			break
		fi
	done
	[ -n "$vgarom" ] || die "no VGA ROM for Bochs (install vgabios: tools/deps.sh vmx)"
	for f in OVMF_VARS.fd OVMF_CODE.fd; do
		[ -r "$OVMF_DIR/$f" ] || die "$OVMF_DIR/$f not found (install ovmf: tools/deps.sh vmx)"
	done
	[ -r "$TEMPLATE" ] || die "$TEMPLATE not found"
	[ -f "$efi" ] || die "$efi not found: build it with 'make hypervisor' (or pass --efi)"
}

# Builds build/bochs/OVMF_2M.fd (VARS then CODE: 128 KiB + 1920 KiB) unless it is up to date.
# Written under a temporary name and renamed, so parallel runs never see half a file.
ovmf_image() {
	local vars="$OVMF_DIR/OVMF_VARS.fd" code="$OVMF_DIR/OVMF_CODE.fd" size tmp
	if [ -f "$OVMF_2M" ] && [ "$OVMF_2M" -nt "$vars" ] && [ "$OVMF_2M" -nt "$code" ] &&
		[ "$(stat -c %s "$OVMF_2M")" = "$OVMF_2M_SIZE" ]; then
		return 0
	fi
	size=$(($(stat -L -c %s "$vars") + $(stat -L -c %s "$code")))
	[ "$size" = "$OVMF_2M_SIZE" ] ||
		die "OVMF_VARS.fd + OVMF_CODE.fd are $size bytes, not 2 MiB: Bochs needs the 2 MiB OVMF build"
	mkdir -p "$(dirname "$OVMF_2M")"
	tmp=$(mktemp "$OVMF_2M.XXXXXX")
	cat "$vars" "$code" >"$tmp"
	mv -f "$tmp" "$OVMF_2M"
	say "built $OVMF_2M from $vars + $code"
}

# bochsrc values are split on commas and blanks: refuse paths Bochs would cut in pieces.
check_rc_path() {
	[[ "$1" =~ ^[A-Za-z0-9_./+@%:=-]+$ ]] || die "path '$1' has characters a bochsrc cannot hold (blank, comma, quote)"
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
	[ -n "$run_dir" ] || return 0
	if [ -n "$log" ] && [ -f "$serial" ]; then cp -f "$serial" "$log"; fi
	if [ "$keep" = 1 ]; then
		say "run directory kept: $run_dir"
	else
		rm -rf "$run_dir"
	fi
}

# On SIGINT/SIGTERM: stop Bochs through `timeout` (SIGINT: Bochs may ignore SIGTERM for minutes).
# shellcheck disable=SC2317 # called from traps
on_signal() {
	[ -z "$tpid" ] || kill -INT "$tpid" 2>/dev/null || true
	[ -z "$tpid" ] || wait "$tpid" 2>/dev/null || true
	say "interrupted"
	exit "$1"
}

# Makes the run directory with the medium, the bochsrc and the debugger rc file.
prepare_run_dir() {
	mkdir -p "$ROOT/build/bochs"
	run_dir=$(mktemp -d "$ROOT/build/bochs/run.XXXXXX")
	serial="$run_dir/serial.log"
	trap cleanup EXIT
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM
	check_rc_path "$run_dir"
	check_rc_path "$OVMF_2M"
	check_rc_path "$vgarom"

	local cmdline="" args=() d
	[ "$test_mode" = 0 ] || cmdline="test"
	[ -z "$extra_cmdline" ] || cmdline="${cmdline:+$cmdline }$extra_cmdline"
	args=(--config "$config" --out "$run_dir/medium.img" --efi "$efi")
	for d in "${search_dirs[@]}" "${DEFAULT_SEARCH[@]}"; do
		[ -d "$d" ] && args+=(--search "$d")
	done
	[ -z "$cmdline" ] || args+=(--cmdline "$cmdline")
	[ "$allow_missing" = 0 ] || args+=(--allow-missing)
	[ "${no_config:-0}" = 0 ] || args+=(--no-config)
	"$ROOT/tools/mkmedium.sh" "${args[@]}" || die "could not build the boot medium"
	: >"$serial"
	write_bochsrc >"$run_dir/bochsrc"
	# Debian's bochs has the debugger, which stops before the first instruction: continue, and
	# quit when Bochs stops again (magic break, SIGINT).
	printf 'c\nquit\n' >"$run_dir/debugger.rc"
}

# Prints the bochsrc: the template with its @NAME@ fields filled, then BOCHS_RC_EXTRA.
write_bochsrc() {
	local rc
	rc=$(<"$TEMPLATE")
	rc=${rc//@ROM@/$OVMF_2M}
	rc=${rc//@VGAROM@/$vgarom}
	rc=${rc//@CPU@/$cpu}
	rc=${rc//@COUNT@/$smp}
	rc=${rc//@IPS@/$ips}
	rc=${rc//@MEM@/$mem}
	rc=${rc//@DISK@/$run_dir/medium.img}
	rc=${rc//@SERIAL@/$serial}
	rc=${rc//@BOCHSLOG@/$run_dir/bochs.log}
	local unknown
	unknown=$(grep -v '^[[:space:]]*#' <<<"$rc" | grep -o '@[A-Z_]*@' | sort -u | paste -sd ' ') || true
	[ -z "$unknown" ] || die "$TEMPLATE has fields run-bochs.sh does not fill: $unknown"
	printf '%s\n' "$rc"
	[ -z "${BOCHS_RC_EXTRA:-}" ] || printf '%b\n' "$BOCHS_RC_EXTRA"
}

# shell_line ARG...: prints the arguments as one line a shell accepts, quoting only where needed.
shell_line() {
	local a out=()
	for a in "$@"; do
		if [[ "$a" =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
			out+=("$a")
		else
			out+=("'${a//\'/\'\\\'\'}'")
		fi
	done
	echo "${out[*]}"
}

# now_us: microseconds since the epoch.
now_us() { echo "${EPOCHREALTIME/./}"; }

# watch PID: while Bochs runs, watches the COM1 log for OVMF's boot manager moving on to a second
# boot option (the application returned or could not start); then it flags that and stops Bochs, so
# such a run ends now rather than at the timeout. Bochs writes COM1 through a stdio buffer, so the
# log grows in chunks (OVMF's menu screen fills it quickly, which is what this needs).
watch() {
	local pid=$1 n
	while kill -0 "$pid" 2>/dev/null; do
		n=$(grep -a -c 'BdsDxe: loading ' "$serial" 2>/dev/null) || n=0
		if [ "$n" -ge 2 ]; then
			: >"$run_dir/returned-to-firmware"
			kill -INT "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 0.5
	done
}

# verdict_status: the exit status for the last verdict line in the serial log (3: none).
verdict_status() {
	local v
	# only whole lines: a guest's console line carries a "[vm] " prefix, so it cannot fake one
	v=$(tr -d '\r' <"$serial" | grep -a -E '^basalt: verdict: [a-z]+$' | tail -n 1 | sed 's/.*: //') || true
	case "$v" in
	pass) say "verdict: PASS (every VM passed) -> exit 0"; return 0 ;;
	fail) say "verdict: FAIL (some VM failed or crashed) -> exit 1"; return 1 ;;
	panic) say "verdict: PANIC (hypervisor panic) -> exit 2"; return 2 ;;
	"") say "verdict: NONE (no 'basalt: verdict:' line on COM1) -> exit 3"; return 3 ;;
	*) say "verdict: NONE (unknown verdict '$v') -> exit 3"; return 3 ;;
	esac
}

# report_bochs STATUS SECONDS: why Bochs stopped (its panic lines) and how long it took. Bochs' tick
# count at the end is the number of instructions executed (1 CPU) plus time skipped while halted.
report_bochs() {
	local st=$1 secs=$2 ticks msg
	msg=$(grep -a -E '^[0-9]+p\[|triple fault|3rd \(' "$run_dir/bochs.log" 2>/dev/null | tail -n 3) || true
	say "bochs exit status $st${msg:+; Bochs log:}"
	[ -z "$msg" ] || printf '    %s\n' "${msg//$'\n'/$'\n'    }" >&2
	ticks=$(grep -a -o '^([0-9]*)\.\[[0-9]*\]' "$run_dir/bochs.out" 2>/dev/null | tail -n 1 | sed -E 's/.*\[([0-9]+)\]$/\1/') || true
	say "timing: $secs s wall${ticks:+, $ticks Bochs ticks}"
}

# Streams the COM1 log to stdout while PID runs.
stream_serial() {
	tail -n +1 -s 0.2 -F --pid="$1" "$serial" 2>/dev/null || true
}

main() {
	parse_args "$@"
	check_tools
	ovmf_image
	if [ -n "$log" ]; then
		mkdir -p "$(dirname "$log")"
		: >"$log"
	fi
	prepare_run_dir

	local cmd=("$BOCHS" -q -f "$run_dir/bochsrc" -rc "$run_dir/debugger.rc") run=() st=0 t0 spid
	[ -z "$timeout_s" ] || run=(timeout -s INT -k 10 "$timeout_s")
	local what="cpu $cpu x$smp, ips $ips, mem $mem MiB"
	[ -z "$timeout_s" ] || what+=", timeout $timeout_s s"
	[ "$keep" = 0 ] || what+=", run directory $run_dir"
	say "$what; Bochs command:"
	echo "TERM=dumb $(shell_line "${run[@]}" "${cmd[@]}") </dev/null" >&2

	t0=$(now_us)
	TERM=dumb "${run[@]}" "${cmd[@]}" </dev/null >"$run_dir/bochs.out" 2>"$run_dir/bochs.err" &
	tpid=$!
	watch "$tpid" &
	wpid=$!
	stream_serial "$tpid" &
	spid=$!
	wait "$tpid" || st=$?
	tpid=""
	wait "$wpid" 2>/dev/null || true
	wpid=""
	wait "$spid" 2>/dev/null || true
	report_bochs "$st" "$(awk -v a="$t0" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')"

	if [ -n "$timeout_s" ] && { [ "$st" = 124 ] || [ "$st" = 137 ]; }; then
		echo "TIMEOUT after $timeout_s s" >&2
		echo "TIMEOUT after $timeout_s s" >>"$serial"
		exit 124
	fi
	if [ -e "$run_dir/returned-to-firmware" ]; then
		say "OVMF moved on to another boot option: the EFI application returned to the firmware or could not be started"
		say "verdict: NONE -> exit 3"
		exit 3
	fi
	verdict_status || exit $?
	exit 0
}

main "$@"
