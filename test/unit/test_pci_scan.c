/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI scan (lib/eal/eal_pci_scan.c) over fake sysfs trees: what it
 * reads from a normal device, what it does with missing files and garbage
 * in them, thousands of devices, and PCI address parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "eal_pci_internal.h"
#include "test_common.h"
#include "test_pci_fake.h"
#include "vdk_log.h"

static struct pci_dev_list list;

static int
setup(void **state)
{
	(void)state;
	log_capture();
	fake_sysfs_create();
	TAILQ_INIT(&list);
	return 0;
}

static int
teardown(void **state)
{
	struct pci_dev *d;

	(void)state;
	while ((d = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, d, next);
		pci_dev_free(d);
	}
	fake_sysfs_destroy();
	log_release();
	eal_pci_set_sysfs_root(NULL);
	unsetenv("VDK_SYSFS_ROOT");
	return 0;
}

static struct pci_dev *
scan_only(void)
{
	assert_int_equal(pci_scan_all(fake_root, &list), 1);
	return TAILQ_FIRST(&list);
}

static void
test_scan_reads_ids_class_numa_bars_group_and_driver(void **state)
{
	struct vdk_pci_device *d;

	(void)state;
	fake_dev("0000:00:06.0", 0x8086, 0x10d3, 0x020000, 7, "vfio-pci");
	d = &scan_only()->pub;
	assert_string_equal(d->name, "0000:00:06.0");
	assert_int_equal(d->addr.domain, 0);
	assert_int_equal(d->addr.bus, 0);
	assert_int_equal(d->addr.devid, 6);
	assert_int_equal(d->addr.function, 0);
	assert_int_equal(d->id.vendor_id, 0x8086);
	assert_int_equal(d->id.device_id, 0x10d3);
	assert_int_equal(d->id.subsystem_vendor_id, 0x1af4);
	assert_int_equal(d->id.subsystem_device_id, 0x1100);
	assert_int_equal(d->id.class_id, 0x020000);
	assert_int_equal(d->numa_node, 0);
	assert_int_equal(d->iommu_group, 7);
	assert_int_equal(d->kdrv, VDK_PCI_KDRV_VFIO);
	assert_string_equal(d->kdrv_name, "vfio-pci");
	assert_string_equal(d->devargs, "");
	assert_null(d->driver);
	/* BAR0: 16 KiB, 64-bit memory; BAR4: 32 bytes of I/O ports. */
	assert_int_equal(d->bars[0].phys_addr, 0xfe000000);
	assert_int_equal(d->bars[0].len, 0x4000);
	assert_int_equal(d->bars[0].flags, VDK_PCI_BAR_MEM | VDK_PCI_BAR_MEM64);
	assert_int_equal(d->bars[1].len, 0);
	assert_int_equal(d->bars[4].phys_addr, 0xc000);
	assert_int_equal(d->bars[4].len, 0x20);
	assert_int_equal(d->bars[4].flags, VDK_PCI_BAR_IO);
	assert_string_equal(logged(), "");
}

static void
test_scan_reads_prefetchable_bar_flag(void **state)
{
	struct vdk_pci_device *d;

	(void)state;
	fake_dev("0000:00:04.0", 0x1b36, 0x0010, 0x010802, 3, "vfio-pci");
	fake_dev_file("0000:00:04.0", "resource",
		      "0x0000000800000000 0x00000008000fffff 0x000000000014220c\n");
	d = &scan_only()->pub;
	assert_int_equal(d->bars[0].len, 0x100000);
	assert_int_equal(d->bars[0].flags,
			 VDK_PCI_BAR_MEM | VDK_PCI_BAR_MEM64 | VDK_PCI_BAR_PREFETCH);
}

