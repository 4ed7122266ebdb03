/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO backend for the mainline kernel's vfio-pci: one container
 * (/dev/vfio/vfio) per process with the type1v2 IOMMU, or the no-IOMMU
 * "IOMMU" when the groups are unsafe ones (/dev/vfio/noiommu-N).
 *
 * Every group of the process joins the one container, so there is one
 * IOMMU domain; the kernel sets the IOMMU type when the first group
 * joins and drops it, mappings and all, when the last one leaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "eal_vfio_internal.h"
#include "vdk_log.h"

#define CONTAINER_PATH "/dev/vfio/vfio"

static int container_fd = -1;
static bool has_type1v2;
static bool has_noiommu;
static unsigned int nb_attached;	/* groups in the container */
static bool container_noiommu;	/* IOMMU type in force while nb_attached > 0 */

static int
ml_open(void)
{
	int fd, ver;

	fd = open(CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			VDK_LOG(ERR, VFIO, "no %s: the vfio modules are not loaded: run "
				"`modprobe vfio-pci` (with an IOMMU enabled at boot, e.g. "
				"intel_iommu=on)", CONTAINER_PATH);
		else
			VDK_LOG(ERR, VFIO, "cannot open %s: %s%s", CONTAINER_PATH, strerror(err),
				err == EACCES ? ": the kernel makes it 0666, for every user; as "
				"root, `chmod 0666 " CONTAINER_PATH "` (a udev rule changed it)" : "");
		return -err;
	}
	ver = ioctl(fd, VFIO_GET_API_VERSION);
	if (ver != VFIO_API_VERSION) {
		VDK_LOG(ERR, VFIO, "%s speaks VFIO API %d, VDK needs %d", CONTAINER_PATH, ver,
			VFIO_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	has_type1v2 = ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0;
	has_noiommu = ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) > 0;
	if (!has_type1v2 && !has_noiommu) {
		VDK_LOG(ERR, VFIO, "the kernel's VFIO offers neither the type1v2 IOMMU nor "
			"no-IOMMU mode: load vfio_iommu_type1");
		close(fd);
		return -ENOTSUP;
	}
	container_fd = fd;
	nb_attached = 0;
	return 0;
}

static void
ml_close(void)
{
	if (container_fd >= 0)
		close(container_fd);
	container_fd = -1;
	nb_attached = 0;
}

static int
ml_group_open(int num, const char *bdf, bool *noiommu)
{
	char path[64];
	int fd;

	(void)bdf;
	snprintf(path, sizeof(path), "/dev/vfio/%d", num);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		*noiommu = false;
		return fd;
	}
	if (errno != ENOENT)
		return -errno;
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", num);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*noiommu = true;
	return fd;
}

static int
ml_group_viable(int group_fd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (ioctl(group_fd, VFIO_GROUP_GET_STATUS, &st) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VFIO_GROUP_GET_STATUS: %s", strerror(err));
		return -err;
	}
	return (st.flags & VFIO_GROUP_FLAGS_VIABLE) != 0;
}

static int
ml_group_attach(int group_fd, bool noiommu, int *domain)
{
	int type = noiommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;

	if (nb_attached > 0 && noiommu != container_noiommu) {
		VDK_LOG(ERR, VFIO, "cannot mix no-IOMMU and IOMMU-protected groups in one "
			"process: give VDK devices of one kind");
		return -EINVAL;
	}
	if (nb_attached == 0 && !(noiommu ? has_noiommu : has_type1v2)) {
		VDK_LOG(ERR, VFIO, "the kernel's VFIO lacks the %s IOMMU type",
			noiommu ? "no-IOMMU" : "type1v2");
		return -ENOTSUP;
	}
	if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VFIO_GROUP_SET_CONTAINER: %s", strerror(err));
		return -err;
	}
	if (nb_attached == 0 && ioctl(container_fd, VFIO_SET_IOMMU, type) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VFIO_SET_IOMMU(%s): %s", noiommu ? "no-IOMMU" : "type1v2",
			strerror(err));
		ioctl(group_fd, VFIO_GROUP_UNSET_CONTAINER);
		return -err;
	}
	container_noiommu = noiommu;
	nb_attached++;
	*domain = container_fd;
	return 0;
}

static void
ml_group_detach(int group_fd)
{
	if (ioctl(group_fd, VFIO_GROUP_UNSET_CONTAINER) != 0)
		VDK_LOG(WARNING, VFIO, "VFIO_GROUP_UNSET_CONTAINER: %s", strerror(errno));
	if (nb_attached > 0)
		nb_attached--;
}

static void
ml_group_close(int group_fd)
{
	close(group_fd);
}

/*
 * VFIO_IOMMU_GET_INFO grows: ask with the bare struct, and again with the
 * size the kernel says it needs for the capability chain.
 */
