/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_vfio.ko on a platform without interrupt remapping (the vm guest
 * booted with vm-run --no-intremap): a device that can DMA to the
 * interrupt window could raise any host interrupt, so its group is not
 * attached, with a log line that names the module parameter; with
 * allow_unsafe_interrupts=1 it is, with a loud log line. As mainline's
 * vfio_iommu_type1 does.
 *
 * usage: test_vdk_vfio_isolation NVME_BDF NIC_BDF
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kmod_util.h"

static const char *nvme_bdf;
static const char *nic_bdf;

/* Lines of the kernel log that contain @what. */
static int dmesg_count(const char *what)
{
	char line[1024];
	int n = 0;
	FILE *f = popen("dmesg", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			n++;
	pclose(f);
	return n;
}

static int teardown(void **state)
{
	(void)state;
	return kmod_param("allow_unsafe_interrupts", "0");
}

static void test_attach_refused_without_interrupt_remapping(void **state)
{
	int before = dmesg_count("allow_unsafe_interrupts=1 accepts");
	int group = kmod_group_open(nvme_bdf);

	(void)state;
	assert_true(group >= 0);
	assert_int_equal(kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL),
			 -EPERM);
	assert_int_equal(kmod_ioctl(group, VDK_VFIO_GROUP_GET_DEVICE_FD,
				    (void *)nvme_bdf), -EPERM);
	assert_true(dmesg_count("allow_unsafe_interrupts=1 accepts") > before);
	close(group);
}

static void test_attach_allowed_by_the_parameter_loudly(void **state)
{
	int before = dmesg_count("UNSAFE: no interrupt remapping");
	int group = kmod_group_open(nic_bdf);
	int iommu, fd;

	(void)state;
	assert_true(group >= 0);
	assert_int_equal(kmod_param("allow_unsafe_interrupts", "1"), 0);
	iommu = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(iommu >= 0);
	fd = (int)kmod_ioctl(group, VDK_VFIO_GROUP_GET_DEVICE_FD,
			     (void *)nic_bdf);
	assert_true(fd >= 0);
	assert_true(dmesg_count("UNSAFE: no interrupt remapping") > before);
	close(fd);
	close(iommu);

	/* taken back: refused again */
	assert_int_equal(kmod_param("allow_unsafe_interrupts", "0"), 0);
	assert_int_equal(kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL),
			 -EPERM);
	close(group);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			test_attach_refused_without_interrupt_remapping,
			teardown),
		cmocka_unit_test_teardown(
			test_attach_allowed_by_the_parameter_loudly, teardown),
	};

	if (kmod_args(argc, argv, &nvme_bdf, &nic_bdf))
		return 2;
	return cmocka_run_group_tests_name("vdk_vfio interrupt isolation",
					   tests, NULL, NULL);
}
