#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Inside the vm guest (run through vm-run): load vdk_vfio.ko, bind the
# NVMe and the NIC to its PCI driver, run each test program with the two
# addresses, then unbind and unload, and check what the kernel says: no
# taint beyond the module's own (O: out of tree, E: unsigned), no BUG,
# WARNING, Oops or "leak" in dmesg, nothing left pinned, and an rmmod that
# works (every reference dropped). "Nothing left pinned" is read twice: from
# the module's own debugfs counter, and from the kernel's /proc/vmstat
# (nr_foll_pin_acquired - nr_foll_pin_released must be back where it was
# after each program), which does not take the module's word for it.
# On the debug kernel, lockdep must stay on: a report that turns it off
# (KASAN's, a bad page's, lockdep's own) fails the program it came in,
# since every locking bug after it would go unseen.
#
# --tolerate RULES (debug kernel only): the kernel reports that RULES
# describe (test/vm/debug-check) are no findings, here and for the
# harness's debug-check, which also judges the taint they leave.
#
# usage: kmod-guest.sh [--tolerate RULES] MODULE.ko NVME_BDF NIC_BDF PROGRAM...
set -u
usage="usage: $0 [--tolerate RULES] MODULE.ko NVME_BDF NIC_BDF PROGRAM..."
check=$(cd "$(dirname "$0")/.." && pwd)/debug-check
tolerate=
if [ "${1:-}" = --tolerate ]; then
	[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
	tolerate=$2
	shift 2
fi
[ $# -ge 4 ] || { echo "$usage" >&2; exit 2; }
ko=$1 nvme=$2 nic=$3
shift 3
drv=vdk-vfio-pci
dbg=/sys/kernel/debug/vdk_vfio
failed=0
fail() { echo "kmod-guest: FAIL: $*"; failed=1; }
now() { date +%s%N; }
# pages pinned with FOLL_PIN and not yet released, by the kernel's count
# (kept per CPU: stat_refresh folds them first)
foll_pins() {
	echo 1 >/proc/sys/vm/stat_refresh || return 1
	awk '$1 == "nr_foll_pin_acquired" { a = $2 } $1 == "nr_foll_pin_released" { r = $2 }
	     END { if (a == "" || r == "") exit 1; print a - r }' /proc/vmstat
}
check_foll_pins() {	# check_foll_pins BEFORE WHAT
	local n
	n=$(foll_pins) || { fail "no nr_foll_pin_* in /proc/vmstat"; return; }
	[ "$n" = "$1" ] || fail "$2: /proc/vmstat counts $((n - $1)) pages pinned and not released (nr_foll_pin_acquired - nr_foll_pin_released)"
}
secs() { local ms=$(( ($(now) - $1) / 1000000 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
# lockdep's state on the debug kernel (1 on, 0 off), "" on a kernel without it
debug_locks() { sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats 2>/dev/null; }

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
if [ -n "$tolerate" ]; then
	[ -n "$(debug_locks)" ] || { echo "kmod-guest: FAIL: --tolerate is for the debug kernel only"; exit 1; }
	"$check" tolerate "$tolerate" || { echo "kmod-guest: FAIL: debug-check tolerate $tolerate"; exit 1; }
fi
locks0=$(debug_locks)
if [ "$locks0" = 0 ]; then
	echo "kmod-guest: FAIL: lockdep is off before the module loads: an earlier report turned it off (dmesg), and locking bugs would go unseen"
	exit 1
fi
taint0=$(cat /proc/sys/kernel/tainted)
pins0=$(foll_pins) || { echo "kmod-guest: FAIL: no nr_foll_pin_* in /proc/vmstat"; exit 1; }
echo "kmod-guest: start" >/dev/kmsg

# build-module.sh leaves its error in place of a module it could not build
if [ "$(head -c 4 "$ko" | tr -d '\177')" != ELF ]; then
	echo "kmod-guest: FAIL: no module to test:"
	cat "$ko"
	exit 1
fi
t=$(now)
insmod "$ko" || { echo "kmod-guest: FAIL: insmod $ko"; exit 1; }
# for a program that unloads the module and loads it again
VDK_KMOD_KO=$(realpath "$ko")
export VDK_KMOD_KO
for bdf in "$nvme" "$nic"; do
	dev=/sys/bus/pci/devices/$bdf
	echo "$drv" >"$dev/driver_override"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	if ! [ "$dev/driver" -ef "/sys/bus/pci/drivers/$drv" ]; then
		fail "$bdf did not bind to $drv"
		continue
	fi
	group=$(basename "$(readlink "$dev/iommu_group")")
	[ -c "/dev/vdk-vfio/$group" ] || fail "no /dev/vdk-vfio/$group for $bdf"
done
echo "kmod-guest: loaded and bound in $(secs "$t") s"

if [ "$failed" = 0 ]; then
	for prog; do
		t=$(now)
		p0=$(foll_pins)
		"$prog" "$nvme" "$nic"
		rc=$?
		echo "kmod-guest: $(basename "$prog"): exit status $rc in $(secs "$t") s"
		[ "$rc" = 0 ] || fail "$(basename "$prog") exited with status $rc"
		check_foll_pins "$p0" "after $(basename "$prog")"
		if [ "$locks0" = 1 ] && [ "$(debug_locks)" != 1 ]; then
			fail "lockdep turned itself off during $(basename "$prog") (a KASAN, bad page or lockdep report; dmesg below): locking bugs after it go unseen"
			locks0=0
		fi
	done
fi

pinned=$(cat "$dbg/pinned_pages")
[ "$pinned" = 0 ] || fail "$pinned pages still pinned after the tests"

t=$(now)
# remove() waits for open device fds: with all closed it returns at once
for bdf in "$nvme" "$nic"; do
	echo "$bdf" >"/sys/bus/pci/drivers/$drv/unbind" || fail "unbind $bdf"
	echo >"/sys/bus/pci/devices/$bdf/driver_override"
done
rmmod vdk_vfio || fail "rmmod vdk_vfio: the module is still referenced"
[ -e /sys/module/vdk_vfio ] && fail "vdk_vfio is still loaded"
echo "kmod-guest: unbound and unloaded in $(secs "$t") s"
check_foll_pins "$pins0" "after rmmod"

taint=$(cat /proc/sys/kernel/tainted)
forgive=$(( 4096 | 8192 ))	# O and E: out of tree, unsigned
# W of tolerated WARNs: debug-check judges it, knowing which WARNs it saw
[ -z "$tolerate" ] || forgive=$(( forgive | 512 ))
extra=$(( taint & ~taint0 & ~forgive ))
[ "$extra" = 0 ] || fail "kernel taint $taint: more than the module's own O and E (bits $(printf %#x "$extra"))"
log=$(dmesg | sed -n '/kmod-guest: start/,$p')
grep -q 'kmod-guest: start' <<<"$log" ||
	fail "the kernel log lost its lines since kmod-guest started (it overflowed): reports may be hidden"
# named on stderr, each with its reason
[ -z "$tolerate" ] || log=$("$check" filter "$tolerate" <<<"$log")
grep -q 'turning off the locking correctness validator' <<<"$log" &&
	fail "lockdep turned itself off (\"turning off the locking correctness validator\"): locking bugs after it went unseen"
bad=$(grep -E 'BUG|WARNING|Oops|leak' <<<"$log")
[ -z "$bad" ] || fail "dmesg says:
$bad"
echo "kmod-guest: module messages:"
grep -E 'vdk|vdk_vfio' <<<"$log" | sed 's/^/  /'
if [ "$failed" = 0 ]; then
	echo "kmod-guest: passed"
else
	echo "kmod-guest: --- dmesg since insmod ---"
	echo "$log" | tail -n 60
fi
exit "$failed"
