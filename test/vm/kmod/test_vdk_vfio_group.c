/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko group fds (kernel/linux/vdk_vfio/group.c, iommu.c): info,
 * merge and unmerge, IOMMU and device fds, one mm per set. Runs in the vm
 * guest with the module loaded and both devices bound to vdk-vfio-pci.
 *
 * usage: test_vdk_vfio_group NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <linux/vfio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kmod_util.h"

static const char *nvme_bdf;
static const char *nic_bdf;

struct groups {
	int a;	/* the NVMe's group */
	int b;	/* the NIC's group */
};

static int setup(void **state)
{
	struct groups *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	g->a = kmod_group_open(nvme_bdf);
	g->b = kmod_group_open(nic_bdf);
	if (g->a < 0 || g->b < 0) {
		fprintf(stderr, "cannot open the groups of %s and %s: %s\n",
			nvme_bdf, nic_bdf, strerror(g->a < 0 ? -g->a : -g->b));
		return -1;
	}
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct groups *g = *state;

	if (g->a >= 0)
		close(g->a);
	if (g->b >= 0)
		close(g->b);
	free(g);
	return 0;
}

static uint32_t group_flags(int group)
{
	struct vdk_vfio_group_info info = { .argsz = sizeof(info) };

	assert_int_equal(kmod_ioctl(group, VDK_VFIO_GROUP_GET_INFO, &info), 0);
	return info.flags;
}

static int device_fd(int group, const char *bdf)
{
	return (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_DEVICE_FD,
			       (void *)bdf);
}

static long merge(int group, int other)
{
	int32_t fd = other;

	return kmod_ioctl(group, VDK_VFIO_GROUP_MERGE, &fd);
}

static void test_group_open_is_exclusive(void **state)
{
	(void)state;
	assert_int_equal(kmod_group_open(nvme_bdf), -EBUSY);
}

static void test_group_info_viable_and_unlocked_when_idle(void **state)
{
	struct groups *g = *state;

	assert_int_equal(group_flags(g->a), VDK_VFIO_GROUP_FLAGS_VIABLE);
	assert_int_equal(group_flags(g->b), VDK_VFIO_GROUP_FLAGS_VIABLE);
}

static void test_group_info_rejects_short_argsz(void **state)
{
	struct groups *g = *state;
	struct vdk_vfio_group_info info = { .argsz = 4 };

	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_INFO, &info),
			 -EINVAL);
}

static void test_group_info_rejects_unknown_flags(void **state)
{
	struct groups *g = *state;
	struct vdk_vfio_group_info info = { .argsz = sizeof(info),
					    .flags = 1u << 31 };

	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_INFO, &info),
			 -EINVAL);
}

static void test_group_info_rejects_bad_pointer(void **state)
{
	struct groups *g = *state;

	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_INFO,
				    (void *)8), -EFAULT);
}

static void test_group_info_accepts_larger_argsz(void **state)
{
	struct groups *g = *state;
	uint32_t buf[16] = { sizeof(buf) };

	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_INFO, buf), 0);
	assert_true(buf[1] & VDK_VFIO_GROUP_FLAGS_VIABLE);
	assert_int_equal(buf[2], 0);	/* nothing written past what it knows */
}

static void test_group_unknown_request_is_enotty(void **state)
{
	struct groups *g = *state;

	assert_int_equal(kmod_ioctl(g->a, _IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + 40),
				    NULL), -ENOTTY);
	/* A mainline VFIO request never runs as one of ours. */
	assert_int_equal(kmod_ioctl(g->a, VFIO_GET_API_VERSION, NULL),
			 -ENOTTY);
	assert_int_equal(kmod_ioctl(g->a, VFIO_GROUP_GET_STATUS, NULL),
			 -ENOTTY);
}

