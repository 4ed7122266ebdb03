#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The soak run, in the vm guest (soak-run boots it; e1000e, virtio-net and
# nvme1 on vfio-pci):
#   soak.sh VDK_TESTPMD VDK_NVME_PERF VDK_TELEMETRY
# For $VDK_SOAK_MINUTES minutes, at once:
#   - vdk-testpmd forwards e1000e <-> virtio-net (io, tx_first), and every
#     few seconds one of: a link flap (QEMU's set_link off, then on, one
#     NIC and then the other), `port stop all` / `port start all`, or
#     `port reset N` (one port and then the other) with a new tx_first;
#   - vdk-nvme-perf runs 15 s verify workloads (randwrite --verify
#     --continue-on-error, 1 s command timeout) on nvme1, one after the
#     other; in every other one the host throttles the drive until the
#     driver has reset the controller (or the run ended: a late command
#     may complete between the Abort and the reset).
# Checked at the end:
#   - mbufs in use (telemetry /mempool/info) back to the count after
#     warm-up, at the same point (forwarding stopped, ports stopped);
#   - testpmd's RSS within 1 MiB of its value after warm-up;
#   - every forwarding session's counters add up: RX-packets plus the
#     packets tx_first put in equal TX-packets plus TX-dropped;
#   - every perf run: exit 0, no read-back that differs, no failed
#     controller, the only errors the reset's aborted commands, and the
#     throttled runs reset the controller;
#   - no error in testpmd's output, no signal, a clean kernel log.
# The figures are printed as "soak: ..." lines.
set -u
tp=$1 perf=$2 tel=$3
minutes=${VDK_SOAK_MINUTES:-3}
here=$(dirname "$0")
hotplug_dir=$here/../vm/hotplug
. "$hotplug_dir/hotplug_lib.sh"
dir=$(mktemp -d)
. "$hotplug_dir/testpmd_lib.sh"
e1000e=$VDK_VM_E1000E virtio=$VDK_VM_VIRTIO_NET nvme=$VDK_VM_NVME1
burst=32	# testpmd's default: tx_first puts in one burst a stream

# The two loops share QEMU's monitor, which takes one request at a time.
mon() { (flock 9 && monitor "$1") 9>"$dir/monitor.lock"; }

mbufs_in_use() {
	"$tel" -f soak -c /mempool/info,mb_pool_0 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["/mempool/info"]["in_use"])'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
# A quiet point to count at: forwarding and ports stopped.
quiesce() { cmd stop && cmd 'port stop all'; }
resume() { cmd 'port start all' && cmd 'start tx_first'; }

# --- NVMe: perf runs back to back, every other one through a reset ---
perf_wait_line() {	# perf_wait_line FILE PATTERN SECONDS
	wait_for "$3" grep -q "$2" "$1"
}
nvme_loop() {
	local i=0 p
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		"$perf" -l 0 --file-prefix soakperf -a "$nvme,timeout_ms=1000" -- \
			-r "trtype:PCIe traddr:$nvme ns:1" -w randwrite -o 4096 -q 8 -t 15 \
			--verify --continue-on-error --json "$dir/perf$i.json" >"$dir/perf$i.out" 2>&1 &
		p=$!
		if [ $((i % 2)) -eq 1 ]; then
			echo "$i" >>"$dir/perf.throttled"
			perf_wait_line "$dir/perf$i.out" '^\[  3s\]' 60
			mon "block_set_io_throttle nv1 0 0 0 1 0 0" >>"$dir/monitor.replies"
			perf_wait_line "$dir/perf$i.out" 'reset done' 30
			mon "block_set_io_throttle nv1 0 0 0 0 0 0" >>"$dir/monitor.replies"
		fi
		wait "$p"
		echo "$i $?" >>"$dir/perf.rc"
	done
}

mark_kmsg start
testpmd_start "$tp" -l 0-1 --file-prefix soak -a "$e1000e" -a "$virtio" -- -i
check $? "vdk-testpmd shows its prompt"

# Warm-up: forward a while, then the baseline at the quiet point.
cmd 'start tx_first'
forwards 0 && forwards 1
check $? "ports 0 and 1 forward to each other"
sleep 5
quiesce
mb0=$(mbufs_in_use) rss0=$(rss_kib)
echo "soak: after warm-up: $mb0 mbufs in use, RSS $rss0 KiB"
resume

end=$(($(date +%s) + minutes * 60))
nvme_loop &
nvme_pid=$!
flaps=0 restarts=0 resets=0 cycle=0
nics=(e1000e virtio-net)
while [ "$(date +%s)" -lt "$end" ]; do
	cycle=$((cycle + 1))
	case $((cycle % 3)) in
	1)	# the cable out and back in
		nic=${nics[$((flaps % 2))]}
		mon "set_link $nic off" >>"$dir/monitor.replies"
		sleep 1
		mon "set_link $nic on" >>"$dir/monitor.replies"
		flaps=$((flaps + 1)) ;;
	2)	quiesce && resume
		restarts=$((restarts + 1)) ;;
	0)	p=$((resets % 2))
		cmd stop && cmd "port stop $p" && cmd "port reset $p" && cmd "port start $p" &&
			cmd 'start tx_first'
		resets=$((resets + 1)) ;;
	esac
	sleep 1
