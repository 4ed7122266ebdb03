// SPDX-License-Identifier: GPL-2.0
/*
 * The device fd: the core opens it for GROUP_GET_DEVICE_FD and passes
 * every operation on it to the bus driver's vdk_vfio_device_ops.
 *
 * An open device holds its set in use, so the device never runs outside
 * the set's IOMMU domain. A mapping of a region holds the file, so the bus
 * driver's release (which quiesces and resets the device) runs only once
 * userspace can no longer reach the device at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>

#include "vdk_vfio_private.h"

static ssize_t device_fd_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct vdk_vfio_device *device = file->private_data;

	if (!device->ops->read)
		return -EINVAL;
	return device->ops->read(device->device_data, buf, count, ppos);
}

static ssize_t device_fd_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct vdk_vfio_device *device = file->private_data;

	if (!device->ops->write)
		return -EINVAL;
	return device->ops->write(device->device_data, buf, count, ppos);
}

static long device_fd_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct vdk_vfio_device *device = file->private_data;

	if (!device->ops->ioctl)
		return -ENOTTY;
	return device->ops->ioctl(device->device_data, cmd, arg);
}

static int device_fd_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vdk_vfio_device *device = file->private_data;

	if (!device->ops->mmap)
		return -EINVAL;
	return device->ops->mmap(device->device_data, vma);
}

/* Undo vdk_vfio_device_reserve(); called without any lock. */
static void device_unreserve(struct vdk_vfio_device *device)
{
	struct vdk_vfio_iommu *iommu = device->iommu;
	struct vdk_vfio_group *group = device->group;
	struct vdk_vfio_leftover left;

	/* An open device keeps its group in this set (no merge moves it). */
	mutex_lock(&iommu->lock);
	vdk_vfio_iommu_unuse(iommu, &left);
	device->iommu = NULL;
	mutex_lock(&group->lock);
	WRITE_ONCE(device->opened, false);
	mutex_unlock(&group->lock);
	vdk_vfio_group_try_unmerge(group, iommu, false);
	vdk_vfio_iommu_unlock(iommu);
	vdk_vfio_device_put(device);
	vdk_vfio_leftover_free(&left);
	wake_up_all(&vdk_vfio_release_wq);
}

static int device_fd_release(struct inode *inode, struct file *file)
{
	struct vdk_vfio_device *device = file->private_data;

	/*
	 * Under no lock of the core: a reset can take a while.
	 * device->opened still keeps everyone else out.
	 */
	device->ops->release(device->device_data);
	device_unreserve(device);
	return 0;
}

static const struct file_operations device_fops = {
	.owner		= THIS_MODULE,
	.release	= device_fd_release,
	.read		= device_fd_read,
	.write		= device_fd_write,
	.unlocked_ioctl	= device_fd_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= device_fd_mmap,
	.llseek		= noop_llseek,
};

/*
 * Called with @iommu, the set of the device's group, locked, for a device
 * that group.c marked opened: put the set in use for it, before
 * vdk_vfio_device_get_fd() opens it without the lock. On error the mark
 * is undone.
 */
int vdk_vfio_device_reserve(struct vdk_vfio_device *device,
			    struct vdk_vfio_iommu *iommu)
{
	int ret;

	ret = vdk_vfio_iommu_use(iommu);
	if (ret) {
		mutex_lock(&device->group->lock);
		WRITE_ONCE(device->opened, false);
		mutex_unlock(&device->group->lock);
		wake_up_all(&vdk_vfio_release_wq);
		return ret;
	}
	kref_get(&iommu->kref);
	device->iommu = iommu;
	kref_get(&device->kref);
	return 0;
}

/*
 * Called without any lock, for a reserved device: the bus driver's
 * open resets the device, which takes a while. Unreserves it on error.
 */
int vdk_vfio_device_get_fd(struct vdk_vfio_device *device)
{
	struct file *file;
	int fd, ret;

	ret = device->ops->open(device->device_data);
	if (ret)
		goto unreserve;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto release;
	}
	file = anon_inode_getfile("[vdk-vfio-device]", &device_fops, device,
				  O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto put_fd;
	}
	/* pread/pwrite at region offsets, no seeking */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	fd_install(fd, file);
	return fd;

put_fd:
	put_unused_fd(fd);
release:
	device->ops->release(device->device_data);
unreserve:
	device_unreserve(device);
	return ret;
}
