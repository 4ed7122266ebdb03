/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * vdk_vfio user API: the ioctls of the vdk_vfio.ko module, which implements
 * the 2011 VFIO driver-core RFC (groups as character devices, group merge,
 * an IOMMU object with MAP_DMA, device objects with regions and eventfd
 * interrupts). Shared by the module and by userspace (lib/eal); every name
 * carries VDK_VFIO_ so this header can be included beside <linux/vfio.h>.
 *
 * Extensibility, as in the RFC: every structure starts with argsz and
 * flags. The caller sets argsz to the size it passes; the module rejects
 * argsz below the size it knows and any flag bit it does not know with
 * -EINVAL, so a field or flag added later is never silently ignored by an
 * older module. Requests are encoded with _IO() so that the structure size
 * is not part of the request number.
 *
 * The full reference, with every errno, is doc/vdk_vfio.md.
 */
#ifndef VDK_VFIO_H
#define VDK_VFIO_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VDK_VFIO_TYPE	';'
/*
 * The RFC numbered its requests from 100. Mainline VFIO, which came later,
 * uses ';' 100-122 and iommufd ';' 0x80-0x8f; starting at 200 means a
 * mainline fd handed to a vdk call (or the reverse) fails with -ENOTTY
 * instead of running a different request.
 */
#define VDK_VFIO_BASE	200

/* Character devices: /dev/vdk-vfio/<IOMMU group number>. */
#define VDK_VFIO_DEV_DIR	"/dev/vdk-vfio"

/* --------------- group file descriptors --------------- */

/**
 * VDK_VFIO_GROUP_GET_INFO - struct vdk_vfio_group_info, in/out
 *
 * VIABLE: every device of the group is bound to vdk-vfio-pci, has no
 * driver, or is a bridge bound to a driver that does no DMA of its own.
 * MM_LOCKED: the group (or a group merged with it) has an open IOMMU or
 * device fd, and so belongs to one process's mm until they are closed.
 * flags is output only and must be 0 on input.
 */
struct vdk_vfio_group_info {
	__u32	argsz;
	__u32	flags;
#define VDK_VFIO_GROUP_FLAGS_VIABLE	(1 << 0)
#define VDK_VFIO_GROUP_FLAGS_MM_LOCKED	(1 << 1)
};

#define VDK_VFIO_GROUP_GET_INFO		_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 0)

/**
 * VDK_VFIO_GROUP_MERGE - pointer to an __s32 holding a group fd
 *
 * Merge the group of that fd into this group's set: one IOMMU domain, one
 * IOMMU object and one mm for all of them. This group's set may be in use;
 * the other group must be in no set and not in use.
 */
#define VDK_VFIO_GROUP_MERGE		_IOW(VDK_VFIO_TYPE, VDK_VFIO_BASE + 1, __s32)

/**
 * VDK_VFIO_GROUP_UNMERGE - no argument
 *
 * Take this group out of its merged set. None of its devices may be open.
 */
#define VDK_VFIO_GROUP_UNMERGE		_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 2)

/**
 * VDK_VFIO_GROUP_GET_IOMMU_FD - no argument; returns a new fd
 *
 * The IOMMU object shared by the group's merged set. The first IOMMU or
 * device fd of a set takes the groups' DMA ownership, attaches them to a
 * new IOMMU domain and locks the set to the caller's mm.
 */
#define VDK_VFIO_GROUP_GET_IOMMU_FD	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 3)

/* Bytes a device name may take, its terminating NUL included. */
#define VDK_VFIO_DEVICE_NAME_MAX	256

/**
 * VDK_VFIO_GROUP_GET_DEVICE_FD - pointer to a NUL-terminated device name
 * (for PCI "0000:00:03.0"); returns a new fd
 *
 * The name, NUL included, must fit in VDK_VFIO_DEVICE_NAME_MAX bytes.
 */
#define VDK_VFIO_GROUP_GET_DEVICE_FD	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 4)

/* --------------- IOMMU file descriptors --------------- */

