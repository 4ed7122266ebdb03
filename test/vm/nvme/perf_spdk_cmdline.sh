#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the guest with nvme0 on vfio-pci. spdk_nvme_perf command lines
# from SPDK's documentation (its doc/nvme.md and the perf usage examples)
# run as they are, only the controller's address made the guest's and the
# time made 1 s: each exits 0 with a Total line, and its "Running ..."
# line (the workload as perf_setup() resolved it) equals the one of its
# EAL-form twin. One SPDK option VDK has no equivalent for is refused by
# name.
# Then, while an SPDK-form run with -LL --plot goes on, vdk-telemetry asks
# /nvme/ctrlrs and /nvme/qpairs,BDF: the controller is listed and its
# queue pair has I/O submitted. The run's SVG is checked against its -LL
# report (check_perf_svg.py: XML, percentile marks, samples adding up).
#
# Usage: perf_spdk_cmdline.sh VDK_NVME_PERF VDK_TELEMETRY CHECK_PERF_SVG
set -u
perf=$1 telemetry=$2 check_svg=$3
nvme0=${VDK_VM_NVME0:-0000:00:04.0}
work=$(mktemp -d)
passed=0 failed=0

ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

# same NAME "SPDK LINE" "EAL-FORM LINE": both run, and do the same.
same() {
	local name=$1 spdk=$2 eal=$3 a b
	# The lines are written as a user types them: let the shell split them.
	if eval "\"\$perf\" $spdk" >"$work/$name.spdk" 2>&1 && grep -q '^Total' "$work/$name.spdk" &&
		eval "\"\$perf\" $eal" >"$work/$name.eal" 2>&1 && grep -q '^Total' "$work/$name.eal"; then
		a=$(grep '^Running' "$work/$name.spdk")
		b=$(grep '^Running' "$work/$name.eal")
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			ok "$name: vdk-nvme-perf $spdk: $a; $(awk '/^Total/ { print $3 " IOPS" }' "$work/$name.spdk")"
		else
			bad "$name: the SPDK form ran \"$a\", the EAL form \"$b\""
		fi
	else
		bad "$name: vdk-nvme-perf $spdk / $eal:"
		cat "$work/$name.spdk" "$work/$name.eal" 2>/dev/null
	fi
}

tr="'trtype:PCIe traddr:$nvme0'"
# SPDK's doc/nvme.md (-t 300 there).
same doc "-q 128 -o 4096 -w randread -r $tr -t 1" \
	"-a $nvme0 -- -q 128 -o 4096 -w randread -r $tr -t 1"
# The line of issue 20 (-t 10 there).
same issue "-q 32 -o 4096 -w randread -t 1 -r $tr" \
	"-a $nvme0 -- -q 32 -o 4096 -w randread -t 1 -r $tr"
# perf's usage examples: a mixed workload on core 0 with memory sized (-t 60 there).
same mixed "-q 64 -o 4096 -w randrw -M 30 -t 1 -c 0x1 -s 64 -r $tr" \
	"-l 0 -m 64 -a $nvme0 -- -q 64 -o 4096 -w randrw -M 30 -t 1 -c 0x1 -r $tr"

if "$perf" -q 8 -N -r "trtype:PCIe traddr:$nvme0" -t 1 >"$work/refused.out" 2>&1; then
	bad "-N was not refused"
elif grep -q "spdk_nvme_perf's -N (--no-shst-notification" "$work/refused.out"; then
	ok "-N refused: $(cat "$work/refused.out")"
else
	bad "-N: no message naming it:"
	cat "$work/refused.out"
fi

# Telemetry while an SPDK-form run goes on.
"$perf" -q 8 -o 4096 -w randread -t 8 -LL -r "trtype:PCIe traddr:$nvme0" \
	--plot "$work/plot.svg" >"$work/live.out" 2>&1 &
pid=$!
for _ in $(seq 300); do
	grep -q '^Running' "$work/live.out" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
# One client, both commands: starting a program takes seconds under TCG.
"$telemetry" -c /nvme/ctrlrs -c "/nvme/qpairs,$nvme0" >"$work/telemetry.json" 2>&1
wait $pid
rc=$?
if out=$(python3 - "$work/telemetry.json" "$nvme0" <<'PY'
import json, sys
replies = [json.loads(line) for line in open(sys.argv[1])]
ctrlrs = replies[0]["/nvme/ctrlrs"]
qpairs = replies[1]["/nvme/qpairs"]
assert [c["name"] for c in ctrlrs] == [sys.argv[2]], ctrlrs
assert ctrlrs[0]["io_qpairs"] >= 1 and not ctrlrs[0]["failed"], ctrlrs
assert len(qpairs) >= 1 and qpairs[0]["submitted"] > 0, qpairs
print(f"{ctrlrs[0]['name']}: {len(qpairs)} queue pair(s), {qpairs[0]['submitted']} I/Os "
      "submitted so far")
PY
); then
	ok "telemetry during the run: $out"
else
	bad "telemetry during the run: $out"
	cat "$work/telemetry.json" "$work/live.out"
fi
if [ "$rc" -eq 0 ] && python3 "$check_svg" "$work/plot.svg" "$work/live.out"; then
	ok "--plot: the SVG's marks are the -LL report's"
else
	bad "the telemetry run (exit $rc) or its plot:"
	cat "$work/live.out"
fi

rm -rf "$work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
