/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko's error paths, each reached on purpose: the calls that put a
 * set in use, merge into one and map memory are repeated with the 1st,
 * 2nd, 3rd... kernel allocation (or user copy) of the calling thread made
 * to fail (/proc/thread-self/fail-nth), until one runs with no failure
 * left to make. Each failed call must return the errno of what failed
 * (ENOMEM; EFAULT for a user copy), not one that blames something else
 * (EBUSY: "a driver uses the device", ENODEV, EINVAL), and leave nothing
 * behind: nothing pinned, and the same call working next. KASAN, lockdep
 * and kmemleak watch the unwinding (vm-debug tier only: the stock kernel
 * has no fault injection).
 *
 * One failure a call, unlike the fuzzer's random ones: the kernel's own
 * unwinding allocates too (a release of DMA ownership attaches the
 * default domain, which can fail and only WARNs), and a second failure
 * there would be the kernel's fault, not the module's.
 *
 * usage: test_vdk_vfio_faults NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdbool.h>
#include <sys/mman.h>

#include "kmod_util.h"

#define PAGE		4096ull
#define IOVA		0x100000000ull
#define MAX_NTH		2000	/* far more allocations than any call makes */
#define FAULT_DIR	"/sys/kernel/debug/"

static const char *nvme_bdf;
static const char *nic_bdf;
static long foll_pins_at_start;
static int fail_nth = -1;	/* /proc/thread-self/fail-nth */

/* Put @bdf's group in use and out again: 0, or -1. */
static int use_once(const char *bdf)
{
	int group = kmod_group_open(bdf);
	int iommu = group < 0 ? group :
		(int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);

	if (iommu < 0)
		fprintf(stderr, "%s: group not usable: %s\n", bdf,
			strerror(-iommu));
	else
		close(iommu);
	if (group >= 0)
		close(group);
	return iommu < 0 ? -1 : 0;
}

/*
 * Count GFP_KERNEL slab and page allocations of every order (what the
 * module and the IOMMU driver use) towards fail-nth, not only the atomic
 * and order > 0 ones the defaults count; user pages too. Quiet, and no
 * random failures: only fail-nth's.
 */
static int setup(void **state)
{
	static const char *const set[] = {
		"failslab/probability", "0",
		"failslab/ignore-gfp-wait", "N",
		"failslab/verbose", "0",
		"fail_page_alloc/probability", "0",
		"fail_page_alloc/ignore-gfp-wait", "N",
		"fail_page_alloc/ignore-gfp-highmem", "N",
		"fail_page_alloc/min-order", "0",
		"fail_page_alloc/verbose", "0",
		"fail_usercopy/verbose", "0",
		NULL };
	const char *const *p;
	char path[128];

	(void)state;
	for (p = set; *p; p += 2) {
		snprintf(path, sizeof(path), FAULT_DIR "%s", p[0]);
		if (kmod_sysfs_write(path, p[1])) {
			fprintf(stderr, "cannot write %s to %s: a kernel without FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC (the vm-debug tier's has them)?\n",
				p[1], path);
			return -1;
		}
	}
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth < 0) {
		perror("/proc/thread-self/fail-nth");
		return -1;
	}
	/*
	 * Each group in use once without faults: the kernel allocates a
	 * group's blocking domain at its first DMA-ownership claim and
	 * reports that allocation's failure as EINVAL, which is not the
	 * module's to change.
	 */
	return use_once(nvme_bdf) || use_once(nic_bdf) ? -1 : 0;
}

/* After each test, even one an assertion ended: no fault armed, no fd. */
static int teardown(void **state)
{
	int fd;

	(void)state;
	while (pwrite(fail_nth, "0", 1, 0) != 1 && errno == EFAULT)
		;
	for (fd = 3; fd < 256; fd++)
		if (fd != fail_nth)
			close(fd);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	if (fail_nth >= 0)
		close(fail_nth);
	return 0;
}

/* Make the @nth fallible kernel call of this thread fail. */
static void fail_arm(unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	assert_int_equal(pwrite(fail_nth, buf, len, 0), len);
}

/*
 * Disarm, and tell whether the failure was made. The read itself may be
 * the call that fails (a user copy): then nothing had failed before it.
 */
static bool fail_disarm(void)
{
	char buf[16] = "";
	bool made = pread(fail_nth, buf, sizeof(buf) - 1, 0) > 0 &&
		    strtol(buf, NULL, 10) == 0;

	/* the write's own copy may be the one that fails: then it is done */
	while (pwrite(fail_nth, "0", 1, 0) != 1)
		assert_int_equal(errno, EFAULT);
	return made;
}

/* Nothing pinned, by the module's count and by the kernel's. */
static void assert_nothing_pinned(void)
{
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_debugfs("dma_mappings"), 0);
	assert_int_equal(kmod_foll_pins(), foll_pins_at_start);
}

/*
 * What a sweep saw: calls failed by the fault (with the errno of what
 * failed, or @wrong), and faults the call absorbed (an allocation with a
 * fallback).
 */
struct sweep {
	unsigned int failed;
	unsigned int wrong;
	unsigned int absorbed;
	unsigned int nth;	/* the first that made no failure */
};

/* A call failed by fault @s->nth returned @ret; @want is right. */
static void sweep_failed(struct sweep *s, const char *call, long ret,
			 long want)
{
	s->failed++;
	if (ret == want)
		return;
	s->wrong++;
	printf("failure %u: %s returned %s, not %s\n", s->nth, call,
	       strerror((int)-ret), strerror((int)-want));
}

