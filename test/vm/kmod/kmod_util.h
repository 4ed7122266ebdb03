/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the vdk_vfio.ko test programs: finding a device's
 * group node, calling ioctls with the errno as the result, reading the
 * module's debugfs counters and the kernel's own pin counters, writing
 * sysfs files, and dropping CAP_IPC_LOCK so that RLIMIT_MEMLOCK applies to
 * a root test process.
 */
#ifndef KMOD_UTIL_H
#define KMOD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vdk_vfio.h>

#define KMOD_DEBUGFS "/sys/kernel/debug/vdk_vfio/"

/*
 * The test programs' command line, NVME_BDF NIC_BDF: 0 with both set, or
 * -EINVAL after the usage line.
 */
static inline int kmod_args(int argc, char **argv, const char **nvme_bdf,
			    const char **nic_bdf)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s NVME_BDF NIC_BDF (both bound to vdk-vfio-pci)\n",
			argv[0]);
		return -EINVAL;
	}
	*nvme_bdf = argv[1];
	*nic_bdf = argv[2];
	return 0;
}

/* The IOMMU group number of a PCI device, or -errno. */
static inline int kmod_group_id(const char *bdf)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return atoi(basename(target));
}

/* Open /dev/vdk-vfio/<group of bdf>; an fd or -errno. */
static inline int kmod_group_open(const char *bdf)
{
	char path[64];
	int id = kmod_group_id(bdf);
	int fd;

	if (id < 0)
		return id;
	snprintf(path, sizeof(path), VDK_VFIO_DEV_DIR "/%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ioctl(2) with the result or -errno, for assert_int_equal(). */
static inline long kmod_ioctl(int fd, unsigned long req, void *arg)
{
	long ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

static inline long kmod_debugfs(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KMOD_DEBUGFS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static inline long kmod_pinned_pages(void)
{
	return kmod_debugfs("pinned_pages");
}

/* A region's info with its sparse-mmap areas, if it has that capability. */
struct kmod_region {
	struct vdk_vfio_region_info info;
	unsigned int nareas;	/* 0: no sparse-mmap capability */
	struct vdk_vfio_region_sparse_mmap_area areas[4];
};

/* GET_REGION_INFO of @index with room for its capabilities: 0 or -errno. */
static inline int kmod_region(int fd, uint32_t index, struct kmod_region *r)
{
	union {
		struct vdk_vfio_region_info info;
		uint64_t raw[32];
	} u = { .info = { .argsz = sizeof(u), .index = index } };
	uint32_t off;

	memset(r, 0, sizeof(*r));
	if (ioctl(fd, VDK_VFIO_DEVICE_GET_REGION_INFO, &u))
		return -errno;
	r->info = u.info;
	off = u.info.flags & VDK_VFIO_REGION_INFO_FLAG_CAPS ?
	      u.info.cap_offset : 0;
	while (off >= sizeof(u.info) && off + 16 <= sizeof(u) && !(off & 7)) {
		const struct vdk_vfio_region_info_cap_sparse_mmap *cap =
			(const void *)((const char *)&u + off);
		uint32_t i;

		if (cap->header.id == VDK_VFIO_REGION_INFO_CAP_SPARSE_MMAP)
			for (i = 0; i < cap->nr_areas && i < 4 &&
			     off + 16 + (i + 1) * 16 <= sizeof(u); i++)
				r->areas[r->nareas++] = cap->areas[i];
		if (cap->header.next <= off)
			break;
		off = cap->header.next;
	}
	return 0;
}

/* How much of a region mmap may take from its start (0: nothing). */
static inline uint64_t kmod_region_map_len(const struct kmod_region *r)
{
	if (!(r->info.flags & VDK_VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	if (!r->nareas)
		return r->info.size;
	return r->areas[0].offset ? 0 : r->areas[0].size;
}

/*
 * A struct vdk_vfio_irq_eventfds with room for KMOD_EVENTFDS_MAX eventfds
 * after it. A union, not a struct that embeds it: a structure ending in a
 * flexible array may only end another one, and clang refuses the GNU
 * extension under -Werror.
 */
#define KMOD_EVENTFDS_MAX 8
union kmod_irq_eventfds {
	struct vdk_vfio_irq_eventfds hdr;
	uint8_t raw[sizeof(struct vdk_vfio_irq_eventfds) +
		    KMOD_EVENTFDS_MAX * sizeof(int32_t)];
};

/* argsz of an irq_eventfds argument that carries @count eventfds */
#define KMOD_EVENTFDS_ARGSZ(count) \
	((uint32_t)(sizeof(struct vdk_vfio_irq_eventfds) + \
		    (count) * sizeof(int32_t)))

/* Write @value to a sysfs (or proc) file: 0 or -errno. */
static inline int kmod_sysfs_write(const char *path, const char *value)
{
	ssize_t n, len = (ssize_t)strlen(value);
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n == len ? 0 : (n < 0 ? (int)n : -EIO);
}

/*
 * Pages pinned with FOLL_PIN and not released yet, by the kernel's own
 * count (/proc/vmstat nr_foll_pin_acquired - nr_foll_pin_released): a
 * witness that does not take the module's word. Nothing else in the guest
 * pins, so it must come back to where a test started. The counters are
 * kept per CPU and folded now and then: stat_refresh folds them first.
 * LONG_MIN if they cannot be read.
 */
static inline long kmod_foll_pins(void)
{
	long acquired = -1, released = -1;
	char name[64];
	long value;
	FILE *f;

	if (kmod_sysfs_write("/proc/sys/vm/stat_refresh", "1"))
		return LONG_MIN;
	f = fopen("/proc/vmstat", "re");

	if (!f)
		return LONG_MIN;
	while (fscanf(f, "%63s %ld", name, &value) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acquired = value;
		else if (!strcmp(name, "nr_foll_pin_released"))
			released = value;
	}
	fclose(f);
	return acquired < 0 || released < 0 ? LONG_MIN : acquired - released;
}

/* Set a parameter of the loaded module: 0 or -errno. */
static inline int kmod_param(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/vdk_vfio/parameters/%s",
		 name);
	return kmod_sysfs_write(path, value);
}

/* A field of /proc/self/status in kB (VmPin, VmLck), or -errno. */
static inline long kmod_status_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long kb = -ENOENT;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* Make RLIMIT_MEMLOCK bind even as root. 0 or -errno. */
static inline int kmod_drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint32_t bit = 1u << (CAP_IPC_LOCK % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_IPC_LOCK / 32].effective &= ~bit;
	data[CAP_IPC_LOCK / 32].permitted &= ~bit;
	data[CAP_IPC_LOCK / 32].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static inline long kmod_map(int iommu, uint64_t vaddr, uint64_t iova,
			    uint64_t size, uint32_t flags)
{
	struct vdk_vfio_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = vaddr,
		.iova = iova,
		.size = size,
	};

	return kmod_ioctl(iommu, VDK_VFIO_IOMMU_MAP_DMA, &map);
}

#define KMOD_MAP_RW (VDK_VFIO_DMA_MAP_FLAG_MAP | VDK_VFIO_DMA_MAP_FLAG_READ | \
		     VDK_VFIO_DMA_MAP_FLAG_WRITE)

static inline long kmod_unmap(int iommu, uint64_t iova, uint64_t size)
{
	return kmod_map(iommu, 0, iova, size, 0);
}

#endif /* KMOD_UTIL_H */
