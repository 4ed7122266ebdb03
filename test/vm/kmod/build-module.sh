#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build vdk_vfio.ko for the vm guest: copy kernel/linux/{vdk_vfio,include}
# next to OUTPUT (kbuild writes its objects beside the sources, and they
# stay out of the source tree), build against the guest kernel's headers
# (test/vm/guest-kernel --headers installs them if missing), and copy the
# module to OUTPUT. Kbuild's own dependency tracking keeps rebuilds quick.
#
# A failed build does not fail ninja (which would stop every vm test from
# running): OUTPUT then holds the error, and the kmod tests report it. That
# holds for every step (the ERR trap), and two runs at once (two
# `meson test` in one build dir: the target is always stale) take turns.
#
# usage: build-module.sh GUEST_KERNEL SOURCE_ROOT/kernel/linux OUTPUT.ko
#   GUEST_KERNEL: test/vm/guest-kernel, or test/vm/debug-kernel for the
#   vm-debug tier's kernel
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 GUEST_KERNEL KERNEL_LINUX_DIR OUTPUT.ko" >&2; exit 2; }
guest_kernel=$1 src=$2 out=$3
failed() {
	{ echo "vdk_vfio.ko was not built: $1"; cat "${2:-/dev/null}"; } >"$out"
	cat "$out" >&2
	exit 0
}
trap 'failed "$0: line $LINENO failed"' ERR
headers=$("$guest_kernel" --headers) ||
	failed "no guest kernel headers (run $guest_kernel --headers as root)"
# kbuild wants an absolute M=; one work dir an output, as each output has
# its kernel (guest-kernel's or debug-kernel's)
work=$(cd "$(dirname "$out")" && pwd)/$(basename "$out" .ko).build
mkdir -p "$work"
exec 9>"$work.lock"
flock 9
# -p keeps timestamps, so unchanged sources are not rebuilt
cp -rp "$src/vdk_vfio" "$src/include" "$work/"
make -s -C "$headers" M="$work/vdk_vfio" modules >"$work/build.log" 2>&1 ||
	failed "make -C $headers M=$work/vdk_vfio modules failed:" "$work/build.log"
# kbuild's only expected remark: no vmlinux to take BTF from
grep -v 'Skipping BTF generation' "$work/build.log" >&2 || true
# Without its debug info the module is a tenth of the size: quicker to
# read over 9p in the guest. The build dir keeps the full one.
strip --strip-debug -o "$out" "$work/vdk_vfio/vdk_vfio.ko"
