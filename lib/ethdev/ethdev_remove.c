/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port whose device went away. ethdev listens to the PCI bus's removal
 * event (which comes after the EAL made the device's BARs harmless and
 * gave it back to the kernel) and turns it into the port's own event,
 * VDK_ETH_EVENT_INTR_RMV, as DPDK's RTE_ETH_EVENT_INTR_RMV: the bursts
 * become ones that move and count nothing, so forwarding on the other
 * ports goes on, and the app closes the port when it likes.
 */
#include <errno.h>

#include "ethdev_internal.h"
#include "vdk_ethdev.h"

int
eth_dev_removed_check(const struct vdk_eth_dev *dev, const char *op)
{
	if (!__atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE))
		return 0;
	ETH_LOG(ERR, "port %u (%s): cannot %s: its device was removed; close the port "
		"(and attach the device again once it is back)", dev->port_id, dev->name, op);
	return -EIO;
}

bool
eth_dev_link_removed(struct vdk_eth_dev *dev)
{
	static const struct vdk_eth_link down = { .link_status = VDK_ETH_LINK_DOWN };

	if (!__atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE))
		return false;
	vdk_eth_dev_link_set(dev, &down);
	return true;
}

int
vdk_eth_dev_mark_removed(struct vdk_eth_dev *dev)
{
	struct vdk_eth_fp_ops *fp;

	if (dev == NULL || __atomic_exchange_n(&dev->removed, true, __ATOMIC_ACQ_REL))
		return 0;
	fp = &vdk_eth_fp_ops[dev->port_id];
	/* An lcore inside the old burst finishes it on harmless memory. */
	__atomic_store_n(&fp->rx_burst, eth_dummy_burst, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->tx_burst, eth_dummy_burst, __ATOMIC_RELEASE);
	ETH_LOG(WARNING, "port %u (%s): the device was removed: the port moves no packets "
		"until it is closed", dev->port_id, dev->name);
	vdk_eth_dev_event_notify(dev, VDK_ETH_EVENT_INTR_RMV);
	eth_dev_link_removed(dev);
	return 1;
}

int
vdk_eth_dev_is_removed(uint16_t port_id)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	return dev != NULL && __atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE);
}

void
eth_on_pci_event(struct vdk_pci_device *pdev, enum vdk_pci_event event, void *arg)
{
	uint16_t p;

	(void)arg;
	if (event != VDK_PCI_EVENT_REMOVED)
		return;
	VDK_ETH_FOREACH_DEV(p) {
		struct vdk_eth_dev *dev = vdk_eth_dev_get(p);

		if (dev != NULL && dev->device == pdev)
			vdk_eth_dev_mark_removed(dev);
	}
}

/* Before main(): ahead of any callback the app registers for the bus. */
VDK_INIT(eth_remove_init)
{
	(void)vdk_pci_event_callback_register(eth_on_pci_event, NULL);
}
