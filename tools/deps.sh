#!/usr/bin/env bash
# Installs the Debian packages a make target needs, or says exactly how to.
# Usage: tools/deps.sh build|test|run|bench|fuzz|vmx
set -euo pipefail

common=(gcc make binutils gnu-efi libfdt-dev device-tree-compiler mtools dosfstools)
case "${1:-build}" in
build) pkgs=("${common[@]}") ;;
run | bench) pkgs=("${common[@]}" qemu-system-x86 ovmf cpio busybox-static e2fsprogs fdisk) ;;
test) pkgs=("${common[@]}" qemu-system-x86 ovmf libcmocka-dev clang libclang-rt-14-dev bochs bochs-term vgabios cpio busybox-static e2fsprogs libzydis-dev acpica-tools fdisk) ;;
fuzz) pkgs=("${common[@]}" clang libclang-rt-14-dev libzydis-dev) ;;
vmx) pkgs=("${common[@]}" bochs bochs-term vgabios ovmf cpio busybox-static) ;;
*) echo "deps.sh: unknown set '$1'" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "Missing Debian packages. Install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
