/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * net_ring: an Ethernet port over VDK rings, to connect lcores or apps in
 * one process, and for tests.
 *
 * From the command line, `--vdev net_ring0[,queues=N][,size=N]` makes a
 * loopback port: what tx queue q sends, rx queue q receives. From code,
 * vdk_eth_from_rings() wraps rings the caller made, so two ports can be
 * crossed (port A's tx ring is port B's rx ring).
 */
#ifndef VDK_ETH_RING_H
#define VDK_ETH_RING_H

#include "vdk_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Most queues in each direction a ring port can have. */
#define VDK_ETH_RING_MAX_QUEUES 16

/**
 * Make a port named @p name whose rx queue i dequeues from @p rx_rings[i]
 * and whose tx queue i enqueues into @p tx_rings[i]. The rings stay the
 * caller's: closing the port leaves them, and they must outlive it. A ring
 * may serve as rx ring of one port and tx ring of another (or the same).
 * Each queue is used by one thread at a time, so the rings may be
 * single-producer/single-consumer.
 * @return the port id (>= 0); -EINVAL for a NULL or empty name, no rings,
 *   more than VDK_ETH_RING_MAX_QUEUES, or a NULL ring; -EEXIST if a port has
 *   that name; -ENOSPC if no port id is free; -ENOMEM.
 */
int vdk_eth_from_rings(const char *name, struct vdk_ring *const rx_rings[],
		       unsigned int nb_rx, struct vdk_ring *const tx_rings[],
		       unsigned int nb_tx, int socket_id);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_ETH_RING_H */
