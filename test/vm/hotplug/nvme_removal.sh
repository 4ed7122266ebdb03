#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vdk-nvme-perf loses its controller mid-run (vm-run --hotplug; on
# vfio-pci, or on vdk-vfio-pci with VDK_VFIO_DRIVER=vdk-vfio-pci):
#   nvme_removal.sh VDK_NVME_PERF NVME_HOT_ADD
# 1. nvme0 unbound through sysfs: the unbind completes and perf ends
#    within 10 s, saying which controller went away, with its results
#    and exit status 1 (no signal); bound again, perf runs on it.
# 2. hp-nvme unplugged with device_del: the same within 15 s of the
#    device_del (the guest's pciehp waits 5 s after the button); the
#    device leaves the bus; device_add brings it back, and nvme_hot_add,
#    started while it was gone, attaches it in-process
#    (vdk_nvme_ctrlr_attach) and does I/O on it; then perf runs on it.
# Last, the kernel log: no bug, no warning, no repeated device request.
set -u
perf=$1 hot_add=$2
. "$(dirname "$0")/hotplug_lib.sh"
dir=$(mktemp -d)
mark_kmsg start

# perf_bg BDF NAME: 60 s of reads in the background; waits until it runs.
perf_bg() {
	"$perf" -l 0 -a "$1" -- -r "trtype:PCIe traddr:$1" -t 60 -q 8 -w randread \
		>"$dir/$2.out" 2>"$dir/$2.err" &
	pid=$!
	wait_for 60 grep -q '^Running' "$dir/$2.out"
	check $? "$2: vdk-nvme-perf runs on $1"
	sleep 2
}

# perf_end NAME T0: perf ended soon after T0 (ms), as a removed controller's run should.
perf_end() {
	wait_for 30 exited "$pid"
	t=$(($(now_ms) - $2))
	wait "$pid"
	rc=$?
	check $([ "$rc" -eq 1 ]; echo $?) "$1: perf exits with status 1, not by a signal (status $rc)"
	check $([ "$t" -le "$3" ]; echo $?) "$1: perf ended $t ms after the removal (limit $3 ms)"
	grep -q "controller $4 went away" "$dir/$1.err"
	check $? "$1: perf says controller $4 went away"
	grep -q "the controller failed" "$dir/$1.out" && grep -q "Device Information" "$dir/$1.out"
	check $? "$1: perf prints the results it has"
	if [ "$failed" -gt 0 ]; then cat "$dir/$1.out" "$dir/$1.err"; fi
}

perf_again() {	# perf_again BDF NAME: a short clean run on the device that came back
	"$perf" -l 0 -a "$1" -- -r "trtype:PCIe traddr:$1" -t 1 -q 8 >"$dir/$2.out" 2>&1
	rc=$?
	check $rc "$2: vdk-nvme-perf runs on $1 again (status $rc)"
	[ "$rc" -eq 0 ] || cat "$dir/$2.out"
}

# 1. Unbound through sysfs: the write blocks until VDK gives the device back.
perf_bg "$VDK_VM_NVME0" unbind
t0=$(now_ms)
echo "$VDK_VM_NVME0" >"/sys/bus/pci/drivers/$vfio_drv/unbind"
t=$(($(now_ms) - t0))
check $([ "$t" -le 10000 ]; echo $?) "unbind: the kernel had the device back after $t ms"
perf_end unbind "$t0" 10000 "$VDK_VM_NVME0"
! has_driver "$VDK_VM_NVME0"
check $? "unbind: $VDK_VM_NVME0 has no driver now"
bind_vfio "$VDK_VM_NVME0"
check $? "unbind: $VDK_VM_NVME0 bound to $vfio_drv again"
perf_again "$VDK_VM_NVME0" rebind

# 2. Unplugged: QEMU presses the root port's attention button, the guest
# waits 5 s, then removes the device (vfio-pci asks VDK for it).
perf_bg "$VDK_VM_HP_NVME" unplug
t0=$(now_ms)
monitor "device_del hp-nvme" >/dev/null
check $? "unplug: device_del hp-nvme"
wait_for 30 absent "$VDK_VM_HP_NVME"
check $? "unplug: $VDK_VM_HP_NVME left the guest's PCI bus"
# 15 s from device_del: the guest's 5 s button delay, then 10 s at most.
perf_end unplug "$t0" 15000 "$VDK_VM_HP_NVME"
# A process that runs while the device is gone attaches it once it is back
# (nvme0 blocked, so that the EAL claims nothing at start).
mkfifo "$dir/hot_add.in"
"$hot_add" -l 0 -b "$VDK_VM_NVME0" -- "$VDK_VM_HP_NVME" <"$dir/hot_add.in" \
	>"$dir/hot_add.out" 2>&1 &
hpid=$!
exec 4>"$dir/hot_add.in"
wait_for 60 grep -q '^waiting' "$dir/hot_add.out"
check $? "hot add: nvme_hot_add runs without the device"
monitor "device_add nvme,id=hp-nvme,serial=vdk-hp-nvme,drive=hpnv,bus=rp1" >/dev/null
check $? "unplug: device_add hp-nvme"
wait_for 30 present "$VDK_VM_HP_NVME"
check $? "unplug: $VDK_VM_HP_NVME is back on the bus"
bind_vfio "$VDK_VM_HP_NVME"
check $? "unplug: $VDK_VM_HP_NVME bound to $vfio_drv"
echo attach >&4
exec 4>&-
wait_for 60 exited "$hpid" || kill -9 "$hpid"	# a hang fails below, not the run
wait "$hpid"
rc=$?
sed 's/^/  nvme_hot_add: /' "$dir/hot_add.out"
check $rc "hot add: nvme_hot_add attached the device in-process and did I/O (status $rc)"
perf_again "$VDK_VM_HP_NVME" replug

dmesg_clean start
check $? "kernel log: no bug, warning, hung task or repeated device request"
[ "$failed" -eq 0 ] || kmsg_since start | tail -40
summary
