/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko pin accounting (kernel/linux/vdk_vfio/dma.c): every page
 * MAP_DMA pins comes back after an unmap, after the last fd is closed,
 * and after the process is killed, idle or in the middle of a MAP_DMA.
 * The module's debugfs counter and the process's VmPin tell, and so does
 * the kernel's own count, which does not take the module's word for it:
 * /proc/vmstat nr_foll_pin_acquired - nr_foll_pin_released is back where
 * it started after each test.
 *
 * usage: test_vdk_vfio_pins NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kmod_util.h"

#define PAGE	4096ull
#define IOVA	0x100000000ull

static const char *nvme_bdf;
static const char *nic_bdf;
static long foll_pins_at_start;

static int check_nothing_pinned(void **state)
{
	long foll = kmod_foll_pins();

	(void)state;
	if (foll != foll_pins_at_start) {
		fprintf(stderr, "/proc/vmstat counts %ld pages pinned and not released\n",
			foll - foll_pins_at_start);
		return -1;
	}
	return kmod_pinned_pages() == 0 && kmod_debugfs("dma_mappings") == 0 ?
	       0 : -1;
}

static void *buffer(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memset(p, 0xa5, len);
	return p;
}

static void test_pins_return_after_unmap(void **state)
{
	size_t len = 4u << 20;
	uint8_t *buf = buffer(len);
	int group = kmod_group_open(nvme_bdf);
	int iommu = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);

	(void)state;
	assert_true(iommu >= 0);
	assert_int_equal(kmod_map(iommu, (uintptr_t)buf, IOVA, len / 2,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_map(iommu, (uintptr_t)buf + len / 2,
				  IOVA + len, len / 2, KMOD_MAP_RW), 0);
	assert_int_equal(kmod_pinned_pages(), len / PAGE);
	assert_int_equal(kmod_status_kb("VmPin"), len / 1024);
	assert_int_equal(kmod_unmap(iommu, IOVA, len / 2), 0);
	assert_int_equal(kmod_pinned_pages(), len / 2 / PAGE);
	assert_int_equal(kmod_unmap(iommu, IOVA + len, len / 2), 0);
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_status_kb("VmPin"), 0);
	close(iommu);
	close(group);
	munmap(buf, len);
}

static void test_pins_return_after_close(void **state)
{
	size_t len = 4u << 20;
	uint8_t *buf = buffer(len);
	int group = kmod_group_open(nvme_bdf);
	int iommu = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);

	(void)state;
	assert_int_equal(kmod_map(iommu, (uintptr_t)buf, IOVA, len,
				  KMOD_MAP_RW), 0);
	close(group);	/* the group fd does not hold the set */
	assert_int_equal(kmod_pinned_pages(), len / PAGE);
	close(iommu);
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_status_kb("VmPin"), 0);
	munmap(buf, len);
}

static void test_pins_last_until_the_last_device_fd(void **state)
{
	size_t len = 1u << 20;
	uint8_t *buf = buffer(len);
	int group = kmod_group_open(nvme_bdf);
	int iommu = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	int dev = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_DEVICE_FD,
				  (void *)nvme_bdf);

	(void)state;
	assert_true(dev >= 0);
	assert_int_equal(kmod_map(iommu, (uintptr_t)buf, IOVA, len,
				  KMOD_MAP_RW), 0);
	/* the device may still be doing DMA into these pages */
	close(iommu);
	assert_int_equal(kmod_pinned_pages(), len / PAGE);
	close(dev);
	assert_int_equal(kmod_pinned_pages(), 0);
	close(group);
	munmap(buf, len);
}

static void test_pins_return_after_merged_set_closes(void **state)
{
	size_t len = 1u << 20;
	uint8_t *buf = buffer(len);
	int a = kmod_group_open(nvme_bdf);
	int b = kmod_group_open(nic_bdf);
	int32_t bfd = b;
	int iommu;

	(void)state;
	assert_int_equal(kmod_ioctl(a, VDK_VFIO_GROUP_MERGE, &bfd), 0);
	iommu = (int)kmod_ioctl(b, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_int_equal(kmod_map(iommu, (uintptr_t)buf, IOVA, len,
				  KMOD_MAP_RW), 0);
	close(a);
	close(b);
	assert_int_equal(kmod_pinned_pages(), len / PAGE);
	close(iommu);
	assert_int_equal(kmod_pinned_pages(), 0);
	munmap(buf, len);
}

/*
 * Child: map len bytes in chunks forever, telling the parent through
 * @ready once the first chunk is pinned.
 */
static void child_map_forever(int ready, size_t len, size_t chunk)
{
	uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	int group = kmod_group_open(nvme_bdf);
	int iommu = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	char c = 'r';

	if (buf == MAP_FAILED || iommu < 0)
		_exit(1);
	if (kmod_map(iommu, (uintptr_t)buf, IOVA, chunk, KMOD_MAP_RW))
		_exit(2);
	if (write(ready, &c, 1) != 1)
		_exit(3);
	for (;;) {
		/* unmap and map again: a kill lands in either, or between */
		kmod_unmap(iommu, IOVA + len, len);
		kmod_map(iommu, (uintptr_t)buf, IOVA + len, len, KMOD_MAP_RW);
	}
}

static void kill_child_mid_run(size_t len, size_t chunk, int delay_ms)
{
	struct timespec t = { 0, delay_ms * 1000000L };
	int pipefd[2], status;
	pid_t pid;
	char c;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		child_map_forever(pipefd[1], len, chunk);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	assert_true(kmod_pinned_pages() >= (long)(chunk / PAGE));
	nanosleep(&t, NULL);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	/* the fds were released before the child became a zombie */
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_debugfs("dma_mappings"), 0);
}

static void test_pins_return_after_kill_while_idle(void **state)
{
	(void)state;
	kill_child_mid_run(8u << 20, 8u << 20, 0);
}

static void test_pins_return_after_kill_during_map(void **state)
{
	int i;

	(void)state;
	/* 64 MiB takes long enough to pin that kills land inside MAP_DMA */
	for (i = 0; i < 5; i++)
		kill_child_mid_run(64u << 20, 1u << 20, 5 + 17 * i);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, check_nothing_pinned)
		T(test_pins_return_after_unmap),
		T(test_pins_return_after_close),
		T(test_pins_last_until_the_last_device_fd),
		T(test_pins_return_after_merged_set_closes),
		T(test_pins_return_after_kill_while_idle),
		T(test_pins_return_after_kill_during_map),
#undef T
	};

	if (kmod_args(argc, argv, &nvme_bdf, &nic_bdf))
		return 2;
	if (kmod_pinned_pages() < 0) {
		fprintf(stderr, "%s: cannot read " KMOD_DEBUGFS "pinned_pages: mount debugfs and load vdk_vfio\n",
			argv[0]);
		return 2;
	}
	foll_pins_at_start = kmod_foll_pins();
	if (foll_pins_at_start == LONG_MIN) {
		fprintf(stderr, "%s: cannot read nr_foll_pin_* from /proc/vmstat\n",
			argv[0]);
		return 2;
	}
	return cmocka_run_group_tests_name("vdk_vfio pins", tests, NULL, NULL);
}
