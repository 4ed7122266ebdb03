/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_check: prove, with nothing but libc and <linux/vfio.h>, that the vm
 * tier's guest gives real VFIO: for each PCI address given, the device sits
 * alone in its IOMMU group, the container speaks the type1v2 IOMMU API, a
 * buffer maps for DMA at IOVA = its virtual address (and unmaps), and a BAR
 * register read through mmap holds the value QEMU's model defines.
 *
 * usage: vfio_check BDF...   (each bound to vfio-pci; exit 0 if all pass)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SYSFS_PCI "/sys/bus/pci/devices"

static const char *cur;		/* the device being checked, for messages */

static bool fail(const char *what, int err)
{
	if (err)
		fprintf(stderr, "%s: %s: %s\n", cur, what, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", cur, what);
	return false;
}

static bool read_sysfs_hex(const char *bdf, const char *attr, unsigned int *val)
{
	char path[PATH_MAX];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (f == NULL)
		return fail(path, errno);
	n = fscanf(f, "%x", val);
	fclose(f);
	return n == 1 ? true : fail("unreadable sysfs attribute", 0);
}

/* The group number, after checking that the device is its only member. */
static bool find_group(const char *bdf, int *group)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	ssize_t len;
	int members = 0;
	DIR *dir;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/iommu_group", bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return fail("no IOMMU group (is the guest's IOMMU on?)", errno);
	link[len] = '\0';
	*group = atoi(basename(link));

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", *group);
	dir = opendir(path);
	if (dir == NULL)
		return fail(path, errno);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		members++;
		if (strcmp(de->d_name, bdf) != 0)
			fprintf(stderr, "%s: group %d also holds %s\n", bdf, *group, de->d_name);
	}
	closedir(dir);
	if (members != 1)
		return fail("device is not alone in its IOMMU group", 0);
	return true;
}

/*
 * The IOVA ranges the IOMMU accepts; VA = IOVA needs the buffer inside one.
 * The kernel packs capabilities without 8-byte alignment (6.1 puts this
 * one at an offset of 4 mod 8), so each field is copied out, not read in
 * place.
 */
static bool iova_in_ranges(int container, uint64_t iova, uint64_t size)
{
	const size_t ranges_at = offsetof(struct vfio_iommu_type1_info_cap_iova_range,
					  iova_ranges);
	char buf[4096] __attribute__((aligned(8)));
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_info_cap_header hdr;
	struct vfio_iova_range range = { 0 };
	uint32_t off, i, nr;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info) < 0)
		return fail("VFIO_IOMMU_GET_INFO", errno);
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return true;	/* no ranges reported: nothing to check */
	for (off = info->cap_offset; off != 0 && off + ranges_at <= sizeof(buf);
	     off = hdr.next) {
		memcpy(&hdr, buf + off, sizeof(hdr));
		if (hdr.id != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			continue;
		memcpy(&nr, buf + off + offsetof(struct vfio_iommu_type1_info_cap_iova_range,
						 nr_iovas), sizeof(nr));
		for (i = 0; i < nr && off + ranges_at + (i + 1) * sizeof(range) <= sizeof(buf); i++) {
			memcpy(&range, buf + off + ranges_at + i * sizeof(range), sizeof(range));
			if (iova >= range.start && iova + size - 1 <= range.end) {
				printf("%s: IOVA range %u of %u, 0x%llx-0x%llx, holds the buffer: ok\n",
				       cur, i + 1, nr, (unsigned long long)range.start,
				       (unsigned long long)range.end);
				return true;
			}
		}
		fprintf(stderr, "%s: IOVA 0x%" PRIx64 " lies outside the IOMMU's %u ranges, last ends at 0x%llx: the guest IOMMU needs aw-bits=48\n",
			cur, iova, nr, (unsigned long long)range.end);
		return false;
	}
	return true;
}

