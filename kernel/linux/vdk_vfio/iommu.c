// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU object: what a set of merged groups shares (one domain, one
 * mm, one set of DMA mappings), its use count, and the IOMMU fd.
 *
 * A set owns a domain only while it is in use, so a group that is merely
 * open costs nothing and its devices keep their default domain. The first
 * IOMMU or device fd takes DMA ownership of every group of the set, which
 * the kernel refuses while any device of a group has a DMA-using driver,
 * and which keeps such drivers from binding until the last fd is closed.
 *
 * A group is attached only if the platform isolates MSIs (interrupt
 * remapping, or an MSI controller that checks the sender): without that, a
 * device that DMA-writes to the interrupt window (0xFEExxxxx on x86) raises
 * any interrupt of the host. allow_unsafe_interrupts accepts the risk, as
 * mainline's vfio_iommu_type1 parameter of that name does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <vdk_vfio.h>

#include "vdk_vfio_private.h"

static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Give devices to userspace on a platform without interrupt remapping, where they can raise any host interrupt by DMA (default: refuse)");

struct vdk_vfio_iommu *vdk_vfio_iommu_alloc(void)
{
	struct vdk_vfio_iommu *iommu;

	iommu = kzalloc(sizeof(*iommu), GFP_KERNEL);
	if (!iommu)
		return NULL;
	kref_init(&iommu->kref);
	mutex_init(&iommu->lock);
	INIT_LIST_HEAD(&iommu->groups);
	mutex_init(&iommu->dma_lock);
	iommu->dma_tree = RB_ROOT;
	return iommu;
}

static void iommu_release(struct kref *kref)
{
	struct vdk_vfio_iommu *iommu =
		container_of(kref, struct vdk_vfio_iommu, kref);

	WARN_ON(iommu->users || iommu->ngroups);
	kfree(iommu->resv);
	mutex_destroy(&iommu->dma_lock);
	mutex_destroy(&iommu->lock);
	kfree(iommu);
}

void vdk_vfio_iommu_put(struct vdk_vfio_iommu *iommu)
{
	kref_put(&iommu->kref, iommu_release);
}

/* Undo a lock of a set that came with a reference (group.c). */
void vdk_vfio_iommu_unlock(struct vdk_vfio_iommu *iommu)
{
	mutex_unlock(&iommu->lock);
	vdk_vfio_iommu_put(iommu);
}

/* The first device of the set's first group, referenced, or NULL. */
static struct device *set_first_dev(struct vdk_vfio_iommu *iommu)
{
	struct vdk_vfio_group *first;

	first = list_first_entry_or_null(&iommu->groups,
					 struct vdk_vfio_group, set_next);
	return first ? vdk_vfio_group_first_dev(first) : NULL;
}

/*
 * Groups can share a domain when the same IOMMU driver serves them on the
 * same bus and agrees on cache coherency, since MAP_DMA uses one set of
 * protection bits for the whole domain. Called with @set locked.
 */
bool vdk_vfio_iommu_compatible(struct vdk_vfio_iommu *set,
			       struct vdk_vfio_group *group)
{
	struct device *da = set_first_dev(set);
	struct device *db = vdk_vfio_group_first_dev(group);
	bool ok = false;

	if (da && db)
		ok = da->bus == db->bus &&
		     dev_iommu_ops(da) == dev_iommu_ops(db) &&
		     device_iommu_capable(da, IOMMU_CAP_CACHE_COHERENCY) ==
		     device_iommu_capable(db, IOMMU_CAP_CACHE_COHERENCY);
	put_device(da);
	put_device(db);
	return ok;
}

static int dev_msi_remapped(struct device *dev, void *data)
{
	return device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP) ? 0 : -EPERM;
}

/* Every device of the IOMMU group, not only those the module drives. */
static int group_check_msi_isolation(struct vdk_vfio_group *group)
{
	if (irq_domain_check_msi_remap() ||
	    !iommu_group_for_each_dev(group->iommu_group, NULL,
				      dev_msi_remapped))
		return 0;
	if (!allow_unsafe_interrupts) {
		pr_warn_ratelimited("group %d: refused: no interrupt remapping, so its devices could raise any host interrupt by DMA; the module parameter allow_unsafe_interrupts=1 accepts that risk\n",
				    group->id);
		return -EPERM;
	}
	pr_warn("group %d: UNSAFE: no interrupt remapping, and allow_unsafe_interrupts=1 lets its devices raise any host interrupt by DMA\n",
		group->id);
	return 0;
}

