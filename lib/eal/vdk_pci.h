/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The PCI bus: devices found in sysfs, drivers that claim them, and access
 * to a claimed device's config space and BARs through VFIO.
 *
 * vdk_eal_init() (unless --no-pci) scans /sys/bus/pci/devices, then offers
 * each device to the registered drivers. Which devices are offered:
 *
 * - with one or more `-a BDF[,key=value...]`: exactly those. A listed
 *   device that is missing, or bound to a kernel driver other than
 *   vfio-pci, or whose VFIO group cannot be opened, fails vdk_eal_init()
 *   with a message that says what to do (`vdk-setup bind BDF`).
 * - otherwise: every device bound to vfio-pci that is not named by a
 *   `-b BDF`. A failure there is logged and the device skipped. Devices
 *   bound to any other driver are never opened, so running VDK on a
 *   machine does not disturb its own disk or network.
 *
 * A device is opened through VFIO only when a driver's ID table matches
 * it; probe() then runs with config space, BARs, interrupts and DMA ready.
 * Drivers are tried in registration order (libvdk's own before an app's);
 * `-a BDF,driver=NAME` offers the device to the driver called NAME only.
 *
 * @code
 * static const struct vdk_pci_id mydrv_ids[] = {
 *	{ VDK_PCI_DEVICE(0x8086, 0x10d3) },
 *	{ VDK_PCI_DEVICE_CLASS(0x010802) },	// any NVMe controller
 *	{ .vendor_id = 0 },			// end of table
 * };
 * static const struct vdk_pci_driver mydrv = {
 *	.name = "mydrv", .id_table = mydrv_ids,
 *	.probe = mydrv_probe, .remove = mydrv_remove,
 * };
 * VDK_PCI_DRIVER_REGISTER(mydrv);
 * @endcode
 *
 * Thread-safety: the bus functions (register, iterate, lookup, attach,
 * detach) may be called from any control thread. Per-device functions
 * (config space, BARs, reset) belong to the device's driver and must not
 * race with vdk_pci_dev_detach() of that device. None is for the datapath
 * except the vdk_reg_* helpers over a mapped BAR.
 */
#ifndef VDK_PCI_H
#define VDK_PCI_H

#include <stddef.h>
#include <stdint.h>

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Wildcard for a 16-bit ID in a driver's ID table. */
#define VDK_PCI_ANY_ID 0xffff
/** Wildcard for the class code in a driver's ID table. */
#define VDK_PCI_CLASS_ANY 0xffffffffu

/** Number of BARs of a type-0 (endpoint) function. */
#define VDK_PCI_MAX_BARS 6

/** Room for "dddd:bb:dd.f" with a domain of up to 8 hex digits. */
#define VDK_PCI_NAME_LEN 24

/** A PCI function's address: domain:bus:device.function. */
struct vdk_pci_addr {
	uint32_t domain;  /**< PCI segment, up to 8 hex digits (0 on most machines) */
	uint8_t bus;      /**< 0..255 */
	uint8_t devid;    /**< 0..31 */
	uint8_t function; /**< 0..7 */
};

/**
 * One row of a driver's ID table. A field set to VDK_PCI_ANY_ID (or
 * class_id to VDK_PCI_CLASS_ANY) matches anything; class_id otherwise
 * matches the 24-bit class code (base class, subclass, programming
 * interface) exactly. A row with vendor_id 0 ends the table.
 */
struct vdk_pci_id {
	uint32_t class_id;            /**< 24-bit class code, or VDK_PCI_CLASS_ANY */
	uint16_t vendor_id;           /**< or VDK_PCI_ANY_ID; 0 ends the table */
	uint16_t device_id;           /**< or VDK_PCI_ANY_ID */
	uint16_t subsystem_vendor_id; /**< or VDK_PCI_ANY_ID */
	uint16_t subsystem_device_id; /**< or VDK_PCI_ANY_ID */
};

