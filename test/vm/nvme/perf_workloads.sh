#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the guest with both NVMe controllers on vfio-pci. vdk-nvme-perf
# runs every workload type for a second on nvme0 (null-co) with -L and
# --json, and the JSON must parse with the figures in it; --verify on
# nvme1 (a file) must read back as many I/Os as it wrote, more than
# none, each as written; --intr must complete.
# Then the refusals: a -r that does not parse, a namespace that is not
# there, a depth above CAP.MQES, a size that is not a multiple of the
# block, and nvme1 handed to the kernel's nvme driver (the message must
# name `vdk-setup bind`). Each refusal exits non-zero and says why.
#
# Usage: perf_workloads.sh VDK_NVME_PERF
set -u
perf=$1
nvme0=${VDK_VM_NVME0:-0000:00:04.0}
nvme1=${VDK_VM_NVME1:-0000:00:05.0}
work=$(mktemp -d)
passed=0 failed=0

ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

# One workload on nvme0: exit 0, a Total line, a JSON file with IOPS > 0.
workload() {
	local name=$1
	shift
	if "$perf" -l 0 -- -r "trtype:PCIe traddr:$nvme0 ns:1" -t 1 -L --json "$work/$name.json" \
		"$@" >"$work/$name.out" 2>&1 &&
		grep -q '^Total' "$work/$name.out" && grep -q '99.00000%' "$work/$name.out" &&
		python3 - "$work/$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["total"]
assert t["iops"] > 0 and t["ios"] > 0 and t["errors"] == 0, t
assert t["latency_us"]["mean"] > 0 and "99.99990" in t["latency_us"]["percentiles"], t
assert d["namespaces"][0]["failed"] is False
PY
	then
		ok "$*: $(awk '/^Total/ { printf "%s IOPS, mean %s us", $3, $5 }' "$work/$name.out")"
	else
		bad "$*:"
		cat "$work/$name.out"
	fi
}

workload read -w read -q 8
workload write -w write -q 8
workload randread -w randread -q 8 -o 8192
workload randwrite -w randwrite -q 8
workload rw -w rw -M 70 -q 8
workload randrw -w randrw -M 30 -q 8 -P 2 -LL

# --verify must say how much it checked: something, and every write it made.
"$perf" -l 0 -- -r "trtype:PCIe traddr:$nvme1 ns:1" -t 1 -q 8 -w randwrite --verify \
	>"$work/verify.out" 2>&1
rc=$?
n='\([0-9]*\)'
read -r written readback differ < <(sed -n \
	"s/^verify: $n writes, $n read back and compared: $n of the reads.*/\\1 \\2 \\3/p" \
	"$work/verify.out")
if [ "$rc" -eq 0 ] && [ "${written:-0}" -gt 0 ] && [ "$readback" = "$written" ] &&
	[ "$differ" = 0 ]; then
	ok "--verify on nvme1: $readback reads back of $written writes, each as written"
else
	bad "--verify on nvme1:"
	cat "$work/verify.out"
fi
if "$perf" -l 0 -- -r "trtype:PCIe traddr:$nvme0" -t 1 -q 1 --intr >"$work/intr.out" 2>&1 &&
	grep -q '^Total' "$work/intr.out"; then
	ok "--intr: $(awk '/^Total/ { printf "%s IOPS, mean %s us", $3, $5 }' "$work/intr.out")"
else
	bad "--intr:"
	cat "$work/intr.out"
fi

# refuse WHAT EXPECTED_MESSAGE perf-options...
refuse() {
	local what=$1 want=$2 rc
	shift 2
	"$perf" -l 0 -- "$@" >"$work/refuse.out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -qF -- "$want" "$work/refuse.out"; then
		ok "refused $what (exit $rc)"
	else
		bad "$what: exit $rc, expected a message with \"$want\":"
		cat "$work/refuse.out"
	fi
}

refuse "a -r that does not parse" "is not a PCI address" -r "trtype:PCIe traddr:banana" -t 1
refuse "a namespace that does not exist" "namespace 9 of $nvme0 does not exist" \
	-r "trtype:PCIe traddr:$nvme0 ns:9" -t 1
refuse "a depth above CAP.MQES" "CAP.MQES = 2047" -r "trtype:PCIe traddr:$nvme0" -q 4096 -t 1
refuse "an I/O size not a multiple of the block" "is not a multiple of the block size" \
	-r "trtype:PCIe traddr:$nvme0" -o 1000 -t 1

# nvme1 to the kernel's driver, then ask perf for it.
dev=/sys/bus/pci/devices/$nvme1
echo "$nvme1" >"$dev/driver/unbind"
echo nvme >"$dev/driver_override"
modprobe nvme
echo "$nvme1" >/sys/bus/pci/drivers_probe
for i in $(seq 100); do
	ls -d "$dev"/nvme/nvme*/nvme*n1 >/dev/null 2>&1 && break
	sleep 0.1
done
refuse "a controller bound to the kernel's nvme driver" "vdk-setup bind $nvme1" \
	-r "trtype:PCIe traddr:$nvme1" -t 1

rm -rf "$work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
