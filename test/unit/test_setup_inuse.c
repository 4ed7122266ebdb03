/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the host still uses on a device (app/setup/setup_inuse.c): disks
 * with mounted filesystems or swap, through partitions and dm/md holders,
 * interfaces up, addressed or routed, and VFIO groups held open.
 */
#include <sys/sysmacros.h>

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
	fake_add_mount(f, fake_devno(f, "nvme0n1"), "/dev/nvme0n1", "/data", "xfs");
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
	/* btrfs mounts show an anonymous major:minor: the source names the device. */
	fake_add_mount(f, "0:51", "/dev/mapper/data-lv", "/srv", "btrfs");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_string_equal(u.what[0], "/dev/mapper/data-lv (dm-1 over nvme0n1) is mounted on /srv");
}

static void
test_inuse_dm_matched_through_dev_link(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_holder(f, "nvme0n1", "dm-1", NULL);
	fake_link(f, "../dm-1", "dev/mapper/vg-home");
	fake_add_mount(f, "0:52", "/dev/mapper/vg-home", "/home", "btrfs");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
}

static void
test_inuse_other_disks_and_pseudo_filesystems_ignored(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_mount(f, "0:22", "proc", "/proc", "proc");
	fake_add_mount(f, "252:0", "/dev/vda", "/", "ext4");
	fake_add_mount(f, "253:9", "/dev/mapper/other", "/x", "ext4");
	fake_add_mount(f, "259:77", "/dev/nvme0n1x", "/y", "ext4");
	fake_append(f, "proc/self/mountinfo", "garbage\n\n"
		    "40 1 259:1 / /z rw - ext4\n"
		    "41 1 x:y / /z rw - ext4 /dev/nvme0n1 rw\n");
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
	fake_add_mount(f, "0:40", "host", "/host", "9p");
	fake_add_mount(f, "0:41", "other", "/x", "9p");
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
	fake_add_mount(f, "8:3", "host", "/host", "ext4");
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

/* ---- matched by major:minor, whatever the mount calls the device ---- */

/* The root filesystem as the kernel names it without an initramfs. */
static void
test_inuse_root_mounted_as_dev_root(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_block(f, NVME, "nvme/nvme0/nvme0n1", "nvme0n1p2");
	fake_add_mount(f, fake_devno(f, "nvme0n1p2"), "/dev/root", "/", "ext4");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "/dev/root (nvme0n1p2) is mounted on /");
}

/* A disk in a btrfs of two devices, mounted through the other one. */
static void
test_inuse_btrfs_member_mounted_through_another_device(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_device(f, VIRTIO, 0x1af4, 0x1042, 0x010000, "virtio-pci", 16);
	fake_add_block(f, VIRTIO, "virtio2/block", "vdb");
	fake_link(f, "../../../../devices/pci0000:00/0000:00:10.0/virtio2/block/vdb",
		  "sys/fs/btrfs/6f1c2b9e-2d7a-4b4e-9a55-0c3e4f1d2a10/devices/vdb");
	fake_link(f, "../../../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1",
		  "sys/fs/btrfs/6f1c2b9e-2d7a-4b4e-9a55-0c3e4f1d2a10/devices/nvme0n1");
	/* btrfs mounts show an anonymous major:minor and one device. */
	fake_add_mount(f, "0:45", "/dev/vdb", "/pool", "btrfs");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "btrfs on /dev/vdb is mounted on /pool, and nvme0n1 is "
			    "one of its devices");
}

/* sysfs lists the btrfs as mounted, but no mount table this tool reads has it. */
static void
test_inuse_btrfs_member_mounted_out_of_sight(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_part(f, "nvme0n1", "nvme0n1p1", 1);
	fake_link(f, "../../../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p1",
		  "sys/fs/btrfs/0b5d/devices/nvme0n1p1");
	fake_link(f, "../../../../devices/virtual/block/loop0", "sys/fs/btrfs/77aa/devices/loop0");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "nvme0n1p1 is one of the devices of btrfs 0b5d, which "
			    "is mounted");
}