/* Print what @s saw, and check it: every failure with its errno. */
static void sweep_check(const char *what, const struct sweep *s)
{
	printf("%s: %u allocations and copies deep; %u failed it (%u with a wrong errno), %u were absorbed\n",
	       what, s->nth - 1, s->failed, s->wrong, s->absorbed);
	assert_true(s->nth < MAX_NTH);
	assert_true(s->failed > 0);
	assert_int_equal(s->wrong, 0);
}

/*
 * Put an idle set in use (GET_IOMMU_FD) with each of its kernel calls
 * failing in turn: the domain, the reserved windows, each group's DMA
 * ownership and attach, the fd. Two merged groups, so that a failure on
 * the second group's claim unwinds the first's.
 */
static void test_use_fails_with_the_errno_of_what_failed(void **state)
{
	int a = kmod_group_open(nvme_bdf), b = kmod_group_open(nic_bdf);
	struct sweep s = { 0 };
	int iommu;
	long ret;

	(void)state;
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(kmod_ioctl(a, VDK_VFIO_GROUP_MERGE, &b), 0);
	for (s.nth = 1; s.nth < MAX_NTH; s.nth++) {
		bool made;

		fail_arm(s.nth);
		ret = kmod_ioctl(a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
		made = fail_disarm();
		if (ret >= 0) {
			close((int)ret);
			if (!made)
				break;
			s.absorbed++;
			continue;
		}
		assert_true(made);
		sweep_failed(&s, "GET_IOMMU_FD", ret, -ENOMEM);
	}
	sweep_check("GET_IOMMU_FD of two merged groups", &s);
	/* nothing left claimed: each group goes in use alone, and back */
	assert_int_equal(kmod_ioctl(a, VDK_VFIO_GROUP_UNMERGE, NULL), 0);
	iommu = (int)kmod_ioctl(b, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(iommu >= 0);
	close(iommu);
	iommu = (int)kmod_ioctl(a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(iommu >= 0);
	close(iommu);
	close(b);
	close(a);
}

/*
 * Merge a group into a set in use with each kernel call failing in turn:
 * the reserved windows, the group's DMA ownership, its attach to the
 * set's domain. A failed merge leaves the group alone and unclaimed.
 */
static void test_merge_fails_with_the_errno_of_what_failed(void **state)
{
	int a = kmod_group_open(nvme_bdf), b = kmod_group_open(nic_bdf);
	int iommu = (int)kmod_ioctl(a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	struct sweep s = { 0 };
	long ret;

	(void)state;
	assert_true(a >= 0 && b >= 0 && iommu >= 0);
	for (s.nth = 1; s.nth < MAX_NTH; s.nth++) {
		bool made;
		int alone;

		fail_arm(s.nth);
		ret = kmod_ioctl(a, VDK_VFIO_GROUP_MERGE, &b);
		made = fail_disarm();
		if (!ret) {
			assert_int_equal(kmod_ioctl(b, VDK_VFIO_GROUP_UNMERGE,
						    NULL), 0);
			if (!made)
				break;
			s.absorbed++;
			continue;
		}
		assert_true(made);
		sweep_failed(&s, "GROUP_MERGE", ret, -ENOMEM);
		/* still alone and idle: it goes in use on its own */
		assert_int_equal(kmod_ioctl(b, VDK_VFIO_GROUP_UNMERGE, NULL),
				 -EINVAL);
		alone = (int)kmod_ioctl(b, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
		assert_true(alone >= 0);
		close(alone);
	}
	sweep_check("GROUP_MERGE into a set in use", &s);
	close(iommu);
	close(b);
	close(a);
}

/*
 * MAP_DMA of 64 pages with each kernel call failing in turn: the copy of
 * the argument, the record, the pins (and the page tables their faults
 * need), the run array, the IOMMU's page tables. Nothing stays pinned or
 * mapped after a failure, and the same map works next.
 */
static void test_map_unwinds_every_failure(void **state)
{
	size_t len = 64 * PAGE;
	int group = kmod_group_open(nvme_bdf);
	int iommu = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	struct sweep s = { 0 };
	long ret;

	(void)state;
	assert_true(group >= 0 && iommu >= 0);
	for (s.nth = 1; s.nth < MAX_NTH; s.nth++) {
		/* untouched memory each time: the pins fault every page in */
		uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		bool made;

		assert_true(buf != MAP_FAILED);
		fail_arm(s.nth);
		ret = kmod_map(iommu, (uintptr_t)buf, IOVA, len, KMOD_MAP_RW);
		made = fail_disarm();
		if (!ret) {
			assert_int_equal(kmod_pinned_pages(), len / PAGE);
			assert_int_equal(kmod_unmap(iommu, IOVA, len), 0);
			munmap(buf, len);
			assert_nothing_pinned();
			if (!made)
				break;
			s.absorbed++;
			continue;
		}
		assert_true(made);
		/* the first is the copy of the argument */
		sweep_failed(&s, "MAP_DMA", ret, s.nth == 1 ? -EFAULT : -ENOMEM);
		assert_nothing_pinned();
		munmap(buf, len);
	}
	sweep_check("MAP_DMA of 64 fresh pages", &s);
	close(iommu);
	close(group);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, teardown)
		T(test_use_fails_with_the_errno_of_what_failed),
		T(test_merge_fails_with_the_errno_of_what_failed),
		T(test_map_unwinds_every_failure),
#undef T
	};

	if (kmod_args(argc, argv, &nvme_bdf, &nic_bdf))
		return 2;
	foll_pins_at_start = kmod_foll_pins();
	if (foll_pins_at_start == LONG_MIN) {
		fprintf(stderr, "cannot read nr_foll_pin_* from /proc/vmstat\n");
		return 2;
	}
	return cmocka_run_group_tests_name("vdk_vfio faults", tests, setup,
					   teardown_all);
}