static int
ml_iommu_info(int domain, struct eal_vfio_range *ranges, unsigned int *nb_ranges,
	      uint64_t *pgsizes)
{
	struct vfio_iommu_type1_info *info;
	uint32_t argsz = sizeof(*info);
	unsigned int max = *nb_ranges;
	uint32_t off;
	int ret = 0;

	for (;;) {
		info = calloc(1, argsz);
		if (info == NULL)
			return -ENOMEM;
		info->argsz = argsz;
		if (ioctl(domain, VFIO_IOMMU_GET_INFO, info) != 0) {
			ret = -errno;
			VDK_LOG(ERR, VFIO, "VFIO_IOMMU_GET_INFO: %s", strerror(-ret));
			goto out;
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
	}
	*pgsizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes : 4096;
	*nb_ranges = 0;
	off = (info->flags & VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0;
	/*
	 * Offsets are from the start of info; each header links to the next.
	 * The kernel aligns capabilities to 4 bytes only, so copy the 64-bit
	 * fields out instead of pointing at them.
	 */
	while (off >= sizeof(*info) && off + sizeof(struct vfio_info_cap_header) <= argsz) {
		const char *at = (const char *)info + off;
		struct vfio_iommu_type1_info_cap_iova_range cap;
		struct vfio_info_cap_header hdr;

		memcpy(&hdr, at, sizeof(hdr));
		if (hdr.id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE && off + sizeof(cap) <= argsz) {
			memcpy(&cap, at, sizeof(cap));
			for (uint32_t i = 0; i < cap.nr_iovas; i++) {
				struct vfio_iova_range r;

				if (off + sizeof(cap) + (i + 1) * sizeof(r) > argsz)
					break;
				if (*nb_ranges == max) {
					VDK_LOG(WARNING, VFIO, "IOMMU reports %u IOVA ranges; VDK "
						"uses the first %u", cap.nr_iovas, max);
					break;
				}
				memcpy(&r, at + sizeof(cap) + i * sizeof(r), sizeof(r));
				ranges[*nb_ranges].start = r.start;
				ranges[*nb_ranges].end = r.end;
				(*nb_ranges)++;
			}
		}
		if (hdr.next <= off)
			break;
		off = hdr.next;
	}
	if (*nb_ranges == 0 && max > 0) {
		/* Kernels before 5.4 do not report ranges: assume all of them. */
		ranges[0].start = 0;
		ranges[0].end = UINT64_MAX;
		*nb_ranges = 1;
	}
out:
	free(info);
	return ret;
}

static int
ml_dma_map(int domain, uint64_t va, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = va, .iova = iova, .size = len,
	};

	if (ioctl(domain, VFIO_IOMMU_MAP_DMA, &m) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VFIO_IOMMU_MAP_DMA of VA 0x%" PRIx64 " at IOVA 0x%" PRIx64
			" (0x%" PRIx64 " bytes): %s", va, iova, len, strerror(err));
		return -err;
	}
	return 0;
}

static int
ml_dma_unmap(int domain, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = len,
	};

	if (ioctl(domain, VFIO_IOMMU_UNMAP_DMA, &u) != 0) {
		int err = errno;

		VDK_LOG(WARNING, VFIO, "VFIO_IOMMU_UNMAP_DMA at IOVA 0x%" PRIx64 " (0x%" PRIx64
			" bytes): %s", iova, len, strerror(err));
		return -err;
	}
	return 0;
}

static int
ml_device_open(int group_fd, const char *bdf)
{
	int fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);

	if (fd < 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "%s: VFIO would not open the device: %s%s", bdf, strerror(err),
			err == EBUSY ? " (it is open already)" : "");
		return -err;
	}
	return fd;
}

static void
ml_device_close(int device_fd)
{
	close(device_fd);
}

static int
ml_device_info(int device_fd, uint32_t *flags, uint32_t *nb_regions, uint32_t *nb_irqs)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(device_fd, VFIO_DEVICE_GET_INFO, &info) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VFIO_DEVICE_GET_INFO: %s", strerror(err));
		return -err;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		VDK_LOG(ERR, VFIO, "VFIO device is not a PCI device (flags 0x%x)", info.flags);
		return -ENODEV;
	}
	*flags = (info.flags & VFIO_DEVICE_FLAGS_RESET) ? EAL_VFIO_DEV_F_RESET : 0;
	*nb_regions = info.num_regions;
	*nb_irqs = info.num_irqs;
	return 0;
}

