// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI bus driver: tells the core about every PCI device (at load and
 * through a bus notifier), binds devices whose driver_override names
 * "vdk-vfio-pci", and implements a device fd's requests for them.
 *
 * driver_managed_dma: binding this driver leaves the device's DMA alone;
 * the core takes the group's DMA ownership only when userspace uses it.
 *
 * The device is reset when it is opened and when it is closed, so no
 * user's state reaches the next user or driver; a reset that cannot run
 * at close (the device lock is taken) is recorded and done before the
 * next open, or at unbind, under the device lock the driver core holds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <vdk_vfio.h>

#include "pci_private.h"
#include "vdk_vfio_core.h"

static bool vdk_vfio_pci_match(struct device *dev, const char *buf)
{
	return !strcmp(dev_name(dev), buf);
}

/*
 * A function reset with the BARs unmapped and out of reach while it runs.
 * Called with vdev->lock held; 0 or the reset's error.
 */
static int pci_reset_unmapped(struct vdk_vfio_pci *vdev)
{
	int ret;

	vdk_vfio_pci_zap_and_lock_memory(vdev);
	/* try: an unbind in progress holds the device lock and waits for us */
	ret = pci_try_reset_function(vdev->pdev);
	up_write(&vdev->memory_lock);
	if (!ret)
		vdev->needs_reset = false;
	return ret;
}

static int vdk_vfio_pci_open(void *device_data)
{
	struct vdk_vfio_pci *vdev = device_data;
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	mutex_lock(&vdev->lock);
	ret = pci_enable_device(pdev);
	if (ret) {
		pci_notice_ratelimited(pdev, "cannot enable the device (%d)\n", ret);
		goto unlock;
	}
	/* whatever the previous user or driver left running stops here */
	if (vdev->reset_works) {
		ret = pci_reset_unmapped(vdev);
		if (ret && vdev->needs_reset) {
			pci_notice_ratelimited(pdev, "the previous user's state is not cleared: the reset failed (%d); try again\n",
					       ret);
			pci_disable_device(pdev);
			ret = -EBUSY;
			goto unlock;
		}
		ret = 0;
	}
	/*
	 * pci_enable_device() unmasks INTx; with no handler yet, an early
	 * assertion would be an interrupt nobody takes.
	 */
	if (vdev->intx_ok)
		pci_intx(pdev, 0);
unlock:
	mutex_unlock(&vdev->lock);
	return ret;
}

/* Leave the device as it was bound, whatever userspace did to it. */
static void vdk_vfio_pci_release(void *device_data)
{
	struct vdk_vfio_pci *vdev = device_data;
	struct pci_dev *pdev = vdev->pdev;

	mutex_lock(&vdev->lock);
	vdk_vfio_pci_irqs_disable(vdev);
	vdk_vfio_pci_req_disable(vdev);
	pci_clear_master(pdev);
	if (vdev->reset_works && pci_reset_unmapped(vdev)) {
		vdev->needs_reset = true;
		pci_info_ratelimited(pdev, "not reset on release: the device is busy; reset before its next use\n");
	}
	pci_load_saved_state(pdev, vdev->saved);
	pci_restore_state(pdev);
	pci_disable_device(pdev);
	mutex_unlock(&vdev->lock);
}

static long pci_get_info(struct vdk_vfio_pci *vdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_device_info,
					  num_irqs);
	struct vdk_vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags)
		return -EINVAL;
	info.flags = VDK_VFIO_DEVICE_FLAGS_PCI;
	if (vdev->reset_works)
		info.flags |= VDK_VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VDK_VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VDK_VFIO_PCI_NUM_IRQS;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * The sparse-mmap capability of a BAR that holds the MSI-X table: what is
 * left of it around the table's pages. Written after @info if argsz has
 * room, else argsz says how much is needed. 0 or -EFAULT.
 */
static int region_sparse_cap(struct vdk_vfio_region_info *info,
			     void __user *arg, unsigned int nareas,
			     const struct vdk_vfio_region_sparse_mmap_area *areas)
{
	struct vdk_vfio_region_info_cap_sparse_mmap cap = {
		.header.id = VDK_VFIO_REGION_INFO_CAP_SPARSE_MMAP,
		.header.version = 1,
		.nr_areas = nareas,
	};
	size_t asz = nareas * sizeof(*areas);
	u32 at = sizeof(*info);

	info->flags |= VDK_VFIO_REGION_INFO_FLAG_CAPS;
	if (info->argsz < at + sizeof(cap) + asz) {
		info->argsz = at + sizeof(cap) + asz;
		return 0;
	}
	if (copy_to_user(arg + at, &cap, sizeof(cap)) ||
	    copy_to_user(arg + at + sizeof(cap), areas, asz))
		return -EFAULT;
	info->cap_offset = at;
	return 0;
}

