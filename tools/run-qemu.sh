#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boots a Basalt config in QEMU (q35 + OVMF): builds the boot medium in a per-run directory under
# build/run/, starts QEMU and, in --test mode, turns the hypervisor's verdict into an exit status.
#
# Usage: tools/run-qemu.sh --config FILE [--test] [--timeout SECONDS] [--log FILE] [--accel tcg|kvm]
#            [--search DIR]... [--icount] [--icount-shift N] [--smp N] [--mem MiB] [--allow-missing] [--efi FILE] [--no-config]
#            [--tcg-thread single|multi] [--cmdline "OPTIONS"] [--keep] [-- extra qemu args]
#
#   --test       non-interactive; the medium's cmdline.txt says `test`, so the hypervisor ends QEMU
#                with a verdict when every VM has ended; the run is bounded by --timeout (120 s)
#   --cmdline    more hypervisor options for cmdline.txt (after `test` in --test mode)
#   --search     where to look for files the config names (build/guests is always searched last)
#   --icount     guest time counts instructions: 2^N ns each (--icount-shift N, default 0: the
#                bench's instruction counts); idle time is skipped
#   --keep       keep the run directory (medium, OVMF vars) and print its path
#   --tcg-thread single runs every emulated CPU in one host thread, round robin (default: QEMU's
#                choice, one thread per CPU, or $QEMU_TCG_THREAD); -icount is always single
#
# Exit status in --test mode (the hypervisor writes to isa-debug-exit port 0xf4; QEMU exits 2*v+1):
#   0    verdict pass   (0x10 -> QEMU 33): every VM passed
#   1    verdict fail   (0x11 -> QEMU 35): some VM failed or crashed
#   2    verdict panic  (0x12 -> QEMU 37): hypervisor panic
#   3    no verdict     (QEMU ended any other way: triple fault, power off, QEMU error)
#   4    could not start (bad arguments, medium not buildable, QEMU or OVMF missing)
#   124  timeout        (prints "TIMEOUT after N s")
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROG="run-qemu"
QEMU=${QEMU:-qemu-system-x86_64}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
DEFAULT_SEARCH=("$ROOT/build/guests" "$ROOT/build/linux")

config="" test_mode=0 timeout_s="" log="" accel=tcg icount=0 icount_shift=0 smp=2 mem=1024 allow_missing=0
efi="$ROOT/build/basalt.efi" extra_cmdline="" keep=0 no_config=0 tcg_thread=${QEMU_TCG_THREAD:-}
search_dirs=()
qemu_extra=()
run_dir=""

die() {
	echo "$PROG: error: $*" >&2
	exit 4
}
say() { echo "$PROG: $*" >&2; }

usage() {
	sed -n '/^# Usage/,/^[^#]/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
	exit "${1:-4}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--config) config=${2:?--config needs a file}; shift 2 ;;
		--test) test_mode=1; shift ;;
		--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
		--log) log=${2:?--log needs a file}; shift 2 ;;
		--accel) accel=${2:?--accel needs tcg or kvm}; shift 2 ;;
		--search) search_dirs+=("${2:?--search needs a directory}"); shift 2 ;;
		--icount) icount=1; shift ;;
		--icount-shift) icount=1; icount_shift=${2:?--icount-shift needs a number}; shift 2 ;;
		--smp) smp=${2:?--smp needs a number}; shift 2 ;;
		--mem) mem=${2:?--mem needs MiB}; shift 2 ;;
		--allow-missing) allow_missing=1; shift ;;
		--no-config) no_config=1; shift ;;
		--efi) efi=${2:?--efi needs a file}; shift 2 ;;
		--cmdline) extra_cmdline=${2?--cmdline needs text}; shift 2 ;;
		--keep) keep=1; shift ;;
		--tcg-thread) tcg_thread=${2:?--tcg-thread needs single or multi}; shift 2 ;;
		-h | --help) usage 0 ;;
		--) shift; qemu_extra=("$@"); break ;;
		*) echo "$PROG: unknown argument '$1'" >&2; usage ;;
		esac
	done
	[ -n "$config" ] || die "--config FILE is required"
	[ -f "$config" ] || die "config '$config' not found"
	[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive number, got '$smp'"
	[[ "$mem" =~ ^[1-9][0-9]*$ ]] || die "--mem wants MiB, got '$mem'"
	[[ "$icount_shift" =~ ^([0-9]|10)$ ]] || die "--icount-shift wants 0..10, got '$icount_shift'"
	[[ "$tcg_thread" =~ ^(|single|multi)$ ]] || die "--tcg-thread wants single or multi, got '$tcg_thread'"
	if [ -n "$timeout_s" ]; then
		[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds, got '$timeout_s'"
	elif [ "$test_mode" = 1 ]; then
		timeout_s=120
	fi
	case "$accel" in
	tcg) ;;
	kvm)
		[ -e /dev/kvm ] || die "--accel kvm: /dev/kvm does not exist on this machine (no KVM); use --accel tcg"
		{ [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || die "--accel kvm: no read/write access to /dev/kvm (add yourself to group kvm)"
		[ "$icount" = 0 ] || die "--icount needs TCG; it cannot be combined with --accel kvm"
		;;
	*) die "--accel wants tcg or kvm, got '$accel'" ;;
	esac
}