/** Initialisers for a vdk_pci_id: one vendor:device, any subsystem. */
#define VDK_PCI_DEVICE(vend, dev) \
	.class_id = VDK_PCI_CLASS_ANY, .vendor_id = (vend), .device_id = (dev), \
	.subsystem_vendor_id = VDK_PCI_ANY_ID, .subsystem_device_id = VDK_PCI_ANY_ID

/** Initialisers for a vdk_pci_id: every device of one 24-bit class code. */
#define VDK_PCI_DEVICE_CLASS(cls) \
	.class_id = (cls), .vendor_id = VDK_PCI_ANY_ID, .device_id = VDK_PCI_ANY_ID, \
	.subsystem_vendor_id = VDK_PCI_ANY_ID, .subsystem_device_id = VDK_PCI_ANY_ID

/** The kernel driver a device was bound to when the bus was scanned. */
enum vdk_pci_kdrv {
	VDK_PCI_KDRV_NONE = 0, /**< no driver */
	VDK_PCI_KDRV_VFIO,     /**< the kernel's vfio-pci */
	VDK_PCI_KDRV_VDK_VFIO, /**< VDK's own vdk_vfio module */
	VDK_PCI_KDRV_OTHER,    /**< any other: VDK leaves the device alone */
};

/** Flags of a BAR, from sysfs `resource`. */
#define VDK_PCI_BAR_IO       (1u << 0) /**< I/O port space */
#define VDK_PCI_BAR_MEM      (1u << 1) /**< memory space */
#define VDK_PCI_BAR_PREFETCH (1u << 2) /**< prefetchable memory */
#define VDK_PCI_BAR_MEM64    (1u << 3) /**< 64-bit BAR (takes two slots) */

/** A BAR as the host sees it. len 0: the BAR is not implemented. */
struct vdk_pci_bar {
	uint64_t phys_addr; /**< host bus address (0 when not readable) */
	uint64_t len;       /**< bytes */
	uint32_t flags;     /**< VDK_PCI_BAR_* */
};

struct vdk_pci_driver;

/**
 * A PCI function found by the scan. The bus owns it: the fields are
 * read-only for drivers except driver_data, and it stays valid until
 * vdk_eal_cleanup() (a detached device stays on the bus, unclaimed).
 */
struct vdk_pci_device {
	struct vdk_pci_addr addr;     /**< where it is; name spells it */
	char name[VDK_PCI_NAME_LEN];  /**< "0000:00:04.0" */
	struct vdk_pci_id id;         /**< class_id is the 24-bit class code */
	int numa_node;                /**< -1 when the kernel does not say */
	/**
	 * BAR 0..5 as sysfs `resource` lists them at the scan; a 64-bit BAR's
	 * upper slot has len 0.
	 */
	struct vdk_pci_bar bars[VDK_PCI_MAX_BARS];
	int iommu_group;              /**< -1 if the device has none */
	/**
	 * Kernel driver bound at the scan, read again by vdk_pci_dev_attach():
	 * only VFIO and VDK_VFIO devices are opened.
	 */
	enum vdk_pci_kdrv kdrv;
	char kdrv_name[32];           /**< kernel driver's name, "" for none */
	const struct vdk_pci_driver *driver; /**< claimed by, or NULL */
	/** The "key=value,..." that followed the BDF in -a, or "". */
	const char *devargs;
	void *driver_data;            /**< the driver's own */
};

/**
 * A PCI driver. Keep it const: the bus only reads it.
 *
 * probe() runs with the device open through VFIO and the process's DMA
 * memory mapped. It returns 0 when it claimed the device, -ENODEV to
 * decline it (the next matching driver is tried), or another negative
 * errno when it failed; then the device is closed again. Beware of
 * passing on a bus call's -ENODEV (a BAR that is not implemented): that
 * declines the device instead of failing it.
 *
 * remove() runs on detach and at vdk_eal_cleanup(); it must stop the
 * device's DMA and free what probe() allocated. Afterwards the bus
 * disables interrupts, unmaps the BARs and closes the device. Its return
 * value is logged.
 */
