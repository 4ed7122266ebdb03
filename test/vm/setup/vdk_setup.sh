#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vdk-setup on real sysfs, in the guest (vm-run --bind all=kernel): the
# NVMe and e1000e start on their kernel drivers; vdk-setup loads vfio-pci,
# binds both, status shows their groups viable, and unbind hands them back
# to nvme and e1000e, whose namespace and interface reappear. It refuses a
# disk with a mounted filesystem, an interface that is up and the
# harness's own 9p share, and leaves those devices where they were.
#
# usage: vdk_setup.sh PATH-TO-vdk-setup
set -u
setup=$1
nvme=$VDK_VM_NVME0 disk=$VDK_VM_NVME1 nic=$VDK_VM_E1000E
passed=0 failed=0

pass() { echo "$1: ok"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1" >&2; failed=$((failed + 1)); }

# run WHAT WANT-STATUS ARGS...: run vdk-setup, keep its output in $out.
run() {
	local what=$1 want=$2 st
	shift 2
	out=$("$setup" "$@" 2>&1)
	st=$?
	if [ "$st" = "$want" ]; then
		pass "$what (exit $st)"
	else
		fail "$what: exit status $st, expected $want; output:"
		echo "$out" | sed 's/^/    /' >&2
	fi
}

# has WHAT PATTERN: $out matches the extended regex.
has() {
	if grep -Eq -- "$2" <<<"$out"; then
		pass "$1"
	else
		fail "$1: no line matching '$2' in:"
		echo "$out" | sed 's/^/    /' >&2
	fi
}

driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)"; }

is_driver() {
	local got
	got=$(driver_of "$2")
	if [ "$got" = "$3" ]; then pass "$1: $2 on '$got'"; else fail "$1: $2 on '$got', expected '$3'"; fi
}

# Wait up to 10 s for a path a driver creates after probe (NVMe namespaces).
appears() {
	local i
	for ((i = 0; i < 100; i++)); do
		if compgen -G "$2" >/dev/null; then pass "$1"; return; fi
		sleep 0.1
	done
	fail "$1: $2 did not appear"
}

group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }

# --- before: kernel drivers, vfio-pci not loaded ---
run "status lists the devices" 0 status
has "status: nvme0 on nvme, group blocked by itself" "^$nvme +1b36:0010 nvme +[0-9]+ +blocked"
has "status: e1000e on e1000e, group blocked by itself" "^$nic +8086:10d3 e1000e +[0-9]+ +blocked"
has "status: names from pci.ids" "QEMU NVM Express Controller|NVM Express"
has "status: the fix for a blocked group" "to use it: vdk-setup bind $nvme"
run "iommu finds the 48-bit IOMMU but no VFIO modules" 1 iommu
has "iommu: dmar0 active" "^ok +IOMMU units active: dmar0"
has "iommu: address width" "^ok +dmar0: 48-bit DMA addresses"
has "iommu: modules missing, with the fix" "VFIO modules not loaded"

# --- bind: modprobe vfio-pci, then override, unbind, probe ---
[ -d /sys/bus/pci/drivers/vfio-pci ] && fail "vfio-pci was loaded before the test"
run "bind nvme0 and e1000e" 0 bind "$nvme" "$nic"
has "bind loaded vfio-pci" "running modprobe vfio-pci"
has "bind reports nvme0" "^$nvme: bound to vfio-pci \\(was nvme\\)"
has "bind reports e1000e" "^$nic: bound to vfio-pci \\(was e1000e\\)"
has "bind reports the group viable" "IOMMU group $(group_of "$nvme"): viable for VFIO"
is_driver "after bind" "$nvme" vfio-pci
is_driver "after bind" "$nic" vfio-pci
[ -c "/dev/vfio/$(group_of "$nvme")" ] && pass "/dev/vfio/$(group_of "$nvme") exists" ||
	fail "/dev/vfio/$(group_of "$nvme") missing after bind"
run "bind again is a no-op" 0 bind "$nvme"
has "bind again says so" "already bound to vfio-pci"

