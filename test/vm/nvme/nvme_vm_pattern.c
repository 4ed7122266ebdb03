/* SPDX-License-Identifier: BSD-3-Clause */
/* The data pattern of nvme_vm_pattern.h. */
#include "nvme_vm_pattern.h"

void
pattern(uint8_t *buf, uint64_t lba, uint32_t n, uint32_t blksz, uint32_t seed)
{
	for (uint64_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < blksz; i += 4) {
			uint32_t v = seed * 2654435761u ^ (uint32_t)((lba + b) * 40503u) ^ (i * 97u);

			memcpy(buf + b * blksz + i, &v, 4);
		}
}
