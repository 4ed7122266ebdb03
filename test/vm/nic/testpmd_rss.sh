#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# RSS on the e1000e, fed from outside:
#   testpmd_rss.sh VDK_TESTPMD E1000E_BDF KERNEL_BDF
# The e1000e is bound to vfio-pci, the other NIC (virtio-net) to its kernel
# driver; the two are wired back to back through QEMU's hub. vdk-testpmd
# gets two ports, port 0 the e1000e with two rx queues, port 1 an
# af_packet port over the kernel's interface, and runs flowgen on both:
# port 1's flows (1,024 destination addresses) leave through the kernel's
# virtio-net and reach the e1000e, whose RSS (QEMU's model of the 82574L's
# hash and redirection table) must spread them over both its rx queues, as
# the driver's per-queue counters show. Then `port config all rss udp`,
# which the 82574L cannot hash (no UDP in its MRQC), turns RSS off: the
# same flows must all stay on queue 0, which shows the spread comes from
# the hash. Last, set link-down and link-up on port 1, as the kernel sees
# them.
set -u
tp=$1 e_bdf=$2 k_bdf=$3
dir=$(mktemp -d)
emac=52:54:00:12:34:06

. "$(dirname "$0")/checks.sh"
. "$(dirname "$0")/wait_for.sh"
. "$(dirname "$0")/testpmd_prompt.sh"

ifname=$(kernel_ifname "$k_bdf")
if [ -z "$ifname" ]; then
	echo "FAIL - no kernel interface for $k_bdf"; echo "0 passed, 1 failed"; exit 1
fi
echo 1 > /proc/sys/net/ipv6/conf/$ifname/disable_ipv6 2>/dev/null
ip link set "$ifname" up
has_carrier() { [ "$(cat /sys/class/net/$ifname/carrier 2>/dev/null)" = 1 ]; }
wait_for 30 has_carrier
check $? "kernel interface $ifname has carrier"

# rxq Q: port 0's rx queue Q packets in the last `show port stats 0`.
rxq() {
	awk -v q="$1" '
		/show port stats 0/ { v = "" }
		$1 == "Stats" && $2 == "reg" && $3 == q && $4 == "RX-packets:" { v = $5 }
		END { print v }' "$out"
}
# rx_reach N: a fresh `show port stats 0` counts N received or more.
rx_reach() {
	cmd 'show port stats 0' || return 1
	[ $(( $(rxq 0) + $(rxq 1) )) -ge "$1" ] 2>/dev/null
}

tp_start "$tp" -l 0-1 -a "$e_bdf" --vdev "net_af_packet0,iface=$ifname,qpairs=2" -- -i \
	--forward-mode=flowgen --rxq=2 --txq=2 --eth-peer=1,$emac
check $? "vdk-testpmd shows its prompt"
cmd 'show port summary all'
n=$(awk '$1 == 0 && $4 == "net_e1000e"' "$out" | wc -l)
check $([ "$n" -eq 1 ]; echo $?) "port 0 is the e1000e"
cmd 'show port 0 rss-hash'
grep -q "^  ip  ipv4  ipv6  ipv6-ex$" "$out"
check $? "show port 0 rss-hash: the e1000e hashes IP addresses (--rss-ip, the default)"
cmd 'show port 0 rss-hash key'
grep -q "^6D5A56DA255B0EC24167253D43A38FB0D0CA2BCBAE7B30B477CB2DA38030F20C6A42B73BBEAC01FA$" "$out"
check $? "show port 0 rss-hash key: the default 40-byte key"

cmd 'start'
wait_for 90 rx_reach 2000
cmd 'stop'; cmd 'show port stats 0'
q0=$(rxq 0) q1=$(rxq 1)
check $([ "${q0:-0}" -gt 0 ] && [ "${q1:-0}" -gt 0 ]; echo $?) \
	"RSS on: flowgen's flows reach both e1000e rx queues (queue 0: $q0, queue 1: $q1)"

cmd 'port config all rss udp'
grep -q "^Port 0 modified RSS hash function based on hardware support,requested:0x24 configured:0$" "$out"
check $? "port config all rss udp: the e1000e cannot hash UDP, testpmd says so"
cmd 'show port 0 rss-hash'
grep -q "^RSS disabled$" "$out"
check $? "show port 0 rss-hash: RSS disabled"
# Frames that reached queue 1's ring before the change wait there: a port
# restart empties the rings (and keeps the RSS setting).
cmd 'port stop 0'; cmd 'port start 0'
cmd 'clear port stats 0'; cmd 'start'
wait_for 90 rx_reach 2000
cmd 'stop'; cmd 'show port stats 0'
q0=$(rxq 0) q1=$(rxq 1)
check $([ "${q0:-0}" -ge 2000 ] && [ "${q1:-x}" = 0 ]; echo $?) \
	"RSS off: everything on e1000e rx queue 0 (queue 0: $q0, queue 1: $q1)"

# set link-down on port 1 takes its kernel interface down, which the
# kernel reports (operstate down, no carrier); set link-up gives the
# carrier back. (QEMU passes no link state from one NIC of the hub to the
# other, so the kernel sees this only on the interface under the port.)
cmd 'set link-down port 1'
is_down() { [ "$(cat /sys/class/net/$ifname/operstate)" = down ]; }
wait_for 10 is_down
check $? "set link-down port 1: the kernel's $ifname is down ($(cat /sys/class/net/$ifname/operstate))"
cmd 'set link-up port 1'
wait_for 30 has_carrier
check $? "set link-up port 1: $ifname has carrier again"

tp_quit
st=$?
check $st "vdk-testpmd quit (status $st)"

if [ "$failed" -ne 0 ]; then
	echo "---- vdk-testpmd output ----"
	cat "$out"
fi
kill "$pid" 2>/dev/null
rm -rf "$dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
