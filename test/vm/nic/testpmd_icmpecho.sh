#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The guest kernel pings through vdk-testpmd's icmpecho engine:
#   testpmd_icmpecho.sh VDK_TESTPMD KERNEL_BDF COUNT
# One NIC is bound to vfio-pci (vdk-testpmd's only port), the other to its
# kernel driver (vm-run --bind); the two are wired back to back. The kernel
# resolves the address by ARP and sends COUNT echo requests; vdk-testpmd
# must answer every one. The checker is busybox's ping, not our code: its
# own count of replies and its loss figure decide.
set -u
tp=$1 k_bdf=$2 count=$3
dir=$(mktemp -d)
out=$dir/out
# TEST-NET-2 (RFC 5737): nothing else on the wire owns these.
kip=198.51.100.1 vip=198.51.100.2

. "$(dirname "$0")/checks.sh"
. "$(dirname "$0")/wait_for.sh"

ifname=$(kernel_ifname "$k_bdf")
if [ -z "$ifname" ]; then
	echo "FAIL - no kernel interface for $k_bdf"; echo "0 passed, 1 failed"; exit 1
fi
echo 1 > /proc/sys/net/ipv6/conf/$ifname/disable_ipv6 2>/dev/null
ip addr add $kip/24 dev "$ifname"
ip link set "$ifname" up
has_carrier() { [ "$(cat /sys/class/net/$ifname/carrier 2>/dev/null)" = 1 ]; }
wait_for 30 has_carrier
check $? "kernel interface $ifname has carrier"

# Forward until told to stop; the engine chosen by the option, as DPDK's users start it.
"$tp" -l 0-1 -- --forward-mode=icmpecho > "$out" 2>&1 &
pid=$!
forwarding() { grep -q "^icmpecho packet forwarding - ports=1" "$out" || ! kill -0 $pid 2>/dev/null; }
wait_for 120 forwarding
grep -q "^icmpecho packet forwarding - ports=1" "$out"
check $? "vdk-testpmd forwards in icmpecho mode on one port"

# -W: the first reply waits on ARP through the poll loop under TCG.
p=$(busybox ping -c "$count" -i 0.2 -W 10 "$vip" 2>&1)
st=$?
echo "$p" | sed 's/^/  ping: /'
check $st "ping $vip through vdk-testpmd exits 0"
echo "$p" | grep -q "^$count packets transmitted, $count packets received, 0% packet loss"
check $? "ping: $count transmitted, $count received, 0% loss"
mac=$(ip neigh show "$vip" dev "$ifname" | awk '{ print $3 }')
vmac=$(grep "^Port 0: " "$out" | awk '{ print tolower($3) }')
check $([ -n "$mac" ] && [ "$mac" = "$vmac" ]; echo $?) \
	"the kernel learnt the port's MAC by ARP ($mac, port 0 is $vmac)"

kill -INT $pid
wait $pid
st=$?
check $st "vdk-testpmd stopped on SIGINT and exited 0 (status $st)"
# The summary: every request (and the ARP) answered, none dropped.
rx=$(awk '/Forward statistics for port 0/ { p = 1 } p && /RX-packets:/ { print $2; exit }' "$out")
tx=$(awk '/Forward statistics for port 0/ { p = 1 } p && /TX-packets:/ { print $2; exit }' "$out")
check $([ "${rx:-0}" -ge $((count + 1)) ] && [ "${tx:-0}" -ge $((count + 1)) ]; echo $?) \
	"port 0 received $rx and sent $tx (at least $count echoes and one ARP each)"

if [ "$failed" -ne 0 ]; then
	echo "---- vdk-testpmd output ----"
	cat "$out"
fi
rm -rf "$dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
