/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A PCI device's VFIO side: its fd, its regions (config space, BARs) and
 * what a driver does with them. Whichever backend opened the device, a
 * region is read, written and mmapped at its offset in the device fd, so
 * everything below the open is backend-neutral.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eal_pci_internal.h"
#include "vdk_log.h"

/* Config space (PCI Local Bus 3.0, section 6.2). */
#define PCI_CFG_COMMAND 0x04
#define PCI_CFG_COMMAND_MASTER 0x0004
#define PCI_CFG_STATUS 0x06
#define PCI_CFG_STATUS_CAP_LIST 0x0010
#define PCI_CFG_CAP_PTR 0x34
#define PCI_CFG_CAP_MIN 0x40
/* 256 bytes of conventional config space hold at most this many capabilities. */
#define PCI_CAP_MAX_WALK 48

int
pci_vfio_open(struct pci_dev *dev)
{
	const struct eal_vfio_backend *be = eal_vfio_get_backend();
	struct vdk_pci_device *d = &dev->pub;
	struct pci_vfio_dev *v;
	unsigned int i;
	int ret;

	if (dev->vfio != NULL)
		return 0;
	if (d->iommu_group < 0) {
		VDK_LOG(ERR, VFIO, "%s has no IOMMU group: boot the kernel with an IOMMU "
			"(intel_iommu=on or amd_iommu=on), or load vfio with "
			"enable_unsafe_noiommu_mode=1 for no-IOMMU mode", d->name);
		return -ENODEV;
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	v->fd = -1;
	ret = eal_vfio_group_get(d->iommu_group, d->name, &v->group);
	if (ret < 0)
		goto free_dev;
	ret = be->device_open(v->group->fd, d->name);
	if (ret < 0)
		goto put_group;
	v->fd = ret;
	ret = be->device_info(v->fd, &v->flags, &v->nb_regions, &v->nb_irqs);
	if (ret < 0)
		goto close_dev;
	for (i = 0; i < v->nb_regions && i < EAL_VFIO_REGION_COUNT; i++) {
		/* A region the device lacks (VGA, ROM) is an error here: size stays 0. */
		if (be->region_info(v->fd, i, &v->regions[i]) < 0)
			memset(&v->regions[i], 0, sizeof(v->regions[i]));
	}
	if (v->regions[EAL_VFIO_REGION_CONFIG].size == 0) {
		VDK_LOG(ERR, VFIO, "%s: VFIO shows no config space region", d->name);
		ret = -ENODEV;
		goto close_dev;
	}
	dev->vfio = v;
	ret = pci_req_arm(dev);
	if (ret < 0) {
		dev->vfio = NULL;
		goto close_dev;
	}
	__atomic_store_n(&dev->removed, false, __ATOMIC_RELEASE);
	VDK_LOG(DEBUG, VFIO, "%s open: group %d, %u regions, %u irq types%s", d->name,
		v->group->num, v->nb_regions, v->nb_irqs,
		(v->flags & EAL_VFIO_DEV_F_RESET) ? ", resettable" : "");
	return 0;

close_dev:
	be->device_close(v->fd);
put_group:
	eal_vfio_group_put(v->group);
free_dev:
	free(v);
	return ret;
}

static size_t
page_ceil(uint64_t len)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);

	return (size_t)((len + pg - 1) & ~(pg - 1));
}

void
pci_vfio_close(struct pci_dev *dev)
{
	struct pci_vfio_dev *v = dev->vfio;

	if (v == NULL)
		return;
	pci_intr_release(dev);
	pci_req_disarm(dev);
	for (unsigned int i = 0; i < VDK_PCI_MAX_BARS; i++)
		if (v->bar_addr[i] != NULL)
			munmap(v->bar_addr[i], page_ceil(v->bar_len[i]));
	/* A released device's fd is /dev/null and its group was put already. */
	if (v->fd >= 0)
		eal_vfio_get_backend()->device_close(v->fd);
	if (v->group != NULL)
		eal_vfio_group_put(v->group);
	free(v);
	dev->vfio = NULL;
}

static struct pci_vfio_dev *
open_vfio(struct vdk_pci_device *d, const char *what)
{
	struct pci_vfio_dev *v = pci_dev_of(d)->vfio;

	if (v != NULL && v->released) {
		/* The driver's teardown of a removed device comes here: no noise. */
		VDK_LOG(DEBUG, PCI, "%s: %s: the device was removed", d->name, what);
		return NULL;
	}
	if (v == NULL)
		VDK_LOG(ERR, PCI, "%s: %s needs the device open: claim it through a driver "
			"(vdk_pci_dev_attach) first", d->name, what);
	return v;
}

