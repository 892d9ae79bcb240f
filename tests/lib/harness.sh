# SPDX-License-Identifier: MIT
# Shared functions for Basalt's QEMU-based tests: run a config, read the serial log, check it.
# shellcheck shell=bash
# Source it from bash (tests/integration.sh, tests/bench.sh, later tests); it sets no shell options.
#
# Expectation files (tests/integration/<name>.expect) describe one QEMU run, one directive a line:
#
#   # a comment (only at the start of a line, after optional blanks); blank lines are ignored
#   config tests/configs/basic.dts   the config to boot (.dts or .dtb), relative to the repo root; required
#   search build/guests              where the config's files are (repeatable; run-qemu.sh always
#                                    adds build/guests last)
#   timeout 180                      seconds before the run counts as hung (default 120)
#   verdict pass                     the verdict the run must end with: pass | fail | panic; required
#   expect TEXT                      some line of the serial log contains TEXT
#   expect-not TEXT                  no line of the serial log contains TEXT
#   expect-count N TEXT              exactly N lines contain TEXT
#   expect-order A | B | C           lines containing A, B and C appear in this order (" | " separates)
#   expect-raw-re PCRE               some line of the RAW serial log matches PCRE (grep -P)
#   expect-not-raw-re PCRE           no line of the RAW serial log matches PCRE
#                                    (raw: bytes as the machine sent them, escape codes kept, and a
#                                    carriage return ends a line as a newline does, so ^ also
#                                    matches where a terminal would put the cursor after a lone \r;
#                                    \x1b etc. in PCRE match raw bytes; used by both runners)
#   allow-missing                    build the medium although files the config names are missing
#   efi build/x.efi                  boot this image instead of build/basalt.efi
#   no-config                        leave \basalt\basalt.dtb off the medium (the image embeds its config)
#   cmdline OPTIONS                  more hypervisor options for cmdline.txt (after `test`)
#   smp N / mem MiB                  QEMU shape (defaults: 2 CPUs, 1024 MiB)
#   icount [SHIFT]                   guest time counts instructions, 2^SHIFT ns each (default 4:
#                                    62.5 M instructions per guest second, near Bochs's 50 M; the
#                                    bench alone uses 0); deterministic and blind to host load
#   tcg-thread single|multi          QEMU's TCG: all CPUs in one thread, round robin, or one
#                                    thread each (QEMU's default); Bochs ignores it
#   qemu-arg ARGS                    more QEMU arguments, split on blanks (repeatable)
#   estimate SECONDS                 how long the run takes here, checks included (integration-all's
#                                    order on a clean clone, before any result exists; default a
#                                    quarter of the timeout)
#   nvme MiB NAME:MiB...             a host NVMe drive for Basalt (QEMU's -device nvme): a fresh
#                                    raw image <name>.nvme.img next to the log, with a GPT holding
#                                    the named partitions (tools/mk-nvme-image.sh); check scripts
#                                    find it as ${LOG%.log}.nvme.img. QEMU only: Bochs has no NVMe
#   vmx-timeout N / vmx-ips N / vmx-smp N   Bochs only (see tests/integration-vmx.sh); ignored here
#   not-on qemu|bochs REASON         this emulator cannot run the test as real hardware would: the
#                                    runner reports "skip NAME: REASON" and counts it as skipped
#   check SCRIPT [ARGS]              runs `SCRIPT LOG [ARGS]` from the repo root on the cleaned serial
#                                    log (repeatable); a non-zero exit fails the test with the
#                                    script's output; all output is kept in <name>.check.log
#
# TEXT is everything after the directive and one blank, up to the end of the line (trailing blanks
# dropped), matched as a plain substring, case-sensitive; "#" in it is part of the text. Keyword
# directives (config, search, timeout, verdict, allow-missing, smp, mem, icount, tcg-thread) accept a trailing
# "# comment". The serial log is matched after removing carriage returns and terminal escape codes.
#
# A run never passes vacuously: it fails when the medium cannot be built, on timeout, with an empty
# serial log, with a verdict other than the expected one, or when the file has no `expect`,
# `expect-order` or `expect-count N>0` line at all.

H_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
H_RUN_QEMU="$H_ROOT/tools/run-qemu.sh"
H_EFI=${BASALT_EFI:-$H_ROOT/build/basalt.efi}

