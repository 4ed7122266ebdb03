/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the PCI bus (eal_pci.c), its sysfs scan (eal_pci_scan.c), the
 * per-device VFIO layer (eal_pci_vfio.c) and interrupts (eal_intr.c) share.
 */
#ifndef EAL_PCI_INTERNAL_H
#define EAL_PCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "vdk_pci.h"
#include "eal_vfio_internal.h"
#include "vdk_intr.h"

/* Kernel driver names the bus treats as "ours". */
#define PCI_KDRV_NAME_VFIO "vfio-pci"
#define PCI_KDRV_NAME_VDK_VFIO "vdk-vfio-pci"

struct pci_intr;
struct pci_req;

/* A device open through VFIO. */
struct pci_vfio_dev {
	int fd;
	struct eal_vfio_group *group;
	uint32_t flags;			/* EAL_VFIO_DEV_F_* */
	uint32_t nb_regions;
	uint32_t nb_irqs;
	struct eal_vfio_region regions[EAL_VFIO_REGION_COUNT];
	void *bar_addr[VDK_PCI_MAX_BARS];	/* whole-BAR mapping, or NULL */
	size_t bar_len[VDK_PCI_MAX_BARS];
	struct pci_intr *intr;		/* eal_intr.c's state, or NULL */
	struct pci_req *req;		/* eal_pci_remove.c's, or NULL */
	/*
	 * The device was taken away (eal_pci_remove.c): fd is /dev/null now,
	 * the group is put, the BARs are anonymous memory reading all ones.
	 */
	bool released;
};

struct pci_dev {
	struct vdk_pci_device pub;	/* first: drivers only see this */
	TAILQ_ENTRY(pci_dev) next;
	char *devargs;			/* owned copy behind pub.devargs */
	bool blocked;			/* -b: never offered, not iterated */
	struct pci_vfio_dev *vfio;	/* NULL while closed */
	bool removed;			/* the kernel took it away: atomic access */
};

TAILQ_HEAD(pci_dev_list, pci_dev);

static inline struct pci_dev *
pci_dev_of(struct vdk_pci_device *d)
{
	return vdk_container_of(d, struct pci_dev, pub);
}

/* eal_pci_scan.c: sysfs, below a root that tests replace. */

/* The sysfs root: set by eal_pci_set_sysfs_root(), else $VDK_SYSFS_ROOT, else "/sys". */
const char *eal_sysfs_root(void);
/* Tests point the scan at a fake tree; NULL returns to the default. */
void eal_pci_set_sysfs_root(const char *root);

/*
 * Fill @dev from ROOT/bus/pci/devices/@bdf. Returns 0, -ENOENT if the
 * device is absent, -EINVAL if its vendor/device IDs cannot be read (the
 * message names the file and what it held).
 */
int pci_scan_one(const char *root, const char *bdf, struct pci_dev *dev);

/*
 * Every device under ROOT/bus/pci/devices, sorted by address, appended to
 * @list (malloc'ed; free with pci_dev_free()). Unreadable devices are
 * skipped with a warning. Returns the number added or -errno if the
 * directory cannot be read.
 */
int pci_scan_all(const char *root, struct pci_dev_list *list);

void pci_dev_free(struct pci_dev *dev);

/*
 * The kernel driver of @bdf now (the scan's view may be stale): writes its
 * name, "" for none, into @buf. Returns 0 or -errno.
 */
int pci_sysfs_driver(const char *root, const char *bdf, char *buf, size_t len);

enum vdk_pci_kdrv pci_kdrv_from_name(const char *name);

/* eal_pci.c: the bus. */
int eal_pci_init(void);
void eal_pci_cleanup(void);
/* The registered drivers, in order, up to @max (tests set libvdk's own aside). */
unsigned int eal_pci_driver_list(const struct vdk_pci_driver **out, unsigned int max);

/* eal_pci_vfio.c: a device's VFIO side. */
int pci_vfio_open(struct pci_dev *dev);
void pci_vfio_close(struct pci_dev *dev);

/* eal_intr.c: called by pci_vfio_close() and eal_pci_cleanup(). */
void pci_intr_release(struct pci_dev *dev);
void eal_intr_cleanup(void);
/*
 * Watch @fd on the interrupt thread (started on first use) and run @cb
 * for @d when it is readable (the thread drains it first). Returns the
 * source's slot for eal_intr_source_del(), or -errno.
 */
int eal_intr_source_add(int fd, struct vdk_pci_device *d, unsigned int vector,
			vdk_intr_callback_t cb, void *arg);
/*
 * Stop watching. With @wait, wait for the callback if it runs now on the
 * interrupt thread (unless called from it). Returns true if the callback
 * is still running (always so when called from it).
 */
bool eal_intr_source_del(int slot, bool wait);

/* eal_pci.c: the bus lock, for the removal handler on the interrupt thread. */
void eal_pci_lock(void);
int eal_pci_trylock(void);	/* 0 once taken, else EBUSY */
void eal_pci_unlock(void);

/*
 * eal_pci_remove.c: the kernel's device request (VFIO's REQ interrupt).
 * pci_req_arm() at open (a device or kernel without one is no error);
 * pci_req_disarm() at close.
 */
int pci_req_arm(struct pci_dev *dev);
void pci_req_disarm(struct pci_dev *dev);
bool pci_dev_is_removed(const struct pci_dev *dev);
/*
 * Wait until no removal is still logging or running callbacks with its
 * device, before a device struct is freed (call without the bus lock held
 * more than once). From inside a removal callback it cannot wait: -EBUSY
 * if one is in flight, else 0.
 */
int pci_removals_wait(void);
bool pci_removals_busy(void);

#endif /* EAL_PCI_INTERNAL_H */
