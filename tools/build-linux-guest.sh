#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Linux demo guest from Debian packages only: build/linux/{vmlinuz,initrd.cpio.gz,initrd-shell.cpio.gz}.
#
# Usage: tools/build-linux-guest.sh [--out DIR] [--force] [--quiet]
#
#   vmlinuz               the bzImage of the linux-image-*-amd64 package that linux-image-amd64
#                         currently depends on (apt-get download + dpkg-deb -x: nothing is installed)
#   initrd.cpio.gz        busybox-static + an /init that mounts proc, sys and devtmpfs, prints
#                         BASALT-LINUX-INIT-MARKER, uname -r, /proc/cpuinfo and free, then
#                         BASALT-LINUX-DONE, and powers off (the automated test)
#   initrd-smp.cpio.gz    the SMP test: nproc, a busy loop per CPU, /proc/stat before and after,
#                         BASALT-LINUX-SMP cpus=N rising=M, then power off
#   initrd-shell.cpio.gz  the same, but it starts a busybox shell on the console (the interactive demo)
#
# initrd.cpio.gz and initrd-shell.cpio.gz also carry the kernel package's virtio modules (PCI
# transport, blk, net, console) and ext4, with every module they depend on (read from each
# module's .modinfo with objcopy: the package ships no modules.dep), loaded by /init in
# dependency order; the test prints BASALT-LINUX-MODULES with what loaded.
#
# Everything is cached under DIR (default build/linux): a re-run with all outputs present only says
# so. --force downloads and rebuilds everything. Only Debian packages are downloaded.
set -euo pipefail

PROG=build-linux-guest
out=build/linux force=0 quiet=0
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200} # 2024-01-01: reproducible initrds

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() { [ "$quiet" = 1 ] || echo "$PROG: $*"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--force) force=1; shift ;;
	--quiet) quiet=1; shift ;;
	-h | --help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
done

for tool in apt-get apt-cache dpkg-deb cpio gzip; do
	command -v "$tool" >/dev/null || die "'$tool' is missing (Debian packages apt, dpkg, cpio, gzip)"
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
root_dir=$(cd "$(dirname "$0")/.." && pwd)

# ---- kernel ------------------------------------------------------------------------------------

# The versioned package behind the linux-image-amd64 metapackage, e.g. linux-image-6.1.0-56-amd64.
resolve_kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1
}

# apt-get download, running apt-get update once if the package lists do not know the package.
download_deb() {
	local pkg=$1 dir=$2
	if ! (cd "$dir" && apt-get download -q "$pkg" >/dev/null 2>&1); then
		say "apt-get download $pkg failed; running apt-get update once"
		apt-get update -q >/dev/null || die "apt-get update failed"
		(cd "$dir" && apt-get download -q "$pkg" >/dev/null) || die "cannot download $pkg"
	fi
}

fetch_kernel() {
	local pkg deb vmlinuz
	pkg=$(resolve_kernel_package)
	if [ -z "$pkg" ]; then
		say "linux-image-amd64 unknown to apt-cache; running apt-get update once"
		apt-get update -q >/dev/null || die "apt-get update failed"
		pkg=$(resolve_kernel_package)
	fi
	[ -n "$pkg" ] || die "cannot resolve the package linux-image-amd64 depends on"
	say "kernel package: $pkg (linux-image-amd64 depends on it)"
	rm -rf "$out/deb" "$out/pkg"
	mkdir -p "$out/deb"
	say "downloading $pkg (apt-get download)"
	download_deb "$pkg" "$out/deb"
	deb=$(ls "$out"/deb/"$pkg"_*.deb | head -1)
	say "unpacking $(basename "$deb") into $out/pkg (dpkg-deb -x, nothing installed)"
	dpkg-deb -x "$deb" "$out/pkg"
	vmlinuz=$(ls "$out"/pkg/boot/vmlinuz-* 2>/dev/null | head -1)
	[ -n "$vmlinuz" ] || die "$(basename "$deb") holds no boot/vmlinuz-*"
	cp "$vmlinuz" "$out/vmlinuz"
	echo "$pkg $(dpkg-deb -f "$deb" Version) ${vmlinuz##*/vmlinuz-}" >"$out/kernel.version"
	rm -rf "$out/deb"
}

