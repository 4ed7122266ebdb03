// SPDX-License-Identifier: GPL-2.0
/*
 * Regions of a PCI device fd: BARs (read, write, mmap), the expansion ROM
 * (read) and config space (pci_config.c). Region i starts at i << 40 in
 * the fd. A request that starts past a region's end is refused; one that
 * runs past it is cut short.
 *
 * A BAR is touched only while the device decodes memory and no reset
 * runs (the CVE-2020-12888 class: an access then is an Unsupported
 * Request, which some hosts turn into a machine check). Reads and writes
 * check COMMAND under memory_lock and fail with -EIO; mappings are not
 * populated at mmap() but at the first touch, by a fault handler that
 * checks the same way and raises SIGBUS, and every populated mapping is
 * zapped before a reset or a COMMAND write, so the next touch faults and
 * waits for it. The vma bookkeeping follows mainline vfio-pci (Linux 6.1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <vdk_vfio.h>

#include "pci_private.h"

/* A page shared with another BAR or device would expose it too. */
bool vdk_vfio_pci_bar_mmappable(struct vdk_vfio_pci *vdev, int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	resource_size_t start = pci_resource_start(pdev, bar);
	resource_size_t len = pci_resource_len(pdev, bar);

	return pci_resource_flags(pdev, bar) & IORESOURCE_MEM && len &&
	       PAGE_ALIGNED(start) && PAGE_ALIGNED(len);
}

/*
 * The pages of @bar that hold the MSI-X table, if it does: mmap leaves
 * them out, as read and write leave out the table itself. Interrupt
 * remapping (iommu.c) already confines what a message written there
 * could raise, but the table holds what the kernel programmed, and no
 * user has a reason to see it, so mainline's 4.16 relaxation
 * (MSIX_MAPPABLE) is not followed.
 */
static bool msix_pages(struct vdk_vfio_pci *vdev, int bar, u64 *start,
		       u64 *end)
{
	if (bar != vdev->msix_bar)
		return false;
	*start = round_down(vdev->msix_start, PAGE_SIZE);
	*end = round_up(vdev->msix_end, PAGE_SIZE);
	return true;
}

/*
 * The parts of mappable @bar around the MSI-X table's pages, for
 * GET_REGION_INFO's sparse-mmap capability: how many (0, 1 or 2; 0 when
 * the table's pages fill the BAR), or -1 if @bar holds no table.
 */
int vdk_vfio_pci_msix_sparse(struct vdk_vfio_pci *vdev, int bar,
			     struct vdk_vfio_region_sparse_mmap_area *areas)
{
	u64 len = pci_resource_len(vdev->pdev, bar);
	u64 start, end;
	int n = 0;

	if (!msix_pages(vdev, bar, &start, &end))
		return -1;
	if (start > 0) {
		areas[n].offset = 0;
		areas[n++].size = min(start, len);
	}
	if (end < len) {
		areas[n].offset = end;
		areas[n++].size = len - end;
	}
	return n;
}

/* Called with memory_lock held. */
bool vdk_vfio_pci_memory_enabled(struct vdk_vfio_pci *vdev)
{
	u16 cmd;

	if (pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd))
		return false;
	return cmd & PCI_COMMAND_MEMORY;
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

/* One access of @n bytes, only while the device decodes memory. */
static int bar_access(struct vdk_vfio_pci *vdev, void __iomem *addr,
		      unsigned int n, u32 *val, bool write)
{
	down_read(&vdev->memory_lock);
	if (!vdk_vfio_pci_memory_enabled(vdev)) {
		up_read(&vdev->memory_lock);
		return -EIO;
	}
	if (write) {
		if (n == 4)
			iowrite32(le32_to_cpu((__force __le32)*val), addr);
		else if (n == 2)
			iowrite16(le16_to_cpu((__force __le16)*val), addr);
		else
			iowrite8(*val, addr);
	} else {
		if (n == 4)
			*val = (__force u32)cpu_to_le32(ioread32(addr));
		else if (n == 2)
			*val = (__force u16)cpu_to_le16(ioread16(addr));
		else
			*val = ioread8(addr);
	}
	up_read(&vdev->memory_lock);
	return 0;
}