static void test_group_mm_locked_while_iommu_fd_open(void **state)
{
	struct groups *g = *state;
	int iommu = (int)kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);

	assert_true(iommu >= 0);
	assert_true(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	assert_false(group_flags(g->b) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	close(iommu);
	assert_false(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
}

static void test_group_mm_locked_while_device_fd_open(void **state)
{
	struct groups *g = *state;
	int dev = device_fd(g->a, nvme_bdf);

	assert_true(dev >= 0);
	assert_true(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	close(dev);
	assert_false(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
}

static void test_group_iommu_fd_is_cloexec(void **state)
{
	struct groups *g = *state;
	int iommu = (int)kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	int dev = device_fd(g->a, nvme_bdf);

	assert_true(iommu >= 0 && dev >= 0);
	assert_true(fcntl(iommu, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(dev, F_GETFD) & FD_CLOEXEC);
	close(dev);
	close(iommu);
}

static void test_group_merge_rejects_closed_fd(void **state)
{
	struct groups *g = *state;
	int fd = dup(g->b);

	close(fd);
	assert_int_equal(merge(g->a, -1), -EBADF);
	assert_int_equal(merge(g->a, fd), -EBADF);
}

static void test_group_merge_rejects_non_group_fd(void **state)
{
	struct groups *g = *state;
	int null = open("/dev/null", O_RDWR);
	int iommu = (int)kmod_ioctl(g->b, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);

	assert_true(null >= 0 && iommu >= 0);
	assert_int_equal(merge(g->a, null), -EINVAL);
	assert_int_equal(merge(g->a, iommu), -EINVAL);
	close(iommu);
	close(null);
}

static void test_group_merge_rejects_itself(void **state)
{
	struct groups *g = *state;

	assert_int_equal(merge(g->a, g->a), -EINVAL);
}

static void test_group_merge_rejects_bad_pointer(void **state)
{
	struct groups *g = *state;

	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_MERGE, (void *)8),
			 -EFAULT);
}

static void test_group_merge_then_unmerge(void **state)
{
	struct groups *g = *state;

	assert_int_equal(merge(g->a, g->b), 0);
	assert_int_equal(merge(g->a, g->b), -EBUSY);
	assert_int_equal(merge(g->b, g->a), -EBUSY);
	assert_int_equal(kmod_ioctl(g->b, VDK_VFIO_GROUP_UNMERGE, NULL), 0);
	assert_int_equal(kmod_ioctl(g->b, VDK_VFIO_GROUP_UNMERGE, NULL),
			 -EINVAL);
	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_UNMERGE, NULL),
			 -EINVAL);
}

static void test_group_unmerge_of_unmerged_group_is_einval(void **state)
{
	struct groups *g = *state;

	assert_int_equal(kmod_ioctl(g->a, VDK_VFIO_GROUP_UNMERGE, NULL),
			 -EINVAL);
}

static void test_group_merge_of_group_in_use_is_ebusy(void **state)
{
	struct groups *g = *state;
	int iommu = (int)kmod_ioctl(g->b, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);

	assert_true(iommu >= 0);
	assert_int_equal(merge(g->a, g->b), -EBUSY);
	close(iommu);
	assert_int_equal(merge(g->a, g->b), 0);
}

static void test_group_merge_into_group_in_use(void **state)
{
	struct groups *g = *state;
	int iommu = (int)kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	int nic;

	assert_true(iommu >= 0);
	assert_int_equal(merge(g->a, g->b), 0);
	assert_true(group_flags(g->b) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	nic = device_fd(g->b, nic_bdf);
	assert_true(nic >= 0);
	assert_int_equal(kmod_ioctl(g->b, VDK_VFIO_GROUP_UNMERGE, NULL),
			 -EBUSY);
	close(nic);
	assert_int_equal(kmod_ioctl(g->b, VDK_VFIO_GROUP_UNMERGE, NULL), 0);
	assert_false(group_flags(g->b) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	assert_true(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	close(iommu);
}

static void test_group_merged_groups_share_one_iommu(void **state)
{
	struct groups *g = *state;
	size_t len = 4096;
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t iova = 0x100000000ull;
	int ia, ib;

	assert_true(buf != MAP_FAILED);
	assert_int_equal(merge(g->a, g->b), 0);
	ia = (int)kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	ib = (int)kmod_ioctl(g->b, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(ia >= 0 && ib >= 0);
	assert_int_equal(kmod_map(ia, (uintptr_t)buf, iova, len, KMOD_MAP_RW),
			 0);
	assert_int_equal(kmod_map(ib, (uintptr_t)buf, iova, len, KMOD_MAP_RW),
			 -EEXIST);
	assert_int_equal(kmod_unmap(ib, iova, len), 0);
	assert_int_equal(kmod_unmap(ia, iova, len), -ENOENT);
	close(ib);
	close(ia);
	munmap(buf, len);
}

static void test_group_close_leaves_the_merged_set(void **state)
{
	struct groups *g = *state;

	assert_int_equal(merge(g->a, g->b), 0);
	close(g->b);
	g->b = kmod_group_open(nic_bdf);
	assert_true(g->b >= 0);
	/* merged groups refuse a second merge: this one was let go */
	assert_int_equal(merge(g->a, g->b), 0);
}

/* In a child: the set belongs to the parent's mm. Exit status 0 = ok. */
static int child_sees_eperm(int a, int b)
{
	int ok = 1;
	long ret;

	ret = kmod_ioctl(a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	ok &= ret == -EPERM;
	ret = kmod_ioctl(b, VDK_VFIO_GROUP_GET_DEVICE_FD, (void *)nic_bdf);
	ok &= ret == -EPERM;
	return ok ? 0 : 1;
}

static void test_group_set_belongs_to_one_mm(void **state)
{
	struct groups *g = *state;
	int iommu, status;
	pid_t pid;

	assert_int_equal(merge(g->a, g->b), 0);
	iommu = (int)kmod_ioctl(g->a, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(iommu >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_sees_eperm(g->a, g->b));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(iommu);
}

static void test_group_device_fd_rejects_name_not_in_group(void **state)
{
	struct groups *g = *state;

	assert_int_equal(device_fd(g->a, nic_bdf), -ENODEV);
	assert_int_equal(device_fd(g->a, ""), -ENODEV);
	assert_int_equal(device_fd(g->a, "0000:00:04"), -ENODEV);
	assert_false(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
}

static void test_group_device_fd_bounds_the_name(void **state)
{
	struct groups *g = *state;
	char name[VDK_VFIO_DEVICE_NAME_MAX + 64];

	memset(name, 'x', sizeof(name));
	assert_int_equal(device_fd(g->a, name), -EINVAL);
	/* exactly as long as allowed: the name is read, and not found */
	name[VDK_VFIO_DEVICE_NAME_MAX - 1] = '\0';
	assert_int_equal(device_fd(g->a, name), -ENODEV);
	name[VDK_VFIO_DEVICE_NAME_MAX - 1] = 'x';
	name[VDK_VFIO_DEVICE_NAME_MAX] = '\0';
	assert_int_equal(device_fd(g->a, name), -EINVAL);
}

static void test_group_device_fd_rejects_bad_pointer(void **state)
{
	struct groups *g = *state;

	assert_int_equal(device_fd(g->a, (const char *)8), -EFAULT);
}

static void test_group_device_fd_is_exclusive(void **state)
{
	struct groups *g = *state;
	int dev = device_fd(g->a, nvme_bdf);

	assert_true(dev >= 0);
	assert_int_equal(device_fd(g->a, nvme_bdf), -EBUSY);
	close(dev);
	dev = device_fd(g->a, nvme_bdf);
	assert_true(dev >= 0);
	close(dev);
}

static void test_group_device_fd_outlives_group_fd(void **state)
{
	struct groups *g = *state;
	struct vdk_vfio_device_info info = { .argsz = sizeof(info) };
	int dev = device_fd(g->a, nvme_bdf);

	assert_true(dev >= 0);
	close(g->a);
	assert_int_equal(kmod_ioctl(dev, VDK_VFIO_DEVICE_GET_INFO, &info), 0);
	g->a = kmod_group_open(nvme_bdf);
	assert_true(g->a >= 0);
	assert_true(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	close(dev);
	assert_false(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
}

static void test_group_bar_mapping_keeps_device_in_use(void **state)
{
	struct groups *g = *state;
	int dev = device_fd(g->a, nvme_bdf);
	void *bar;

	assert_true(dev >= 0);
	bar = mmap(NULL, 4096, PROT_READ, MAP_SHARED, dev, 0);
	assert_true(bar != MAP_FAILED);
	close(dev);
	assert_true(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
	assert_int_equal(device_fd(g->a, nvme_bdf), -EBUSY);
	munmap(bar, 4096);
	assert_false(group_flags(g->a) & VDK_VFIO_GROUP_FLAGS_MM_LOCKED);
}

static void sysfs_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

/*
 * A third device, driverless (viable), then given to the kernel's nvme
 * driver (not viable: the group cannot be used), then let go again.
 * vm-run names it in VDK_VM_NVME1.
 */
static void test_group_viability_follows_kernel_drivers(void **state)
{
	const char *bdf = getenv("VDK_VM_NVME1");
	char path[128], saved[64] = "";
	int group, fd;
	ssize_t n;

	(void)state;
	if (!bdf)
		skip();
	group = kmod_group_open(bdf);
	assert_true(group >= 0);
	assert_int_equal(group_flags(group), VDK_VFIO_GROUP_FLAGS_VIABLE);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, saved, sizeof(saved) - 1);
	close(fd);
	saved[n > 0 ? n : 0] = '\0';
	assert_int_equal(system("modprobe nvme"), 0);
	sysfs_write(path, "nvme");
	sysfs_write("/sys/bus/pci/drivers_probe", bdf);

	assert_int_equal(group_flags(group), 0);
	assert_int_equal(kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL),
			 -EBUSY);
	assert_int_equal(device_fd(group, bdf), -EBUSY);

	sysfs_write("/sys/bus/pci/drivers/nvme/unbind", bdf);
	sysfs_write(path, saved[0] ? saved : "\n");
	assert_int_equal(group_flags(group), VDK_VFIO_GROUP_FLAGS_VIABLE);
	fd = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(fd >= 0);	/* driverless: usable, nothing to open */
	assert_int_equal(device_fd(group, bdf), -EBUSY);
	close(fd);
	close(group);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_group_open_is_exclusive),
		T(test_group_info_viable_and_unlocked_when_idle),
		T(test_group_info_rejects_short_argsz),
		T(test_group_info_rejects_unknown_flags),
		T(test_group_info_rejects_bad_pointer),
		T(test_group_info_accepts_larger_argsz),
		T(test_group_unknown_request_is_enotty),
		T(test_group_mm_locked_while_iommu_fd_open),
		T(test_group_mm_locked_while_device_fd_open),
		T(test_group_iommu_fd_is_cloexec),
		T(test_group_merge_rejects_closed_fd),
		T(test_group_merge_rejects_non_group_fd),
		T(test_group_merge_rejects_itself),
		T(test_group_merge_rejects_bad_pointer),
		T(test_group_merge_then_unmerge),
		T(test_group_unmerge_of_unmerged_group_is_einval),
		T(test_group_merge_of_group_in_use_is_ebusy),
		T(test_group_merge_into_group_in_use),
		T(test_group_merged_groups_share_one_iommu),
		T(test_group_close_leaves_the_merged_set),
		T(test_group_set_belongs_to_one_mm),
		T(test_group_device_fd_rejects_name_not_in_group),
		T(test_group_device_fd_bounds_the_name),
		T(test_group_device_fd_rejects_bad_pointer),
		T(test_group_device_fd_is_exclusive),
		T(test_group_device_fd_outlives_group_fd),
		T(test_group_bar_mapping_keeps_device_in_use),
		T(test_group_viability_follows_kernel_drivers),
#undef T
	};

	if (kmod_args(argc, argv, &nvme_bdf, &nic_bdf))
		return 2;
	return cmocka_run_group_tests_name("vdk_vfio group", tests, NULL, NULL);
}
