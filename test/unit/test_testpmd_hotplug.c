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
#include "testpmd.h"
#include "vdk_eal.h"
#include "vdk_mempool.h"
#include "vdk_vdev.h"

static char *out_buf;
static size_t out_len;

/* Run @line; fail unless it returns @expect and printed @needle. */
static void
expect_output(const char *line, int expect, const char *needle)
{
	int ret;

	if (tp.out != NULL)
		fclose(tp.out);
	free(out_buf);
	out_buf = NULL;
	tp.out = open_memstream(&out_buf, &out_len);
	assert_non_null(tp.out);
	ret = tp_cmd_exec(&tp, line);
	fflush(tp.out);
	if (ret != expect || strstr(out_buf, needle) == NULL)
		fail_msg("'%s' returned %d (want %d) and printed \"%s\" (want \"%s\")", line, ret,
			 expect, out_buf, needle);
}

static void
test_removed_port_is_reported_and_detached_while_forwarding(void **state)
{
	(void)state;
	expect_output("start", 0, "io packet forwarding");
	expect_output("port detach 2", -EBUSY, "Please stop forwarding first");
	assert_true(vdk_eth_dev_is_valid_port(2));
	/* What ethdev does when the device behind port 2 goes away. */
	assert_int_equal(vdk_eth_dev_mark_removed(vdk_eth_dev_get(2)), 1);
	fflush(tp.out);
	assert_non_null(strstr(out_buf, "Port 2: device removal event: net_null2 is gone"));
	expect_output("port detach 2", 0, "Port 2 is detached. Now total ports is 2");
	assert_false(vdk_eth_dev_is_valid_port(2));
	assert_true(tp.forwarding);
	expect_output("port attach 0000:00:1f.0", -EBUSY, "Please stop forwarding first");
	expect_output("stop", 0, "Telling cores to stop");
}

static void
test_attach_failure_says_why_and_changes_nothing(void **state)
{
	uint16_t before = vdk_eth_dev_count_avail();

	(void)state;
	/* --no-pci: there is no bus to find the device on. */
	expect_output("port attach 0000:00:1f.0", -ENODEV, "Failed to attach port 0000:00:1f.0");
	expect_output("port attach", -EINVAL, "port attach <bdf>");
	assert_int_equal(vdk_eth_dev_count_avail(), before);
	expect_output("port detach 9", -EINVAL, "Invalid port");
	expect_output("port detach 1", 0, "Port 1 is detached");
}

/* `port reset` (port_reset.c): the port goes back to its state after probe. */
static void
test_port_reset_needs_a_stopped_port_and_start_sets_it_up_again(void **state)
{
	uint16_t nb_rx = 9, nb_tx = 9;

	(void)state;
	assert_true(vdk_eth_dev_is_started(0));
	expect_output("port reset 0", -EBUSY, "please stop it first");
	assert_true(vdk_eth_dev_is_started(0));
	expect_output("port stop 0", 0, "Port 0 stopped");
	expect_output("port reset 0", 0, "Done");
	assert_int_equal(vdk_eth_dev_get_nb_queues(0, &nb_rx, &nb_tx), 0);
	assert_int_equal(nb_rx, 0);
	assert_int_equal(nb_tx, 0);
	expect_output("port start 0", 0, "Configuring Port 0");
	assert_true(vdk_eth_dev_is_started(0));
	assert_int_equal(vdk_eth_dev_get_nb_queues(0, &nb_rx, &nb_tx), 0);
	assert_int_equal(nb_rx, tp.params.nb_rxq);
	assert_int_equal(nb_tx, tp.params.nb_txq);
	expect_output("port reset 7", -EINVAL, "Invalid port");
}

static int
setup(void **state)
{
	char *argv[] = { "test_testpmd_hotplug", "--no-huge", "-l", "0-1", "--no-pci",
			 "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_null2", NULL };

	(void)state;
	if (vdk_eal_init(11, argv) < 0 || vdk_vdev_probe_all() != 0)
		return -1;
	tp_params_defaults(&tp.params);
	tp.out = tmpfile();
	tp.engine = &fwd_io_engine;
	tp.burst = 32;
	tp.txsegs[0] = 64;
	tp.nb_txsegs = 1;
	tp.worker_lcores[0] = 1;
	tp.nb_workers = 1;
	tp.nb_fwd_lcores = 1;
	if (tp_ports_init(&tp) != 0)
		return -1;
	return tp_hotplug_init(&tp);
}

static int
teardown(void **state)
{
	(void)state;
	tp_fwd_cleanup(&tp);
	tp_ports_close_all(&tp);
	vdk_vdev_remove_all();
	vdk_mempool_free(tp.pool);
	fclose(tp.out);
	free(out_buf);
	return vdk_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_port_is_reported_and_detached_while_forwarding),
		cmocka_unit_test(test_attach_failure_says_why_and_changes_nothing),
		cmocka_unit_test(test_port_reset_needs_a_stopped_port_and_start_sets_it_up_again),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
