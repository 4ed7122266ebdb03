// SPDX-License-Identifier: GPL-2.0
/*
 * Regions of a PCI device fd: BARs (read, write, mmap), the expansion ROM
 * (read) and config space (pci_config.c). Region i starts at i << 40 in
 * the fd. A request that starts past a region's end is refused; one that
 * runs past it is cut short.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <vdk_vfio.h>

#include "pci_private.h"

bool vdk_vfio_pci_bar_mmappable(struct vdk_vfio_pci *vdev, int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	resource_size_t start = pci_resource_start(pdev, bar);
	resource_size_t len = pci_resource_len(pdev, bar);

	/* A page shared with another BAR or device would expose it too. */
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) || !len ||
	    !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len))
		return false;
	return bar != vdev->msix_bar || vdev->msix_mmap_ok;
}

static void __iomem *bar_map(struct vdk_vfio_pci *vdev, int bar)
{
	void __iomem *map;

	mutex_lock(&vdev->lock);
	if (!vdev->bar_map[bar])
		vdev->bar_map[bar] = pci_iomap(vdev->pdev, bar, 0);
	map = vdev->bar_map[bar];
	mutex_unlock(&vdev->lock);
	return map;
}

void vdk_vfio_pci_unmap_bars(struct vdk_vfio_pci *vdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (vdev->bar_map[bar])
			pci_iounmap(vdev->pdev, vdev->bar_map[bar]);
		vdev->bar_map[bar] = NULL;
	}
}

/* The widest naturally aligned access at @off that fits in @left. */
static unsigned int access_width(u64 off, size_t left)
{
	if (IS_ALIGNED(off, 4) && left >= 4)
		return 4;
	if (IS_ALIGNED(off, 2) && left >= 2)
		return 2;
	return 1;
}

static ssize_t bar_rw(struct vdk_vfio_pci *vdev, int bar, char __user *buf,
		      size_t count, u64 off, bool write)
{
	u64 len = pci_resource_len(vdev->pdev, bar);
	void __iomem *map;
	size_t done = 0;

	if (!len || off >= len)
		return -EINVAL;
	count = min_t(u64, count, len - off);
	/* Without remapping, the table decides where the device can write. */
	if (write && bar == vdev->msix_bar && !vdev->msix_mmap_ok &&
	    off < vdev->msix_end && off + count > vdev->msix_start)
		return -EPERM;
	map = bar_map(vdev, bar);
	if (!map)
		return -ENOMEM;

	while (done < count) {
		unsigned int n = access_width(off + done, count - done);
		void __iomem *addr = map + off + done;
		u32 val = 0;

		if (write) {
			if (copy_from_user(&val, buf + done, n))
				return done ? done : -EFAULT;
			if (n == 4)
				iowrite32(le32_to_cpu((__force __le32)val), addr);
			else if (n == 2)
				iowrite16(le16_to_cpu((__force __le16)val), addr);
			else
				iowrite8(val, addr);
		} else {
			if (n == 4)
				val = (__force u32)cpu_to_le32(ioread32(addr));
			else if (n == 2)
				val = (__force u16)cpu_to_le16(ioread16(addr));
			else
				val = ioread8(addr);
			if (copy_to_user(buf + done, &val, n))
				return done ? done : -EFAULT;
		}
		done += n;
		if (!(done & (PAGE_SIZE - 1)))
			cond_resched();
	}
	return done;
}

static ssize_t rom_read(struct vdk_vfio_pci *vdev, char __user *buf,
			size_t count, u64 off)
{
	u64 len = pci_resource_len(vdev->pdev, PCI_ROM_RESOURCE);
	void __iomem *rom;
	size_t size;
	ssize_t ret;
	void *bounce;

	if (!len || off >= len)
		return -EINVAL;
	bounce = kmalloc(min_t(size_t, count, PAGE_SIZE), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	/* pci_map_rom() turns the ROM BAR's decoding on and off: serialise */
	mutex_lock(&vdev->lock);
	rom = pci_map_rom(vdev->pdev, &size);
	if (!rom) {
		ret = -EIO;
		goto unlock;
	}
	/* Past the image the ROM parser found, there is nothing to read. */
	ret = 0;
	if (off < size) {
		count = min_t(size_t, min_t(u64, count, size - off), PAGE_SIZE);
		memcpy_fromio(bounce, rom + off, count);
		ret = copy_to_user(buf, bounce, count) ? -EFAULT : count;
	}
	pci_unmap_rom(vdev->pdev, rom);
unlock:
	mutex_unlock(&vdev->lock);
	kfree(bounce);
	return ret;
}

static ssize_t pci_rw(struct vdk_vfio_pci *vdev, char __user *buf,
		      size_t count, loff_t *ppos, bool write)
{
	unsigned int index;
	ssize_t ret;
	u64 off;

	if (*ppos < 0)
		return -EINVAL;
	index = VDK_VFIO_PCI_OFFSET_TO_INDEX((u64)*ppos);
	off = *ppos & VDK_VFIO_PCI_OFFSET_MASK;
	if (!count)
		return 0;

	switch (index) {
	case VDK_VFIO_PCI_CONFIG_REGION_INDEX:
		ret = vdk_vfio_pci_config_rw(vdev, buf, count, off, write);
		break;
	case VDK_VFIO_PCI_ROM_REGION_INDEX:
		ret = write ? -EPERM : rom_read(vdev, buf, count, off);
		break;
	case VDK_VFIO_PCI_BAR0_REGION_INDEX ... VDK_VFIO_PCI_BAR5_REGION_INDEX:
		ret = bar_rw(vdev, index, buf, count, off, write);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret > 0)
		*ppos += ret;
	return ret;
}

ssize_t vdk_vfio_pci_read(void *device_data, char __user *buf,
			  size_t count, loff_t *ppos)
{
	return pci_rw(device_data, buf, count, ppos, false);
}

ssize_t vdk_vfio_pci_write(void *device_data, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	return pci_rw(device_data, (char __user *)buf, count, ppos, true);
}

int vdk_vfio_pci_mmap(void *device_data, struct vm_area_struct *vma)
{
	struct vdk_vfio_pci *vdev = device_data;
	struct pci_dev *pdev = vdev->pdev;
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned int index = VDK_VFIO_PCI_OFFSET_TO_INDEX(pos);
	u64 off = pos & VDK_VFIO_PCI_OFFSET_MASK;
	u64 req = vma->vm_end - vma->vm_start;
	u64 len;

	if (index >= PCI_STD_NUM_BARS ||
	    !vdk_vfio_pci_bar_mmappable(vdev, index))
		return -EINVAL;
	/* A private copy of device registers means nothing. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	len = pci_resource_len(pdev, index);
	if (off >= len || req > len - off)
		return -EINVAL;

	vma->vm_private_data = vdev;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	return io_remap_pfn_range(vma, vma->vm_start,
				  (pci_resource_start(pdev, index) + off) >>
				  PAGE_SHIFT, req, vma->vm_page_prot);
}