check_tools() {
	command -v "$QEMU" >/dev/null || die "$QEMU not found (install qemu-system-x86: tools/deps.sh run)"
	[ -r "$OVMF_CODE" ] || die "OVMF firmware $OVMF_CODE not found (install ovmf: tools/deps.sh run)"
	[ -r "$OVMF_VARS" ] || die "OVMF variable store $OVMF_VARS not found (install ovmf: tools/deps.sh run)"
	[ -f "$efi" ] || die "$efi not found: build it with 'make hypervisor' (or pass --efi)"
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[ -n "$run_dir" ] || return 0
	if [ "$keep" = 1 ]; then
		say "run directory kept: $run_dir"
	else
		rm -rf "$run_dir"
	fi
}

# A background QEMU (test mode) ignores SIGINT, so pass an interrupt on to it before leaving.
qpid="" wpid=""
# shellcheck disable=SC2317 # called from traps
on_signal() {
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
	[ -z "$qpid" ] || kill -TERM "$qpid" 2>/dev/null || true
	[ -z "$qpid" ] || wait "$qpid" 2>/dev/null || true
	say "interrupted"
	exit "$1"
}

# Builds the medium and the writable OVMF variable store in a fresh directory under build/run/.
prepare_run_dir() {
	mkdir -p "$ROOT/build/run"
	run_dir=$(mktemp -d "$ROOT/build/run/run.XXXXXX")
	trap cleanup EXIT
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM

	local cmdline="" args=() d
	[ "$test_mode" = 0 ] || cmdline="test"
	[ -z "$extra_cmdline" ] || cmdline="${cmdline:+$cmdline }$extra_cmdline"
	args=(--config "$config" --out "$run_dir/medium.img" --efi "$efi")
	local -A seen=()
	for d in "${search_dirs[@]}"; do
		[ -d "$d" ] || say "warning: --search $d: no such directory"
	done
	for d in "${search_dirs[@]}" "${DEFAULT_SEARCH[@]}"; do
		[ -d "$d" ] || continue
		d=$(cd "$d" && pwd)
		[ -z "${seen[$d]:-}" ] || continue
		seen[$d]=1
		args+=(--search "$d")
	done
	[ -z "$cmdline" ] || args+=(--cmdline "$cmdline")
	[ "$allow_missing" = 0 ] || args+=(--allow-missing)
	[ "$no_config" = 0 ] || args+=(--no-config)
	"$ROOT/tools/mkmedium.sh" "${args[@]}" || die "could not build the boot medium"
	cp "$OVMF_VARS" "$run_dir/OVMF_VARS.fd"
	chmod u+w "$run_dir/OVMF_VARS.fd"
}

# Fills qemu_cmd. q35 + virtio-blk-pci with bootindex=0: OVMF boots it straight away (no boot
# manager wait), it was the fastest of q35/pc x virtio/AHCI/IDE measured (~4 s from QEMU start to
# the application; reading 40 MB: IDE on pc took 2x longer), and q35 has PCIe ECAM like real boards.
# -net none: no PXE attempts (they cost seconds).
qemu_cmd=()
# qesc VALUE: VALUE for a QEMU option list (a comma in a path is written as two).
qesc() { printf '%s' "${1//,/,,}"; }
# shellcheck disable=SC2054 # commas are inside QEMU option values
build_qemu_cmd() {
	local serial
	qemu_cmd=("$QEMU" -machine q35 -m "$mem" -smp "$smp")
	if [ "$accel" = kvm ]; then
		qemu_cmd+=(-accel kvm -cpu host)
	else
		# qemu64 has SVM but not NPT under TCG; +npt is needed for nested paging
		# thread=single: every emulated CPU in one host thread, round robin. On a 2-core machine
		# an SMP guest that keeps all its CPUs busy runs ~10x faster than with a thread per
		# CPU fighting for the cores, and the interleavings differ from the default's.
		qemu_cmd+=(-accel "tcg${tcg_thread:+,thread=$tcg_thread}" -cpu qemu64,+svm,+npt)
	fi
	[ "$icount" = 0 ] || qemu_cmd+=(-icount "shift=$icount_shift,sleep=off")
	qemu_cmd+=(
		-drive "if=pflash,format=raw,readonly=on,file=$(qesc "$OVMF_CODE")"
		-drive "if=pflash,format=raw,file=$(qesc "$run_dir/OVMF_VARS.fd")"
		-drive "if=none,id=boot,format=raw,file=$(qesc "$run_dir/medium.img")"
		-device virtio-blk-pci,drive=boot,bootindex=0
		-net none -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
	)
	if [ "$test_mode" = 1 ]; then
		# serial on stdout (and the log), no monitor, stdin unused
		serial="stdio,id=ser0,signal=on"
		[ -z "$log" ] || serial+=",logfile=$(qesc "$log"),logappend=off"
		qemu_cmd+=(-chardev "$serial" -serial chardev:ser0 -monitor none)
	else
		# like -serial mon:stdio: Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor
		serial="stdio,id=ser0,mux=on,signal=off"
		[ -z "$log" ] || serial+=",logfile=$(qesc "$log"),logappend=off"
		qemu_cmd+=(-chardev "$serial" -serial chardev:ser0 -mon chardev=ser0,mode=readline)
	fi
	qemu_cmd+=("${qemu_extra[@]}")
}

