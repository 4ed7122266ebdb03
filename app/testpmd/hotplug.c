/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devices that come and go while testpmd runs: the line printed when a
 * port's device is removed (forwarding goes on on the other ports: the
 * removed port's bursts move nothing), and the `port attach BDF` and
 * `port detach N` commands of DPDK's testpmd.
 */
#include <errno.h>
#include <string.h>

#include "vdk_ethdev_driver.h"
#include "testpmd.h"
#include "vdk_pci.h"

/* On the EAL's interrupt thread: print only; the user closes or detaches the port. */
static void
on_removed(uint16_t port, enum vdk_eth_event_type event, void *arg)
{
	struct testpmd *t = arg;
	char name[VDK_ETH_NAME_SIZE] = "?";

	(void)event;
	vdk_eth_dev_get_name_by_port(port, name);
	fprintf(t->out, "\nPort %u: device removal event: %s is gone; the port forwards "
		"nothing now (`port detach %u` frees it)\n", port, name, port);
	fflush(t->out);
}

int
tp_hotplug_init(struct testpmd *t)
{
	int ret = vdk_eth_dev_callback_register(VDK_ETH_ALL_PORTS, VDK_ETH_EVENT_INTR_RMV,
						on_removed, t);

	if (ret != 0)
		fprintf(t->out, "Cannot watch for device removals: %s\n", strerror(-ret));
	return ret;
}

int
tp_port_attach(struct testpmd *t, const char *bdf)
{
	uint16_t port, before = vdk_eth_dev_count_avail();
	int ret;

	/* The running streams name port ids: a new port may take a detached one's. */
	if (t->forwarding) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	fprintf(t->out, "Attaching a new port...\n");
	ret = vdk_pci_dev_attach(bdf);
	if (ret != 0) {
		fprintf(t->out, "Failed to attach port %s: %s\n", bdf, strerror(-ret));
		return ret;
	}
	VDK_ETH_FOREACH_DEV(port) {
		struct vdk_eth_dev *dev = vdk_eth_dev_get(port);

		if (dev != NULL && dev->device == vdk_pci_dev_lookup(bdf))
			break;
	}
	if (port >= TP_MAX_PORTS) {
		fprintf(t->out, "Failed to attach port %s: its driver made no port\n", bdf);
		return -ENODEV;
	}
	t->ports[port].fwd = true;
	ret = tp_port_setup(t, port);
	if (ret != 0)
		return ret;
	fprintf(t->out, "Port %u is attached. Now total ports is %u\nDone\n", port, before + 1);
	return 0;
}

int
tp_port_detach(struct testpmd *t, uint16_t port)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port);
	int ret;

	/* A removed port's bursts already move nothing: lcores may keep polling it. */
	if (t->forwarding && t->ports[port].fwd && !vdk_eth_dev_is_removed(port)) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	fprintf(t->out, "Removing a device...\n");
	/*
	 * An lcore that loaded the driver's burst before the removal swapped in
	 * the dummy may still be inside it: closing frees the queue it reads.
	 */
	if (t->forwarding)
		tp_fwd_quiesce();
	if (dev != NULL && dev->device != NULL)
		ret = vdk_pci_dev_detach(dev->device);	/* closes the port too */
	else
		ret = vdk_eth_dev_close(port);
	if (ret != 0) {
		fprintf(t->out, "Failed to detach port %u: %s\n", port, strerror(-ret));
		return ret;
	}
	t->ports[port].fwd = false;
	fprintf(t->out, "Port %u is detached. Now total ports is %u\nDone\n", port,
		vdk_eth_dev_count_avail());
	return 0;
}
