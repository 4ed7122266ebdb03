// SPDX-License-Identifier: GPL-2.0
/*
 * Groups: one object and one character device, /dev/vdk-vfio/<id>, per
 * IOMMU group that holds a device of a vdk_vfio bus driver; the bus
 * driver's registration calls; the requests on a group fd.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <vdk_vfio.h>

#include "vdk_vfio_private.h"

#define VDK_VFIO_MINORS	(MINORMASK + 1)

static LIST_HEAD(vdk_vfio_groups);
static DEFINE_IDR(vdk_vfio_minors);
static dev_t vdk_vfio_devt;
static struct cdev vdk_vfio_cdev;
static struct class *vdk_vfio_class;

static void group_release(struct kref *kref)
{
	struct vdk_vfio_group *group =
		container_of(kref, struct vdk_vfio_group, kref);

	iommu_group_put(group->iommu_group);
	kfree(group);
}

void vdk_vfio_group_put(struct vdk_vfio_group *group)
{
	kref_put(&group->kref, group_release);
}

static void device_release(struct kref *kref)
{
	struct vdk_vfio_device *device =
		container_of(kref, struct vdk_vfio_device, kref);

	vdk_vfio_group_put(device->group);
	put_device(device->dev);
	kfree(device);
}

void vdk_vfio_device_put(struct vdk_vfio_device *device)
{
	kref_put(&device->kref, device_release);
}

static struct vdk_vfio_device *device_find(struct device *dev)
{
	struct vdk_vfio_group *group;
	struct vdk_vfio_device *device;

	list_for_each_entry(group, &vdk_vfio_groups, next)
		list_for_each_entry(device, &group->devices, next)
			if (device->dev == dev)
				return device;
	return NULL;
}

static struct vdk_vfio_group *group_find(struct iommu_group *iommu_group)
{
	struct vdk_vfio_group *group;

	list_for_each_entry(group, &vdk_vfio_groups, next)
		if (group->iommu_group == iommu_group)
			return group;
	return NULL;
}

/* Takes over the caller's reference on @iommu_group on success. */
static struct vdk_vfio_group *group_create(struct iommu_group *iommu_group)
{
	struct vdk_vfio_iommu *alone;
	struct vdk_vfio_group *group;
	struct device *cdev_dev;
	int ret;

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);
	kref_init(&group->kref);
	INIT_LIST_HEAD(&group->devices);
	group->iommu_group = iommu_group;
	group->id = iommu_group_id(iommu_group);

	alone = vdk_vfio_iommu_alloc();
	if (!alone) {
		ret = -ENOMEM;
		goto free_group;
	}
	/* An unused set takes any group: this cannot fail. */
	vdk_vfio_iommu_add_group(alone, group);
	vdk_vfio_iommu_put(alone);

	ret = idr_alloc(&vdk_vfio_minors, group, 0, VDK_VFIO_MINORS,
			GFP_KERNEL);
	if (ret < 0)
		goto leave_set;
	group->minor = ret;

	cdev_dev = device_create(vdk_vfio_class, NULL,
				 MKDEV(MAJOR(vdk_vfio_devt), group->minor),
				 group, "%d", group->id);
	if (IS_ERR(cdev_dev)) {
		ret = PTR_ERR(cdev_dev);
		goto remove_minor;
	}
	group->cdev_dev = cdev_dev;
	list_add_tail(&group->next, &vdk_vfio_groups);
	return group;

remove_minor:
	idr_remove(&vdk_vfio_minors, group->minor);
leave_set:
	vdk_vfio_iommu_del_group(group);
free_group:
	kfree(group);
	return ERR_PTR(ret);
}

/* The group lost its last device: no new opens; open fds see -ENODEV. */
static void group_remove(struct vdk_vfio_group *group)
{
	list_del(&group->next);
	idr_remove(&vdk_vfio_minors, group->minor);
	device_destroy(vdk_vfio_class,
		       MKDEV(MAJOR(vdk_vfio_devt), group->minor));
	group->cdev_dev = NULL;
	vdk_vfio_iommu_del_group(group);
	vdk_vfio_group_put(group);
}

static void device_unlist(struct vdk_vfio_device *device)
{
	struct vdk_vfio_group *group = device->group;

	list_del(&device->next);
	if (list_empty(&group->devices))
		group_remove(group);
	vdk_vfio_device_put(device);
}

