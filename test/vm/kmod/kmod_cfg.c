/* SPDX-License-Identifier: BSD-3-Clause */
/* The helpers of kmod_cfg.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kmod_util.h"
#include "kmod_cfg.h"

uint32_t cfg_read(int fd, unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	assert_int_equal(pread(fd, &v, len, CFG_OFF + off), len);
	return v;
}

ssize_t cfg_write(int fd, unsigned int off, uint32_t v,
				unsigned int len)
{
	ssize_t n = pwrite(fd, &v, len, CFG_OFF + off);

	return n < 0 ? -errno : n;
}

unsigned int find_cap(int fd, uint8_t id)
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