/**
 * VDK_VFIO_IOMMU_GET_INFO - struct vdk_vfio_iommu_info, in/out
 *
 * The IOVA window of the set's domain and the alignment every MAP_DMA
 * address and size must have. Windows the IOMMU reserves inside it (the
 * interrupt window on x86) are listed in
 * /sys/kernel/iommu_groups/<group>/reserved_regions and refused by MAP_DMA.
 */
struct vdk_vfio_iommu_info {
	__u32	argsz;
	__u32	flags;
	__u64	iova_max;	/* last mappable IOVA */
	__u64	iova_min;	/* first mappable IOVA */
	__u64	alignment;	/* of vaddr, iova and size */
};

#define VDK_VFIO_IOMMU_GET_INFO		_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 5)

/**
 * VDK_VFIO_IOMMU_MAP_DMA - struct vdk_vfio_dma_map, in
 *
 * With FLAG_MAP: pin [vaddr, vaddr + size) of the caller's memory and map
 * it at [iova, iova + size), readable and/or writable by the devices.
 * Without: unmap every mapping inside [iova, iova + size) and unpin it.
 */
struct vdk_vfio_dma_map {
	__u32	argsz;
	__u32	flags;
#define VDK_VFIO_DMA_MAP_FLAG_MAP	(1 << 0)	/* map (1) or unmap (0) */
#define VDK_VFIO_DMA_MAP_FLAG_READ	(1 << 1)	/* device may read */
#define VDK_VFIO_DMA_MAP_FLAG_WRITE	(1 << 2)	/* device may write */
	__u64	vaddr;
	__u64	iova;
	__u64	size;
};

#define VDK_VFIO_IOMMU_MAP_DMA		_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 6)

/* --------------- device file descriptors --------------- */

/**
 * VDK_VFIO_DEVICE_GET_INFO - struct vdk_vfio_device_info, in/out
 */
struct vdk_vfio_device_info {
	__u32	argsz;
	__u32	flags;
#define VDK_VFIO_DEVICE_FLAGS_RESET	(1 << 0)	/* RESET works */
#define VDK_VFIO_DEVICE_FLAGS_PCI	(1 << 1)	/* PCI indexes below */
	__u32	num_regions;	/* highest region index + 1 */
	__u32	num_irqs;	/* highest IRQ index + 1 */
};

#define VDK_VFIO_DEVICE_GET_INFO	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 7)

/**
 * VDK_VFIO_DEVICE_GET_REGION_INFO - struct vdk_vfio_region_info, in/out
 *
 * The caller sets index; the module fills the rest. offset is where the
 * region starts in the device fd for pread(2), pwrite(2) and mmap(2).
 *
 * FLAG_CAPS: capabilities follow the structure, each starting with a
 * struct vdk_vfio_info_cap_header; cap_offset is where the first one
 * starts, counted from the start of the structure. If argsz was too small
 * for them, the module sets argsz to the size needed and cap_offset to 0:
 * call again with that much room. cap_offset must be 0 on input.
 */
struct vdk_vfio_region_info {
	__u32	argsz;
	__u32	flags;
#define VDK_VFIO_REGION_INFO_FLAG_MMAP	(1 << 0)	/* mmap works */
#define VDK_VFIO_REGION_INFO_FLAG_RO	(1 << 1)	/* read only */
#define VDK_VFIO_REGION_INFO_FLAG_CAPS	(1 << 2)	/* cap_offset is set */
	__u32	index;
	__u32	cap_offset;	/* 0 in; out: see FLAG_CAPS */
	__u64	size;		/* bytes; 0 if the region does not exist */
	__u64	offset;
};

/* The start of every capability; next is 0 on the last one. */
struct vdk_vfio_info_cap_header {
	__u16	id;
	__u16	version;
	__u32	next;		/* from the start of the info structure */
};

/*
 * Only these parts of an MMAP region may be mapped (offsets from the
 * region's start, page aligned): a PCI BAR that holds the MSI-X table
 * leaves out the pages of the table, which is never readable, writable
 * or mappable. The layout of mainline's VFIO_REGION_INFO_CAP_SPARSE_MMAP.
 */
#define VDK_VFIO_REGION_INFO_CAP_SPARSE_MMAP	1

struct vdk_vfio_region_sparse_mmap_area {
	__u64	offset;
	__u64	size;
};