static void
test_scan_classifies_kernel_drivers(void **state)
{
	struct pci_dev *d;

	(void)state;
	fake_dev("0000:00:01.0", 0x1af4, 0x1041, 0x020000, 1, "virtio-pci");
	fake_dev("0000:00:02.0", 0x1af4, 0x1041, 0x020000, 2, "vdk-vfio-pci");
	fake_dev("0000:00:03.0", 0x1af4, 0x1041, 0x020000, 3, "");
	assert_int_equal(pci_scan_all(fake_root, &list), 3);
	d = TAILQ_FIRST(&list);
	assert_int_equal(d->pub.kdrv, VDK_PCI_KDRV_OTHER);
	assert_string_equal(d->pub.kdrv_name, "virtio-pci");
	d = TAILQ_NEXT(d, next);
	assert_int_equal(d->pub.kdrv, VDK_PCI_KDRV_VDK_VFIO);
	d = TAILQ_NEXT(d, next);
	assert_int_equal(d->pub.kdrv, VDK_PCI_KDRV_NONE);
	assert_string_equal(d->pub.kdrv_name, "");
}

static void
test_scan_sorts_devices_by_domain_bus_device_function(void **state)
{
	static const char *order[] = {
		"0000:00:02.0", "0000:00:02.1", "0000:00:1f.7", "0000:01:00.0", "0001:00:00.0",
	};
	struct pci_dev *d;
	unsigned int i = 0;

	(void)state;
	fake_dev("0001:00:00.0", 0x8086, 1, 0, -1, "");
	fake_dev("0000:00:1f.7", 0x8086, 2, 0, -1, "");
	fake_dev("0000:01:00.0", 0x8086, 3, 0, -1, "");
	fake_dev("0000:00:02.1", 0x8086, 4, 0, -1, "");
	fake_dev("0000:00:02.0", 0x8086, 5, 0, -1, "");
	assert_int_equal(pci_scan_all(fake_root, &list), 5);
	TAILQ_FOREACH(d, &list, next)
		assert_string_equal(d->pub.name, order[i++]);
}

static void
test_scan_skips_device_without_vendor_file_and_says_so(void **state)
{
	(void)state;
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, 1, "");
	fake_dev("0000:00:04.0", 0x1b36, 0x0010, 0x010802, 2, "");
	fake_unlink("bus/pci/devices/0000:00:03.0/vendor");
	assert_int_equal(pci_scan_all(fake_root, &list), 1);
	assert_string_equal(TAILQ_FIRST(&list)->pub.name, "0000:00:04.0");
	assert_non_null(strstr(logged(), "0000:00:03.0: no vendor or device file"));
}

static void
test_scan_skips_device_whose_ids_are_garbage(void **state)
{
	static const char *garbage[] = {
		"hello\n", "0x\n", "0xzz12\n", "0x10000\n", "8086\n", "\n", "0x80 86\n", "-0x1\n",
	};

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(garbage); i++) {
		fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, 1, "");
		fake_dev_file("0000:00:03.0", i % 2 ? "vendor" : "device", garbage[i]);
		assert_int_equal(pci_scan_all(fake_root, &list), 0);
		assert_non_null(strstr(logged(), "not a hex value"));
	}
}

static void
test_scan_defaults_optional_files_that_are_missing(void **state)
{
	struct vdk_pci_device *d;

	(void)state;
	fake_dev_file("0000:00:08.0", "vendor", "0x8086\n");
	fake_dev_file("0000:00:08.0", "device", "0x10d3\n");
	d = &scan_only()->pub;
	assert_int_equal(d->id.subsystem_vendor_id, 0);
	assert_int_equal(d->id.subsystem_device_id, 0);
	assert_int_equal(d->id.class_id, 0);
	assert_int_equal(d->numa_node, -1);
	assert_int_equal(d->iommu_group, -1);
	assert_int_equal(d->kdrv, VDK_PCI_KDRV_NONE);
	for (unsigned int i = 0; i < VDK_PCI_MAX_BARS; i++)
		assert_int_equal(d->bars[i].len, 0);
	assert_string_equal(logged(), "");
}

