/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd's hot-plug commands and removal line (app/testpmd/hotplug.c)
 * over three net_null ports, one of which a test marks removed as ethdev
 * does when its device goes away. The vm tier's nic_removal.sh does the
 * same with real devices unplugged and plugged back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdk_ethdev_driver.h"
#include "test_testpmd_fixture.h"
#include "vdk_eal.h"
#include "vdk_mempool.h"
#include "vdk_vdev.h"

static void
test_removed_port_is_reported_and_detached_while_forwarding(void **state)
{
	(void)state;
	tp_expect_output("start", 0, "io packet forwarding");
	tp_expect_output("port detach 2", -EBUSY, "Please stop forwarding first");
	assert_true(vdk_eth_dev_is_valid_port(2));
	/* What ethdev does when the device behind port 2 goes away. */
	assert_int_equal(vdk_eth_dev_mark_removed(vdk_eth_dev_get(2)), 1);
	fflush(tp.out);
	assert_non_null(strstr(tp_out_buf, "Port 2: device removal event: net_null2 is gone"));
	tp_expect_output("port detach 2", 0, "Port 2 is detached. Now total ports is 2");
	assert_false(vdk_eth_dev_is_valid_port(2));
	assert_true(tp.forwarding);
	tp_expect_output("port attach 0000:00:1f.0", -EBUSY, "Please stop forwarding first");
	tp_expect_output("stop", 0, "Telling cores to stop");
}

static void
test_attach_failure_says_why_and_changes_nothing(void **state)
{
	uint16_t before = vdk_eth_dev_count_avail();

	(void)state;
	/* --no-pci: there is no bus to find the device on. */
	tp_expect_output("port attach 0000:00:1f.0", -ENODEV, "Failed to attach port 0000:00:1f.0");
	tp_expect_output("port attach", -EINVAL, "port attach <bdf>");
	assert_int_equal(vdk_eth_dev_count_avail(), before);
	tp_expect_output("port detach 9", -EINVAL, "Invalid port");
	tp_expect_output("port detach 1", 0, "Port 1 is detached");
}

/* `port reset` (port_reset.c): the port goes back to its state after probe. */
static void
test_port_reset_needs_a_stopped_port_and_start_sets_it_up_again(void **state)
{
	uint16_t nb_rx = 9, nb_tx = 9;

	(void)state;
	assert_true(vdk_eth_dev_is_started(0));
	tp_expect_output("port reset 0", -EBUSY, "please stop it first");
	assert_true(vdk_eth_dev_is_started(0));
	tp_expect_output("port stop 0", 0, "Port 0 stopped");
	tp_expect_output("port reset 0", 0, "Done");
	assert_int_equal(vdk_eth_dev_get_nb_queues(0, &nb_rx, &nb_tx), 0);
	assert_int_equal(nb_rx, 0);
	assert_int_equal(nb_tx, 0);
	tp_expect_output("port start 0", 0, "Configuring Port 0");
	assert_true(vdk_eth_dev_is_started(0));
	assert_int_equal(vdk_eth_dev_get_nb_queues(0, &nb_rx, &nb_tx), 0);
	assert_int_equal(nb_rx, tp.params.nb_rxq);
	assert_int_equal(nb_tx, tp.params.nb_txq);
	tp_expect_output("port reset 7", -EINVAL, "Invalid port");
}

static int
setup(void **state)
{
	(void)state;
	if (tp_fixture_up("test_testpmd_hotplug", 3) != 0)
		return -1;
	return tp_hotplug_init(&tp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_port_is_reported_and_detached_while_forwarding),
		cmocka_unit_test(test_attach_failure_says_why_and_changes_nothing),
		cmocka_unit_test(test_port_reset_needs_a_stopped_port_and_start_sets_it_up_again),
	};

	return cmocka_run_group_tests(tests, setup, tp_fixture_down);
}