# h_verdict_status NAME: the run-qemu.sh exit status that means verdict NAME.
h_verdict_status() {
	case "$1" in
	pass) echo 0 ;;
	fail) echo 1 ;;
	panic) echo 2 ;;
	*) return 1 ;;
	esac
}

# h_status_name STATUS: what a run-qemu.sh exit status means, in a few words.
h_status_name() {
	case "$1" in
	0) echo "verdict pass" ;;
	1) echo "verdict fail" ;;
	2) echo "verdict panic" ;;
	3) echo "no verdict (QEMU ended without one)" ;;
	4) echo "could not start (see the runner log)" ;;
	124) echo "timeout" ;;
	130 | 143) echo "interrupted" ;;
	*) echo "runner exit status $1" ;;
	esac
}

# h_clean_log RAW OUT: the serial log without carriage returns, terminal escape codes and NULs.
h_clean_log() {
	LC_ALL=C sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\x1b[()][A-Z0-9]//g' -e 's/\x1b[=>78]//g' \
		-e 's/\r//g' -e 's/\x0//g' "$1" >"$2"
}

# h_log_has_content LOG: true when LOG has at least one non-blank line.
h_log_has_content() {
	[ -s "$1" ] && grep -q '[^[:space:]]' "$1"
}

# h_contains LOG TEXT: some line of LOG contains TEXT.
h_contains() {
	grep -qF -- "$2" "$1"
}

# h_count LOG TEXT: prints how many lines of LOG contain TEXT.
h_count() {
	grep -cF -- "$2" "$1" || true
}

# h_in_order LOG ITEM...: true when lines containing the ITEMs appear in this order (each on a later
# line than the one before). Otherwise prints the first ITEM that is not found after its predecessor.
h_in_order() {
	local log=$1 item prev=0 line
	shift
	for item in "$@"; do
		line=$(grep -nF -- "$item" "$log" | awk -F: -v p="$prev" '$1 > p { print $1; exit }')
		if [ -z "$line" ]; then
			printf '%s\n' "$item"
			return 1
		fi
		prev=$line
	done
}

