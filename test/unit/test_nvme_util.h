/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the NVMe driver tests share: the EAL on --no-huge --no-pci (IOVA =
 * VA, so the model reads host memory at the addresses the driver gives),
 * log capture, a model with one namespace and the controller over it,
 * and a way to wait for a command while the model steps.
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

#define TU_UNUSED __attribute__((unused))

static TU_UNUSED int
eal_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_nvme", "0-1");
}

static TU_UNUSED int
eal_down(void **state)
{
	(void)state;
	free(log_buf);
	log_buf = NULL;
	return vdk_eal_cleanup();
}

/* A completion as a test sees it. */
struct tu_done {
	int n;
	struct vdk_nvme_cpl cpl;
};

static TU_UNUSED void
tu_done_cb(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct tu_done *d = arg;

	d->n++;
	d->cpl = *cpl;
}

/* Step the model and poll @qp until @d completed @n times (bounded). */
static TU_UNUSED int
tu_wait(struct nvme_model *m, struct vdk_nvme_qpair *qp, struct tu_done *d, int n)
{
	uint64_t end = vdk_rdtsc() + 5 * vdk_get_tsc_hz();
	int ret = 0;

	while (d->n < n && vdk_rdtsc() < end) {
		if (!m->running)
			nvme_model_step(m);
		ret = vdk_nvme_qpair_process_completions(qp, 0);
		if (ret < 0 && ret != -EAGAIN)
			return ret;
	}
	return d->n >= n ? 0 : -ETIMEDOUT;
}

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

static TU_UNUSED void
tu_flood_cb(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct tu_flood *f = arg;
	struct vdk_nvme_cmd cmd = { .opc = 0x7f };

	(void)cpl;
	if (++f->n >= f->stop)
		return;
	/* The poll holds the queue (and the admin lock): submit under it, as callbacks do. */
	assert_int_equal(nvme_qpair_submit(f->qp, &cmd, NULL, 0, NULL, tu_flood_cb, f), 0);
	nvme_qpair_ring_sq(f->qp);
	nvme_model_step(f->m);
}

/* A model with namespace 1 of 2048 512-byte blocks, and its controller. */
static TU_UNUSED struct vdk_nvme_ctrlr *
tu_ctrlr(struct nvme_model **mp, const struct nvme_ctrlr_cfg *cfg)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;

	nvme_model_add_ns(m, 1, 2048, 9, 0, false);
	c = nvme_model_attach(m, "model0", cfg);
	assert_non_null(c);
	*mp = m;
	return c;
}

/*
 * The set-up the tests of one controller share (test_nvme_qpair,
 * test_nvme_telemetry): tu_ctrlr() and its namespace 1. 0, or -1 for a
 * cmocka set-up that failed.
 */
static TU_UNUSED int
tu_ctrlr_ns_up(struct nvme_model **mp, struct vdk_nvme_ctrlr **cp, struct vdk_nvme_ns **nsp)
{
	*cp = tu_ctrlr(mp, NULL);
	*nsp = vdk_nvme_ctrlr_get_ns(*cp, 1);
	return *nsp == NULL ? -1 : 0;
}

/* Undo tu_ctrlr_ns_up(), whatever the test left captured in the log: 0. */
static TU_UNUSED int
tu_ctrlr_down(struct nvme_model *m, struct vdk_nvme_ctrlr *c)
{
	log_release();
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
	return 0;
}

static TU_UNUSED struct vdk_nvme_qpair *
tu_qpair(struct vdk_nvme_ctrlr *c, uint32_t size)
{
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_qpair *qp;

	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	o.queue_size = size;
	qp = vdk_nvme_ctrlr_alloc_io_qpair(c, &o);
	assert_non_null(qp);
	return qp;
}

/* Fill @buf with a pattern that names @seed and each byte's place. */
static TU_UNUSED void
tu_pattern(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 9));
}

#endif /* TEST_NVME_UTIL_H */
