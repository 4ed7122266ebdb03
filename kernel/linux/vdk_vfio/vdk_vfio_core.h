/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between the vdk_vfio core and its bus drivers: the RFC's
 * vfio_device_ops and registration calls, with a vdk_vfio_ prefix so the
 * module can be loaded beside the kernel's own vfio.
 */
#ifndef VDK_VFIO_CORE_H
#define VDK_VFIO_CORE_H

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/types.h>

/**
 * struct vdk_vfio_device_ops - bus driver callbacks for one device
 *
 * @match: true if @buf (a NUL-terminated name from userspace) names @dev
 * @open: userspace got a device fd; 0 or a negative errno
 * @release: the device fd is gone; quiesce the device
 * @read: pread(2) on the device fd
 * @write: pwrite(2) on the device fd
 * @ioctl: VDK_VFIO_DEVICE_* requests on the device fd
 * @mmap: mmap(2) of a region of the device fd
 * @request: an unbind waits for the device fd to close: ask userspace to
 *	close it; @count is how many times it was asked before (optional)
 */
struct vdk_vfio_device_ops {
	bool	(*match)(struct device *dev, const char *buf);
	int	(*open)(void *device_data);
	void	(*release)(void *device_data);
	ssize_t	(*read)(void *device_data, char __user *buf,
			size_t count, loff_t *ppos);
	ssize_t	(*write)(void *device_data, const char __user *buf,
			 size_t count, loff_t *ppos);
	long	(*ioctl)(void *device_data, unsigned int cmd,
			 unsigned long arg);
	int	(*mmap)(void *device_data, struct vm_area_struct *vma);
	void	(*request)(void *device_data, unsigned int count);
};

/**
 * vdk_vfio_group_add_dev() - make the core aware of a device
 * @dev: a device with an IOMMU group
 * @ops: its bus driver's callbacks
 *
 * Creates the group object and /dev/vdk-vfio/<group> on the group's first
 * device. Adding a device twice is harmless.
 *
 * Return: 0, -ENODEV if @dev has no IOMMU group, -ENOMEM or an error from
 * creating the character device.
 */
int vdk_vfio_group_add_dev(struct device *dev,
			   const struct vdk_vfio_device_ops *ops);

/**
 * vdk_vfio_group_del_dev() - forget a device
 * @dev: a device added by vdk_vfio_group_add_dev(), or any other (ignored)
 *
 * Removes the group and its character device with its last device. Open
 * group fds keep the group object until they are closed.
 */
void vdk_vfio_group_del_dev(struct device *dev);

/**
 * vdk_vfio_bind_dev() - a device is bound to the bus driver
 * @dev: a device added by vdk_vfio_group_add_dev()
 * @device_data: what the ops callbacks receive
 *
 * The device becomes available: it counts towards its group's viability
 * and can be opened with GROUP_GET_DEVICE_FD.
 *
 * Return: 0, -ENODEV if the core does not know @dev, -EBUSY if it is
 * already bound.
 */
int vdk_vfio_bind_dev(struct device *dev, void *device_data);

/**
 * vdk_vfio_unbind_dev() - a device is leaving the bus driver
 * @dev: a device bound with vdk_vfio_bind_dev()
 *
 * Waits until userspace has closed the device's fd (and unmapped its
 * regions), so the bus driver may free its data on return. The wait asks
 * userspace through @request every 10 s and is interruptible until a
 * signal comes (then it goes on, as the device must not be freed in use).
 *
 * Return: the device_data given to vdk_vfio_bind_dev(), NULL if @dev was
 * not bound.
 */
void *vdk_vfio_unbind_dev(struct device *dev);

/* Module parts, in load order. */
int vdk_vfio_core_init(void);
void vdk_vfio_core_exit(void);
int vdk_vfio_pci_init(void);
void vdk_vfio_pci_exit(void);

#endif /* VDK_VFIO_CORE_H */
