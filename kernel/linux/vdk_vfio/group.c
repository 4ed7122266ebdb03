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

static DEFINE_MUTEX(groups_lock);	/* vdk_vfio_private.h, "Locking" */
static LIST_HEAD(vdk_vfio_groups);
static LIST_HEAD(vdk_vfio_devices);	/* vdk_vfio_device.all_next */
static DEFINE_IDR(vdk_vfio_minors);
static dev_t vdk_vfio_devt;
static struct cdev vdk_vfio_cdev;
static struct class *vdk_vfio_class;

static void group_release(struct kref *kref)
{
	struct vdk_vfio_group *group =
		container_of(kref, struct vdk_vfio_group, kref);

	iommu_group_put(group->iommu_group);
	mutex_destroy(&group->lock);
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

/* Called with the old set's lock held (and the new one's, if any). */
void vdk_vfio_group_set_iommu(struct vdk_vfio_group *group,
			      struct vdk_vfio_iommu *iommu)
{
	mutex_lock(&group->lock);
	WRITE_ONCE(group->iommu, iommu);
	mutex_unlock(&group->lock);
}

/* The set @group is in, referenced; NULL once the group is gone. */
static struct vdk_vfio_iommu *group_get_set(struct vdk_vfio_group *group)
{
	struct vdk_vfio_iommu *iommu;

	mutex_lock(&group->lock);
	iommu = group->iommu;
	if (iommu)
		kref_get(&iommu->kref);
	mutex_unlock(&group->lock);
	return iommu;
}

/*
 * Lock the set @group is in, with a reference (vdk_vfio_iommu_unlock()),
 * or NULL once the group is gone. A group moves between sets with both
 * sets locked: once its set is locked and still its set, it stays.
 */
static struct vdk_vfio_iommu *group_lock_set(struct vdk_vfio_group *group)
{
	struct vdk_vfio_iommu *iommu;

	while ((iommu = group_get_set(group))) {
		mutex_lock(&iommu->lock);
		if (READ_ONCE(group->iommu) == iommu)
			return iommu;
		vdk_vfio_iommu_unlock(iommu);
	}
	return NULL;
}

/*
 * Lock the sets of two groups for a merge, lower address first, so two
 * merges the other way round cannot each hold one. 0, -ENODEV if either
 * group is gone, -EBUSY if they share a set.
 */
static int groups_lock_sets(struct vdk_vfio_group *a, struct vdk_vfio_group *b,
			    struct vdk_vfio_iommu **sa,
			    struct vdk_vfio_iommu **sb)
{
	for (;;) {
		struct vdk_vfio_iommu *ia = group_get_set(a);
		struct vdk_vfio_iommu *ib = group_get_set(b);
		int ret = ia && ib ? (ia == ib ? -EBUSY : 0) : -ENODEV;

		if (ret) {
			if (ia)
				vdk_vfio_iommu_put(ia);
			if (ib)
				vdk_vfio_iommu_put(ib);
			return ret;
		}
		mutex_lock(&min(ia, ib)->lock);
		mutex_lock_nested(&max(ia, ib)->lock, SINGLE_DEPTH_NESTING);
		if (READ_ONCE(a->iommu) == ia && READ_ONCE(b->iommu) == ib) {
			*sa = ia;
			*sb = ib;
			return 0;
		}
		vdk_vfio_iommu_unlock(ib);
		vdk_vfio_iommu_unlock(ia);
	}
}

/* Called with groups_lock held. */
static struct vdk_vfio_device *device_find(struct device *dev)
{
	struct vdk_vfio_device *device;

	list_for_each_entry(device, &vdk_vfio_devices, all_next)
		if (device->dev == dev)
			return device;
	return NULL;
}

/* The device of @dev, referenced, or NULL. */
static struct vdk_vfio_device *device_get(struct device *dev)
{
	struct vdk_vfio_device *device;

	mutex_lock(&groups_lock);
	device = device_find(dev);
	if (device)
		kref_get(&device->kref);
	mutex_unlock(&groups_lock);
	return device;
}

static struct vdk_vfio_group *group_find(struct iommu_group *iommu_group)
{
	struct vdk_vfio_group *group;

	list_for_each_entry(group, &vdk_vfio_groups, next)
		if (group->iommu_group == iommu_group)
			return group;
	return NULL;
}

/* Called with groups_lock held; takes over the caller's reference on
 * @iommu_group on success. */
static struct vdk_vfio_group *group_create(struct iommu_group *iommu_group)
{
	struct vdk_vfio_group *group;
	struct device *cdev_dev;
	int ret;

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);
	kref_init(&group->kref);
	mutex_init(&group->lock);
	INIT_LIST_HEAD(&group->devices);
	group->iommu_group = iommu_group;
	group->id = iommu_group_id(iommu_group);

	ret = vdk_vfio_iommu_init_alone(group);
	if (ret)
		goto free_group;
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
	vdk_vfio_iommu_free_alone(group);
free_group:
	mutex_destroy(&group->lock);
	kfree(group);
	return ERR_PTR(ret);
}

