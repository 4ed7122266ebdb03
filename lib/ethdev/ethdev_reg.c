/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Register access for tools (testpmd's `read reg` / `write reg`): a 32-bit
 * register of a PCI port's BAR 0, bounds and alignment checked here,
 * through the EAL's BAR access, which a removed device refuses.
 */
#include <errno.h>
#include <inttypes.h>

#include "ethdev_internal.h"
#include "vdk_ethdev.h"
#include "vdk_pci.h"

/* The port's PCI device in *@pdev, when @off names a register inside its BAR 0. */
static int
reg_check(uint16_t port_id, uint32_t off, const char *what, struct vdk_pci_device **pdev)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, what);

	if (dev == NULL)
		return -ENODEV;
	*pdev = dev->device;
	if (*pdev == NULL || (*pdev)->bars[0].len == 0) {
		ETH_LOG(ERR, "port %u (%s): %s: not a PCI device with a BAR 0", port_id,
			dev->driver_name, what);
		return -ENOTSUP;
	}
	if (off % 4 != 0 || (uint64_t)off + 4 > (*pdev)->bars[0].len) {
		ETH_LOG(ERR, "port %u (%s): %s: offset 0x%x is not a 32-bit register inside BAR 0 "
			"(0x%" PRIx64 " bytes)", port_id, (*pdev)->name, what, off,
			(*pdev)->bars[0].len);
		return -EINVAL;
	}
	return 0;
}

int
vdk_eth_dev_reg_read(uint16_t port_id, uint32_t off, uint32_t *val)
{
	struct vdk_pci_device *pdev;
	int ret = reg_check(port_id, off, "register read", &pdev);

	if (ret != 0)
		return ret;
	if (val == NULL)
		return -EINVAL;
	return vdk_pci_bar_read(pdev, 0, val, sizeof(*val), off);
}

int
vdk_eth_dev_reg_write(uint16_t port_id, uint32_t off, uint32_t val)
{
	struct vdk_pci_device *pdev;
	int ret = reg_check(port_id, off, "register write", &pdev);

	if (ret != 0)
		return ret;
	return vdk_pci_bar_write(pdev, 0, &val, sizeof(val), off);
}