static bool check_dma(int container)
{
	const size_t size = 2u << 20;
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	void *va;
	bool ok = false;

	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED)
		return fail("mmap of the DMA buffer", errno);
	memset(va, 0x5a, size);
	map.vaddr = (uintptr_t)va;
	map.iova = (uintptr_t)va;
	map.size = size;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (!iova_in_ranges(container, map.iova, size))
		goto unmap_va;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		fail("VFIO_IOMMU_MAP_DMA at IOVA = VA", errno);
		goto unmap_va;
	}
	/* A second map of the same IOVA must be refused, not stacked. */
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0 || errno != EEXIST) {
		fail("a second MAP_DMA of the same IOVA was not refused with EEXIST", 0);
		goto unmap_va;
	}
	unmap.iova = map.iova;
	unmap.size = size;
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0) {
		fail("VFIO_IOMMU_UNMAP_DMA", errno);
		goto unmap_va;
	}
	if (unmap.size != size) {
		fail("UNMAP_DMA unmapped a different size than was mapped", 0);
		goto unmap_va;
	}
	printf("%s: MAP_DMA/UNMAP_DMA of 2 MiB at IOVA = VA 0x%" PRIxPTR ": ok\n",
	       cur, (uintptr_t)va);
	ok = true;
unmap_va:
	munmap(va, size);
	return ok;
}

static void *map_bar(int device, unsigned int index, uint64_t *size)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = index };
	void *p;

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &reg) < 0) {
		fail("VFIO_DEVICE_GET_REGION_INFO", errno);
		return NULL;
	}
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP) || reg.size == 0) {
		fail("BAR is not mmappable", 0);
		return NULL;
	}
	p = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, device, reg.offset);
	if (p == MAP_FAILED) {
		fail("mmap of the BAR", errno);
		return NULL;
	}
	*size = reg.size;
	return p;
}

static bool expect(const char *reg, uint64_t got, uint64_t want)
{
	if (got != want) {
		fprintf(stderr, "%s: %s = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n",
			cur, reg, got, want);
		return false;
	}
	printf("%s: %s = 0x%" PRIx64 ": ok\n", cur, reg, got);
	return true;
}

/* QEMU 7.2's NVMe model: CAP and VS at BAR0 offsets 0x0 and 0x8. */
static bool check_nvme(int device)
{
	uint64_t size;
	volatile uint8_t *bar = map_bar(device, VFIO_PCI_BAR0_REGION_INDEX, &size);
	bool ok;

	if (bar == NULL)
		return false;
	ok = expect("NVMe CAP", *(volatile uint64_t *)bar, 0x004018200f0107ffull);
	ok &= expect("NVMe VS", *(volatile uint32_t *)(bar + 0x8), 0x00010400);
	munmap((void *)bar, size);
	return ok;
}

/* 82574L STATUS (0x8): full duplex, link up, 1000 Mb/s, GIO master enabled. */
static bool check_e1000e(int device)
{
	uint64_t size;
	volatile uint8_t *bar = map_bar(device, VFIO_PCI_BAR0_REGION_INDEX, &size);
	bool ok;

	if (bar == NULL)
		return false;
	ok = expect("e1000e STATUS", *(volatile uint32_t *)(bar + 0x8), 0x00080283);
	munmap((void *)bar, size);
	return ok;
}

/*
 * Modern virtio (virtio 1.x section 4.1.4): the common configuration lives
 * where a vendor capability of cfg_type 1 says. Feature bits 32
 * (VERSION_1) and 33 (ACCESS_PLATFORM) must be offered: disable-legacy=on
 * and iommu_platform=on.
 */
