#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the guest with every test device bound to the kernel's own driver
# (vm-run --bind all=kernel): the kernel, a client VDK did not write, must
# see the NVMe namespaces at the sizes vm-run gave them and both NICs as
# network interfaces.
set -u
passed=0 failed=0

check() {
	local what=$1 got=$2 want=$3
	if [ "$got" = "$want" ]; then
		echo "$what = $got: ok"
		passed=$((passed + 1))
	else
		echo "$what = '$got', expected '$want'" >&2
		failed=$((failed + 1))
	fi
}

# One namespace a controller; its size in 512-byte sectors.
ns_size() {
	local ns
	ns=$(ls -d /sys/bus/pci/devices/"$1"/nvme/nvme*/nvme*n1 2>/dev/null | head -n1)
	[ -n "$ns" ] && cat "/sys/block/$(basename "$ns")/size"
}

check "nvme0 (null-co, 1 GiB) sectors" "$(ns_size "$VDK_VM_NVME0")" 2097152
check "nvme1 (file, 64 MiB) sectors" "$(ns_size "$VDK_VM_NVME1")" 131072
check "nvme1 model" "$(cat /sys/bus/pci/devices/"$VDK_VM_NVME1"/nvme/nvme*/model 2>/dev/null | sed 's/ *$//')" "QEMU NVMe Ctrl"
check "nvme1 serial" "$(cat /sys/bus/pci/devices/"$VDK_VM_NVME1"/nvme/nvme*/serial 2>/dev/null | sed 's/ *$//')" vdk-nvme1
check "e1000e MAC" "$(cat /sys/bus/pci/devices/"$VDK_VM_E1000E"/net/*/address 2>/dev/null)" 52:54:00:12:34:06
check "virtio-net MAC" "$(cat /sys/bus/pci/devices/"$VDK_VM_VIRTIO_NET"/virtio*/net/*/address 2>/dev/null)" 52:54:00:12:34:07

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
