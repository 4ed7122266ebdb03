/* SPDX-License-Identifier: BSD-3-Clause */
/* The fixture of test_nvme_util.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_nvme_util.h"
#include "vdk_cycles.h"

int
eal_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_nvme", "0-1");
}

int
eal_down(void **state)
{
	(void)state;
	log_release();
	return vdk_eal_cleanup();
}

void
tu_done_cb(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct tu_done *d = arg;

	d->n++;
	d->cpl = *cpl;
}

int
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

void
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

struct vdk_nvme_ctrlr *
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

int
tu_ctrlr_ns_up(struct nvme_model **mp, struct vdk_nvme_ctrlr **cp, struct vdk_nvme_ns **nsp)
{
	*cp = tu_ctrlr(mp, NULL);
	*nsp = vdk_nvme_ctrlr_get_ns(*cp, 1);
	return *nsp == NULL ? -1 : 0;
}

int
tu_ctrlr_down(struct nvme_model *m, struct vdk_nvme_ctrlr *c)
{
	log_release();
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
	return 0;
}

struct vdk_nvme_qpair *
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

void
tu_pattern(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 9));
}
