// SPDX-License-Identifier: GPL-2.0
/*
 * vdk_vfio: the VFIO driver core of the 2011 RFC ("VFIO Driver core
 * framework") as an out-of-tree module, with a PCI bus driver.
 *
 * This file holds the module's entry points, the state every part shares,
 * and debugfs: /sys/kernel/debug/vdk_vfio/pinned_pages and dma_mappings
 * count what every set holds, so a test can see that all of it comes back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>

#include "vdk_vfio_private.h"

DECLARE_WAIT_QUEUE_HEAD(vdk_vfio_release_wq);
atomic_long_t vdk_vfio_pinned_pages = ATOMIC_LONG_INIT(0);
atomic_t vdk_vfio_dma_mappings = ATOMIC_INIT(0);

/*
 * For the tests only (doc/vdk_vfio.md, "Safety"): a fault no emulated
 * IOMMU can produce, so the test tier can show the module and its own
 * checks handle it. Root only; 0 in any real use.
 */
int vdk_vfio_test_fault;
module_param_named(test_fault, vdk_vfio_test_fault, int, 0600);
MODULE_PARM_DESC(test_fault,
		 "Testing only: 1 = IOMMU unmaps fail, 2 = each unpin leaks a page, 3 = each mapping an unmap request removes takes 1 s more (default 0)");

static struct dentry *vdk_vfio_debugfs;

static int pinned_pages_get(void *data, u64 *val)
{
	*val = atomic_long_read(&vdk_vfio_pinned_pages);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pinned_pages_fops, pinned_pages_get, NULL, "%llu\n");

static int dma_mappings_get(void *data, u64 *val)
{
	*val = atomic_read(&vdk_vfio_dma_mappings);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(dma_mappings_fops, dma_mappings_get, NULL, "%llu\n");

int vdk_vfio_core_init(void)
{
	int ret;

	ret = vdk_vfio_group_chrdev_init();
	if (ret)
		return ret;
	/* debugfs is a diagnostic: the module works without it */
	vdk_vfio_debugfs = debugfs_create_dir("vdk_vfio", NULL);
	debugfs_create_file_unsafe("pinned_pages", 0444, vdk_vfio_debugfs,
				   NULL, &pinned_pages_fops);
	debugfs_create_file_unsafe("dma_mappings", 0444, vdk_vfio_debugfs,
				   NULL, &dma_mappings_fops);
	return 0;
}

void vdk_vfio_core_exit(void)
{
	debugfs_remove(vdk_vfio_debugfs);
	vdk_vfio_group_chrdev_exit();
}

static int __init vdk_vfio_init(void)
{
	int ret;

	ret = vdk_vfio_core_init();
	if (ret)
		return ret;
	ret = vdk_vfio_pci_init();
	if (ret)
		goto core_exit;
	return 0;

core_exit:
	vdk_vfio_core_exit();
	return ret;
}

static void __exit vdk_vfio_exit(void)
{
	vdk_vfio_pci_exit();
	vdk_vfio_core_exit();
	/* Every fd holds the module, so nothing can be left by now. */
	WARN_ON(atomic_long_read(&vdk_vfio_pinned_pages));
}

module_init(vdk_vfio_init);
module_exit(vdk_vfio_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VDK: the 2011 VFIO driver-core RFC with a PCI bus driver");
