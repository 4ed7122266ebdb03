#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the guest with nvme1 on vfio-pci under QEMU's blkdebug driver
# (vm-run --blkdebug faults.blkdebug: reads of blocks 1000 and 20000 and
# writes of block 30000 fail). doc/faults.md describes each case.
#
#   1. vdk-nvme-perf: a sequential read meets block 1000; by default it
#      stops that namespace and exits 1 naming the status; with
#      --continue-on-error it runs the whole time, counts the errors by
#      status and exits 0. Then --verify --continue-on-error while the
#      host throttles nv1: the reset's aborted writes are counted, and
#      every write that completed reads back as written.
#   2. Media errors: nvme_fault_tool media, 32 commands in flight of which
#      one read and one write hit a bad block.
#   3. Timeouts: nvme_fault_tool timeout, with nv1 throttled by the host;
#      the driver's log must show the timeout, the Abort and the reset.
#   4. The kernel's nvme driver reads the blocks of cases 2 and 3: each
#      block VDK reported written holds its data; a block of a write
#      reported failed holds the old or the new data, nothing else.
#
# Usage: faults.sh NVME_FAULT_TOOL VDK_NVME_PERF
set -u
tool=$1
perf=$2
bdf=${VDK_VM_NVME1:-0000:00:05.0}
dev=/sys/bus/pci/devices/$bdf
work=$(mktemp -d)
passed=0 failed=0

ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
finish() {
	rm -rf "$work"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
# What each process of the guest is doing, for a step that did not end:
# state, kernel wait channel, and the kernel stack of the step's processes.
stuck() {	# stuck PID...
	local p
	ps -eo pid,ppid,stat,wchan:32,etimes,args | grep -v ' \[' | sed 's/^/  | /'
	for p; do
		[ -r "/proc/$p/stack" ] || continue
		echo "  | kernel stack of $p ($(tr '\0' ' ' <"/proc/$p/cmdline")):"
		sed 's/^/  |   /' "/proc/$p/stack"
	done
}
# step_wait PID LIMIT NAME: wait for a step's process under a limit of our
# own. timeout(1) inside ends a step that overruns, but not a process the
# kernel holds (or one that keeps timeout(1) itself waiting), and a wait
# on it would hold the whole run to vm-run's limit: this fails the step
# with what the processes were doing, and the run goes on. The limit is
# in guest seconds, which run fast on a loaded host (all the limits here
# are generous for that). Sets $rc to the step's status, 124 if it hung.
step_wait() {
	local pid=$1 end=$(($(date +%s) + $2)) kids
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			kids=$(pgrep -P "$pid" | tr '\n' ' ')
			bad "$3: still running after $2 s; the guest's processes:"
			stuck "$pid" $kids $(for k in $kids; do pgrep -P "$k"; done)
			kill -9 "$pid" $kids 2>/dev/null
			rc=124
			return 1
		fi
		sleep 0.2
	done
	wait "$pid"
	rc=$?
}
# Run the tool; its own checks count as ours. Every step has a time limit
# (timeout(1) says 124), so that one that hangs is named, with its output.
tool_step() {
	local name=$1 out
	shift
	echo "  step $name starts at $(cut -d' ' -f1 /proc/uptime) s"
	timeout -k 10 120 "$tool" "$@" >"$work/$name.out" 2>"$work/$name.err" &
	step_wait $! 150 "$name" || { tail -n 20 "$work/$name.out" "$work/$name.err"; return; }
	out=$(tail -n 1 "$work/$name.out")
	grep -E '^(ok|FAILED|  )' "$work/$name.out"
	passed=$((passed + $(grep -c '^ok:' "$work/$name.out")))
	failed=$((failed + $(grep -c '^FAILED:' "$work/$name.out")))
	case $out in
	*" passed, 0 failed") ;;
	*) bad "$name: $out"; cat "$work/$name.err" ;;
	esac
}
# Waits are bounded by the clock, not by a count of polls: on a loaded
# host one poll (a fork and exec under TCG) can take half a second, and a
# loop of 300 polls meant for 30 s then held the run for minutes.
# Ask vm-run for one HMP command (doc/vm-tests.md); empty output is success.
monitor() {
	local end=$(($(date +%s) + 30))
	echo "$1" >"$VDK_VM_OUT/monitor.request.tmp"
	mv "$VDK_VM_OUT/monitor.request.tmp" "$VDK_VM_OUT/monitor.request"
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ -e "$VDK_VM_OUT/monitor.reply" ]; then
			cat "$VDK_VM_OUT/monitor.reply"
			rm -f "$VDK_VM_OUT/monitor.reply"
			return 0
		fi
		sleep 0.05
	done
	echo "no answer from the monitor within 30 s"
}

# --- 1. vdk-nvme-perf (its --verify writes anywhere: before the tool's patterns) ---
target="trtype:PCIe traddr:$bdf ns:1"
timeout -k 10 120 "$perf" -l 0 -- -r "$target" -w read -o 4096 -q 4 -t 2 >"$work/stop.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "UNRECOVERED READ ERROR" "$work/stop.out" &&
	grep -q "the first stopped the namespace" "$work/stop.out"; then
	ok "perf without --continue-on-error stops the namespace at the first error, exit 1"
