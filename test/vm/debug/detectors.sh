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

# Two check windows, one for the injectors and one for all the plants: a
# window's finish costs two kmemleak scans (10 to 20 s each under TCG).
# Sharing one loses nothing: finish prints every report it finds, each
# plant's is told by its detector's own words, and any one of them alone
# makes finish exit 1 (a line matching debug-check's pattern is a finding
# unless a rules file tolerates it, and this check has none).

# inject NAME WORD: the module's allocation for WORD under fault injector
# NAME (failslab, fail_page_alloc), in one task, once: a page fault that
# fails is retried for ever.
inject() {
	local fi=/sys/kernel/debug/$1 word=$2 rc log
	echo N >"$fi/ignore-gfp-wait"
	echo Y >"$fi/task-filter"
	echo 1 >"$fi/interval"
	echo 1 >"$fi/times"
	echo 1 >"$fi/verbose"
	[ -e "$fi/min-order" ] && echo 0 >"$fi/min-order"
	echo 100 >"$fi/probability"
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
}

injectors=(failslab fail_page_alloc)
if "$check" start step; then
	inject failslab slab
	inject fail_page_alloc page
	if report=$("$check" finish step); then
		for fi in "${injectors[@]}"; do ok "$fi: a failed allocation is no finding"; done
	else
		bad "${injectors[*]}: debug-check took an injected failure for a bug:"
		echo "$report"
	fi
else
	bad "${injectors[*]}: debug-check start"
fi

# Each plant's word and the words its report must hold. Lockdep reports
# once a boot, and KASAN's report turns it off too: uaf last.
plants=(leak list ubsan atomic_sleep lockdep uaf)
declare -A want=(
	[leak]='kmemleak: .*unreferenced|unreferenced object'
	[list]='list_add double add'
	[ubsan]='UBSAN: shift-out-of-bounds'
	[atomic_sleep]='BUG: sleeping function called from invalid context'
	[lockdep]='possible circular locking dependency detected'
	[uaf]='BUG: KASAN: .*use-after-free')
"$check" start step
rc=$?
if [ "$rc" = 0 ]; then
	for word in "${plants[@]}"; do
		# Its own process: the pointers it held go with its stack.
		sh -c "echo $word >$trigger"
	done
	report=$("$check" finish step)
	rc=$?
	[ "$rc" = 1 ] || bad "plants: debug-check finish exited $rc, want 1"
	for word in "${plants[@]}"; do
		if grep -qE "${want[$word]}" <<<"$report"; then
			ok "$word: debug-check reports /${want[$word]}/"
		else
			bad "$word: no report matching /${want[$word]}/ from debug-check"
			missing=1
		fi
	done
	[ -z "${missing:-}" ] || { echo "debug-check said:"; echo "$report"; }
else
	bad "plants: debug-check start exited $rc"
fi

echo "$passed passed, $failed failed"
# For the harness's own check around this command (proof.sh).
sh -c "echo leak >$trigger"
exit $((failed > 0))
