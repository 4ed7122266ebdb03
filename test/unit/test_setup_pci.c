/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI devices and IOMMU groups as vdk-setup reads them
 * (app/setup/setup_pci.c), over fake sysfs trees: normal, missing files,
 * garbage in files.
 */
#include "test_setup_fake.h"

static struct setup_ctx ctx;
static char *errbuf;
static size_t errlen;
static FILE *errf;

static void
ctx_for(struct fake *f)
{
	errf = open_memstream(&errbuf, &errlen);
	fake_ctx(f, &ctx, errf, errf);
}

static const char *
ctx_err(void)
{
	fflush(errf);
	return errbuf;
}

static int
pci_setup(void **state)
{
	errbuf = NULL;
	return fake_setup(state);
}

static int
pci_teardown(void **state)
{
	if (errf != NULL)
		fclose(errf);
	errf = NULL;
	free(errbuf);
	return fake_teardown(state);
}

static void
test_pci_bdf_normalize_accepts_both_forms(void **state)
{
	char out[SETUP_BDF_LEN];

	(void)state;
	assert_int_equal(setup_bdf_normalize("00:04.0", out, sizeof(out)), 0);
	assert_string_equal(out, "0000:00:04.0");
	assert_int_equal(setup_bdf_normalize("0000:3B:1F.7", out, sizeof(out)), 0);
	assert_string_equal(out, "0000:3b:1f.7");
	/* VMD domains are wider than four digits. */
	assert_int_equal(setup_bdf_normalize("10000:e1:00.0", out, sizeof(out)), 0);
	assert_string_equal(out, "10000:e1:00.0");
	assert_int_equal(setup_bdf_normalize("0:0:0.0", out, sizeof(out)), 0);
	assert_string_equal(out, "0000:00:00.0");
}

static void
test_pci_bdf_normalize_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"", "0", "00:04", "00.04.0", "00:04.0.1", ":04.0", "00:.0", "00:04.", "00:4:0.0.0",
		"0:0:0:0.0", "000:04.0", "00:004.0", "00:20.0", "00:1f.8", "00:04.a", "g0:04.0",
		"00:04.0 ", " 00:04.0", "-0:04.0", "+0:04.0", "123456789:00:00.0",
		"00:04.0:1", "..", "00:04.00",
	};
	char out[SETUP_BDF_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (setup_bdf_normalize(bad[i], out, sizeof(out)) != -EINVAL)
			fail_msg("'%s' was accepted as a PCI address", bad[i]);
	assert_int_equal(setup_bdf_normalize(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(setup_bdf_normalize("00:04.0", out, 8), -ENAMETOOLONG);
}

static void
test_pci_driver_classes(void **state)
{
	(void)state;
	assert_true(setup_driver_is_vfio("vfio-pci"));
	assert_true(setup_driver_is_vfio("vdk_vfio_pci"));
	assert_false(setup_driver_is_vfio(""));
	assert_false(setup_driver_is_vfio("nvme"));
	assert_true(setup_driver_keeps_group_viable(""));
	assert_true(setup_driver_keeps_group_viable("pcieport"));
	assert_true(setup_driver_keeps_group_viable("pci-stub"));
	assert_false(setup_driver_keeps_group_viable("ahci"));
}

static void
test_pci_dev_load_reads_every_field(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;

	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_file(f, "sys/devices/pci0000:00/0000:00:04.0/driver_override", "vfio-pci\n");
	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:04.0", &d), 0);
	assert_true(d.ids_ok);
	assert_int_equal(d.vendor, 0x1b36);
	assert_int_equal(d.device, 0x0010);
	assert_int_equal(d.class_code, 0x010802);
	assert_string_equal(d.driver, "nvme");
	assert_string_equal(d.override, "vfio-pci");
	assert_int_equal(d.group, 4);
	assert_non_null(strstr(d.path, "/sys/devices/pci0000:00/0000:00:04.0"));
	assert_string_equal(ctx_err(), "");
}

static void
test_pci_dev_load_unbound_without_group(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;

	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, NULL, -1);
	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:03.0", &d), 0);
	assert_string_equal(d.driver, "");
	assert_string_equal(d.override, "");
	assert_int_equal(d.group, -1);
}

static void
test_pci_dev_load_missing_device(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;

	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:09.0", &d), -ENODEV);
	assert_contains(ctx_err(), "0000:00:09.0: no such PCI device");
}

static void
test_pci_dev_load_missing_files_fill_the_rest(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;

	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, "e1000e", 3);
	fake_unlink(f, "sys/devices/pci0000:00/0000:00:03.0/vendor");
	fake_unlink(f, "sys/devices/pci0000:00/0000:00:03.0/class");
	fake_unlink(f, "sys/devices/pci0000:00/0000:00:03.0/driver_override");
	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:03.0", &d), -ENOENT);
	assert_false(d.ids_ok);
	assert_string_equal(d.driver, "e1000e");
	assert_int_equal(d.group, 3);
	assert_int_equal(d.class_code, 0);
	assert_contains(ctx_err(), "vendor");
}