static long pci_get_region_info(struct vdk_vfio_pci *vdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_region_info, offset);
	struct vdk_vfio_region_sparse_mmap_area areas[2];
	struct pci_dev *pdev = vdev->pdev;
	struct vdk_vfio_region_info info;
	int nareas = -1;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags || info.cap_offset ||
	    info.index >= VDK_VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info.offset = VDK_VFIO_PCI_INDEX_TO_OFFSET(info.index);
	switch (info.index) {
	case VDK_VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = pdev->cfg_size;
		break;
	case VDK_VFIO_PCI_ROM_REGION_INDEX:
		info.size = pci_resource_len(pdev, PCI_ROM_RESOURCE);
		info.flags = VDK_VFIO_REGION_INFO_FLAG_RO;
		break;
	default:
		info.size = pci_resource_len(pdev, info.index);
		if (!vdk_vfio_pci_bar_mmappable(vdev, info.index))
			break;
		info.flags = VDK_VFIO_REGION_INFO_FLAG_MMAP;
		nareas = vdk_vfio_pci_msix_sparse(vdev, info.index, areas);
		/* a table that fills the BAR leaves nothing to map */
		if (!nareas)
			info.flags = 0;
		break;
	}
	if (nareas > 0 &&
	    region_sparse_cap(&info, arg, nareas, areas))
		return -EFAULT;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long pci_get_irq_info(struct vdk_vfio_pci *vdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_irq_info, count);
	struct vdk_vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags ||
	    info.index >= VDK_VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.count = vdk_vfio_pci_irq_count(vdev, info.index);
	if (info.index == VDK_VFIO_PCI_INTX_IRQ_INDEX)
		info.flags = VDK_VFIO_IRQ_INFO_FLAG_LEVEL;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long pci_reset(struct vdk_vfio_pci *vdev)
{
	int ret;

	if (!vdev->reset_works)
		return -EINVAL;
	mutex_lock(&vdev->lock);
	ret = pci_reset_unmapped(vdev);
	mutex_unlock(&vdev->lock);
	return ret;
}

static long vdk_vfio_pci_ioctl(void *device_data, unsigned int cmd,
			       unsigned long arg)
{
	struct vdk_vfio_pci *vdev = device_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VDK_VFIO_DEVICE_GET_INFO:
		return pci_get_info(vdev, uarg);
	case VDK_VFIO_DEVICE_GET_REGION_INFO:
		return pci_get_region_info(vdev, uarg);
	case VDK_VFIO_DEVICE_GET_IRQ_INFO:
		return pci_get_irq_info(vdev, uarg);
	case VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS:
		return vdk_vfio_pci_ioctl_set_irqs(vdev, uarg);
	case VDK_VFIO_DEVICE_UNMASK_IRQ:
		return vdk_vfio_pci_ioctl_unmask(vdev, uarg);
	case VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD:
		return vdk_vfio_pci_ioctl_set_unmask_fd(vdev, uarg);
	case VDK_VFIO_DEVICE_RESET:
		return pci_reset(vdev);
	default:
		return -ENOTTY;
	}
}

static const struct vdk_vfio_device_ops vdk_vfio_pci_ops = {
	.match		= vdk_vfio_pci_match,
	.open		= vdk_vfio_pci_open,
	.release	= vdk_vfio_pci_release,
	.read		= vdk_vfio_pci_read,
	.write		= vdk_vfio_pci_write,
	.ioctl		= vdk_vfio_pci_ioctl,
	.mmap		= vdk_vfio_pci_mmap,
	.request	= vdk_vfio_pci_request,
};

/* Where the MSI-X table is (not the PBA), so access to it can be refused. */
static void pci_find_msix_table(struct vdk_vfio_pci *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u32 table;
	int nvec;

	vdev->msix_bar = -1;
	if (!pdev->msix_cap)
		return;
	nvec = pci_msix_vec_count(pdev);
	if (nvec <= 0)
		return;
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	vdev->msix_bar = table & PCI_MSIX_TABLE_BIR;
	vdev->msix_start = table & PCI_MSIX_TABLE_OFFSET;
	vdev->msix_end = vdev->msix_start + nvec * PCI_MSIX_ENTRY_SIZE;
}

static int vdk_vfio_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	struct vdk_vfio_pci *vdev;
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info(pdev, "only endpoints can be given to userspace, not bridges\n");
		return -EINVAL;
	}
	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return -ENOMEM;
	vdev->pdev = pdev;
	mutex_init(&vdev->lock);
	init_rwsem(&vdev->memory_lock);
	mutex_init(&vdev->vma_lock);
	INIT_LIST_HEAD(&vdev->vma_list);
	spin_lock_init(&vdev->intx_lock);
	vdev->irq_index = -1;

	ret = pci_request_regions(pdev, VDK_VFIO_PCI_DRIVER);
	if (ret) {
		pci_warn(pdev, "BARs are claimed by someone else (%d)\n", ret);
		goto free_vdev;
	}
	ret = vdk_vfio_pci_config_init(vdev);
	if (ret)
		goto release_regions;
	pci_find_msix_table(vdev);
	vdev->intx_ok = pdev->pin && pdev->irq && pci_intx_mask_supported(pdev);
	vdev->reset_works = pdev->reset_methods[0] != 0;

	pci_save_state(pdev);
	vdev->saved = pci_store_saved_state(pdev);
	if (!vdev->saved) {
		ret = -ENOMEM;
		goto free_wmask;
	}
	/* the bus notifier's work may not have run yet */
	ret = vdk_vfio_group_add_dev(&pdev->dev, &vdk_vfio_pci_ops);
	if (!ret)
		ret = vdk_vfio_bind_dev(&pdev->dev, vdev);
	if (ret) {
		if (ret == -ENODEV)
			pci_warn(pdev, "no IOMMU group: boot with the IOMMU on (intel_iommu=on or amd_iommu=on)\n");
		goto free_saved;
	}
	pci_set_drvdata(pdev, vdev);
	return 0;