run "status after bind" 0 status
has "status: nvme0 viable" "^$nvme +1b36:0010 vfio-pci +[0-9]+ +viable"
has "status: e1000e viable" "^$nic +8086:10d3 vfio-pci +[0-9]+ +viable"
run "status --json after bind" 0 status --json
has "json: nvme0 viable" "\"bdf\": \"$nvme\".*\"driver\": \"vfio-pci\".*\"vfio_viable\": true"
has "json: e1000e viable" "\"bdf\": \"$nic\".*\"driver\": \"vfio-pci\".*\"vfio_viable\": true"
run "iommu is clean once vfio-pci is loaded" 0 iommu

# --- unbind: back to the kernel drivers ---
run "unbind nvme0 and e1000e" 0 unbind "$nvme" "$nic"
has "unbind reports nvme0" "^$nvme: unbound from vfio-pci, now bound to nvme"
has "unbind reports e1000e" "^$nic: unbound from vfio-pci, now bound to e1000e"
is_driver "after unbind" "$nvme" nvme
is_driver "after unbind" "$nic" e1000e
appears "nvme0's namespace is back" "/sys/bus/pci/devices/$nvme/nvme/nvme*/nvme*n1"
appears "e1000e's interface is back" "/sys/bus/pci/devices/$nic/net/*"
override=$(cat "/sys/bus/pci/devices/$nvme/driver_override")
[ "$override" = "(null)" ] && pass "unbind cleared driver_override" ||
	fail "driver_override is '$override' after unbind"

# --- refusals, on the real kernel's view ---
ns=$(basename "$(compgen -G "/sys/bus/pci/devices/$disk/nvme/nvme*/nvme*n1" | head -n1)")
mkdir -p /mnt/vdk-setup-test
# The kernel cannot load modules on its own from the harness's chroot.
modprobe ext4 2>/dev/null
if mkfs.ext4 -q -F "/dev/$ns" && mount "/dev/$ns" /mnt/vdk-setup-test; then
	run "bind refuses a disk with a mounted filesystem, even with --force" 1 bind "$disk" --force
	has "the refusal names the mount" "/dev/$ns \\($ns\\) is mounted on /mnt/vdk-setup-test"
	is_driver "after the refusal" "$disk" nvme
	run "status shows the mount" 0 status
	has "status: in use" "in use: /dev/$ns \\($ns\\) is mounted on /mnt/vdk-setup-test"
	umount /mnt/vdk-setup-test
	run "bind --dry-run accepts it once unmounted" 0 bind "$disk" --dry-run
	is_driver "after the dry run" "$disk" nvme
else
	fail "could not make and mount a filesystem on /dev/$ns"
fi

ifc=$(basename "$(compgen -G "/sys/bus/pci/devices/$nic/net/*" | head -n1)")
if ip link set dev "$ifc" up; then
	run "bind refuses an interface that is up" 1 bind "$nic"
	has "the refusal names the interface" "interface $ifc is active \\(up"
	is_driver "after the refusal" "$nic" e1000e
	ip link set dev "$ifc" down
else
	fail "could not bring $ifc up"
fi

# The harness's writable 9p export: taking it would lose the results.
out_dev=
for d in /sys/bus/pci/devices/*; do
	if grep -qs '^out' "$d"/virtio*/mount_tag; then out_dev=$(basename "$d"); fi
done
if [ -n "$out_dev" ]; then
	run "bind refuses the device of a mounted 9p share" 1 bind "$out_dev" --dry-run
	has "the refusal names the share" "9p share 'out' is mounted on"
else
	fail "no virtio device with mount tag 'out'"
fi

# --- hugepages ---
run "hugepages 16" 0 hugepages 16
[ "$(cat /proc/sys/vm/nr_hugepages)" = 16 ] && pass "the kernel holds 16 pages" ||
	fail "nr_hugepages is $(cat /proc/sys/vm/nr_hugepages), expected 16"
has "hugepages reports the node" "^2M +0 +16 +16"
run "hugepages --mount" 0 hugepages --mount /run/vdk-setup-huge --size 2M
grep -q " /run/vdk-setup-huge hugetlbfs .*pagesize=2M" /proc/mounts &&
	pass "hugetlbfs mounted" || fail "hugetlbfs not on /run/vdk-setup-huge"
umount /run/vdk-setup-huge 2>/dev/null
run "hugepages --clear" 0 hugepages --clear
[ "$(cat /proc/sys/vm/nr_hugepages)" = 0 ] && pass "the pages are free again" ||
	fail "nr_hugepages is $(cat /proc/sys/vm/nr_hugepages) after --clear"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
