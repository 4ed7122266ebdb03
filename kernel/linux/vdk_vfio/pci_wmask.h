/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The config-space write mask of vdk-vfio-pci, built from a copy of the
 * device's config space. It depends on nothing but that copy, so the
 * module builds it at bind and a userspace test (test/vm/kmod) builds it
 * over made-up config spaces, malformed ones included.
 */
#ifndef VDK_VFIO_PCI_WMASK_H
#define VDK_VFIO_PCI_WMASK_H

#include <linux/pci_regs.h>
#include <linux/types.h>

/**
 * vdk_vfio_pci_wmask_build() - the config-space bits userspace may write
 * @cfg: the first min(@cfg_size, 256) bytes of the device's config space
 * @cfg_size: the device's config-space size (PCI_CFG_SPACE_SIZE or
 *	PCI_CFG_SPACE_EXP_SIZE)
 * @wmask: @cfg_size bytes, zeroed by the caller: bit set = writable
 *
 * Offsets and lengths come from the device and are not trusted: nothing
 * is written outside @wmask, nothing past the standard header's end of
 * the capability that declared it, and no byte of an MSI, MSI-X, power
 * management or PCI Express capability becomes writable through another
 * capability that claims to cover it.
 */
void vdk_vfio_pci_wmask_build(const __u8 *cfg, unsigned int cfg_size,
			      __u8 *wmask);

#endif /* VDK_VFIO_PCI_WMASK_H */
