#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the guest with every test device bound to the kernel's own driver
# (vm-run --bind all=kernel): the kernel, a client VDK did not write, must
# see the NVMe namespaces at the sizes vm-run gave them and both NICs as
# network interfaces, wired to each other.
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

# The two NICs share one QEMU hub. Bringing a link up makes the kernel
# send IPv6 multicast (MLD, DAD); in promiscuous mode each side must
# receive the other's.
e1000e_if=$(basename /sys/bus/pci/devices/"$VDK_VM_E1000E"/net/*)
virtio_if=$(basename /sys/bus/pci/devices/"$VDK_VM_VIRTIO_NET"/virtio*/net/*)
ip link set "$e1000e_if" promisc on up
ip link set "$virtio_if" promisc on up
rx_e=0 rx_v=0
deadline=$((SECONDS + 15))
while [ "$SECONDS" -lt "$deadline" ]; do
	read -r rx_e </sys/class/net/"$e1000e_if"/statistics/rx_packets
	read -r rx_v </sys/class/net/"$virtio_if"/statistics/rx_packets
	[ "$rx_e" -gt 0 ] && [ "$rx_v" -gt 0 ] && break
	sleep 0.2
done
check "e1000e received frames from virtio-net" "$([ "$rx_e" -gt 0 ] && echo yes)" yes
check "virtio-net received frames from e1000e" "$([ "$rx_v" -gt 0 ] && echo yes)" yes

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