struct vdk_vfio_region_info_cap_sparse_mmap {
	struct vdk_vfio_info_cap_header header;	/* version 1 */
	__u32	nr_areas;
	__u32	reserved;
	struct vdk_vfio_region_sparse_mmap_area areas[];
};

#define VDK_VFIO_DEVICE_GET_REGION_INFO	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 8)

/* Region indexes of a PCI device (DEVICE_FLAGS_PCI). */
enum {
	VDK_VFIO_PCI_BAR0_REGION_INDEX,
	VDK_VFIO_PCI_BAR1_REGION_INDEX,
	VDK_VFIO_PCI_BAR2_REGION_INDEX,
	VDK_VFIO_PCI_BAR3_REGION_INDEX,
	VDK_VFIO_PCI_BAR4_REGION_INDEX,
	VDK_VFIO_PCI_BAR5_REGION_INDEX,
	VDK_VFIO_PCI_ROM_REGION_INDEX,
	VDK_VFIO_PCI_CONFIG_REGION_INDEX,
	VDK_VFIO_PCI_NUM_REGIONS
};

/**
 * VDK_VFIO_DEVICE_GET_IRQ_INFO - struct vdk_vfio_irq_info, in/out
 *
 * The caller sets index; count is how many eventfds SET_IRQ_EVENTFDS takes
 * at most for it (0: the device has no such interrupt).
 */
struct vdk_vfio_irq_info {
	__u32	argsz;
	__u32	flags;
#define VDK_VFIO_IRQ_INFO_FLAG_LEVEL	(1 << 0)	/* level (needs unmask) */
	__u32	index;
	__u32	count;
};

#define VDK_VFIO_DEVICE_GET_IRQ_INFO	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 9)

/*
 * IRQ indexes of a PCI device, numbered as mainline's VFIO_PCI_*_IRQ_INDEX.
 *
 * ERR is reserved (count 0: AER is not forwarded).
 *
 * REQ is no interrupt of the device: its one eventfd (SET_IRQ_EVENTFDS,
 * count 1; -1 or count 0 removes it) is signalled when the device is to be
 * unbound or removed while userspace holds its fd, at once and again every
 * 10 s. Userspace should then stop using the device and close the device
 * fd and its BAR mappings: the unbind waits for that (or for the process
 * to die). Closing the device fd removes the eventfd.
 */
enum {
	VDK_VFIO_PCI_INTX_IRQ_INDEX,
	VDK_VFIO_PCI_MSI_IRQ_INDEX,
	VDK_VFIO_PCI_MSIX_IRQ_INDEX,
	VDK_VFIO_PCI_ERR_IRQ_INDEX,
	VDK_VFIO_PCI_REQ_IRQ_INDEX,
	VDK_VFIO_PCI_NUM_IRQS
};

/**
 * VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS - struct vdk_vfio_irq_eventfds, in
 *
 * Enable count vectors of interrupt index, vector i signalling eventfds[i]
 * (-1: the vector is enabled but signals nothing). count 0 disables the
 * index. argsz must cover the count eventfds that follow the structure.
 */
struct vdk_vfio_irq_eventfds {
	__u32	argsz;
	__u32	flags;
	__u32	index;
	__u32	count;
	__s32	eventfds[];
};

#define VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 10)

/**
 * VDK_VFIO_DEVICE_UNMASK_IRQ - struct vdk_vfio_unmask_irq, in
 *
 * A level interrupt (INTx) is masked when it is signalled; unmask it once
 * the device's cause is handled.
 */
struct vdk_vfio_unmask_irq {
	__u32	argsz;
	__u32	flags;
	__u32	index;
	__u32	subindex;
};

#define VDK_VFIO_DEVICE_UNMASK_IRQ	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 11)

/**
 * VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD - struct vdk_vfio_irq_eventfds, in
 *
 * An eventfd that unmasks INTx when signalled (count 1), or none (count 0,
 * or eventfds[0] = -1).
 */
#define VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD \
	_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 12)

/**
 * VDK_VFIO_DEVICE_RESET - no argument
 */
#define VDK_VFIO_DEVICE_RESET		_IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 13)

#endif /* VDK_VFIO_H */
