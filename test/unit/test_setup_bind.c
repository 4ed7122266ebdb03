/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-setup bind/unbind (app/setup/setup_bind.c) over a fake sysfs tree:
 * the writes it makes, in order, and every refusal, after which nothing
 * may have been written.
 */
#include "test_setup_fake.h"

#define NVME "0000:00:04.0"
#define NIC "0000:00:03.0"
#define SATA "0000:00:1f.2"

/* An NVMe and a NIC, each alone in its group, both with kernel drivers. */
static void
two_devices(struct fake *f)
{
	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "e1000e", 3);
	fake_add_driver(f, "vfio-pci");
}

static void
test_bind_writes_override_unbind_probe_in_order(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 3);
	assert_string_equal(fake_write_str(f, 0),
			    "sys/bus/pci/devices/" NVME "/driver_override=vfio-pci");
	assert_string_equal(fake_write_str(f, 1), "sys/bus/pci/drivers/nvme/unbind=" NVME);
	assert_string_equal(fake_write_str(f, 2), "sys/bus/pci/drivers_probe=" NVME);
	assert_string_equal(fake_driver_of(f, NVME), "vfio-pci");
	assert_contains(f->out, NVME ": bound to vfio-pci (was nvme)");
	assert_contains(f->out, "IOMMU group 4: viable for VFIO");
	/* The other device is untouched. */
	assert_string_equal(fake_driver_of(f, NIC), "e1000e");
}

static void
test_bind_accepts_short_bdf_and_several_devices(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "00:03.0", "--driver", "vfio-pci"),
			 SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 6);
	assert_string_equal(fake_driver_of(f, NVME), "vfio-pci");
	assert_string_equal(fake_driver_of(f, NIC), "vfio-pci");
}

static void
test_bind_unbound_device_skips_unbind(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, NULL, 3);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 2);
	assert_string_equal(fake_write_str(f, 0),
			    "sys/bus/pci/devices/" NIC "/driver_override=vfio-pci");
	assert_string_equal(fake_write_str(f, 1), "sys/bus/pci/drivers_probe=" NIC);
	assert_contains(f->out, "(was unbound)");
}

static void
test_bind_already_bound_writes_nothing(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "vfio-pci", 3);
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->out, "already bound to vfio-pci");
}

static void
test_bind_refuses_group_with_kernel_bound_member(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 7);
	fake_add_device(f, SATA, 0x8086, 0x2922, 0x010601, "ahci", 7);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "IOMMU group 7 also holds");
	assert_contains(f->err, SATA " (driver ahci)");
	assert_contains(f->err, "vdk-setup bind " NVME " " SATA);
	assert_contains(f->err, "nothing changed");
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
}

static void
test_bind_force_takes_one_device_of_a_blocked_group(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 7);
	fake_add_device(f, SATA, 0x8086, 0x2922, 0x010601, "ahci", 7);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NVME, "--force"), SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, NVME), "vfio-pci");
	assert_string_equal(fake_driver_of(f, SATA), "ahci");
	assert_contains(f->out, "IOMMU group 7: still blocked by 1 device(s), first " SATA);
}

static void
test_bind_whole_group_together_is_allowed(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 7);
	fake_add_device(f, SATA, 0x8086, 0x2922, 0x010601, "ahci", 7);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NVME, SATA), SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, SATA), "vfio-pci");
	assert_contains(f->out, "IOMMU group 7: viable for VFIO");
}

static void
test_bind_group_with_bridge_and_stub_is_viable(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 7);
	fake_add_device(f, "0000:00:1c.0", 0x8086, 0x2940, 0x060400, "pcieport", 7);
	fake_add_device(f, "0000:00:1c.1", 0x8086, 0x2941, 0x060400, "pci-stub", 7);
	fake_add_device(f, "0000:00:1c.2", 0x8086, 0x2942, 0x060400, NULL, 7);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_OK);
	assert_contains(f->out, "IOMMU group 7: viable");
}

static void
test_bind_refuses_device_without_group(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "no IOMMU group");
	assert_contains(f->err, "vdk-setup iommu");
}

