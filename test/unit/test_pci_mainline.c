/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mainline vfio-pci backend (lib/eal/eal_vfio_mainline.c) on a host
 * without VFIO: the refusals a user meets there, and every ioctl's error
 * path when the kernel says no. Its working paths need real VFIO and run
 * in the vm tier (test/vm/pci/).
 *
 * On a host that has VFIO (/dev/vfio), the cases run in a mount namespace
 * of their own with an empty /dev/vfio; that takes root, and without it
 * the cases that need a host without VFIO skip.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_log.h"

static int null_fd = -1;
static const struct eal_vfio_backend *ml = &eal_vfio_mainline;

static int
setup(void **state)
{
	(void)state;
	log_capture();
	/* An fd that answers every VFIO ioctl with ENOTTY. */
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(null_fd >= 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(null_fd);
	log_release();
	return 0;
}

/* Hide the host's /dev/vfio, if it has one, from this process. */
static int
group_setup(void **state)
{
	(void)state;
	if (access("/dev/vfio", F_OK) != 0)
		return 0;
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("vdk-no-vfio", "/dev/vfio", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") != 0)
		fprintf(stderr, "cannot hide the host's /dev/vfio (%s): "
				"the cases that need a host without VFIO skip\n", strerror(errno));
	return 0;
}

static void
skip_if_host_has_vfio(void)
{
	if (access("/dev/vfio/vfio", F_OK) == 0)
		skip();
}

static void
test_open_without_the_vfio_module_says_modprobe(void **state)
{
	(void)state;
	skip_if_host_has_vfio();
	assert_int_equal(ml->open(), -ENOENT);
	assert_non_null(strstr(logged(), "no /dev/vfio/vfio: the vfio modules are not loaded: "
				   "run `modprobe vfio-pci`"));
}

static int
t_probe(struct vdk_pci_device *d)
{
	(void)d;
	fail_msg("probe must not run without VFIO");
	return 0;
}

static const struct vdk_pci_id t_ids[] = { { VDK_PCI_DEVICE(0x8086, 0x10d3) }, { 0 } };
static const struct vdk_pci_driver t_drv = { .name = "t", .id_table = t_ids, .probe = t_probe };

static void
test_bus_with_an_allowed_device_but_no_vfio_fails_init_cleanly(void **state)
{
	(void)state;
	skip_if_host_has_vfio();
	fake_sysfs_create();
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	eal_pci_set_sysfs_root(fake_root);
	assert_int_equal(vdk_pci_driver_register(&t_drv), 0);
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, "0000:00:06.0"), 0);
	assert_int_equal(eal_pci_init(), -ENOENT);
	assert_non_null(strstr(logged(), "modprobe vfio-pci"));
	assert_null(vdk_pci_dev_lookup("0000:00:06.0"));
	eal_devargs_release(&eal_cfg);
	vdk_pci_driver_unregister(&t_drv);
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
}

static void
test_group_open_of_a_missing_node_is_enoent(void **state)
{
	bool noiommu = true;

	(void)state;
	skip_if_host_has_vfio();
	assert_int_equal(ml->group_open(987654, "0000:00:04.0", &noiommu), -ENOENT);
}

static void
test_every_ioctl_error_is_returned_as_a_negative_errno(void **state)
{
	struct eal_vfio_range r[4];
	struct eal_vfio_region reg;
	unsigned int nb = 4;
	uint64_t pgsizes;
	uint32_t a, b, c;
	int dom;

	(void)state;
	assert_int_equal(ml->group_viable(null_fd), -ENOTTY);
	assert_non_null(strstr(logged(), "VFIO_GROUP_GET_STATUS"));
	assert_int_equal(ml->group_attach(null_fd, false, &dom), -ENOTSUP);
	assert_int_equal(ml->iommu_info(null_fd, r, &nb, &pgsizes), -ENOTTY);
	assert_int_equal(ml->dma_map(null_fd, 0x1000, 0x1000, 0x1000), -ENOTTY);
	assert_non_null(strstr(logged(), "VFIO_IOMMU_MAP_DMA of VA 0x1000 at IOVA 0x1000"));
	assert_int_equal(ml->dma_unmap(null_fd, 0x1000, 0x1000), -ENOTTY);
	assert_int_equal(ml->device_open(null_fd, "0000:00:04.0"), -ENOTTY);
	assert_non_null(strstr(logged(), "0000:00:04.0: VFIO would not open the device"));
	assert_int_equal(ml->device_info(null_fd, &a, &b, &c), -ENOTTY);
	assert_int_equal(ml->region_info(null_fd, 0, &reg), -ENOTTY);
	assert_int_equal(ml->irq_info(null_fd, 0, &a, &b), -ENOTTY);
	assert_int_equal(ml->irq_set(null_fd, 2, EAL_VFIO_IRQ_TRIGGER, 0, 1, &null_fd), -ENOTTY);
	assert_int_equal(ml->irq_set(null_fd, 2, EAL_VFIO_IRQ_DISABLE, 0, 0, NULL), -ENOTTY);
	assert_int_equal(ml->irq_set(null_fd, 0, EAL_VFIO_IRQ_UNMASK, 0, 1, NULL), -ENOTTY);
	assert_int_equal(ml->reset(null_fd), -ENOTTY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_open_without_the_vfio_module_says_modprobe),
		T(test_bus_with_an_allowed_device_but_no_vfio_fails_init_cleanly),
		T(test_group_open_of_a_missing_node_is_enoent),
		T(test_every_ioctl_error_is_returned_as_a_negative_errno),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