static int group_claim(struct vdk_vfio_iommu *iommu,
		       struct vdk_vfio_group *group)
{
	int ret;

	ret = group_check_msi_isolation(group);
	if (ret)
		return ret;
	/*
	 * EPERM: owned already, by a DMA-using driver bound in the group;
	 * EBUSY: the kernel has the group on a domain other than its
	 * default (left there by a release that failed). Anything else
	 * (ENOMEM in the blocking domain's attach) is passed on: a user
	 * told EBUSY would look for a driver that is not there.
	 */
	ret = iommu_group_claim_dma_owner(group->iommu_group, iommu);
	if (ret == -EPERM) {
		pr_info_ratelimited("group %d: a device of the group has a driver that uses DMA: unbind it first\n",
			group->id);
		return -EBUSY;
	}
	if (ret == -EBUSY) {
		pr_info_ratelimited("group %d: the kernel keeps the group on a domain other than its default (an earlier release of it failed; see the kernel log)\n",
			group->id);
		return -EBUSY;
	}
	if (ret) {
		pr_info_ratelimited("group %d: the kernel could not take DMA ownership of the group (%d)\n",
			group->id, ret);
		return ret;
	}
	ret = iommu_attach_group(iommu->domain, group->iommu_group);
	if (ret) {
		pr_info_ratelimited("group %d: cannot attach to the set's IOMMU domain (%d)\n",
			group->id, ret);
		iommu_group_release_dma_owner(group->iommu_group);
		return ret == -EMEDIUMTYPE ? -EINVAL : ret;
	}
	group->claimed = true;
	return 0;
}

static void group_unclaim(struct vdk_vfio_iommu *iommu,
			  struct vdk_vfio_group *group)
{
	if (!group->claimed)
		return;
	iommu_detach_group(iommu->domain, group->iommu_group);
	iommu_group_release_dma_owner(group->iommu_group);
	group->claimed = false;
}

static bool set_viable(struct vdk_vfio_iommu *iommu)
{
	struct vdk_vfio_group *group;

	list_for_each_entry(group, &iommu->groups, set_next)
		if (!vdk_vfio_group_viable(group))
			return false;
	return true;
}

static void set_geometry(struct vdk_vfio_iommu *iommu)
{
	struct iommu_domain *domain = iommu->domain;
	unsigned long pgsize_min = 1UL << __ffs(domain->pgsize_bitmap);

	if (domain->geometry.force_aperture) {
		iommu->iova_min = domain->geometry.aperture_start;
		iommu->iova_max = domain->geometry.aperture_end;
	} else {
		iommu->iova_min = 0;
		iommu->iova_max = ULONG_MAX;
	}
	/* Pins are in CPU pages, whatever smaller page the IOMMU offers. */
	iommu->alignment = max_t(unsigned long, PAGE_SIZE, pgsize_min);
}

/* Called with iommu->lock held, on behalf of the current process. */
int vdk_vfio_iommu_use(struct vdk_vfio_iommu *iommu)
{
	struct vdk_vfio_group *group;
	struct vdk_vfio_resv *resv;
	unsigned int nresv;
	struct device *dev;
	int ret;

	lockdep_assert_held(&iommu->lock);
	if (iommu->users) {
		if (iommu->mm != current->mm)
			return -EPERM;
		iommu->users++;
		return 0;
	}
	if (!iommu->ngroups)
		return -ENODEV;
	if (!set_viable(iommu))
		return -EBUSY;

	dev = set_first_dev(iommu);
	if (!dev)
		return -ENODEV;
	iommu->domain = iommu_domain_alloc(dev->bus);
	iommu->prot_extra =
		device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY) ?
		IOMMU_CACHE : 0;
	put_device(dev);
	/* The bus has an IOMMU (the group exists): only memory can lack. */
	if (!iommu->domain)
		return -ENOMEM;
	/*
	 * Before the claims: a release of DMA ownership cannot fail, but
	 * the kernel allocates in it (the default domain's attach), so the
	 * fewer releases an error unwinds through, the better.
	 */
	ret = vdk_vfio_dma_read_resv(iommu, NULL, &resv, &nresv);
	if (ret)
		goto free_domain;

	list_for_each_entry(group, &iommu->groups, set_next) {
		ret = group_claim(iommu, group);
		if (ret)
			goto unclaim_groups;
	}
	mutex_lock(&iommu->dma_lock);
	/* Drivers size the aperture to the hardware only on attach. */
	set_geometry(iommu);
	vdk_vfio_dma_set_resv(iommu, resv, nresv);
	mutex_unlock(&iommu->dma_lock);

	mmgrab(current->mm);
	iommu->mm = current->mm;
	iommu->users = 1;
	return 0;

