/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config-space access through a vdk_vfio device fd, for the kmod test
 * programs that read and write it (cmocka asserts: include after
 * cmocka.h and kmod_util.h). Compiled once (kmod_cfg.c), in the kmod test
 * helpers' archive.
 */
#ifndef KMOD_CFG_H
#define KMOD_CFG_H

#include <errno.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <unistd.h>

#define CFG_OFF		((uint64_t)VDK_VFIO_PCI_CONFIG_REGION_INDEX << 40)

uint32_t cfg_read(int fd, unsigned int off, unsigned int len);

ssize_t cfg_write(int fd, unsigned int off, uint32_t v,
				unsigned int len);

unsigned int find_cap(int fd, uint8_t id);

#endif /* KMOD_CFG_H */
