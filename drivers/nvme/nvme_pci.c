/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver on the PCI bus: claims every device of class 010802h
 * (mass storage, NVM, NVM Express I/O controller), maps BAR0 (the
 * registers of NVMe 1.4 §3.1, PCIe transport), enables bus mastering and
 * hands the BAR to the controller code. MSI-X vectors come from the EAL's
 * interrupt layer when a queue pair asks for interrupts.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_internal.h"
#include "vdk_eal.h"
#include "vdk_intr.h"

#define PCI_CAP_ID_MSIX 0x11

static int
nvme_pci_intr_enable(struct vdk_nvme_ctrlr *c, unsigned int nb)
{
	struct vdk_pci_device *dev = c->tp_ctx;
	uint16_t msgctl;
	int ret, cap;

	ret = vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, nb);
	if (ret != -ERANGE)
		return ret;
	/* Fewer vectors than queues: take what the table has (Message Control [10:0]). */
	cap = vdk_pci_find_capability(dev, PCI_CAP_ID_MSIX);
	if (cap < 0)
		return cap;
	ret = vdk_pci_cfg_read(dev, &msgctl, sizeof(msgctl), (uint64_t)cap + 2);
	if (ret < 0)
		return ret;
	return vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, (msgctl & 0x7ffu) + 1u);
}

static int
nvme_pci_intr_efd(struct vdk_nvme_ctrlr *c, unsigned int vector)
{
	return vdk_intr_efd(c->tp_ctx, vector);
}

static const struct nvme_transport nvme_pci_transport = {
	.name = "pcie",
	.intr_enable = nvme_pci_intr_enable,
	.intr_efd = nvme_pci_intr_efd,
	.wait_idle = NULL,
};

/* "driver" is the bus's own (-a BDF,driver=NAME): it reaches the driver too. */
static const char *const nvme_args[] = {
	"io_queues", "timeout_ms", "admin_timeout_ms", "sgl", "driver", NULL
};

static int
nvme_pci_probe(struct vdk_pci_device *dev)
{
	struct nvme_ctrlr_cfg cfg;
	struct vdk_nvme_ctrlr *c;
	const char *args;
	uint32_t sgl = 1;
	size_t len;
	void *bar;
	int ret;

	nvme_ctrlr_cfg_default(&cfg);
	/*
	 * Only the keys we know (a typo is an error, not a setting silently
	 * dropped); a bad value is logged with its key. The bus names the
	 * device that failed.
	 */
	args = dev->devargs != NULL ? dev->devargs : "";
	if (vdk_devargs_check_keys(dev->name, args, nvme_args,
				   "io_queues=N,timeout_ms=N,admin_timeout_ms=N,sgl=0|1") != 0 ||
	    vdk_devargs_get_uint(args, "io_queues", 1, 65535, &cfg.io_queues) != 0 ||
	    vdk_devargs_get_uint(args, "timeout_ms", 0, 3600000, &cfg.io_timeout_ms) != 0 ||
	    vdk_devargs_get_uint(args, "admin_timeout_ms", 1, 3600000,
				 &cfg.admin_timeout_ms) != 0 ||
	    vdk_devargs_get_uint(args, "sgl", 0, 1, &sgl) != 0)
		return -EINVAL;
	cfg.no_sgl = sgl == 0;

	ret = vdk_pci_map_bar(dev, 0, &bar, &len);
	if (ret < 0) {
		VDK_LOG(ERR, NVME, "%s: cannot map BAR0, the controller's registers: %s",
			dev->name, strerror(-ret));
		return ret;
	}
	/* The controller reads its queues by DMA: bus mastering first. */
	ret = vdk_pci_set_bus_master(dev, 1);
	if (ret < 0) {
		VDK_LOG(ERR, NVME, "%s: cannot enable bus mastering: %s", dev->name,
			strerror(-ret));
		return ret;
	}
	c = nvme_ctrlr_create(dev->name, bar, len, &nvme_pci_transport, dev, &cfg);
	if (c == NULL) {
		ret = -errno;
		vdk_pci_set_bus_master(dev, 0);
		/* -ENODEV would mean "declined": say it failed instead. */
		return ret == -ENODEV ? -EIO : ret;
	}
	dev->driver_data = c;
	return 0;
}

