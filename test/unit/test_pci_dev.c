/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A claimed device's VFIO side (lib/eal/eal_pci_vfio.c) over the fake
 * backend, whose device is a memfd: config space, capabilities, bus
 * mastering, BAR mapping including a sparse BAR with an unmappable MSI-X
 * page, pread/pwrite access, reset, and every refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_log.h"

static struct vdk_pci_device *dev;
static int probe_calls;

static int
t_probe(struct vdk_pci_device *d)
{
	probe_calls++;
	dev = d;
	return 0;
}

static const struct vdk_pci_id t_ids[] = {
	{ VDK_PCI_DEVICE(0x8086, 0x10d3) },
	{ .vendor_id = 0 },
};
static const struct vdk_pci_driver t_drv = {
	.name = "test_dev", .id_table = t_ids, .probe = t_probe,
};

static int
setup_tree(void **state)
{
	(void)state;
	log_capture();
	fake_sysfs_create();
	eal_pci_set_sysfs_root(fake_root);
	fake_backend_reset();
	assert_int_equal(eal_vfio_set_backend(&fake_backend), 0);
	fake_drivers_set_aside(NULL);
	assert_int_equal(vdk_pci_driver_register(&t_drv), 0);
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 6, "vfio-pci");
	dev = NULL;
	probe_calls = 0;
	return 0;
}

/* The tree, the bus up and the device claimed. */
static int
setup(void **state)
{
	setup_tree(state);
	assert_int_equal(eal_pci_init(), 0);
	assert_non_null(dev);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_pci_cleanup();
	assert_int_equal(fake.devices_open, 0);
	assert_int_equal(fake.groups_open, 0);
	vdk_pci_driver_unregister(&t_drv);
	fake_drivers_restore();
	eal_devargs_release(&eal_cfg);
	eal_vfio_set_backend(NULL);
	eal_pci_set_sysfs_root(NULL);
	fake_sysfs_destroy();
	log_release();
	return 0;
}

static void
allow(const char *arg)
{
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_ALLOWED, arg), 0);
}

/* Permissions of the mapping holding @addr in /proc/self/maps, or "". */
static const char *
map_perms(const void *addr)
{
	static char perms[8];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
			break;
		perms[0] = '\0';
	}
	fclose(f);
	return perms;
}

/*
 * An unmapped BAR: nothing shared is left at @addr. Something else may
 * be mapped there by then (the interrupt thread's stack, a sanitizer's
 * pages), privately.
 */
static void
assert_bar_unmapped(const void *addr)
{
	assert_string_not_equal(map_perms(addr), "rw-s");
	assert_string_not_equal(map_perms(addr), "---s");
}

static void
test_cfg_read_returns_config_space(void **state)
{
	uint16_t ids[2];

	(void)state;
	assert_int_equal(vdk_pci_cfg_read(dev, ids, sizeof(ids), 0), 0);
	assert_int_equal(ids[0], 0x8086);
	assert_int_equal(ids[1], 0x10d3);
}

static void
test_cfg_access_outside_config_space_is_einval(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(vdk_pci_cfg_read(dev, &v, 4, 254), -EINVAL);
	assert_non_null(strstr(logged(), "outside the region's 0x100 bytes"));
	assert_int_equal(vdk_pci_cfg_read(dev, &v, 0, 0), -EINVAL);
	assert_int_equal(vdk_pci_cfg_read(dev, &v, 4, UINT64_MAX - 1), -EINVAL);
	assert_int_equal(vdk_pci_cfg_write(dev, &v, 4, 256), -EINVAL);
	assert_int_equal(vdk_pci_cfg_read(dev, NULL, 4, 0), -EINVAL);
	assert_int_equal(vdk_pci_cfg_read(NULL, &v, 4, 0), -EINVAL);
}

static void
test_cfg_write_reaches_the_device(void **state)
{
	uint32_t v = 0xdeadbeef, back = 0;

	(void)state;
	assert_int_equal(vdk_pci_cfg_write(dev, &v, 4, 0x80), 0);
	assert_int_equal(vdk_pci_cfg_read(dev, &back, 4, 0x80), 0);
	assert_int_equal(back, 0xdeadbeef);
}

