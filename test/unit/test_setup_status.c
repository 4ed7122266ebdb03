/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup status` (app/setup/setup_status.c) over fake trees: the
 * table, the JSON form, what blocks a group and the command to fix it,
 * and what happens with missing or garbage files.
 */
#include "test_setup_fake.h"

/* A q35 guest: bridge, NVMe and e1000e alone in groups, SATA with its LPC. */
static void
guest(struct fake *f)
{
	fake_add_device(f, "0000:00:00.0", 0x8086, 0x29c0, 0x060000, NULL, 0);
	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, "vfio-pci", 3);
	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_add_device(f, "0000:00:1f.0", 0x8086, 0x2918, 0x060100, "lpc_ich", 5);
	fake_add_device(f, "0000:00:1f.2", 0x8086, 0x2922, 0x010601, "ahci", 5);
}

static void
test_status_table_lists_every_device(void **state)
{
	struct fake *f = *state;

	guest(f);
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_contains(f->out, "BDF           ID        Driver           Group VFIO    Name\n");
	assert_contains(f->out, "0000:00:03.0  8086:10d3 vfio-pci         3     viable  "
			"Intel Corporation 82574L Gigabit Network Connection\n");
	assert_contains(f->out, "0000:00:04.0  1b36:0010 nvme             4     blocked "
			"Red Hat, Inc. QEMU NVM Express Controller\n");
	assert_contains(f->out, "0000:00:00.0  8086:29c0 -                0     viable  "
			"Intel Corporation (unknown device)\n");
	assert_string_equal(f->err, "");
}

static void
test_status_says_what_blocks_a_group_and_the_fix(void **state)
{
	struct fake *f = *state;

	guest(f);
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_contains(f->out, "    group 4 blocked by 0000:00:04.0; to use it: vdk-setup bind "
			"0000:00:04.0\n");
	assert_contains(f->out, "    group 5 blocked by 0000:00:1f.0 0000:00:1f.2; to use it: "
			"vdk-setup bind 0000:00:1f.0 0000:00:1f.2\n");
}

static void
test_status_shows_override_and_users(void **state)
{
	struct fake *f = *state;

	guest(f);
	fake_file(f, "sys/devices/pci0000:00/0000:00:04.0/driver_override", "vfio-pci\n");
	fake_add_block(f, "0000:00:04.0", "nvme/nvme0", "nvme0n1");
	fake_add_mount(f, fake_devno(f, "nvme0n1"), "/dev/nvme0n1", "/scratch", "ext4");
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_contains(f->out, "    driver_override: vfio-pci\n");
	assert_contains(f->out, "    in use: /dev/nvme0n1 (nvme0n1) is mounted on /scratch\n");
}

static void
test_status_without_groups_points_at_iommu(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_contains(f->out, "e1000e           -     nogroup");
	assert_contains(f->out, "run `vdk-setup iommu` to see why");
}

static void
test_status_without_pci_ids_asks_for_the_package(void **state)
{
	struct fake *f = *state;

	guest(f);
	fake_unlink(f, "pci.ids");
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_contains(f->out, "install the pci.ids package");
	assert_contains(f->err, "cannot read PCI ID database");
}

static void
test_status_class_name_when_device_unknown(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, "0000:00:05.0", 0xabcd, 0x0001, 0x020000, NULL, 6);
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_contains(f->out, "(Ethernet controller)");
}

static void
test_status_json(void **state)
{
	struct fake *f = *state;

	guest(f);
	fake_file(f, "pci.ids", "8086  Intel \"Quoted\" \\ Corp\n\t10d3  82574L\n");
	assert_int_equal(fake_run(f, "status", "--json"), SETUP_EXIT_OK);
	assert_contains(f->out, "{\"devices\": [\n  {\"bdf\": \"0000:00:00.0\"");
	assert_contains(f->out, "{\"bdf\": \"0000:00:03.0\", \"vendor_id\": \"8086\", "
			"\"device_id\": \"10d3\", \"class\": \"020000\", "
			"\"vendor\": \"Intel \\\"Quoted\\\" \\\\ Corp\", \"device\": \"82574L\", "
			"\"class_name\": null, \"driver\": \"vfio-pci\", \"driver_override\": null, "
			"\"iommu_group\": 3, \"vfio_viable\": true, \"blockers\": [], \"in_use\": []}");
	assert_contains(f->out, "\"iommu_group\": 5, \"vfio_viable\": false, \"blockers\": "
			"[\"0000:00:1f.0\", \"0000:00:1f.2\"]");
	assert_contains(f->out, "\n], \"pci_ids\": true}\n");
}

static void
test_status_json_escapes_control_characters_and_nulls(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, NULL, -1);
	fake_file(f, "sys/devices/pci0000:00/0000:00:03.0/driver_override", "a\tb\n");
	fake_file(f, "sys/devices/pci0000:00/0000:00:03.0/vendor", "junk\n");
	assert_int_equal(fake_run(f, "status", "--json"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "\"vendor_id\": null, \"device_id\": null");
	assert_contains(f->out, "\"driver_override\": \"a\\u0009b\"");
	assert_contains(f->out, "\"iommu_group\": null, \"vfio_viable\": false");
}

static void
test_status_json_empty_bus(void **state)
{
	struct fake *f = *state;

	assert_int_equal(fake_run(f, "--json", "status", "--pci-ids", "none"), SETUP_EXIT_OK);
	assert_string_equal(f->out, "{\"devices\": [], \"pci_ids\": false}\n");
}

static void
test_status_garbage_shows_the_rest_and_fails(void **state)
{
	struct fake *f = *state;

	guest(f);
	fake_file(f, "sys/devices/pci0000:00/0000:00:04.0/device", "0xnvme\n");
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_FAIL);
	assert_contains(f->out, "0000:00:04.0  ????:???? nvme");
	assert_contains(f->out, "0000:00:03.0  8086:10d3");
	assert_contains(f->err, "0000:00:04.0: cannot read");
}

static void
test_status_missing_group_dir_fails(void **state)
{
	struct fake *f = *state;
	char p[PATH_MAX];

	guest(f);
	fake_path(f, p, "sys/kernel/iommu_groups/3/devices/0000:00:03.0");
	unlink(p);
	fake_path(f, p, "sys/kernel/iommu_groups/3/devices");
	rmdir(p);
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "IOMMU group 3: cannot list");
}

static void
test_status_no_pci_bus_fails(void **state)
{
	struct fake *f = *state;
	char p[PATH_MAX];

	fake_path(f, p, "sys/bus/pci/devices");
	rmdir(p);
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "cannot list PCI devices");
}

static void
test_status_skips_dangling_device_link(void **state)
{
	struct fake *f = *state;

	guest(f);
	fake_link(f, "../../../devices/pci0000:00/0000:00:09.0", "sys/bus/pci/devices/0000:00:09.0");
	assert_int_equal(fake_run(f, "status"), SETUP_EXIT_OK);
	assert_not_contains(f->out, "0000:00:09.0");
	assert_string_equal(f->err, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
		T(test_status_table_lists_every_device),
		T(test_status_says_what_blocks_a_group_and_the_fix),
		T(test_status_shows_override_and_users),
		T(test_status_without_groups_points_at_iommu),
		T(test_status_without_pci_ids_asks_for_the_package),
		T(test_status_class_name_when_device_unknown),
		T(test_status_json),
		T(test_status_json_escapes_control_characters_and_nulls),
		T(test_status_json_empty_bus),
		T(test_status_garbage_shows_the_rest_and_fails),
		T(test_status_missing_group_dir_fails),
		T(test_status_no_pci_bus_fails),
		T(test_status_skips_dangling_device_link),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
