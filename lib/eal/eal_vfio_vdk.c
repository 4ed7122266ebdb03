/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO backend for VDK's own kernel module, vdk_vfio.ko: the 2011 VFIO
 * driver-core RFC (doc/vdk_vfio.md). Groups are /dev/vdk-vfio/<N>; there
 * is no container: groups share an IOMMU domain by merging, and the IOMMU
 * object is reached from a group.
 *
 * Every group the process opens is merged into the set of the first one
 * (GROUP_MERGE), so one IOMMU fd, taken from the first group, maps DMA for
 * every device: the layer above sees one domain, as with mainline's one
 * container. A group that leaves while others stay is unmerged; the last
 * one closes the IOMMU fd, and the module then unmaps and unpins all.
 *
 * The module differs from vfio-pci where the layer above can tell:
 * reserved IOVA windows come from sysfs instead of a capability, pins are
 * charged to VmPin instead of VmLck, and an interrupt index is set up
 * whole (SET_IRQ_EVENTFDS) instead of by sub-range.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vdk_vfio.h>

#include "eal_pci_internal.h"
#include "eal_vfio_internal.h"
#include "vdk_log.h"

#define VDK_MAX_GROUPS 64
/* Room to cut reserved windows out of the aperture before trimming. */
#define VDK_MAX_SPLIT 64

struct vdk_group {
	int fd;			/* -1: slot free */
	int num;
	bool attached;		/* in the process's set */
};

static struct vdk_group vgroups[VDK_MAX_GROUPS] = {
	[0 ... VDK_MAX_GROUPS - 1] = { .fd = -1 },
};
static int iommu_fd = -1;
/* Where the group nodes are; unit tests point it at a folder of their own. */
static const char *dev_dir = VDK_VFIO_DEV_DIR;

static struct vdk_group *
group_of(int fd)
{
	for (unsigned int i = 0; i < VDK_MAX_GROUPS; i++)
		if (vgroups[i].fd == fd && fd >= 0)
			return &vgroups[i];
	return NULL;
}

static struct vdk_group *
first_attached(void)
{
	for (unsigned int i = 0; i < VDK_MAX_GROUPS; i++)
		if (vgroups[i].fd >= 0 && vgroups[i].attached)
			return &vgroups[i];
	return NULL;
}

static int
vdk_open(void)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/module/vdk_vfio", eal_sysfs_root());
	if (access(path, F_OK) != 0) {
		VDK_LOG(ERR, VFIO, "the vdk_vfio kernel module is not loaded (no %s): build "
			"it and run `insmod vdk_vfio.ko` (doc/vdk_vfio.md), then give it the "
			"device with `vdk-setup bind BDF --driver vdk-vfio-pci`; or use the "
			"kernel's VFIO with --vfio-backend mainline", path);
		return -ENOENT;
	}
	if (stat(dev_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		VDK_LOG(ERR, VFIO, "the vdk_vfio module is loaded but %s is missing: the module "
			"makes a node there for every IOMMU group, so the kernel has none: boot "
			"it with an IOMMU (intel_iommu=on or amd_iommu=on)", dev_dir);
		return -ENODEV;
	}
	iommu_fd = -1;
	return 0;
}

static void
vdk_close(void)
{
	if (iommu_fd >= 0)
		close(iommu_fd);
	iommu_fd = -1;
	for (unsigned int i = 0; i < VDK_MAX_GROUPS; i++) {
		if (vgroups[i].fd >= 0)
			close(vgroups[i].fd);
		vgroups[i].fd = -1;
		vgroups[i].attached = false;
	}
}

static int
vdk_group_open(int num, const char *bdf, bool *noiommu)
{
	struct vdk_group *g = NULL;
	char path[PATH_MAX];
	int fd;

	(void)bdf;
	for (unsigned int i = 0; g == NULL && i < VDK_MAX_GROUPS; i++)
		if (vgroups[i].fd < 0)
			g = &vgroups[i];
	if (g == NULL)
		return -ENOSPC;
	snprintf(path, sizeof(path), "%s/%d", dev_dir, num);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	g->fd = fd;
	g->num = num;
	g->attached = false;
	*noiommu = false;
	return fd;
}