int vdk_vfio_group_add_dev(struct device *dev,
			   const struct vdk_vfio_device_ops *ops)
{
	struct iommu_group *iommu_group;
	struct vdk_vfio_group *group;
	struct vdk_vfio_device *device;
	int ret = 0;

	iommu_group = iommu_group_get(dev);
	if (!iommu_group)
		return -ENODEV;

	mutex_lock(&vdk_vfio_lock);
	if (device_find(dev))
		goto unlock;

	device = kzalloc(sizeof(*device), GFP_KERNEL);
	if (!device) {
		ret = -ENOMEM;
		goto unlock;
	}
	group = group_find(iommu_group);
	if (!group) {
		group = group_create(iommu_group);
		if (IS_ERR(group)) {
			ret = PTR_ERR(group);
			goto free_device;
		}
		iommu_group = NULL;	/* the group holds it now */
	}
	kref_init(&device->kref);
	/* held until forgotten: the bus notifier's removal comes later */
	device->dev = get_device(dev);
	device->ops = ops;
	device->group = group;
	kref_get(&group->kref);
	list_add_tail(&device->next, &group->devices);
	goto unlock;

free_device:
	kfree(device);
unlock:
	mutex_unlock(&vdk_vfio_lock);
	iommu_group_put(iommu_group);
	return ret;
}

void vdk_vfio_group_del_dev(struct device *dev)
{
	struct vdk_vfio_device *device;

	mutex_lock(&vdk_vfio_lock);
	device = device_find(dev);
	/*
	 * The driver core announces a removal before it unbinds the driver:
	 * a bound device stays until vdk_vfio_unbind_dev() so it can still
	 * be found there.
	 */
	if (device) {
		if (device->device_data)
			device->deleting = true;
		else
			device_unlist(device);
	}
	mutex_unlock(&vdk_vfio_lock);
}

int vdk_vfio_bind_dev(struct device *dev, void *device_data)
{
	struct vdk_vfio_device *device;
	int ret = 0;

	if (!device_data)
		return -EINVAL;
	mutex_lock(&vdk_vfio_lock);
	device = device_find(dev);
	if (!device)
		ret = -ENODEV;
	else if (device->device_data)
		ret = -EBUSY;
	else
		device->device_data = device_data;
	mutex_unlock(&vdk_vfio_lock);
	return ret;
}

/*
 * Ask userspace to close the device, then wait 10 s for it. The caller
 * (remove(), under the device lock) cannot give up, but a signal should
 * not be lost on a task that looks stuck: the wait is interruptible until
 * one comes, and says who waits once it has.
 */
static void unbind_wait(struct vdk_vfio_device *device, unsigned int *asked,
			bool *interrupted)
{
	long left;

	if (device->ops->request)
		device->ops->request(device->device_data, (*asked)++);
	if (*interrupted) {
		left = wait_event_timeout(vdk_vfio_release_wq,
					  !READ_ONCE(device->opened), 10 * HZ);
	} else {
		left = wait_event_interruptible_timeout(vdk_vfio_release_wq,
					!READ_ONCE(device->opened), 10 * HZ);
		if (left < 0) {
			*interrupted = true;
			dev_warn(device->dev, "unbind interrupted, but the device is in use: task %s (%d) waits until userspace closes the device fd\n",
				 current->comm, task_pid_nr(current));
		}
	}
	if (!left)
		dev_info(device->dev, "unbind waits for userspace to close the device fd and unmap its regions\n");
}

void *vdk_vfio_unbind_dev(struct device *dev)
{
	struct vdk_vfio_device *device;
	bool interrupted = false;
	unsigned int asked = 0;
	void *device_data;

	mutex_lock(&vdk_vfio_lock);
	device = device_find(dev);
	if (!device || !device->device_data) {
		mutex_unlock(&vdk_vfio_lock);
		return NULL;
	}
	/* No new opens from here; a bound device is never unlisted. */
	device->unbinding = true;
	while (device->opened) {
		mutex_unlock(&vdk_vfio_lock);
		unbind_wait(device, &asked, &interrupted);
		mutex_lock(&vdk_vfio_lock);
	}
	device_data = device->device_data;
	device->device_data = NULL;
	device->unbinding = false;
	if (device->deleting)
		device_unlist(device);
	mutex_unlock(&vdk_vfio_lock);
	return device_data;
}

/*
 * A device counts towards viability when it is bound to a vdk_vfio bus
 * driver, has no driver at all, or is a PCI bridge whose driver promised
 * not to use the DMA API (pcieport does). The snapshot may go stale, but
 * the DMA-ownership claim taken when the group is used refuses any
 * DMA-using driver, so a stale "viable" never lets two owners in.
 *
 * Another driver is read under the device lock, which keeps it bound (and
 * its module loaded) while it is looked at. Only tried: the driver core
 * holds that lock while it calls into this module. A device whose lock is
 * taken is between drivers, and not viable at that moment.
 */
