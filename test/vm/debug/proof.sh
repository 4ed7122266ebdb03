#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The vm-debug tier's proof that its detectors work: build
# vdk_debug_plant.ko against the debug kernel, boot that kernel and run
# detectors.sh there (each planted bug reported by debug-check, each
# injected allocation failure not), then check that the leak it planted
# last made vm-run itself fail with status 123 and kmemleak's report.
#
# usage: proof.sh VM_RUN [VM_RUN_OPTION...]   (options such as --mem)
set -u
[ $# -ge 1 ] || { echo "usage: $0 VM_RUN [VM_RUN_OPTION...]" >&2; exit 2; }
vm_run=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
failed=0
fail() { echo "proof: FAIL: $*"; failed=1; }

headers=$("$here/../debug-kernel" --headers) || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/plant/* "$work/"
make -s -C "$headers" M="$work" modules >"$work/build.log" 2>&1 || {
	cat "$work/build.log"
	echo "proof: FAIL: vdk_debug_plant.ko did not build"
	exit 1
}

"$vm_run" --kernel debug "$@" --timeout 600 -- "$here/detectors.sh" "$work/vdk_debug_plant.ko" \
	>"$work/stdout" 2>"$work/stderr"
rc=$?
cat "$work/stdout" "$work/stderr"
grep -qx '[1-9][0-9]* passed, 0 failed' "$work/stdout" ||
	fail "detectors.sh did not pass all its checks"
[ "$rc" = 123 ] || fail "vm-run exited $rc, want 123 (the debug kernel reported a bug)"
grep -q 'the debug kernel reported a bug' "$work/stderr" ||
	fail "vm-run did not say the debug kernel reported a bug"
# The last leak comes after every step's window, inside the harness's:
# reported there, with the module's function on its stack.
grep -A12 'unreferenced object' "$work/stderr" | grep -q 'vdk_debug_plant' ||
	fail "vm-run's report has no kmemleak object allocated by vdk_debug_plant"
[ "$failed" = 0 ] && echo "proof: passed" || echo "proof: failed"
exit "$failed"
