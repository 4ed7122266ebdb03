#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vdk-testpmd on the guest's two NICs, wired back to back (port 0 e1000e,
# port 1 virtio-net, both on vfio-pci):
#   testpmd_check.sh VDK_TESTPMD
# Feeds the prompt a script, then reads `show port stats all` after each
# phase: sent on one port equals received on the other, both ways; no
# frame for another MAC without promiscuous mode; the same after port
# stop/start; io forwarding moves frames both ways without inventing any.
set -u
tp=$1
out=$(mktemp)
passed=0 failed=0

check() {	# check STATUS MESSAGE
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"; passed=$((passed + 1))
	else
		echo "FAIL - $2"; failed=$((failed + 1))
	fi
}

# Commands, with pauses for the forwarding lcore between start and stop.
{
	printf 'set fwd rxonly\nclear port stats all\nstart tx_first 8\n'
	sleep 3
	printf 'stop\nshow port stats all\n'
	printf 'set promisc all off\nclear port stats all\nstart tx_first 2\n'
	sleep 3
	printf 'stop\nshow port stats all\nset promisc all on\n'
	printf 'port stop all\nport start all\nclear port stats all\nstart tx_first 4\n'
	sleep 3
	printf 'stop\nshow port stats all\nshow port info all\n'
	printf 'set fwd io\nclear port stats all\nstart tx_first 1\n'
	sleep 5
	printf 'stop\nshow port stats all\nport stop all\nport close all\nquit\n'
} | "$tp" -l 0-1 -- -i > "$out" 2>&1
st=$?
check $st "vdk-testpmd ran the script and quit (status $st)"

# stat SECTION PORT FIELD: FIELD of PORT in the SECTION-th `show port stats all`.
stat() {
	awk -v want="$1" -v port="$2" -v field="$3:" '
		/show port stats all/ { sec++ }
		sec == want && /NIC statistics for port/ { p = $(NF - 1) }
		sec == want && p == port {
			for (i = 1; i < NF; i++) if ($i == field) { print $(i + 1); exit }
		}' "$out"
}

# expect SECTION PORT FIELD VALUE MESSAGE
expect() {
	v=$(stat "$1" "$2" "$3")
	check $([ "${v:-x}" = "$4" ]; echo $?) "$5: port $2 $3 $v (want $4)"
}

expect 1 0 TX-packets 256 "rxonly, tx_first 8"
expect 1 1 RX-packets 256 "rxonly, tx_first 8"
expect 1 1 TX-packets 256 "rxonly, tx_first 8"
expect 1 0 RX-packets 256 "rxonly, tx_first 8"
expect 2 0 TX-packets 64 "promiscuous off, frames for 02:00:00:00:00:0x"
expect 2 1 RX-packets 0 "promiscuous off"
expect 2 1 TX-packets 64 "promiscuous off"
expect 2 0 RX-packets 0 "promiscuous off"
expect 3 0 TX-packets 128 "after port stop/start"
expect 3 1 RX-packets 128 "after port stop/start"
expect 3 1 TX-packets 128 "after port stop/start"
expect 3 0 RX-packets 128 "after port stop/start"
n=$(grep -c "^Link status: up" "$out")
check $([ "$n" -eq 2 ]; echo $?) "both ports report link up ($n)"

# io forwarding: 32 frames a port keep bouncing; none may appear from nowhere.
rx0=$(stat 4 0 RX-packets) rx1=$(stat 4 1 RX-packets)
tx0=$(stat 4 0 TX-packets) tx1=$(stat 4 1 TX-packets)
check $([ "${rx0:-0}" -ge 1000 ] && [ "${rx1:-0}" -ge 1000 ]; echo $?) \
	"io forwarding both ways: port 0 rx $rx0 tx $tx0, port 1 rx $rx1 tx $tx1"
d=$(( ${tx0:-0} + ${tx1:-0} - ${rx0:-0} - ${rx1:-0} ))
check $([ $d -ge 0 ] && [ $d -le 64 ]; echo $?) \
	"io forwarding: sent minus received is $d, within the 64 frames in flight"
n=$(grep -c "Port [01] is closed" "$out")
check $([ "$n" -eq 2 ]; echo $?) "both ports closed ($n)"

if [ "$failed" -ne 0 ]; then
	echo "---- vdk-testpmd output ----"
	cat "$out"
fi
rm -f "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