unclaim_groups:
	list_for_each_entry(group, &iommu->groups, set_next)
		group_unclaim(iommu, group);
	kfree(resv);
free_domain:
	iommu_domain_free(iommu->domain);
	iommu->domain = NULL;
	return ret;
}

/*
 * Called with iommu->lock held. The last user takes the groups out of
 * the domain, so no device reaches its pages any more, and hands the
 * domain, its mappings and the mm to @left: unpinning gigabytes is left to
 * vdk_vfio_leftover_free(), outside every lock. The set is ready for a new
 * user at once.
 */
void vdk_vfio_iommu_unuse(struct vdk_vfio_iommu *iommu,
			  struct vdk_vfio_leftover *left)
{
	struct vdk_vfio_group *group;

	lockdep_assert_held(&iommu->lock);
	left->domain = NULL;
	left->mm = NULL;
	left->dma_tree = RB_ROOT;
	if (WARN_ON(!iommu->users) || --iommu->users)
		return;
	list_for_each_entry(group, &iommu->groups, set_next)
		group_unclaim(iommu, group);
	mutex_lock(&iommu->dma_lock);
	left->dma_tree = iommu->dma_tree;
	iommu->dma_tree = RB_ROOT;
	iommu->ndma = 0;
	mutex_unlock(&iommu->dma_lock);
	left->domain = iommu->domain;
	left->mm = iommu->mm;
	iommu->domain = NULL;
	iommu->mm = NULL;
}

/* Called without any lock. */
void vdk_vfio_leftover_free(struct vdk_vfio_leftover *left)
{
	if (!left->domain)
		return;
	vdk_vfio_dma_free_tree(left->domain, left->mm, &left->dma_tree);
	iommu_domain_free(left->domain);
	mmdrop(left->mm);
}

/* A new group's set of its own; no one can see the group yet. */
int vdk_vfio_iommu_init_alone(struct vdk_vfio_group *group)
{
	struct vdk_vfio_iommu *alone = vdk_vfio_iommu_alloc();

	if (!alone)
		return -ENOMEM;
	list_add_tail(&group->set_next, &alone->groups);
	alone->ngroups = 1;
	group->iommu = alone;	/* the set's first reference */
	return 0;
}

/* Undo vdk_vfio_iommu_init_alone() for a group no one saw. */
void vdk_vfio_iommu_free_alone(struct vdk_vfio_group *group)
{
	struct vdk_vfio_iommu *alone = group->iommu;

	list_del(&group->set_next);
	alone->ngroups = 0;
	group->iommu = NULL;
	vdk_vfio_iommu_put(alone);
}

/*
 * Move @group from its set @from into @to, in one step as anyone who
 * looks at the group sees it. Both sets are locked, or @to is new and no
 * one else can reach it yet. Into a set in use, the group must be viable,
 * the caller must be the set's process, and the set's mappings must stay
 * clear of the group's reserved windows; @from is then not in use (a
 * group is claimed by one set at a time).
 */
int vdk_vfio_iommu_move_group(struct vdk_vfio_group *group,
			      struct vdk_vfio_iommu *from,
			      struct vdk_vfio_iommu *to)
{
	struct vdk_vfio_resv *resv;
	unsigned int nresv;
	int ret = 0;

