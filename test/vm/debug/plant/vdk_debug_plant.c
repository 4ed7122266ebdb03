// SPDX-License-Identifier: GPL-2.0
/*
 * vdk_debug_plant.ko: bugs planted on request, for the vm-debug tier's
 * proof that each detector of the debug kernel fires and that debug-check
 * reports it (test/vm/debug/detectors.sh). Never load it anywhere else.
 *
 * Writing a word to /sys/kernel/debug/vdk_debug_plant/trigger commits one
 * bug, the kind a driver makes:
 *   leak          four kmalloc'ed objects forgotten (kmemleak)
 *   uaf           a read of freed memory (KASAN)
 *   lockdep       two mutexes taken in both orders (lockdep; no deadlock)
 *   atomic_sleep  a GFP_KERNEL allocation under a spinlock
 *                 (DEBUG_ATOMIC_SLEEP)
 *   list          a list entry added twice (DEBUG_LIST)
 *   ubsan         a shift past the width of int (UBSAN)
 * and two words commit none but allocate, for the fault injectors:
 *   slab          kmalloc (failslab), page  alloc_page (fail_page_alloc);
 *                 -ENOMEM when the allocation failed.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct dentry *plant_dir;
static DEFINE_MUTEX(plant_a);
static DEFINE_MUTEX(plant_b);
static DEFINE_SPINLOCK(plant_spin);
static volatile int plant_shift = 33;
static volatile int plant_sink;

static void plant_leak(void)
{
	int i;

	/* Several: the last pointer may linger on a stack kmemleak scans. */
	for (i = 0; i < 4; i++) {
		char *p = kmalloc(96, GFP_KERNEL);

		if (p)
			strscpy(p, "vdk_debug_plant leak", 96);
		OPTIMIZER_HIDE_VAR(p);
	}
}

static void plant_uaf(void)
{
	char *p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	plant_sink = READ_ONCE(p[8]);
}

static void plant_lockdep(void)
{
	mutex_lock(&plant_a);
	mutex_lock(&plant_b);
	mutex_unlock(&plant_b);
	mutex_unlock(&plant_a);

	mutex_lock(&plant_b);
	mutex_lock(&plant_a);
	mutex_unlock(&plant_a);
	mutex_unlock(&plant_b);
}

static void plant_atomic_sleep(void)
{
	void *p;

	spin_lock(&plant_spin);
	p = kmalloc(16, GFP_KERNEL);
	spin_unlock(&plant_spin);
	kfree(p);
}

static void plant_list(void)
{
	LIST_HEAD(head);
	struct list_head entry;

	list_add(&entry, &head);
	list_add(&entry, &head);	/* refused, with the report */
	list_del(&entry);
}

static void plant_ubsan(void)
{
	plant_sink = 1 << plant_shift;
}

static int plant_slab(void)
{
	void *p = kmalloc(64, GFP_KERNEL);

	if (!p) {
		pr_info("vdk_debug_plant: kmalloc failed\n");
		return -ENOMEM;
	}
	kfree(p);
	return 0;
}

static int plant_page(void)
{
	struct page *page = alloc_page(GFP_KERNEL);

	if (!page) {
		pr_info("vdk_debug_plant: alloc_page failed\n");
		return -ENOMEM;
	}
	__free_page(page);
	return 0;
}

static ssize_t plant_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char word[16] = "";
	int ret = 0;

	if (len >= sizeof(word))
		return -EINVAL;
	if (copy_from_user(word, ubuf, len))
		return -EFAULT;
	strim(word);
	pr_info("vdk_debug_plant: %s\n", word);
	if (!strcmp(word, "leak"))
		plant_leak();
	else if (!strcmp(word, "uaf"))
		plant_uaf();
	else if (!strcmp(word, "lockdep"))
		plant_lockdep();
	else if (!strcmp(word, "atomic_sleep"))
		plant_atomic_sleep();
	else if (!strcmp(word, "list"))
		plant_list();
	else if (!strcmp(word, "ubsan"))
		plant_ubsan();
	else if (!strcmp(word, "slab"))
		ret = plant_slab();
	else if (!strcmp(word, "page"))
		ret = plant_page();
	else
		ret = -EINVAL;
	return ret ? ret : len;
}

static const struct file_operations plant_fops = {
	.owner = THIS_MODULE,
	.write = plant_write,
};

static int __init plant_init(void)
{
	plant_dir = debugfs_create_dir("vdk_debug_plant", NULL);
	debugfs_create_file("trigger", 0200, plant_dir, NULL, &plant_fops);
	return 0;
}

static void __exit plant_exit(void)
{
	debugfs_remove(plant_dir);
}

module_init(plant_init);
module_exit(plant_exit);
MODULE_DESCRIPTION("Planted bugs for the VDK vm-debug tier's detector proof");
MODULE_LICENSE("GPL");
