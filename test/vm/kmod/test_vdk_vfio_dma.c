/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko IOMMU fds (kernel/linux/vdk_vfio/dma.c, iommu.c): GET_INFO
 * and MAP_DMA, every refusal with its errno, pins counted and returned,
 * RLIMIT_MEMLOCK. Runs in the vm guest with the module loaded and both
 * devices bound to vdk-vfio-pci.
 *
 * usage: test_vdk_vfio_dma NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kmod_util.h"

#define BUF_SIZE	(1u << 20)
#define PAGE		4096ull
/* An IOVA well clear of the reserved interrupt window. */
#define IOVA		0x100000000ull

static const char *nvme_bdf;
static const char *nic_bdf;

struct iommu {
	int group;
	int fd;
	struct vdk_vfio_iommu_info info;
	uint8_t *buf;
};

static int setup(void **state)
{
	struct iommu *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	m->group = kmod_group_open(nvme_bdf);
	if (m->group < 0)
		return -1;
	m->fd = (int)kmod_ioctl(m->group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	if (m->fd < 0)
		return -1;
	m->info.argsz = sizeof(m->info);
	if (kmod_ioctl(m->fd, VDK_VFIO_IOMMU_GET_INFO, &m->info))
		return -1;
	m->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->buf == MAP_FAILED)
		return -1;
	memset(m->buf, 0x5a, BUF_SIZE);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct iommu *m = *state;

	munmap(m->buf, BUF_SIZE);
	close(m->fd);
	close(m->group);
	free(m);
	/* every test leaves nothing pinned once its fds are closed */
	return kmod_pinned_pages() == 0 ? 0 : -1;
}

static uint64_t va(struct iommu *m, size_t off)
{
	return (uintptr_t)m->buf + off;
}

static void test_iommu_info_reports_window_and_alignment(void **state)
{
	struct iommu *m = *state;

	/* the guest's IOMMU has 48 address bits (aw-bits=48) */
	assert_int_equal(m->info.iova_min, 0);
	assert_int_equal(m->info.iova_max, (1ull << 48) - 1);
	assert_int_equal(m->info.alignment, PAGE);
	assert_int_equal(m->info.flags, 0);
}

static void test_iommu_info_rejects_short_argsz(void **state)
{
	struct iommu *m = *state;
	struct vdk_vfio_iommu_info info = {
		.argsz = offsetof(struct vdk_vfio_iommu_info, alignment),
	};

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_IOMMU_GET_INFO, &info),
			 -EINVAL);
}

static void test_iommu_info_rejects_unknown_flags(void **state)
{
	struct iommu *m = *state;
	struct vdk_vfio_iommu_info info = { .argsz = sizeof(info), .flags = 2 };

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_IOMMU_GET_INFO, &info),
			 -EINVAL);
}

static void test_iommu_info_rejects_bad_pointer(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_IOMMU_GET_INFO, NULL),
			 -EFAULT);
}

static void test_iommu_unknown_request_is_enotty(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_GROUP_GET_INFO, NULL),
			 -ENOTTY);
	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_DEVICE_RESET, NULL),
			 -ENOTTY);
}

static void test_map_then_unmap_returns_pins(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, 256 * 1024,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_pinned_pages(), 64);
	assert_int_equal(kmod_debugfs("dma_mappings"), 1);
	assert_int_equal(kmod_status_kb("VmPin"), 256);
	assert_int_equal(kmod_unmap(m->fd, IOVA, 256 * 1024), 0);
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_debugfs("dma_mappings"), 0);
	assert_int_equal(kmod_status_kb("VmPin"), 0);
}

static void test_map_rejects_zero_size(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, 0, KMOD_MAP_RW),
			 -EINVAL);
}

static void test_map_rejects_unaligned(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA + 512, PAGE,
				  KMOD_MAP_RW), -EINVAL);
	assert_int_equal(kmod_map(m->fd, va(m, 8), IOVA, PAGE, KMOD_MAP_RW),
			 -EINVAL);
	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, PAGE + 1,
				  KMOD_MAP_RW), -EINVAL);
	assert_int_equal(kmod_pinned_pages(), 0);
}

static void test_map_rejects_no_access(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, PAGE,
				  VDK_VFIO_DMA_MAP_FLAG_MAP), -EINVAL);
}

