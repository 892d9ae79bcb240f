# SPDX-License-Identifier: MIT
# The one parser of the hypervisor's CPU-time accounting lines and of a config's VM weights.
# shellcheck shell=bash
# Source it from bash; it sets no shell options. Used by tests/fairness-check.sh,
# tests/mixed-check.sh and tests/bench.sh.
#
# Lines read (from a cleaned serial log; fields are found by name, so extra or reordered fields
# and any unit of ns, us, ms or s are accepted):
#   basalt: cpu-time [NAME]: run 123.4 ms, steal 5.6 ms, 2 vCPUs, 14 migrations
#   basalt: core 2: busy 250.0 ms (NAME 250.0 ms, OTHER 3.1 ms), idle 10.1 ms

# acct_vms LOG: one line per VM with a cpu-time line, "NAME RUN_MS STEAL_MS VCPUS MIGRATIONS";
# a field the line lacks prints as "-". The last line for a NAME wins.
acct_vms() {
	LC_ALL=C awk '
	function ms(v, u) { return u == "ns" ? v / 1e6 : u == "us" ? v / 1e3 : u == "s" ? v * 1e3 : v }
	# field(KEY): the number after KEY (time fields: converted to ms), or "-"
	function timef(rest, key,    m) {
		if (match(rest, "(^|[ ,])" key " [0-9]+([.][0-9]+)? (ns|us|ms|s)([ ,]|$)")) {
			m = substr(rest, RSTART, RLENGTH); sub("^[ ,]*" key " ", "", m)
			split(m, a, " "); sub("[ ,]+$", "", a[2]); return sprintf("%.3f", ms(a[1] + 0, a[2]))
		}
		return "-"
	}
	function countf(rest, key,    m) {
		if (match(rest, "(^|[ ,])[0-9]+ " key "([ ,]|$)")) {
			m = substr(rest, RSTART, RLENGTH); gsub("[^0-9 ]", "", m); split(m, a, " "); return a[1] + 0
		}
		return "-"
	}
	/basalt: cpu-time \[[^]]+\]:/ {
		i = index($0, "cpu-time ["); rest = substr($0, i + 10); j = index(rest, "]:")
		name = substr(rest, 1, j - 1); rest = substr(rest, j + 2)
		if (!(name in row)) order[n++] = name
		row[name] = name " " timef(rest, "run") " " timef(rest, "steal") " " \
			countf(rest, "vCPUs?") " " countf(rest, "migrations?")
	}
	END { for (k = 0; k < n; k++) print row[order[k]] }' "$1"
}

# acct_cores LOG: one line per core with a core line, "CORE BUSY_MS IDLE_MS NAME=MS,NAME=MS...";
# "-" where the line lacks a field; the list is empty ("-") when no VM is named.
acct_cores() {
	LC_ALL=C awk '
	function ms(v, u) { return u == "ns" ? v / 1e6 : u == "us" ? v / 1e3 : u == "s" ? v * 1e3 : v }
	function timef(rest, key,    m) {
		if (match(rest, "(^|[ ,(])" key " [0-9]+([.][0-9]+)? (ns|us|ms|s)([ ,()]|$)")) {
			m = substr(rest, RSTART, RLENGTH); sub("^[ ,(]*" key " ", "", m)
			split(m, a, " "); sub("[ ,()]+$", "", a[2]); return sprintf("%.3f", ms(a[1] + 0, a[2]))
		}
		return "-"
	}
	/basalt: core [0-9]+:/ {
		i = index($0, "basalt: core "); rest = substr($0, i + 13); j = index(rest, ":")
		core = substr(rest, 1, j - 1); rest = substr(rest, j + 1)
		list = "-"
		if (match(rest, "[(][^)]*[)]")) {
			inner = substr(rest, RSTART + 1, RLENGTH - 2); rest = substr(rest, 1, RSTART - 1) substr(rest, RSTART + RLENGTH)
			k = split(inner, parts, ", *"); list = ""
			for (p = 1; p <= k; p++) {
				w = split(parts[p], f, " ")
				if (w < 3) continue
				nm = f[1]; for (q = 2; q <= w - 2; q++) nm = nm " " f[q]
				list = list (list == "" ? "" : ",") nm "=" sprintf("%.3f", ms(f[w - 1] + 0, f[w]))
			}
			if (list == "") list = "-"
		}
		if (!(core in row)) order[n++] = core
		row[core] = core " " timef(rest, "busy") " " timef(rest, "idle") " " list
	}
	END { for (k = 0; k < n; k++) print row[order[k]] }' "$1"
}

# acct_weights DTS: "NAME WEIGHT" for every VM node of the config (dtc normalises the source, so
# any layout of the .dts works); WEIGHT is the `shares` cell, or 100 (the default) without one.
acct_weights() {
	dtc -q -I dts -O dts "$1" 2>/dev/null | LC_ALL=C awk '
	function hex(s,    r, i) {
		if (s !~ /^0x/) return s + 0
		r = 0; s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++) r = r * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return r
	}
	/^[ \t]*vms[ \t]*\{/ { invms = 1; depth = 0; next }
	invms && /\{[ \t]*$/ { depth++; if (depth == 1) { name = $1; order[n++] = name; w[name] = 100 } next }
	invms && /^[ \t]*\};/ { if (depth == 0) invms = 0; else depth--; next }
	invms && depth == 1 && /^[ \t]*shares[ \t]*=/ {
		v = $0; sub(".*<[ \t]*", "", v); sub("[ \t]*>.*", "", v)
		w[name] = hex(v)
	}
	END { for (k = 0; k < n; k++) print order[k], w[order[k]] }'
}