/*
 * The bus is done with @device (the caller holds a reference): a bound
 * device is only marked, and vdk_vfio_unbind_dev() comes back here; an
 * unbound one is forgotten, and with the group's last device the group:
 * no new opens, open fds see -ENODEV. The group leaves its set outside
 * groups_lock, as the set's lock may be held a while.
 */
static void device_forget(struct vdk_vfio_device *device)
{
	struct vdk_vfio_group *group = device->group;
	struct vdk_vfio_iommu *iommu;
	bool forgotten = false, empty = false;

	mutex_lock(&groups_lock);
	mutex_lock(&group->lock);
	if (device->device_data) {
		device->deleting = true;
	} else if (!list_empty(&device->next)) {
		list_del_init(&device->next);
		list_del_init(&device->all_next);
		forgotten = true;
		empty = list_empty(&group->devices);
		group->gone = empty;
	}
	mutex_unlock(&group->lock);
	if (empty) {
		list_del(&group->next);
		idr_remove(&vdk_vfio_minors, group->minor);
		device_destroy(vdk_vfio_class,
			       MKDEV(MAJOR(vdk_vfio_devt), group->minor));
		group->cdev_dev = NULL;
	}
	mutex_unlock(&groups_lock);

	if (empty) {
		iommu = group_lock_set(group);
		if (iommu) {
			vdk_vfio_iommu_drop_group(group);
			vdk_vfio_iommu_unlock(iommu);
		}
		vdk_vfio_group_put(group);	/* the group list's */
	}
	if (forgotten)
		vdk_vfio_device_put(device);	/* the device list's */
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

	mutex_lock(&groups_lock);
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
	mutex_lock(&group->lock);
	list_add_tail(&device->next, &group->devices);
	mutex_unlock(&group->lock);
	list_add_tail(&device->all_next, &vdk_vfio_devices);
	goto unlock;

free_device:
	kfree(device);
unlock:
	mutex_unlock(&groups_lock);
	iommu_group_put(iommu_group);
	return ret;
}

/*
 * The driver core announces a removal before it unbinds the driver: a
 * bound device stays until vdk_vfio_unbind_dev() so it can still be found
 * there.
 */
void vdk_vfio_group_del_dev(struct device *dev)
{
	struct vdk_vfio_device *device = device_get(dev);

	if (!device)
		return;
	device_forget(device);
	vdk_vfio_device_put(device);
}

