#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks the ACPI tables Basalt builds for a guest with Debian's iasl (acpica-tools): every table of
# the unit test's 8-vCPU, 7 GiB VM must disassemble (iasl -d) and recompile with no error, warning
# or remark, and iasl must read the key FADT/MADT/MCFG/FACS fields with the values we meant. The
# RSDP is left to the unit test: iasl -d does not take a bare RSDP.
# Usage: tests/acpi-iasl.sh [UNIT_TEST_BINARY]   (default build/unit/test_vacpi)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/unit/test_vacpi}
out=build/acpi
command -v iasl >/dev/null || { echo "acpi-iasl: iasl missing (tools/deps.sh test installs acpica-tools)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"
VACPI_DUMP_DIR=$out "$bin" >"$out/unit.log" 2>&1 || { cat "$out/unit.log"; echo "acpi-iasl: $bin failed" >&2; exit 1; }

fail=0
check() { # check WHAT LOG: iasl's log must be free of anything it complains with
	if grep -qiE 'error|warning|remark|incorrect|invalid|could not|unknown' "$2" &&
		! grep -qE '0 Errors, 0 Warnings, 0 Remarks' "$2"; then
		echo "acpi-iasl: $1:"; grep -iE 'error|warning|remark|incorrect|invalid|could not|unknown' "$2" | sed 's/^/  /'
		fail=1
	fi
}
for t in dsdt facp apic mcfg facs xsdt rsdt; do
	[ -s "$out/$t.dat" ] || { echo "acpi-iasl: $t.dat was not written"; fail=1; continue; }
	if ! (cd "$out" && iasl -d "$t.dat") >"$out/$t.dis.log" 2>&1; then
		echo "acpi-iasl: iasl -d $t.dat failed"; sed 's/^/  /' "$out/$t.dis.log"; fail=1; continue
	fi
	check "iasl -d $t.dat" "$out/$t.dis.log"
	if ! (cd "$out" && iasl -p "$t.re" "$t.dsl") >"$out/$t.asl.log" 2>&1 ||
		! grep -qE '0 Errors, 0 Warnings, 0 Remarks' "$out/$t.asl.log"; then
		echo "acpi-iasl: $t.dsl does not recompile cleanly"; sed 's/^/  /' "$out/$t.asl.log"; fail=1
	fi
done
# iasl's own table definitions must read our fields where we put them (an offset error in
# drivers/pc/acpi_tables.h would show up here as a wrong value under the right name).
fields=(
	"facp|SCI Interrupt : 0009" "facp|SMI Command Port : 00000000" "facp|PM1A Event Block Address : 00000600"
	"facp|PM1A Control Block Address : 00000604" "facp|PM Timer Block Address : 00000608"
	"facp|PM1 Event Block Length : 04" "facp|PM1 Control Block Length : 02" "facp|PM Timer Block Length : 04"
	"facp|RTC Century Index : 32" "facp|8042 Present on ports 60/64 (V2) : 0" "facp|VGA Not Present (V4) : 1"
	"facp|Control Method Power Button (V1) : 0" "facp|32-bit PM Timer (V1) : 1"
	"facp|Reset Register Supported (V2) : 1" "facp|Hardware Reduced (V5) : 0" "facp|Value to cause reset : 06"
	"facp|Address : 0000000000000CF9" "facp|Address : 0000000000000600" "facp|Address : 0000000000000604"
	"facp|Address : 0000000000000608" "facp|FADT Minor Revision : 00"
	"apic|Local Apic Address : FEE00000" "apic|PC-AT Compatibility : 1" "apic|Local Apic ID : 07"
	"apic|Address : FEC00000" "apic|Interrupt : 00000002" "apic|Interrupt : 00000009"
	"apic|Trigger Mode : 3" "apic|Interrupt Input LINT : 01"
	"mcfg|Base Address : 00000000E0000000" "mcfg|End Bus Number : 00" "facs|Version : 02"
)
for f in "${fields[@]}"; do
	t=${f%%|*} want=${f#*|}
	sed -E 's/^\[[^]]*\] *//; s/ +/ /g; s/^ //' "$out/$t.dsl" | awk -v w="$want" 'index($0, w) == 1 { found = 1 } END { exit !found }' ||
		{ echo "acpi-iasl: iasl does not read '$want' in $t"; fail=1; }
done
[ $fail -eq 0 ] && echo "acpi-iasl: DSDT, FADT, MADT, MCFG, FACS, XSDT, RSDT disassemble and recompile cleanly ($(stat -c %s "$out/dsdt.dat")-byte DSDT)"
exit $fail
