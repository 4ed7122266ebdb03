/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `port reset N|all`, as DPDK's testpmd has it: the device is reset
 * (vdk_eth_dev_reset: the driver brings it back to its state after
 * probe, and the port's configuration and queues are gone), so the next
 * `port start` configures the port and sets up its queues again from the
 * options. As in DPDK, only a stopped port may be reset.
 */
#include <errno.h>
#include <string.h>

#include "vdk_ethdev.h"
#include "testpmd.h"

int
tp_port_reset(struct testpmd *t, uint16_t port)
{
	int ret;

	if (vdk_eth_dev_is_started(port)) {
		fprintf(t->out, "Can not reset port %u, please stop it first\n", port);
		return -EBUSY;
	}
	fprintf(t->out, "Resetting port %u...\n", port);
	ret = vdk_eth_dev_reset(port);
	if (ret != 0) {
		fprintf(t->out, "Failed to reset port %u: %s\n", port, strerror(-ret));
		return ret;
	}
	t->ports[port].need_reconfig = true;
	fprintf(t->out, "Port %u reset: `port start %u` sets it up again\nDone\n", port, port);
	return 0;
}
