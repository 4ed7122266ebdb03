// SPDX-License-Identifier: GPL-2.0
/*
 * MAP_DMA: pin user memory, map it into a set's IOMMU domain, and undo
 * both exactly once, whether userspace unmaps, closes the last fd or dies.
 *
 * Pins are long-term (FOLL_LONGTERM: the pages are migrated out of movable
 * zones first) and charged to the mm's pinned_vm against RLIMIT_MEMLOCK
 * (doc/vdk_vfio.md says why pinned_vm and not locked_vm). Pages are pinned
 * without dma_lock, so a large MAP_DMA stalls no other request on the set;
 * the range is checked again under the lock before it is mapped.
 *
 * Only the process whose mm the set is locked to maps and unmaps: a child
 * of fork() or a process the IOMMU fd was passed to cannot tear mappings
 * down under the owner's DMA (as type1 refuses them too).
 * Each mapping remembers its pages as runs of contiguous frames, so a
 * hugepage-backed buffer costs one record per huge page, and unpinning
 * never has to ask the IOMMU what it mapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <vdk_vfio.h>

#include "vdk_vfio_private.h"

struct dma_run {
	struct page *page;
	unsigned long npages;
};

struct vdk_vfio_dma {
	struct rb_node node;
	u64 iova;
	u64 size;
	unsigned long vaddr;
	int prot;
	unsigned long npages;	/* charged to the mm */
	unsigned long npinned;	/* pinned so far */
	struct dma_run *runs;
	unsigned long nruns;
	unsigned long maxruns;
};

static u64 dma_last(const struct vdk_vfio_dma *dma)
{
	return dma->iova + dma->size - 1;
}

/* The lowest mapping that overlaps [start, last], or NULL. */
static struct vdk_vfio_dma *dma_find_first(struct vdk_vfio_iommu *iommu,
					   u64 start, u64 last)
{
	struct rb_node *node = iommu->dma_tree.rb_node;
	struct vdk_vfio_dma *found = NULL;

	while (node) {
		struct vdk_vfio_dma *dma =
			rb_entry(node, struct vdk_vfio_dma, node);

		if (dma_last(dma) < start) {
			node = node->rb_right;
		} else if (dma->iova > last) {
			node = node->rb_left;
		} else {
			found = dma;
			node = node->rb_left;
		}
	}
	return found;
}

static void dma_link(struct vdk_vfio_iommu *iommu, struct vdk_vfio_dma *new)
{
	struct rb_node **link = &iommu->dma_tree.rb_node, *parent = NULL;

	while (*link) {
		struct vdk_vfio_dma *dma;

		parent = *link;
		dma = rb_entry(parent, struct vdk_vfio_dma, node);
		link = new->iova < dma->iova ? &parent->rb_left :
					       &parent->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, &iommu->dma_tree);
}