static void test_map_rejects_unknown_flags(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, PAGE,
				  KMOD_MAP_RW | (1u << 3)), -EINVAL);
	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, PAGE,
				  KMOD_MAP_RW | (1u << 31)), -EINVAL);
}

static void test_map_rejects_short_argsz(void **state)
{
	struct iommu *m = *state;
	struct vdk_vfio_dma_map map = {
		.argsz = offsetof(struct vdk_vfio_dma_map, size),
		.flags = KMOD_MAP_RW, .vaddr = va(m, 0), .iova = IOVA,
		.size = PAGE,
	};

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_IOMMU_MAP_DMA, &map),
			 -EINVAL);
}

static void test_map_accepts_larger_argsz(void **state)
{
	struct iommu *m = *state;
	struct {
		struct vdk_vfio_dma_map map;
		uint64_t future;
	} arg = {
		.map = { .argsz = sizeof(arg), .flags = KMOD_MAP_RW,
			 .vaddr = va(m, 0), .iova = IOVA, .size = PAGE },
	};

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_IOMMU_MAP_DMA, &arg), 0);
	assert_int_equal(kmod_unmap(m->fd, IOVA, PAGE), 0);
}

static void test_map_rejects_bad_pointer(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_ioctl(m->fd, VDK_VFIO_IOMMU_MAP_DMA, (void *)8),
			 -EFAULT);
}

static void test_map_rejects_wrapping_ranges(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), -PAGE, 2 * PAGE,
				  KMOD_MAP_RW), -EINVAL);
	assert_int_equal(kmod_map(m->fd, -PAGE, IOVA, 2 * PAGE, KMOD_MAP_RW),
			 -EINVAL);
	assert_int_equal(kmod_unmap(m->fd, -PAGE, 2 * PAGE), -EINVAL);
}

static void test_map_rejects_beyond_iova_max(void **state)
{
	struct iommu *m = *state;
	uint64_t end = m->info.iova_max + 1;

	assert_int_equal(kmod_map(m->fd, va(m, 0), end, PAGE, KMOD_MAP_RW),
			 -EINVAL);
	assert_int_equal(kmod_map(m->fd, va(m, 0), end - PAGE, 2 * PAGE,
				  KMOD_MAP_RW), -EINVAL);
	/* the last page itself is fine */
	assert_int_equal(kmod_map(m->fd, va(m, 0), end - PAGE, PAGE,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_unmap(m->fd, end - PAGE, PAGE), 0);
}

static void test_map_rejects_reserved_interrupt_window(void **state)
{
	struct iommu *m = *state;

	/* x86's MSI window, 0xfee00000-0xfeefffff, belongs to the IOMMU */
	assert_int_equal(kmod_map(m->fd, va(m, 0), 0xfee00000ull, PAGE,
				  KMOD_MAP_RW), -EINVAL);
	assert_int_equal(kmod_map(m->fd, va(m, 0), 0xfedff000ull, 2 * PAGE,
				  KMOD_MAP_RW), -EINVAL);
	assert_int_equal(kmod_map(m->fd, va(m, 0), 0xfedff000ull, PAGE,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_unmap(m->fd, 0xfedff000ull, PAGE), 0);
}

static void test_map_rejects_overlap(void **state)
{
	struct iommu *m = *state;
	uint64_t x = IOVA + 16 * PAGE;

	assert_int_equal(kmod_map(m->fd, va(m, 0), x, 4 * PAGE, KMOD_MAP_RW),
			 0);
	assert_int_equal(kmod_map(m->fd, va(m, 0), x, 4 * PAGE, KMOD_MAP_RW),
			 -EEXIST);
	assert_int_equal(kmod_map(m->fd, va(m, 0), x - PAGE, 2 * PAGE,
				  KMOD_MAP_RW), -EEXIST);
	assert_int_equal(kmod_map(m->fd, va(m, 0), x + 3 * PAGE, 2 * PAGE,
				  KMOD_MAP_RW), -EEXIST);
	assert_int_equal(kmod_map(m->fd, va(m, 0), x + PAGE, PAGE,
				  KMOD_MAP_RW), -EEXIST);
	assert_int_equal(kmod_map(m->fd, va(m, 0), x - PAGE, 6 * PAGE,
				  KMOD_MAP_RW), -EEXIST);
	assert_int_equal(kmod_pinned_pages(), 4);
	/* neighbours on both sides are fine */
	assert_int_equal(kmod_map(m->fd, va(m, 0), x - PAGE, PAGE,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_map(m->fd, va(m, 0), x + 4 * PAGE, PAGE,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_unmap(m->fd, x - PAGE, 6 * PAGE), 0);
}

static void test_map_rejects_unmapped_vaddr(void **state)
{
	struct iommu *m = *state;
	void *hole = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(hole != MAP_FAILED);
	/* the last page is gone: what was pinned before it comes back */
	munmap((char *)hole + 3 * PAGE, PAGE);
	assert_int_equal(kmod_map(m->fd, (uintptr_t)hole, IOVA, 4 * PAGE,
				  KMOD_MAP_RW), -EFAULT);
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_status_kb("VmPin"), 0);
	munmap(hole, 3 * PAGE);
}

static void test_map_read_only_memory_needs_read_only_mapping(void **state)
{
	struct iommu *m = *state;
	void *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);

	assert_true(ro != MAP_FAILED);
	assert_int_equal(kmod_map(m->fd, (uintptr_t)ro, IOVA, PAGE,
				  KMOD_MAP_RW), -EFAULT);
	assert_int_equal(kmod_map(m->fd, (uintptr_t)ro, IOVA, PAGE,
				  VDK_VFIO_DMA_MAP_FLAG_MAP |
				  VDK_VFIO_DMA_MAP_FLAG_READ), 0);
	assert_int_equal(kmod_unmap(m->fd, IOVA, PAGE), 0);
	munmap(ro, PAGE);
}

static void test_unmap_of_nothing_is_enoent(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_unmap(m->fd, IOVA, PAGE), -ENOENT);
}

static void test_unmap_rejects_cutting_a_mapping(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, 4 * PAGE,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_unmap(m->fd, IOVA, PAGE), -EINVAL);
	assert_int_equal(kmod_unmap(m->fd, IOVA + PAGE, 4 * PAGE), -EINVAL);
	assert_int_equal(kmod_unmap(m->fd, IOVA - PAGE, 2 * PAGE), -EINVAL);
	/* a refused unmap changed nothing */
	assert_int_equal(kmod_pinned_pages(), 4);
	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, 4 * PAGE,
				  KMOD_MAP_RW), -EEXIST);
	assert_int_equal(kmod_unmap(m->fd, IOVA - PAGE, 6 * PAGE), 0);
}