struct vdk_pci_driver {
	const char *name;                  /**< unique; what `-a BDF,driver=NAME` names */
	const struct vdk_pci_id *id_table; /**< devices it takes, ended by vendor_id 0 */
	/** Claim @p dev (0), decline it (-ENODEV) or fail (-errno): see above. */
	int (*probe)(struct vdk_pci_device *dev);
	/** Optional: stop @p dev's DMA and free what probe() took: see above. */
	int (*remove)(struct vdk_pci_device *dev);
	/**
	 * Optional: the kernel took the device away (unbind, hot-unplug)
	 * while the driver held it. Runs on the interrupt thread with the
	 * bus locked, after the BARs were replaced by memory that reads all
	 * ones and before the device's fds are closed: mark the device failed
	 * (commands end with an error, bursts move nothing) and return at
	 * once; do not wait for other threads. remove() still runs at detach.
	 */
	void (*removed)(struct vdk_pci_device *dev);
};

/**
 * Add @p drv to the drivers the bus offers devices to. Devices already on
 * the bus are not offered to it until vdk_pci_dev_attach().
 * @return 0; -EINVAL if @p drv, its name, id_table or probe is NULL;
 *   -EEXIST if it or a driver of the same name is registered; -ENOSPC when
 *   the table (64 drivers) is full.
 */
int vdk_pci_driver_register(const struct vdk_pci_driver *drv);

/**
 * Remove @p drv from the bus.
 * @return 0; -ENOENT if it is not registered; -EBUSY while a device is
 *   still claimed by it (detach the device first).
 */
int vdk_pci_driver_unregister(const struct vdk_pci_driver *drv);

