/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data pattern of the nvme vm tests: it depends on a seed and on each
 * byte's absolute place on the namespace, so a block read anywhere, by
 * VDK or through the kernel's driver, can be checked against it.
 */
#ifndef NVME_VM_PATTERN_H
#define NVME_VM_PATTERN_H

#include <stdint.h>
#include <string.h>

static inline void
pattern(uint8_t *buf, uint64_t lba, uint32_t n, uint32_t blksz, uint32_t seed)
{
	for (uint64_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < blksz; i += 4) {
			uint32_t v = seed * 2654435761u ^ (uint32_t)((lba + b) * 40503u) ^ (i * 97u);

			memcpy(buf + b * blksz + i, &v, 4);
		}
}

#endif
