/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config-space access through a vdk_vfio device fd, for the kmod test
 * programs that read and write it (cmocka asserts: include after
 * cmocka.h and kmod_util.h).
 */
#ifndef KMOD_CFG_H
#define KMOD_CFG_H

#include <errno.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <unistd.h>

#define CFG_OFF		((uint64_t)VDK_VFIO_PCI_CONFIG_REGION_INDEX << 40)

static inline uint32_t cfg_read(int fd, unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	assert_int_equal(pread(fd, &v, len, CFG_OFF + off), len);
	return v;
}

static inline ssize_t cfg_write(int fd, unsigned int off, uint32_t v,
				unsigned int len)
{
	ssize_t n = pwrite(fd, &v, len, CFG_OFF + off);

	return n < 0 ? -errno : n;
}

static inline unsigned int find_cap(int fd, uint8_t id)
{
	unsigned int pos = cfg_read(fd, PCI_CAPABILITY_LIST, 1);
	int ttl = 48;

	while (pos && ttl--) {
		if (cfg_read(fd, pos, 1) == id)
			return pos;
		pos = cfg_read(fd, pos + 1, 1);
	}
	return 0;
}

#endif /* KMOD_CFG_H */