static void
test_bind_device_without_group_in_noiommu_mode(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	fake_add_driver(f, "vfio-pci");
	fake_file(f, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, NIC), "vfio-pci");
}

static void
test_bind_device_without_group_with_force(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	fake_add_driver(f, "vfio-pci");
	assert_int_equal(fake_run(f, "bind", NIC, "--force"), SETUP_EXIT_OK);
	assert_contains(f->out, "--force: no IOMMU group");
}

static void
test_bind_group_check_only_for_vfio_drivers(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, NULL, 7);
	fake_add_device(f, SATA, 0x8086, 0x2922, 0x010601, "ahci", 7);
	fake_add_driver(f, "nvme");
	assert_int_equal(fake_run(f, "bind", NVME, "--driver", "nvme"), SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
	assert_not_contains(f->out, "IOMMU group");
}

static void
test_bind_refuses_mounted_partition_even_with_force(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_add_block(f, NVME, "nvme/nvme0/nvme0n1", "nvme0n1p2");
	fake_add_mount(f, fake_devno(f, "nvme0n1p2"), "/dev/nvme0n1p2", "/mnt/my\\040data", "ext4");
	assert_int_equal(fake_run(f, "bind", NVME, "--force"), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "mounted filesystem");
	assert_contains(f->err, "/dev/nvme0n1p2 (nvme0n1p2) is mounted on /mnt/my data");
	assert_contains(f->err, "--force does not override");
}

static void
test_bind_refuses_disk_under_mounted_dm_device(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_add_block(f, NVME, "nvme/nvme0/nvme0n1", "nvme0n1p1");
	fake_add_holder(f, "nvme0n1p1", "dm-0", "vg-root\n");
	fake_add_mount(f, fake_devno(f, "dm-0"), "/dev/mapper/vg-root", "/", "ext4");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "/dev/mapper/vg-root (dm-0 over nvme0n1p1) is mounted on /");
}

static void
test_bind_refuses_disk_under_md_through_dev_link(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_add_holder(f, "nvme0n1", "md0", NULL);
	fake_add_holder(f, "md0", "dm-3", "crypt\n");
	fake_link(f, "../md0", "dev/md/raid");
	fake_add_mount(f, fake_devno(f, "md0"), "/dev/md/raid", "/srv", "xfs");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_contains(f->err, "/dev/md/raid (md0 over nvme0n1) is mounted on /srv");
}

static void
test_bind_refuses_disk_under_active_dm_device_unless_forced(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_add_holder(f, "nvme0n1", "dm-2", "mpatha\n");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "part of an active device-mapper or md device");
	assert_contains(f->err, "nvme0n1 is part of dm-2 (mpatha), which is active though "
			"not mounted");
	assert_int_equal(fake_run(f, "bind", NVME, "--force"), SETUP_EXIT_OK);
	assert_contains(f->out, "--force: taking it although a dm/md device uses it");
	assert_string_equal(fake_driver_of(f, NVME), "vfio-pci");
}

static void
test_bind_refuses_disk_used_as_swap(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_file(f, "proc/swaps", "Filename Type Size Used Priority\n"
		  "/dev/nvme0n1 partition 1024 0 -2\n");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_contains(f->err, "/dev/nvme0n1 (nvme0n1) is in use as swap");
}

static void
test_bind_allows_disk_with_unmounted_partitions(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_add_block(f, "0000:00:09.0", "ata", "sda");
	fake_add_mount(f, "8:1", "/dev/sda1", "/", "ext4");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_OK);
}

static void
test_bind_refuses_when_mounts_unreadable(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_unlink(f, "proc/self/mountinfo");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "cannot tell whether the host uses it");
}

static void
test_bind_refuses_interface_that_is_up(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "0x1003\n", "up\n");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "interface eth1 is active (up)");
	assert_contains(f->err, "--force");
}

static void
test_bind_refuses_interface_with_addresses_and_default_route(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "0x1002\n", "down\n");
	fake_file(f, "proc/net/route",
		  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		  "eth1\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	fake_file(f, "proc/net/if_inet6",
		  "fe800000000000000000000000000001 02 40 20 80     eth1\n");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_FAIL);
	assert_contains(f->err, "has IPv4 routes, has IPv6 addresses, carries the default route");
}