# ---- busybox and the initrds -------------------------------------------------------------------

# A static busybox: the installed busybox-static package's, else one unpacked from its .deb.
find_busybox() {
	local deb
	if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"; then
		echo /bin/busybox
		return
	fi
	if [ ! -x "$out/busybox-pkg/bin/busybox" ]; then
		say "downloading busybox-static (apt-get download)" >&2
		rm -rf "$out/busybox-deb" "$out/busybox-pkg"
		mkdir -p "$out/busybox-deb"
		download_deb busybox-static "$out/busybox-deb" >&2
		deb=$(ls "$out"/busybox-deb/busybox-static_*.deb | head -1)
		dpkg-deb -x "$deb" "$out/busybox-pkg"
		rm -rf "$out/busybox-deb"
	fi
	echo "$out/busybox-pkg/bin/busybox"
}

# The modules the guest loads, by name; their dependencies come along. crc32c_generic is ext4's
# soft dependency (its journal checksums), which .modinfo does not list as a hard one.
GUEST_MODULES=(virtio_pci virtio_blk virtio_net virtio_console crc32c_generic ext4)

# modinfo_field KO FIELD: the values of FIELD in KO's .modinfo section, one per line.
modinfo_field() {
	local tmp
	tmp=$(mktemp)
	objcopy -O binary --only-section=.modinfo "$1" "$tmp"
	tr '\0' '\n' <"$tmp" | sed -n "s/^$2=//p"
	rm -f "$tmp"
}