static void
test_pci_dev_load_garbage_in_files(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;

	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, "e1000e", 3);
	fake_file(f, "sys/devices/pci0000:00/0000:00:03.0/device", "0x110d3\n");
	fake_file(f, "sys/devices/pci0000:00/0000:00:03.0/class", "network\n");
	fake_link(f, "../../../kernel/iommu_groups/three",
		  "sys/devices/pci0000:00/0000:00:03.0/iommu_group");
	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:03.0", &d), -ERANGE);
	assert_false(d.ids_ok);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.group, -1);
	assert_contains(ctx_err(), "device: not a hex number");
	assert_contains(ctx_err(), "names 'three', not a group number");
}

static void
test_pci_dev_load_driver_that_is_not_a_link(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;

	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, NULL, 3);
	fake_file(f, "sys/devices/pci0000:00/0000:00:03.0/driver", "e1000e");
	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:03.0", &d), -EINVAL);
	assert_string_equal(d.driver, "");
	assert_contains(ctx_err(), "cannot read driver link");
}

static void
test_pci_dev_load_overlong_override(void **state)
{
	struct fake *f = *state;
	struct setup_dev d;
	char longv[200];

	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, NULL, 3);
	fake_file(f, "sys/devices/pci0000:00/0000:00:03.0/driver_override", longv);
	ctx_for(f);
	assert_int_equal(setup_dev_load(&ctx, "0000:00:03.0", &d), -EINVAL);
	assert_string_equal(d.override, "");
}

static void
test_pci_group_blockers_names_kernel_bound_members(void **state)
{
	struct fake *f = *state;
	char skip[1][SETUP_BDF_LEN] = { "0000:00:1f.3" };
	char **b;
	int n;

	fake_add_device(f, "0000:00:1f.0", 0x8086, 0x2918, 0x060100, "lpc_ich", 9);
	fake_add_device(f, "0000:00:1f.2", 0x8086, 0x2922, 0x010601, "ahci", 9);
	fake_add_device(f, "0000:00:1f.3", 0x8086, 0x2930, 0x0c0500, "i801_smbus", 9);
	fake_add_device(f, "0000:00:1f.4", 0x8086, 0x2931, 0x0c0500, "vfio-pci", 9);
	ctx_for(f);
	n = setup_group_blockers(&ctx, 9, skip, 1, &b);
	assert_int_equal(n, 2);
	assert_string_equal(b[0], "0000:00:1f.0");
	assert_string_equal(b[1], "0000:00:1f.2");
	setup_free_list(b, n);
	n = setup_group_blockers(&ctx, 9, NULL, 0, &b);
	assert_int_equal(n, 3);
	setup_free_list(b, n);
}

static void
test_pci_group_blockers_unreadable_driver_blocks(void **state)
{
	struct fake *f = *state;
	char **b;
	int n;

	fake_add_device(f, "0000:00:1f.0", 0x8086, 0x2918, 0x060100, NULL, 9);
	fake_file(f, "sys/devices/pci0000:00/0000:00:1f.0/driver", "garbage");
	ctx_for(f);
	n = setup_group_blockers(&ctx, 9, NULL, 0, &b);
	assert_int_equal(n, 1);
	setup_free_list(b, n);
}

static void
test_pci_group_blockers_missing_group(void **state)
{
	struct fake *f = *state;
	char **b;

	ctx_for(f);
	assert_int_equal(setup_group_blockers(&ctx, 42, NULL, 0, &b), -ENOENT);
	assert_contains(ctx_err(), "IOMMU group 42: cannot list");
}

static void
test_pci_list_devices_skips_non_addresses(void **state)
{
	struct fake *f = *state;
	char **bdfs;
	int n;

	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, NULL, -1);
	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, NULL, -1);
	fake_file(f, "sys/bus/pci/devices/README", "junk");
	ctx_for(f);
	n = setup_list_devices(&ctx, &bdfs);
	assert_int_equal(n, 2);
	assert_string_equal(bdfs[0], "0000:00:03.0");
	assert_string_equal(bdfs[1], "0000:00:04.0");
	setup_free_list(bdfs, n);
	assert_contains(ctx_err(), "ignoring 'README'");
}

static void
test_pci_list_devices_without_bus(void **state)
{
	struct fake *f = *state;
	char **bdfs;

	ctx_for(f);
	strcat(ctx.root[SETUP_ROOT_SYS], "/nowhere");
	assert_int_equal(setup_list_devices(&ctx, &bdfs), -ENOENT);
	assert_contains(ctx_err(), "see --sysfs");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, pci_setup, pci_teardown)
		cmocka_unit_test(test_pci_bdf_normalize_accepts_both_forms),
		cmocka_unit_test(test_pci_bdf_normalize_rejects_garbage),
		cmocka_unit_test(test_pci_driver_classes),
		T(test_pci_dev_load_reads_every_field),
		T(test_pci_dev_load_unbound_without_group),
		T(test_pci_dev_load_missing_device),
		T(test_pci_dev_load_missing_files_fill_the_rest),
		T(test_pci_dev_load_garbage_in_files),
		T(test_pci_dev_load_driver_that_is_not_a_link),
		T(test_pci_dev_load_overlong_override),
		T(test_pci_group_blockers_names_kernel_bound_members),
		T(test_pci_group_blockers_unreadable_driver_blocks),
		T(test_pci_group_blockers_missing_group),
		T(test_pci_list_devices_skips_non_addresses),
		T(test_pci_list_devices_without_bus),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