/*
 * dm-multipath: the disk is one path of mpatha (dm-2), whose partition
 * mapping (dm-3) is mounted; dm-3 was renamed since, so the name in the
 * mount table matches no device: its major:minor does.
 */
static void
test_inuse_multipath_partition_mounted_under_an_old_name(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_device(f, "0000:00:09.0", 0x8086, 0x2922, 0x010601, "ahci", 7);
	fake_add_block(f, "0000:00:09.0", "ata1/host0/target0:0:0/0:0:0:0/block", "sdb");
	fake_add_holder(f, "nvme0n1", "dm-2", "mpatha\n");
	fake_link(f, "../../dm-2", "sys/class/block/sdb/holders/dm-2");
	fake_add_holder(f, "dm-2", "dm-3", "mpatha-data\n");
	fake_add_mount(f, fake_devno(f, "dm-3"), "/dev/mapper/mpatha1", "/srv", "xfs");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_string_equal(u.what[0], "/dev/mapper/mpatha1 (dm-3 over dm-2) is mounted on /srv");
	/* dm-2 itself is not mounted, but dm-3 over it is: the mount says it all. */
	assert_int_equal(u.nb, 1);
	assert_false(u.held);
}

/* A multipath map over the disk that nothing mounts is still open. */
static void
test_inuse_active_holder_without_mount(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_holder(f, "nvme0n1", "dm-2", "mpatha\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_false(u.mounted);
	assert_true(u.held);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "nvme0n1 is part of dm-2 (mpatha), which is active "
			    "though not mounted");
}

/*
 * NVMe native multipath: the namespace disk hangs below the subsystem, the
 * controller's PCI device holds only the hidden path disk.
 */
static void
test_inuse_nvme_multipath_head_over_the_controller(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme(f);
	fake_dir(f, "sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0c0n1");
	fake_link(f, "../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0c0n1",
		  "sys/class/block/nvme0c0n1");
	fake_link(f, "../../../pci0000:00/0000:00:04.0/nvme/nvme0",
		  "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0");
	fake_file(f, "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/dev", "259:40\n");
	fake_link(f, "../../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1",
		  "sys/class/block/nvme0n1");
	fake_link(f, "../../devices/virtual/nvme-subsystem/nvme-subsys0",
		  "sys/class/nvme-subsystem/nvme-subsys0");
	fake_add_part(f, "nvme0n1", "nvme0n1p1", 1);
	/* Another subsystem, of another controller, is not ours. */
	fake_file(f, "sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/dev", "259:50\n");
	fake_link(f, "../../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1",
		  "sys/class/block/nvme1n1");
	fake_link(f, "../../devices/virtual/nvme-subsystem/nvme-subsys1",
		  "sys/class/nvme-subsystem/nvme-subsys1");
	fake_add_mount(f, "259:50", "/dev/nvme1n1", "/other", "ext4");
	fake_add_mount(f, fake_devno(f, "nvme0n1p1"), "/dev/nvme0n1p1", "/data", "ext4");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "/dev/nvme0n1p1 (nvme0n1p1) is mounted on /data");
}

/*
 * Swap on a partition, enabled by UUID, in a /dev whose node for it has
 * another name than the kernel's (a container's copied nodes): the node's
 * major:minor tells. Making a block device node needs root.
 */
static void
test_inuse_swap_by_uuid_node_on_a_partition(void **state)
{
	struct fake *f = *state;
	struct setup_users u;
	unsigned int maj, min;
	char node[PATH_MAX];

	add_nvme_disk(f);
	fake_add_part(f, "nvme0n1", "nvme0n1p3", 3);
	assert_int_equal(sscanf(fake_devno(f, "nvme0n1p3"), "%u:%u", &maj, &min), 2);
	fake_dir(f, "dev/disk/by-uuid");
	fake_path(f, node, "dev/disk/by-uuid/5a7e0c1d-4f3b-4c55-9d2e-1e0f6a8b9c70");
	if (mknod(node, S_IFBLK | 0600, makedev(maj, min)) != 0)
		skip();	/* not root: the link form below runs in every build */
	fake_file(f, "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n"
		  "/dev/disk/by-uuid/5a7e0c1d-4f3b-4c55-9d2e-1e0f6a8b9c70 partition 1048572 0 -2\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "/dev/disk/by-uuid/5a7e0c1d-4f3b-4c55-9d2e-1e0f6a8b9c70 "
			    "(nvme0n1p3) is in use as swap");
}