/* The layer above's words speak of /dev/vfio and vfio-pci: ours instead. */
static bool
vdk_explain_group_open(int err, int num, const char *bdf)
{
	switch (err) {
	case ENOENT:
		VDK_LOG(ERR, VFIO, "%s: the vdk_vfio module has no node %s/%d for IOMMU group "
			"%d: the module did not see the device arrive; reload it (`rmmod "
			"vdk_vfio; insmod vdk_vfio.ko`) and see dmesg", bdf, dev_dir, num, num);
		break;
	case EBUSY:
		VDK_LOG(ERR, VFIO, "%s: IOMMU group %d is in use by another process (see "
			"`fuser -v %s/%d`): stop it or choose another device", bdf, num, dev_dir,
			num);
		break;
	case EACCES:
	case EPERM: {
		char node[PATH_MAX];

		/* The module makes its nodes 0600, root's. */
		snprintf(node, sizeof(node), "%s/%d", dev_dir, num);
		eal_vfio_explain_no_access(node, bdf, "--driver " PCI_KDRV_NAME_VDK_VFIO " ");
		break;
	}
	case ENODEV:
		VDK_LOG(ERR, VFIO, "%s: IOMMU group %d is gone: its devices left the bus", bdf,
			num);
		break;
	case ENOSPC:
		VDK_LOG(ERR, VFIO, "%s: more than %d IOMMU groups open", bdf, VDK_MAX_GROUPS);
		break;
	default:
		VDK_LOG(ERR, VFIO, "%s: cannot open %s/%d: %s", bdf, dev_dir, num, strerror(err));
	}
	return true;
}

static int
vdk_group_viable(int group_fd)
{
	struct vdk_vfio_group_info info = { .argsz = sizeof(info) };

	if (ioctl(group_fd, VDK_VFIO_GROUP_GET_INFO, &info) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VDK_VFIO_GROUP_GET_INFO: %s", strerror(err));
		return -err;
	}
	return (info.flags & VDK_VFIO_GROUP_FLAGS_VIABLE) != 0;
}

/* Why the module would not let a group into use. */
static void
explain_use_error(int err, const struct vdk_group *g, const char *what)
{
	switch (err) {
	case EBUSY:
		VDK_LOG(ERR, VFIO, "IOMMU group %d: %s refused: a device of the group is bound "
			"to a driver that does DMA, or is not on vdk-vfio-pci (see `vdk-setup "
			"status` and dmesg)", g->num, what);
		break;
	case EPERM:
		VDK_LOG(ERR, VFIO, "IOMMU group %d: %s refused: the group's set is in use by "
			"another process", g->num, what);
		break;
	case EINVAL:
		VDK_LOG(ERR, VFIO, "IOMMU group %d: %s refused: its IOMMU cannot share a domain "
			"with the groups open already, or its reserved IOVA windows fall on "
			"memory mapped for DMA", g->num, what);
		break;
	default:
		VDK_LOG(ERR, VFIO, "IOMMU group %d: %s: %s", g->num, what, strerror(err));
	}
}

/*
 * The first group gives the process its IOMMU fd; every later one is
 * merged into that group's set, which is in use, so the module claims
 * and attaches it at once and the set's mappings cover its devices.
 */
