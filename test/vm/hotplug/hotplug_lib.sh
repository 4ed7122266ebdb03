# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the hot-plug scripts (vm-run --hotplug) and test/soak: checks,
# the QEMU monitor through vm-run, binding, and the guest kernel's log
# since start. A script outside this folder sets $hotplug_dir to it.
passed=0 failed=0

. "${hotplug_dir:-$(dirname "$0")}/../nic/wait_for.sh"

check() {	# check STATUS MESSAGE
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"; passed=$((passed + 1))
	else
		echo "FAIL - $2"; failed=$((failed + 1))
	fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# monitor LINE: one HMP command, run by vm-run on the host; prints its output.
monitor() {
	rm -f "$VDK_VM_OUT/monitor.reply"
	echo "$1" >"$VDK_VM_OUT/monitor.request.tmp" &&
		mv "$VDK_VM_OUT/monitor.request.tmp" "$VDK_VM_OUT/monitor.request" || return 1
	wait_for 60 test -e "$VDK_VM_OUT/monitor.reply" || return 1
	cat "$VDK_VM_OUT/monitor.reply"
	rm -f "$VDK_VM_OUT/monitor.reply"
}

present() { test -e "/sys/bus/pci/devices/$1"; }
absent() { ! present "$1"; }
has_driver() { test -e "/sys/bus/pci/devices/$1/driver"; }

# The VFIO driver the devices are on: vfio-pci, or VDK's vdk-vfio-pci.
vfio_drv=${VDK_VFIO_DRIVER:-vfio-pci}

# bind_vfio BDF: a device that came (back): to the VFIO driver, and wait for it.
bind_vfio() {
	echo "$vfio_drv" >"/sys/bus/pci/devices/$1/driver_override" &&
		echo "$1" >/sys/bus/pci/drivers_probe 2>/dev/null
	wait_for 30 has_driver "$1"
}

# foll_pins: pages pinned for DMA (FOLL_PIN, which vfio-pci's type1 and
# vdk_vfio use) and not released yet, by the kernel's own count.
foll_pins() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '$1 == "nr_foll_pin_acquired" { a = $2 } $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a - r }' /proc/vmstat
}

# exited PID: the process is gone (a zombie of ours counts as gone).
exited() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# The guest kernel's log from the mark on: what the kernel said about the removals.
mark_kmsg() { echo "vdk-hotplug: $1" >/dev/kmsg; }
kmsg_since() { dmesg | sed -n "/vdk-hotplug: $1/,\$p"; }

# dmesg_clean MARK: no kernel bug, warning or hung task, and no device
# request that VFIO had to repeat: it asks again 10 s after the first
# request, so no repeat means VDK let go within 10 s.
dmesg_clean() {
	! kmsg_since "$1" | grep -E 'BUG|WARNING|Oops|Call Trace|blocked for more than|general protection|Relaying device request to user \(#[1-9]' 
}

summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
