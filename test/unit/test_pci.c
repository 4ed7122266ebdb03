/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI bus (lib/eal/eal_pci.c) over a fake sysfs tree and a fake VFIO
 * backend: which devices are offered with and without -a/-b, driver
 * matching and declining, arguments reaching the driver, attach, detach,
 * cleanup, and the register wait helper.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_log.h"

#define PCI_TEST_MANY 64

/* What the test drivers saw. */
#define MAX_EVENTS 32
static struct {
	char what[MAX_EVENTS][96];
	unsigned int n;
	int probe_ret;		/* what probe returns */
	uint16_t cfg_vendor;	/* read through config space in probe */
} seen;

static void
record(const char *fmt, ...)
{
	va_list ap;

	assert_true(seen.n < MAX_EVENTS);
	va_start(ap, fmt);
	vsnprintf(seen.what[seen.n++], sizeof(seen.what[0]), fmt, ap);
	va_end(ap);
}

static bool
saw(const char *what)
{
	for (unsigned int i = 0; i < seen.n; i++)
		if (strcmp(seen.what[i], what) == 0)
			return true;
	return false;
}

static int
probe_common(const char *drv, struct vdk_pci_device *dev)
{
	char rxq[16] = "-";

	vdk_devargs_get(dev->devargs, "rxq", rxq, sizeof(rxq));
	record("%s probe %s args=%s rxq=%s", drv, dev->name, dev->devargs, rxq);
	assert_int_equal(vdk_pci_cfg_read(dev, &seen.cfg_vendor, 2, 0), 0);
	return seen.probe_ret;
}

static int
e1000e_probe(struct vdk_pci_device *dev)
{
	return probe_common("e1000e", dev);
}

static int
nvme_probe(struct vdk_pci_device *dev)
{
	return probe_common("nvme", dev);
}

static int
virtio_probe(struct vdk_pci_device *dev)
{
	return probe_common("virtio", dev);
}

static int
decline_probe(struct vdk_pci_device *dev)
{
	record("decliner saw %s", dev->name);
	return -ENODEV;
}

static int
remove_common(struct vdk_pci_device *dev)
{
	record("remove %s", dev->name);
	return 0;
}

static const struct vdk_pci_id e1000e_ids[] = {
	{ VDK_PCI_DEVICE(0x8086, 0x10d3) },
	{ .vendor_id = 0 },
};
static const struct vdk_pci_id nvme_ids[] = {
	{ VDK_PCI_DEVICE_CLASS(0x010802) },
	{ .vendor_id = 0 },
};
/* Only the subsystem the fake tree gives (1af4:1100) matches. */
static const struct vdk_pci_id virtio_ids[] = {
	{ .class_id = VDK_PCI_CLASS_ANY, .vendor_id = 0x1af4, .device_id = 0x1041,
	  .subsystem_vendor_id = 0x1af4, .subsystem_device_id = 0x1100 },
	{ .vendor_id = 0 },
};
static const struct vdk_pci_id other_subsys_ids[] = {
	{ .class_id = VDK_PCI_CLASS_ANY, .vendor_id = 0x1af4, .device_id = 0x1041,
	  .subsystem_vendor_id = 0x1af4, .subsystem_device_id = 0x0001 },
	{ .vendor_id = 0 },
};
static const struct vdk_pci_id any_redhat_ids[] = {
	{ .class_id = VDK_PCI_CLASS_ANY, .vendor_id = 0x1af4, .device_id = VDK_PCI_ANY_ID,
	  .subsystem_vendor_id = VDK_PCI_ANY_ID, .subsystem_device_id = VDK_PCI_ANY_ID },
	{ .vendor_id = 0 },
};

static const struct vdk_pci_driver e1000e_drv = {
	.name = "test_e1000e", .id_table = e1000e_ids,
	.probe = e1000e_probe, .remove = remove_common,
};
static const struct vdk_pci_driver nvme_drv = {
	.name = "test_nvme", .id_table = nvme_ids,
	.probe = nvme_probe, .remove = remove_common,
};
static const struct vdk_pci_driver virtio_drv = {
	.name = "test_virtio", .id_table = virtio_ids,
	.probe = virtio_probe, .remove = remove_common,
};
static const struct vdk_pci_driver other_subsys_drv = {
	.name = "test_other_subsys", .id_table = other_subsys_ids,
	.probe = virtio_probe, .remove = remove_common,
};
static const struct vdk_pci_driver decliner_drv = {
	.name = "test_decliner", .id_table = any_redhat_ids,
	.probe = decline_probe, .remove = remove_common,
};