static void
test_find_capability_walks_the_list(void **state)
{
	(void)state;
	assert_int_equal(vdk_pci_find_capability(dev, 0x01), 0x40);
	assert_int_equal(vdk_pci_find_capability(dev, 0x11), 0x50);
	assert_int_equal(vdk_pci_find_capability(dev, 0x10), 0x60);
	assert_int_equal(vdk_pci_find_capability(dev, 0x05), -ENOENT);
	assert_int_equal(vdk_pci_find_capability(NULL, 0x05), -EINVAL);
}

static void
test_find_capability_survives_a_looping_or_absent_list(void **state)
{
	uint8_t b;
	uint16_t status = 0;

	(void)state;
	b = 0x40;	/* PCIe's next points back at PM: a loop */
	assert_int_equal(vdk_pci_cfg_write(dev, &b, 1, 0x61), 0);
	assert_int_equal(vdk_pci_find_capability(dev, 0x05), -ENOENT);
	b = 0x10;	/* a pointer into the header */
	assert_int_equal(vdk_pci_cfg_write(dev, &b, 1, 0x34), 0);
	assert_int_equal(vdk_pci_find_capability(dev, 0x01), -ENOENT);
	assert_int_equal(vdk_pci_cfg_write(dev, &status, 2, 0x06), 0);
	assert_int_equal(vdk_pci_find_capability(dev, 0x01), -ENOENT);
}

static void
test_bus_master_sets_and_clears_only_its_bit(void **state)
{
	uint16_t cmd = 0x0402;	/* memory space + INTx disable */

	(void)state;
	assert_int_equal(vdk_pci_cfg_write(dev, &cmd, 2, 4), 0);
	assert_int_equal(vdk_pci_set_bus_master(dev, 1), 0);
	assert_int_equal(vdk_pci_cfg_read(dev, &cmd, 2, 4), 0);
	assert_int_equal(cmd, 0x0406);
	assert_int_equal(vdk_pci_set_bus_master(dev, 1), 0);
	assert_int_equal(vdk_pci_set_bus_master(dev, 0), 0);
	assert_int_equal(vdk_pci_cfg_read(dev, &cmd, 2, 4), 0);
	assert_int_equal(cmd, 0x0402);
	assert_int_equal(vdk_pci_set_bus_master(NULL, 1), -EINVAL);
}

