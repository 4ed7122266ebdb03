/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the host still uses on a device (app/setup/setup_inuse.c): disks
 * with mounted filesystems or swap, through partitions and dm/md holders,
 * interfaces up, addressed or routed, and VFIO groups held open.
 */
#include "test_setup_fake.h"

#define NVME "0000:00:04.0"
#define NIC "0000:00:03.0"
#define VIRTIO "0000:00:10.0"

static struct setup_ctx ctx;
static struct setup_dev dev;
static char *outbuf;
static size_t outlen;
static FILE *outf;

static int
users_of(struct fake *f, const char *bdf, struct setup_users *u)
{
	outbuf = NULL;
	outf = open_memstream(&outbuf, &outlen);
	fake_ctx(f, &ctx, outf, outf);
	assert_int_equal(setup_dev_load(&ctx, bdf, &dev), 0);
	return setup_dev_users(&ctx, &dev, u);
}

/* The NVMe controller, with no namespace. */
static void
add_nvme(struct fake *f)
{
	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
}

/* The NVMe controller with its namespace nvme0n1. */
static void
add_nvme_disk(struct fake *f)
{
	add_nvme(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
}

/* The e1000e NIC, in IOMMU group 3, bound to @driver. */
static void
add_nic(struct fake *f, const char *driver)
{
	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, driver, 3);
}

/* The NIC on e1000e, as interface enp0s3 (IFF_UP) in operstate @operstate. */
static void
add_nic_netdev(struct fake *f, const char *operstate)
{
	add_nic(f, "e1000e");
	fake_add_netdev(f, NIC, "enp0s3", "0x1002\n", operstate);
}

static int
inuse_teardown(void **state)
{
	if (outf != NULL)
		fclose(outf);
	outf = NULL;
	free(outbuf);
	outbuf = NULL;
	return fake_teardown(state);
}

static void
test_inuse_nothing_below_a_bare_device(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme(f);
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_int_equal(u.nb, 0);
	assert_false(u.mounted);
	assert_false(u.net_active);
}