static int dma_charge(struct mm_struct *mm, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	u64 pinned = atomic64_add_return(npages, &mm->pinned_vm);

	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The mm may be past exit_mm() when the last fd is closed by do_exit();
 * mmgrab() keeps the counter's memory, and the atomic needs no lock.
 */
static void dma_uncharge(struct mm_struct *mm, unsigned long npages)
{
	atomic64_sub(npages, &mm->pinned_vm);
}

static int dma_add_page(struct vdk_vfio_dma *dma, struct page *page)
{
	struct dma_run *run = dma->nruns ? &dma->runs[dma->nruns - 1] : NULL;

	if (run && page_to_pfn(page) == page_to_pfn(run->page) + run->npages) {
		run->npages++;
		return 0;
	}
	if (dma->nruns == dma->maxruns) {
		unsigned long max = dma->maxruns ? dma->maxruns * 2 : 16;
		struct dma_run *runs;

		/* NOWARN: a huge scattered buffer fails with -ENOMEM, quietly */
		runs = kvmalloc_array(max, sizeof(*runs),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!runs)
			return -ENOMEM;
		if (dma->nruns)
			memcpy(runs, dma->runs, dma->nruns * sizeof(*runs));
		kvfree(dma->runs);
		dma->runs = runs;
		dma->maxruns = max;
	}
	dma->runs[dma->nruns].page = page;
	dma->runs[dma->nruns].npages = 1;
	dma->nruns++;
	return 0;
}

static void dma_unpin(struct vdk_vfio_dma *dma)
{
	bool dirty = dma->prot & IOMMU_WRITE;
	unsigned long i;

	for (i = 0; i < dma->nruns; i++) {
		struct page *page = dma->runs[i].page;
		unsigned long npages = dma->runs[i].npages;

		/* the leak the test tier's /proc/vmstat check must see */
		if (!i && vdk_vfio_test_fault == VDK_VFIO_TEST_FAULT_LEAK_PIN) {
			page = nth_page(page, 1);
			npages--;
		}
		if (npages)
			unpin_user_page_range_dirty_lock(page, npages, dirty);
	}
	atomic_long_sub(dma->npinned, &vdk_vfio_pinned_pages);
	dma->npinned = 0;
	dma->nruns = 0;
}

/* On error the pages pinned so far stay recorded for dma_unpin(). */
static int dma_pin(struct vdk_vfio_dma *dma)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long batch_max = PAGE_SIZE / sizeof(struct page *);
	struct page **batch;
	int ret = 0;

	if (dma->prot & IOMMU_WRITE)
		gup_flags |= FOLL_WRITE;
	batch = (struct page **)__get_free_page(GFP_KERNEL);
	if (!batch)
		return -ENOMEM;

	while (dma->npinned < dma->npages) {
		unsigned long want = min(dma->npages - dma->npinned, batch_max);
		unsigned long addr = dma->vaddr + (dma->npinned << PAGE_SHIFT);
		long i, got;

		/* 6.1 refuses FOLL_LONGTERM without the caller's mmap lock */
		mmap_read_lock(current->mm);
		got = pin_user_pages(addr, want, gup_flags, batch, NULL);
		mmap_read_unlock(current->mm);
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		atomic_long_add(got, &vdk_vfio_pinned_pages);
		for (i = 0; i < got; i++) {
			ret = dma_add_page(dma, batch[i]);
			if (ret)
				break;
		}
		dma->npinned += i;
		if (ret) {
			unpin_user_pages(batch + i, got - i);
			atomic_long_sub(got - i, &vdk_vfio_pinned_pages);
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	free_page((unsigned long)batch);
	return ret;
}

static int dma_iommu_map(struct vdk_vfio_iommu *iommu,
			 struct vdk_vfio_dma *dma)
{
	u64 iova = dma->iova;
	unsigned long i;
	int ret;

	for (i = 0; i < dma->nruns; i++) {
		size_t len = dma->runs[i].npages << PAGE_SHIFT;

		ret = iommu_map(iommu->domain, iova,
				page_to_phys(dma->runs[i].page), len,
				dma->prot);
		if (ret)
			goto unmap_done;
		iova += len;
		cond_resched();
	}
	return 0;

unmap_done:
	if (iova > dma->iova)
		iommu_unmap(iommu->domain, dma->iova, iova - dma->iova);
	return ret;
}

static void dma_free(struct vdk_vfio_dma *dma)
{
	kvfree(dma->runs);
	kfree(dma);
}

/*
 * Unmap @dma from @domain and unpin it. If the IOMMU does not unmap all of
 * it, a device may still reach its pages: unless no device is attached to
 * @domain any more (@detached), they stay pinned and charged, and -EIO
 * tells the caller to keep the record.
 */
static int dma_unmap_unpin(struct iommu_domain *domain, struct mm_struct *mm,
			   struct vdk_vfio_dma *dma, bool detached)
{
	size_t unmapped = 0;

	if (vdk_vfio_test_fault != VDK_VFIO_TEST_FAULT_UNMAP)
		unmapped = iommu_unmap(domain, dma->iova, dma->size);
	if (unmapped != dma->size && !detached) {
		pr_err("unmap of iova 0x%llx size 0x%llx unmapped 0x%zx: its pages stay pinned until the set is closed\n",
		       dma->iova, dma->size, unmapped);
		return -EIO;
	}
	dma_unpin(dma);
	dma_uncharge(mm, dma->npages);
	atomic_dec(&vdk_vfio_dma_mappings);
	return 0;
}

static int dma_remove(struct vdk_vfio_iommu *iommu, struct vdk_vfio_dma *dma)
{
	int ret;

	/* an unmap of gigabytes, for the test of who waits for dma_lock */
	if (vdk_vfio_test_fault == VDK_VFIO_TEST_FAULT_SLOW_UNMAP)
		msleep(1000);
	ret = dma_unmap_unpin(iommu->domain, iommu->mm, dma, false);
	if (ret)
		return ret;
	rb_erase(&dma->node, &iommu->dma_tree);
	iommu->ndma--;
	dma_free(dma);
	return 0;
}

/* The mappings of a set whose groups have left @domain (iommu.c). */
void vdk_vfio_dma_free_tree(struct iommu_domain *domain, struct mm_struct *mm,
			    struct rb_root *tree)
{
	struct rb_node *node;

	while ((node = rb_first(tree))) {
		struct vdk_vfio_dma *dma =
			rb_entry(node, struct vdk_vfio_dma, node);

		dma_unmap_unpin(domain, mm, dma, true);
		rb_erase(node, tree);
		dma_free(dma);
		cond_resched();
	}
}

static bool resv_overlaps(struct vdk_vfio_iommu *iommu, u64 start, u64 last)
{
	unsigned int i;

	for (i = 0; i < iommu->nresv; i++)
		if (start <= iommu->resv[i].last && iommu->resv[i].start <= last)
			return true;
	return false;
}

static void resv_list_free(struct list_head *list)
{
	struct iommu_resv_region *region, *next;

	list_for_each_entry_safe(region, next, list, list) {
		list_del(&region->list);
		kfree(region);
	}
}

/*
 * Read the reserved windows of every group of the set, and of @extra, into
 * a new array (*@resv, *@nresv) for vdk_vfio_dma_set_resv(). Called with
 * iommu->lock held, before the groups are claimed: what can fail is done
 * while nothing needs undoing yet.
 */
int vdk_vfio_dma_read_resv(struct vdk_vfio_iommu *iommu,
			   struct vdk_vfio_group *extra,
			   struct vdk_vfio_resv **resv, unsigned int *nresv)
{
	struct iommu_resv_region *region;
	struct vdk_vfio_group *group;
	unsigned int n = 0;
	LIST_HEAD(list);
	int ret;

	*resv = NULL;
	*nresv = 0;
	list_for_each_entry(group, &iommu->groups, set_next) {
		ret = iommu_get_group_resv_regions(group->iommu_group, &list);
		if (ret)
			goto free_list;
	}
	if (extra) {
		ret = iommu_get_group_resv_regions(extra->iommu_group, &list);
		if (ret)
			goto free_list;
	}
	list_for_each_entry(region, &list, list)
		n++;
	ret = 0;
	if (!n)
		goto free_list;
	*resv = kcalloc(n, sizeof(**resv), GFP_KERNEL);
	if (!*resv) {
		ret = -ENOMEM;
		goto free_list;
	}
	n = 0;
	list_for_each_entry(region, &list, list) {
		(*resv)[n].start = region->start;
		(*resv)[n].last = region->start + region->length - 1;
		n++;
	}
	*nresv = n;
free_list:
	resv_list_free(&list);
	return ret;
}

/* Install what vdk_vfio_dma_read_resv() read; called with dma_lock held. */
void vdk_vfio_dma_set_resv(struct vdk_vfio_iommu *iommu,
			   struct vdk_vfio_resv *resv, unsigned int nresv)
{
	lockdep_assert_held(&iommu->dma_lock);
	kfree(iommu->resv);
	iommu->resv = resv;
	iommu->nresv = nresv;
}

/*
 * Would a window of @resv (what vdk_vfio_dma_read_resv() read for a merge)
 * fall on one of the set's mappings? The set's own windows never do: MAP_DMA
 * refuses them. Called with dma_lock held.
 */
bool vdk_vfio_dma_resv_conflicts(struct vdk_vfio_iommu *iommu,
				 const struct vdk_vfio_resv *resv,
				 unsigned int nresv)
{
	unsigned int i;

	lockdep_assert_held(&iommu->dma_lock);
	for (i = 0; i < nresv; i++)
		if (dma_find_first(iommu, resv[i].start, resv[i].last))
			return true;
	return false;
}

static int dma_check_range(struct vdk_vfio_iommu *iommu, u64 iova, u64 size,
			   u64 *last)
{
	if (!size || !IS_ALIGNED(iova, iommu->alignment) ||
	    !IS_ALIGNED(size, iommu->alignment))
		return -EINVAL;
	if (check_add_overflow(iova, size - 1, last))
		return -EINVAL;
	if (iova < iommu->iova_min || *last > iommu->iova_max)
		return -EINVAL;
	return 0;
}

/* Checks that need the set's geometry; called with dma_lock held. */
static int dma_check_map(struct vdk_vfio_iommu *iommu,
			 const struct vdk_vfio_dma_map *map, u64 *last)
{
	u64 vlast;
	int ret;

	ret = dma_check_range(iommu, map->iova, map->size, last);
	if (ret)
		return ret;
	if (!IS_ALIGNED(map->vaddr, iommu->alignment) ||
	    check_add_overflow(map->vaddr, map->size - 1, &vlast))
		return -EINVAL;
	if (resv_overlaps(iommu, map->iova, *last))
		return -EINVAL;
	if (dma_find_first(iommu, map->iova, *last))
		return -EEXIST;
	if (iommu->ndma >= VDK_VFIO_DMA_MAX_MAPPINGS)
		return -ENOSPC;
	return 0;
}

static int dma_map(struct vdk_vfio_iommu *iommu,
		   const struct vdk_vfio_dma_map *map)
{
	struct vdk_vfio_dma *dma;
	u64 last;
	int ret;

	if (!(map->flags & (VDK_VFIO_DMA_MAP_FLAG_READ |
			    VDK_VFIO_DMA_MAP_FLAG_WRITE)))
		return -EINVAL;

	dma = kzalloc(sizeof(*dma), GFP_KERNEL_ACCOUNT);
	if (!dma)
		return -ENOMEM;
	dma->iova = map->iova;
	dma->size = map->size;
	dma->vaddr = map->vaddr;
	dma->npages = map->size >> PAGE_SHIFT;
	dma->prot = iommu->prot_extra;
	if (map->flags & VDK_VFIO_DMA_MAP_FLAG_READ)
		dma->prot |= IOMMU_READ;
	if (map->flags & VDK_VFIO_DMA_MAP_FLAG_WRITE)
		dma->prot |= IOMMU_WRITE;

	/* refuse early what is refused anyway, before pinning anything */
	mutex_lock(&iommu->dma_lock);
	ret = dma_check_map(iommu, map, &last);
	mutex_unlock(&iommu->dma_lock);
	if (ret)
		goto free;
	ret = dma_charge(iommu->mm, dma->npages);
	if (ret)
		goto free;
	ret = dma_pin(dma);
	if (ret)
		goto unpin;

	/* another MAP_DMA may have taken the range while this one pinned */
	mutex_lock(&iommu->dma_lock);
	ret = dma_check_map(iommu, map, &last);
	if (!ret)
		ret = dma_iommu_map(iommu, dma);
	if (ret) {
		mutex_unlock(&iommu->dma_lock);
		goto unpin;
	}
	dma_link(iommu, dma);
	iommu->ndma++;
	atomic_inc(&vdk_vfio_dma_mappings);
	mutex_unlock(&iommu->dma_lock);
	return 0;

unpin:
	dma_unpin(dma);
	dma_uncharge(iommu->mm, dma->npages);
free:
	dma_free(dma);
	return ret;
}

/*
 * Unmap every mapping inside [iova, iova + size). A range that cuts a
 * mapping in two is refused whole, so a failed unmap changes nothing.
 */
static int dma_unmap(struct vdk_vfio_iommu *iommu,
		     const struct vdk_vfio_dma_map *map)
{
	struct vdk_vfio_dma *dma;
	u64 last;
	int ret;

	mutex_lock(&iommu->dma_lock);
	ret = dma_check_range(iommu, map->iova, map->size, &last);
	if (ret)
		goto unlock;
	dma = dma_find_first(iommu, map->iova, last);
	if (!dma) {
		ret = -ENOENT;
		goto unlock;
	}
	if (dma->iova < map->iova) {
		ret = -EINVAL;
		goto unlock;
	}
	dma = dma_find_first(iommu, last, last);
	if (dma && dma_last(dma) > last) {
		ret = -EINVAL;
		goto unlock;
	}
	while ((dma = dma_find_first(iommu, map->iova, last))) {
		ret = dma_remove(iommu, dma);
		if (ret)
			break;
	}
unlock:
	mutex_unlock(&iommu->dma_lock);
	return ret;
}

long vdk_vfio_dma_ioctl_map(struct vdk_vfio_iommu *iommu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vdk_vfio_dma_map, size);
	struct vdk_vfio_dma_map map;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz ||
	    map.flags & ~(VDK_VFIO_DMA_MAP_FLAG_MAP |
			  VDK_VFIO_DMA_MAP_FLAG_READ |
			  VDK_VFIO_DMA_MAP_FLAG_WRITE))
		return -EINVAL;
	/* Pins come from the set's mm, and only its process may unmap them. */
	if (current->mm != iommu->mm)
		return -EPERM;
	if (map.flags & VDK_VFIO_DMA_MAP_FLAG_MAP)
		return dma_map(iommu, &map);
	/* READ and WRITE mean nothing to an unmap: refuse, don't ignore. */
	if (map.flags)
		return -EINVAL;
	return dma_unmap(iommu, &map);
}