static bool device_viable(struct vdk_vfio_device *device)
{
	struct device *dev = device->dev;
	struct device_driver *drv;
	bool viable;

	if (device->device_data && !device->unbinding)
		return true;
	if (!device_trylock(dev))
		return false;
	drv = dev->driver;
	if (!drv)
		viable = true;
	else if (dev_is_pci(dev) && pci_is_bridge(to_pci_dev(dev)))
		viable = to_pci_driver(drv)->driver_managed_dma;
	else
		viable = false;
	device_unlock(dev);
	return viable;
}

bool vdk_vfio_group_viable(struct vdk_vfio_group *group)
{
	struct vdk_vfio_device *device;

	if (list_empty(&group->devices))
		return false;
	list_for_each_entry(device, &group->devices, next)
		if (!device_viable(device))
			return false;
	return true;
}

static bool group_devices_open(struct vdk_vfio_group *group)
{
	struct vdk_vfio_device *device;

	list_for_each_entry(device, &group->devices, next)
		if (device->opened)
			return true;
	return false;
}

static int group_unmerge(struct vdk_vfio_group *group)
{
	struct vdk_vfio_iommu *alone;
	int ret;

	alone = vdk_vfio_iommu_alloc();
	if (!alone)
		return -ENOMEM;
	vdk_vfio_iommu_del_group(group);
	/* An unused set takes any group: this cannot fail. */
	ret = vdk_vfio_iommu_add_group(alone, group);
	vdk_vfio_iommu_put(alone);
	return ret;
}

/*
 * Merging lasts while someone can see it: a group whose fd is closed and
 * none of whose devices is open leaves its set, so a later open starts
 * from a group of its own.
 */
void vdk_vfio_group_try_unmerge(struct vdk_vfio_group *group)
{
	if (!group->iommu || group->iommu->ngroups < 2 || group->opened ||
	    group_devices_open(group))
		return;
	if (group_unmerge(group))
		pr_warn("group %d: out of memory, stays merged until reopened\n",
			group->id);
}

/* User memory is copied with no lock held: a stalled fault stalls no one. */
static long group_get_info(struct vdk_vfio_group *group, void __user *arg)
{
	struct vdk_vfio_group_info info;
	unsigned long minsz = offsetofend(struct vdk_vfio_group_info, flags);

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags)
		return -EINVAL;
	mutex_lock(&vdk_vfio_lock);
	if (!group->iommu) {
		mutex_unlock(&vdk_vfio_lock);
		return -ENODEV;
	}
	if (vdk_vfio_group_viable(group))
		info.flags |= VDK_VFIO_GROUP_FLAGS_VIABLE;
	if (group->iommu->users)
		info.flags |= VDK_VFIO_GROUP_FLAGS_MM_LOCKED;
	mutex_unlock(&vdk_vfio_lock);
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static const struct file_operations group_fops;

static long group_merge(struct vdk_vfio_group *group, struct file *file)
{
	struct vdk_vfio_group *other;
	struct vdk_vfio_iommu *old;
	int ret;

	if (file->f_op != &group_fops)
		return -EINVAL;
	other = file->private_data;
	if (other == group)
		return -EINVAL;
	if (!other->iommu)
		return -ENODEV;
	if (other->iommu == group->iommu || other->iommu->ngroups > 1 ||
	    other->iommu->users)
		return -EBUSY;
	if (!vdk_vfio_iommu_compatible(group, other))
		return -EINVAL;

	old = other->iommu;
	kref_get(&old->kref);
	vdk_vfio_iommu_del_group(other);
	ret = vdk_vfio_iommu_add_group(group->iommu, other);
	if (ret)
		WARN_ON(vdk_vfio_iommu_add_group(old, other));
	vdk_vfio_iommu_put(old);
	return ret;
}

/* Reserves the device named @name for the caller, or fails. */
static long group_reserve_device(struct vdk_vfio_group *group,
				 const char *name,
				 struct vdk_vfio_device **found)
{
	struct vdk_vfio_device *device;
	int ret;

	list_for_each_entry(device, &group->devices, next) {
		if (!device->ops->match(device->dev, name))
			continue;
		if (!device->device_data || device->unbinding ||
		    device->opened)
			return -EBUSY;
		ret = vdk_vfio_device_reserve(device);
		if (!ret)
			*found = device;
		return ret;
	}
	return -ENODEV;
}