free_saved:
	kfree(vdev->saved);
free_wmask:
	kfree(vdev->cfg_wmask);
release_regions:
	pci_release_regions(pdev);
free_vdev:
	mutex_destroy(&vdev->vma_lock);
	mutex_destroy(&vdev->lock);
	kfree(vdev);
	return ret;
}

static void vdk_vfio_pci_remove(struct pci_dev *pdev)
{
	struct vdk_vfio_pci *vdev;

	vdev = vdk_vfio_unbind_dev(&pdev->dev);
	if (WARN_ON(!vdev))
		return;
	/* the driver core holds the device lock that kept release's reset out */
	if (vdev->needs_reset && pci_reset_function_locked(pdev))
		pci_warn(pdev, "the last user's state could not be reset: the next driver finds it as it was left\n");
	vdk_vfio_pci_unmap_bars(vdev);
	kfree(vdev->saved);
	kfree(vdev->cfg_wmask);
	pci_release_regions(pdev);
	mutex_destroy(&vdev->vma_lock);
	mutex_destroy(&vdev->lock);
	kfree(vdev);
}

static struct pci_driver vdk_vfio_pci_driver = {
	.name			= VDK_VFIO_PCI_DRIVER,
	/* no ID table: devices come only through driver_override */
	.probe			= vdk_vfio_pci_probe,
	.remove			= vdk_vfio_pci_remove,
	.driver_managed_dma	= true,
};

/*
 * The bus notifier runs inside device_add() and device_del() of every PCI
 * device, hotplug included: it takes no lock of the module and leaves the
 * work to an ordered queue, so a module lock held for long (or forever)
 * never stalls PCI. The core holds a reference on each device it knows.
 */
struct pci_notify_work {
	struct work_struct work;
	struct device *dev;
	unsigned long action;
};

static struct workqueue_struct *vdk_vfio_pci_wq;

static void pci_notify_fn(struct work_struct *work)
{
	struct pci_notify_work *nw =
		container_of(work, struct pci_notify_work, work);

	/* The IOMMU core's notifier came first and gave dev its group. */
	if (nw->action == BUS_NOTIFY_ADD_DEVICE)
		vdk_vfio_group_add_dev(nw->dev, &vdk_vfio_pci_ops);
	else
		vdk_vfio_group_del_dev(nw->dev);
	put_device(nw->dev);
	kfree(nw);
}

static int pci_notify(struct notifier_block *nb, unsigned long action,
		      void *data)
{
	struct pci_notify_work *nw;

	if (action != BUS_NOTIFY_ADD_DEVICE && action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;
	nw = kmalloc(sizeof(*nw), GFP_KERNEL);
	if (!nw) {
		dev_warn(data, "vdk-vfio does not see this device come or go: out of memory\n");
		return NOTIFY_DONE;
	}
	INIT_WORK(&nw->work, pci_notify_fn);
	nw->dev = get_device(data);
	nw->action = action;
	queue_work(vdk_vfio_pci_wq, &nw->work);
	return NOTIFY_OK;
}

static struct notifier_block vdk_vfio_pci_nb = {
	.notifier_call = pci_notify,
};

static int pci_add_present(struct device *dev, void *data)
{
	/* A device without an IOMMU group simply has no vdk-vfio group. */
	vdk_vfio_group_add_dev(dev, &vdk_vfio_pci_ops);
	return 0;
}

int vdk_vfio_pci_init(void)
{
	int ret;

	vdk_vfio_pci_wq = alloc_ordered_workqueue("vdk_vfio_pci", 0);
	if (!vdk_vfio_pci_wq)
		return -ENOMEM;
	ret = bus_register_notifier(&pci_bus_type, &vdk_vfio_pci_nb);
	if (ret)
		goto destroy_wq;
	/* A device the notifier also saw is added once: add_dev knows it. */
	bus_for_each_dev(&pci_bus_type, NULL, NULL, pci_add_present);
	ret = pci_register_driver(&vdk_vfio_pci_driver);
	if (ret)
		goto unregister_notifier;
	return 0;

unregister_notifier:
	bus_unregister_notifier(&pci_bus_type, &vdk_vfio_pci_nb);
destroy_wq:
	destroy_workqueue(vdk_vfio_pci_wq);
	return ret;
}

void vdk_vfio_pci_exit(void)
{
	pci_unregister_driver(&vdk_vfio_pci_driver);
	bus_unregister_notifier(&pci_bus_type, &vdk_vfio_pci_nb);
	/* what was queued runs before the core forgets every device */
	destroy_workqueue(vdk_vfio_pci_wq);
}