/* pread/pwrite the whole range of a region, or say why not. */
static int
region_rw(struct vdk_pci_device *d, unsigned int index, void *buf, size_t len,
	  uint64_t off, bool write, const char *what)
{
	struct pci_vfio_dev *v = open_vfio(d, what);
	const struct eal_vfio_region *r;
	ssize_t n;

	if (v == NULL)
		return -ENODEV;
	r = &v->regions[index];
	if (r->size == 0) {
		VDK_LOG(ERR, PCI, "%s: %s: region %u is not implemented", d->name, what, index);
		return -ENODEV;
	}
	if (len == 0 || off >= r->size || len > r->size - off) {
		VDK_LOG(ERR, PCI, "%s: %s of %zu bytes at 0x%" PRIx64 " is outside the "
			"region's 0x%" PRIx64 " bytes", d->name, what, len, off, r->size);
		return -EINVAL;
	}
	n = write ? pwrite(v->fd, buf, len, (off_t)(r->offset + off))
		  : pread(v->fd, buf, len, (off_t)(r->offset + off));
	if (n < 0) {
		int err = errno;

		VDK_LOG(ERR, PCI, "%s: %s of %zu bytes at 0x%" PRIx64 " failed: %s", d->name,
			what, len, off, strerror(err));
		return -err;
	}
	if ((size_t)n != len) {
		VDK_LOG(ERR, PCI, "%s: %s at 0x%" PRIx64 ": %zd of %zu bytes", d->name, what,
			off, n, len);
		return -EIO;
	}
	return 0;
}

int
vdk_pci_cfg_read(struct vdk_pci_device *d, void *buf, size_t len, uint64_t off)
{
	if (d == NULL || buf == NULL)
		return -EINVAL;
	return region_rw(d, EAL_VFIO_REGION_CONFIG, buf, len, off, false, "config read");
}

int
vdk_pci_cfg_write(struct vdk_pci_device *d, const void *buf, size_t len, uint64_t off)
{
	if (d == NULL || buf == NULL)
		return -EINVAL;
	return region_rw(d, EAL_VFIO_REGION_CONFIG, (void *)(uintptr_t)buf, len, off, true,
			 "config write");
}

int
vdk_pci_find_capability(struct vdk_pci_device *d, uint8_t cap_id)
{
	uint16_t status;
	uint8_t pos, hdr[2];
	int ret;

	if (d == NULL)
		return -EINVAL;
	ret = vdk_pci_cfg_read(d, &status, sizeof(status), PCI_CFG_STATUS);
	if (ret < 0)
		return ret;
	if (!(status & PCI_CFG_STATUS_CAP_LIST))
		return -ENOENT;
	ret = vdk_pci_cfg_read(d, &pos, 1, PCI_CFG_CAP_PTR);
	if (ret < 0)
		return ret;
	/* The walk is bounded: a broken list must not loop forever. */
	for (int i = 0; i < PCI_CAP_MAX_WALK; i++) {
		pos &= ~3u;
		if (pos < PCI_CFG_CAP_MIN)
			return -ENOENT;
		ret = vdk_pci_cfg_read(d, hdr, sizeof(hdr), pos);
		if (ret < 0)
			return ret;
		if (hdr[0] == 0xff)
			return -ENOENT;
		if (hdr[0] == cap_id)
			return pos;
		pos = hdr[1];
	}
	return -ENOENT;
}

int
vdk_pci_set_bus_master(struct vdk_pci_device *d, int enable)
{
	uint16_t cmd, want;
	int ret;

	if (d == NULL)
		return -EINVAL;
	ret = vdk_pci_cfg_read(d, &cmd, sizeof(cmd), PCI_CFG_COMMAND);
	if (ret < 0)
		return ret;
	want = enable ? (uint16_t)(cmd | PCI_CFG_COMMAND_MASTER)
		      : (uint16_t)(cmd & ~PCI_CFG_COMMAND_MASTER);
	if (want == cmd)
		return 0;
	return vdk_pci_cfg_write(d, &want, sizeof(want), PCI_CFG_COMMAND);
}

/*
 * With a sparse-mmap capability only some parts of a BAR may be mapped
 * (the MSI-X table's page is the usual hole). Reserve the whole BAR's
 * address range inaccessible first and map the parts over it, so the
 * driver still gets one pointer with the registers at their offsets and
 * a stray access into the hole faults instead of hitting other memory.
 */