static void
test_scan_treats_garbage_in_optional_files_as_unknown(void **state)
{
	struct vdk_pci_device *d;

	(void)state;
	fake_dev("0000:00:08.0", 0x8086, 0x10d3, 0x020000, -1, "");
	fake_dev_file("0000:00:08.0", "class", "network\n");
	fake_dev_file("0000:00:08.0", "subsystem_vendor", "0x123456\n");
	fake_dev_file("0000:00:08.0", "numa_node", "seven\n");
	fake_symlink("bus/pci/devices/0000:00:08.0/iommu_group", "../../kernel/iommu_groups/x");
	d = &scan_only()->pub;
	assert_int_equal(d->id.vendor_id, 0x8086);
	assert_int_equal(d->id.class_id, 0);
	assert_int_equal(d->id.subsystem_vendor_id, 0);
	assert_int_equal(d->numa_node, -1);
	assert_int_equal(d->iommu_group, -1);
	assert_non_null(strstr(logged(), "numa_node holds \"seven\""));
	assert_non_null(strstr(logged(), "iommu_group links to \"x\""));
	assert_non_null(strstr(logged(), "class holds \"network\""));
}

static void
test_scan_accepts_numa_node_minus_one_quietly(void **state)
{
	(void)state;
	fake_dev("0000:00:08.0", 0x8086, 0x10d3, 0x020000, -1, "");
	fake_dev_file("0000:00:08.0", "numa_node", "-1\n");
	assert_int_equal(scan_only()->pub.numa_node, -1);
	assert_string_equal(logged(), "");
}

static void
test_scan_leaves_every_bar_unknown_on_a_bad_resource_line(void **state)
{
	static const char *bad[] = {
		"0x00000000fe000000 0x00000000fe003fff\n",
		"0x00000000fe000000 0x00000000fe003fff 0x200 0x1\n",
		"0x00000000fe003fff 0x00000000fe000000 0x200\n",
		"fe000000 fe003fff 200\n",
	};

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(bad); i++) {
		struct pci_dev *d;
		char res[256];

		/* A good BAR0 first: a bad line later must not leave it half-read. */
		snprintf(res, sizeof(res), "0x1000 0x1fff 0x200\n%s", bad[i]);
		fake_dev("0000:00:08.0", 0x8086, 0x10d3, 0x020000, -1, "");
		fake_dev_file("0000:00:08.0", "resource", res);
		d = scan_only();
		for (unsigned int b = 0; b < VDK_PCI_MAX_BARS; b++)
			assert_int_equal(d->pub.bars[b].len, 0);
		TAILQ_REMOVE(&list, d, next);
		pci_dev_free(d);
	}
	assert_non_null(strstr(logged(), "line 2 of resource"));
}

static void
test_scan_ignores_entries_that_are_not_pci_addresses(void **state)
{
	(void)state;
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, 1, "");
	fake_write("bus/pci/devices/not-a-device/vendor", "0x8086\n");
	fake_write("bus/pci/devices/0000:00:20.0/vendor", "0x8086\n");
	assert_int_equal(pci_scan_all(fake_root, &list), 1);
}

static void
test_scan_of_a_tree_without_a_pci_bus_fails_with_enoent(void **state)
{
	char root[PATH_MAX + 16];

	(void)state;
	snprintf(root, sizeof(root), "%s/nothing", fake_root);
	assert_int_equal(pci_scan_all(root, &list), -ENOENT);
	assert_true(TAILQ_EMPTY(&list));
	assert_non_null(strstr(logged(), "cannot read"));
}

static void
test_scan_of_an_empty_bus_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(pci_scan_all(fake_root, &list), 0);
	assert_true(TAILQ_EMPTY(&list));
}