static int
vdk_group_attach(int group_fd, bool noiommu, int *domain)
{
	struct vdk_group *g = group_of(group_fd), *member = first_attached();
	int32_t fd32 = group_fd;
	int ret;

	if (g == NULL)
		return -EBADF;
	if (noiommu)
		return -EINVAL;
	if (g->attached) {
		*domain = iommu_fd;
		return 0;
	}
	if (member == NULL) {
		ret = ioctl(group_fd, VDK_VFIO_GROUP_GET_IOMMU_FD);
		if (ret < 0) {
			ret = -errno;
			explain_use_error(-ret, g, "VDK_VFIO_GROUP_GET_IOMMU_FD");
			return ret;
		}
		iommu_fd = ret;
	} else if (ioctl(member->fd, VDK_VFIO_GROUP_MERGE, &fd32) != 0) {
		char what[64];

		ret = -errno;
		snprintf(what, sizeof(what), "merging it with group %d", member->num);
		explain_use_error(-ret, g, what);
		return ret;
	}
	g->attached = true;
	*domain = iommu_fd;
	return 0;
}

static void
vdk_group_detach(int group_fd)
{
	struct vdk_group *g = group_of(group_fd);

	if (g == NULL || !g->attached)
		return;
	g->attached = false;
	if (first_attached() != NULL) {
		/* Closing the fd would unmerge it too, once its devices are closed. */
		if (ioctl(group_fd, VDK_VFIO_GROUP_UNMERGE) != 0)
			VDK_LOG(WARNING, VFIO, "IOMMU group %d: VDK_VFIO_GROUP_UNMERGE: %s; it "
				"leaves the set when its fd is closed", g->num, strerror(errno));
		return;
	}
	/* The last group out: the module unmaps and unpins what is left. */
	if (iommu_fd >= 0)
		close(iommu_fd);
	iommu_fd = -1;
}

static void
vdk_group_close(int group_fd)
{
	struct vdk_group *g = group_of(group_fd);

	close(group_fd);
	if (g != NULL) {
		g->fd = -1;
		g->attached = false;
	}
}

/* Take [s, e] out of the sorted ranges r[0..*n), splitting where it falls inside one. */
static void
ranges_cut(struct eal_vfio_range *r, unsigned int *n, unsigned int max, uint64_t s,
	   uint64_t e)
{
	unsigned int i = 0;

	while (i < *n) {
		struct eal_vfio_range cur = r[i];

		if (e < cur.start || s > cur.end) {
			i++;
		} else if (s <= cur.start && e >= cur.end) {
			memmove(&r[i], &r[i + 1], (*n - i - 1) * sizeof(*r));
			(*n)--;
		} else if (s > cur.start && e < cur.end) {
			if (*n == max)
				return;
			memmove(&r[i + 2], &r[i + 1], (*n - i - 1) * sizeof(*r));
			r[i].end = s - 1;
			r[i + 1].start = e + 1;
			r[i + 1].end = cur.end;
			(*n)++;
			return;
		} else {
			if (s <= cur.start)
				r[i].start = e + 1;
			else
				r[i].end = s - 1;
			i++;
		}
	}
}

/* Cut group @num's reserved windows (sysfs reserved_regions) out of @r. */
static void
cut_reserved(int num, struct eal_vfio_range *r, unsigned int *n, unsigned int max)
{
	char path[PATH_MAX], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/reserved_regions",
		 eal_sysfs_root(), num);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		uint64_t s, e;

		if (sscanf(line, "%" SCNx64 " %" SCNx64, &s, &e) == 2 && s <= e)
			ranges_cut(r, n, max, s, e);
	}
	fclose(f);
}

/*
 * The module reports its aperture and alignment; the windows it refuses
 * inside the aperture are each group's reserved regions in sysfs. Cutting
 * them out here lets the layer above say which addresses cannot work
 * before MAP_DMA answers a bare EINVAL.
 */
