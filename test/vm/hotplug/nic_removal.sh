#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vdk-testpmd loses ports mid-forwarding and gets them back (vm-run
# --hotplug; on vfio-pci, or on vdk-vfio-pci with
# VDK_VFIO_DRIVER=vdk-vfio-pci, where the script binds the two fixed NICs
# itself and unbinds them at the end):
#   nic_removal.sh VDK_TESTPMD
# Ports 0 (e1000e) and 1 (virtio-net) forward to each other on one hub,
# ports 2 (hp-e1000e) and 3 (hp-virtio-net) on another. Each NIC type is
# removed both ways, the two others forwarding on meanwhile:
#   round 1: the e1000e unplugged (device_del), the virtio-net unbound
#            through sysfs; both detached; device_add and a rebind bring
#            them back, `port attach` makes them ports 2 and 3 again and
#            they forward to each other;
#   round 2: the e1000e removed through sysfs (`remove`), the virtio-net
#            unplugged; both detached; a rescan and device_add bring
#            them back.
# Each removal: testpmd prints the port's removal line within 10 s of the
# kernel's request (15 s of a device_del: the guest's pciehp waits 5 s
# after the button), the kernel completes the removal (a sysfs write
# returns, a device leaves the bus). At the end testpmd quits with status
# 0 (no signal), no page stays pinned, and the kernel log is clean.
set -u
tp=$1
. "$(dirname "$0")/hotplug_lib.sh"
dir=$(mktemp -d)
. "$(dirname "$0")/testpmd_lib.sh"
# reported PORT T0 LIMIT_MS WHAT N: testpmd printed PORT's removal line
# (its N+1st) within LIMIT_MS of T0.
nremoved() { grep -c "^Port $1: device removal event" "$out"; }
removed_n() { [ "$(nremoved "$1")" -ge "$2" ]; }
reported() {
	_n=$(($5 + 1))
	wait_for 30 removed_n "$1" "$_n"
	_rc=$?
	_t=$(($(now_ms) - $2))
	[ "$_rc" -eq 0 ] && [ "$_t" -le "$3" ]
	check $? "$4: testpmd reports port $1 removed after $_t ms (limit $3 ms)"
}
# sysfs_remove HOW PORT BDF WHAT: `unbind` or `remove` through sysfs; the
# write blocks until testpmd gave the device back.
sysfs_remove() {
	_n=$(nremoved "$2")
	_t0=$(now_ms)
	if [ "$1" = unbind ]; then
		echo "$3" >"/sys/bus/pci/drivers/$vfio_drv/unbind"
	else
		echo 1 >"/sys/bus/pci/devices/$3/remove"
	fi
	_t=$(($(now_ms) - _t0))
	check $([ "$_t" -le 10000 ]; echo $?) "$4: the kernel had port $2's device back after $_t ms"
	reported "$2" "$_t0" 10000 "$4" "$_n"
}
# unplug PORT ID BDF WHAT: QEMU's device_del; the device leaves the bus.
unplug() {
	_n=$(nremoved "$1")
	_t0=$(now_ms)
	monitor "device_del $2" >/dev/null
	reported "$1" "$_t0" 15000 "$4" "$_n"
	wait_for 30 absent "$3"
	check $? "$4: $3 left the guest's PCI bus"
}
detach() {	# detach PORT
	cmd "port detach $1"
	[ "$(grep -c "^Port $1 is detached" "$out")" -ge "$2" ]
	check $? "port detach $1 ($2. time) while forwarding on the others"
}
attach() {	# attach BDF PORT N: `port attach BDF` makes it port PORT (N. time)
	cmd "port attach $1"
	[ "$(grep -c "^Port $2 is attached" "$out")" -ge "$3" ]
	check $? "port attach $1: port $2 again"
}
add_e1000e='device_add e1000e,id=hp-e1000e,netdev=hp0,mac=52:54:00:12:35:02,romfile=,bus=rp2'
add_virtio='device_add virtio-net-pci,id=hp-virtio-net,netdev=hp1,mac=52:54:00:12:35:03,romfile=,disable-legacy=on,iommu_platform=on,bus=rp3'
back() {	# back BDF WHAT: a device that came back is on the VFIO driver
	wait_for 30 present "$1" && bind_vfio "$1"
	check $? "$2: $1 is back on $vfio_drv"
}