static void
test_scan_handles_four_thousand_devices_in_order(void **state)
{
	struct timespec t0, t1;
	struct pci_dev *d, *prev = NULL;
	unsigned int n = 0;
	double secs;

	(void)state;
	/* 16 buses x 32 devices x 8 functions, created bus-last to unsort readdir. */
	for (int fn = 7; fn >= 0; fn--)
		for (int dev = 31; dev >= 0; dev--)
			for (int bus = 15; bus >= 0; bus--) {
				char bdf[32];

				snprintf(bdf, sizeof(bdf), "0000:%02x:%02x.%x", bus, dev, fn);
				fake_dev_file(bdf, "vendor", "0x8086\n");
				fake_dev_file(bdf, "device", "0x10d3\n");
				fake_dev_file(bdf, "class", "0x020000\n");
			}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pci_scan_all(fake_root, &list), 4096);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("scanned 4096 devices in %.3f s\n", secs);
	TAILQ_FOREACH(d, &list, next) {
		if (prev != NULL)
			assert_true(vdk_pci_addr_cmp(&prev->pub.addr, &d->pub.addr) < 0);
		prev = d;
		n++;
	}
	assert_int_equal(n, 4096);
	assert_string_equal(TAILQ_FIRST(&list)->pub.name, "0000:00:00.0");
	assert_string_equal(prev->pub.name, "0000:0f:1f.7");
	assert_true(secs < 10.0);
}

static void
test_scan_one_reports_an_absent_device_as_enoent(void **state)
{
	struct pci_dev d;

	(void)state;
	assert_int_equal(pci_scan_one(fake_root, "0000:00:09.0", &d), -ENOENT);
	assert_int_equal(pci_scan_one(fake_root, "garbage", &d), -EINVAL);
}

