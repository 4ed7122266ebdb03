/* SPDX-License-Identifier: BSD-3-Clause */
/* net_e1000e: receive side scaling over its two rx queues (e1000e_rss.c). */
#ifndef E1000E_RSS_H
#define E1000E_RSS_H

#include <stdint.h>

#include "e1000e_regs.h"
#include "vdk_ethdev_driver.h"

struct e1000e_port;

/* What the port hashes with; applied to the device at start. */
struct e1000e_rss {
	uint64_t hf;                        /* VDK_ETH_RSS_* */
	uint8_t key[E1000E_RSS_KEY_SIZE];
	uint8_t reta[E1000E_RETA_SIZE];     /* rx queue of each entry */
};

extern const struct vdk_eth_rss_ops e1000e_rss_ops;

/* At configure: the flow types of dev->conf.rss, the default key, entries over the queues. */
void e1000e_rss_reset(struct e1000e_port *p);
/*
 * At start, before RCTL.EN: extended descriptors with the hash in them
 * (RFCTL, RXCSUM), then MRQC, the key and the table.
 */
void e1000e_rss_start(struct e1000e_port *p);

#endif /* E1000E_RSS_H */