static void
test_inuse_mounted_whole_disk(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_file(f, "proc/mounts", "/dev/nvme0n1 /data xfs rw 0 0\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "/dev/nvme0n1 (nvme0n1) is mounted on /data");
}

static void
test_inuse_dm_matched_by_name_without_dev_link(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_holder(f, "nvme0n1", "dm-1", "data-lv\n");
	fake_file(f, "proc/mounts", "/dev/mapper/data-lv /srv ext4 rw 0 0\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_string_equal(u.what[0], "/dev/mapper/data-lv (dm-1) is mounted on /srv");
}

static void
test_inuse_dm_matched_through_dev_link(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_holder(f, "nvme0n1", "dm-1", NULL);
	fake_link(f, "../dm-1", "dev/mapper/vg-home");
	fake_file(f, "proc/mounts", "/dev/mapper/vg-home /home ext4 rw 0 0\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
}

static void
test_inuse_other_disks_and_pseudo_filesystems_ignored(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_file(f, "proc/mounts",
		  "proc /proc proc rw 0 0\n"
		  "/dev/vda / ext4 rw 0 0\n"
		  "/dev/mapper/other /x ext4 rw 0 0\n"
		  "/dev/nvme0n1x /y ext4 rw 0 0\n"
		  "garbage\n"
		  "\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_false(u.mounted);
	assert_int_equal(u.nb, 0);
}

static void
test_inuse_virtio_9p_share_mounted(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	fake_add_device(f, VIRTIO, 0x1af4, 0x1049, 0x000200, "virtio-pci", 16);
	/* The kernel ends the tag with a NUL, not a newline. */
	fake_file(f, "sys/devices/pci0000:00/0000:00:10.0/virtio3/mount_tag", "host");
	{
		char p[PATH_MAX];
		FILE *fp;

		fake_path(f, p, "sys/devices/pci0000:00/0000:00:10.0/virtio3/mount_tag");
		fp = fopen(p, "w");
		fwrite("host\0", 1, 5, fp);
		fclose(fp);
	}
	fake_file(f, "proc/mounts", "host /host 9p ro,trans=virtio 0 0\n"
		  "other /x 9p rw 0 0\n");
	assert_int_equal(users_of(f, VIRTIO, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "9p share 'host' is mounted on /host");
}

static void
test_inuse_virtio_9p_share_not_mounted(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	fake_add_device(f, VIRTIO, 0x1af4, 0x1049, 0x000200, "virtio-pci", 16);
	fake_file(f, "sys/devices/pci0000:00/0000:00:10.0/virtio3/mount_tag", "host\n");
	/* Same name, but a block device's mount, not 9p. */
	fake_file(f, "proc/mounts", "host /host ext4 rw 0 0\n");
	assert_int_equal(users_of(f, VIRTIO, &u), 0);
	assert_false(u.mounted);
}

static void
test_inuse_missing_swaps_is_fine(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_unlink(f, "proc/swaps");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_false(u.mounted);
}

static void
test_inuse_swap_partition(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_block(f, NVME, "nvme/nvme0/nvme0n1", "nvme0n1p3");
	fake_file(f, "proc/swaps", "Filename Type Size Used Priority\n"
		  "/dev/nvme0n1p3 partition 1 0 -2\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_string_equal(u.what[0], "/dev/nvme0n1p3 (nvme0n1p3) is in use as swap");
}

static void
test_inuse_unreadable_class_block_is_an_error(void **state)
{
	struct fake *f = *state;
	struct setup_users u;
	char p[PATH_MAX];

	add_nvme(f);
	/* class/block as a file: cannot be listed, so safety cannot be shown. */
	fake_path(f, p, "sys/class/block");
	rmdir(p);
	fake_file(f, "sys/class/block", "not a directory");
	assert_int_equal(users_of(f, NVME, &u), -ENOTDIR);
	fflush(outf);
	assert_contains(outbuf, "cannot list");
}

static void
test_inuse_no_block_or_net_class_at_all(void **state)
{
	struct fake *f = *state;
	struct setup_users u;
	char p[PATH_MAX];

	add_nvme(f);
	fake_path(f, p, "sys/class/block");
	rmdir(p);
	fake_path(f, p, "sys/class/net");
	rmdir(p);
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_int_equal(u.nb, 0);
}

static void
test_inuse_interface_up_by_operstate(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nic_netdev(f, "up\n");
	assert_int_equal(users_of(f, NIC, &u), 0);
	assert_true(u.net_active);
	assert_string_equal(u.what[0], "interface enp0s3 is active (up)");
}

static void
test_inuse_interface_down_and_unconfigured_is_free(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nic_netdev(f, "down\n");
	fake_file(f, "proc/net/route", "Iface\tDestination\tGateway\n");
	fake_file(f, "proc/net/if_inet6", "");
	assert_int_equal(users_of(f, NIC, &u), 0);
	assert_false(u.net_active);
}

static void
test_inuse_interface_with_connected_route(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nic_netdev(f, "down\n");
	fake_file(f, "proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\t"
		  "Mask\tMTU\tWindow\tIRTT\n"
		  "enp0s3\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
	assert_int_equal(users_of(f, NIC, &u), 0);
	assert_true(u.net_active);
	assert_string_equal(u.what[0], "interface enp0s3 is active (has IPv4 routes)");
}

static void
test_inuse_vfio_group_open_by_process(void **state)
{
	struct fake *f = *state;
	struct setup_users u = { .nb = 0 };

	add_nic(f, "vfio-pci");
	fake_link(f, "/dev/vfio/vfio", "proc/77/fd/3");
	fake_link(f, "/dev/vfio/3", "proc/77/fd/4");
	fake_file(f, "proc/77/comm", "vdk-testpmd\n");
	fake_link(f, "/dev/vfio/30", "proc/78/fd/4");
	fake_link(f, "/dev/vfio/noiommu-3", "proc/79/fd/9");
	(void)users_of(f, NIC, &u);
	memset(&u, 0, sizeof(u));
	assert_int_equal(setup_vfio_group_users(&ctx, 3, &u), 0);
	assert_true(u.vfio_open);
	assert_int_equal(u.nb, 2);
	assert_string_equal(u.what[0], "VFIO group 3 is open in process 77 (vdk-testpmd)");
	assert_string_equal(u.what[1], "VFIO group 3 is open in process 79 (?)");
}

static void
test_inuse_vfio_group_without_procfs(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nic(f, "vfio-pci");
	(void)users_of(f, NIC, &u);
	memset(&u, 0, sizeof(u));
	strcat(ctx.root[SETUP_ROOT_PROC], "/none");
	assert_int_equal(setup_vfio_group_users(&ctx, 3, &u), 0);
	assert_false(u.vfio_open);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, inuse_teardown)
		T(test_inuse_nothing_below_a_bare_device),
		T(test_inuse_mounted_whole_disk),
		T(test_inuse_dm_matched_by_name_without_dev_link),
		T(test_inuse_dm_matched_through_dev_link),
		T(test_inuse_other_disks_and_pseudo_filesystems_ignored),
		T(test_inuse_virtio_9p_share_mounted),
		T(test_inuse_virtio_9p_share_not_mounted),
		T(test_inuse_missing_swaps_is_fine),
		T(test_inuse_swap_partition),
		T(test_inuse_unreadable_class_block_is_an_error),
		T(test_inuse_no_block_or_net_class_at_all),
		T(test_inuse_interface_up_by_operstate),
		T(test_inuse_interface_down_and_unconfigured_is_free),
		T(test_inuse_interface_with_connected_route),
		T(test_inuse_vfio_group_open_by_process),
		T(test_inuse_vfio_group_without_procfs),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