static ssize_t bar_rw(struct vdk_vfio_pci *vdev, int bar, char __user *buf,
		      size_t count, u64 off, bool write)
{
	u64 len = pci_resource_len(vdev->pdev, bar);
	void __iomem *map;
	size_t done = 0;
	int ret;

	if (!len || off >= len)
		return -EINVAL;
	count = min_t(u64, count, len - off);
	/*
	 * The MSI-X table is the kernel's: it holds the messages the
	 * interrupt set-up programmed, read or write.
	 */
	if (bar == vdev->msix_bar && off < vdev->msix_end &&
	    off + count > vdev->msix_start)
		return -EPERM;
	map = bar_map(vdev, bar);
	if (!map)
		return -ENOMEM;

	/* User memory is copied outside memory_lock, one access at a time. */
	while (done < count) {
		unsigned int n = access_width(off + done, count - done);
		void __iomem *addr = map + off + done;
		u32 val = 0;

		if (write && copy_from_user(&val, buf + done, n)) {
			ret = -EFAULT;
			break;
		}
		ret = bar_access(vdev, addr, n, &val, write);
		if (ret)
			break;
		if (!write && copy_to_user(buf + done, &val, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (!(done & (PAGE_SIZE - 1)))
			cond_resched();
	}
	return done ? done : ret;
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
	/* the ROM decodes only with memory decode on, and not during a reset */
	down_read(&vdev->memory_lock);
	if (!vdk_vfio_pci_memory_enabled(vdev)) {
		ret = -EIO;
		goto unlock;
	}
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
		ret = count;
	}
	pci_unmap_rom(vdev->pdev, rom);
unlock:
	up_read(&vdev->memory_lock);
	mutex_unlock(&vdev->lock);
	/* to user memory with no lock held */
	if (ret > 0 && copy_to_user(buf, bounce, ret))
		ret = -EFAULT;
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

/* A mapping of a BAR whose page tables are populated. */
struct vdk_vfio_pci_vma {
	struct vm_area_struct *vma;
	struct list_head next;
};

/*
 * Zap every populated BAR mapping, then take memory_lock for writing: a
 * touch faults and waits until the caller's up_write().
 *
 * Lock order: mmap_lock, vma_lock, memory_lock (the fault path). Zapping
 * needs each mapping's mmap_lock, so vma_lock is dropped to take it;
 * memory_lock is taken only once vma_list is seen empty with vma_lock
 * held, so no fault can populate a mapping in between.
 */
void vdk_vfio_pci_zap_and_lock_memory(struct vdk_vfio_pci *vdev)
{
	struct vdk_vfio_pci_vma *pv, *tmp;

	for (;;) {
		struct mm_struct *mm = NULL;

		mutex_lock(&vdev->vma_lock);
		while (!list_empty(&vdev->vma_list)) {
			pv = list_first_entry(&vdev->vma_list,
					      struct vdk_vfio_pci_vma, next);
			mm = pv->vma->vm_mm;
			if (mmget_not_zero(mm))
				break;
			/* the mm is exiting: its page tables go with it */
			list_del(&pv->next);
			kfree(pv);
			mm = NULL;
		}
		if (!mm)
			break;
		mutex_unlock(&vdev->vma_lock);

		mmap_read_lock(mm);
		mutex_lock(&vdev->vma_lock);
		list_for_each_entry_safe(pv, tmp, &vdev->vma_list, next) {
			struct vm_area_struct *vma = pv->vma;

			if (vma->vm_mm != mm)
				continue;
			list_del(&pv->next);
			kfree(pv);
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
		}
		mutex_unlock(&vdev->vma_lock);
		mmap_read_unlock(mm);
		mmput(mm);
	}
	down_write(&vdev->memory_lock);
	mutex_unlock(&vdev->vma_lock);
}

/*
 * A split: the new part is not on vma_list, so a later zap would miss it.
 * Empty it; its next touch faults and puts it there.
 */
static void bar_vma_open(struct vm_area_struct *vma)
{
	zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);
}

/* A moved mapping would keep its page tables off vma_list: refused. */
static int bar_vma_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static void bar_vma_close(struct vm_area_struct *vma)
{
	struct vdk_vfio_pci *vdev = vma->vm_private_data;
	struct vdk_vfio_pci_vma *pv;

	mutex_lock(&vdev->vma_lock);
	list_for_each_entry(pv, &vdev->vma_list, next) {
		if (pv->vma == vma) {
			list_del(&pv->next);
			kfree(pv);
			break;
		}
	}
	mutex_unlock(&vdev->vma_lock);
}

/*
 * The whole mapping at once, only while the device decodes memory.
 *
 * Page by page with vmf_insert_pfn(), not io_remap_pfn_range(): the
 * latter marks a mapping that covers the whole vma VM_PAT, and zapping a
 * VM_PAT vma whose first page is gone (a zap after a split, or a second
 * zap) makes untrack_pfn() WARN; the fuzzer found that. Mainline
 * vfio-pci moved to vmf_insert_pfn() for the same reason.
 */
static vm_fault_t bar_vma_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vdk_vfio_pci *vdev = vma->vm_private_data;
	struct vdk_vfio_pci_vma *pv;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	unsigned long addr;

	mutex_lock(&vdev->vma_lock);
	down_read(&vdev->memory_lock);
	if (!vdk_vfio_pci_memory_enabled(vdev)) {
		ret = VM_FAULT_SIGBUS;
		goto unlock;
	}
	/* a concurrent fault populated it already */
	list_for_each_entry(pv, &vdev->vma_list, next)
		if (pv->vma == vma)
			goto unlock;
	pv = kmalloc(sizeof(*pv), GFP_KERNEL);
	if (!pv) {
		ret = VM_FAULT_OOM;
		goto unlock;
	}
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		ret = vmf_insert_pfn(vma, addr, vma->vm_pgoff +
				     ((addr - vma->vm_start) >> PAGE_SHIFT));
		if (ret != VM_FAULT_NOPAGE) {
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
			kfree(pv);
			goto unlock;
		}
	}
	pv->vma = vma;
	list_add(&pv->next, &vdev->vma_list);