int vdk_vfio_bind_dev(struct device *dev, void *device_data)
{
	struct vdk_vfio_device *device;
	int ret = 0;

	if (!device_data)
		return -EINVAL;
	device = device_get(dev);
	if (!device)
		return -ENODEV;
	mutex_lock(&device->group->lock);
	if (list_empty(&device->next))
		ret = -ENODEV;
	else if (device->device_data)
		ret = -EBUSY;
	else
		device->device_data = device_data;
	mutex_unlock(&device->group->lock);
	vdk_vfio_device_put(device);
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
	struct vdk_vfio_device *device = device_get(dev);
	struct vdk_vfio_group *group;
	bool interrupted = false, deleting;
	unsigned int asked = 0;
	void *device_data;

	if (!device)
		return NULL;
	group = device->group;
	mutex_lock(&group->lock);
	device_data = device->device_data;
	if (!device_data) {
		mutex_unlock(&group->lock);
		vdk_vfio_device_put(device);
		return NULL;
	}
	/* No new opens from here; a bound device is never unlisted. */
	device->unbinding = true;
	while (device->opened) {
		mutex_unlock(&group->lock);
		unbind_wait(device, &asked, &interrupted);
		mutex_lock(&group->lock);
	}
	device->device_data = NULL;
	device->unbinding = false;
	deleting = device->deleting;
	mutex_unlock(&group->lock);
	if (deleting)
		device_forget(device);
	vdk_vfio_device_put(device);
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

/* Called with group->lock held. */
static bool group_viable(struct vdk_vfio_group *group)
{
	struct vdk_vfio_device *device;

	if (list_empty(&group->devices))
		return false;
	list_for_each_entry(device, &group->devices, next)
		if (!device_viable(device))
			return false;
	return true;
}

bool vdk_vfio_group_viable(struct vdk_vfio_group *group)
{
	bool viable;

	mutex_lock(&group->lock);
	viable = group_viable(group);
	mutex_unlock(&group->lock);
	return viable;
}

/* The group's first device, referenced (put_device()), or NULL. */
struct device *vdk_vfio_group_first_dev(struct vdk_vfio_group *group)
{
	struct vdk_vfio_device *device;
	struct device *dev = NULL;

	mutex_lock(&group->lock);
	device = list_first_entry_or_null(&group->devices,
					  struct vdk_vfio_device, next);
	if (device)
		dev = get_device(device->dev);
	mutex_unlock(&group->lock);
	return dev;
}

static bool group_devices_open(struct vdk_vfio_group *group)
{
	struct vdk_vfio_device *device;
	bool open = false;

	mutex_lock(&group->lock);
	list_for_each_entry(device, &group->devices, next)
		open |= device->opened;
	mutex_unlock(&group->lock);
	return open;
}

/* Called with @iommu, the group's set, locked. */
static int group_unmerge(struct vdk_vfio_group *group,
			 struct vdk_vfio_iommu *iommu)
{
	struct vdk_vfio_iommu *alone;
	int ret;

	alone = vdk_vfio_iommu_alloc();
	if (!alone)
		return -ENOMEM;
	/* An unused set takes any group: this cannot fail. */
	ret = vdk_vfio_iommu_move_group(group, iommu, alone);
	vdk_vfio_iommu_put(alone);
	return ret;
}

/*
 * Merging lasts while someone can see it: a group whose fd is closed (or
 * @closing) and none of whose devices is open leaves its set, so a later
 * open starts from a group of its own. Called with @iommu, the group's
 * set, locked.
 */
void vdk_vfio_group_try_unmerge(struct vdk_vfio_group *group,
				struct vdk_vfio_iommu *iommu, bool closing)
{
	if (READ_ONCE(group->iommu) != iommu || iommu->ngroups < 2 ||
	    (READ_ONCE(group->opened) && !closing) ||
	    group_devices_open(group))
		return;
	if (group_unmerge(group, iommu))
		pr_warn("group %d: out of memory, stays merged until reopened\n",
			group->id);
}

/* User memory is copied with no lock held: a stalled fault stalls no one. */
static long group_get_info(struct vdk_vfio_group *group, void __user *arg)
{
	struct vdk_vfio_group_info info;
	unsigned long minsz = offsetofend(struct vdk_vfio_group_info, flags);
	long ret = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags)
		return -EINVAL;
	mutex_lock(&group->lock);
	if (!group->iommu || group->gone) {
		ret = -ENODEV;
	} else {
		if (group_viable(group))
			info.flags |= VDK_VFIO_GROUP_FLAGS_VIABLE;
		/* the set cannot go while the group is in it */
		if (READ_ONCE(group->iommu->users))
			info.flags |= VDK_VFIO_GROUP_FLAGS_MM_LOCKED;
	}
	mutex_unlock(&group->lock);
	if (ret)
		return ret;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static const struct file_operations group_fops;

static long group_merge(struct vdk_vfio_group *group, struct file *file)
{
	struct vdk_vfio_iommu *set, *old;
	struct vdk_vfio_group *other;
	long ret;

	if (file->f_op != &group_fops)
		return -EINVAL;
	other = file->private_data;
	if (other == group)
		return -EINVAL;
	ret = groups_lock_sets(group, other, &set, &old);
	if (ret)
		return ret;
	if (READ_ONCE(group->gone) || READ_ONCE(other->gone))
		ret = -ENODEV;
	else if (old->ngroups > 1 || old->users)
		ret = -EBUSY;
	else if (!vdk_vfio_iommu_compatible(set, other))
		ret = -EINVAL;
	else
		ret = vdk_vfio_iommu_move_group(other, old, set);
	vdk_vfio_iommu_unlock(old);
	vdk_vfio_iommu_unlock(set);
	return ret;
}

/*
 * Reserve the device named @name for the caller, or fail. Called with
 * @iommu, the group's set, locked.
 */
static long group_reserve_device(struct vdk_vfio_group *group,
				 struct vdk_vfio_iommu *iommu,
				 const char *name,
				 struct vdk_vfio_device **found)
{
	struct vdk_vfio_device *device;
	long ret = -ENODEV;

	mutex_lock(&group->lock);
	list_for_each_entry(device, &group->devices, next) {
		if (!device->ops->match(device->dev, name))
			continue;
		if (!device->device_data || device->unbinding ||
		    device->opened) {
			ret = -EBUSY;
		} else {
			/* taken: an unbind from here on waits for it */
			WRITE_ONCE(device->opened, true);
			ret = 0;
		}
		break;
	}
	mutex_unlock(&group->lock);
	if (ret)
		return ret;
	ret = vdk_vfio_device_reserve(device, iommu);
	if (!ret)
		*found = device;
	return ret;
}

static long group_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct vdk_vfio_group *group = file->private_data;
	struct vdk_vfio_device *device = NULL;
	void __user *uarg = (void __user *)arg;
	struct vdk_vfio_iommu *iommu;
	struct fd other;
	char *name = NULL;
	s32 fd;
	long ret;

	/* User memory is read first, so a fault never holds a lock. */
	switch (cmd) {
	case VDK_VFIO_GROUP_GET_INFO:
		return group_get_info(group, uarg);
	case VDK_VFIO_GROUP_MERGE:
		if (get_user(fd, (s32 __user *)uarg))
			return -EFAULT;
		other = fdget(fd);
		if (!other.file)
			return -EBADF;
		ret = group_merge(group, other.file);
		fdput(other);
		return ret;
	case VDK_VFIO_GROUP_GET_DEVICE_FD:
		name = strndup_user(uarg, VDK_VFIO_DEVICE_NAME_MAX);
		if (IS_ERR(name))
			return PTR_ERR(name);
		break;
	case VDK_VFIO_GROUP_UNMERGE:
	case VDK_VFIO_GROUP_GET_IOMMU_FD:
		break;
	default:
		return -ENOTTY;
	}

	iommu = group_lock_set(group);
	if (!iommu || READ_ONCE(group->gone)) {
		ret = -ENODEV;
		goto unlock;
	}
	switch (cmd) {
	case VDK_VFIO_GROUP_UNMERGE:
		if (iommu->ngroups < 2)
			ret = -EINVAL;
		else if (group_devices_open(group))
			ret = -EBUSY;
		else
			ret = group_unmerge(group, iommu);
		break;
	case VDK_VFIO_GROUP_GET_IOMMU_FD:
		ret = vdk_vfio_iommu_get_fd(iommu);
		break;
	default:	/* VDK_VFIO_GROUP_GET_DEVICE_FD */
		ret = group_reserve_device(group, iommu, name, &device);
		break;
	}
unlock:
	if (iommu)
		vdk_vfio_iommu_unlock(iommu);
	if (device)
		ret = vdk_vfio_device_get_fd(device);
	kfree(name);
	return ret;
}

