/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which VFIO backend opens a device: --vfio-backend mainline (the kernel's
 * vfio-pci), vdk (VDK's vdk_vfio module), or auto, the default, which
 * decides per device from the kernel driver it is bound to.
 *
 * This is itself a backend, the one eal_vfio.c uses unless a test installs
 * another. It picks the real backend when a group is opened and remembers
 * which backend made every fd it hands out, so that each later call (by
 * group, domain or device fd) reaches the backend that made the fd.
 * Devices on vfio-pci and on vdk-vfio-pci can then work side by side:
 * each backend has its own IOMMU domain, and eal_vfio.c maps the DMA
 * table into both.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eal_internal.h"
#include "eal_pci_internal.h"
#include "eal_vfio_internal.h"
#include "vdk_log.h"

/* Groups, domains and devices: 64 groups, as many devices, a few domains. */
#define SEL_MAX_FDS 256

struct fd_owner {
	int fd;
	const struct eal_vfio_backend *be;
};

/* Control-path calls come from several threads (a driver's intr_enable). */
static pthread_mutex_t sel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_owner owners[SEL_MAX_FDS];
static unsigned int nb_owners;
static const struct eal_vfio_backend *opened[2];
/*
 * What the last group_open() decided, for explain_group_open(), which
 * eal_vfio.c calls right after it under its own lock.
 */
static const struct eal_vfio_backend *last_be;
static bool last_explained;

static const char *
mode_name(enum eal_vfio_choice c)
{
	return c == EAL_VFIO_MAINLINE ? "mainline" : c == EAL_VFIO_VDK ? "vdk" : "auto";
}

/* Record that @be made @fd; a reused fd number takes its new owner. */
static int
owner_set(int fd, const struct eal_vfio_backend *be)
{
	int ret = 0;

	pthread_mutex_lock(&sel_lock);
	for (unsigned int i = 0; i < nb_owners; i++) {
		if (owners[i].fd == fd) {
			owners[i].be = be;
			goto out;
		}
	}
	if (nb_owners == SEL_MAX_FDS) {
		VDK_LOG(ERR, VFIO, "more than %d VFIO file descriptors open", SEL_MAX_FDS);
		ret = -EMFILE;
		goto out;
	}
	owners[nb_owners].fd = fd;
	owners[nb_owners].be = be;
	nb_owners++;
out:
	pthread_mutex_unlock(&sel_lock);
	return ret;
}

static void
owner_drop(int fd)
{
	pthread_mutex_lock(&sel_lock);
	for (unsigned int i = 0; i < nb_owners; i++) {
		if (owners[i].fd == fd) {
			owners[i] = owners[--nb_owners];
			break;
		}
	}
	pthread_mutex_unlock(&sel_lock);
}

static const struct eal_vfio_backend *
owner_of(int fd)
{
	const struct eal_vfio_backend *be = NULL;

	pthread_mutex_lock(&sel_lock);
	for (unsigned int i = 0; i < nb_owners; i++)
		if (owners[i].fd == fd)
			be = owners[i].be;
	pthread_mutex_unlock(&sel_lock);
	if (be == NULL)
		VDK_LOG(ERR, VFIO, "fd %d is no VFIO file VDK opened: a bug in the caller", fd);
	return be;
}

static unsigned int
slot_of(const struct eal_vfio_backend *be)
{
	return be == &eal_vfio_vdk ? 1 : 0;
}

static int
ensure_open(const struct eal_vfio_backend *be)
{
	int ret;

	if (opened[slot_of(be)] != NULL)
		return 0;
	ret = be->open();
	if (ret == 0)
		opened[slot_of(be)] = be;
	return ret;
}

static bool
module_loaded(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/module/vdk_vfio", eal_sysfs_root());
	return access(path, F_OK) == 0;
}

void
eal_vfio_explain_driver(const char *bdf, const char *drv)
{
	const char *on = drv[0] != '\0' ? drv : "no driver";

	switch (eal_cfg.vfio_backend) {
	case EAL_VFIO_VDK:
		if (strcmp(drv, PCI_KDRV_NAME_VFIO) == 0)
			VDK_LOG(ERR, PCI, "%s is bound to vfio-pci but --vfio-backend vdk needs "
				"it on vdk-vfio-pci, VDK's vdk_vfio module: run `vdk-setup bind %s "
				"--driver vdk-vfio-pci`, or use --vfio-backend mainline (or auto)",
				bdf, bdf);
		else if (!module_loaded())
			VDK_LOG(ERR, PCI, "%s is bound to %s, not to vdk-vfio-pci, and the vdk_vfio "
				"module is not loaded: run `insmod vdk_vfio.ko` (doc/vdk_vfio.md), "
				"then `vdk-setup bind %s --driver vdk-vfio-pci`", bdf, on, bdf);
		else
			VDK_LOG(ERR, PCI, "%s is bound to %s, not to vdk-vfio-pci: run `vdk-setup "
				"bind %s --driver vdk-vfio-pci` to give it to VDK's vdk_vfio module",
				bdf, on, bdf);
		break;
	case EAL_VFIO_MAINLINE:
		if (strcmp(drv, PCI_KDRV_NAME_VDK_VFIO) == 0)
			VDK_LOG(ERR, PCI, "%s is bound to vdk-vfio-pci (VDK's vdk_vfio module) but "
				"--vfio-backend mainline needs it on vfio-pci: run `vdk-setup bind "
				"%s`, or use --vfio-backend vdk (or auto)", bdf, bdf);
		else
			VDK_LOG(ERR, PCI, "%s is bound to %s, not to vfio-pci: run `vdk-setup bind "
				"%s` to give it to VDK", bdf, on, bdf);
		break;
	default:
		VDK_LOG(ERR, PCI, "%s is bound to %s, not to vfio-pci: run `vdk-setup bind %s` to "
			"give it to VDK; or, for VDK's vdk_vfio module, load it (`insmod "
			"vdk_vfio.ko`) and run `vdk-setup bind %s --driver vdk-vfio-pci`", bdf, on,
			bdf, bdf);
	}
}

/*
 * The backend for @bdf, by --vfio-backend and the device's driver now
 * (sysfs), or NULL with *err set and the reason logged.
 */
static const struct eal_vfio_backend *
pick(const char *bdf, int *err)
{
	enum eal_vfio_choice mode = eal_cfg.vfio_backend;
	char drv[64];
	int ret;

	/* Forced vdk: a missing module is the first thing to fix. */
	if (mode == EAL_VFIO_VDK) {
		ret = ensure_open(&eal_vfio_vdk);
		if (ret < 0) {
			*err = ret;
			return NULL;
		}
	}
	ret = pci_sysfs_driver(eal_sysfs_root(), bdf, drv, sizeof(drv));
	if (ret < 0) {
		VDK_LOG(ERR, VFIO, "%s: cannot read its kernel driver in %s/bus/pci/devices: %s",
			bdf, eal_sysfs_root(), strerror(-ret));
		*err = -ENODEV;
		return NULL;
	}
	if (strcmp(drv, PCI_KDRV_NAME_VFIO) == 0 && mode != EAL_VFIO_VDK)
		return &eal_vfio_mainline;
	if (strcmp(drv, PCI_KDRV_NAME_VDK_VFIO) == 0 && mode != EAL_VFIO_MAINLINE)
		return &eal_vfio_vdk;
	eal_vfio_explain_driver(bdf, drv);
	*err = -EACCES;
	return NULL;
}

static int
sel_open(void)
{
	pthread_mutex_lock(&sel_lock);
	nb_owners = 0;
	pthread_mutex_unlock(&sel_lock);
	return 0;
}

static void
sel_close(void)
{
	for (unsigned int i = 0; i < VDK_DIM(opened); i++) {
		if (opened[i] != NULL)
			opened[i]->close();
		opened[i] = NULL;
	}
	pthread_mutex_lock(&sel_lock);
	nb_owners = 0;
	pthread_mutex_unlock(&sel_lock);
}

static int
sel_group_open(int num, const char *bdf, bool *noiommu)
{
	const struct eal_vfio_backend *be;
	int ret;

	last_be = NULL;
	last_explained = true;	/* pick() and open() say why themselves */
	be = pick(bdf, &ret);
	if (be == NULL)
		return ret;
	ret = ensure_open(be);
	if (ret < 0)
		return ret;
	last_be = be;
	last_explained = false;
	ret = be->group_open(num, bdf, noiommu);
	if (ret < 0)
		return ret;
	if (owner_set(ret, be) < 0) {
		be->group_close(ret);
		last_explained = true;
		return -EMFILE;
	}
	return ret;
}

static bool
sel_explain_group_open(int err, int num, const char *bdf)
{
	if (last_explained)
		return true;
	if (last_be != NULL && last_be->explain_group_open != NULL)
		return last_be->explain_group_open(err, num, bdf);
	return false;
}

static int
sel_group_viable(int group_fd)
{
	const struct eal_vfio_backend *be = owner_of(group_fd);

	return be != NULL ? be->group_viable(group_fd) : -EBADF;
}

static int
sel_group_attach(int group_fd, bool noiommu, int *domain)
{
	const struct eal_vfio_backend *be = owner_of(group_fd);
	int ret;

	if (be == NULL)
		return -EBADF;
	ret = be->group_attach(group_fd, noiommu, domain);
	if (ret < 0)
		return ret;
	ret = owner_set(*domain, be);
	if (ret < 0)
		be->group_detach(group_fd);
	return ret;
}

static void
sel_group_detach(int group_fd)
{
	const struct eal_vfio_backend *be = owner_of(group_fd);

	if (be != NULL)
		be->group_detach(group_fd);
}

static void
sel_group_close(int group_fd)
{
	const struct eal_vfio_backend *be = owner_of(group_fd);

	if (be != NULL)
		be->group_close(group_fd);
	owner_drop(group_fd);
}

static int
sel_iommu_info(int domain, struct eal_vfio_range *ranges, unsigned int *nb_ranges,
	       uint64_t *pgsizes)
{
	const struct eal_vfio_backend *be = owner_of(domain);

	return be != NULL ? be->iommu_info(domain, ranges, nb_ranges, pgsizes) : -EBADF;
}

static int
sel_dma_map(int domain, uint64_t va, uint64_t iova, uint64_t len)
{
	const struct eal_vfio_backend *be = owner_of(domain);

	return be != NULL ? be->dma_map(domain, va, iova, len) : -EBADF;
}

static int
sel_dma_unmap(int domain, uint64_t iova, uint64_t len)
{
	const struct eal_vfio_backend *be = owner_of(domain);

	return be != NULL ? be->dma_unmap(domain, iova, len) : -EBADF;
}

static int
sel_device_open(int group_fd, const char *bdf)
{
	const struct eal_vfio_backend *be = owner_of(group_fd);
	enum eal_vfio_choice mode = eal_cfg.vfio_backend;
	bool vdk;
	int fd;

	if (be == NULL)
		return -EBADF;
	fd = be->device_open(group_fd, bdf);
	if (fd < 0)
		return fd;
	if (owner_set(fd, be) < 0) {
		be->device_close(fd);
		return -EMFILE;
	}
	vdk = be == &eal_vfio_vdk;
	if (mode == EAL_VFIO_AUTO)
		VDK_LOG(INFO, VFIO, "%s: VFIO backend %s (--vfio-backend auto: the device is "
			"bound to %s)", bdf, vdk ? "vdk, VDK's vdk_vfio module" :
			"mainline, the kernel's vfio-pci", vdk ? PCI_KDRV_NAME_VDK_VFIO :
			PCI_KDRV_NAME_VFIO);
	else
		VDK_LOG(INFO, VFIO, "%s: VFIO backend %s (--vfio-backend %s)", bdf,
			vdk ? "vdk, VDK's vdk_vfio module" : "mainline, the kernel's vfio-pci",
			mode_name(mode));
	return fd;
}

static void
sel_device_close(int device_fd)
{
	const struct eal_vfio_backend *be = owner_of(device_fd);

	if (be != NULL)
		be->device_close(device_fd);
	owner_drop(device_fd);
}

static int
sel_device_info(int device_fd, uint32_t *flags, uint32_t *nb_regions, uint32_t *nb_irqs)
{
	const struct eal_vfio_backend *be = owner_of(device_fd);

	return be != NULL ? be->device_info(device_fd, flags, nb_regions, nb_irqs) : -EBADF;
}

static int
sel_region_info(int device_fd, unsigned int index, struct eal_vfio_region *r)
{
	const struct eal_vfio_backend *be = owner_of(device_fd);

	return be != NULL ? be->region_info(device_fd, index, r) : -EBADF;
}

static int
sel_irq_info(int device_fd, unsigned int index, uint32_t *count, uint32_t *flags)
{
	const struct eal_vfio_backend *be = owner_of(device_fd);

	return be != NULL ? be->irq_info(device_fd, index, count, flags) : -EBADF;
}

static int
sel_irq_set(int device_fd, unsigned int index, enum eal_vfio_irq_action action,
	    unsigned int start, unsigned int count, const int *efds)
{
	const struct eal_vfio_backend *be = owner_of(device_fd);

	return be != NULL ? be->irq_set(device_fd, index, action, start, count, efds) : -EBADF;
}

static int
sel_reset(int device_fd)
{
	const struct eal_vfio_backend *be = owner_of(device_fd);

	return be != NULL ? be->reset(device_fd) : -EBADF;
}

const struct eal_vfio_backend eal_vfio_select = {
	.name = "select",
	.open = sel_open,
	.close = sel_close,
	.group_open = sel_group_open,
	.explain_group_open = sel_explain_group_open,
	.group_viable = sel_group_viable,
	.group_attach = sel_group_attach,
	.group_detach = sel_group_detach,
	.group_close = sel_group_close,
	.iommu_info = sel_iommu_info,
	.dma_map = sel_dma_map,
	.dma_unmap = sel_dma_unmap,
	.device_open = sel_device_open,
	.device_close = sel_device_close,
	.device_info = sel_device_info,
	.region_info = sel_region_info,
	.irq_info = sel_irq_info,
	.irq_set = sel_irq_set,
	.reset = sel_reset,
};
