/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Plants a pin leak the module cannot see: with the module parameter
 * test_fault=2 each unpin leaves one page pinned while the module counts
 * it as returned. kmod-guest.sh's /proc/vmstat check must catch it
 * (meson test vdk_vfio_pin_leak_is_caught); the module's own counters
 * and VmPin say nothing is pinned, which this program checks too.
 *
 * usage: kmod_leak_pin NVME_BDF NIC_BDF
 */
#include <sys/mman.h>

#include "kmod_util.h"

#define LEN	(4 * 4096ull)
#define IOVA	0x100000000ull

int main(int argc, char **argv)
{
	const char *nvme, *nic;
	long before, after;
	int group, iommu;
	uint8_t *buf;

	if (kmod_args(argc, argv, &nvme, &nic))
		return 2;
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	group = kmod_group_open(nvme);
	iommu = group < 0 ? -1 :
		(int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	if (buf == MAP_FAILED || iommu < 0) {
		fprintf(stderr, "leak: cannot set up (%d)\n", iommu);
		return 1;
	}
	memset(buf, 1, LEN);
	before = kmod_foll_pins();
	if (kmod_map(iommu, (uintptr_t)buf, IOVA, LEN, KMOD_MAP_RW) ||
	    kmod_param("test_fault", "2") || kmod_unmap(iommu, IOVA, LEN) ||
	    kmod_param("test_fault", "0")) {
		fprintf(stderr, "leak: map, unmap or test_fault failed\n");
		return 1;
	}
	after = kmod_foll_pins();
	close(iommu);
	close(group);
	printf("leak: the module counts %ld pinned pages and VmPin %ld kB; /proc/vmstat counts %ld more pinned than before\n",
	       kmod_pinned_pages(), kmod_status_kb("VmPin"), after - before);
	/* the module is blind to it: only the kernel's count sees it */
	return kmod_pinned_pages() == 0 && kmod_status_kb("VmPin") == 0 &&
	       after - before == 1 ? 0 : 1;
}
