/* SPDX-License-Identifier: BSD-3-Clause */
/* What the files of nic_test share: checks, timing, sending and counting test frames. */
#ifndef NIC_TEST_H
#define NIC_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "vdk_ether.h"

struct vdk_mempool;

extern unsigned int nic_passed, nic_failed;

/* Print "ok - ..." or "FAIL - ..." and count it. */
void nic_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double nic_now(void);
void nic_sleep_ms(unsigned int ms);

/* Configure one rx and one tx queue of @nb_desc descriptors and start. */
int nic_port_up(uint16_t port, struct vdk_mempool *pool, uint16_t nb_desc, bool lsc);
/* One rx burst: test frames received (others in *other), all freed. */
unsigned int nic_rx_count(uint16_t port, unsigned int *other);
/* Receive until @want test frames or @seconds passed; the count. */
unsigned int nic_drain(uint16_t port, unsigned int want, double seconds);
/*
 * Send @n test frames to @dst on @tx, polling @rx (UINT16_MAX: none) in
 * between and adding its test frames to *received. Returns frames accepted.
 */
unsigned int nic_send(uint16_t tx, uint16_t rx, unsigned int n, const struct vdk_ether_addr *dst,
		      struct vdk_mempool *pool, unsigned int *received);

/* nic_pair.c: every check between two VDK ports. Returns 0 or 1 (failures counted). */
int nic_pair(const char *bdf_a, const char *bdf_b);

#endif /* NIC_TEST_H */