/* Registered before main(), the way drivers in libvdk register. */
VDK_PCI_DRIVER_REGISTER(e1000e_drv);

static int
setup(void **state)
{
	(void)state;
	log_capture();
	memset(&seen, 0, sizeof(seen));
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	assert_int_equal(eal_vfio_set_backend(&fake_backend), 0);
	fake_drivers_set_aside(&e1000e_drv);
	assert_int_equal(vdk_pci_driver_register(&nvme_drv), 0);
	/* The four test devices, as in the vm guest, plus one on a kernel driver. */
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, 3, "e1000e");
	fake_dev("0000:00:04.0", 0x1b36, 0x0010, 0x010802, 4, "vfio-pci");
	fake_dev("0000:00:05.0", 0x1b36, 0x0010, 0x010802, 5, "");
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	fake_dev("0000:00:07.0", 0x1af4, 0x1041, 0x020000, 7, "vfio-pci");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_pci_cleanup();
	/* Whatever a test did, the bus let go of everything. */
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(fake.groups_open, 0);
	assert_false(fake.container_open);
	vdk_pci_driver_unregister(&nvme_drv);
	vdk_pci_driver_unregister(&virtio_drv);
	vdk_pci_driver_unregister(&other_subsys_drv);
	vdk_pci_driver_unregister(&decliner_drv);
	eal_devargs_release(&eal_cfg);
	eal_vfio_set_backend(NULL);
	fake_drivers_restore();
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	log_release();
	return 0;
}

static bool
fake_opened(const char *bdf)
{
	for (unsigned int i = 0; i < fake.nb_devs; i++)
		if (strcmp(fake.devs[i].bdf, bdf) == 0)
			return true;
	return false;
}

static void
allow(const char *arg)
{
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, arg), 0);
}

static void
block(const char *arg)
{
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_BLOCKED, arg), 0);
}

static void
test_without_allow_list_only_vfio_bound_devices_are_probed(void **state)
{
	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	assert_true(saw("nvme probe 0000:00:04.0 args= rxq=-"));
	assert_true(saw("e1000e probe 0000:00:06.0 args= rxq=-"));
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.cfg_vendor, 0x8086);
	/* The kernel's device and the unbound one were never opened. */
	assert_false(fake_opened("0000:00:03.0"));
	assert_false(fake_opened("0000:00:05.0"));
	/* 00:07.0 is on vfio-pci but no driver matches it: not opened either. */
	assert_false(fake_opened("0000:00:07.0"));
	assert_int_equal(fake.devices_open, 2);
	assert_ptr_equal(vdk_pci_dev_lookup("0000:00:04.0")->driver, &nvme_drv);
	assert_null(vdk_pci_dev_lookup("0000:00:03.0")->driver);
	assert_non_null(strstr(logged(), "5 devices on the bus, 3 on vfio, 2 claimed"));
}

static void
test_allow_list_probes_only_listed_devices_and_passes_their_args(void **state)
{
	(void)state;
	allow("00:06.0,rxq=4,mode=fast");
	assert_int_equal(eal_pci_init(), 0);
	assert_true(saw("e1000e probe 0000:00:06.0 args=rxq=4,mode=fast rxq=4"));
	assert_int_equal(seen.n, 1);
	assert_false(fake_opened("0000:00:04.0"));
	assert_string_equal(vdk_pci_dev_lookup("0000:00:06.0")->devargs, "rxq=4,mode=fast");
}

static void
test_allowed_device_on_a_kernel_driver_fails_init_naming_vdk_setup_bind(void **state)
{
	(void)state;
	allow("0000:00:03.0");
	assert_int_equal(eal_pci_init(), -EACCES);
	assert_non_null(strstr(logged(), "0000:00:03.0 is bound to e1000e, not to vfio-pci: "
				   "run `vdk-setup bind 0000:00:03.0`"));
	assert_int_equal(seen.n, 0);
	assert_int_equal(fake.devices_open, 0);
	/* A failed init leaves no bus behind. */
	assert_null(vdk_pci_dev_lookup("0000:00:03.0"));
}

static void
test_allowed_unbound_device_fails_init_naming_vdk_setup_bind(void **state)
{
	(void)state;
	allow("0000:00:05.0");
	assert_int_equal(eal_pci_init(), -EACCES);
	assert_non_null(strstr(logged(), "0000:00:05.0 is bound to no driver, not to vfio-pci"));
	assert_non_null(strstr(logged(), "vdk-setup bind 0000:00:05.0"));
}