done
quiesce
mb1=$(mbufs_in_use) rss1=$(rss_kib)
echo "soak: at the end: $mb1 mbufs in use, RSS $rss1 KiB"
wait "$nvme_pid"
echo "soak: $minutes minute(s): $flaps link flaps, $restarts port restarts, $resets port resets"

check $([ "$mb1" = "$mb0" ]; echo $?) "mbufs in use back to $mb0 (now $mb1)"
d=$((rss1 - rss0))
check $([ "${d#-}" -le 1024 ]; echo $?) "RSS within 1 MiB of its value after warm-up ($d KiB)"
grep -q "Resetting port" "$out" && ! grep -q "Failed to reset\|Fail to" "$out"
check $? "every port reset and restart succeeded"

# Each `stop` prints the session's totals: all that came in (RX) and all
# that tx_first put in went out or was dropped.
awk -v inj=$((2 * burst)) '
	/Accumulated forward statistics for all ports/ { acc = 1; next }
	acc && /RX-packets:/ { rx = $2 }
	acc && /TX-packets:/ { tx = $2; drop = $4; acc = 0; n++
		if (rx + inj != tx + drop) {
			bad++
			printf "  session %d: RX %d + injected %d != TX %d + dropped %d\n", n, rx, inj, tx, drop
		}
		trx += rx; ttx += tx; tdrop += drop }
	END {
		printf "soak: %d forwarding sessions: RX %d, TX %d, TX-dropped %d, tx_first %d\n",
			n, trx, ttx, tdrop, n * inj
		exit !(n > 0 && bad == 0) }' "$out"
check $? "every forwarding session: RX-packets + tx_first's packets = TX-packets + TX-dropped"

# perf: each run clean but for the reset's aborted commands.
runs=$(wc -l <"$dir/perf.rc")
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
throttled = set(open(os.path.join(d, "perf.throttled")).read().split()) \
	if os.path.exists(os.path.join(d, "perf.throttled")) else set()
bad = 0
tot = {"ios": 0, "verify_writes": 0, "errors": 0, "resets": 0, "throttled runs": 0}
for line in open(os.path.join(d, "perf.rc")):
	i, rc = line.split()
	out = open(os.path.join(d, "perf%s.out" % i)).read()
	resets = out.count("reset done")
	why = []
	if rc != "0":
		why.append("exit status " + rc)
	try:
		ns = json.load(open(os.path.join(d, "perf%s.json" % i)))["namespaces"][0]
	except Exception as e:
		why.append("no JSON report: %s" % e)
		ns = None
	if ns is not None:
		by = {e["status"]: e["count"] for e in ns["errors_by_status"]}
		if ns["verify_failures"] != 0 or ns["verify_writes"] == 0:
			why.append("verify: %d failures, %d writes" % (ns["verify_failures"], ns["verify_writes"]))
		if ns["failed"]:
			why.append("the controller failed")
		if set(by) - {"COMMAND ABORTED DUE TO SQ DELETION"}:
			why.append("errors %s" % by)
		tot["ios"] += ns["ios"]; tot["verify_writes"] += ns["verify_writes"]
		tot["errors"] += ns["errors"]
	tot["resets"] += resets
	tot["throttled runs"] += i in throttled
	if why:
		bad += 1
		print("  perf run %s: %s" % (i, "; ".join(why)))
		print("\n".join("    " + l for l in out.splitlines()[-15:]))
print("soak: vdk-nvme-perf: %s" % ", ".join("%s %d" % kv for kv in tot.items()))
# A throttled run's commands outlive their timeout, but a late one may still
# complete between the Abort and the reset: resets are counted over the run.
if tot["throttled runs"] and not tot["resets"]:
	print("  %d throttled runs and not one controller reset" % tot["throttled runs"])
	bad += 1
sys.exit(1 if bad else 0)
PY
check $? "$runs vdk-nvme-perf verify runs: exit 0, every write read back as written, only the resets' aborted commands failed, and the throttled runs reset the controller"
[ -z "$(tr -d '\n' <"$dir/monitor.replies")" ]
check $? "QEMU's monitor took every set_link and throttle"

cmd quit
wait_for 60 exited "$pid" || kill -9 "$pid"	# a hang fails below, not the run
wait "$pid"
rc=$?
check $([ "$rc" -eq 0 ]; echo $?) "testpmd quits with status $rc, no signal"
errs=$(sed -E 's/(RX|TX)-errors: *[0-9]+//g' "$out" | grep -iE 'error|fail|segmentation|sigbus|abort')
check $([ -z "$errs" ]; echo $?) "no error in testpmd's output${errs:+: $errs}"
dmesg_clean start
check $? "kernel log: no bug, warning or hung task"
[ "$failed" -eq 0 ] || tail -n 80 "$out"
summary
