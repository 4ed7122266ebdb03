#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Inside the guest on the debug kernel (vm-run --kernel debug): plant each
# kind of bug with vdk_debug_plant.ko and check that debug-check reports it
# with the detector's own words, and that an allocation failed by each
# fault injector is not taken for a bug. Ends with "N passed, N failed",
# then plants one more leak and leaves it to the harness's own check, which
# must make vm-run fail (proof.sh checks that from the host).
#
# usage: detectors.sh vdk_debug_plant.ko
set -u
[ $# = 1 ] || { echo "usage: $0 vdk_debug_plant.ko" >&2; exit 2; }
check=$(cd "$(dirname "$0")/.." && pwd)/debug-check
trigger=/sys/kernel/debug/vdk_debug_plant/trigger
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

insmod "$1" || { echo "FAIL: insmod $1"; echo "0 passed, 1 failed"; exit 1; }

# plant WORD PATTERN [START_OK]: the bug must fail the check, and the report
# must match PATTERN. START_OK: start's accepted statuses (default 0).
plant() {
	local word=$1 pattern=$2 start_ok=${3:-0} rc report
	"$check" start step
	rc=$?
	[[ " $start_ok " == *" $rc "* ]] || { bad "$word: debug-check start exited $rc"; return; }
	# Its own process: the pointers it held go with its stack.
	sh -c "echo $word >$trigger"
	report=$("$check" finish step)
	rc=$?
	if [ "$rc" = 1 ] && grep -qE "$pattern" <<<"$report"; then
		ok "$word: debug-check reports /$pattern/"
	else
		bad "$word: debug-check exited $rc (want 1), report matching /$pattern/ wanted; it said:"
		echo "$report"
	fi
}

# inject NAME WORD: the module's allocation for WORD under fault injector
# NAME (failslab, fail_page_alloc), in one task, once: a page fault that
# fails is retried for ever.
inject() {
	local fi=/sys/kernel/debug/$1 word=$2 rc report log
	echo N >"$fi/ignore-gfp-wait"
	echo Y >"$fi/task-filter"
	echo 1 >"$fi/interval"
	echo 1 >"$fi/times"
	echo 1 >"$fi/verbose"
	[ -e "$fi/min-order" ] && echo 0 >"$fi/min-order"
	echo 100 >"$fi/probability"
	"$check" start step || { bad "$1: debug-check start"; return; }
	# stdout is the trigger before the task may fail, and the first
	# write to make-it-fail brings in what the second needs: echo is a
	# builtin, so the trigger's write is all the failing task does.
	(exec >"$trigger"; echo 0 >/proc/self/make-it-fail
	 echo 1 >/proc/self/make-it-fail; echo "$word") 2>/dev/null
	rc=$?
	echo 0 >"$fi/probability"
	log=$(dmesg | tail -n 30)
	if [ "$rc" != 0 ] && grep -q "vdk_debug_plant: .* failed" <<<"$log" &&
		grep -q "name $1," <<<"$log"; then
		ok "$1: the module's allocation failed, FAULT_INJECTION says so"
	else
		bad "$1: write status $rc, want an error; the log:"
		echo "$log"
	fi
	report=$("$check" finish step)
	if [ $? = 0 ]; then
		ok "$1: a failed allocation is no finding"
	else
		bad "$1: debug-check took the injected failure for a bug:"
		echo "$report"
	fi
}

inject failslab slab
inject fail_page_alloc page
plant leak 'kmemleak: .*unreferenced|unreferenced object'
plant list 'list_add double add'
plant ubsan 'UBSAN: shift-out-of-bounds'
plant atomic_sleep 'BUG: sleeping function called from invalid context'
plant lockdep 'possible circular locking dependency detected'
# Lockdep reports once a boot, and KASAN's report turns it off too: last.
plant uaf 'BUG: KASAN: .*use-after-free' "0 3"

echo "$passed passed, $failed failed"
# For the harness's own check around this command (proof.sh).
sh -c "echo leak >$trigger"
exit $((failed > 0))