static void
test_bind_refuses_interface_with_ipv6_default_route(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "0x1002\n", "down\n");
	fake_file(f, "proc/net/ipv6_route",
		  "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		  "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth1\n");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_FAIL);
	assert_contains(f->err, "carries the default route");
}

static void
test_bind_treats_garbage_flags_as_active(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "zzz\n", "down\n");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_FAIL);
	assert_contains(f->err, "flags unreadable");
}

static void
test_bind_allows_interface_that_is_down(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "0x1002\n", "down\n");
	fake_file(f, "proc/net/route", "Iface\tDestination\n"
		  "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	assert_int_equal(fake_run(f, "bind", NIC), SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, NIC), "vfio-pci");
}

static void
test_bind_force_takes_interface_that_is_up(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "0x1003\n", "up\n");
	assert_int_equal(fake_run(f, "bind", NIC, "--force"), SETUP_EXIT_OK);
	assert_contains(f->out, "--force: taking it although an interface is active");
}

static void
test_bind_one_refusal_leaves_all_devices_alone(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_netdev(f, NIC, "eth1", "0x1003\n", "up\n");
	assert_int_equal(fake_run(f, "bind", NVME, NIC), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
}

static void
test_bind_unknown_device_is_refused(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	assert_int_equal(fake_run(f, "bind", NVME, "0000:00:1f.7"), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "0000:00:1f.7: no such PCI device");
}

static void
test_bind_device_with_garbage_vendor_is_refused(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_file(f, "sys/devices/pci0000:00/" NVME "/vendor", "0xzz\n");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "not a hex number");
}

static void
test_bind_loads_missing_vfio_pci_with_modprobe(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
	f->modprobe_creates = true;
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_OK);
	assert_int_equal(f->nb_modprobes, 1);
	assert_string_equal(f->modprobe_mod, "vfio-pci");
	assert_contains(f->out, "running modprobe vfio-pci");
	assert_string_equal(fake_driver_of(f, NVME), "vfio-pci");
}

static void
test_bind_says_so_when_modprobe_fails(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
	f->modprobe_rc = 1;
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "modprobe vfio-pci failed (exit status 1)");
}

static void
test_bind_says_so_when_modprobe_cannot_run(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
	f->modprobe_rc = -ENOENT;
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_contains(f->err, "cannot run modprobe vfio-pci");
	assert_contains(f->err, "kmod");
}

static void
test_bind_fails_when_modprobe_leaves_no_driver(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "is still missing");
}

static void
test_bind_driver_refusing_probe_gives_device_back(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	f->probe_refuses = true;
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_contains(f->err, "vfio-pci did not take it");
	assert_contains(f->err, "dmesg");
	/* Override restored to none, and probed again for nvme. */
	assert_int_equal(f->nb_writes, 5);
	assert_string_equal(fake_write_str(f, 3),
			    "sys/bus/pci/devices/" NVME "/driver_override=\n");
	assert_string_equal(fake_write_str(f, 4), "sys/bus/pci/drivers_probe=" NVME);
}

static void
test_bind_polls_before_giving_up(void **state)
{
	struct fake *f = *state;
	char *args[] = { "bind", NVME };
	struct setup_ctx ctx;
	FILE *out, *err;
	char *argv[16];
	int argc = 0;

	two_devices(f);
	f->probe_refuses = true;
	/* Run with a settle time: the tool sleeps in steps until it ends. */
	out = open_memstream(&f->out, &f->out_len);
	err = open_memstream(&f->err, &f->err_len);
	argv[argc++] = "vdk-setup";
	argv[argc++] = "--sysfs";
	argv[argc++] = f->sys;
	argv[argc++] = "--proc";
	argv[argc++] = f->proc;
	argv[argc++] = args[0];
	argv[argc++] = args[1];
	setup_ctx_init(&ctx, out, err);
	ctx.ops = &fake_ops;
	ctx.model = f;
	ctx.settle_ms = 50;
	assert_int_equal(setup_run(&ctx, argc, argv), SETUP_EXIT_FAIL);
	fclose(out);
	fclose(err);
	assert_int_equal(f->nb_sleeps, 5);
}