static void
parse_region_caps(const struct vfio_region_info *ri, struct eal_vfio_region *r)
{
	uint32_t off = ri->cap_offset;

	/* As in ml_iommu_info(): capabilities are only 4-byte aligned. */
	while (off >= sizeof(*ri) && off + sizeof(struct vfio_info_cap_header) <= ri->argsz) {
		const char *at = (const char *)ri + off;
		struct vfio_region_info_cap_sparse_mmap sp;
		struct vfio_info_cap_header hdr;

		memcpy(&hdr, at, sizeof(hdr));
		if (hdr.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP && off + sizeof(sp) <= ri->argsz) {
			memcpy(&sp, at, sizeof(sp));
			r->nb_areas = 0;
			for (uint32_t i = 0; i < sp.nr_areas && r->nb_areas < EAL_VFIO_MAX_AREAS; i++) {
				struct vfio_region_sparse_mmap_area a;

				if (off + sizeof(sp) + (i + 1) * sizeof(a) > ri->argsz)
					break;
				memcpy(&a, at + sizeof(sp) + i * sizeof(a), sizeof(a));
				r->areas[r->nb_areas].offset = a.offset;
				r->areas[r->nb_areas].size = a.size;
				r->nb_areas++;
			}
			/* A sparse list with no areas: nothing may be mapped. */
			if (r->nb_areas == 0)
				r->flags &= ~EAL_VFIO_REGION_F_MMAP;
		}
		if (hdr.next <= off)
			break;
		off = hdr.next;
	}
}

static int
ml_region_info(int device_fd, unsigned int index, struct eal_vfio_region *r)
{
	struct vfio_region_info *ri;
	uint32_t argsz = sizeof(*ri);
	int ret = 0;

	for (;;) {
		ri = calloc(1, argsz);
		if (ri == NULL)
			return -ENOMEM;
		ri->argsz = argsz;
		ri->index = index;
		if (ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, ri) != 0) {
			ret = -errno;
			goto out;
		}
		if (ri->argsz <= argsz)
			break;
		argsz = ri->argsz;
		free(ri);
	}
	memset(r, 0, sizeof(*r));
	r->size = ri->size;
	r->offset = ri->offset;
	if (ri->flags & VFIO_REGION_INFO_FLAG_READ)
		r->flags |= EAL_VFIO_REGION_F_READ;
	if (ri->flags & VFIO_REGION_INFO_FLAG_WRITE)
		r->flags |= EAL_VFIO_REGION_F_WRITE;
	if (ri->flags & VFIO_REGION_INFO_FLAG_MMAP)
		r->flags |= EAL_VFIO_REGION_F_MMAP;
	if ((ri->flags & VFIO_REGION_INFO_FLAG_CAPS) && (r->flags & EAL_VFIO_REGION_F_MMAP))
		parse_region_caps(ri, r);
out:
	free(ri);
	return ret;
}

static int
ml_irq_info(int device_fd, unsigned int index, uint32_t *count, uint32_t *flags)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };

	if (ioctl(device_fd, VFIO_DEVICE_GET_IRQ_INFO, &ii) != 0)
		return -errno;
	*count = ii.count;
	*flags = 0;
	if (ii.flags & VFIO_IRQ_INFO_EVENTFD)
		*flags |= EAL_VFIO_IRQ_F_EVENTFD;
	if (ii.flags & VFIO_IRQ_INFO_MASKABLE)
		*flags |= EAL_VFIO_IRQ_F_MASKABLE;
	if (ii.flags & VFIO_IRQ_INFO_AUTOMASKED)
		*flags |= EAL_VFIO_IRQ_F_AUTOMASKED;
	return 0;
}

static int
ml_irq_set(int device_fd, unsigned int index, enum eal_vfio_irq_action action,
	   unsigned int start, unsigned int count, const int *efds)
{
	size_t data = action == EAL_VFIO_IRQ_TRIGGER ? count * sizeof(int32_t) : 0;
	struct vfio_irq_set *s = calloc(1, sizeof(*s) + data);
	int ret = 0;

	if (s == NULL)
		return -ENOMEM;
	s->argsz = (uint32_t)(sizeof(*s) + data);
	s->index = index;
	s->start = start;
	switch (action) {
	case EAL_VFIO_IRQ_TRIGGER:
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->count = count;
		memcpy(s->data, efds, data);
		break;
	case EAL_VFIO_IRQ_DISABLE:
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->start = 0;
		s->count = 0;
		break;
	case EAL_VFIO_IRQ_UNMASK:
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
		s->count = count;
		break;
	}
	if (ioctl(device_fd, VFIO_DEVICE_SET_IRQS, s) != 0)
		ret = -errno;
	free(s);
	return ret;
}

static int
ml_reset(int device_fd)
{
	return ioctl(device_fd, VFIO_DEVICE_RESET) == 0 ? 0 : -errno;
}

const struct eal_vfio_backend eal_vfio_mainline = {
	.name = "vfio-pci",
	.open = ml_open,
	.close = ml_close,
	.group_open = ml_group_open,
	.group_viable = ml_group_viable,
	.group_attach = ml_group_attach,
	.group_detach = ml_group_detach,
	.group_close = ml_group_close,
	.iommu_info = ml_iommu_info,
	.dma_map = ml_dma_map,
	.dma_unmap = ml_dma_unmap,
	.device_open = ml_device_open,
	.device_close = ml_device_close,
	.device_info = ml_device_info,
	.region_info = ml_region_info,
	.irq_info = ml_irq_info,
	.irq_set = ml_irq_set,
	.reset = ml_reset,
};