static void
test_allowed_device_that_is_absent_fails_init(void **state)
{
	(void)state;
	allow("0000:00:09.0");
	assert_int_equal(eal_pci_init(), -ENODEV);
	assert_non_null(strstr(logged(), "-a 0000:00:09.0: no such PCI device"));
	assert_int_equal(fake.devices_open, 0);
}

static void
test_failure_of_a_second_allowed_device_releases_the_first(void **state)
{
	(void)state;
	allow("0000:00:04.0");
	allow("0000:00:05.0");
	assert_int_equal(eal_pci_init(), -EACCES);
	assert_true(saw("nvme probe 0000:00:04.0 args= rxq=-"));
	assert_true(saw("remove 0000:00:04.0"));
	assert_int_equal(fake.devices_open, 0);
}

static int
count_dev(struct vdk_pci_device *dev, void *arg)
{
	(void)dev;
	(*(unsigned int *)arg)++;
	return 0;
}

static void
test_blocked_device_is_neither_probed_nor_visible(void **state)
{
	unsigned int n = 0;

	(void)state;
	block("0000:00:06.0");
	assert_int_equal(eal_pci_init(), 0);
	assert_true(saw("nvme probe 0000:00:04.0 args= rxq=-"));
	assert_int_equal(seen.n, 1);
	assert_false(fake_opened("0000:00:06.0"));
	assert_null(vdk_pci_dev_lookup("0000:00:06.0"));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(vdk_pci_dev_iterate(count_dev, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(vdk_pci_dev_attach("0000:00:06.0"), -EPERM);
}

static void
test_allow_and_block_lists_together_are_rejected(void **state)
{
	(void)state;
	allow("0000:00:04.0");
	block("0000:00:06.0");
	assert_int_equal(eal_pci_init(), -EINVAL);
	assert_non_null(strstr(logged(), "-a and -b together"));
	assert_int_equal(fake.devices_open, 0);
}

static void
test_class_match_wildcards_and_subsystem_ids_select_the_driver(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_driver_register(&other_subsys_drv), 0);
	assert_int_equal(vdk_pci_driver_register(&virtio_drv), 0);
	assert_int_equal(eal_pci_init(), 0);
	/* 00:07.0's subsystem is 1af4:1100: the driver asking for 1af4:0001 is skipped. */
	assert_true(saw("virtio probe 0000:00:07.0 args= rxq=-"));
	assert_ptr_equal(vdk_pci_dev_lookup("0000:00:07.0")->driver, &virtio_drv);
	/* NVMe matched by class code alone. */
	assert_ptr_equal(vdk_pci_dev_lookup("0000:00:04.0")->driver, &nvme_drv);
}

static void
test_declining_driver_passes_the_device_to_the_next(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_driver_register(&decliner_drv), 0);
	assert_int_equal(vdk_pci_driver_register(&virtio_drv), 0);
	assert_int_equal(eal_pci_init(), 0);
	assert_true(saw("decliner saw 0000:00:07.0"));
	assert_true(saw("virtio probe 0000:00:07.0 args= rxq=-"));
	assert_ptr_equal(vdk_pci_dev_lookup("0000:00:07.0")->driver, &virtio_drv);
}

static void
test_driver_argument_offers_the_device_to_that_driver_only(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_driver_register(&decliner_drv), 0);
	assert_int_equal(vdk_pci_driver_register(&virtio_drv), 0);
	allow("0000:00:07.0,driver=test_virtio,rxq=3");
	assert_int_equal(eal_pci_init(), 0);
	assert_false(saw("decliner saw 0000:00:07.0"));
	assert_true(saw("virtio probe 0000:00:07.0 args=driver=test_virtio,rxq=3 rxq=3"));
	eal_pci_cleanup();
	eal_devargs_release(&eal_cfg);
	allow("0000:00:07.0,driver=no_such_driver");
	assert_int_equal(eal_pci_init(), 0);
	assert_null(vdk_pci_dev_lookup("0000:00:07.0")->driver);
	assert_non_null(strstr(logged(), "no registered driver matches it with "
				   "driver=no_such_driver"));
	assert_int_equal(fake.devices_open, 0);
}

static void
test_device_every_driver_declines_is_closed_again(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_driver_register(&decliner_drv), 0);
	allow("0000:00:07.0");
	assert_int_equal(eal_pci_init(), 0);
	assert_true(saw("decliner saw 0000:00:07.0"));
	assert_null(vdk_pci_dev_lookup("0000:00:07.0")->driver);
	assert_int_equal(fake.devices_open, 0);
	assert_non_null(strstr(logged(), "every matching driver declined it"));
}

