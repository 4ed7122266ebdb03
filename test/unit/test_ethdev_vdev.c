/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual-device bus: driver registration, devices made from --vdev
 * options and at run time, name matching by longest prefix, argument
 * checking in net_null and net_ring, and all-or-nothing probing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_ethdev.h"
#include "vdk_vdev.h"

/* Stop the capture, then check what the refused call logged. */
static void
log_expect(const char *needle)
{
	log_stop();
	assert_logged(needle);
}

static int
eal_up(int argc, char **argv)
{
	return vdk_eal_init(argc, argv) < 0 ? -1 : 0;
}

static char last_probe[64];
static char last_args[64];
static int probe_result;

static int
test_probe(const char *name, const char *args)
{
	snprintf(last_probe, sizeof(last_probe), "%s", name);
	snprintf(last_args, sizeof(last_args), "%s", args);
	return probe_result;
}

static int
test_remove(const char *name)
{
	(void)name;
	return 0;
}

static const struct vdk_vdev_driver drv_short = {
	.name = "tst", .probe = test_probe, .remove = test_remove,
};
static const struct vdk_vdev_driver drv_long = {
	.name = "tst_long", .probe = test_probe, .remove = test_remove,
};

static void
test_register_rejects_bad_and_duplicate_drivers(void **state)
{
	struct vdk_vdev_driver nameless = { .name = "", .probe = test_probe,
					    .remove = test_remove };
	struct vdk_vdev_driver no_probe = { .name = "x", .remove = test_remove };

	(void)state;
	assert_int_equal(vdk_vdev_register(NULL), -EINVAL);
	assert_int_equal(vdk_vdev_register(&nameless), -EINVAL);
	assert_int_equal(vdk_vdev_register(&no_probe), -EINVAL);
	assert_int_equal(vdk_vdev_register(&drv_short), 0);
	log_capture();
	assert_int_equal(vdk_vdev_register(&drv_short), -EEXIST);
	log_expect("a driver of that name exists");
	assert_int_equal(vdk_vdev_register(&drv_long), 0);
}

static void
test_longest_prefix_wins(void **state)
{
	(void)state;
	probe_result = 0;
	assert_int_equal(vdk_vdev_probe("tst_long7", "a=b"), 0);
	assert_string_equal(last_args, "a=b");
	assert_int_equal(vdk_vdev_probe("tst7", NULL), 0);
	assert_string_equal(last_args, "");
	log_capture();
	assert_int_equal(vdk_vdev_probe("tst7", NULL), -EEXIST);
	log_expect("device exists already");
	probe_result = -EIO;
	log_capture();
	assert_int_equal(vdk_vdev_probe("tst8", NULL), -EIO);
	log_expect("driver tst failed to make it");
	assert_int_equal(vdk_vdev_remove("tst8"), -ENODEV);
	assert_int_equal(vdk_vdev_remove("tst7"), 0);
	assert_int_equal(vdk_vdev_remove("tst_long7"), 0);
	assert_int_equal(vdk_vdev_remove(NULL), -ENODEV);
}

