#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Other folders' vm checks over VDK's own vdk_vfio module, in the guest.
# test/vm/kmod/kmod-guest.sh loads the module, binds two devices to
# vdk-vfio-pci and runs each program as `PROGRAM BDF BDF`; this program
# runs the command lines in $VDKB_RUN instead (separated by ' ; ', paths
# without spaces), then gives kmod-guest.sh its devices back on
# vdk-vfio-pci if a check moved one to a kernel driver. With vfio-pci not
# even loaded, the EAL's --vfio-backend auto can only have opened the
# devices through the module.
#   VDKB_RUN='CHECK ARGS... ; CHECK ARGS...' over-vdk.sh BDF BDF
set -u
drv=vdk-vfio-pci
failed=0
for bdf in "$1" "$2"; do
	echo "over-vdk: $bdf is on $(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")"
done
if [ -e /sys/module/vfio_pci ]; then
	echo "over-vdk: FAIL: vfio-pci is loaded: the checks could run over it instead"
	exit 1
fi
IFS=';' read -ra cmds <<<"$VDKB_RUN"
for cmd in "${cmds[@]}"; do
	read -ra words <<<"$cmd"
	[ "${#words[@]}" -gt 0 ] || continue
	echo "over-vdk: running ${words[*]}"
	"${words[@]}"
	rc=$?
	echo "over-vdk: exit status $rc from ${words[0]}"
	[ "$rc" = 0 ] || failed=1
done
for bdf in "$1" "$2"; do
	dev=/sys/bus/pci/devices/$bdf
	[ "$dev/driver" -ef "/sys/bus/pci/drivers/$drv" ] && continue
	[ -e "$dev/driver" ] && echo "$bdf" >"$dev/driver/unbind"
	echo "$drv" >"$dev/driver_override"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	[ "$dev/driver" -ef "/sys/bus/pci/drivers/$drv" ] ||
		{ echo "over-vdk: FAIL: $bdf did not go back to $drv"; failed=1; }
done
exit "$failed"
