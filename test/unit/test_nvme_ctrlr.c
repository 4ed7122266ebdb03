/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/nvme/nvme_ctrlr.c over the in-process controller model:
 * bring-up as §7.6.1 orders it (the registers the model sees), a
 * controller left enabled, one that never gets ready, a fatal one during
 * enable and during I/O, one that vanishes, CAP values the driver cannot
 * use, the doorbell stride, doorbells BAR0 does not hold (a stride too
 * wide, a count that wraps 32 bits), the shutdown timeout from RTD3E,
 * reset with queue pairs and with I/O in flight, shutdown on detach, a
 * controller stopped before queue memory it may still use is freed, queue pair limits, interrupts, the controller list.
 */
#include <errno.h>
#include <time.h>

#include "test_nvme_util.h"

static void
test_nvme_ctrlr_bring_up_programs_the_registers_in_spec_order(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c;
	const struct nvme_model_rec *r;
	uint32_t cc, aqa;
	uint64_t asq, acq;

	(void)state;
	c = tu_ctrlr(&m, NULL);
	cc = nvme_model_reg32(m, VDK_NVME_REG_CC);
	assert_int_equal(VDK_NVME_GET(cc, CC_EN), 1);
	assert_int_equal(VDK_NVME_GET(cc, CC_CSS), VDK_NVME_CC_CSS_NVM);
	assert_int_equal(VDK_NVME_GET(cc, CC_MPS), 0);
	assert_int_equal(VDK_NVME_GET(cc, CC_AMS), VDK_NVME_CC_AMS_RR);
	assert_int_equal(VDK_NVME_GET(cc, CC_IOSQES), 6);
	assert_int_equal(VDK_NVME_GET(cc, CC_IOCQES), 4);
	assert_int_equal(VDK_NVME_GET(cc, CC_SHN), 0);
	aqa = nvme_model_reg32(m, VDK_NVME_REG_AQA);
	assert_int_equal(VDK_NVME_GET(aqa, AQA_ASQS), 31);
	assert_int_equal(VDK_NVME_GET(aqa, AQA_ACQS), 31);
	memcpy(&asq, m->bar + VDK_NVME_REG_ASQ, 8);
	memcpy(&acq, m->bar + VDK_NVME_REG_ACQ, 8);
	assert_true(asq == c->adminq->sq_iova && acq == c->adminq->cq_iova);
	assert_int_equal(m->nb_enable, 1);

	/* Identify Controller, active namespace list, Identify Namespace, Set Features. */
	assert_int_equal(m->rec[0].cmd.opc, VDK_NVME_OPC_IDENTIFY);
	assert_int_equal(m->rec[0].cmd.cdw10, VDK_NVME_CNS_CTRLR);
	r = nvme_model_find(m, 0, VDK_NVME_OPC_SET_FEATURES);
	assert_non_null(r);
	assert_int_equal(r->cmd.cdw10, VDK_NVME_FEAT_NUM_QUEUES);
	assert_int_equal(r->cmd.cdw11, (15u << 16) | 15u);
	assert_int_equal(vdk_nvme_ctrlr_get_max_io_qpairs(c), 16);
	assert_int_equal(vdk_nvme_ctrlr_get_max_queue_entries(c), 2048);
	assert_int_equal(vdk_nvme_ctrlr_get_max_xfer_size(c), 512 * 1024);
	assert_true(vdk_nvme_ctrlr_sgl_supported(c));
	assert_int_equal(vdk_nvme_ctrlr_get_vs(c), VDK_NVME_VERSION(1, 4, 0));
	assert_int_equal(vdk_nvme_ctrlr_get_cap(c), m->cap);
	assert_int_equal(vdk_nvme_ctrlr_get_num_ns(c), 1);
	assert_memory_equal(vdk_nvme_ctrlr_get_data(c)->mn, "VDK NVMe Model", 14);
	assert_int_equal(vdk_nvme_ctrlr_first_active_ns(c), 1);
	assert_false(vdk_nvme_ctrlr_is_failed(c));
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_disables_an_enabled_controller_first(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	/* Left enabled and ready by an earlier user, with stale queues. */
	nvme_model_set_reg32(m, VDK_NVME_REG_CC, 1);
	nvme_model_step(m);
	assert_int_equal(nvme_model_reg32(m, VDK_NVME_REG_CSTS) & 1, 1);
	assert_int_equal(m->nb_enable, 1);
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	/* The driver's own enable is a second one: it went through CC.EN = 0. */
	assert_int_equal(m->nb_enable, 2);
	nvme_ctrlr_destroy(c, false);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_never_ready_times_out_after_cap_to(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct timespec t0, t1;
	double ms;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	m->never_ready = true;
	log_capture();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_null(nvme_model_attach(m, "model0", NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(errno, ETIMEDOUT);
	log_expect("enable (waiting for CSTS.RDY = 1): not done within 500 ms");
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* CAP.TO is 1, 500 ms: the bound is CAP.TO, neither less nor forever. */
	assert_true(ms >= 499 && ms < 5000);
	/* Nothing left enabled that could DMA into freed queues. */
	assert_int_equal(nvme_model_reg32(m, VDK_NVME_REG_CC) & 1, 0);
	assert_null(vdk_nvme_ctrlr_next(NULL));
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_fatal_during_enable_fails_with_eio(void **state)
{
	struct nvme_model *m = nvme_model_create();

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	m->fatal_on_enable = true;
	log_capture();
	assert_null(nvme_model_attach(m, "model0", NULL));
	assert_int_equal(errno, EIO);
	log_expect("enable (waiting for CSTS.RDY = 1): the controller reports a fatal error "
		   "(CSTS.CFS");
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_rejects_a_device_reading_all_ones(void **state)
{
	struct nvme_model *m = nvme_model_create();

	(void)state;
	m->cap = UINT64_MAX;
	log_capture();
	assert_null(nvme_model_attach(m, "model0", NULL));
	assert_int_equal(errno, ENODEV);
	log_expect("CAP reads all ones");
	nvme_model_free(m);
}

/* With CAP @cap the model is refused: errno @err and @msg in the log. */
static void
expect_cap_refused(struct nvme_model *m, uint64_t cap, int err, const char *msg)
{
	m->cap = cap;
	log_capture();
	assert_null(nvme_model_attach(m, "model0", NULL));
	assert_int_equal(errno, err);
	log_expect(msg);
}

static void
test_nvme_ctrlr_rejects_cap_it_cannot_use(void **state)
{
	struct nvme_model *m = nvme_model_create();
	uint64_t good = m->cap;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	/* MQES 0: queues of one entry. */
	expect_cap_refused(m, good & ~0xffffull, ENOTSUP, "CAP.MQES = 0 is invalid");
	/* MPSMIN above MPSMAX. */
	expect_cap_refused(m, (good & ~(0xffull << 48)) | (3ull << 48) | (1ull << 52), ENOTSUP,
			   "VDK needs one between 4 KiB and 64 KiB");
	/* No NVM command set. */
	expect_cap_refused(m, good & ~(0xffull << 37), ENOTSUP,
			   "does not support the NVM command set");
	/* Nothing half-made stays listed. */
	assert_null(vdk_nvme_ctrlr_next(NULL));
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_uses_the_doorbell_stride_of_cap(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_qpair *qp;
	struct tu_done d = { 0 };
	uint8_t *buf;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	m->cap |= 2ull << 32;   /* DSTRD 2: doorbells 16 bytes apart */
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	assert_int_equal(c->db_stride, 16);
	qp = tu_qpair(c, 8);
	assert_ptr_equal((void *)qp->sq_db, m->bar + 0x1000 + 2 * 1 * 16);
	assert_ptr_equal((void *)qp->cq_db, m->bar + 0x1000 + 3 * 16);
	buf = vdk_dma_zmalloc(512, 512, NULL);
	assert_int_equal(vdk_nvme_ns_cmd_read(vdk_nvme_ctrlr_get_ns(c, 1), qp, buf, 0, 1,
					      tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_int_equal(m->nb_bad_doorbell, 0);
	vdk_dma_free(buf);
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_refuses_doorbells_outside_bar0(void **state)
{
	struct nvme_model *m = nvme_model_create();
	uint64_t good = m->cap;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	/* DSTRD 12, 16 KiB apart: the admin CQ doorbell would be at 5000h of a 4000h BAR. */
	expect_cap_refused(m, good | (12ull << 32), ENODEV,
			   "BAR0 of 16384 bytes is too small for the admin queue's doorbells: "
			   "CAP.DSTRD 12 puts them 16384 bytes apart, which needs 20484 bytes");
	/* DSTRD 11: the admin pair fits (1000h, 3000h); queue 1's (5000h, 7000h) does not. */
	expect_cap_refused(m, good | (11ull << 32), ENODEV,
			   "BAR0 of 16384 bytes leaves no room for I/O queue doorbells");
	assert_null(vdk_nvme_ctrlr_next(NULL));
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_cuts_io_queues_to_the_doorbells_bar0_holds(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct nvme_ctrlr_cfg cfg;
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_qpair *qp;
	struct tu_done d = { 0 };
	uint8_t *buf;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	/*
	 * DSTRD 15, 128 KiB apart, and 16384 queues asked: 2 * 16384 * 128 KiB
	 * is 2^32, 0 in 32 bits. The BAR holds the admin pair and queue 1's.
	 */
	m->cap |= 15ull << 32;
	nvme_model_set_bar_size(m, 0x1000 + 4 * 0x20000);
	nvme_ctrlr_cfg_default(&cfg);
	cfg.io_queues = 16384;
	log_capture();
	c = nvme_model_attach(m, "model0", &cfg);
	assert_non_null(c);
	log_expect("has room for the doorbells of 1 I/O queue (CAP.DSTRD 15): asking for that "
		   "many, not 16384");
	assert_int_equal(vdk_nvme_ctrlr_get_max_io_qpairs(c), 1);
	assert_int_equal(nvme_model_find(m, 0, VDK_NVME_OPC_SET_FEATURES)->cmd.cdw11, 0);
	qp = tu_qpair(c, 8);
	assert_ptr_equal((void *)qp->cq_db, m->bar + 0x1000 + 3 * 0x20000);
	buf = vdk_dma_zmalloc(512, 512, NULL);
	assert_int_equal(vdk_nvme_ns_cmd_read(vdk_nvme_ctrlr_get_ns(c, 1), qp, buf, 0, 1,
					      tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, NULL));
	assert_int_equal(errno, ENOSPC);
	vdk_dma_free(buf);
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_shutdown_timeout_from_rtd3e_does_not_wrap(void **state)
{
	(void)state;
	assert_int_equal(nvme_shutdown_timeout_ms(1), 1000);
	assert_int_equal(nvme_shutdown_timeout_ms(8000001), 8001);
	/* 2^32 - 1 us is 71 minutes: the cap, not the floor (32-bit rounding wraps it to 0). */
	assert_int_equal(nvme_shutdown_timeout_ms(UINT32_MAX), 60000);
	assert_int_equal(nvme_shutdown_timeout_ms(UINT32_MAX - 998), 60000);
}

static void
bad_sqes(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	struct vdk_nvme_ctrlr_data *d = page;

	(void)m;
	(void)nsid;
	if (cns == VDK_NVME_CNS_CTRLR)
		d->sqes = 0x55;   /* 32-byte entries only */
}

static void
odd_identify(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	struct vdk_nvme_ctrlr_data *d = page;

	(void)m;
	(void)nsid;
	if (cns == VDK_NVME_CNS_CTRLR) {
		d->mdts = 0;          /* no limit */
		d->mn[3] = '\x01';    /* not printable */
		d->sgls = 3;          /* reserved value: no SGLs */
	}
}

static void
test_nvme_ctrlr_malformed_identify_controller(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	m->mangle = bad_sqes;
	log_capture();
	assert_null(nvme_model_attach(m, "model0", NULL));
	assert_int_equal(errno, ENOTSUP);
	log_expect("SQES 55h");

	m->mangle = odd_identify;
	log_capture();
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	/* MDTS 0 means no limit: the driver's own, one PRP list page. */
	assert_int_equal(vdk_nvme_ctrlr_get_max_xfer_size(c), 2u << 20);
	assert_false(vdk_nvme_ctrlr_sgl_supported(c));
	log_expect("\"VDK?NVMe Model\"");
	nvme_ctrlr_destroy(c, false);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_set_features_failure_fails_bring_up(void **state)
{
	struct nvme_model *m = nvme_model_create();

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	m->fail_opc = VDK_NVME_OPC_SET_FEATURES;
	m->fail_sqid = 0;
	m->fail_status = (uint16_t)VDK_NVME_SET(STATUS_SC, VDK_NVME_SC_INTERNAL_ERROR);
	m->fail_count = 1;
	log_capture();
	assert_null(nvme_model_attach(m, "model0", NULL));
	assert_int_equal(errno, EIO);
	log_expect("Set Features (Number of Queues, 16) failed: INTERNAL ERROR");
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_reset_brings_queue_pairs_back(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, 1);
	struct vdk_nvme_qpair *qp1 = tu_qpair(c, 16), *qp2 = tu_qpair(c, 32);
	uint8_t *w = vdk_dma_zmalloc(4096, 4096, NULL), *r = vdk_dma_zmalloc(4096, 4096, NULL);
	struct tu_done d = { 0 };

	(void)state;
	tu_pattern(w, 4096, 1);
	assert_int_equal(vdk_nvme_ns_cmd_write(ns, qp1, w, 8, 8, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp1, &d, 1), 0);
	assert_int_equal(vdk_nvme_ctrlr_reset(c), 0);
	assert_int_equal(m->nb_enable, 2);
	/* Both queues exist again on the controller, on the same memory. */
	assert_true(m->sq[vdk_nvme_qpair_id(qp1)].exists && m->sq[vdk_nvme_qpair_id(qp2)].exists);
	assert_true(m->cq[1].base == qp1->cq_iova || m->cq[1].base == qp2->cq_iova);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp2, r, 8, 8, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp2, &d, 2), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_memory_equal(w, r, 4096);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp1, r, 8, 8, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp1, &d, 3), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_int_equal(vdk_nvme_ctrlr_reset(NULL), -EINVAL);
	vdk_dma_free(w);
	vdk_dma_free(r);
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_reset_mid_io_aborts_what_was_outstanding(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, 1);
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(8 * 512, 4096, NULL);
	struct tu_done d = { 0 }, after = { 0 };
	int i;

	(void)state;
	m->hold_io = true;
	for (i = 0; i < 4; i++)
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf + i * 512, (uint64_t)i, 1,
						      tu_done_cb, &d, 0), 0);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 0);
	nvme_model_step(m);
	assert_int_equal(m->nb_held, 4);
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 4);
	m->hold_io = false;
	assert_int_equal(vdk_nvme_ctrlr_reset(c), 0);
	/* The owner learns of it on its next poll: each command, once. */
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 0);
	assert_int_equal(d.n, 4);
	assert_int_equal(vdk_nvme_cpl_sct(&d.cpl), VDK_NVME_SCT_GENERIC);
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_ABORTED_SQ_DELETION);
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 0);
	/* And the queue pair works. */
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 8, tu_done_cb, &after, 0), 0);
	assert_int_equal(tu_wait(m, qp, &after, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&after.cpl));
	assert_int_equal(d.n, 4);
	vdk_dma_free(buf);
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_fatal_status_fails_io_and_reset_recovers(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, 1);
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(4096, 4096, NULL);
	struct vdk_nvme_cmd id = { .opc = VDK_NVME_OPC_IDENTIFY, .cdw10 = 1 };
	struct tu_done d = { 0 };
	uint64_t end;
	int ret = 0;

	(void)state;
	m->hold_io = true;
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	vdk_nvme_qpair_process_completions(qp, 0);
	nvme_model_step(m);
	m->fatal = true;
	nvme_model_step(m);
	log_capture();
	/*
	 * The driver looks at CSTS every 10 ms while commands are outstanding:
	 * poll for up to 2 s (a count of polls can pass in less than 10 ms).
	 */
	end = vdk_rdtsc() + 2 * vdk_get_tsc_hz();
	while (ret >= 0 && vdk_rdtsc() < end)
		ret = vdk_nvme_qpair_process_completions(qp, 0);
	assert_int_equal(ret, -ENXIO);
	log_expect("controller fatal status (CSTS.CFS) is set");
	assert_int_equal(d.n, 1);
	assert_int_equal(vdk_nvme_cpl_sct(&d.cpl), VDK_NVME_SCT_PATH);
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_ABORTED_BY_HOST);
	assert_true(vdk_nvme_ctrlr_is_failed(c));
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), -ENXIO);
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &id, buf, 4096, NULL), -ENXIO);
	assert_int_equal(vdk_nvme_qpair_flush(qp), -ENXIO);
	errno = 0;
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, NULL));
	assert_int_equal(errno, ENXIO);

	/* A reset clears CFS in the model, as a controller reset may. */
	m->hold_io = false;
	assert_int_equal(vdk_nvme_ctrlr_reset(c), 0);
	assert_false(vdk_nvme_ctrlr_is_failed(c));
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	vdk_dma_free(buf);
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_removed_device_reads_all_ones(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);

	(void)state;
	log_capture();
	memset(m->bar, 0xff, 0x40);   /* the link went away */
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(c), -ENXIO);
	log_expect("registers read all ones (removed or not responding)");
	assert_true(vdk_nvme_ctrlr_is_failed(c));
	/* Detach must not wait on a device that is gone. */
	nvme_ctrlr_destroy(c, true);
	assert_int_equal(m->nb_shutdown, 0);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_detach_deletes_queues_and_shuts_down(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	const struct nvme_model_rec *sq, *cq;

	(void)state;
	tu_qpair(c, 16);
	assert_int_equal(vdk_nvme_ctrlr_detach(c), 0);
	/* §7.6.2: SQ deleted before its CQ, then CC.SHN = 01b. */
	sq = nvme_model_last(m, 1);
	cq = nvme_model_last(m, 0);
	assert_int_equal(sq->cmd.opc, VDK_NVME_OPC_DELETE_IO_SQ);
	assert_int_equal(cq->cmd.opc, VDK_NVME_OPC_DELETE_IO_CQ);
	assert_int_equal(VDK_NVME_GET(nvme_model_reg32(m, VDK_NVME_REG_CC), CC_SHN),
			 VDK_NVME_CC_SHN_NORMAL);
	assert_int_equal(m->nb_shutdown, 1);
	assert_int_equal(vdk_nvme_ctrlr_detach(NULL), -EINVAL);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_stops_a_controller_that_may_still_use_freed_queues(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	struct vdk_nvme_qpair *qp = tu_qpair(c, 8);

	(void)state;
	/* Delete I/O Submission Queue fails: the controller keeps the queue. */
	m->fail_opc = VDK_NVME_OPC_DELETE_IO_SQ;
	m->fail_sqid = 0;
	m->fail_status = (uint16_t)VDK_NVME_SET(STATUS_SC, VDK_NVME_SC_INTERNAL_ERROR);
	m->fail_count = 1;
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_free_io_qpair(qp), 0);
	log_expect("an I/O queue pair was freed that the controller may still use, so it was "
		   "disabled (CC.EN = 0) first");
	assert_int_equal(nvme_model_reg32(m, VDK_NVME_REG_CC) & 1, 0);
	assert_true(vdk_nvme_ctrlr_is_failed(c));
	nvme_model_step(m);
	assert_false(m->sq[1].exists);
	/* A reset brings it back. */
	assert_int_equal(vdk_nvme_ctrlr_reset(c), 0);
	assert_false(vdk_nvme_ctrlr_is_failed(c));
	qp = tu_qpair(c, 8);
	/* Detached without a shutdown: stopped all the same. */
	nvme_ctrlr_destroy(c, false);
	assert_int_equal(nvme_model_reg32(m, VDK_NVME_REG_CC) & 1, 0);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_alloc_io_qpair_limits(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_qpair *qps[16];
	unsigned int i;

	(void)state;
	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	assert_int_equal(o.queue_size, 256);
	o.queue_size = 2049;
	log_capture();
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, &o));
	assert_int_equal(errno, EINVAL);
	log_expect("queue size 2049 is out of range: the controller takes 2 to 2048 entries "
		   "(CAP.MQES + 1)");
	o.queue_size = 1;
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, &o));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(NULL, NULL));
	assert_int_equal(errno, EINVAL);

	for (i = 0; i < 16; i++) {
		qps[i] = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
		assert_non_null(qps[i]);
		assert_int_equal(vdk_nvme_qpair_id(qps[i]), i + 1);
	}
	log_capture();
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, NULL));
	assert_int_equal(errno, ENOSPC);
	log_expect("all 16 I/O queue pairs the controller granted are in use");
	/* A freed queue ID is handed out again. */
	assert_int_equal(vdk_nvme_ctrlr_free_io_qpair(qps[4]), 0);
	qps[4] = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	assert_non_null(qps[4]);
	assert_int_equal(vdk_nvme_qpair_id(qps[4]), 5);
	assert_int_equal(vdk_nvme_ctrlr_free_io_qpair(NULL), -EINVAL);
	for (i = 0; i < 16; i++)
		assert_int_equal(vdk_nvme_ctrlr_free_io_qpair(qps[i]), 0);

	/* The controller refuses the queue (its CQ is one entry above the default 256). */
	m->fail_opc = VDK_NVME_OPC_CREATE_IO_CQ;
	m->fail_sqid = 0;
	m->fail_status = (uint16_t)(VDK_NVME_SET(STATUS_SCT, 1) | VDK_NVME_SET(STATUS_SC, 2));
	m->fail_count = 1;
	log_capture();
	assert_null(vdk_nvme_ctrlr_alloc_io_qpair(c, NULL));
	assert_int_equal(errno, EIO);
	log_expect("Create I/O Completion Queue 1 (257 entries) failed: INVALID QUEUE SIZE");
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_interrupt_qpair_signals_its_eventfd(void **state)
{
	struct nvme_model *m;
	struct vdk_nvme_ctrlr *c = tu_ctrlr(&m, NULL);
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_qpair *qp, *polled;
	const struct nvme_model_rec *r;
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };

	(void)state;
	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	o.interrupts = true;
	qp = vdk_nvme_ctrlr_alloc_io_qpair(c, &o);
	assert_non_null(qp);
	r = nvme_model_find(m, 0, VDK_NVME_OPC_CREATE_IO_CQ);
	assert_int_equal(r->cmd.cdw11, VDK_NVME_CREATE_CQ_PC | VDK_NVME_CREATE_CQ_IEN | (1u << 16));
	/* Nothing yet: a wait times out. */
	assert_int_equal(vdk_nvme_qpair_wait(qp, 1), -ETIMEDOUT);
	assert_int_equal(vdk_nvme_ns_cmd_read(vdk_nvme_ctrlr_get_ns(c, 1), qp, buf, 0, 1,
					      tu_done_cb, &d, 0), 0);
	/* wait() rings the doorbell; the model's completion writes the eventfd. */
	nvme_model_run(m);
	assert_int_equal(vdk_nvme_qpair_wait(qp, 5000), 0);
	nvme_model_stop(m);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 1);
	assert_int_equal(d.n, 1);

	polled = vdk_nvme_ctrlr_alloc_io_qpair(c, NULL);
	assert_int_equal(vdk_nvme_qpair_wait(polled, 0), -ENOTSUP);
	assert_int_equal(vdk_nvme_qpair_wait(NULL, 0), -EINVAL);
	vdk_dma_free(buf);
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static void
test_nvme_ctrlr_list_and_lookup(void **state)
{
	struct nvme_model *m1, *m2;
	struct vdk_nvme_ctrlr *c1 = tu_ctrlr(&m1, NULL), *c2;

	(void)state;
	m2 = nvme_model_create();
	nvme_model_add_ns(m2, 1, 64, 9, 0, false);
	c2 = nvme_model_attach(m2, "0000:00:0f.0", NULL);
	assert_non_null(c2);
	assert_ptr_equal(vdk_nvme_ctrlr_next(NULL), c1);
	assert_ptr_equal(vdk_nvme_ctrlr_next(c1), c2);
	assert_null(vdk_nvme_ctrlr_next(c2));
	assert_ptr_equal(vdk_nvme_ctrlr_get("model0"), c1);
	/* A PCI address matches in its short form too. */
	assert_ptr_equal(vdk_nvme_ctrlr_get("00:0f.0"), c2);
	assert_string_equal(vdk_nvme_ctrlr_name(c2), "0000:00:0f.0");
	assert_null(vdk_nvme_ctrlr_get("0000:00:10.0"));
	assert_int_equal(errno, ENOENT);
	assert_null(vdk_nvme_ctrlr_get(NULL));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_set_timeouts(c1, 100, 0), -EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_set_timeouts(NULL, 100, 100), -EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_set_timeouts(c1, 0, 100), 0);
	nvme_ctrlr_destroy(c1, true);
	assert_ptr_equal(vdk_nvme_ctrlr_next(NULL), c2);
	nvme_ctrlr_destroy(c2, true);
	nvme_model_free(m1);
	nvme_model_free(m2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_ctrlr_bring_up_programs_the_registers_in_spec_order),
		cmocka_unit_test(test_nvme_ctrlr_disables_an_enabled_controller_first),
		cmocka_unit_test(test_nvme_ctrlr_never_ready_times_out_after_cap_to),
		cmocka_unit_test(test_nvme_ctrlr_fatal_during_enable_fails_with_eio),
		cmocka_unit_test(test_nvme_ctrlr_rejects_a_device_reading_all_ones),
		cmocka_unit_test(test_nvme_ctrlr_rejects_cap_it_cannot_use),
		cmocka_unit_test(test_nvme_ctrlr_uses_the_doorbell_stride_of_cap),
		cmocka_unit_test(test_nvme_ctrlr_refuses_doorbells_outside_bar0),
		cmocka_unit_test(test_nvme_ctrlr_cuts_io_queues_to_the_doorbells_bar0_holds),
		cmocka_unit_test(test_nvme_ctrlr_shutdown_timeout_from_rtd3e_does_not_wrap),
		cmocka_unit_test(test_nvme_ctrlr_malformed_identify_controller),
		cmocka_unit_test(test_nvme_ctrlr_set_features_failure_fails_bring_up),
		cmocka_unit_test(test_nvme_ctrlr_reset_brings_queue_pairs_back),
		cmocka_unit_test(test_nvme_ctrlr_reset_mid_io_aborts_what_was_outstanding),
		cmocka_unit_test(test_nvme_ctrlr_fatal_status_fails_io_and_reset_recovers),
		cmocka_unit_test(test_nvme_ctrlr_removed_device_reads_all_ones),
		cmocka_unit_test(test_nvme_ctrlr_detach_deletes_queues_and_shuts_down),
		cmocka_unit_test(test_nvme_ctrlr_stops_a_controller_that_may_still_use_freed_queues),
		cmocka_unit_test(test_nvme_ctrlr_alloc_io_qpair_limits),
		cmocka_unit_test(test_nvme_ctrlr_interrupt_qpair_signals_its_eventfd),
		cmocka_unit_test(test_nvme_ctrlr_list_and_lookup),
	};

	return cmocka_run_group_tests_name("nvme_ctrlr", tests, eal_up, eal_down);
}
