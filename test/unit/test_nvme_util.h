/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the NVMe driver tests share: the EAL on --no-huge --no-pci (IOVA =
 * VA, so the model reads host memory at the addresses the driver gives),
 * log capture, a model with one namespace and the controller over it,
 * and a way to wait for a command while the model steps. A compiled
 * fixture (test_nvme_util.c), in the test fixture library every unit
 * test links.
 */
#ifndef TEST_NVME_UTIL_H
#define TEST_NVME_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvme_model.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_nvme.h"

#include "test_eal_fixture.h"

/* cmocka group set-up and teardown: the EAL on lcores 0-1, --no-huge --no-pci. */
int eal_up(void **state);
int eal_down(void **state);

/* A completion as a test sees it. */
struct tu_done {
	int n;
	struct vdk_nvme_cpl cpl;
};

/* A command callback: counts into the struct tu_done @arg and keeps the completion. */
void tu_done_cb(void *arg, const struct vdk_nvme_cpl *cpl);

/* Step the model and poll @qp until @d completed @n times (bounded). */
int tu_wait(struct nvme_model *m, struct vdk_nvme_qpair *qp, struct tu_done *d, int n);

/*
 * A controller that never runs dry: the callback submits its command
 * again and the model (with overrun_cq) completes it at once, writing
 * past the CQ head the driver has not rung yet. It stops after @stop
 * completions, so that a driver that does not bound its poll still
 * returns and the test can say by how much it overran.
 */
struct tu_flood {
	struct nvme_model *m;
	struct vdk_nvme_qpair *qp;
	unsigned int n;
	unsigned int stop;
};

void tu_flood_cb(void *arg, const struct vdk_nvme_cpl *cpl);

/* A model with namespace 1 of 2048 512-byte blocks, and its controller. */
struct vdk_nvme_ctrlr *tu_ctrlr(struct nvme_model **mp, const struct nvme_ctrlr_cfg *cfg);

/*
 * The set-up the tests of one controller share (test_nvme_qpair,
 * test_nvme_telemetry): tu_ctrlr() and its namespace 1. 0, or -1 for a
 * cmocka set-up that failed.
 */
int tu_ctrlr_ns_up(struct nvme_model **mp, struct vdk_nvme_ctrlr **cp, struct vdk_nvme_ns **nsp);

/* Undo tu_ctrlr_ns_up(), whatever the test left captured in the log: 0. */
int tu_ctrlr_down(struct nvme_model *m, struct vdk_nvme_ctrlr *c);

/* An I/O queue pair of @size entries on @c (the test fails if there is none). */
struct vdk_nvme_qpair *tu_qpair(struct vdk_nvme_ctrlr *c, uint32_t size);

/* Fill @buf with a pattern that names @seed and each byte's place. */
void tu_pattern(void *buf, size_t len, uint32_t seed);

#endif /* TEST_NVME_UTIL_H */