static void
test_probe_failure_of_an_allowed_device_fails_init_and_closes_it(void **state)
{
	(void)state;
	seen.probe_ret = -EIO;
	allow("0000:00:06.0");
	assert_int_equal(eal_pci_init(), -EIO);
	assert_non_null(strstr(logged(), "driver test_e1000e failed to probe it"));
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(fake.groups_open, 0);
}

static void
test_probe_failure_without_allow_list_skips_the_device(void **state)
{
	(void)state;
	seen.probe_ret = -EIO;
	assert_int_equal(eal_pci_init(), 0);
	assert_non_null(strstr(logged(), "0000:00:04.0 skipped"));
	assert_non_null(strstr(logged(), "0000:00:06.0 skipped"));
	assert_int_equal(fake.devices_open, 0);
}

static void
test_allowed_device_without_a_driver_is_a_warning_not_a_failure(void **state)
{
	(void)state;
	allow("0000:00:07.0");
	assert_int_equal(eal_pci_init(), 0);
	assert_non_null(strstr(logged(), "0000:00:07.0 (1af4:1041 class 020000): no registered "
				   "driver matches it"));
	assert_int_equal(fake.devices_open, 0);
}

static void
test_group_that_cannot_be_opened_fails_an_allowed_device(void **state)
{
	(void)state;
	fake.group_open_err = -EBUSY;
	allow("0000:00:04.0");
	assert_int_equal(eal_pci_init(), -EBUSY);
	assert_non_null(strstr(logged(), "IOMMU group 4 is in use by another process"));
	assert_int_equal(seen.n, 0);
}

static int
dummy_probe(struct vdk_pci_device *dev)
{
	(void)dev;
	return 0;
}