static int group_open(struct inode *inode, struct file *file)
{
	struct vdk_vfio_group *group;
	int ret = 0;

	mutex_lock(&groups_lock);
	group = idr_find(&vdk_vfio_minors, iminor(inode));
	if (group)
		kref_get(&group->kref);
	mutex_unlock(&groups_lock);
	if (!group)
		return -ENODEV;

	mutex_lock(&group->lock);
	if (group->gone)
		ret = -ENODEV;
	else if (group->opened)
		ret = -EBUSY;
	else
		WRITE_ONCE(group->opened, true);
	mutex_unlock(&group->lock);
	if (ret)
		vdk_vfio_group_put(group);
	else
		file->private_data = group;
	return ret;
}

/* Leave the set first, then let the next open in: it finds a set of one. */
static int group_fd_release(struct inode *inode, struct file *file)
{
	struct vdk_vfio_group *group = file->private_data;
	struct vdk_vfio_iommu *iommu;

	iommu = group_lock_set(group);
	if (iommu) {
		vdk_vfio_group_try_unmerge(group, iommu, true);
		vdk_vfio_iommu_unlock(iommu);
	}
	mutex_lock(&group->lock);
	WRITE_ONCE(group->opened, false);
	mutex_unlock(&group->lock);
	vdk_vfio_group_put(group);
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
	struct vdk_vfio_device *device;

	for (;;) {
		mutex_lock(&groups_lock);
		device = list_first_entry_or_null(&vdk_vfio_devices,
						  struct vdk_vfio_device,
						  all_next);
		if (device)
			kref_get(&device->kref);
		mutex_unlock(&groups_lock);
		if (!device)
			break;
		/* no bus driver is left to unbind it: it would stay listed */
		if (WARN_ON(READ_ONCE(device->device_data))) {
			vdk_vfio_device_put(device);
			break;
		}
		device_forget(device);
		vdk_vfio_device_put(device);
	}
	idr_destroy(&vdk_vfio_minors);
	class_destroy(vdk_vfio_class);
	cdev_del(&vdk_vfio_cdev);
	unregister_chrdev_region(vdk_vfio_devt, VDK_VFIO_MINORS);
}
