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
#
# usage: kmod-guest.sh MODULE.ko NVME_BDF NIC_BDF PROGRAM...
set -u
[ $# -ge 4 ] || { echo "usage: $0 MODULE.ko NVME_BDF NIC_BDF PROGRAM..." >&2; exit 2; }
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

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
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
extra=$(( taint & ~taint0 & ~(4096 | 8192) ))
[ "$extra" = 0 ] || fail "kernel taint $taint: more than the module's own O and E (bits $(printf %#x "$extra"))"
log=$(dmesg | sed -n '/kmod-guest: start/,$p')
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