static int
vdk_iommu_info(int domain, struct eal_vfio_range *ranges, unsigned int *nb_ranges,
	       uint64_t *pgsizes)
{
	struct vdk_vfio_iommu_info info = { .argsz = sizeof(info) };
	struct eal_vfio_range r[VDK_MAX_SPLIT];
	unsigned int n = 1, max = *nb_ranges;

	if (ioctl(domain, VDK_VFIO_IOMMU_GET_INFO, &info) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VDK_VFIO_IOMMU_GET_INFO: %s", strerror(err));
		return -err;
	}
	r[0].start = info.iova_min;
	r[0].end = info.iova_max;
	for (unsigned int i = 0; i < VDK_MAX_GROUPS; i++)
		if (vgroups[i].fd >= 0 && vgroups[i].attached)
			cut_reserved(vgroups[i].num, r, &n, VDK_MAX_SPLIT);
	if (n > max) {
		VDK_LOG(WARNING, VFIO, "the IOMMU leaves %u IOVA ranges; VDK uses the first %u",
			n, max);
		n = max;
	}
	memcpy(ranges, r, n * sizeof(*r));
	*nb_ranges = n;
	*pgsizes = info.alignment;
	return 0;
}

static uint64_t
vmpin_kb(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmPin: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static const char *
map_hint(int err)
{
	switch (err) {
	case EEXIST: return " (the IOVA range overlaps a mapping)";
	case EINVAL: return " (unaligned, or outside the IOMMU's window or in a reserved one)";
	case EFAULT: return " (the memory is not mapped, or not writable)";
	case ENOSPC: return " (the module's limit of 65535 mappings)";
	case EPERM: return " (the IOMMU belongs to another process)";
	default: return "";
	}
}

static int
vdk_dma_map(int domain, uint64_t va, uint64_t iova, uint64_t len)
{
	struct vdk_vfio_dma_map m = {
		.argsz = sizeof(m),
		.flags = VDK_VFIO_DMA_MAP_FLAG_MAP | VDK_VFIO_DMA_MAP_FLAG_READ |
			 VDK_VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = va, .iova = iova, .size = len,
	};
	struct rlimit rl;
	int err;

	if (ioctl(domain, VDK_VFIO_IOMMU_MAP_DMA, &m) == 0)
		return 0;
	err = errno;
	/* The module charges pins to VmPin, which the EAL's VmLck check misses. */
	if (err == ENOMEM && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		VDK_LOG(ERR, VFIO, "vdk_vfio cannot pin 0x%" PRIx64 " bytes at VA 0x%" PRIx64
			" for DMA: %" PRIu64 " KiB are pinned already (VmPin) and "
			"RLIMIT_MEMLOCK is %" PRIu64 " KiB: raise it (`ulimit -l unlimited`, "
			"memlock in /etc/security/limits.conf, LimitMEMLOCK= for a service) or "
			"run with CAP_IPC_LOCK", len, va, vmpin_kb(),
			(uint64_t)rl.rlim_cur / 1024);
	else
		VDK_LOG(ERR, VFIO, "VDK_VFIO_IOMMU_MAP_DMA of VA 0x%" PRIx64 " at IOVA 0x%"
			PRIx64 " (0x%" PRIx64 " bytes): %s%s", va, iova, len, strerror(err),
			map_hint(err));
	return -err;
}

static int
vdk_dma_unmap(int domain, uint64_t iova, uint64_t len)
{
	struct vdk_vfio_dma_map m = { .argsz = sizeof(m), .iova = iova, .size = len };

	if (ioctl(domain, VDK_VFIO_IOMMU_MAP_DMA, &m) != 0) {
		int err = errno;

		VDK_LOG(WARNING, VFIO, "VDK_VFIO_IOMMU_MAP_DMA unmap at IOVA 0x%" PRIx64
			" (0x%" PRIx64 " bytes): %s", iova, len, strerror(err));
		return -err;
	}
	return 0;
}

static int
vdk_device_open(int group_fd, const char *bdf)
{
	int fd = ioctl(group_fd, VDK_VFIO_GROUP_GET_DEVICE_FD, bdf);

	if (fd < 0) {
		int err = errno;

		if (err == EBUSY)
			VDK_LOG(ERR, VFIO, "%s: vdk_vfio would not open the device: it is not "
				"bound to vdk-vfio-pci (`vdk-setup bind %s --driver "
				"vdk-vfio-pci`), is being unbound, or is open already", bdf, bdf);
		else
			VDK_LOG(ERR, VFIO, "%s: vdk_vfio would not open the device: %s", bdf,
				strerror(err));
		return -err;
	}
	return fd;
}

static void
vdk_device_close(int device_fd)
{
	close(device_fd);
}

static int
vdk_device_info(int device_fd, uint32_t *flags, uint32_t *nb_regions, uint32_t *nb_irqs)
{
	struct vdk_vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(device_fd, VDK_VFIO_DEVICE_GET_INFO, &info) != 0) {
		int err = errno;

		VDK_LOG(ERR, VFIO, "VDK_VFIO_DEVICE_GET_INFO: %s", strerror(err));
		return -err;
	}
	if (!(info.flags & VDK_VFIO_DEVICE_FLAGS_PCI)) {
		VDK_LOG(ERR, VFIO, "vdk_vfio device is not a PCI device (flags 0x%x)", info.flags);
		return -ENODEV;
	}
	*flags = (info.flags & VDK_VFIO_DEVICE_FLAGS_RESET) ? EAL_VFIO_DEV_F_RESET : 0;
	*nb_regions = info.num_regions;
	*nb_irqs = info.num_irqs;
	return 0;
}

/*
 * The sparse-mmap areas of a BAR that holds the MSI-X table: the module
 * leaves the table's pages out of what may be mapped.
 */
static void
vdk_region_sparse(const struct vdk_vfio_region_info *ri, struct eal_vfio_region *r)
{
	const char *base = (const char *)ri;
	uint32_t off = ri->cap_offset;

	while (off >= sizeof(*ri) && off + sizeof(struct vdk_vfio_info_cap_header) <= ri->argsz) {
		struct vdk_vfio_region_info_cap_sparse_mmap sp;
		struct vdk_vfio_info_cap_header hdr;

		memcpy(&hdr, base + off, sizeof(hdr));
		if (hdr.id == VDK_VFIO_REGION_INFO_CAP_SPARSE_MMAP && off + sizeof(sp) <= ri->argsz) {
			memcpy(&sp, base + off, sizeof(sp));
			for (uint32_t i = 0; i < sp.nr_areas && r->nb_areas < EAL_VFIO_MAX_AREAS &&
			     off + sizeof(sp) + (i + 1) * sizeof(r->areas[0]) <= ri->argsz; i++) {
				struct vdk_vfio_region_sparse_mmap_area a;

				memcpy(&a, base + off + sizeof(sp) + i * sizeof(a), sizeof(a));
				r->areas[r->nb_areas].offset = a.offset;
				r->areas[r->nb_areas++].size = a.size;
			}
			if (r->nb_areas == 0)
				r->flags &= ~EAL_VFIO_REGION_F_MMAP;
		}
		if (hdr.next <= off)
			break;
		off = hdr.next;
	}
}

static int
vdk_region_info(int device_fd, unsigned int index, struct eal_vfio_region *r)
{
	/* room for the module's one capability: a sparse list of 2 areas */
	union {
		struct vdk_vfio_region_info ri;
		char room[256];
	} u = { .ri = { .argsz = sizeof(u), .index = index } };
	const struct vdk_vfio_region_info *ri = &u.ri;

	if (ioctl(device_fd, VDK_VFIO_DEVICE_GET_REGION_INFO, &u) != 0)
		return -errno;
	memset(r, 0, sizeof(*r));
	r->size = ri->size;
	r->offset = ri->offset;
	if (ri->size == 0)
		return 0;
	r->flags = EAL_VFIO_REGION_F_READ;
	if (!(ri->flags & VDK_VFIO_REGION_INFO_FLAG_RO))
		r->flags |= EAL_VFIO_REGION_F_WRITE;
	if (!(ri->flags & VDK_VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	r->flags |= EAL_VFIO_REGION_F_MMAP;
	if (!(ri->flags & VDK_VFIO_REGION_INFO_FLAG_CAPS))
		return 0;
	/* a capability list larger than ever made: map nothing, not all */
	if (ri->cap_offset == 0) {
		VDK_LOG(WARNING, VFIO, "region %u: capabilities need %u bytes: not mapped",
			index, ri->argsz);
		r->flags &= ~EAL_VFIO_REGION_F_MMAP;
		return 0;
	}
	vdk_region_sparse(ri, r);
	return 0;
}

static int
vdk_irq_info(int device_fd, unsigned int index, uint32_t *count, uint32_t *flags)
{
	struct vdk_vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };

	if (ioctl(device_fd, VDK_VFIO_DEVICE_GET_IRQ_INFO, &ii) != 0)
		return -errno;
	*count = ii.count;
	*flags = ii.count > 0 ? EAL_VFIO_IRQ_F_EVENTFD : 0;
	/* INTx: the module masks it when it fires; UNMASK_IRQ opens it again. */
	if (ii.flags & VDK_VFIO_IRQ_INFO_FLAG_LEVEL)
		*flags |= EAL_VFIO_IRQ_F_MASKABLE | EAL_VFIO_IRQ_F_AUTOMASKED;
	return 0;
}

static int
vdk_irq_set(int device_fd, unsigned int index, enum eal_vfio_irq_action action,
	    unsigned int start, unsigned int count, const int *efds)
{
	struct vdk_vfio_unmask_irq u = { .argsz = sizeof(u), .index = index };
	struct vdk_vfio_irq_eventfds *s;
	size_t data = 0;
	int ret = 0;

	switch (action) {
	case EAL_VFIO_IRQ_UNMASK:
		if (index != VDK_VFIO_PCI_INTX_IRQ_INDEX || start != 0)
			return -EINVAL;
		return ioctl(device_fd, VDK_VFIO_DEVICE_UNMASK_IRQ, &u) == 0 ? 0 : -errno;
	case EAL_VFIO_IRQ_TRIGGER:
		if (start != 0) {
			VDK_LOG(ERR, VFIO, "vdk_vfio sets up an interrupt index whole: vectors "
				"from %u on cannot be set alone", start);
			return -EINVAL;
		}
		data = count * sizeof(int32_t);
		break;
	case EAL_VFIO_IRQ_DISABLE:
		count = 0;
		break;
	}
	s = calloc(1, sizeof(*s) + data);
	if (s == NULL)
		return -ENOMEM;
	s->argsz = (uint32_t)(sizeof(*s) + data);
	s->index = index;
	s->count = count;
	for (unsigned int i = 0; i < count; i++)
		s->eventfds[i] = efds[i];
	if (ioctl(device_fd, VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS, s) != 0)
		ret = -errno;
	free(s);
	return ret;
}

static int
vdk_reset(int device_fd)
{
	return ioctl(device_fd, VDK_VFIO_DEVICE_RESET) == 0 ? 0 : -errno;
}

const struct eal_vfio_backend eal_vfio_vdk = {
	.name = "vdk_vfio",
	.open = vdk_open,
	.close = vdk_close,
	.group_open = vdk_group_open,
	.explain_group_open = vdk_explain_group_open,
	.group_viable = vdk_group_viable,
	.group_attach = vdk_group_attach,
	.group_detach = vdk_group_detach,
	.group_close = vdk_group_close,
	.iommu_info = vdk_iommu_info,
	.dma_map = vdk_dma_map,
	.dma_unmap = vdk_dma_unmap,
	.device_open = vdk_device_open,
	.device_close = vdk_device_close,
	.device_info = vdk_device_info,
	.region_info = vdk_region_info,
	.irq_info = vdk_irq_info,
	.irq_set = vdk_irq_set,
	.reset = vdk_reset,
};