# verdict QEMU_STATUS: prints the meaning and returns the runner's exit status.
verdict() {
	local st=$1
	case "$st" in
	33) say "verdict: PASS (QEMU exit 33 = debug-exit 0x10: every VM passed) -> exit 0"; return 0 ;;
	35) say "verdict: FAIL (QEMU exit 35 = debug-exit 0x11: some VM failed or crashed) -> exit 1"; return 1 ;;
	37) say "verdict: PANIC (QEMU exit 37 = debug-exit 0x12: hypervisor panic) -> exit 2"; return 2 ;;
	none) say "verdict: NONE (no verdict) -> exit 3"; return 3 ;;
	*) say "verdict: NONE (QEMU exit $st without a verdict: not 33 pass / 35 fail / 37 panic) -> exit 3"; return 3 ;;
	esac
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

# watch_firmware PID LOG FLAG: while PID runs, watches the serial log for OVMF's boot manager moving
# on to a second boot option ("BdsDxe: loading Boot...") - which means the application returned to
# the firmware or could not be started, and nothing will ever end the run. Then it writes FLAG and
# stops PID, so such a run ends at once rather than at the timeout.
watch_firmware() {
	local pid=$1 log_file=$2 flag=$3 n
	while kill -0 "$pid" 2>/dev/null; do
		n=$(grep -a -c 'BdsDxe: loading ' "$log_file" 2>/dev/null) || n=0
		if [ "$n" -ge 2 ]; then
			echo > "$flag"
			kill -TERM "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 0.5
	done
}

main() {
	parse_args "$@"
	check_tools
	if [ -n "$log" ]; then
		mkdir -p "$(dirname "$log")"
		: >"$log"
	fi
	prepare_run_dir
	if [ "$test_mode" = 1 ] && [ -z "$log" ]; then
		log="$run_dir/serial.log"
	fi
	build_qemu_cmd

	local run=() st=0 what
	if [ -n "$timeout_s" ]; then
		run=(timeout -k 10)
		[ "$test_mode" = 1 ] || run+=(--foreground)
		run+=("$timeout_s")
	fi
	what="accel $accel, smp $smp, mem $mem MiB"
	[ "$icount" = 0 ] || what+=", icount shift $icount_shift"
	[ -z "$tcg_thread" ] || what+=", tcg thread=$tcg_thread"
	[ -z "$timeout_s" ] || what+=", timeout $timeout_s s"
	[ -z "$log" ] || what+=", serial log $log"
	say "$what; QEMU command:"
	shell_line "${qemu_cmd[@]}" >&2

	if [ "$test_mode" = 1 ]; then
		local flag="$run_dir/returned-to-firmware"
		"${run[@]}" "${qemu_cmd[@]}" </dev/null &
		qpid=$!
		watch_firmware "$qpid" "$log" "$flag" &
		wpid=$!
		wait "$qpid" || st=$?
		kill "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
		if [ -e "$flag" ]; then
			say "OVMF moved on to another boot option: the EFI application returned to the firmware or could not be started"
			verdict none || exit $?
		fi
	else
		say "interactive: the serial console is this terminal; quit with Ctrl-A X"
		"${run[@]}" "${qemu_cmd[@]}" || st=$?
	fi

	if [ -n "$timeout_s" ] && [ "$st" = 124 ]; then
		echo "TIMEOUT after $timeout_s s" >&2
		[ -z "$log" ] || echo "TIMEOUT after $timeout_s s" >>"$log"
		exit 124
	fi
	if [ "$test_mode" = 1 ]; then
		verdict "$st" || exit $?
		exit 0
	fi
	case "$st" in 33 | 35 | 37) verdict "$st" || exit $? ;; esac
	exit "$st"
}

main "$@"