/* The same by a udev link: /dev/disk/by-uuid/X -> ../../nvme0n1p3. */
static void
test_inuse_swap_by_uuid_link_on_a_partition(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_part(f, "nvme0n1", "nvme0n1p3", 3);
	fake_file(f, "dev/nvme0n1p3", "");
	fake_link(f, "../../nvme0n1p3", "dev/disk/by-uuid/5a7e");
	fake_file(f, "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n"
		  "/dev/disk/by-uuid/5a7e partition 1048572 0 -2\n");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_string_equal(u.what[0], "/dev/disk/by-uuid/5a7e (nvme0n1p3) is in use as swap");
}

/*
 * A container mounted the disk through a node it made itself (/dev/disk0):
 * the mount is only in its namespace, and only its major:minor matches.
 * Another process of our own namespace is not read twice.
 */
static void
test_inuse_mount_in_another_namespace(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_ns_mount(f, "77", "bash", "4026531841", fake_devno(f, "nvme0n1"),
			  "/dev/nvme0n1", "/not-read", "ext4");
	fake_add_ns_mount(f, "4242", "postgres", "4026532500", fake_devno(f, "nvme0n1"),
			  "/dev/disk0", "/var/lib/postgresql", "ext4");
	fake_add_ns_mount(f, "4243", "postgres", "4026532500", fake_devno(f, "nvme0n1"),
			  "/dev/disk0", "/second", "ext4");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_true(u.mounted);
	assert_int_equal(u.nb, 1);
	assert_string_equal(u.what[0], "/dev/disk0 (nvme0n1) is mounted on /var/lib/postgresql "
			    "in the mount namespace of process 4242 (postgres)");
}

/* Bind mounts of one device give one sentence, the first mount. */
static void
test_inuse_one_sentence_a_device(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_add_part(f, "nvme0n1", "nvme0n1p1", 1);
	fake_add_part(f, "nvme0n1", "nvme0n1p2", 2);
	fake_add_mount(f, fake_devno(f, "nvme0n1p1"), "/dev/nvme0n1p1", "/", "ext4");
	fake_add_mount(f, fake_devno(f, "nvme0n1p1"), "/dev/nvme0n1p1", "/var/lib/x", "ext4");
	fake_add_mount(f, fake_devno(f, "nvme0n1p2"), "/dev/nvme0n1p2", "/home", "ext4");
	assert_int_equal(users_of(f, NVME, &u), 0);
	assert_int_equal(u.nb, 2);
	assert_string_equal(u.what[0], "/dev/nvme0n1p1 (nvme0n1p1) is mounted on /");
	assert_string_equal(u.what[1], "/dev/nvme0n1p2 (nvme0n1p2) is mounted on /home");
}

/* mountinfo is the table: without it, safety cannot be shown. */
static void
test_inuse_unreadable_mountinfo_is_an_error(void **state)
{
	struct fake *f = *state;
	struct setup_users u;

	add_nvme_disk(f);
	fake_unlink(f, "proc/self/mountinfo");
	assert_int_equal(users_of(f, NVME, &u), -ENOENT);
	fflush(outf);
	assert_contains(outbuf, "cannot read");
	assert_contains(outbuf, "mountinfo");
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
		T(test_inuse_root_mounted_as_dev_root),
		T(test_inuse_btrfs_member_mounted_through_another_device),
		T(test_inuse_btrfs_member_mounted_out_of_sight),
		T(test_inuse_multipath_partition_mounted_under_an_old_name),
		T(test_inuse_active_holder_without_mount),
		T(test_inuse_nvme_multipath_head_over_the_controller),
		T(test_inuse_swap_by_uuid_node_on_a_partition),
		T(test_inuse_swap_by_uuid_link_on_a_partition),
		T(test_inuse_mount_in_another_namespace),
		T(test_inuse_one_sentence_a_device),
		T(test_inuse_unreadable_mountinfo_is_an_error),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
