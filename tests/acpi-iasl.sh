#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks the ACPI tables Basalt builds for a guest with Debian's iasl (acpica-tools): every table of
# the unit test's 8-vCPU, 7 GiB VM must disassemble (iasl -d) and recompile with no error, warning
# or remark. The RSDP is left to the unit test: iasl -d does not take a bare RSDP.
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
[ $fail -eq 0 ] && echo "acpi-iasl: DSDT, FADT, MADT, MCFG, FACS, XSDT, RSDT disassemble and recompile cleanly ($(stat -c %s "$out/dsdt.dat")-byte DSDT)"
exit $fail
