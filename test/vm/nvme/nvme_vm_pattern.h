/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data pattern of the nvme vm tests: it depends on a seed and on each
 * byte's absolute place on the namespace, so a block read anywhere, by
 * VDK or through the kernel's driver, can be checked against it.
 * Compiled once (its .c), linked by the programs that use it.
 */
#ifndef NVME_VM_PATTERN_H
#define NVME_VM_PATTERN_H

#include <stdint.h>
#include <string.h>

void pattern(uint8_t *buf, uint64_t lba, uint32_t n, uint32_t blksz, uint32_t seed);

#endif