static long group_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct vdk_vfio_group *group = file->private_data;
	struct vdk_vfio_device *device = NULL;
	void __user *uarg = (void __user *)arg;
	struct fd other = { };
	char *name = NULL;
	s32 fd;
	long ret;

	/* What needs no lock is fetched first, so a fault never holds it. */
	switch (cmd) {
	case VDK_VFIO_GROUP_GET_INFO:
		return group_get_info(group, uarg);
	case VDK_VFIO_GROUP_MERGE:
		if (get_user(fd, (s32 __user *)uarg))
			return -EFAULT;
		other = fdget(fd);
		if (!other.file)
			return -EBADF;
		break;
	case VDK_VFIO_GROUP_GET_DEVICE_FD:
		name = strndup_user(uarg, VDK_VFIO_DEVICE_NAME_MAX);
		if (IS_ERR(name))
			return PTR_ERR(name);
		break;
	}

	mutex_lock(&vdk_vfio_lock);
	if (!group->iommu) {
		ret = -ENODEV;
		goto unlock;
	}
	switch (cmd) {
	case VDK_VFIO_GROUP_MERGE:
		ret = group_merge(group, other.file);
		break;
	case VDK_VFIO_GROUP_UNMERGE:
		if (group->iommu->ngroups < 2)
			ret = -EINVAL;
		else if (group_devices_open(group))
			ret = -EBUSY;
		else
			ret = group_unmerge(group);
		break;
	case VDK_VFIO_GROUP_GET_IOMMU_FD:
		ret = vdk_vfio_iommu_get_fd(group->iommu);
		break;
	case VDK_VFIO_GROUP_GET_DEVICE_FD:
		ret = group_reserve_device(group, name, &device);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
unlock:
	mutex_unlock(&vdk_vfio_lock);
	if (device)
		ret = vdk_vfio_device_get_fd(device);
	if (other.file)
		fdput(other);
	kfree(name);
	return ret;
}

static int group_open(struct inode *inode, struct file *file)
{
	struct vdk_vfio_group *group;
	int ret = 0;

	mutex_lock(&vdk_vfio_lock);
	group = idr_find(&vdk_vfio_minors, iminor(inode));
	if (!group) {
		ret = -ENODEV;
	} else if (group->opened) {
		ret = -EBUSY;
	} else {
		group->opened = true;
		kref_get(&group->kref);
		file->private_data = group;
	}
	mutex_unlock(&vdk_vfio_lock);
	return ret;
}

static int group_fd_release(struct inode *inode, struct file *file)
{
	struct vdk_vfio_group *group = file->private_data;

	mutex_lock(&vdk_vfio_lock);
	group->opened = false;
	vdk_vfio_group_try_unmerge(group);
	vdk_vfio_group_put(group);
	mutex_unlock(&vdk_vfio_lock);
	return 0;
}

static const struct file_operations group_fops = {
	.owner		= THIS_MODULE,
	.open		= group_open,
	.release	= group_fd_release,
	.unlocked_ioctl	= group_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static char *group_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, VDK_VFIO_NAME "/%s", dev_name(dev));
}

int vdk_vfio_group_chrdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&vdk_vfio_devt, 0, VDK_VFIO_MINORS,
				  VDK_VFIO_NAME);
	if (ret)
		return ret;
	cdev_init(&vdk_vfio_cdev, &group_fops);
	vdk_vfio_cdev.owner = THIS_MODULE;
	ret = cdev_add(&vdk_vfio_cdev, vdk_vfio_devt, VDK_VFIO_MINORS);
	if (ret)
		goto unregister_region;
	vdk_vfio_class = class_create(THIS_MODULE, VDK_VFIO_NAME);
	if (IS_ERR(vdk_vfio_class)) {
		ret = PTR_ERR(vdk_vfio_class);
		goto del_cdev;
	}
	vdk_vfio_class->devnode = group_devnode;
	return 0;

del_cdev:
	cdev_del(&vdk_vfio_cdev);
unregister_region:
	unregister_chrdev_region(vdk_vfio_devt, VDK_VFIO_MINORS);
	return ret;
}

/* Called once the bus drivers are gone: forgets every remaining device. */
void vdk_vfio_group_chrdev_exit(void)
{
	struct vdk_vfio_group *group, *next_group;
	struct vdk_vfio_device *device, *next_device;

	mutex_lock(&vdk_vfio_lock);
	list_for_each_entry_safe(group, next_group, &vdk_vfio_groups, next) {
		kref_get(&group->kref);
		list_for_each_entry_safe(device, next_device, &group->devices,
					 next)
			device_unlist(device);
		vdk_vfio_group_put(group);
	}
	mutex_unlock(&vdk_vfio_lock);
	idr_destroy(&vdk_vfio_minors);
	class_destroy(vdk_vfio_class);
	cdev_del(&vdk_vfio_cdev);
	unregister_chrdev_region(vdk_vfio_devt, VDK_VFIO_MINORS);
}