static void
test_register_rejects_incomplete_duplicate_and_too_many_drivers(void **state)
{
	static struct vdk_pci_driver many[PCI_TEST_MANY];
	static char names[PCI_TEST_MANY][16];
	struct vdk_pci_driver no_probe = { .name = "x", .id_table = nvme_ids };
	struct vdk_pci_driver same_name = nvme_drv;
	unsigned int n;
	int ret = 0;

	(void)state;
	assert_int_equal(vdk_pci_driver_register(NULL), -EINVAL);
	assert_int_equal(vdk_pci_driver_register(&no_probe), -EINVAL);
	assert_int_equal(vdk_pci_driver_register(&nvme_drv), -EEXIST);
	assert_int_equal(vdk_pci_driver_register(&same_name), -EEXIST);
	/* The macro registered e1000e_drv before main(). */
	assert_int_equal(vdk_pci_driver_register(&e1000e_drv), -EEXIST);
	for (n = 0; n < PCI_TEST_MANY; n++) {
		snprintf(names[n], sizeof(names[n]), "many%u", n);
		many[n] = (struct vdk_pci_driver){
			.name = names[n], .id_table = nvme_ids, .probe = dummy_probe,
		};
		ret = vdk_pci_driver_register(&many[n]);
		if (ret < 0)
			break;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_true(n > 0);
	while (n-- > 0)
		assert_int_equal(vdk_pci_driver_unregister(&many[n]), 0);
	assert_int_equal(vdk_pci_driver_unregister(&many[0]), -ENOENT);
}

static void
test_unregister_of_a_driver_with_a_device_is_ebusy(void **state)
{
	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(vdk_pci_driver_unregister(&nvme_drv), -EBUSY);
	assert_non_null(strstr(logged(), "driver test_nvme still drives 0000:00:04.0"));
	assert_int_equal(vdk_pci_dev_detach(vdk_pci_dev_lookup("0000:00:04.0")), 0);
	assert_int_equal(vdk_pci_driver_unregister(&nvme_drv), 0);
}

struct walk {
	char names[8][VDK_PCI_NAME_LEN];
	unsigned int n;
	unsigned int stop_at;
};

static int
walk_dev(struct vdk_pci_device *dev, void *arg)
{
	struct walk *w = arg;

	snprintf(w->names[w->n], sizeof(w->names[0]), "%s", dev->name);
	return ++w->n == w->stop_at ? 7 : 0;
}

static void
test_iterate_goes_in_address_order_and_stops_on_nonzero(void **state)
{
	struct walk w = { .stop_at = 0 };

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(vdk_pci_dev_iterate(NULL, NULL), -EINVAL);
	assert_int_equal(vdk_pci_dev_iterate(walk_dev, &w), 0);
	assert_int_equal(w.n, 5);
	assert_string_equal(w.names[0], "0000:00:03.0");
	assert_string_equal(w.names[4], "0000:00:07.0");
	w = (struct walk){ .stop_at = 2 };
	assert_int_equal(vdk_pci_dev_iterate(walk_dev, &w), 7);
	assert_int_equal(w.n, 2);
}

static void
test_lookup_takes_short_form_and_rejects_garbage(void **state)
{
	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	assert_string_equal(vdk_pci_dev_lookup("00:04.0")->name, "0000:00:04.0");
	assert_null(vdk_pci_dev_lookup("nope"));
	assert_int_equal(errno, EINVAL);
	assert_null(vdk_pci_dev_lookup("0000:00:1f.0"));
	assert_int_equal(errno, ENOENT);
}

static void
test_detach_runs_remove_and_releases_the_device(void **state)
{
	struct vdk_pci_device *d;

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	d = vdk_pci_dev_lookup("0000:00:06.0");
	assert_int_equal(fake.devices_open, 2);
	assert_int_equal(vdk_pci_dev_detach(d), 0);
	assert_true(saw("remove 0000:00:06.0"));
	assert_null(d->driver);
	assert_int_equal(fake.devices_open, 1);
	assert_int_equal(fake.groups_open, 1);
	/* A detached device is closed: per-device calls say so. */
	assert_int_equal(vdk_pci_cfg_read(d, &seen.cfg_vendor, 2, 0), -ENODEV);
	assert_int_equal(vdk_pci_dev_detach(d), -EINVAL);
	assert_int_equal(vdk_pci_dev_detach(NULL), -EINVAL);
	/* ...and can be attached again, with new arguments. */
	assert_int_equal(vdk_pci_dev_attach("0000:00:06.0,rxq=2"), 0);
	assert_true(saw("e1000e probe 0000:00:06.0 args=rxq=2 rxq=2"));
	assert_ptr_equal(d->driver, &e1000e_drv);
}

static void
test_attach_after_init_sees_a_device_bound_since_the_scan(void **state)
{
	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(vdk_pci_dev_attach("0000:00:05.0"), -EACCES);
	fake_dev_bind("0000:00:05.0", "vfio-pci");
	assert_int_equal(vdk_pci_dev_attach("0000:00:05.0,rxq=1"), 0);
	assert_true(saw("nvme probe 0000:00:05.0 args=rxq=1 rxq=1"));
	assert_int_equal(vdk_pci_dev_attach("0000:00:05.0"), -EEXIST);
}

static void
test_attach_scans_a_device_that_appeared_after_init(void **state)
{
	unsigned int n = 0;

	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	fake_dev("0000:00:02.0", 0x1b36, 0x0010, 0x010802, 2, "vfio-pci");
	assert_int_equal(vdk_pci_dev_attach("00:02.0"), 0);
	assert_true(saw("nvme probe 0000:00:02.0 args= rxq=-"));
	assert_int_equal(vdk_pci_dev_iterate(count_dev, &n), 0);
	assert_int_equal(n, 6);
}

static void
test_attach_refuses_bad_strings_absent_devices_and_no_bus(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_dev_attach("0000:00:04.0"), -ENODEV);
	assert_non_null(strstr(logged(), "the PCI bus is not initialised"));
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(vdk_pci_dev_attach(NULL), -EINVAL);
	assert_int_equal(vdk_pci_dev_attach("eth0"), -EINVAL);
	assert_int_equal(vdk_pci_dev_attach("0000:00:04.0000000000000000000000,a=b"), -EINVAL);
	assert_int_equal(vdk_pci_dev_attach("0000:00:09.0"), -ENODEV);
	assert_non_null(strstr(logged(), "attach 0000:00:09.0: no such PCI device"));
	fake_dev("0000:00:02.0", 0x1b36, 0x0010, 0x010802, 2, "vfio-pci");
	fake_unlink("bus/pci/devices/0000:00:02.0/vendor");
	assert_int_equal(vdk_pci_dev_attach("0000:00:02.0"), -ENODEV);
}

static void
test_cleanup_removes_every_device_in_reverse_order(void **state)
{
	(void)state;
	assert_int_equal(eal_pci_init(), 0);
	seen.n = 0;
	eal_pci_cleanup();
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.what[0], "remove 0000:00:06.0");
	assert_string_equal(seen.what[1], "remove 0000:00:04.0");
	assert_int_equal(fake.devices_open, 0);
	assert_false(fake.container_open);
	assert_null(vdk_pci_dev_lookup("0000:00:04.0"));
	/* The bus comes up again after cleanup. */
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(eal_pci_init(), -EALREADY);
}