static void
test_bind_write_failure_is_reported_and_nothing_else_written(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	f->fail_write_errno = EACCES;
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_contains(f->err, "driver_override");
	assert_contains(f->err, "(run as root)");
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
}

static void
test_bind_restores_override_when_unbind_fails(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_unlink(f, "sys/bus/pci/drivers/nvme/unbind");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_contains(f->err, "cannot unbind from nvme");
	assert_int_equal(f->nb_writes, 2);
	assert_string_equal(fake_write_str(f, 1),
			    "sys/bus/pci/devices/" NVME "/driver_override=\n");
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
}

static void
test_bind_missing_override_file_is_an_error(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_unlink(f, "sys/devices/pci0000:00/" NVME "/driver_override");
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "cannot write 'vfio-pci'");
}

static void
test_bind_dry_run_writes_nothing(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "nvme", 4);
	assert_int_equal(fake_run(f, "bind", NVME, "--dry-run"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 0);
	assert_int_equal(f->nb_modprobes, 0);
	assert_contains(f->out, "would run: modprobe vfio-pci");
	assert_contains(f->out, "would write 'vfio-pci' to ");
	assert_contains(f->out, "drivers/nvme/unbind");
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
}

static void
test_rebind_refused_while_vfio_group_is_open(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NVME, 0x1b36, 0x0010, 0x010802, "vfio-pci", 4);
	fake_add_driver(f, "vdk_vfio_pci");
	fake_link(f, "/dev/vfio/4", "proc/4242/fd/7");
	fake_file(f, "proc/4242/comm", "vdk-nvme-perf\n");
	assert_int_equal(fake_run(f, "bind", NVME, "--driver", "vdk_vfio_pci"), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "VFIO group 4 is open in process 4242 (vdk-nvme-perf)");
}

static void
test_unbind_clears_override_and_kernel_driver_takes_it_back(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_OK);
	f->nb_writes = 0;
	assert_int_equal(fake_run(f, "unbind", NVME), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 3);
	assert_string_equal(fake_write_str(f, 0),
			    "sys/bus/pci/devices/" NVME "/driver_override=\n");
	assert_string_equal(fake_write_str(f, 1), "sys/bus/pci/drivers/vfio-pci/unbind=" NVME);
	assert_string_equal(fake_write_str(f, 2), "sys/bus/pci/drivers_probe=" NVME);
	assert_string_equal(fake_driver_of(f, NVME), "nvme");
	assert_contains(f->out, NVME ": unbound from vfio-pci, now bound to nvme");
}

static void
test_unbind_without_kernel_driver_says_what_to_do(void **state)
{
	struct fake *f = *state;

	/* Bound to vfio-pci, but no kernel driver of its own is loaded. */
	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, NULL, 3);
	fake_add_driver(f, "vfio-pci");
	fake_bind_link(f, NIC, "vfio-pci");
	assert_int_equal(fake_run(f, "unbind", NIC), SETUP_EXIT_OK);
	assert_string_equal(fake_driver_of(f, NIC), "");
	assert_contains(f->out, "no kernel driver took it");
}

static void
test_unbind_fails_when_vfio_takes_it_again(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "vfio-pci", 3);
	/* As if the ID were in vfio-pci's new_id table: it is its "own" driver. */
	assert_int_equal(fake_run(f, "unbind", NIC), SETUP_EXIT_FAIL);
	assert_contains(f->err, "vfio-pci took it again");
}

static void
test_unbind_refused_while_vfio_group_is_open(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	assert_int_equal(fake_run(f, "bind", NVME), SETUP_EXIT_OK);
	f->nb_writes = 0;
	fake_link(f, "/dev/vfio/4", "proc/31337/fd/12");
	fake_link(f, "/dev/null", "proc/31337/fd/0");
	fake_dir(f, "proc/1/fd");
	fake_dir(f, "proc/self");
	assert_int_equal(fake_run(f, "unbind", NVME), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "process 31337 (?)");
	assert_contains(f->err, "stop it first");
}