static void
test_sysfs_driver_reads_the_binding_now(void **state)
{
	char drv[64];

	(void)state;
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, 1, "e1000e");
	assert_int_equal(pci_sysfs_driver(fake_root, "0000:00:03.0", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "e1000e");
	fake_dev_bind("0000:00:03.0", "");
	assert_int_equal(pci_sysfs_driver(fake_root, "0000:00:03.0", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "");
	assert_int_equal(pci_sysfs_driver(fake_root, "0000:00:09.0", drv, sizeof(drv)), -ENOENT);
}

static void
test_sysfs_root_comes_from_setter_then_environment_then_default(void **state)
{
	(void)state;
	assert_string_equal(eal_sysfs_root(), "/sys");
	setenv("VDK_SYSFS_ROOT", "/env/root", 1);
	assert_string_equal(eal_sysfs_root(), "/env/root");
	eal_pci_set_sysfs_root("/set/root");
	assert_string_equal(eal_sysfs_root(), "/set/root");
	eal_pci_set_sysfs_root(NULL);
	setenv("VDK_SYSFS_ROOT", "", 1);
	assert_string_equal(eal_sysfs_root(), "/sys");
}

/*
 * libc's secure_getenv, modelled: in a set-user-ID or file-capability
 * program (AT_SECURE) it returns NULL, so that the invoking user cannot
 * point a privileged process at a sysfs tree of their own making. The
 * library's call binds to this definition through the PLT.
 */
static bool secure_exec;

char *
secure_getenv(const char *name)
{
	return secure_exec ? NULL : getenv(name);
}

static void
test_sysfs_root_ignores_environment_in_a_privileged_program(void **state)
{
	(void)state;
	setenv("VDK_SYSFS_ROOT", "/tmp/users-own-sysfs", 1);
	assert_string_equal(eal_sysfs_root(), "/tmp/users-own-sysfs");
	secure_exec = true;
	assert_string_equal(eal_sysfs_root(), "/sys");
	/* What the program itself sets still counts. */
	eal_pci_set_sysfs_root("/set/root");
	assert_string_equal(eal_sysfs_root(), "/set/root");
	eal_pci_set_sysfs_root(NULL);
	secure_exec = false;
	unsetenv("VDK_SYSFS_ROOT");
}

static void
test_addr_parse_takes_full_and_short_forms(void **state)
{
	struct vdk_pci_addr a;

	(void)state;
	assert_int_equal(vdk_pci_addr_parse("0000:00:04.0", &a), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.devid, 4);
	assert_int_equal(vdk_pci_addr_parse("3a:1F.7", &a), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 0x3a);
	assert_int_equal(a.devid, 0x1f);
	assert_int_equal(a.function, 7);
	assert_int_equal(vdk_pci_addr_parse("10000:ff:00.1", &a), 0);
	assert_int_equal(a.domain, 0x10000);
	assert_int_equal(a.bus, 0xff);
}

static void
test_addr_parse_rejects_bad_forms_and_leaves_the_address(void **state)
{
	static const char *bad[] = {
		"", "0000:00:04", "0000:00:04.8", "0000:00:20.0", "0000:100:00.0",
		"0000:00:04.0 ", " 0000:00:04.0", "+0:00:04.0", "000000000:00:04.0",
		"0000:00:04.0.1", "00:04", "0000::04.0", "g000:00:04.0", "0000:00:04.00",
	};
	struct vdk_pci_addr a = { .domain = 9, .bus = 9, .devid = 9, .function = 1 };

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(bad); i++) {
		if (vdk_pci_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(a.domain, 9);
		assert_int_equal(a.bus, 9);
	}
	assert_int_equal(vdk_pci_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(vdk_pci_addr_parse("00:04.0", NULL), -EINVAL);
}

static void
test_addr_format_writes_full_form_or_enospc(void **state)
{
	struct vdk_pci_addr a = { .domain = 0, .bus = 0x3a, .devid = 0x1f, .function = 7 };
	char buf[VDK_PCI_NAME_LEN], small[12];

	(void)state;
	assert_int_equal(vdk_pci_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0000:3a:1f.7");
	assert_int_equal(vdk_pci_addr_format(&a, small, sizeof(small)), -ENOSPC);
	assert_string_equal(small, "");
	assert_int_equal(vdk_pci_addr_format(NULL, buf, sizeof(buf)), -EINVAL);
}

static void
test_addr_cmp_orders_domain_first(void **state)
{
	struct vdk_pci_addr a = { .domain = 1 }, b = { .domain = 0, .bus = 0xff }, c = b;

	(void)state;
	assert_true(vdk_pci_addr_cmp(&a, &b) > 0);
	assert_true(vdk_pci_addr_cmp(&b, &a) < 0);
	assert_int_equal(vdk_pci_addr_cmp(&b, &c), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_scan_reads_ids_class_numa_bars_group_and_driver),
		T(test_scan_reads_prefetchable_bar_flag),
		T(test_scan_classifies_kernel_drivers),
		T(test_scan_sorts_devices_by_domain_bus_device_function),
		T(test_scan_skips_device_without_vendor_file_and_says_so),
		T(test_scan_skips_device_whose_ids_are_garbage),
		T(test_scan_defaults_optional_files_that_are_missing),
		T(test_scan_treats_garbage_in_optional_files_as_unknown),
		T(test_scan_accepts_numa_node_minus_one_quietly),
		T(test_scan_leaves_every_bar_unknown_on_a_bad_resource_line),
		T(test_scan_ignores_entries_that_are_not_pci_addresses),
		T(test_scan_of_a_tree_without_a_pci_bus_fails_with_enoent),
		T(test_scan_of_an_empty_bus_finds_nothing),
		T(test_scan_handles_four_thousand_devices_in_order),
		T(test_scan_one_reports_an_absent_device_as_enoent),
		T(test_sysfs_driver_reads_the_binding_now),
		T(test_sysfs_root_comes_from_setter_then_environment_then_default),
		T(test_sysfs_root_ignores_environment_in_a_privileged_program),
		T(test_addr_parse_takes_full_and_short_forms),
		T(test_addr_parse_rejects_bad_forms_and_leaves_the_address),
		T(test_addr_format_writes_full_form_or_enospc),
		T(test_addr_cmp_orders_domain_first),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
