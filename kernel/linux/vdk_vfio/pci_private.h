/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PCI bus driver of vdk_vfio, shared by its files: pci (driver,
 * device ops, info requests), pci_rdwr (regions), pci_config (the
 * config-space write filter), pci_intr (interrupts to eventfds).
 */
#ifndef VDK_VFIO_PCI_PRIVATE_H
#define VDK_VFIO_PCI_PRIVATE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>

#define VDK_VFIO_PCI_DRIVER	"vdk-vfio-pci"

/* Where region i starts in the device fd. */
#define VDK_VFIO_PCI_OFFSET_SHIFT	40
#define VDK_VFIO_PCI_INDEX_TO_OFFSET(i)	((u64)(i) << VDK_VFIO_PCI_OFFSET_SHIFT)
#define VDK_VFIO_PCI_OFFSET_TO_INDEX(o)	((o) >> VDK_VFIO_PCI_OFFSET_SHIFT)
#define VDK_VFIO_PCI_OFFSET_MASK \
	((1ULL << VDK_VFIO_PCI_OFFSET_SHIFT) - 1)

struct eventfd_ctx;
struct vdk_vfio_pci_unmask;

struct vdk_vfio_pci_irq {
	struct eventfd_ctx *trigger;	/* NULL: vector enabled, unsignalled */
	char *name;
};

struct vdk_vfio_pci {
	struct pci_dev *pdev;
	/*
	 * Open state, BAR maps, interrupt set-up, config writes and reset:
	 * all rare, all serialised.
	 */
	struct mutex lock;
	/*
	 * Whether the BARs may be touched: held for reading around each BAR
	 * access and while a fault maps a BAR, for writing while a reset
	 * runs or COMMAND changes. Taken after vma_lock.
	 */
	struct rw_semaphore memory_lock;
	/* vma_list: the mappings of BARs that are populated; after mmap_lock */
	struct mutex vma_lock;
	struct list_head vma_list;	/* vdk_vfio_pci_vma.next */
	struct pci_saved_state *saved;	/* config space when bound */
	void __iomem *bar_map[PCI_STD_NUM_BARS];
	u8 *cfg_wmask;			/* writable bits, byte by byte */
	bool reset_works;
	bool needs_reset;		/* the last user's state is not cleared */
	bool intx_ok;			/* pin wired and INTx masking works */
	int msix_bar;			/* -1: no MSI-X */
	u64 msix_start;			/* the table only (not the PBA), */
	u64 msix_end;			/* within msix_bar */
	struct eventfd_ctx *req_trigger;	/* REQ index; under lock */

	int irq_index;			/* enabled index, -1: none */
	unsigned int nirqs;
	struct vdk_vfio_pci_irq *irqs;
	spinlock_t intx_lock;		/* intx_masked and the mask bit */
	bool intx_masked;
	struct vdk_vfio_pci_unmask *unmask;
};

/* pci_rdwr.c */
ssize_t vdk_vfio_pci_read(void *device_data, char __user *buf,
			  size_t count, loff_t *ppos);
ssize_t vdk_vfio_pci_write(void *device_data, const char __user *buf,
			   size_t count, loff_t *ppos);
int vdk_vfio_pci_mmap(void *device_data, struct vm_area_struct *vma);
bool vdk_vfio_pci_bar_mmappable(struct vdk_vfio_pci *vdev, int bar);
struct vdk_vfio_region_sparse_mmap_area;
int vdk_vfio_pci_msix_sparse(struct vdk_vfio_pci *vdev, int bar,
			     struct vdk_vfio_region_sparse_mmap_area *areas);
void vdk_vfio_pci_unmap_bars(struct vdk_vfio_pci *vdev);
void vdk_vfio_pci_zap_and_lock_memory(struct vdk_vfio_pci *vdev);
bool vdk_vfio_pci_memory_enabled(struct vdk_vfio_pci *vdev);

/* pci_config.c */
int vdk_vfio_pci_config_init(struct vdk_vfio_pci *vdev);
ssize_t vdk_vfio_pci_config_rw(struct vdk_vfio_pci *vdev, char __user *buf,
			       size_t count, loff_t pos, bool write);

/* pci_intr.c */
int vdk_vfio_pci_irq_count(struct vdk_vfio_pci *vdev, unsigned int index);
long vdk_vfio_pci_ioctl_set_irqs(struct vdk_vfio_pci *vdev, void __user *arg);
long vdk_vfio_pci_ioctl_unmask(struct vdk_vfio_pci *vdev, void __user *arg);
long vdk_vfio_pci_ioctl_set_unmask_fd(struct vdk_vfio_pci *vdev,
				      void __user *arg);
void vdk_vfio_pci_irqs_disable(struct vdk_vfio_pci *vdev);
void vdk_vfio_pci_req_disable(struct vdk_vfio_pci *vdev);
void vdk_vfio_pci_request(void *device_data, unsigned int count);

#endif /* VDK_VFIO_PCI_PRIVATE_H */
