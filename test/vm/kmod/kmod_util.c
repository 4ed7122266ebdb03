/* SPDX-License-Identifier: BSD-3-Clause */
/* The helpers of kmod_util.h. */
#include "kmod_util.h"

int kmod_args(int argc, char **argv, const char **nvme_bdf,
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

int kmod_group_id(const char *bdf)
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

int kmod_group_open(const char *bdf)
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

long kmod_ioctl(int fd, unsigned long req, void *arg)
{
	long ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

long kmod_debugfs(const char *name)
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

long kmod_pinned_pages(void)
{
	return kmod_debugfs("pinned_pages");
}

int kmod_region(int fd, uint32_t index, struct kmod_region *r)
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

uint64_t kmod_region_map_len(const struct kmod_region *r)
{
	if (!(r->info.flags & VDK_VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	if (!r->nareas)
		return r->info.size;
	return r->areas[0].offset ? 0 : r->areas[0].size;
}

int kmod_sysfs_write(const char *path, const char *value)
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

long kmod_foll_pins(void)
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

int kmod_param(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/vdk_vfio/parameters/%s",
		 name);
	return kmod_sysfs_write(path, value);
}

long kmod_status_kb(const char *field)
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

int kmod_drop_ipc_lock(void)
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

long kmod_map(int iommu, uint64_t vaddr, uint64_t iova,
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

long kmod_unmap(int iommu, uint64_t iova, uint64_t size)
{
	return kmod_map(iommu, 0, iova, size, 0);
}
