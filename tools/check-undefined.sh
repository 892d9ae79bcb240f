#!/usr/bin/env bash
# Fails the build when the linked hypervisor still has undefined symbols (a shared link would allow them).
set -euo pipefail
undefined=$(nm -u "$1" | awk '{print $2}' | grep -v '^$' || true)
if [ -n "$undefined" ]; then
	echo "error: $1 has undefined symbols:" >&2
	echo "$undefined" | sed 's/^/  /' >&2
	exit 1
fi
