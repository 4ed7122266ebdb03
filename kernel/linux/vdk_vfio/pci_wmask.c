// SPDX-License-Identifier: GPL-2.0
/*
 * The config-space write mask (pci_wmask.h): an allow list of bits in the
 * standard header and in two capabilities, the PCI Express device control
 * and status registers and the body of a vendor-specific capability.
 * Everything else stays the host's (pci_config.c says why).
 *
 * The capability list is device data: a broken or hostile device can put
 * a capability at 0xFC, loop the list, or give a vendor capability a
 * length that runs over the capabilities after it. Every offset is bounded
 * by the standard config space and by the config size, and every byte of
 * a capability the host owns is cleared again at the end.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "pci_wmask.h"

/* A list longer than the space it lives in loops. */
#define WMASK_MAX_CAPS \
	((PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) / PCI_CAP_SIZEOF)

struct wmask_cap {
	unsigned int pos;
	__u8 id;
};

static unsigned int wmask_min(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static void wmask_set16(__u8 *wmask, unsigned int end, unsigned int off,
			__u16 bits)
{
	if (off + 2 > end)
		return;
	wmask[off] = bits & 0xff;
	wmask[off + 1] = bits >> 8;
}

/* Bytes a capability the host keeps covers, or 0 for the others. */
static unsigned int wmask_host_cap_len(const __u8 *cfg, unsigned int pos,
				       __u8 id)
{
	__u16 flags = cfg[pos + PCI_CAP_FLAGS] |
		      cfg[pos + PCI_CAP_FLAGS + 1] << 8;

	switch (id) {
	case PCI_CAP_ID_MSI:
		if (flags & PCI_MSI_FLAGS_64BIT)
			return (flags & PCI_MSI_FLAGS_MASKBIT) ?
			       PCI_MSI_PENDING_64 + 4 : PCI_MSI_DATA_64 + 2;
		return (flags & PCI_MSI_FLAGS_MASKBIT) ?
		       PCI_MSI_PENDING_32 + 4 : PCI_MSI_DATA_32 + 2;
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_PM:
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_EXP:
		return PCI_EXP_SLTSTA2 + 2;	/* the whole v2 structure */
	default:
		return 0;
	}
}

/* The capability list as the device reports it, cut where it goes bad. */
static unsigned int wmask_caps(const __u8 *cfg, unsigned int std_end,
			       struct wmask_cap *caps)
{
	unsigned int n = 0;
	unsigned int pos;

	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg[PCI_CAPABILITY_LIST];
	while (pos >= PCI_STD_HEADER_SIZEOF && n < WMASK_MAX_CAPS) {
		pos &= ~3u;
		if (pos + PCI_CAP_SIZEOF > std_end || cfg[pos] == 0xff)
			break;
		caps[n].pos = pos;
		caps[n].id = cfg[pos + PCI_CAP_LIST_ID];
		n++;
		pos = cfg[pos + PCI_CAP_LIST_NEXT];
	}
	return n;
}

/* Where the capability at @pos ends at the latest: at the next one. */
static unsigned int wmask_cap_end(const struct wmask_cap *caps,
				  unsigned int n, unsigned int pos,
				  unsigned int std_end)
{
	unsigned int end = std_end;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (caps[i].pos > pos && caps[i].pos < end)
			end = caps[i].pos;
	return end;
}

void vdk_vfio_pci_wmask_build(const __u8 *cfg, unsigned int cfg_size,
			      __u8 *wmask)
{
	struct wmask_cap caps[WMASK_MAX_CAPS];
	unsigned int std_end = wmask_min(cfg_size, PCI_CFG_SPACE_SIZE);
	unsigned int i, n, off;

	if (std_end < PCI_STD_HEADER_SIZEOF)
		return;
	wmask_set16(wmask, std_end, PCI_COMMAND,
		    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		    PCI_COMMAND_PARITY | PCI_COMMAND_SERR);
	/* write-1-to-clear error bits */
	wmask_set16(wmask, std_end, PCI_STATUS,
		    PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
		    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
		    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	wmask[PCI_LATENCY_TIMER] = 0xff;

	n = wmask_caps(cfg, std_end, caps);
	for (i = 0; i < n; i++) {
		unsigned int pos = caps[i].pos;
		unsigned int end = wmask_cap_end(caps, n, pos, std_end);

		switch (caps[i].id) {
		case PCI_CAP_ID_VNDR:
			/* device-defined (virtio's config window is one) */
			end = wmask_min(end, pos + cfg[pos + PCI_CAP_FLAGS]);
			for (off = pos + PCI_CAP_FLAGS + 1; off < end; off++)
				wmask[off] = 0xff;
			break;
		}
	}
	/* No claimed length may reach into what the host keeps. */
	for (i = 0; i < n; i++) {
		unsigned int pos = caps[i].pos;
		unsigned int len = wmask_host_cap_len(cfg, pos, caps[i].id);

		if (len)
			memset(wmask + pos, 0,
			       wmask_min(len, std_end - pos));
	}
	/* error reporting, relaxed ordering, no snoop: the function's own */
	for (i = 0; i < n; i++) {
		unsigned int pos = caps[i].pos;

		if (caps[i].id != PCI_CAP_ID_EXP)
			continue;
		wmask_set16(wmask, std_end, pos + PCI_EXP_DEVCTL,
			    PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
			    PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
			    PCI_EXP_DEVCTL_RELAX_EN |
			    PCI_EXP_DEVCTL_NOSNOOP_EN);
		wmask_set16(wmask, std_end, pos + PCI_EXP_DEVSTA,
			    PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
			    PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	}
}