static void
test_unbind_refuses_mounted_kernel_disk(void **state)
{
	struct fake *f = *state;

	two_devices(f);
	fake_add_block(f, NVME, "nvme/nvme0", "nvme0n1");
	fake_add_mount(f, fake_devno(f, "nvme0n1"), "/dev/nvme0n1", "/data", "ext4");
	assert_int_equal(fake_run(f, "unbind", NVME, "--force"), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
}

static void
test_unbind_unbound_device_only_clears_and_probes(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, NULL, 3);
	assert_int_equal(fake_run(f, "unbind", NIC), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 2);
	assert_string_equal(fake_write_str(f, 1), "sys/bus/pci/drivers_probe=" NIC);
}

static void
test_unbind_dry_run_writes_nothing(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "vfio-pci", 3);
	assert_int_equal(fake_run(f, "unbind", NIC, "--dry-run"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->out, "would write '" NIC "' to ");
}

static void
test_unbind_write_failure_fails(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, NIC, 0x8086, 0x10d3, 0x020000, "vfio-pci", 3);
	fake_unlink(f, "sys/bus/pci/drivers_probe");
	assert_int_equal(fake_run(f, "unbind", NIC), SETUP_EXIT_FAIL);
	assert_contains(f->err, "drivers_probe");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
		T(test_bind_writes_override_unbind_probe_in_order),
		T(test_bind_accepts_short_bdf_and_several_devices),
		T(test_bind_unbound_device_skips_unbind),
		T(test_bind_already_bound_writes_nothing),
		T(test_bind_refuses_group_with_kernel_bound_member),
		T(test_bind_force_takes_one_device_of_a_blocked_group),
		T(test_bind_whole_group_together_is_allowed),
		T(test_bind_group_with_bridge_and_stub_is_viable),
		T(test_bind_refuses_device_without_group),
		T(test_bind_device_without_group_in_noiommu_mode),
		T(test_bind_device_without_group_with_force),
		T(test_bind_group_check_only_for_vfio_drivers),
		T(test_bind_refuses_mounted_partition_even_with_force),
		T(test_bind_refuses_disk_under_mounted_dm_device),
		T(test_bind_refuses_disk_under_md_through_dev_link),
		T(test_bind_refuses_disk_under_active_dm_device_unless_forced),
		T(test_bind_refuses_disk_used_as_swap),
		T(test_bind_allows_disk_with_unmounted_partitions),
		T(test_bind_refuses_when_mounts_unreadable),
		T(test_bind_refuses_interface_that_is_up),
		T(test_bind_refuses_interface_with_addresses_and_default_route),
		T(test_bind_refuses_interface_with_ipv6_default_route),
		T(test_bind_treats_garbage_flags_as_active),
		T(test_bind_allows_interface_that_is_down),
		T(test_bind_force_takes_interface_that_is_up),
		T(test_bind_one_refusal_leaves_all_devices_alone),
		T(test_bind_unknown_device_is_refused),
		T(test_bind_device_with_garbage_vendor_is_refused),
		T(test_bind_loads_missing_vfio_pci_with_modprobe),
		T(test_bind_says_so_when_modprobe_fails),
		T(test_bind_says_so_when_modprobe_cannot_run),
		T(test_bind_fails_when_modprobe_leaves_no_driver),
		T(test_bind_driver_refusing_probe_gives_device_back),
		T(test_bind_polls_before_giving_up),
		T(test_bind_write_failure_is_reported_and_nothing_else_written),
		T(test_bind_restores_override_when_unbind_fails),
		T(test_bind_missing_override_file_is_an_error),
		T(test_bind_dry_run_writes_nothing),
		T(test_rebind_refused_while_vfio_group_is_open),
		T(test_unbind_clears_override_and_kernel_driver_takes_it_back),
		T(test_unbind_without_kernel_driver_says_what_to_do),
		T(test_unbind_fails_when_vfio_takes_it_again),
		T(test_unbind_refused_while_vfio_group_is_open),
		T(test_unbind_refuses_mounted_kernel_disk),
		T(test_unbind_unbound_device_only_clears_and_probes),
		T(test_unbind_dry_run_writes_nothing),
		T(test_unbind_write_failure_fails),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