	lockdep_assert_held(&from->lock);
	if (WARN_ON(from->users && to->users))
		return -EBUSY;
	/*
	 * Out of a set in use first (unmerge: @to is new), so the claim
	 * below, into a set in use (merge: @from is idle), stays.
	 */
	group_unclaim(from, group);
	if (to->users) {
		lockdep_assert_held(&to->lock);
		if (to->mm != current->mm)
			return -EPERM;
		if (!vdk_vfio_group_viable(group))
			return -EBUSY;
		/* before the claim, as in vdk_vfio_iommu_use() */
		ret = vdk_vfio_dma_read_resv(to, group, &resv, &nresv);
		if (ret)
			return ret;
		mutex_lock(&to->dma_lock);
		ret = vdk_vfio_dma_resv_conflicts(to, resv, nresv) ? -EINVAL :
		      group_claim(to, group);
		if (!ret) {
			vdk_vfio_dma_set_resv(to, resv, nresv);
			set_geometry(to);
		}
		mutex_unlock(&to->dma_lock);
		if (ret) {
			kfree(resv);
			return ret;
		}
	}
	/* a set in use keeps the reserved windows of a group that left */
	list_move_tail(&group->set_next, &to->groups);
	from->ngroups--;
	to->ngroups++;
	kref_get(&to->kref);
	vdk_vfio_group_set_iommu(group, to);
	vdk_vfio_iommu_put(from);	/* the caller holds one more */
	return 0;
}

/* A group whose devices are all gone leaves its set, locked, for good. */
void vdk_vfio_iommu_drop_group(struct vdk_vfio_group *group)
{
	struct vdk_vfio_iommu *iommu = group->iommu;

	lockdep_assert_held(&iommu->lock);
	group_unclaim(iommu, group);
	list_del(&group->set_next);
	iommu->ngroups--;
	vdk_vfio_group_set_iommu(group, NULL);
	vdk_vfio_iommu_put(iommu);	/* the caller holds one more */
}

static long iommu_get_info(struct vdk_vfio_iommu *iommu, void __user *arg)
{
	struct vdk_vfio_iommu_info info;
	unsigned long minsz = offsetofend(struct vdk_vfio_iommu_info,
					  alignment);

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags)
		return -EINVAL;
	/* A merge can narrow the window: read it as MAP_DMA checks it. */
	mutex_lock(&iommu->dma_lock);
	info.iova_min = iommu->iova_min;
	info.iova_max = iommu->iova_max;
	info.alignment = iommu->alignment;
	mutex_unlock(&iommu->dma_lock);
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long iommu_fd_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct vdk_vfio_iommu *iommu = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VDK_VFIO_IOMMU_GET_INFO:
		return iommu_get_info(iommu, uarg);
	case VDK_VFIO_IOMMU_MAP_DMA:
		return vdk_vfio_dma_ioctl_map(iommu, uarg);
	default:
		return -ENOTTY;
	}
}

static int iommu_fd_release(struct inode *inode, struct file *file)
{
	struct vdk_vfio_iommu *iommu = file->private_data;
	struct vdk_vfio_leftover left;

	mutex_lock(&iommu->lock);
	vdk_vfio_iommu_unuse(iommu, &left);
	vdk_vfio_iommu_unlock(iommu);
	vdk_vfio_leftover_free(&left);
	return 0;
}

static const struct file_operations iommu_fops = {
	.owner		= THIS_MODULE,
	.release	= iommu_fd_release,
	.unlocked_ioctl	= iommu_fd_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* Called with iommu->lock held. */
int vdk_vfio_iommu_get_fd(struct vdk_vfio_iommu *iommu)
{
	struct vdk_vfio_leftover left;
	struct file *file;
	int fd, ret;

	ret = vdk_vfio_iommu_use(iommu);
	if (ret)
		return ret;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto unuse;
	}
	file = anon_inode_getfile("[vdk-vfio-iommu]", &iommu_fops, iommu,
				  O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto put_fd;
	}
	kref_get(&iommu->kref);
	fd_install(fd, file);
	return fd;

put_fd:
	put_unused_fd(fd);
unuse:
	/* nothing was mapped yet: quick enough under the lock */
	vdk_vfio_iommu_unuse(iommu, &left);
	vdk_vfio_leftover_free(&left);
	return ret;
}