static bool check_virtio(int device)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint8_t space[256], pos;
	uint32_t off = 0, features;
	uint64_t size;
	volatile uint8_t *bar;
	int bar_index = -1, hops;

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0)
		return fail("config region info", errno);
	if (pread(device, space, sizeof(space), cfg.offset) != sizeof(space))
		return fail("pread of the config space", errno);
	for (pos = space[0x34] & ~3u, hops = 0; pos != 0 && hops < 48;
	     pos = space[pos + 1] & ~3u, hops++) {
		/* cap_vndr 0x09; cfg_type at +3, bar at +4, offset at +8 */
		if (space[pos] == 0x09 && space[pos + 3] == 1) {
			bar_index = space[pos + 4];
			memcpy(&off, &space[pos + 8], sizeof(off));
			break;
		}
	}
	if (bar_index < 0)
		return fail("no virtio common configuration capability", 0);
	bar = map_bar(device, bar_index, &size);
	if (bar == NULL)
		return false;
	/* device_feature_select (+0x0) = 1 selects feature bits 32..63 */
	*(volatile uint32_t *)(bar + off) = 1;
	features = *(volatile uint32_t *)(bar + off + 0x4);
	munmap((void *)bar, size);
	return expect("virtio device_feature[63:32] & (VERSION_1 | ACCESS_PLATFORM)",
		      features & 3u, 3u);
}

static bool check_device(int container, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	unsigned int vendor, devid;
	char path[64];
	int group_nr, group, device;
	bool ok = false;

	cur = bdf;
	if (!read_sysfs_hex(bdf, "vendor", &vendor) ||
	    !read_sysfs_hex(bdf, "device", &devid) ||
	    !find_group(bdf, &group_nr))
		return false;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_nr);
	group = open(path, O_RDWR);
	if (group < 0)
		return fail("cannot open its VFIO group (bound to vfio-pci?)", errno);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0) {
		fail("VFIO_GROUP_GET_STATUS", errno);
		goto close_group;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fail("group is not viable: a member is bound to a host driver", 0);
		goto close_group;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
		fail("VFIO_GROUP_SET_CONTAINER", errno);
		goto close_group;
	}
	/* The IOMMU model is chosen once, with the first group. */
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0 && errno != EBUSY) {
		fail("VFIO_SET_IOMMU(TYPE1v2)", errno);
		goto unset_container;
	}
	printf("%s: %04x:%04x alone in IOMMU group %d, viable, type1v2 set: ok\n",
	       bdf, vendor, devid, group_nr);
	if (!check_dma(container))
		goto unset_container;
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0) {
		fail("VFIO_GROUP_GET_DEVICE_FD", errno);
		goto unset_container;
	}
	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info) < 0 ||
	    !(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		fail("VFIO_DEVICE_GET_INFO does not describe a PCI device", errno);
		goto close_device;
	}
	if (vendor == 0x1b36 && devid == 0x0010)
		ok = check_nvme(device);
	else if (vendor == 0x8086 && devid == 0x10d3)
		ok = check_e1000e(device);
	else if (vendor == 0x1af4 && devid == 0x1041)
		ok = check_virtio(device);
	else
		fail("no register check known for this device", 0);
close_device:
	close(device);
unset_container:
	ioctl(group, VFIO_GROUP_UNSET_CONTAINER);
close_group:
	close(group);
	return ok;
}

int main(int argc, char **argv)
{
	int container, i, failed = 0;
	long version;

	if (argc < 2) {
		fprintf(stderr, "usage: %s BDF...   (devices bound to vfio-pci)\n", argv[0]);
		return 2;
	}
	cur = "/dev/vfio/vfio";
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0) {
		fail("cannot open the container (is vfio-pci loaded?)", errno);
		return 1;
	}
	version = ioctl(container, VFIO_GET_API_VERSION);
	if (version != VFIO_API_VERSION) {
		fprintf(stderr, "VFIO API version %ld, expected %d\n", version, VFIO_API_VERSION);
		return 1;
	}
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		fprintf(stderr, "the container does not offer VFIO_TYPE1v2_IOMMU\n");
		return 1;
	}
	printf("container: API version %ld, TYPE1v2: ok\n", version);
	/* One device at a time: each group joins the container, then leaves. */
	for (i = 1; i < argc; i++)
		if (!check_device(container, argv[i]))
			failed++;
	close(container);
	printf("%d passed, %d failed\n", argc - 1 - failed, failed);
	return failed ? 1 : 0;
}