static void
test_devices_sharing_an_iommu_group_open_it_once(void **state)
{
	(void)state;
	fake_dev("0000:00:04.0", 0x1b36, 0x0010, 0x010802, 9, "vfio-pci");
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 9, "vfio-pci");
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(fake.devices_open, 2);
	assert_int_equal(fake.groups_open, 1);
	assert_int_equal(vdk_pci_dev_detach(vdk_pci_dev_lookup("0000:00:04.0")), 0);
	assert_int_equal(fake.groups_open, 1);
	assert_int_equal(vdk_pci_dev_detach(vdk_pci_dev_lookup("0000:00:06.0")), 0);
	assert_int_equal(fake.groups_open, 0);
}

static void
test_machine_without_a_pci_bus_runs_without_devices_unless_one_is_asked_for(void **state)
{
	char root[PATH_MAX + 8];

	(void)state;
	snprintf(root, sizeof(root), "%s/none", fake_root);
	eal_pci_set_sysfs_root(root);
	assert_int_equal(eal_pci_init(), 0);
	assert_non_null(strstr(logged(), "no PCI bus to scan"));
	eal_pci_cleanup();
	allow("0000:00:04.0");
	assert_int_equal(eal_pci_init(), -ENOENT);
}

struct setter {
	uint32_t *reg;
	unsigned int delay_ms;
};

static void *
set_later(void *arg)
{
	struct setter *s = arg;
	struct timespec ts = { 0, (long)s->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	__atomic_store_n(s->reg, 0x5, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_reg_wait32_returns_when_bits_match_or_times_out(void **state)
{
	uint32_t regs[4] = { 0, 0x1, 0, 0 };
	struct setter s = { &regs[2], 20 };
	struct timespec t0, t1;
	pthread_t t;
	long ms;

	(void)state;
	assert_int_equal(vdk_reg_wait32(regs, 4, 0x1, 0x1, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vdk_reg_wait32(regs, 0, 0x1, 0x1, 30000), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 30);
	assert_int_equal(pthread_create(&t, NULL, set_later, &s), 0);
	assert_int_equal(vdk_reg_wait32(regs, 8, 0x4, 0x4, 5000000), 0);
	pthread_join(t, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_without_allow_list_only_vfio_bound_devices_are_probed),
		T(test_allow_list_probes_only_listed_devices_and_passes_their_args),
		T(test_allowed_device_on_a_kernel_driver_fails_init_naming_vdk_setup_bind),
		T(test_allowed_unbound_device_fails_init_naming_vdk_setup_bind),
		T(test_allowed_device_that_is_absent_fails_init),
		T(test_failure_of_a_second_allowed_device_releases_the_first),
		T(test_blocked_device_is_neither_probed_nor_visible),
		T(test_allow_and_block_lists_together_are_rejected),
		T(test_class_match_wildcards_and_subsystem_ids_select_the_driver),
		T(test_declining_driver_passes_the_device_to_the_next),
		T(test_driver_argument_offers_the_device_to_that_driver_only),
		T(test_device_every_driver_declines_is_closed_again),
		T(test_probe_failure_of_an_allowed_device_fails_init_and_closes_it),
		T(test_probe_failure_without_allow_list_skips_the_device),
		T(test_allowed_device_without_a_driver_is_a_warning_not_a_failure),
		T(test_group_that_cannot_be_opened_fails_an_allowed_device),
		T(test_register_rejects_incomplete_duplicate_and_too_many_drivers),
		T(test_unregister_of_a_driver_with_a_device_is_ebusy),
		T(test_iterate_goes_in_address_order_and_stops_on_nonzero),
		T(test_lookup_takes_short_form_and_rejects_garbage),
		T(test_detach_runs_remove_and_releases_the_device),
		T(test_attach_after_init_sees_a_device_bound_since_the_scan),
		T(test_attach_scans_a_device_that_appeared_after_init),
		T(test_attach_refuses_bad_strings_absent_devices_and_no_bus),
		T(test_cleanup_removes_every_device_in_reverse_order),
		T(test_devices_sharing_an_iommu_group_open_it_once),
		T(test_machine_without_a_pci_bus_runs_without_devices_unless_one_is_asked_for),
		T(test_reg_wait32_returns_when_bits_match_or_times_out),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
