#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the guest with nvme1 (the file-backed controller) on vfio-pci.
# The kernel's nvme driver is the client VDK did not write: it must see
# what VDK saw and read what VDK wrote, and VDK must read what it wrote.
#
#   1. VDK: examples/nvme-hello greets sector 300; Identify, then a pattern
#      written to blocks 1000..1255, and its own selftest of every I/O
#      command and a reset (blocks 0..255).
#   2. Rebind to nvme: `nvme id-ctrl` and sysfs agree with VDK's Identify;
#      dd reads blocks 1000..1255 equal to the pattern; dd writes another
#      pattern to blocks 3000..3127; sector 300 holds nvme-hello's greeting.
#   3. Rebind to vfio-pci: VDK reads blocks 3000..3127 equal to it.
#
# Usage: kernel_crosscheck.sh NVME_VM_TOOL NVME_HELLO
set -u
tool=$1
hello=$2
bdf=${VDK_VM_NVME1:-0000:00:05.0}
# VDK's own driver for the device: vdk-vfio-pci reruns this over the vdk_vfio
# module (test/vm/vdkbackend), which the EAL's --vfio-backend auto then picks.
vfio_drv=${VDK_VFIO_DRIVER:-vfio-pci}
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

# Bind the controller to $1 (nvme or vfio-pci) and wait for the result.
rebind() {
	local drv=$1 i
	[ -e "$dev/driver" ] && echo "$bdf" >"$dev/driver/unbind"
	echo "$drv" >"$dev/driver_override"
	[ -d "/sys/bus/pci/drivers/$drv" ] || modprobe "$drv" || return 1
	echo "$bdf" >/sys/bus/pci/drivers_probe
	for i in $(seq 100); do
		if [ "$drv" = nvme ]; then
			ls -d "$dev"/nvme/nvme*/nvme*n1 >/dev/null 2>&1 && return 0
		else
			[ -e "/dev/vfio/$(basename "$(readlink "$dev/iommu_group")")" ] && return 0
			[ "$drv" = vdk-vfio-pci ] && [ "$dev/driver" -ef "/sys/bus/pci/drivers/$drv" ] &&
				return 0
		fi
		sleep 0.1
	done
	return 1
}

# --- 1. VDK on vfio-pci ---
if "$hello" -l 0 -a "$bdf" -- 300 >"$work/hello" 2>&1; then
	ok "nvme-hello: $(grep '^read back' "$work/hello")"
else
	bad "nvme-hello:"
	cat "$work/hello"
fi
if "$tool" identify "$bdf" >"$work/vdk-id" 2>"$work/err"; then
	ok "VDK identify ($(grep '^mn ' "$work/vdk-id" | cut -d' ' -f2-))"
else
	bad "VDK identify: $(cat "$work/err")"
	finish
fi
if "$tool" write "$bdf" 1 1000 256 11 >/dev/null 2>"$work/err"; then
	ok "VDK wrote its pattern to blocks 1000..1255"
else
	bad "VDK write: $(cat "$work/err")"
fi
if "$tool" selftest "$bdf" 1 >"$work/self" 2>&1; then
	ok "VDK selftest: $(tail -n 1 "$work/self")"
else
	bad "VDK selftest:"
	cat "$work/self"
fi

# --- 2. the kernel's nvme driver ---
if ! rebind nvme; then
	bad "the kernel's nvme driver did not take $bdf"
	finish
fi
ctrl=$(basename "$(ls -d "$dev"/nvme/nvme* | head -n 1)")
blk=$(basename "$(ls -d "$dev"/nvme/"$ctrl"/nvme*n1 | head -n 1)")
ok "kernel sees /dev/$ctrl and /dev/$blk"

nvme id-ctrl "/dev/$ctrl" -o json >"$work/k-id.json" 2>"$work/err" || bad "nvme id-ctrl: $(cat "$work/err")"
if python3 - "$work/vdk-id" "$work/k-id.json" >"$work/cmp" 2>&1 <<'PY'
import json, sys
vdk = dict(l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1]) if " " in l)
k = json.load(open(sys.argv[2]))
bad = 0
for key in ["vid", "ssvid", "sn", "mn", "fr", "mdts", "cntlid", "ver", "nn", "oncs",
            "sqes", "cqes", "vwc", "sgls", "acl"]:
    want = k[key]
    got = vdk[key]
    if isinstance(want, str):
        same = got.strip() == want.strip()
    else:
        same = int(got, 0) == int(want)
    print(("ok" if same else "MISMATCH"), key, "vdk", got, "kernel", want)
    bad += not same
sys.exit(1 if bad else 0)
PY
then
	ok "Identify Controller matches nvme id-ctrl (15 fields)"
else
	bad "Identify Controller differs from nvme id-ctrl:"
	grep MISMATCH "$work/cmp" || cat "$work/cmp"
fi

want=$(awk '$1 == "ns1.sectors512" { print $2 }' "$work/vdk-id")
got=$(cat "/sys/block/$blk/size")
[ "$got" = "$want" ] && ok "namespace 1 size: $got sectors in sysfs and VDK" ||
	bad "namespace 1 size: sysfs $got, VDK $want"
want=$(awk '$1 == "ns1.lba_size" { print $2 }' "$work/vdk-id")
got=$(cat "/sys/block/$blk/queue/logical_block_size")
[ "$got" = "$want" ] && ok "block size $got in sysfs and VDK" || bad "block size: sysfs $got, VDK $want"

"$tool" pattern 1000 256 512 11 >"$work/want"
dd if="/dev/$blk" of="$work/got" bs=512 skip=1000 count=256 iflag=direct status=none
cmp -s "$work/want" "$work/got" && ok "the kernel reads VDK's blocks 1000..1255 equal" ||
	bad "the kernel read something else at blocks 1000..1255"

"$tool" pattern 3000 128 512 22 >"$work/k-pattern"
if dd if="$work/k-pattern" of="/dev/$blk" bs=512 seek=3000 count=128 oflag=direct conv=fsync \
	status=none; then
	ok "the kernel wrote its pattern to blocks 3000..3127"
else
	bad "dd write through the kernel failed"
fi

dd if="/dev/$blk" bs=512 skip=300 count=1 iflag=direct status=none 2>/dev/null |
	grep -aq "Hello from VDK to sector 300!" && ok "the kernel reads nvme-hello's greeting" ||
	bad "sector 300 does not hold nvme-hello's greeting"

# --- 3. back to VDK ---
if ! rebind "$vfio_drv"; then
	bad "$vfio_drv did not take $bdf back"
	finish
fi
if "$tool" check "$bdf" 1 3000 128 22 >/dev/null 2>"$work/err"; then
	ok "VDK reads the kernel's blocks 3000..3127 equal"
else
	bad "VDK check: $(cat "$work/err")"
fi
finish