static void *
map_region(int fd, const struct eal_vfio_region *r, int prot)
{
	size_t len = page_ceil(r->size);
	void *base;

	if (r->nb_areas == 0)
		return mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)r->offset);
	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	for (unsigned int i = 0; i < r->nb_areas; i++) {
		const struct eal_vfio_area *a = &r->areas[i];
		void *p;

		if (a->size == 0)
			continue;
		if (a->offset + a->size > r->size) {
			errno = EINVAL;
			goto unmap;
		}
		p = mmap((char *)base + a->offset, page_ceil(a->size), prot,
			 MAP_SHARED | MAP_FIXED, fd, (off_t)(r->offset + a->offset));
		if (p == MAP_FAILED)
			goto unmap;
	}
	return base;
unmap:
	{
		int err = errno;

		munmap(base, len);
		errno = err;
	}
	return MAP_FAILED;
}

int
vdk_pci_map_bar(struct vdk_pci_device *d, unsigned int bar, void **addr, size_t *len)
{
	const struct eal_vfio_region *r;
	struct pci_vfio_dev *v;
	int prot = PROT_READ;
	void *p;

	if (d == NULL || addr == NULL || len == NULL || bar >= VDK_PCI_MAX_BARS)
		return -EINVAL;
	v = open_vfio(d, "BAR map");
	if (v == NULL)
		return -ENODEV;
	if (v->bar_addr[bar] != NULL)
		goto done;
	r = &v->regions[EAL_VFIO_REGION_BAR0 + bar];
	if (r->size == 0) {
		VDK_LOG(ERR, PCI, "%s: BAR %u is not implemented", d->name, bar);
		return -ENODEV;
	}
	if (!(r->flags & EAL_VFIO_REGION_F_MMAP)) {
		VDK_LOG(ERR, PCI, "%s: BAR %u cannot be mapped (%s): use vdk_pci_bar_read/write",
			d->name, bar, (d->bars[bar].flags & VDK_PCI_BAR_IO) ? "an I/O port BAR"
									    : "VFIO does not allow it");
		return -ENOTSUP;
	}
	if (r->flags & EAL_VFIO_REGION_F_WRITE)
		prot |= PROT_WRITE;
	p = map_region(v->fd, r, prot);
	if (p == MAP_FAILED) {
		int err = errno;

		VDK_LOG(ERR, PCI, "%s: mmap of BAR %u (0x%" PRIx64 " bytes) failed: %s", d->name,
			bar, r->size, strerror(err));
		return -err;
	}
	v->bar_addr[bar] = p;
	v->bar_len[bar] = (size_t)r->size;
done:
	*addr = v->bar_addr[bar];
	*len = v->bar_len[bar];
	return 0;
}

int
vdk_pci_unmap_bar(struct vdk_pci_device *d, unsigned int bar)
{
	struct pci_vfio_dev *v;

	if (d == NULL || bar >= VDK_PCI_MAX_BARS)
		return -EINVAL;
	v = pci_dev_of(d)->vfio;
	if (v == NULL || v->bar_addr[bar] == NULL)
		return -ENOENT;
	munmap(v->bar_addr[bar], page_ceil(v->bar_len[bar]));
	v->bar_addr[bar] = NULL;
	v->bar_len[bar] = 0;
	return 0;
}

int
vdk_pci_bar_read(struct vdk_pci_device *d, unsigned int bar, void *buf, size_t len,
		 uint64_t off)
{
	if (d == NULL || buf == NULL || bar >= VDK_PCI_MAX_BARS)
		return -EINVAL;
	return region_rw(d, EAL_VFIO_REGION_BAR0 + bar, buf, len, off, false, "BAR read");
}

int
vdk_pci_bar_write(struct vdk_pci_device *d, unsigned int bar, const void *buf, size_t len,
		  uint64_t off)
{
	if (d == NULL || buf == NULL || bar >= VDK_PCI_MAX_BARS)
		return -EINVAL;
	return region_rw(d, EAL_VFIO_REGION_BAR0 + bar, (void *)(uintptr_t)buf, len, off,
			 true, "BAR write");
}

int
vdk_pci_reset(struct vdk_pci_device *d)
{
	struct pci_vfio_dev *v;
	int ret;

	if (d == NULL)
		return -EINVAL;
	v = open_vfio(d, "reset");
	if (v == NULL)
		return -ENODEV;
	if (!(v->flags & EAL_VFIO_DEV_F_RESET)) {
		VDK_LOG(ERR, PCI, "%s: the kernel has no reset method for this device", d->name);
		return -ENOTSUP;
	}
	ret = eal_vfio_get_backend()->reset(v->fd);
	if (ret < 0) {
		VDK_LOG(ERR, PCI, "%s: reset failed: %s", d->name, strerror(-ret));
		return ret;
	}
	VDK_LOG(DEBUG, PCI, "%s reset", d->name);
	return 0;
}
