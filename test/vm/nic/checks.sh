# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the NIC scripts: one "ok -" or "FAIL -" line a check, counted
# in $passed and $failed for the script's summary, and the kernel interface
# of a PCI function.
passed=0 failed=0

check() {	# check STATUS MESSAGE
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"; passed=$((passed + 1))
	else
		echo "FAIL - $2"; failed=$((failed + 1))
	fi
}

# kernel_ifname BDF: the interface the kernel's driver made for BDF (a
# virtio device hangs it one level further down), or nothing.
kernel_ifname() {
	_kn=$(ls /sys/bus/pci/devices/$1/net 2>/dev/null ||
	      ls /sys/bus/pci/devices/$1/virtio*/net 2>/dev/null)
	echo $_kn | cut -d' ' -f1
}