static void
test_unknown_and_bad_names_are_refused(void **state)
{
	char longname[100];

	(void)state;
	log_capture();
	assert_int_equal(vdk_vdev_probe("net_bogus0", NULL), -ENODEV);
	log_expect("a name starts with one of: ");
	assert_true(strstr(log_buf, "net_null") != NULL);
	assert_true(strstr(log_buf, "net_ring") != NULL);
	assert_int_equal(vdk_vdev_probe(NULL, NULL), -EINVAL);
	assert_int_equal(vdk_vdev_probe("", NULL), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(vdk_vdev_probe(longname, NULL), -EINVAL);
}

static void
test_driver_arguments_are_checked(void **state)
{
	uint16_t port;

	(void)state;
	log_capture();
	assert_int_equal(vdk_vdev_probe("net_null9", "size=5"), -EINVAL);
	log_expect("device argument size=5: out of range: give a number in 14..9600");
	assert_int_equal(vdk_vdev_probe("net_null9", "size=abc"), -EINVAL);
	assert_int_equal(vdk_vdev_probe("net_null9", "size=99999"), -EINVAL);
	log_capture();
	assert_int_equal(vdk_vdev_probe("net_null9", "colour=blue"), -EINVAL);
	log_expect("unknown argument 'colour=blue'");
	assert_int_equal(vdk_vdev_probe("net_null9", "size=64,"), 0);
	assert_int_equal(vdk_vdev_remove("net_null9"), 0);
	assert_int_equal(vdk_vdev_probe("net_ring9", "queues=17"), -EINVAL);
	assert_int_equal(vdk_vdev_probe("net_ring9", "queues=0"), -EINVAL);
	log_capture();
	assert_int_equal(vdk_vdev_probe("net_ring9", "size=0"), -EINVAL);
	log_expect("device argument size=0: out of range: give a number in 1..65536");
	log_capture();
	assert_int_equal(vdk_vdev_probe("net_ring_with_a_name_far_too_long", NULL), -ENAMETOOLONG);
	log_expect("name too long for its rings");
	/* Nothing was left behind by the refusals. */
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_null9", &port), -ENODEV);
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_ring9", &port), -ENODEV);
	assert_int_equal(vdk_vdev_probe("net_ring9", "queues=3"), 0);
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_ring9", &port), 0);
	assert_int_equal(vdk_eth_dev_configure(port, 3, 3, NULL), 0);
	assert_int_equal(vdk_eth_dev_configure(port, 4, 3, NULL), -EINVAL);
	/* A port the app closed is gone; removing its device again is harmless. */
	assert_int_equal(vdk_eth_dev_close(port), 0);
	assert_int_equal(vdk_vdev_remove("net_ring9"), 0);
}

static void
test_args_check_accepts_known_keys_only(void **state)
{
	const char *const known[] = { "iface", "qpairs", NULL };

	(void)state;
	assert_int_equal(vdk_vdev_args_check("d", NULL, known, NULL), 0);
	assert_int_equal(vdk_vdev_args_check("d", "", known, NULL), 0);
	assert_int_equal(vdk_vdev_args_check("d", "iface=veth0,qpairs=2", known, NULL), 0);
	assert_int_equal(vdk_vdev_args_check("d", "iface", known, NULL), 0);
	assert_int_equal(vdk_vdev_args_check("d", "ifac=x", known, NULL), -EINVAL);
	assert_int_equal(vdk_vdev_args_check("d", "ifacex=1", known, NULL), -EINVAL);
	assert_int_equal(vdk_vdev_args_check("d", "=1", known, NULL), -EINVAL);
	assert_int_equal(vdk_vdev_args_check("d", "iface=a,,", known, NULL), -EINVAL);
}

static void
test_probe_all_makes_command_line_devices_once(void **state)
{
	char *argv[] = { "t", "--no-huge", "-l", "0", "--no-pci", "--vdev", "net_null3,size=100",
			 "--vdev", "net_ring3,queues=2", NULL };
	uint16_t p0, p1, count;

	(void)state;
	assert_int_equal(eal_up(9, argv), 0);
	assert_int_equal(vdk_vdev_probe_all(), 0);
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_null3", &p0), 0);
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_ring3", &p1), 0);
	assert_true(p0 < p1);	/* in command-line order */
	count = vdk_eth_dev_count_avail();
	assert_int_equal(vdk_vdev_probe_all(), 0);
	assert_int_equal(vdk_eth_dev_count_avail(), count);
	vdk_vdev_remove_all();
	assert_int_equal(vdk_eth_dev_count_avail(), 0);
	assert_int_equal(vdk_eal_cleanup(), 0);
}

static void
test_probe_all_undoes_its_devices_on_failure(void **state)
{
	char *argv[] = { "t", "--no-huge", "-l", "0", "--no-pci", "--vdev", "net_null4",
			 "--vdev", "net_null5,size=1", NULL };
	uint16_t p;

	(void)state;
	/* net_null needs no EAL memory, so it can exist before the EAL. */
	assert_int_equal(vdk_vdev_probe("net_null_kept", NULL), 0);
	/* Whether the EAL probes in vdk_eal_init() or the app after it, the bad one fails. */
	if (eal_up(9, argv) == 0) {
		assert_int_equal(vdk_vdev_probe_all(), -EINVAL);
		assert_int_equal(vdk_eal_cleanup(), 0);
	}
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_null4", &p), -ENODEV);
	/* What was there before the call stays. */
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_null_kept", &p), 0);
	vdk_vdev_remove_all();
	assert_int_equal(vdk_eth_dev_count_avail(), 0);
}

static int
setup(void **state)
{
	char *argv[] = { "test_ethdev_vdev", "--no-huge", "-l", "0", "--no-pci", NULL };

	(void)state;
	return eal_up(5, argv);
}

static int
teardown(void **state)
{
	(void)state;
	log_release();
	return vdk_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rejects_bad_and_duplicate_drivers),
		cmocka_unit_test(test_longest_prefix_wins),
		cmocka_unit_test(test_unknown_and_bad_names_are_refused),
		cmocka_unit_test(test_driver_arguments_are_checked),
		cmocka_unit_test(test_args_check_accepts_known_keys_only),
	};
	const struct CMUnitTest eal_tests[] = {
		cmocka_unit_test(test_probe_all_makes_command_line_devices_once),
		cmocka_unit_test(test_probe_all_undoes_its_devices_on_failure),
	};
	int failed;

	failed = cmocka_run_group_tests_name("vdev", tests, setup, teardown);
	failed += cmocka_run_group_tests_name("vdev_cmdline", eal_tests, NULL, NULL);
	return failed;
}
