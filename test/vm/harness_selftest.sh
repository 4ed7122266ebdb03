#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Checks vm-run itself, on the host: that a failing command fails with its
# status, its output and the guest's dmesg shown; that the guest sees a
# fresh folder under /tmp and runs in it (CI clones into unknown folders);
# that --env and --hugepages reach the command; that a hung command is
# killed with a clear message; that a setup error is reported as the
# harness's fault. Three boots, one CPU each: the checks need no more.
#
# usage: harness_selftest.sh path/to/vm-run
set -u
vm_run=${1:?usage: $0 path/to/vm-run}
passed=0 failed=0

expect() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
		passed=$((passed + 1))
	else
		echo "FAILED: $what" >&2
		failed=$((failed + 1))
	fi
}
has() { grep -qF -- "$2" <<<"$1"; }

work=$(mktemp -d /tmp/vdk-vm-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "marker $$" >"$work/marker"

# 1. A failing command, run from a fresh folder under the host's /tmp.
cd "$work" || exit 1
res=$("$vm_run" --smp 1 --hugepages 8 --env VDK_SELFTEST=through -- \
	sh -c 'cat marker; pwd; echo "env=$VDK_SELFTEST";
	       grep HugePages_Total /proc/meminfo; echo to-stderr >&2; exit 3' 2>&1)
rc=$?
expect "a command's exit status comes back (3, got $rc)" [ "$rc" = 3 ]
expect "the guest sees a fresh folder under /tmp" has "$res" "marker $$"
expect "the command runs in the caller's folder" has "$res" "$work"
expect "--env reaches the command" has "$res" "env=through"
expect "--hugepages 8 reserves 8" grep -qE 'HugePages_Total: +8' <<<"$res"
expect "stderr is shown" has "$res" "to-stderr"
expect "the failure is named" has "$res" "failed in the guest with exit status 3"
expect "the guest's dmesg since the command started is shown" has "$res" "vdk-vm: command starts"
cd / || exit 1

# 2. A hung command is killed at its timeout.
res=$("$vm_run" --smp 1 --timeout 2 -- sleep 600 2>&1)
rc=$?
expect "a timeout exits 124 (got $rc)" [ "$rc" = 124 ]
expect "a timeout says so" has "$res" "did not finish within its 2 s timeout"

# 3. A setup failure in the guest (a module that is not one).
res=$("$vm_run" --smp 1 --insmod "$work/marker" -- true 2>&1)
rc=$?
expect "a guest setup failure exits 125 (got $rc)" [ "$rc" = 125 ]
expect "a guest setup failure names its cause" has "$res" "insmod $work/marker failed"

# 4. Bad options fail on the host, before any boot.
res=$("$vm_run" --bind nvme0=e1000e -- true 2>&1)
rc=$?
expect "a wrong driver is refused (125, got $rc)" [ "$rc" = 125 ]
expect "a wrong driver is named" has "$res" "cannot use driver 'e1000e'"
res=$("$vm_run" --kernel bogus -- true 2>&1)
rc=$?
expect "an unknown kernel is refused (125, got $rc)" [ "$rc" = 125 ]
expect "an unknown kernel is named" has "$res" "--kernel wants stock or debug, got 'bogus'"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
