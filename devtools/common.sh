# SPDX-License-Identifier: BSD-3-Clause
# Shared by devtools/demo and devtools/test: install what VDK needs from
# Debian's archive (only what is missing), then configure and build.

vdk_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VDK_BUILD=${VDK_BUILD:-$vdk_top/build}

# Build and test dependencies, one concern a line.
vdk_packages=(
	gcc g++ make meson ninja-build pkg-config python3
	libnuma-dev liburcu-dev libedit-dev libjansson-dev linux-libc-dev
	libcmocka-dev abigail-tools doxygen mandoc librsvg2-bin
	prometheus
	iproute2 pci.ids e2fsprogs
	libpcap-dev tcpdump libxdp-dev libbpf-dev clang util-linux
	qemu-system-x86 busybox-static cpio kmod
	dpdk-dev libdpdk-dev fio nvme-cli
	linux-source-6.1 bc bison flex libelf-dev libssl-dev
)

vdk_install_deps()
{
	local missing=() p
	for p in "${vdk_packages[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "devtools: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "devtools: installing packages needs root: run as root or install: ${missing[*]}" >&2
		return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# vdk_build_options NAME: the meson options of a build dir that
# devtools/test-tiers names. The sanitizer build's fail-on-error settings
# (-fno-sanitize-recover, UBSAN_OPTIONS) follow from b_sanitize in
# meson.build, so a build configured by hand gets them too.
vdk_build_options()
{
	case $1 in
	build) ;;
	build-asan) echo "-Db_sanitize=address,undefined -Db_lundef=false" ;;
	*)
		echo "devtools: no options for the build '$1': add them to vdk_build_options in devtools/common.sh" >&2
		return 1
		;;
	esac
}

# vdk_build DIR [meson options...]: configure DIR (once) and build it.
vdk_build()
{
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$vdk_top" --prefix="$dir/stage" -Dwerror=true "$@"
	fi
	ninja -C "$dir"
}