/** Register a driver from a constructor, before main() and vdk_eal_init(). */
#define VDK_PCI_DRIVER_REGISTER(drv) \
	VDK_INIT(vdk_pci_driver_init_##drv) { (void)vdk_pci_driver_register(&(drv)); }

/**
 * Parse "dddd:bb:dd.f" or "bb:dd.f" (domain 0), hexadecimal.
 * @return 0, or -EINVAL (the address is left untouched).
 */
int vdk_pci_addr_parse(const char *s, struct vdk_pci_addr *addr);

/**
 * Write "dddd:bb:dd.f" into @p buf.
 * @return 0, or -ENOSPC if @p len is too small (buf then holds "").
 */
int vdk_pci_addr_format(const struct vdk_pci_addr *addr, char *buf, size_t len);

/** <0, 0 or >0 as @p a sorts before, with or after @p b. */
int vdk_pci_addr_cmp(const struct vdk_pci_addr *a, const struct vdk_pci_addr *b);

/** Called for each device; a non-zero return stops the walk. */
typedef int (*vdk_pci_dev_iter_t)(struct vdk_pci_device *dev, void *arg);

/**
 * Call @p fn for every device the scan found (claimed or not, blocked
 * devices excluded), in address order. @p fn may call lookup and the
 * per-device functions but must not attach or detach.
 * @return 0, -EINVAL for a NULL @p fn, or the first non-zero value of @p fn.
 */
int vdk_pci_dev_iterate(vdk_pci_dev_iter_t fn, void *arg);

/**
 * The device at @p bdf ("0000:00:04.0" or "00:04.0").
 * @return it, or NULL with errno EINVAL (bad address) or ENOENT.
 */
struct vdk_pci_device *vdk_pci_dev_lookup(const char *bdf);

/**
 * Scan one device after vdk_eal_init() and offer it to the drivers, as if
 * it had been given with -a. @p devargs is "BDF[,key=value...]".
 * @return 0 when a driver claimed it; -EINVAL for a bad string; -ENODEV if
 *   the device is not present or no driver claimed it; -EEXIST if it is
 *   claimed already; -EPERM if it is blocked by -b; -EACCES if it is not
 *   bound to vfio-pci; errors from VFIO and probe(), each logged.
 */
int vdk_pci_dev_attach(const char *devargs);

/**
 * Release a claimed device: the driver's remove(), then interrupts off,
 * BARs unmapped and the VFIO device closed (its IOMMU group too, when it
 * was the group's last open device). The device stays on the bus and can
 * be attached again.
 * @return 0; -EINVAL for NULL or a device that is not claimed.
 */
int vdk_pci_dev_detach(struct vdk_pci_device *dev);

/**
 * True once the kernel took @p dev away while it was claimed: it was
 * unbound from its VFIO driver, removed through sysfs, or unplugged. The
 * EAL handles the kernel's request on the interrupt thread: it marks the
 * device removed, maps memory that reads all ones over its BARs (so a
 * poll loop in flight reads 0xffffffff instead of taking SIGBUS), calls
 * the driver's removed(), closes the device's VFIO fds so that the
 * kernel's unbind completes, and then runs the event callbacks. Config
 * space, BAR reads and interrupts of a removed device fail with -ENODEV;
 * detach it (closing its port or controller does) to free the rest.
 * @return 1 if removed, 0 if not or for NULL.
 */
int vdk_pci_dev_is_removed(const struct vdk_pci_device *dev);

/** What happened to a device, for vdk_pci_event_callback_register(). */
enum vdk_pci_event {
	/** The kernel took the device away; see vdk_pci_dev_is_removed(). */
	VDK_PCI_EVENT_REMOVED = 0,
};

/**
 * An event callback. It runs on the interrupt thread, after the device's
 * driver was told, without the bus lock: it may detach the device, but a
 * slow callback delays every other interrupt callback.
 */
typedef void (*vdk_pci_event_cb_t)(struct vdk_pci_device *dev, enum vdk_pci_event event,
				   void *arg);

/**
 * Run @p cb for every event of every device from now on, after the
 * callbacks registered before it (libvdk's ethdev registers first and
 * turns a removal into VDK_ETH_EVENT_INTR_RMV on the port).
 * @return 0; -EINVAL for NULL @p cb; -EEXIST if @p cb with @p arg is
 *   registered; -ENOMEM.
 */
int vdk_pci_event_callback_register(vdk_pci_event_cb_t cb, void *arg);

/**
 * Stop running @p cb with @p arg. A call in progress on the interrupt
 * thread is waited for, unless this is called from a callback.
 * @return 0; -EINVAL for NULL; -ENOENT if not registered.
 */
int vdk_pci_event_callback_unregister(vdk_pci_event_cb_t cb, void *arg);

/**
 * Read @p len bytes of config space at @p off.
 * @return 0; -EINVAL if the range is outside config space; -ENODEV if the
 *   device is not open; -EIO (or the errno of pread) if the read failed.
 */
int vdk_pci_cfg_read(struct vdk_pci_device *dev, void *buf, size_t len, uint64_t off);

/** Write config space; return values as vdk_pci_cfg_read(). */
int vdk_pci_cfg_write(struct vdk_pci_device *dev, const void *buf, size_t len, uint64_t off);

/**
 * Offset of the first capability with ID @p cap_id (PCI_CAP_ID_*) in the
 * capability list. @return the offset (>= 0x40), -ENOENT if absent, or an
 * error of vdk_pci_cfg_read().
 */
int vdk_pci_find_capability(struct vdk_pci_device *dev, uint8_t cap_id);

/**
 * Set or clear Bus Master Enable in the command register: a device may
 * only start DMA after this. @return 0 or an error of vdk_pci_cfg_read().
 */
int vdk_pci_set_bus_master(struct vdk_pci_device *dev, int enable);

/**
 * Map BAR @p bar into the process. A second call returns the same
 * mapping. Pages the kernel does not let user space map (the MSI-X table
 * and pending-bit array on older kernels) stay inaccessible inside the
 * mapping; reach the rest of such a BAR through vdk_pci_bar_read/write.
 * @return 0 with *addr and *len set; -EINVAL for a bad BAR number or NULL
 *   argument; -ENODEV if the device is not open or the BAR is not
 *   implemented; -ENOTSUP if the BAR cannot be mapped (an I/O port BAR):
 *   use vdk_pci_bar_read/write; -ENOMEM or another errno of mmap().
 */
int vdk_pci_map_bar(struct vdk_pci_device *dev, unsigned int bar, void **addr, size_t *len);

/**
 * Undo vdk_pci_map_bar(). Detach unmaps every BAR, so this is optional.
 * @return 0; -EINVAL for a bad BAR number; -ENOENT if it is not mapped.
 */
int vdk_pci_unmap_bar(struct vdk_pci_device *dev, unsigned int bar);

/**
 * Read @p len bytes at @p off of BAR @p bar with pread() on the VFIO
 * device: slow, but works for every BAR, mapped or not.
 * @return 0; -EINVAL if the range is outside the BAR; -ENODEV if the
 *   device is not open or the BAR not implemented; -EIO or pread's errno.
 */
int vdk_pci_bar_read(struct vdk_pci_device *dev, unsigned int bar, void *buf,
		     size_t len, uint64_t off);

/** Write through pwrite(); return values as vdk_pci_bar_read(). */
int vdk_pci_bar_write(struct vdk_pci_device *dev, unsigned int bar, const void *buf,
		      size_t len, uint64_t off);

/**
 * Reset the device (function-level or the best method the kernel has).
 * The device's registers return to their reset values; the kernel saves
 * config space before and restores it after, so bus mastering and the
 * BAR mappings stay as they were. Interrupts enabled through vdk_intr
 * stay enabled in VFIO, but the device's own interrupt registers (IVAR,
 * masks) are reset: program them again.
 * @return 0; -ENODEV if the device is not open; -ENOTSUP if the kernel
 *   cannot reset it; another errno of VFIO_DEVICE_RESET.
 */
int vdk_pci_reset(struct vdk_pci_device *dev);

/*
 * Register access over a mapped BAR, for the datapath. Device registers
 * are little-endian; VDK builds for little-endian CPUs only. The volatile
 * access keeps the compiler from merging or dropping MMIO; order against
 * DMA memory with vdk_io_wmb()/vdk_io_rmb().
 */

/** Read the 32-bit register at byte offset @p reg of @p base. */
static inline uint32_t
vdk_reg_read32(const void *base, uint32_t reg)
{
	return *(const volatile uint32_t *)((const char *)base + reg);
}

/** Write the 32-bit register at byte offset @p reg of @p base. */
static inline void
vdk_reg_write32(void *base, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)((char *)base + reg) = val;
}

