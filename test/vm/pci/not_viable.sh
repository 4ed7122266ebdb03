#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# not_viable.sh PCI_VM VDK_SETUP: make an IOMMU group non-viable on purpose
# and check that the EAL names the device that blocks it, then run the fix
# the message gives and check that the device is then usable.
#
# The q35 machine's functions 00:1f.0 (LPC), 00:1f.2 (AHCI) and 00:1f.3
# (SMBus) share one IOMMU group and no driver binds them at boot: 1f.3 goes
# to vfio-pci, 1f.2 to the kernel's ahci.
set -eu
pci_vm=$1 vdk_setup=$2
dev=0000:00:1f.3 blocker=0000:00:1f.2
sys=/sys/bus/pci/devices

modprobe vfio-pci
echo vfio-pci >"$sys/$dev/driver_override"
echo "$dev" >/sys/bus/pci/drivers_probe
modprobe ahci
drv() { basename "$(readlink "$sys/$1/driver")"; }
echo "setup: $dev on $(drv $dev), $blocker on $(drv $blocker)"
# Not `a && b`: set -e ignores a failure anywhere but in its last command.
if [ "$(drv $dev)" != vfio-pci ] || [ "$(drv $blocker)" != ahci ]; then
	echo "FAIL: setup: want $dev on vfio-pci and $blocker on ahci" >&2
	exit 1
fi

"$pci_vm" not-viable "$dev" "$blocker"
# The fix the message names.
"$vdk_setup" bind "$blocker"
echo "after vdk-setup bind: $blocker on $(drv $blocker)"
"$pci_vm" viable "$dev" "$blocker"