static void test_unmap_rejects_access_flags(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, PAGE, KMOD_MAP_RW),
			 0);
	assert_int_equal(kmod_map(m->fd, 0, IOVA, PAGE,
				  VDK_VFIO_DMA_MAP_FLAG_READ), -EINVAL);
	assert_int_equal(kmod_unmap(m->fd, IOVA, 0), -EINVAL);
	assert_int_equal(kmod_unmap(m->fd, IOVA + 1, PAGE), -EINVAL);
	assert_int_equal(kmod_unmap(m->fd, IOVA, PAGE), 0);
}

static void test_unmap_takes_every_mapping_in_range(void **state)
{
	struct iommu *m = *state;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(kmod_map(m->fd, va(m, i * 8 * PAGE),
					  IOVA + i * 16 * PAGE, 8 * PAGE,
					  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_pinned_pages(), 24);
	assert_int_equal(kmod_unmap(m->fd, IOVA, 48 * PAGE), 0);
	assert_int_equal(kmod_pinned_pages(), 0);
}

static void test_close_unpins_everything(void **state)
{
	struct iommu *m = *state;

	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, BUF_SIZE,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_pinned_pages(), BUF_SIZE / PAGE);
	close(m->fd);
	assert_int_equal(kmod_pinned_pages(), 0);
	assert_int_equal(kmod_status_kb("VmPin"), 0);
	m->fd = (int)kmod_ioctl(m->group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(m->fd >= 0);
	/* a new use of the set starts empty */
	assert_int_equal(kmod_unmap(m->fd, IOVA, BUF_SIZE), -ENOENT);
}

/* Child: own group (the parent holds the NVMe's), CAP_IPC_LOCK dropped. */
static int child_memlock(void)
{
	struct rlimit lim = { 128 * 1024, 128 * 1024 };
	int group = kmod_group_open(nic_bdf);
	uint8_t *buf;
	int fd;

	buf = mmap(NULL, 512 * 1024, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (group < 0 || buf == MAP_FAILED)
		return 10;
	fd = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	if (fd < 0 || kmod_drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &lim))
		return 11;
	if (kmod_map(fd, (uintptr_t)buf, IOVA, 64 * 1024, KMOD_MAP_RW))
		return 12;
	if (kmod_map(fd, (uintptr_t)buf, IOVA + (1 << 20), 128 * 1024,
		     KMOD_MAP_RW) != -ENOMEM)
		return 13;
	if (kmod_map(fd, (uintptr_t)buf, IOVA + (2 << 20), 64 * 1024,
		     KMOD_MAP_RW))
		return 14;
	if (kmod_map(fd, (uintptr_t)buf, IOVA + (3 << 20), PAGE,
		     KMOD_MAP_RW) != -ENOMEM)
		return 15;
	if (kmod_status_kb("VmPin") != 128)
		return 16;
	if (kmod_unmap(fd, IOVA, 1 << 20) || kmod_status_kb("VmPin") != 64)
		return 17;
	return 0;
}

static void test_map_charges_rlimit_memlock(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_memlock());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_map_from_another_process_is_eperm(void **state)
{
	struct iommu *m = *state;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(kmod_map(m->fd, va(m, 0), IOVA, PAGE, KMOD_MAP_RW) ==
		      -EPERM ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA, PAGE, KMOD_MAP_RW),
			 0);
	assert_int_equal(kmod_unmap(m->fd, IOVA, PAGE), 0);
}

