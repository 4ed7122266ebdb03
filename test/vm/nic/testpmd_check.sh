#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vdk-testpmd on the guest's two NICs, wired back to back (port 0 e1000e,
# port 1 virtio-net, both on vfio-pci):
#   testpmd_check.sh VDK_TESTPMD
# Drives the prompt one command at a time and reads `show port stats all`
# after each phase: sent on one port equals received on the other, both
# ways; no frame for another MAC without promiscuous mode; the same after
# port stop/start; io forwarding moves frames both ways without inventing
# any; read reg and write reg reach the e1000e's registers. Each phase
# waits for its frames under a deadline (wait_for.sh).
set -u
tp=$1
dir=$(mktemp -d)

. "$(dirname "$0")/checks.sh"
. "$(dirname "$0")/wait_for.sh"
. "$(dirname "$0")/testpmd_prompt.sh"

# stat PORT FIELD: FIELD of PORT in the last `show port stats all`.
stat() {
	awk -v port="$1" -v field="$2:" '
		/testpmd> / { p = "" }
		/show port stats all/ { v = "" }
		/NIC statistics for port/ { p = $(NF - 1) }
		p == port { for (i = 1; i < NF; i++) if ($i == field) v = $(i + 1) }
		END { print v }' "$out"
}

# counts_reach PORT FIELD MIN [PORT FIELD MIN]...: a fresh `show port stats
# all` has each FIELD at MIN or more.
counts_reach() {
	cmd 'show port stats all' || return 1
	while [ $# -ge 3 ]; do
		[ "$(stat "$1" "$2")" -ge "$3" ] 2>/dev/null || return 1
		shift 3
	done
}

# expect PORT FIELD VALUE MESSAGE: in the last `show port stats all`.
expect() {
	v=$(stat "$1" "$2")
	check $([ "${v:-x}" = "$3" ]; echo $?) "$4: port $1 $2 $v (want $3)"
}

tp_start "$tp" -l 0-1 -- -i
check $? "vdk-testpmd shows its prompt"

# Both ways, rxonly: 8 bursts of 32 from each port reach the other.
cmd 'set fwd rxonly'; cmd 'clear port stats all'; cmd 'start tx_first 8'
wait_for 60 counts_reach 0 RX-packets 256 1 RX-packets 256
cmd 'stop'; cmd 'show port stats all'
expect 0 TX-packets 256 "rxonly, tx_first 8"
expect 1 RX-packets 256 "rxonly, tx_first 8"
expect 1 TX-packets 256 "rxonly, tx_first 8"
expect 0 RX-packets 256 "rxonly, tx_first 8"

# Promiscuous off: frames for 02:00:00:00:00:0x are dropped by the NICs.
cmd 'set promisc all off'; cmd 'clear port stats all'; cmd 'start tx_first 2'
wait_for 60 counts_reach 0 TX-packets 64 1 TX-packets 64
# Only a wrong answer waits on this: a frame let through gets a second to arrive.
sleep 1
cmd 'stop'; cmd 'show port stats all'
expect 0 TX-packets 64 "promiscuous off, frames for 02:00:00:00:00:0x"
expect 1 RX-packets 0 "promiscuous off"
expect 1 TX-packets 64 "promiscuous off"
expect 0 RX-packets 0 "promiscuous off"
cmd 'set promisc all on'

# The same after the ports were stopped and started again.
cmd 'port stop all'; cmd 'port start all'; cmd 'clear port stats all'
cmd 'start tx_first 4'
wait_for 60 counts_reach 0 RX-packets 128 1 RX-packets 128
cmd 'stop'; cmd 'show port stats all'
expect 0 TX-packets 128 "after port stop/start"
expect 1 RX-packets 128 "after port stop/start"
expect 1 TX-packets 128 "after port stop/start"
expect 0 RX-packets 128 "after port stop/start"
cmd 'show port info all'
n=$(grep -c "^Link status: up" "$out")
check $([ "$n" -eq 2 ]; echo $?) "both ports report link up ($n)"

# io forwarding: 32 frames a port keep bouncing; none may appear from nowhere.
cmd 'set fwd io'; cmd 'clear port stats all'; cmd 'start tx_first 1'
wait_for 120 counts_reach 0 RX-packets 1000 1 RX-packets 1000
cmd 'stop'; cmd 'show port stats all'
rx0=$(stat 0 RX-packets) rx1=$(stat 1 RX-packets)
tx0=$(stat 0 TX-packets) tx1=$(stat 1 TX-packets)
check $([ "${rx0:-0}" -ge 1000 ] && [ "${rx1:-0}" -ge 1000 ]; echo $?) \
	"io forwarding both ways: port 0 rx $rx0 tx $tx0, port 1 rx $rx1 tx $tx1"
d=$(( ${tx0:-0} + ${tx1:-0} - ${rx0:-0} - ${rx1:-0} ))
check $([ $d -ge 0 ] && [ $d -le 64 ]; echo $?) \
	"io forwarding: sent minus received is $d, within the 64 frames in flight"

# read reg / write reg on the e1000e (port 0): RAL0 (0x5400) holds the first
# four bytes of its MAC 52:54:00:12:34:06, little-endian; a write shows the
# new value and the old one goes back; offsets not aligned or past BAR 0
# (128 KiB) are refused.
reg() { grep "^port 0 PCI register at offset $1: " "$out" | tail -n 1 | awk '{ print $NF, $(NF - 1) }'; }
cmd 'read reg 0 0x5400'
r=$(reg 0x5400)
check $([ "$r" = "(302011474) 0x12005452" ]; echo $?) "read reg 0 0x5400: RAL0 is the MAC's first bytes ($r)"
cmd 'write reg 0 0x5400 0x12345678'
r=$(reg 0x5400)
check $([ "$r" = "(305419896) 0x12345678" ]; echo $?) "write reg 0 0x5400 shows what the register took ($r)"
cmd 'write reg 0 0x5400 0x12005452'
cmd 'read reg 0 0x5402'
grep -q "^Port 0: register offset 21506 (0x5402) is not 32-bit aligned" "$out"
check $? "read reg refuses an unaligned offset"
cmd 'read reg 0 0x20000'
grep -q "^Port 0: register offset 131072 (0x20000) out of port PCI resource" "$out"
check $? "read reg refuses an offset past BAR 0"

cmd 'port stop all'; cmd 'port close all'
tp_quit
st=$?
check $st "vdk-testpmd ran the script and quit (status $st)"
n=$(grep -c "Port [01] is closed" "$out")
check $([ "$n" -eq 2 ]; echo $?) "both ports closed ($n)"

if [ "$failed" -ne 0 ]; then
	echo "---- vdk-testpmd output ----"
	cat "$out"
fi
kill "$pid" 2>/dev/null
rm -rf "$dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