# h_split_order "A | B | C": prints A, B and C one a line.
h_split_order() {
	local s=$1
	while [[ "$s" == *" | "* ]]; do
		printf '%s\n' "${s%% | *}"
		s=${s#* | }
	done
	printf '%s\n' "$s"
}

# h_tail LOG N: the last N lines of LOG, indented, or a note when there is nothing.
h_tail() {
	if h_log_has_content "$1"; then
		tail -n "$2" "$1" | sed 's/^/    /'
	else
		echo "    (empty)"
	fi
}

# h_run_qemu RAW_LOG RUNNER_LOG [run-qemu.sh args]: runs one test-mode QEMU run with the serial log
# in RAW_LOG and the runner's own messages in RUNNER_LOG; returns run-qemu.sh's exit status.
h_run_qemu() {
	local raw=$1 runner=$2 st=0
	shift 2
	mkdir -p "$(dirname "$raw")" "$(dirname "$runner")"
	"$H_RUN_QEMU" --test --efi "$H_EFI" --log "$raw" "$@" >/dev/null 2>"$runner" || st=$?
	return "$st"
}

# h_kill_tree PID: sends SIGTERM to PID and all its descendants (a background test job ignores
# SIGINT, and a killed subshell would leave its QEMU running until the timeout).
h_kill_tree() {
	local pid=$1 child
	for child in $(pgrep -P "$pid" 2>/dev/null); do
		h_kill_tree "$child"
	done
	kill -TERM "$pid" 2>/dev/null || true
}

# ---- expectation files ----------------------------------------------------------------------

# h_parse_expect FILE: fills the E_* variables; on a malformed file returns 1 with the reason in
# H_ERROR.
h_parse_expect() {
	local file=$1 raw line key rest n=0
	E_CONFIG="" E_TIMEOUT=120 E_VERDICT="" E_ALLOW_MISSING=0 E_CMDLINE="" E_SMP="" E_MEM="" E_ICOUNT=0 E_ICOUNT_SHIFT=4 E_EFI="" E_NO_CONFIG=0 E_TCG_THREAD=""
	E_SEARCH=() E_EXPECT=() E_EXPECT_NOT=() E_COUNT=() E_ORDER=() E_QEMU_ARGS=() E_RAW_RE=() E_NOT_RAW_RE=()
	E_NOT_ON_QEMU="" E_NOT_ON_BOCHS="" E_CHECK=() E_NVME=""
	H_ERROR=""
	[ -r "$file" ] || { H_ERROR="cannot read $file"; return 1; }
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		line=${raw#"${raw%%[![:space:]]*}"}        # leading blanks
		line=${line%"${line##*[![:space:]]}"}      # trailing blanks
		if [ -z "$line" ] || [ "${line:0:1}" = "#" ]; then continue; fi
		key=${line%%[[:space:]]*}
		rest=""
		[ "$key" = "$line" ] || rest=${line#"$key"}
		rest=${rest#"${rest%%[![:space:]]*}"}
		h_parse_directive "$key" "$rest" || { H_ERROR="$file:$n: $H_ERROR"; return 1; }
	done <"$file"
	h_check_expect || { H_ERROR="$file: $H_ERROR"; return 1; }
}

# h_keyword_value REST: REST without a trailing "# comment" (for keyword directives).
h_keyword_value() {
	local v=${1%%#*}
	v=${v%"${v##*[![:space:]]}"}
	printf '%s' "$v"
}

# h_parse_directive KEY REST: one line of an expectation file.
h_parse_directive() {
	local key=$1 rest=$2 v
	v=$(h_keyword_value "$rest")
	case "$key" in
	config) E_CONFIG=$v ;;
	search) E_SEARCH+=("$v") ;;
	timeout) [[ "$v" =~ ^[1-9][0-9]*$ ]] || { H_ERROR="timeout wants seconds, got '$v'"; return 1; }; E_TIMEOUT=$v ;;
	verdict) h_verdict_status "$v" >/dev/null || { H_ERROR="verdict wants pass, fail or panic, got '$v'"; return 1; }; E_VERDICT=$v ;;
	allow-missing) E_ALLOW_MISSING=1 ;;
	no-config) E_NO_CONFIG=1 ;;
	efi) E_EFI=$v ;;
	icount)
		E_ICOUNT=1
		[ -z "$v" ] || [[ "$v" =~ ^([0-9]|10)$ ]] || { H_ERROR="icount wants a shift 0..10 or nothing, got '$v'"; return 1; }
		E_ICOUNT_SHIFT=${v:-$E_ICOUNT_SHIFT} ;;
	tcg-thread) [[ "$v" =~ ^(single|multi)$ ]] || { H_ERROR="tcg-thread wants single or multi, got '$v'"; return 1; }; E_TCG_THREAD=$v ;;
	smp) [[ "$v" =~ ^[1-9][0-9]*$ ]] || { H_ERROR="smp wants a number, got '$v'"; return 1; }; E_SMP=$v ;;
	mem) [[ "$v" =~ ^[1-9][0-9]*$ ]] || { H_ERROR="mem wants MiB, got '$v'"; return 1; }; E_MEM=$v ;;
	cmdline) E_CMDLINE="${E_CMDLINE:+$E_CMDLINE }$rest" ;;
	qemu-arg) local -a words; read -r -a words <<<"$rest"; E_QEMU_ARGS+=("${words[@]}") ;;
	estimate) [[ "$v" =~ ^[1-9][0-9]*$ ]] || { H_ERROR="estimate wants seconds, got '$v'"; return 1; } ;;
	nvme) [[ "$rest" =~ ^[1-9][0-9]*( [a-z0-9_-]+:[1-9][0-9]*)+$ ]] || { H_ERROR="nvme wants 'MiB NAME:MiB...', got '$rest'"; return 1; }; E_NVME=$rest ;;
	expect) E_EXPECT+=("$rest") ;;
	expect-not) E_EXPECT_NOT+=("$rest") ;;
	expect-raw-re) E_RAW_RE+=("$rest") ;;
	expect-not-raw-re) E_NOT_RAW_RE+=("$rest") ;;
	expect-order) E_ORDER+=("$rest") ;;
	check) E_CHECK+=("$rest") ;;
	vmx-timeout | vmx-ips | vmx-smp) ;; # read by tests/integration-vmx.sh alone, which blanks them before this parser
	not-on)
		[[ "$rest" =~ ^(qemu|bochs)[[:space:]]+(.+)$ ]] || { H_ERROR="not-on wants qemu|bochs and a reason, got '$rest'"; return 1; }
		if [ "${BASH_REMATCH[1]}" = qemu ]; then E_NOT_ON_QEMU=${BASH_REMATCH[2]}; else E_NOT_ON_BOCHS=${BASH_REMATCH[2]}; fi ;;
	expect-count)
		[[ "$rest" =~ ^([0-9]+)[[:space:]]+(.+)$ ]] || { H_ERROR="expect-count wants N TEXT, got '$rest'"; return 1; }
		E_COUNT+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}") ;;
	*) H_ERROR="unknown directive '$key'"; return 1 ;;
	esac
	case "$key" in
	expect | expect-not | expect-order | expect-raw-re | expect-not-raw-re | cmdline | qemu-arg | check)
		[ -n "$rest" ] || { H_ERROR="$key needs text"; return 1; } ;;
	config | search)
		[ -n "$v" ] || { H_ERROR="$key needs a path"; return 1; } ;;
	esac
}

