#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vdk-testpmd loses two of its four ports mid-forwarding (vm-run --hotplug,
# all four NICs on vfio-pci):
#   nic_removal.sh VDK_TESTPMD
# Ports 0 (e1000e) and 1 (virtio-net) forward to each other on one hub,
# ports 2 (hp-e1000e) and 3 (hp-virtio-net) on another. Port 2 is
# unplugged with device_del, port 3 unbound through sysfs: testpmd prints
# a removal line for each within the limit, ports 0 and 1 keep
# forwarding, `port detach` releases both, device_add brings the e1000e
# back and `port attach` makes it a port again; testpmd quits with status
# 0 (no signal) and the kernel log stays clean.
set -u
tp=$1
. "$(dirname "$0")/hotplug_lib.sh"
dir=$(mktemp -d)
out=$dir/out fifo=$dir/in
sent=0

alive() { kill -0 "$pid" 2>/dev/null; }
prompted() { [ "$(grep -o 'testpmd> ' "$out" | wc -l)" -ge "$1" ] || ! alive; }
cmd() {	# cmd LINE: type LINE, wait for the next prompt
	sent=$((sent + 1))
	echo "$1" >&3
	wait_for 60 prompted $((sent + 1))
}
# rx PORT: RX-packets of PORT in a fresh `show port stats PORT`.
rx() {
	cmd "show port stats $1" >/dev/null
	awk -v port="$1" '
		/NIC statistics for port/ { p = $(NF - 1) }
		p == port && /RX-packets:/ { v = $2 }
		END { print v + 0 }' "$out"
}
# forwards PORT: its RX count grows within 10 s.
forwards() {
	_a=$(rx "$1")
	_end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -lt "$_end" ]; do
		sleep 1
		[ "$(rx "$1")" -gt "$_a" ] && return 0
	done
	return 1
}

mark_kmsg start
trap '' PIPE
mkfifo "$fifo"
"$tp" -l 0-1 -- -i <"$fifo" >"$out" 2>&1 &
pid=$!
exec 3>"$fifo"
wait_for 120 prompted 1
check $? "vdk-testpmd shows its prompt"
check $([ "$(grep -c '^Port [0-3]: [0-9A-Fa-f:]*$' "$out")" -eq 4 ]; echo $?) \
	"four ports: the two NICs and the two behind root ports"
cmd 'start tx_first'
forwards 0 && forwards 2
check $? "ports 0 and 2 forward"

# Port 2 unplugged: the guest removes it 5 s after the button press. That
# testpmd let go within 10 s of the kernel's request shows in the kernel
# log: vfio-pci asks again every 10 s, and dmesg_clean fails on a repeat.
t0=$(now_ms)
monitor "device_del hp-e1000e" >/dev/null
wait_for 60 grep -q '^Port 2: device removal event' "$out"
check $? "device_del: testpmd reports port 2 removed ($(($(now_ms) - t0)) ms after device_del)"
wait_for 30 absent "$VDK_VM_HP_E1000E"
check $? "device_del: $VDK_VM_HP_E1000E left the guest's PCI bus"
forwards 0
check $? "device_del: port 0 still forwards"

# Port 3 unbound through sysfs: the write blocks until testpmd lets go.
t0=$(now_ms)
echo "$VDK_VM_HP_VIRTIO_NET" >"/sys/bus/pci/drivers/$vfio_drv/unbind"
t=$(($(now_ms) - t0))
check $([ "$t" -le 10000 ]; echo $?) "unbind: the kernel had port 3's device back after $t ms"
wait_for 10 grep -q '^Port 3: device removal event' "$out"
check $? "unbind: testpmd reports port 3 removed"
forwards 1
check $? "unbind: port 1 still forwards"

cmd 'port detach 2'
grep -q 'Port 2 is detached' "$out"
check $? "port detach 2 while forwarding on the others"
cmd 'port detach 3'
grep -q 'Port 3 is detached' "$out"
check $? "port detach 3"

monitor "device_add e1000e,id=hp-e1000e,netdev=hp0,mac=52:54:00:12:35:02,romfile=,bus=rp2" \
	>/dev/null
wait_for 30 present "$VDK_VM_HP_E1000E" && bind_vfio "$VDK_VM_HP_E1000E"
check $? "device_add: $VDK_VM_HP_E1000E is back on $vfio_drv"
cmd 'stop'
cmd "port attach $VDK_VM_HP_E1000E"
grep -q 'Port 2 is attached' "$out"
check $? "port attach $VDK_VM_HP_E1000E: port 2 again"
cmd 'show port info 2'
sed -n '/Infos for port 2 /,$p' "$out" | grep -q "^Device name: $VDK_VM_HP_E1000E"
check $? "port 2 is the device that came back"

echo quit >&3
wait_for 60 exited "$pid"
wait "$pid"
rc=$?
check $([ "$rc" -eq 0 ]; echo $?) "testpmd quits with status $rc, no signal"
grep -qi 'segmentation\|sigbus\|abort' "$out"
check $([ $? -ne 0 ]; echo $?) "no crash in testpmd's output"
dmesg_clean start
check $? "kernel log: no bug, warning, hung task or repeated device request"
[ "$failed" -eq 0 ] && { summary; exit; }
cat "$out"
kmsg_since start | tail -40
summary