static void
test_map_bar_gives_one_shared_mapping_of_the_whole_bar(void **state)
{
	void *a, *b;
	size_t len, len2;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(vdk_pci_map_bar(dev, 0, &a, &len), 0);
	assert_int_equal(len, FAKE_BAR0_SIZE);
	vdk_reg_write32(a, 0x8, 0x80283);
	vdk_reg_set_flags32(a, 0x8, 0x4);
	vdk_reg_clear_flags32(a, 0x8, 0x1);
	vdk_reg_write64(a, 0x10, 0x1122334455667788ull);
	assert_int_equal(vdk_pci_bar_read(dev, 0, &v, 4, 0x8), 0);
	assert_int_equal(v, 0x80286);
	assert_int_equal(vdk_reg_read64(a, 0x10), 0x1122334455667788ull);
	assert_string_equal(map_perms((char *)a + FAKE_BAR0_SIZE - 1), "rw-s");
	/* Mapping twice returns the same mapping. */
	assert_int_equal(vdk_pci_map_bar(dev, 0, &b, &len2), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(vdk_pci_unmap_bar(dev, 0), 0);
	assert_bar_unmapped(a);
	assert_int_equal(vdk_pci_unmap_bar(dev, 0), -ENOENT);
	assert_int_equal(vdk_pci_unmap_bar(dev, 6), -EINVAL);
}

static void
test_map_bar_with_sparse_areas_keeps_the_msix_page_inaccessible(void **state)
{
	void *a;
	size_t len;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(vdk_pci_map_bar(dev, 2, &a, &len), 0);
	assert_int_equal(len, FAKE_BAR2_SIZE);
	assert_string_equal(map_perms(a), "rw-s");
	assert_string_equal(map_perms((char *)a + 0x1000), "---p");
	/* The hole is still reachable through pwrite/pread. */
	vdk_reg_write32(a, 0x10, 7);
	assert_int_equal(vdk_pci_bar_read(dev, 2, &v, 4, 0x10), 0);
	assert_int_equal(v, 7);
	v = 9;
	assert_int_equal(vdk_pci_bar_write(dev, 2, &v, 4, 0x1004), 0);
	v = 0;
	assert_int_equal(vdk_pci_bar_read(dev, 2, &v, 4, 0x1004), 0);
	assert_int_equal(v, 9);
}

static void
test_detach_unmaps_every_bar(void **state)
{
	void *a, *b;
	size_t len;

	(void)state;
	assert_int_equal(vdk_pci_map_bar(dev, 0, &a, &len), 0);
	assert_int_equal(vdk_pci_map_bar(dev, 2, &b, &len), 0);
	assert_int_equal(vdk_pci_dev_detach(dev), 0);
	assert_bar_unmapped(a);
	assert_bar_unmapped((char *)b + 0x1000);
}

static void
test_io_bar_cannot_be_mapped_but_is_read_and_written(void **state)
{
	void *a;
	size_t len;
	uint8_t out[4] = { 1, 2, 3, 4 }, in[4] = { 0 };

	(void)state;
	assert_int_equal(vdk_pci_map_bar(dev, 4, &a, &len), -ENOTSUP);
	assert_non_null(strstr(logged(), "BAR 4 cannot be mapped (an I/O port BAR): use "
				   "vdk_pci_bar_read/write"));
	assert_int_equal(vdk_pci_bar_write(dev, 4, out, 4, 0x1c), 0);
	assert_int_equal(vdk_pci_bar_read(dev, 4, in, 4, 0x1c), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(vdk_pci_bar_read(dev, 4, in, 4, 0x1e), -EINVAL);
}

static void
test_unimplemented_or_bad_bars_are_refused(void **state)
{
	void *a;
	size_t len;
	uint32_t v;

	(void)state;
	assert_int_equal(vdk_pci_map_bar(dev, 1, &a, &len), -ENODEV);
	assert_non_null(strstr(logged(), "BAR 1 is not implemented"));
	assert_int_equal(vdk_pci_map_bar(dev, 6, &a, &len), -EINVAL);
	assert_int_equal(vdk_pci_map_bar(dev, 0, NULL, &len), -EINVAL);
	assert_int_equal(vdk_pci_map_bar(NULL, 0, &a, &len), -EINVAL);
	assert_int_equal(vdk_pci_bar_read(dev, 3, &v, 4, 0), -ENODEV);
	assert_int_equal(vdk_pci_bar_read(dev, 6, &v, 4, 0), -EINVAL);
	assert_int_equal(vdk_pci_bar_write(dev, 0, NULL, 4, 0), -EINVAL);
}

static void
test_reset_restores_config_space(void **state)
{
	uint16_t cmd = 0x0006;

	(void)state;
	assert_int_equal(vdk_pci_cfg_write(dev, &cmd, 2, 4), 0);
	assert_int_equal(vdk_pci_reset(dev), 0);
	assert_int_equal(fake.devs[0].resets, 1);
	assert_int_equal(vdk_pci_cfg_read(dev, &cmd, 2, 4), 0);
	assert_int_equal(cmd, 0);
	assert_int_equal(vdk_pci_reset(NULL), -EINVAL);
}

static void
test_reset_of_a_device_without_a_reset_method_is_enotsup(void **state)
{
	setup_tree(state);
	fake.no_reset = true;
	assert_int_equal(eal_pci_init(), 0);
	assert_int_equal(vdk_pci_reset(dev), -ENOTSUP);
	assert_non_null(strstr(logged(), "no reset method"));
	assert_int_equal(fake.devs[0].resets, 0);
}

static void
test_calls_on_an_unclaimed_device_say_it_is_not_open(void **state)
{
	struct vdk_pci_device *other;
	uint32_t v;
	void *a;
	size_t len;

	(void)state;
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, 3, "e1000e");
	assert_int_equal(vdk_pci_dev_attach("0000:00:03.0"), -EACCES);
	other = vdk_pci_dev_lookup("0000:00:03.0");
	assert_non_null(other);
	assert_int_equal(vdk_pci_cfg_read(other, &v, 4, 0), -ENODEV);
	assert_non_null(strstr(logged(), "0000:00:03.0: config read needs the device open"));
	assert_int_equal(vdk_pci_map_bar(other, 0, &a, &len), -ENODEV);
	assert_int_equal(vdk_pci_bar_write(other, 0, &v, 4, 0), -ENODEV);
	assert_int_equal(vdk_pci_reset(other), -ENODEV);
	assert_int_equal(vdk_pci_set_bus_master(other, 1), -ENODEV);
	assert_int_equal(vdk_pci_unmap_bar(other, 0), -ENOENT);
}

static void
test_device_open_failures_reach_no_probe_and_leave_nothing_open(void **state)
{
	static const struct { int *knob; int err; } cases[] = {
		{ &fake.device_open_err, -EBUSY },
		{ &fake.device_info_err, -EIO },
	};

	for (unsigned int i = 0; i < VDK_DIM(cases); i++) {
		setup_tree(state);
		allow("0000:00:06.0");
		*cases[i].knob = cases[i].err;
		assert_int_equal(eal_pci_init(), cases[i].err);
		assert_int_equal(probe_calls, 0);
		assert_int_equal(fake.devices_open, 0);
		assert_int_equal(fake.groups_open, 0);
		teardown(state);
	}
	setup_tree(state);
}

static void
test_device_without_config_space_is_refused(void **state)
{
	setup_tree(state);
	fake.no_config = true;
	allow("0000:00:06.0");
	assert_int_equal(eal_pci_init(), -ENODEV);
	assert_non_null(strstr(logged(), "no config space region"));
	assert_int_equal(probe_calls, 0);
}

static void
test_device_without_an_iommu_group_is_refused_with_advice(void **state)
{
	setup_tree(state);
	fake_unlink("bus/pci/devices/0000:00:06.0/iommu_group");
	allow("0000:00:06.0");
	assert_int_equal(eal_pci_init(), -ENODEV);
	assert_non_null(strstr(logged(), "0000:00:06.0 has no IOMMU group: boot the kernel with "
				   "an IOMMU (intel_iommu=on"));
	assert_non_null(strstr(logged(), "enable_unsafe_noiommu_mode=1"));
	assert_int_equal(fake.groups_open, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define U(t) cmocka_unit_test_setup_teardown(t, NULL, teardown)
		T(test_cfg_read_returns_config_space),
		T(test_cfg_access_outside_config_space_is_einval),
		T(test_cfg_write_reaches_the_device),
		T(test_find_capability_walks_the_list),
		T(test_find_capability_survives_a_looping_or_absent_list),
		T(test_bus_master_sets_and_clears_only_its_bit),
		T(test_map_bar_gives_one_shared_mapping_of_the_whole_bar),
		T(test_map_bar_with_sparse_areas_keeps_the_msix_page_inaccessible),
		T(test_detach_unmaps_every_bar),
		T(test_io_bar_cannot_be_mapped_but_is_read_and_written),
		T(test_unimplemented_or_bad_bars_are_refused),
		T(test_reset_restores_config_space),
		U(test_reset_of_a_device_without_a_reset_method_is_enotsup),
		T(test_calls_on_an_unclaimed_device_say_it_is_not_open),
		U(test_device_open_failures_reach_no_probe_and_leave_nothing_open),
		U(test_device_without_config_space_is_refused),
		U(test_device_without_an_iommu_group_is_refused_with_advice),
#undef T
#undef U
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
