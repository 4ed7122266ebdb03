/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Objects of the vdk_vfio core, shared by its files (core, group, iommu,
 * dma, device). Bus drivers see only vdk_vfio_core.h.
 *
 * Locking. No lock of the module is held across a copy from or to user
 * memory, a page pin, the unpinning at a set's last close, a device reset
 * or a wait for userspace, and none is global but groups_lock, which
 * guards only lists. Outermost first:
 *
 * - groups_lock (group.c): the list of groups, their minors and nodes, and
 *   the list of every device that the bus side looks devices up in. Taken
 *   by the bus side and by open() of a group node with no other lock
 *   held; only a group->lock is taken under it. The PCI bus notifier
 *   takes no lock at all (it queues work).
 * - iommu->lock, one a set: which groups the set holds, its users, mm,
 *   domain and DMA ownership (IOMMU attach and detach run under it). Two
 *   sets are locked together only by a merge, lower address first.
 * - group->lock, one a group: its devices and their state, its open
 *   state, and group->iommu (written with the old and new set's locks
 *   held too, so either lock makes it stable). Held for in-memory work.
 * - iommu->dma_lock: the set's DMA mappings and IOVA window; held across
 *   the IOMMU map and unmap calls of one MAP_DMA request, never while
 *   pages are pinned, and never with group->lock held.
 */
#ifndef VDK_VFIO_PRIVATE_H
#define VDK_VFIO_PRIVATE_H

#include <linux/atomic.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/wait.h>

#include "vdk_vfio_core.h"

#define VDK_VFIO_NAME	"vdk-vfio"

/* A bound on kernel memory a process can tie up in mapping records. */
#define VDK_VFIO_DMA_MAX_MAPPINGS	65535

/* An IOVA window the IOMMU reserves; MAP_DMA refuses to touch it. */
struct vdk_vfio_resv {
	u64 start;
	u64 last;
};

/*
 * The IOMMU object of the RFC: what a set of merged groups shares. A group
 * that was never merged is a set of one. The set is in use while users > 0
 * (open IOMMU and device fds); only then does it own a domain, the groups'
 * DMA ownership and an mm.
 */
struct vdk_vfio_iommu {
	struct kref kref;		/* groups in the set and IOMMU fds */
	struct mutex lock;		/* up to dma_lock */
	struct list_head groups;	/* vdk_vfio_group.set_next */
	unsigned int ngroups;
	unsigned int users;
	struct mm_struct *mm;		/* mmgrab()ed while in use */
	struct iommu_domain *domain;
	int prot_extra;			/* IOMMU_CACHE if coherent */

	struct mutex dma_lock;		/* everything below */
	u64 iova_min;			/* the domain's window, after attach */
	u64 iova_max;
	u64 alignment;
	struct rb_root dma_tree;	/* vdk_vfio_dma by iova */
	unsigned int ndma;
	struct vdk_vfio_resv *resv;
	unsigned int nresv;
};

struct vdk_vfio_group {
	struct kref kref;		/* group list, group fd, devices */
	struct mutex lock;
	struct iommu_group *iommu_group;
	int id;
	int minor;
	struct device *cdev_dev;	/* /dev/vdk-vfio/<id>; NULL once gone */
	struct list_head next;		/* vdk_vfio_groups */
	struct list_head devices;	/* vdk_vfio_device.next */
	struct vdk_vfio_iommu *iommu;	/* the set it is in; NULL once gone */
	struct list_head set_next;
	bool opened;			/* group fd is open */
	bool gone;			/* its last device left the bus */
	bool claimed;			/* DMA owner, attached to iommu->domain */
};

struct vdk_vfio_device {
	struct kref kref;		/* group list, device fd */
	struct device *dev;
	const struct vdk_vfio_device_ops *ops;
	void *device_data;		/* non-NULL while bound */
	struct vdk_vfio_group *group;
	struct list_head next;		/* group->devices; empty once unlisted */
	struct list_head all_next;	/* the bus side's lookup list */
	bool opened;			/* device fd is open */
	bool unbinding;			/* unbind is waiting for the fd */
	bool deleting;			/* removed from the bus while bound */
	struct vdk_vfio_iommu *iommu;	/* the set it uses while open */
};