/** Read a 64-bit register (one access; the device must allow that). */
static inline uint64_t
vdk_reg_read64(const void *base, uint32_t reg)
{
	return *(const volatile uint64_t *)((const char *)base + reg);
}

/** Write a 64-bit register in one access. */
static inline void
vdk_reg_write64(void *base, uint32_t reg, uint64_t val)
{
	*(volatile uint64_t *)((char *)base + reg) = val;
}

/** Read-modify-write: set @p flags in a 32-bit register. */
static inline void
vdk_reg_set_flags32(void *base, uint32_t reg, uint32_t flags)
{
	vdk_reg_write32(base, reg, vdk_reg_read32(base, reg) | flags);
}

/** Read-modify-write: clear @p flags in a 32-bit register. */
static inline void
vdk_reg_clear_flags32(void *base, uint32_t reg, uint32_t flags)
{
	vdk_reg_write32(base, reg, vdk_reg_read32(base, reg) & ~flags);
}

/**
 * Poll the 32-bit register at @p reg until (value & @p mask) == @p want,
 * sleeping briefly between reads: for control paths (a controller ready
 * bit), never the datapath.
 * @return 0, or -ETIMEDOUT after @p timeout_us microseconds (the register
 *   is read once more at the deadline, so a slow thread does not time out
 *   falsely).
 */
int vdk_reg_wait32(const void *base, uint32_t reg, uint32_t mask, uint32_t want,
		   uint64_t timeout_us);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_PCI_H */