static int
nvme_pci_remove(struct vdk_pci_device *dev)
{
	nvme_ctrlr_destroy(dev->driver_data, true);
	dev->driver_data = NULL;
	return vdk_pci_dev_is_removed(dev) ? 0 : vdk_pci_set_bus_master(dev, 0);
}

/*
 * The device went away (unbind, unplug): fail the controller now rather
 * than when a poll happens to read CSTS as all ones. Each queue pair's
 * owner then completes its outstanding commands once, with "COMMAND
 * ABORTED BY HOST", on its next call, and later calls return -ENXIO.
 */
static void
nvme_pci_removed(struct vdk_pci_device *dev)
{
	struct vdk_nvme_ctrlr *c = dev->driver_data;

	if (c != NULL)
		nvme_ctrlr_mark_failed(c, "the device was removed (unbound or unplugged)");
}

static const struct vdk_pci_id nvme_pci_ids[] = {
	{ VDK_PCI_DEVICE_CLASS(0x010802) },
	{ .vendor_id = 0 },
};

static const struct vdk_pci_driver nvme_pci_driver = {
	.name = "nvme",
	.id_table = nvme_pci_ids,
	.probe = nvme_pci_probe,
	.remove = nvme_pci_remove,
	.removed = nvme_pci_removed,
};

VDK_PCI_DRIVER_REGISTER(nvme_pci_driver);

struct vdk_nvme_ctrlr *
vdk_nvme_ctrlr_get(const char *bdf)
{
	struct vdk_nvme_ctrlr *c;

	if (bdf == NULL) {
		errno = EINVAL;
		return NULL;
	}
	c = nvme_ctrlr_find(bdf);
	if (c == NULL)
		errno = ENOENT;
	return c;
}

int
vdk_nvme_ctrlr_attach(const char *bdf, struct vdk_nvme_ctrlr **out)
{
	struct vdk_pci_addr addr;
	struct vdk_nvme_ctrlr *c;
	int ret;

	if (bdf == NULL || out == NULL)
		return -EINVAL;
	c = nvme_ctrlr_find(bdf);
	if (c != NULL) {
		*out = c;
		return 0;
	}
	if (vdk_pci_addr_parse(bdf, &addr) < 0) {
		VDK_LOG(ERR, NVME, "\"%s\" is not a PCI address (dddd:bb:dd.f)", bdf);
		return -EINVAL;
	}
	if (!vdk_eal_has_pci()) {
		VDK_LOG(ERR, NVME, "%s: no NVMe controller found: the EAL runs with --no-pci", bdf);
		return -EPERM;
	}
	ret = vdk_pci_dev_attach(bdf);
	if (ret == -EACCES) {
		VDK_LOG(ERR, NVME, "%s is not bound to vfio-pci: run `vdk-setup bind %s` first",
			bdf, bdf);
		return ret;
	}
	if (ret == -EEXIST) {
		VDK_LOG(ERR, NVME, "%s is claimed by another driver", bdf);
		return -EBUSY;
	}
	if (ret < 0) {
		VDK_LOG(ERR, NVME, "%s: no NVMe controller found there (%s)", bdf, strerror(-ret));
		return ret;
	}
	c = nvme_ctrlr_find(bdf);
	if (c == NULL) {
		VDK_LOG(ERR, NVME, "%s: the device is not an NVMe controller", bdf);
		return -ENODEV;
	}
	*out = c;
	return 0;
}

int
vdk_nvme_ctrlr_detach(struct vdk_nvme_ctrlr *c)
{
	if (c == NULL)
		return -EINVAL;
	if (c->tp == &nvme_pci_transport)
		return vdk_pci_dev_detach(c->tp_ctx);
	nvme_ctrlr_destroy(c, true);
	return 0;
}