/* What the last user of a set leaves, freed outside every lock. */
struct vdk_vfio_leftover {
	struct iommu_domain *domain;	/* NULL: nothing */
	struct mm_struct *mm;
	struct rb_root dma_tree;
};

/* test_fault (core.c): faults only a test asks for, doc/vdk_vfio.md */
enum {
	VDK_VFIO_TEST_FAULT_NONE,
	VDK_VFIO_TEST_FAULT_UNMAP,	/* the IOMMU unmaps nothing */
	VDK_VFIO_TEST_FAULT_LEAK_PIN,	/* each unpin leaves a page pinned */
	VDK_VFIO_TEST_FAULT_SLOW_UNMAP,	/* each unmap request's mapping 1 s */
};
extern int vdk_vfio_test_fault;

/* unbind waits here for device fds to close */
extern wait_queue_head_t vdk_vfio_release_wq;
/* Pinned pages of every set, for debugfs and the pin-accounting test. */
extern atomic_long_t vdk_vfio_pinned_pages;
extern atomic_t vdk_vfio_dma_mappings;

/* group.c */
int vdk_vfio_group_chrdev_init(void);
void vdk_vfio_group_chrdev_exit(void);
bool vdk_vfio_group_viable(struct vdk_vfio_group *group);
struct device *vdk_vfio_group_first_dev(struct vdk_vfio_group *group);
void vdk_vfio_group_set_iommu(struct vdk_vfio_group *group,
			      struct vdk_vfio_iommu *iommu);
void vdk_vfio_group_put(struct vdk_vfio_group *group);
void vdk_vfio_device_put(struct vdk_vfio_device *device);
void vdk_vfio_group_try_unmerge(struct vdk_vfio_group *group,
				struct vdk_vfio_iommu *iommu, bool closing);

/* iommu.c: set membership and use, under iommu->lock */
struct vdk_vfio_iommu *vdk_vfio_iommu_alloc(void);
void vdk_vfio_iommu_put(struct vdk_vfio_iommu *iommu);
void vdk_vfio_iommu_unlock(struct vdk_vfio_iommu *iommu);
int vdk_vfio_iommu_use(struct vdk_vfio_iommu *iommu);
void vdk_vfio_iommu_unuse(struct vdk_vfio_iommu *iommu,
			  struct vdk_vfio_leftover *left);
void vdk_vfio_leftover_free(struct vdk_vfio_leftover *left);
int vdk_vfio_iommu_init_alone(struct vdk_vfio_group *group);
void vdk_vfio_iommu_free_alone(struct vdk_vfio_group *group);
int vdk_vfio_iommu_move_group(struct vdk_vfio_group *group,
			      struct vdk_vfio_iommu *from,
			      struct vdk_vfio_iommu *to);
void vdk_vfio_iommu_drop_group(struct vdk_vfio_group *group);
bool vdk_vfio_iommu_compatible(struct vdk_vfio_iommu *set,
			       struct vdk_vfio_group *group);
int vdk_vfio_iommu_get_fd(struct vdk_vfio_iommu *iommu);

/* dma.c, under iommu->dma_lock unless said otherwise */
long vdk_vfio_dma_ioctl_map(struct vdk_vfio_iommu *iommu, void __user *arg);
void vdk_vfio_dma_free_tree(struct iommu_domain *domain, struct mm_struct *mm,
			    struct rb_root *tree);	/* no lock */
int vdk_vfio_dma_read_resv(struct vdk_vfio_iommu *iommu,
			   struct vdk_vfio_group *extra,
			   struct vdk_vfio_resv **resv,
			   unsigned int *nresv);		/* no dma_lock */
void vdk_vfio_dma_set_resv(struct vdk_vfio_iommu *iommu,
			   struct vdk_vfio_resv *resv, unsigned int nresv);
bool vdk_vfio_dma_resv_conflicts(struct vdk_vfio_iommu *iommu,
				 const struct vdk_vfio_resv *resv,
				 unsigned int nresv);

/* device.c */
int vdk_vfio_device_reserve(struct vdk_vfio_device *device,
			    struct vdk_vfio_iommu *iommu);
int vdk_vfio_device_get_fd(struct vdk_vfio_device *device);

#endif /* VDK_VFIO_PRIVATE_H */