static void test_map_count_is_bounded(void **state)
{
	struct iommu *m = *state;
	const long max = 65535;
	long i;

	/* one page mapped many times: cheap, and still one record each */
	for (i = 0; i < max; i++)
		if (kmod_map(m->fd, va(m, 0), IOVA + i * PAGE, PAGE,
			     KMOD_MAP_RW))
			break;
	assert_int_equal(i, max);
	assert_int_equal(kmod_map(m->fd, va(m, 0), IOVA + max * PAGE, PAGE,
				  KMOD_MAP_RW), -ENOSPC);
	assert_int_equal(kmod_pinned_pages(), max);
	assert_int_equal(kmod_unmap(m->fd, IOVA, max * PAGE), 0);
	assert_int_equal(kmod_pinned_pages(), 0);
}

static void test_map_hugepage_buffer(void **state)
{
	struct iommu *m = *state;
	size_t len = 2u << 20;
	void *huge = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (huge == MAP_FAILED)
		skip();	/* no hugepages reserved (vm-run --hugepages) */
	memset(huge, 1, len);
	assert_int_equal(kmod_map(m->fd, (uintptr_t)huge, 1ull << 32, len,
				  KMOD_MAP_RW), 0);
	assert_int_equal(kmod_pinned_pages(), len / PAGE);
	assert_int_equal(kmod_unmap(m->fd, 1ull << 32, len), 0);
	assert_int_equal(kmod_pinned_pages(), 0);
	munmap(huge, len);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_iommu_info_reports_window_and_alignment),
		T(test_iommu_info_rejects_short_argsz),
		T(test_iommu_info_rejects_unknown_flags),
		T(test_iommu_info_rejects_bad_pointer),
		T(test_iommu_unknown_request_is_enotty),
		T(test_map_then_unmap_returns_pins),
		T(test_map_rejects_zero_size),
		T(test_map_rejects_unaligned),
		T(test_map_rejects_no_access),
		T(test_map_rejects_unknown_flags),
		T(test_map_rejects_short_argsz),
		T(test_map_accepts_larger_argsz),
		T(test_map_rejects_bad_pointer),
		T(test_map_rejects_wrapping_ranges),
		T(test_map_rejects_beyond_iova_max),
		T(test_map_rejects_reserved_interrupt_window),
		T(test_map_rejects_overlap),
		T(test_map_rejects_unmapped_vaddr),
		T(test_map_read_only_memory_needs_read_only_mapping),
		T(test_unmap_of_nothing_is_enoent),
		T(test_unmap_rejects_cutting_a_mapping),
		T(test_unmap_rejects_access_flags),
		T(test_unmap_takes_every_mapping_in_range),
		T(test_close_unpins_everything),
		T(test_map_charges_rlimit_memlock),
		T(test_map_from_another_process_is_eperm),
		T(test_map_count_is_bounded),
		T(test_map_hugepage_buffer),
#undef T
	};

	if (kmod_args(argc, argv, &nvme_bdf, &nic_bdf))
		return 2;
	return cmocka_run_group_tests_name("vdk_vfio dma", tests, NULL, NULL);
}