# module_order MODDIR: prints the .ko paths (relative to MODDIR) of GUEST_MODULES and their
# dependencies, each after everything it needs.
module_order() {
	local moddir=$1 ko name
	declare -A path=() seen=()
	while IFS= read -r ko; do
		name=$(basename "$ko" .ko)
		path[${name//-/_}]=${ko#"$moddir"/}
	done < <(find "$moddir/kernel" -name '*.ko')
	visit() {
		local m=$1 dep
		[ -z "${seen[$m]:-}" ] || return 0
		[ -n "${path[$m]:-}" ] || die "module $m is not in the kernel package"
		seen[$m]=1
		for dep in $(modinfo_field "$moddir/${path[$m]}" depends | tr ',' ' '); do
			visit "${dep//-/_}"
		done
		echo "${path[$m]}"
	}
	for name in "${GUEST_MODULES[@]}"; do
		visit "$name"
	done
}

# The part of /init both initrds share: mount the pseudo file systems and say hello.
init_common() {
	cat <<'EOF'
#!/bin/sh
# Basalt Linux demo guest: generated by tools/build-linux-guest.sh.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo BASALT-LINUX-INIT-MARKER
/bin/tsc
echo "kernel: $(uname -r)"
EOF
}

# Loads the initrd's modules (listed in load order in /etc/basalt-modules, if there is one).
init_modules() {
	cat <<'EOF'
if [ -f /etc/basalt-modules ]; then
	bad=""
	while read -r m; do insmod "/lib/modules/$(uname -r)/$m" || bad="$bad $m"; done </etc/basalt-modules
	echo "BASALT-LINUX-MODULES loaded=$(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')${bad:+failed=$bad}"
fi
EOF
}

init_test() {
	init_common
	init_modules
	cat <<'EOF'
# Only with `virtio-console;` (tests/integration/linux-virtio-console.expect): the device is
# 1af4:1043; its port 0 becomes /dev/hvc0 (devtmpfs, up to 1 s after the module binds), and what
# is written there must reach the host console with this VM's prefix.
if grep -qx 0x1043 /sys/bus/pci/devices/*/device 2>/dev/null; then
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/hvc0 ] && break; sleep 0.1; done
	echo "BASALT-LINUX-VIRTIO-CONSOLE bound=$(ls /sys/bus/virtio/drivers/virtio_console 2>/dev/null | grep virtio | tr '\n' ' ')hvc0=$([ -c /dev/hvc0 ] && echo yes || echo no)"
	[ -c /dev/hvc0 ] && echo BASALT-LINUX-HVC0-HELLO >/dev/hvc0
fi
uname -r
cat /proc/cpuinfo
grep -qw hypervisor /proc/cpuinfo && echo BASALT-LINUX-HYPERVISOR-FLAG
free
cat /proc/interrupts
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# Guest time against the RTC (which follows the host's clock) across a 3-second sleep: the
# kernel's clock must run at real speed, neither calibrated wrong nor falling behind.
r0=$(cat /sys/class/rtc/rtc0/since_epoch); u0=$(cut -d' ' -f1 /proc/uptime)
sleep 3
r1=$(cat /sys/class/rtc/rtc0/since_epoch); u1=$(cut -d' ' -f1 /proc/uptime)
awk -v r="$((r1 - r0))" -v u0="$u0" -v u1="$u1" 'BEGIN {
	u = u1 - u0; ok = (u >= 2.9 && u <= 3.6 && r >= 2 && r <= 4 && u - r <= 1.6 && r - u <= 1.6)
	printf "BASALT-LINUX-CLOCK uptime=%.2f rtc=%d %s\n", u, r, ok ? "ok" : "WRONG" }'
echo BASALT-LINUX-DONE
# With ACPI the kernel powers the VM off through the FADT's PM1 control; without (acpi=off) it
# has no way to, and resets instead (port 0xcf9, reboot=pci).
if [ -d /sys/firmware/acpi/tables ]; then poweroff -f; else reboot -f; fi
EOF
}

# The SMP test (tests/integration/linux-smp.expect): the CPUs Linux brought up, then one busy loop
# per CPU for 2 s; every cpuN line of /proc/stat must show more user+nice+system time after it.
init_smp() {
	init_common
	cat <<'EOF'
n=$(nproc)
echo "nproc: $n"
grep '^cpu[0-9]' /proc/stat >/tmp/before
for i in $(seq 1 "$n"); do timeout 2 sh -c 'while :; do :; done' & done
wait
grep '^cpu[0-9]' /proc/stat >/tmp/after
cat /tmp/before /tmp/after
r=$(awk 'NR == FNR { b[$1] = $2 + $3 + $4; next } ($1 in b) && $2 + $3 + $4 > b[$1] { r++ }
	END { print r + 0 }' /tmp/before /tmp/after)
echo "BASALT-LINUX-SMP cpus=$n rising=$r"
echo BASALT-LINUX-DONE
poweroff -f
EOF
}

# make bench: the marker and the instruction count, then the end of the VM at once.
init_bench() {
	cat <<'EOF'
#!/bin/sh
echo BASALT-LINUX-INIT-MARKER
/bin/tsc
reboot -f
EOF
}

# The I/O tests (tests/integration/linux-disk*.expect, linux-net.expect): one /init, the role from
# the kernel command line (basalt.role=...). Addresses: basalt.ip=10.0.0.N/24, basalt.peer=10.0.0.M.
# The 64 MiB stream is 64 copies of `seq 1 200000 | head -c 1048576`; the expectation knows its SHA-256.
init_io() {
	init_common
	init_modules
	cat <<'EOF'
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^basalt\.$1=//p"; }
role=$(arg role); ip=$(arg ip); peer=$(arg peer)
echo "BASALT-IO role=$role"
wait_dev() { for i in $(seq 1 50); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
net_up() {
	wait_dev /sys/class/net/eth0 || { echo "BASALT-IO-NET no eth0"; return 1; }
	ip addr add "$ip" dev eth0 && ip link set eth0 up
	echo "BASALT-IO-NET eth0 $(cat /sys/class/net/eth0/address) mtu $(cat /sys/class/net/eth0/mtu) $ip"
}
# 64 copies of one MiB of `seq` text: generating 64 MiB of it in the emulated guest took longer
# than sending it.
stream() { seq 1 200000 | head -c 1048576 >/tmp/chunk; for i in $(seq 1 64); do cat /tmp/chunk; done; }
disk_write() {
	wait_dev /dev/vda || echo "BASALT-IO-DISK no /dev/vda"
	# The full path: busybox sh runs its own (ext2-only) mke2fs applet before looking at PATH.
	/sbin/mke2fs -q -t ext4 -F /dev/vda && mkdir -p /mnt && mount -t ext4 /dev/vda /mnt &&
	dd if=/dev/urandom of=/mnt/data bs=64k count=64 2>/dev/null &&
	(cd /mnt && sha256sum data >data.sha256) && sync && umount /mnt &&
	echo "BASALT-IO-DISK-WRITTEN $(cat /sys/block/vda/size) sectors"
}
disk_check() {
	wait_dev /dev/vda || echo "BASALT-IO-DISK no /dev/vda"
	/sbin/e2fsck -fn /dev/vda >/tmp/fsck 2>&1; rc=$?; tail -3 /tmp/fsck
	mkdir -p /mnt && mount -t ext4 -o ro /dev/vda /mnt && (cd /mnt && sha256sum -c data.sha256) &&
	echo "BASALT-IO-DISK-CHECK fsck=$rc data=intact"; umount /mnt 2>/dev/null
}
case "$role" in
disk-format) disk_write ;;
disk-check) disk_check ;;
disk-roundtrip) disk_write && disk_check ;;
disk-smp)
	# Every CPU reads vda at once (O_DIRECT: each read a request of its own) while another
	# writes vdb; then vdb must hold what was written.
	disk_write && n=$(nproc) &&
	for c in $(seq 0 $((n - 1))); do taskset -c "$c" dd if=/dev/vda of=/dev/null bs=64k count=256 iflag=direct 2>/dev/null & done &&
	dd if=/dev/urandom of=/tmp/w bs=64k count=64 2>/dev/null && taskset -c 0 dd if=/tmp/w of=/dev/vdb bs=64k oflag=direct 2>/dev/null &&
	wait && sync && cmp -n 4194304 /tmp/w /dev/vdb && echo "BASALT-IO-DISK-SMP cpus=$n readers=$n written=4MiB ok" &&
	disk_check ;;
net-server)
	net_up && ping -c 3 -w 30 "$peer" | tail -2
	# busybox nc also copies its stdin to the peer and quits at its EOF: a FIFO nobody writes
	# keeps it open and silent.
	mkfifo /tmp/hold
	(nc -l -p 5000 </tmp/hold | sha256sum | cut -d' ' -f1 >/tmp/sum) &
	exec 3>/tmp/hold
	wait $!
	echo "BASALT-IO-NET-RECEIVED sha256=$(cat /tmp/sum)" ;;
net-client)
	net_up && ping -c 3 -w 30 "$peer" | tail -2
	for i in $(seq 1 100); do stream | nc "$peer" 5000 && break; sleep 0.2; done
	echo "BASALT-IO-NET-SENT" ;;
net-spoof)
	ip link set eth0 address 02:de:ad:be:ef:01; net_up
	if ping -c 3 -w 8 "$peer" >/dev/null; then echo "BASALT-IO-NET-SPOOF reached"; else echo "BASALT-IO-NET-SPOOF contained"; fi ;;
net-peer)
	# The make-run demo's second VM: a web page for the first one, then off once it is gone.
	net_up && mkdir -p /www && echo "Hello from the peer VM, across Basalt's switch lan0." >/www/index.html &&
	httpd -h /www && echo "BASALT-IO-NET-PEER serving http://${ip%/*}/"
	until ping -c 1 -w 2 "$peer" >/dev/null 2>&1; do sleep 1; done
	misses=0
	while [ "$misses" -lt 3 ]; do
		if ping -c 1 -w 2 "$peer" >/dev/null 2>&1; then misses=0; else misses=$((misses + 1)); fi
		sleep 2
	done
	echo "BASALT-IO-NET-PEER $peer is gone, powering off" ;;
net-isolated)
	net_up
	if ping -c 3 -w 8 "$peer" >/dev/null; then echo "BASALT-IO-NET-ISOLATED reached"; else echo "BASALT-IO-NET-ISOLATED contained"; fi ;;
esac
echo BASALT-LINUX-DONE
poweroff -f
EOF
}

# cttyhack gives the shell a controlling terminal, so Ctrl-C works; leaving the shell ends the VM (reboot -f: Basalt treats a guest reset as the end of the VM).
init_shell() {
	init_common
	init_modules
	cat <<'EOF'
# The demo's disk and network, when the config gives them (tools/demo/demo.dts): /dev/vda on /mnt
# (made ext4 the first time: it is a partition of make run's NVMe image and outlives the run),
# and eth0 at basalt.ip=... from the command line.
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^basalt\.$1=//p"; }
for i in $(seq 1 20); do [ -e /dev/vda ] && break; sleep 0.1; done
if [ -e /dev/vda ]; then
	mkdir -p /mnt
	mount -t ext4 /dev/vda /mnt 2>/dev/null || { /sbin/mke2fs -q -t ext4 /dev/vda && mount -t ext4 /dev/vda /mnt; } &&
	echo "disk: /dev/vda ($(($(cat /sys/block/vda/size) / 2048)) MiB) mounted on /mnt; what you write there is on the host's NVMe drive"
	[ -f /mnt/boots ] && echo "      earlier boots of this disk: $(cat /mnt/boots)"
	echo $(( $(cat /mnt/boots 2>/dev/null || echo 0) + 1 )) >/mnt/boots; sync
fi
ip=$(arg ip)
if [ -n "$ip" ] && [ -e /sys/class/net/eth0 ]; then
	ip addr add "$ip" dev eth0 && ip link set eth0 up &&
	echo "net: eth0 $(cat /sys/class/net/eth0/address) $ip on switch lan0; try: ping -c 3 $(arg peer); wget -O- http://$(arg peer)/"
fi
echo "Basalt Linux demo: busybox shell on the console; 'exit' ends the VM."
setsid cttyhack /bin/sh -l
[ -e /dev/vda ] && umount /mnt 2>/dev/null
echo BASALT-LINUX-DONE
reboot -f
EOF
}

# Debian's mke2fs and e2fsck (busybox has only an ext2 mke2fs and no fsck), with the shared
# libraries ldd names, at the paths the dynamic loader looks for them.
add_e2fsprogs() {
	local root=$1 bin lib
	for bin in /sbin/mke2fs /sbin/e2fsck; do
		[ -x "$bin" ] || die "$bin is missing (Debian package e2fsprogs)"
		rm -f "$root/sbin/$(basename "$bin")" "$root/bin/$(basename "$bin")" # busybox's ext2-only applet
		cp "$bin" "$root/sbin/"
		for lib in $(ldd "$bin" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
	ln -sf mke2fs "$root/sbin/mkfs.ext4"
}

# Writes a gzipped newc cpio of a busybox root whose /init is the output of $2; with a 4th
# argument "modules", the guest modules too.
build_initrd() {
	local dest=$1 init_fn=$2 busybox=$3 with_modules=${4:-} with_e2fs=${5:-} root m
	root=$(mktemp -d "$out/root.XXXXXX")
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root}
	cp "$busybox" "$root/bin/busybox"
	cp "$out/tsc" "$root/bin/tsc"
	for applet in $("$busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	"$init_fn" >"$root/init"
	if [ "$with_modules" = modules ]; then
		for m in "${module_list[@]}"; do
			mkdir -p "$root/lib/modules/$kver/$(dirname "$m")"
			cp "$out/pkg/lib/modules/$kver/$m" "$root/lib/modules/$kver/$m"
		done
		printf '%s\n' "${module_list[@]}" >"$root/etc/basalt-modules"
	fi
	[ "$with_e2fs" = e2fsprogs ] && add_e2fsprogs "$root"
	chmod 755 "$root/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	# The kernel opens /dev/console before /init runs; its built-in initramfs has one too.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --reproducible --quiet | gzip -n -9 >"$dest.tmp")
	mv "$dest.tmp" "$dest"
	rm -rf "$root"
}

# ---- main --------------------------------------------------------------------------------------

outputs=("$out/vmlinuz" "$out/kernel.version" "$out/initrd.cpio.gz" "$out/initrd-shell.cpio.gz"
	"$out/initrd-bench.cpio.gz" "$out/initrd-smp.cpio.gz" "$out/initrd-io.cpio.gz")
cached=1
for f in "${outputs[@]}"; do
	[ -s "$f" ] || cached=0
done
# A changed script means changed init scripts: rebuild the (cheap) initrds, never the kernel.
[ "$cached" = 1 ] && { [ "$out/initrd.cpio.gz" -nt "$script" ] || cached=0; }
[ "$cached" = 1 ] && { [ "$out/initrd.cpio.gz" -nt "$root_dir/tools/linux-guest/tsc.c" ] || cached=0; }
if [ "$force" = 0 ] && [ "$cached" = 1 ]; then
	read -r pkg ver kver <"$out/kernel.version"
	say "cached: $out/vmlinuz ($pkg $ver, kernel $kver), initrd.cpio.gz, initrd-shell.cpio.gz"
	exit 0
fi

if [ "$force" = 1 ] || [ ! -s "$out/vmlinuz" ] || [ ! -s "$out/kernel.version" ]; then
	fetch_kernel
else
	say "kernel cached: $out/vmlinuz"
fi
read -r pkg ver kver <"$out/kernel.version"
say "kernel version: $kver (package $pkg $ver), $(stat -c %s "$out/vmlinuz") bytes"

busybox=$(find_busybox)
say "busybox: $busybox ($("$busybox" | head -1 | cut -d' ' -f1-2))"
# Our own tiny TSC printer (tools/linux-guest/tsc.c): static, no C library.
gcc -static -nostdlib -O2 -fno-pie -no-pie -fno-stack-protector -o "$out/tsc" "$root_dir/tools/linux-guest/tsc.c"
command -v objcopy >/dev/null || die "'objcopy' is missing (Debian package binutils)"
module_order "$out/pkg/lib/modules/$kver" >"$out/modules.list" || die "cannot work out the guest modules"
mapfile -t module_list <"$out/modules.list"
say "guest modules: ${#module_list[@]} (${GUEST_MODULES[*]} and what they need)"
say "building initrd.cpio.gz (test: prints the markers, powers off)"
build_initrd "$out/initrd.cpio.gz.new" init_test "$busybox" modules
say "building initrd-shell.cpio.gz (interactive shell)"
build_initrd "$out/initrd-shell.cpio.gz" init_shell "$busybox" modules e2fsprogs
say "building initrd-bench.cpio.gz (marker and instruction count, then reset)"
build_initrd "$out/initrd-bench.cpio.gz" init_bench "$busybox"
say "building initrd-smp.cpio.gz (nproc and a busy loop on every CPU, then power off)"
build_initrd "$out/initrd-smp.cpio.gz" init_smp "$busybox"
say "building initrd-io.cpio.gz (disk and network tests, role from the command line)"
build_initrd "$out/initrd-io.cpio.gz" init_io "$busybox" modules e2fsprogs
# Written last: its timestamp is what the cache check compares with the script.
mv "$out/initrd.cpio.gz.new" "$out/initrd.cpio.gz"
say "done: $out/vmlinuz $(stat -c %s "$out/initrd.cpio.gz")-byte initrd.cpio.gz" \
	"$(stat -c %s "$out/initrd-shell.cpio.gz")-byte initrd-shell.cpio.gz"