unlock:
	up_read(&vdev->memory_lock);
	mutex_unlock(&vdev->vma_lock);
	return ret;
}

static const struct vm_operations_struct bar_vm_ops = {
	.open	= bar_vma_open,
	.close	= bar_vma_close,
	.fault	= bar_vma_fault,
	.mremap	= bar_vma_mremap,
};

int vdk_vfio_pci_mmap(void *device_data, struct vm_area_struct *vma)
{
	struct vdk_vfio_pci *vdev = device_data;
	struct pci_dev *pdev = vdev->pdev;
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned int index = VDK_VFIO_PCI_OFFSET_TO_INDEX(pos);
	u64 off = pos & VDK_VFIO_PCI_OFFSET_MASK;
	u64 req = vma->vm_end - vma->vm_start;
	u64 len, tstart, tend;

	if (index >= PCI_STD_NUM_BARS ||
	    !vdk_vfio_pci_bar_mmappable(vdev, index))
		return -EINVAL;
	/* A private copy of device registers means nothing. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	len = pci_resource_len(pdev, index);
	if (off >= len || req > len - off)
		return -EINVAL;
	/* the MSI-X table's pages: outside every sparse area */
	if (msix_pages(vdev, index, &tstart, &tend) && off < tend &&
	    off + req > tstart)
		return -EINVAL;

	vma->vm_private_data = vdev;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	/* from here on the offset is the frame the fault maps */
	vma->vm_pgoff = (pci_resource_start(pdev, index) + off) >> PAGE_SHIFT;
	/*
	 * fork() copies page tables after the vma's open(), where they would
	 * escape the zap: a child maps the BAR itself.
	 */
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP |
			 VM_DONTCOPY;
	vma->vm_ops = &bar_vm_ops;
	return 0;
}
