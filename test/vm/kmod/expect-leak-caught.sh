#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Inside the vm guest: the proof that kmod-guest.sh's /proc/vmstat pin
# check catches a leak the module itself cannot see. Runs kmod-guest.sh
# with kmod_leak_pin (which leaks one page through the module's test_fault
# parameter) and passes only if kmod-guest.sh fails, and fails for that
# leak alone.
#
# usage: expect-leak-caught.sh KMOD_GUEST MODULE.ko NVME_BDF NIC_BDF KMOD_LEAK_PIN
set -u
[ $# = 5 ] || { echo "usage: $0 KMOD_GUEST MODULE.ko NVME_BDF NIC_BDF KMOD_LEAK_PIN" >&2; exit 2; }
out=$("$1" "$2" "$3" "$4" "$5" 2>&1)
rc=$?
echo "$out"
fails=$(grep -c 'kmod-guest: FAIL' <<<"$out")
caught=$(grep -c 'kmod-guest: FAIL: after kmod_leak_pin: /proc/vmstat counts 1 pages pinned and not released' <<<"$out")
leaked=$(grep -c 'leak: the module counts 0 pinned pages and VmPin 0 kB; /proc/vmstat counts 1 more' <<<"$out")
# the same page is still pinned after rmmod: two lines, nothing else
if [ "$rc" = 1 ] && [ "$caught" = 1 ] && [ "$leaked" = 1 ] && [ "$fails" = 2 ]; then
	echo "expect-leak-caught: passed: the leaked pin failed the run, and only it"
	exit 0
fi
echo "expect-leak-caught: FAIL: kmod-guest.sh exit status $rc, $fails failures, leak seen by the program: $leaked, by the check: $caught"
exit 1