mark_kmsg start
pins0=$(foll_pins)
# On vdk-vfio-pci kmod-guest.sh binds only the two hot-plug NICs.
bound_here=
for b in "$VDK_VM_E1000E" "$VDK_VM_VIRTIO_NET"; do
	has_driver "$b" && continue
	bind_vfio "$b" && bound_here="$bound_here $b"
done
testpmd_start "$tp" -l 0-1 -- -i
check $? "vdk-testpmd shows its prompt"
check $([ "$(grep -c '^Port [0-3]: [0-9A-Fa-f:]*$' "$out")" -eq 4 ]; echo $?) \
	"four ports: the two NICs and the two behind root ports"
cmd 'start tx_first'
forwards 0 && forwards 2
check $? "ports 0 and 2 forward"

# Round 1: the e1000e unplugged, the virtio-net unbound.
unplug 2 hp-e1000e "$VDK_VM_HP_E1000E" "e1000e device_del"
forwards 0
check $? "e1000e device_del: port 0 still forwards"
sysfs_remove unbind 3 "$VDK_VM_HP_VIRTIO_NET" "virtio-net unbind"
forwards 1
check $? "virtio-net unbind: port 1 still forwards"
detach 2 1
detach 3 1

# Both back: device_add, a rebind; attached while forwarding is stopped
# (a new port may take a detached one's id), then they forward.
monitor "$add_e1000e" >/dev/null
back "$VDK_VM_HP_E1000E" "e1000e device_add"
back "$VDK_VM_HP_VIRTIO_NET" "virtio-net rebind"
cmd 'stop'
attach "$VDK_VM_HP_E1000E" 2 1
attach "$VDK_VM_HP_VIRTIO_NET" 3 1
cmd 'show port info 2'
sed -n '/Infos for port 2 /,$p' "$out" | grep -q "^Device name: $VDK_VM_HP_E1000E"
check $? "port 2 is the device that came back"
cmd 'start tx_first'
forwards 2 && forwards 3
check $? "the ports attached again forward to each other"

# Round 2: the e1000e removed through sysfs, the virtio-net unplugged.
sysfs_remove remove 2 "$VDK_VM_HP_E1000E" "e1000e sysfs remove"
absent "$VDK_VM_HP_E1000E"
check $? "e1000e sysfs remove: $VDK_VM_HP_E1000E left the guest's PCI bus"
forwards 0
check $? "e1000e sysfs remove: port 0 still forwards"
unplug 3 hp-virtio-net "$VDK_VM_HP_VIRTIO_NET" "virtio-net device_del"
forwards 1
check $? "virtio-net device_del: port 1 still forwards"
detach 2 2
detach 3 2

echo quit >&3
wait_for 60 exited "$pid" || kill -9 "$pid"	# a hang fails below, not the run
wait "$pid"
rc=$?
check $([ "$rc" -eq 0 ]; echo $?) "testpmd quits with status $rc, no signal"
grep -qi 'segmentation\|sigbus\|abort' "$out"
check $([ $? -ne 0 ]; echo $?) "no crash in testpmd's output"
pins=$(foll_pins)
check $([ "$pins" -eq "$pins0" ]; echo $?) \
	"no page left pinned ($((pins - pins0)) pinned since the start, by /proc/vmstat)"

# Back for whoever comes next (kmod-guest.sh unbinds its two).
echo 1 >/sys/bus/pci/rescan
back "$VDK_VM_HP_E1000E" "e1000e rescan"
monitor "$add_virtio" >/dev/null
back "$VDK_VM_HP_VIRTIO_NET" "virtio-net device_add"
for b in $bound_here; do
	echo "$b" >"/sys/bus/pci/drivers/$vfio_drv/unbind"
done
dmesg_clean start
check $? "kernel log: no bug, warning, hung task or repeated device request"
[ "$failed" -eq 0 ] && { summary; exit; }
cat "$out"
kmsg_since start | tail -40
summary