else
	bad "perf without --continue-on-error (exit $rc):"
	cat "$work/stop.out"
fi
timeout -k 10 120 "$perf" -l 0 -- -r "$target" -w read -o 4096 -q 4 -t 2 --continue-on-error \
	--json "$work/coe.json" >"$work/coe.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "UNRECOVERED READ ERROR" "$work/coe.out" &&
	python3 - "$work/coe.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ns = d["namespaces"][0]
by = {e["status"]: e["count"] for e in ns["errors_by_status"]}
assert ns["errors"] >= 1 and ns["ios"] > ns["errors"], ns
assert set(by) == {"UNRECOVERED READ ERROR"} and sum(by.values()) == ns["errors"], by
assert d["config"]["continue_on_error"] is True
PY
then
	ok "perf --continue-on-error: $(grep -m1 'UNRECOVERED READ ERROR' "$work/coe.out" | tr -s ' '), ran on, exit 0"
else
	bad "perf --continue-on-error (exit $rc):"
	cat "$work/coe.out"
fi

# Wait up to $2 seconds for the line $1 in perf's output (a loaded host
# makes fixed sleeps miss: the guest may start perf late); give up at
# once when perf has ended.
wait_line() {
	local end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -q "$1" "$work/reset.out" && return 0
		kill -0 "$pid" 2>/dev/null || { grep -q "$1" "$work/reset.out"; return; }
		sleep 0.1
	done
	return 1
}
# --verify through a reset: the host throttles nv1 once perf runs, and
# lifts the limit once the driver has reset the controller.
echo "  step reset starts at $(cut -d' ' -f1 /proc/uptime) s"
timeout -k 10 120 "$perf" -l 0 -a "$bdf,timeout_ms=1000" -- -r "$target" -w randwrite -o 4096 -q 8 -t 15 \
	--verify --continue-on-error --json "$work/reset.json" >"$work/reset.out" 2>&1 &
pid=$!
wait_line '^\[  1s\]' 60 || echo "  perf did not report its first second within 60 s"
reply=$(monitor "block_set_io_throttle nv1 0 0 0 1 0 0")
echo "  throttled at $(cut -d' ' -f1 /proc/uptime) s"
wait_line 'reset done' 30 ||
	echo "  no reset within 30 s of the throttle$(kill -0 $pid 2>/dev/null || echo ': perf ended before it')"
reply=$reply$(monitor "block_set_io_throttle nv1 0 0 0 0 0 0")
echo "  throttle lifted at $(cut -d' ' -f1 /proc/uptime) s"
step_wait "$pid" 150 "perf --verify through a reset"
[ -z "$reply" ] || bad "throttling nv1: $reply"
if [ "$rc" = 0 ] && grep -q "reset done" "$work/reset.out" &&
	python3 - "$work/reset.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ns = d["namespaces"][0]
by = {e["status"]: e["count"] for e in ns["errors_by_status"]}
assert by.get("COMMAND ABORTED DUE TO SQ DELETION", 0) >= 1, by
assert ns["verify_failures"] == 0 and ns["verify_writes"] > 0, ns
assert not ns["failed"], ns
PY
then
	ok "perf --verify --continue-on-error through a reset: $(grep -m1 'SQ DELETION' "$work/reset.out" | tr -s ' '), every completed write read back as written"
else
	bad "perf --verify --continue-on-error through a reset (exit $rc):"
	cat "$work/reset.out"
fi

# --- 2. media errors ---
tool_step media media "$bdf" 1 20000 30000 "$work/media.list"

# --- 3. a command that outlives its timeout ---
tool_step timeout timeout "$bdf" 1 40000 "$work/timeout.list"
for want in "timed out after 1000 ms: aborting it" "the command was not aborted" \
	"still outstanding after an abort: resetting the controller" "reset done"; do
	grep -q "$want" "$work/timeout.err" && ok "the driver logged \"$want\"" ||
		bad "the driver did not log \"$want\""
done
echo "  the driver's log: $(grep -c 'aborting it' "$work/timeout.err") aborts sent," \
	"$(grep -c 'reset done' "$work/timeout.err") reset(s)"

# --- 4. the kernel's nvme driver reads back ---
[ -e "$dev/driver" ] && echo "$bdf" >"$dev/driver/unbind"
echo nvme >"$dev/driver_override"
modprobe nvme
echo "$bdf" >/sys/bus/pci/drivers_probe
for i in $(seq 100); do
	blk=$(ls -d "$dev"/nvme/nvme*/nvme*n1 2>/dev/null | head -n 1)
	[ -n "$blk" ] && break
	sleep 0.1
done
if [ -z "$blk" ]; then
	bad "the kernel's nvme driver did not take $bdf"
	finish
fi
tool_step kcheck-media kcheck "/dev/$(basename "$blk")" 512 "$work/media.list"
tool_step kcheck-timeout kcheck "/dev/$(basename "$blk")" 512 "$work/timeout.list"
finish
