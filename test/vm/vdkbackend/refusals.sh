#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# In the guest, NVME0 on vfio-pci (vm-run --bind), the others on no driver:
#   1. before vdk_vfio.ko is loaded: vdkb_vm nomodule NVME0 E1000E
#   2. test/vm/kmod/kmod-guest.sh loads it, binds NVME1 and E1000E to
#      vdk-vfio-pci and runs vdkb_vm with VDKB_TEST=refusals, which finds
#      NVME0 in $VDK_VM_NVME0; then unbinds, unloads and checks the kernel.
# usage: refusals.sh KMOD_GUEST MODULE.ko VDKB_VM NVME0 NVME1 E1000E
set -u
[ $# = 6 ] || { echo "usage: $0 KMOD_GUEST MODULE.ko VDKB_VM NVME0 NVME1 E1000E" >&2; exit 2; }
kmod_guest=$1 ko=$2 vdkb_vm=$3 nvme0=$4 nvme1=$5 nic=$6
echo "# without the module"
"$vdkb_vm" nomodule "$nvme0" "$nic"
st1=$?
echo "# with the module"
"$kmod_guest" "$ko" "$nvme1" "$nic" "$vdkb_vm"
st2=$?
echo "refusals: without the module $st1, with it $st2"
[ "$st1" = 0 ] && [ "$st2" = 0 ]
