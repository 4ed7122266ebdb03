#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Running without root, in the guest (vm-run --bind nvme0,e1000e,virtio-net
# =vfio-pci --hugepages 64; or, with VDK_VFIO_DRIVER=vdk-vfio-pci, nvme0 and
# the e1000e on vdk_vfio's driver): an unprivileged user (a bare uid, since the
# guest shares the host's /etc/passwd) is refused by vdk-nvme-perf and
# vdk-testpmd with the missing permission and the vdk-setup command that
# grants it; `vdk-setup status --user` lists the same; after `bind --owner`,
# `hugepages --owner` and a locked-memory limit that fits, both apps run as
# that user on the user's hugetlbfs mount; a second user still cannot open
# the devices.
#
# usage: nonroot.sh VDK-SETUP VDK-NVME-PERF VDK-TESTPMD
set -u
setup=$1 perf=$2 testpmd=$3
nvme=$VDK_VM_NVME0 e1k=$VDK_VM_E1000E vnet=$VDK_VM_VIRTIO_NET
user=4242 other=4343
drv=${VDK_VFIO_DRIVER:-vfio-pci}
if [ "$drv" = vfio-pci ]; then
	nodes=/dev/vfio drv_opt= nics=("$e1k" "$vnet")
else
	# vdk_vfio: its own nodes; the virtio-net stays unbound, so one port.
	nodes=/dev/vdk-vfio drv_opt="--driver $drv " nics=("$e1k")
fi
mnt=/run/vdk-hugepages-$user
passed=0 failed=0

pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1" >&2; failed=$((failed + 1)); }

group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }

# as_user UID MEMLOCK-KIB CMD...: run CMD as UID:UID with no other groups
# and that locked-memory limit (setpriv keeps the limits it was started
# with), for at most a minute.
as_user() {
	local uid=$1 kib=$2
	shift 2
	(ulimit -l "$kib" &&
		exec timeout 60 setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@")
}

# run WHAT WANT-STATUS CMD...: keep stdout and stderr in $out.
run() {
	local what=$1 want=$2 st
	shift 2
	out=$("$@" 2>&1)
	st=$?
	if [ "$st" = "$want" ]; then
		pass "$what (exit $st)"
	else
		fail "$what: exit status $st, expected $want; output:"
		echo "$out" | tail -n 30 | sed 's/^/    /' >&2
	fi
}

# refused WHAT CMD...: an application that stops with a failure status of
# its own (the EAL's refusal is 2, a probe's 1), not a signal or a timeout.
refused() {
	local what=$1 st
	shift
	out=$("$@" 2>&1)
	st=$?
	if [ "$st" -ne 0 ] && [ "$st" -lt 124 ]; then
		pass "$what (exit $st)"
	else
		fail "$what: exit status $st, expected a refusal; output:"
		echo "$out" | tail -n 30 | sed 's/^/    /' >&2
	fi
}

# has WHAT FIXED-STRING: $out holds it.
has() {
	if grep -Fq -- "$2" <<<"$out"; then
		pass "$1"
	else
		fail "$1: no '$2' in:"
		echo "$out" | tail -n 30 | sed 's/^/    /' >&2
	fi
}

perf_args=(-l 0 --huge-dir "$mnt" -- -r "trtype:PCIe traddr:$nvme ns:1" -q 4 -o 4096 -w randread -t 1)
nic_args=()
for n in "${nics[@]}"; do nic_args+=(-a "$n"); done
# testpmd_check.sh covers forwarding; this needs frames through the device.
tp_args=(-l 0-1 "${nic_args[@]}" --huge-dir "$mnt" -- --forward-mode txonly --auto-start --run-time 1)
perf_memfd=(-l 0 -- -r "trtype:PCIe traddr:$nvme ns:1" -q 4 -o 4096 -w randread -t 1)
tp_memfd=(-l 0-1 "${nic_args[@]}" -- --forward-mode txonly --auto-start --run-time 1)
gn=$(group_of "$nvme") ge=$(group_of "$e1k")
groups=("$gn" "$ge")
[ "${#nics[@]}" = 2 ] && groups+=("$(group_of "$vnet")")

# --- nothing granted: each refusal names the permission and its grant ---
run "status --user: the user lacks the devices" 1 "$setup" status --user "$user:$user" --mem 64
has "status names nvme0's node and its grant" "$nodes/$gn ($nvme, IOMMU group $gn): no read-write access (owner 0:0, mode 0600); grant: vdk-setup bind $nvme $drv_opt--owner $user:$user"
has "status names the e1000e's grant" "grant: vdk-setup bind $e1k $drv_opt--owner $user:$user"
[ "$drv" = vfio-pci ] && has "status: the kernel's 0666 container is fine" "ok       /dev/vfio/vfio: read-write"
has "status: hugepages are free" "ok       hugepages: "

refused "vdk-nvme-perf as the user is refused the device" as_user "$user" 1048576 "$perf" "${perf_memfd[@]}"
has "perf names the node, its owner and our ids" "no permission to open $nodes/$gn (owner 0:0, mode 0600; this process runs as uid $user, gid $user)"
has "perf names the grant" "\`vdk-setup bind $nvme $drv_opt--owner $user:$user\`"
refused "vdk-testpmd as the user is refused the device" as_user "$user" 1048576 "$testpmd" "${tp_memfd[@]}"
has "testpmd names the e1000e's node" "no permission to open $nodes/$ge (owner 0:0"
has "testpmd names the grant" "\`vdk-setup bind $e1k $drv_opt--owner $user:$user\`"
refused "vdk-nvme-perf is refused the root-owned hugetlbfs" as_user "$user" 1048576 "$perf" -l 0 --huge-dir /dev/hugepages -- -r "trtype:PCIe traddr:$nvme ns:1" -t 1
has "perf names the mount and its grant" "hugetlbfs /dev/hugepages is not writable by this user (uid $user, gid $user): as root, give it to the user with \`vdk-setup hugepages --mount /dev/hugepages --owner $user:$user\`"

# --- the grants ---
run "bind --owner gives the user the groups" 0 "$setup" bind "$nvme" "${nics[@]}" --driver "$drv" --owner "$user:$user"
has "bind says nvme0's node changed hands" "$nodes/$gn: now owned by $user:$user, mode 0660"
for g in "${groups[@]}"; do
	[ "$(stat -c '%u:%g %a' "$nodes/$g")" = "$user:$user 660" ] &&
		pass "$nodes/$g is $user:$user 0660" ||
		fail "$nodes/$g is $(stat -c '%u:%g %a' "$nodes/$g")"
done
run "hugepages --owner mounts hugetlbfs for the user" 0 "$setup" hugepages --owner "$user:$user"
has "hugepages says where" "hugetlbfs mounted on $mnt, for $user:$user"
[ "$(stat -c '%u:%g %a' "$mnt")" = "$user:$user 770" ] && pass "$mnt is $user:$user 0770" ||
	fail "$mnt is $(stat -c '%u:%g %a' "$mnt" 2>&1)"
run "bad --owner leaves everything as it was" 2 "$setup" bind "$nvme" --owner "$user:"
[ "$(stat -c '%u' "$nodes/$gn")" = "$user" ] && pass "the node kept its owner" ||
	fail "the node's owner changed on a usage error"

# --- the locked-memory limit: too small is refused with the numbers ---
refused "vdk-nvme-perf under a 64 KiB memlock limit is refused" as_user "$user" 64 "$perf" "${perf_args[@]}"
has "perf names RLIMIT_MEMLOCK" "but RLIMIT_MEMLOCK is 64 KiB: raise it"
has "perf names the vdk-setup check" "\`vdk-setup status --user $user --mem"
run "status --user under that limit says memlock is missing" 1 as_user 0 64 "$setup" status --user "$user:$user" --mem 64
has "status: memlock missing with the fix" "memlock: 64 KiB, but VFIO pins the 64 MiB the application maps: raise it"
run "status --user: nothing missing after the grants" 0 as_user 0 1048576 "$setup" status --user "$user:$user" --mem 64
has "status: the user's mount" "ok       hugetlbfs $mnt: writable"

# --- the user runs both apps on the user's hugepages ---
run "vdk-nvme-perf runs as the user" 0 as_user "$user" 1048576 "$perf" "${perf_args[@]}"
if grep -Eq "Total *: *[0-9.]+ +[0-9.]+" <<<"$out" &&
	! grep -Eq "Total *: *0\.00 +0\.00" <<<"$out"; then
	pass "perf as the user did I/O"
else
	fail "perf as the user: no I/O in its Total line:"
	echo "$out" | tail -n 15 | sed 's/^/    /' >&2
fi
run "vdk-testpmd runs as the user" 0 as_user "$user" 1048576 "$testpmd" "${tp_args[@]}"
total() { sed -n "/Accumulated forward statistics/,/+++++\$/s/.*$1: *\([0-9]*\).*/\1/p" <<<"$out" | head -n1; }
tx=$(total TX-packets) rx=$(total RX-packets)
[ "${tx:-0}" -gt 0 ] && pass "testpmd as the user sent $tx frames" ||
	fail "testpmd as the user sent nothing: $(tail -n 20 <<<"$out")"
# The NIC read them from the user's pages (DMA; perf's reads wrote to
# them). What arrives depends on when the links came up, which
# test/vm/nic waits for; here it is only told.
echo "testpmd as the user: $tx frames sent, ${rx:-0} received"
# Its pages were the user's mount's: files come and go under the user's name.
run "find reads the user's mount" 0 find "$mnt" -mindepth 1 -print -quit
[ -z "$out" ] && pass "no hugepage file left in $mnt" || fail "left in $mnt: $out"

# --- a second user still cannot ---
refused "a second user is refused nvme0" as_user "$other" 1048576 "$perf" "${perf_memfd[@]}"
has "the second user is told the same grant, with its own ids" "\`vdk-setup bind $nvme $drv_opt--owner $other:$other\`"
refused "a second user is refused the NICs" as_user "$other" 1048576 "$testpmd" "${tp_memfd[@]}"
has "the second user: no permission" "no permission to open $nodes/"
refused "a second user cannot write the first's mount" as_user "$other" 1048576 "$perf" -l 0 --huge-dir "$mnt" -- -r "trtype:PCIe traddr:$nvme ns:1" -t 1
has "the second user is told the mount is not theirs" "hugetlbfs $mnt is not writable by this user (uid $other"
run "status --user for the second user lists every group" 1 "$setup" status --user "$other"
n=$(grep -c "^MISSING  $nodes/" <<<"$out")
[ "$n" = "${#groups[@]}" ] && pass "$n groups missing for $other" ||
	fail "status --user $other: $n groups missing, expected ${#groups[@]}"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