# h_check_expect: the parsed file is complete and cannot pass vacuously.
h_check_expect() {
	local c positive=$(( ${#E_EXPECT[@]} + ${#E_ORDER[@]} + ${#E_RAW_RE[@]} + ${#E_CHECK[@]} ))
	[ -n "$E_CONFIG" ] || { H_ERROR="no 'config' line"; return 1; }
	[ -n "$E_VERDICT" ] || { H_ERROR="no 'verdict' line"; return 1; }
	for c in "${E_COUNT[@]}"; do
		[ "${c%% *}" = 0 ] || positive=$((positive + 1))
	done
	[ "$positive" -gt 0 ] || { H_ERROR="no 'expect', 'expect-order', 'check' or 'expect-count N>0' line: the test could pass vacuously"; return 1; }
	for c in "${E_CHECK[@]}"; do
		[ -x "$H_ROOT/${c%% *}" ] || { H_ERROR="check: '${c%% *}' is not an executable file under the repo root"; return 1; }
	done
}

# h_run_checks LOG: runs every `check` script on LOG (output appended to LOG's .check.log); prints
# up to 10 lines of a failing script's output, prefixed with its name; returns 1 if any failed.
h_run_checks() {
	local log=$1 out=${1%.log}.check.log c bad=0 st
	local -a words
	: >"$out"
	for c in "${E_CHECK[@]}"; do
		read -r -a words <<<"$c"
		st=0
		echo "== ${words[*]}" >>"$out"
		(cd "$H_ROOT" && "./${words[0]}" "$log" "${words[@]:1}") >>"$out.part" 2>&1 || st=$?
		cat "$out.part" >>"$out"
		if [ "$st" != 0 ]; then
			sed -n "1,10s|^|check ${words[0]}: |p" "$out.part"
			[ -s "$out.part" ] || echo "check ${words[0]}: exit status $st, no output"
			bad=1
		fi
		rm -f "$out.part"
	done
	return "$bad"
}

# h_common_args: appends the arguments both runners (QEMU and Bochs) take for `efi` and `no-config`.
h_common_args() {
	local efi=${E_EFI:-}
	[ "${E_NO_CONFIG:-0}" = 0 ] || H_ARGS+=(--no-config)
	[ -z "$efi" ] && return 0
	[[ "$efi" == /* ]] || efi="$H_ROOT/$efi"
	H_ARGS+=(--efi "$efi")
}

# h_expect_args: fills H_ARGS with the run-qemu.sh arguments for the parsed file.
h_expect_args() {
	local d
	H_ARGS=(--config "$H_ROOT/$E_CONFIG" --timeout "$E_TIMEOUT")
	[[ "$E_CONFIG" != /* ]] || H_ARGS=(--config "$E_CONFIG" --timeout "$E_TIMEOUT")
	for d in "${E_SEARCH[@]}"; do
		[[ "$d" == /* ]] || d="$H_ROOT/$d"
		H_ARGS+=(--search "$d")
	done
	[ "$E_ALLOW_MISSING" = 0 ] || H_ARGS+=(--allow-missing)
	h_common_args
	[ -z "${ACCEL:-}" ] || H_ARGS+=(--accel "$ACCEL")
	[ "$E_ICOUNT" = 0 ] || H_ARGS+=(--icount-shift "$E_ICOUNT_SHIFT")
	[ -z "$E_TCG_THREAD" ] || H_ARGS+=(--tcg-thread "$E_TCG_THREAD")
	[ -z "$E_SMP" ] || H_ARGS+=(--smp "$E_SMP")
	[ -z "$E_MEM" ] || H_ARGS+=(--mem "$E_MEM")
	[ -z "$E_CMDLINE" ] || H_ARGS+=(--cmdline "$E_CMDLINE")
	[ ${#E_QEMU_ARGS[@]} = 0 ] || H_ARGS+=(-- "${E_QEMU_ARGS[@]}")
}

# h_raw_grep RAW PCRE: true when a line of RAW (\r also ending lines) matches PCRE.
# Not grep -q: it stops reading at the first match, tr then dies of SIGPIPE, and with pipefail the
# pipeline reports failure for a line that matched (seen on large Linux logs under load).
h_raw_grep() {
	LC_ALL=C tr '\r' '\n' <"$1" | LC_ALL=C grep -aP -- "$2" >/dev/null
}

# h_check_raw RAW: the raw-log directives; prints one line per failure, returns 1 if any failed.
h_check_raw() {
	local raw=$1 t bad=0
	for t in "${E_RAW_RE[@]}"; do
		h_raw_grep "$raw" "$t" || { echo "expect-raw-re: no raw line matches: $t"; bad=1; }
	done
	for t in "${E_NOT_RAW_RE[@]}"; do
		h_raw_grep "$raw" "$t" && { echo "expect-not-raw-re: a raw line matches: $t"; bad=1; }
	done
	return "$bad"
}

# h_check_log LOG STATUS [RAW]: checks the cleaned serial LOG (and the raw-log directives against
# RAW) and the runner STATUS against the parsed file. Prints one line per failed expectation;
# returns 1 if any failed.
h_check_log() {
	local log=$1 st=$2 raw=${3:-} want t n got missing bad=0
	want=$(h_verdict_status "$E_VERDICT")
	case "$st" in
	124) echo "timeout: no verdict within $E_TIMEOUT s"; bad=1 ;;
	4) echo "could not start: $(grep -E 'error' "$H_RUNNER_LOG" 2>/dev/null | tail -n 1)"; bad=1 ;;
	"$want") ;;
	*) echo "verdict: expected $E_VERDICT, got $(h_status_name "$st")"; bad=1 ;;
	esac
	if ! h_log_has_content "$log"; then
		echo "empty serial log"
		return 1
	fi
	for t in "${E_EXPECT[@]}"; do
		h_contains "$log" "$t" || { echo "expect: not found: $t"; bad=1; }
	done
	for t in "${E_EXPECT_NOT[@]}"; do
		h_contains "$log" "$t" && { echo "expect-not: found: $t (line $(grep -nF -- "$t" "$log" | head -n 1 | cut -d: -f1))"; bad=1; }
	done
	for t in "${E_COUNT[@]}"; do
		n=${t%% *}
		got=$(h_count "$log" "${t#* }")
		[ "$got" = "$n" ] || { echo "expect-count: ${t#* }: wanted $n lines, found $got"; bad=1; }
	done
	for t in "${E_ORDER[@]}"; do
		local -a items=()
		mapfile -t items < <(h_split_order "$t")
		missing=$(h_in_order "$log" "${items[@]}") || { echo "expect-order: '$missing' not found after the items before it in: $t"; bad=1; }
	done
	if [ -n "$raw" ]; then h_check_raw "$raw" || bad=1; fi
	[ ${#E_CHECK[@]} = 0 ] || h_run_checks "$log" || bad=1
	return "$bad"
}

# h_run_expect FILE LOGDIR: runs one expectation file. Leaves LOGDIR/<name>.log (cleaned serial
# log), <name>.raw.log, <name>.runner.log and <name>.result ("ok SECONDS" or "FAIL SECONDS" and one
# line per failed expectation). Returns 0 when every expectation held.
h_run_expect() {
	local file=$1 dir=$2 name st=0 t0
	name=$(basename "$file" .expect)
	t0=${EPOCHREALTIME/./}
	H_RUNNER_LOG="$dir/$name.runner.log"
	rm -f "$dir/$name.log" "$dir/$name.raw.log" "$H_RUNNER_LOG" "$dir/$name.result"
	: >"$dir/$name.log"
	if ! h_parse_expect "$file"; then
		echo "$H_ERROR" >"$H_RUNNER_LOG"
		printf 'FAIL 0\nbad expectation file: %s\n' "$H_ERROR" >"$dir/$name.result"
		return 1
	fi
	if [ -n "$E_NOT_ON_QEMU" ]; then
		printf 'skip 0\n%s\n' "$E_NOT_ON_QEMU" >"$dir/$name.result"
		return 0
	fi
	if [ -n "$E_NVME" ] && ! h_make_nvme "$dir/$name.nvme.img"; then
		printf 'FAIL 0\ncould not create the NVMe image (see %s)\n' "${H_RUNNER_LOG#"$H_ROOT"/}" >"$dir/$name.result"
		return 1
	fi
	h_expect_args
	h_run_qemu "$dir/$name.raw.log" "$H_RUNNER_LOG" "${H_ARGS[@]}" || st=$?
	h_finish_run "$dir" "$name" "$st" "$t0"
}

# h_make_nvme IMAGE: a fresh image for the `nvme` directive, attached through E_QEMU_ARGS.
h_make_nvme() {
	local img=$1 size parts
	read -r size parts <<<"$E_NVME"
	rm -f "$img"
	# shellcheck disable=SC2086 # the partition specs are separate words
	"$H_ROOT/tools/mk-nvme-image.sh" "$img" "$size" $parts >>"$H_RUNNER_LOG" 2>&1 || return 1
	local -a words
	read -r -a words <<<"$(h_nvme_args "$img")"
	E_QEMU_ARGS+=("${words[@]}")
}

# h_nvme_args IMAGE: the QEMU arguments of one NVMe drive (serial fixed: the boot log names it),
# as one line of words (IMAGE holds no blanks or commas: it lives under build/).
h_nvme_args() {
	echo "-drive file=$1,if=none,id=nvme0,format=raw -device nvme,serial=basalt-nvme0,drive=nvme0"
}

# h_finish_run DIR NAME STATUS T0: cleans DIR/NAME.raw.log, checks it against the parsed expectation
# file and the runner STATUS, and writes DIR/NAME.result ("ok SECS", or "FAIL SECS" and the failed
# expectations); returns 0 when the run passed.
h_finish_run() {
	local dir=$1 name=$2 st=$3 t0=$4 secs failures outcome=ok
	[ -e "$dir/$name.raw.log" ] || : >"$dir/$name.raw.log"
	h_clean_log "$dir/$name.raw.log" "$dir/$name.log"
	failures=$(h_check_log "$dir/$name.log" "$st" "$dir/$name.raw.log") || outcome=FAIL
	# Measured after the checks: a `check` script may boot QEMU again (the pool orders by this).
	secs=$(( (${EPOCHREALTIME/./} - t0) / 1000000 ))
	if [ "$outcome" = ok ]; then
		echo "ok $secs" >"$dir/$name.result"
		return 0
	fi
	printf 'FAIL %s\n%s\n' "$secs" "$failures" >"$dir/$name.result"
	return 1
}

# h_report FILE: prints the outcome of one finished run (LOG_DIR/<name>.result, written by the job)
# and counts it in the caller's `passed`, `failed` and `skipped`; shows the last TAIL_LINES of a failed
# run's log.
h_report() {
	local file=$1 name result status secs shown=${LOG_DIR#"$H_ROOT"/}
	name=$(basename "$file" .expect)
	result="$LOG_DIR/$name.result"
	if [ -s "$result" ]; then
		read -r status secs <"$result"
	else
		status=FAIL secs='?'
		printf 'FAIL ?\nthe test job died without a result\n' >"$result"
	fi
	if [ "$status" = ok ]; then
		echo "ok $name (${secs}s)"
		passed=$((passed + 1))
		return 0
	fi
	if [ "$status" = skip ]; then
		echo "skip $name: $(tail -n +2 "$result")"
		skipped=$((skipped + 1))
		return 0
	fi
	failed=$((failed + 1))
	echo "FAIL $name: $(tail -n +2 "$result" | paste -sd ';' | sed 's/;/; /g') (${secs}s)"
	echo "  --- runner: $shown/$name.runner.log (last 15 lines) ---"
	h_tail "$LOG_DIR/$name.runner.log" 15
	echo "  --- serial: $shown/$name.log (last $TAIL_LINES lines) ---"
	h_tail "$LOG_DIR/$name.log" "$TAIL_LINES"
}

# shellcheck disable=SC2154 # `running` belongs to the caller
# h_wait_one: waits for any job of the caller's `running` map (pid -> expectation file) to end and
# reports it.
h_wait_one() {
	local pid=""
	wait -n -p pid "${!running[@]}" || true
	[ -n "$pid" ] || return 0
	h_report "${running[$pid]}"
	unset "running[$pid]"
}
