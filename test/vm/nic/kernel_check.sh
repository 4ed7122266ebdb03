#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The kernel as an independent checker of a VDK NIC driver, in the guest:
#   kernel_check.sh NIC_TEST VDK_BDF KERNEL_BDF COUNT
# VDK_BDF is bound to vfio-pci, KERNEL_BDF to its kernel driver (vm-run
# --bind); the two are wired back to back. VDK sends COUNT test frames and
# the kernel's rx counters must see every one, without an rx error; then
# the kernel sends COUNT through an AF_PACKET socket and VDK must count
# every one. Each wait is for its condition, under a deadline.
set -u
nic_test=$1 vdk_bdf=$2 k_bdf=$3 count=$4

. "$(dirname "$0")/checks.sh"
. "$(dirname "$0")/wait_for.sh"

ifname=$(kernel_ifname "$k_bdf")
if [ -z "$ifname" ]; then
	echo "FAIL - no kernel interface for $k_bdf"; echo "0 passed, 1 failed"; exit 1
fi
kdrv=$(basename "$(readlink /sys/bus/pci/devices/$k_bdf/driver)")
stats=/sys/class/net/$ifname/statistics
# No IPv6 autoconfiguration: the kernel puts nothing of its own on the wire.
echo 1 > /proc/sys/net/ipv6/conf/$ifname/disable_ipv6 2>/dev/null
ip link set "$ifname" up
kmac=$(cat /sys/class/net/$ifname/address)
has_carrier() { [ "$(cat /sys/class/net/$ifname/carrier 2>/dev/null)" = 1 ]; }
wait_for 30 has_carrier
check $? "kernel interface $ifname ($kdrv, $kmac) has carrier"

rx_errs() {
	echo $(( $(cat $stats/rx_errors) + $(cat $stats/rx_crc_errors) + \
		 $(cat $stats/rx_frame_errors) + $(cat $stats/rx_length_errors) + \
		 $(cat $stats/rx_over_errors) + $(cat $stats/rx_fifo_errors) ))
}

# VDK sends, the kernel counts.
rx0=$(cat $stats/rx_packets) err0=$(rx_errs)
out=$("$nic_test" -l 0 -a "$vdk_bdf" -- send "$vdk_bdf" "$count" "$kmac" 2>&1)
st=$?
echo "$out" | sed 's/^/  vdk: /'
check $st "VDK sent $count frames on $vdk_bdf"
# Until the kernel has counted them all (or the deadline): then exactly.
counted() { [ $(($(cat $stats/rx_packets) - rx0)) -ge "$count" ]; }
wait_for 30 counted
rx1=$(cat $stats/rx_packets) err1=$(rx_errs)
check $([ $((rx1 - rx0)) -eq "$count" ]; echo $?) \
	"kernel $kdrv counted $((rx1 - rx0)) of $count frames VDK sent"
check $([ $((err1 - err0)) -eq 0 ]; echo $?) "kernel rx error counters unchanged ($err0 -> $err1)"

# The kernel sends, VDK counts.
out=$(mktemp)
"$nic_test" -l 0 -a "$vdk_bdf" -- recv "$vdk_bdf" "$count" 20 > "$out" 2>&1 &
pid=$!
# Until it is ready to count, or gone.
ready() { grep -q '^ready' "$out" || ! kill -0 $pid 2>/dev/null; }
wait_for 60 ready
vmac=$(sed -n 's/^ready //p' "$out")
tx0=$(cat $stats/tx_packets)
"$nic_test" ksend "$ifname" "$count" "$vmac"
check $? "kernel sent $count frames to $vmac through $ifname"
wait $pid
st=$?
sed 's/^/  vdk: /' "$out"
tx1=$(cat $stats/tx_packets)
check $([ $((tx1 - tx0)) -ge "$count" ]; echo $?) "kernel tx_packets +$((tx1 - tx0))"
check $st "VDK on $vdk_bdf received every frame the kernel sent"
rm -f "$out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
