/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/nvme/nvme_qpair.c: data pointers as the model receives them
 * (PRP1/PRP2, PRP lists, SGLs), data through them both ways, the phase
 * tag over many wraps of a small queue, doorbells rung once a burst, a
 * full queue, a completion queue one entry larger than its submission
 * queue so that it never fills (and equal at CAP.MQES + 1), error
 * statuses, a completion for a command never sent or for a CID past the
 * table, a controller that never stops posting,
 * timeouts (abort, then reset), freeing a queue pair with commands in it,
 * and two lcores doing I/O while the main thread resets the controller.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "test_nvme_util.h"

static struct nvme_model *m;
static struct vdk_nvme_ctrlr *c;
static struct vdk_nvme_ns *ns;

static int
setup(void **state)
{
	(void)state;
	return tu_ctrlr_ns_up(&m, &c, &ns);
}

static int
teardown(void **state)
{
	(void)state;
	return tu_ctrlr_down(m, c);
}

/* The pages a buffer covers, as PRP entries must name them. */
static void
expect_pages(const struct nvme_model_rec *r, const uint8_t *buf, uint32_t len)
{
	uintptr_t first = (uintptr_t)buf, page = first & ~(uintptr_t)4095;
	uint32_t n = (uint32_t)((first + len - 1 - page) / 4096 + 1);

	assert_int_equal(r->nb_pages, n);
	assert_int_equal(r->pages[0], first);
	for (uint32_t i = 1; i < n; i++)
		assert_int_equal(r->pages[i], page + (uintptr_t)i * 4096);
}

static void
rw_and_check(struct vdk_nvme_qpair *qp, uint8_t *buf, uint32_t blocks, uint64_t lba)
{
	struct tu_done d = { 0 };
	const struct nvme_model_rec *r;
	uint32_t len = blocks * 512;

	tu_pattern(buf, len, (uint32_t)lba);
	assert_int_equal(vdk_nvme_ns_cmd_write(ns, qp, buf, lba, blocks, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	r = nvme_model_find(m, vdk_nvme_qpair_id(qp), VDK_NVME_OPC_WRITE);
	expect_pages(r, buf, len);
	/* PRP2 is the second page, or the list when there are more than two. */
	if (r->nb_pages == 1)
		assert_int_equal(r->cmd.dptr.prp.prp2, 0);
	else if (r->nb_pages == 2)
		assert_int_equal(r->cmd.dptr.prp.prp2, r->pages[1]);
	else
		assert_int_equal(r->cmd.dptr.prp.prp2 & 4095, 0);
	assert_memory_equal(m->ns[0].data + lba * 512, buf, len);
	memset(buf, 0, len);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, lba, blocks, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_memory_equal(m->ns[0].data + lba * 512, buf, len);
}

static void
test_nvme_qpair_prps_for_one_two_and_many_pages(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(520 * 1024, 4096, NULL);

	(void)state;
	rw_and_check(qp, buf, 8, 0);            /* one page: PRP1 only */
	rw_and_check(qp, buf, 16, 16);          /* two pages: PRP1 + PRP2 */
	rw_and_check(qp, buf, 40, 100);         /* five pages: a list of four */
	rw_and_check(qp, buf + 512, 8, 200);    /* 4 KiB at an offset: two pages */
	rw_and_check(qp, buf + 2048, 16, 300);  /* 8 KiB at an offset: three pages */
	rw_and_check(qp, buf + 4, 1, 400);      /* dword aligned is enough */
	rw_and_check(qp, buf, 1024, 1024);      /* the largest transfer, 512 KiB */
	assert_int_equal(m->nb_bad_dma, 0);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_rejects_buffers_it_cannot_describe(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(8192, 4096, NULL);
	void *plain;
	struct tu_done d = { 0 };

	(void)state;
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf + 1, 0, 1, tu_done_cb, &d, 0), -EINVAL);
	log_expect("cannot be described to the controller");
	/* Ordinary memory an IOMMU would not let the device reach. */
	plain = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(plain != MAP_FAILED);
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, plain, 0, 1, tu_done_cb, &d, 0), -EFAULT);
	log_expect("is not DMA memory: allocate it with vdk_dma_zmalloc()");
	munmap(plain, 8192);
	/* Nothing was queued by the refusals. */
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 0);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 0);
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(vdk_nvme_qpair_process_completions(NULL, 0), -EINVAL);
	assert_int_equal(vdk_nvme_qpair_flush(NULL), -EINVAL);
	assert_int_equal(vdk_nvme_qpair_outstanding(NULL), 0);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

struct chain {
	struct vdk_nvme_qpair *qp;
	uint8_t *buf;
	int left;
	int done;
	int errors;
};

/* Resubmit from the callback: what a benchmark's loop does. */
static void
chain_cb(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct chain *ch = arg;

	ch->done++;
	if (vdk_nvme_cpl_is_error(cpl))
		ch->errors++;
	if (ch->left > 0) {
		ch->left--;
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, ch->qp, ch->buf,
						      (uint64_t)(ch->left % 2048), 1,
						      chain_cb, ch, 0), 0);
	}
}

static void
test_nvme_qpair_vectors_go_as_sgls_where_offered(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(16384, 4096, NULL);
	struct iovec iov[3] = {
		{ buf + 100, 412 }, { buf + 5000, 1024 }, { buf + 9000, 612 },
	};
	const struct nvme_model_rec *r;
	struct tu_done d = { 0 };

	(void)state;
	tu_pattern(buf, 16384, 3);
	assert_int_equal(vdk_nvme_ns_cmd_writev(ns, qp, iov, 3, 500, 4, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	r = nvme_model_find(m, vdk_nvme_qpair_id(qp), VDK_NVME_OPC_WRITE);
	assert_int_equal(VDK_NVME_GET(r->cmd.flags, CMD_PSDT), VDK_NVME_PSDT_SGL_MPTR_CONTIG);
	assert_int_equal(r->cmd.dptr.sgl1.id >> 4, VDK_NVME_SGL_TYPE_LAST_SEGMENT);
	assert_int_equal(r->nb_sgl, 3);
	assert_memory_equal(m->ns[0].data + 500 * 512, buf + 100, 412);
	assert_memory_equal(m->ns[0].data + 500 * 512 + 412, buf + 5000, 1024);
	assert_memory_equal(m->ns[0].data + 500 * 512 + 1436, buf + 9000, 612);
	/* One piece: a data block descriptor in the command itself. */
	assert_int_equal(vdk_nvme_ns_cmd_readv(ns, qp, iov + 1, 1, 500, 2, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	r = nvme_model_last(m, 0);
	assert_int_equal(r->cmd.dptr.sgl1.id >> 4, VDK_NVME_SGL_TYPE_DATA_BLOCK);
	assert_int_equal(r->cmd.dptr.sgl1.addr, (uintptr_t)(buf + 5000));
	/* Lengths that do not add up to the blocks. */
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_readv(ns, qp, iov, 3, 500, 3, tu_done_cb, &d, 0),
			 -EINVAL);
	log_release();
	assert_int_equal(vdk_nvme_ns_cmd_readv(ns, qp, NULL, 3, 500, 3, tu_done_cb, &d, 0),
			 -EINVAL);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_vectors_go_as_prps_without_sgls(void **state)
{
	struct nvme_model *pm = nvme_model_create();
	struct nvme_ctrlr_cfg cfg;
	struct vdk_nvme_ctrlr *pc;
	struct vdk_nvme_ns *pns;
	struct vdk_nvme_qpair *qp;
	uint8_t *buf = vdk_dma_zmalloc(32768, 4096, NULL);
	/* Page-aligned joins: the first may start anywhere, the last end anywhere. */
	struct iovec iov[3] = {
		{ buf + 3584, 512 }, { buf + 8192, 8192 }, { buf + 20480, 1024 },
	};
	struct iovec bad[2] = { { buf, 512 }, { buf + 8192, 512 } };
	const struct nvme_model_rec *r;
	struct tu_done d = { 0 };

	(void)state;
	nvme_model_add_ns(pm, 1, 1024, 9, 0, false);
	nvme_ctrlr_cfg_default(&cfg);
	cfg.io_queues = 4;
	cfg.no_sgl = true;
	pc = nvme_model_attach(pm, "model1", &cfg);
	assert_non_null(pc);
	assert_false(vdk_nvme_ctrlr_sgl_supported(pc));
	pns = vdk_nvme_ctrlr_get_ns(pc, 1);
	qp = tu_qpair(pc, 8);
	tu_pattern(buf, 32768, 5);
	assert_int_equal(vdk_nvme_ns_cmd_writev(pns, qp, iov, 3, 0, 19, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(pm, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	r = nvme_model_last(pm, 0);
	assert_int_equal(VDK_NVME_GET(r->cmd.flags, CMD_PSDT), VDK_NVME_PSDT_PRP);
	assert_int_equal(r->nb_pages, 4);
	assert_int_equal(r->pages[0], (uintptr_t)(buf + 3584));
	assert_int_equal(r->pages[1], (uintptr_t)(buf + 8192));
	assert_int_equal(r->pages[2], (uintptr_t)(buf + 12288));
	assert_int_equal(r->pages[3], (uintptr_t)(buf + 20480));
	assert_memory_equal(pm->ns[0].data + 512, buf + 8192, 8192);
	/* A join that is not on a page boundary cannot be a PRP. */
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_readv(pns, qp, bad, 2, 0, 2, tu_done_cb, &d, 0),
			 -EINVAL);
	log_expect("cannot be described to the controller");
	vdk_dma_free(buf);
	nvme_ctrlr_destroy(pc, true);
	nvme_model_free(pm);
}

static void
test_nvme_qpair_phase_tag_survives_many_wraps(void **state)
{
	struct chain ch = { 0 };
	int i, guard;

	(void)state;
	/* Four entries: three in flight, the phase flips every fourth completion. */
	ch.qp = tu_qpair(c, 4);
	ch.buf = vdk_dma_zmalloc(512, 512, NULL);
	ch.left = 500;
	for (i = 0; i < 3; i++) {
		ch.left--;
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, ch.qp, ch.buf, 0, 1, chain_cb, &ch, 0), 0);
	}
	for (guard = 0; guard < 100000 && ch.done < 500; guard++) {
		nvme_model_step(m);
		assert_true(vdk_nvme_qpair_process_completions(ch.qp, 0) >= 0);
	}
	assert_int_equal(ch.done, 500);
	assert_int_equal(ch.errors, 0);
	assert_int_equal(m->nb_bad_doorbell, 0);
	assert_int_equal(vdk_nvme_qpair_outstanding(ch.qp), 0);
	vdk_dma_free(ch.buf);
	vdk_nvme_ctrlr_free_io_qpair(ch.qp);
}

static void
test_nvme_qpair_rings_the_doorbell_once_a_burst(void **state)
{
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16), *eager;
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	uint32_t sq_db = 0x1000 + 2 * 4 * vdk_nvme_qpair_id(qp);
	struct tu_done d = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	/* Queued, not yet told. */
	assert_int_equal(nvme_model_reg32(m, sq_db), 0);
	assert_int_equal(vdk_nvme_qpair_flush(qp), 0);
	assert_int_equal(nvme_model_reg32(m, sq_db), 5);
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 2), 2);
	/* Partial batch: the CQ head doorbell says exactly what was consumed. */
	assert_int_equal(nvme_model_reg32(m, sq_db + 4), 2);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 3);
	assert_int_equal(nvme_model_reg32(m, sq_db + 4), 5);
	assert_int_equal(d.n, 5);

	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	o.queue_size = 8;
	o.doorbell_per_cmd = true;
	eager = vdk_nvme_ctrlr_alloc_io_qpair(c, &o);
	assert_non_null(eager);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, eager, buf, 0, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(nvme_model_reg32(m, 0x1000 + 8 * vdk_nvme_qpair_id(eager)), 1);
	assert_int_equal(tu_wait(m, eager, &d, 6), 0);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	vdk_nvme_ctrlr_free_io_qpair(eager);
}

static void
test_nvme_qpair_full_queue_refuses_with_enomem(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 4);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), -ENOMEM);
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 3);
	assert_int_equal(tu_wait(m, qp, &d, 3), 0);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 4), 0);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

/* Queue sizes from the model's record of Create I/O CQ and SQ. */
static void
expect_queue_sizes(uint32_t sq_entries, uint32_t cq_entries)
{
	const struct nvme_model_rec *r;

	r = nvme_model_find(m, 0, VDK_NVME_OPC_CREATE_IO_CQ);
	assert_non_null(r);
	assert_int_equal((r->cmd.cdw10 >> 16) + 1, cq_entries);
	r = nvme_model_find(m, 0, VDK_NVME_OPC_CREATE_IO_SQ);
	assert_non_null(r);
	assert_int_equal((r->cmd.cdw10 >> 16) + 1, sq_entries);
}

/* @n reads through @qp, entries - 1 of them in flight all along. */
static void
chain_full_depth(struct vdk_nvme_qpair *qp, uint32_t entries, int n)
{
	struct chain ch = { .qp = qp, .left = n };
	uint32_t i;
	int guard;

	ch.buf = vdk_dma_zmalloc(512, 512, NULL);
	for (i = 0; i < entries - 1; i++) {
		ch.left--;
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, ch.buf, 0, 1, chain_cb, &ch, 0), 0);
	}
	for (guard = 0; guard < 100000 && ch.done < n; guard++) {
		nvme_model_step(m);
		assert_true(vdk_nvme_qpair_process_completions(qp, 0) >= 0);
	}
	assert_int_equal(ch.done, n);
	assert_int_equal(ch.errors, 0);
	vdk_dma_free(ch.buf);
}

/*
 * At full depth (queue_size - 1 commands in flight, each resubmitted from
 * its callback) the completion queue must never be full when its head
 * doorbell moves: QEMU's model (7.2) answers that doorbell by waking its
 * main loop, 15 us an I/O at QD1 under TCG. With both queues of
 * queue_size entries, every step of the model fills it.
 */
static void
test_nvme_qpair_completion_queue_never_fills(void **state)
{
	static const uint32_t sizes[] = { 2, 4, 16 };

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(sizes); i++) {
		struct vdk_nvme_qpair *qp = tu_qpair(c, sizes[i]);

		expect_queue_sizes(sizes[i], sizes[i] + 1);
		m->nb_cq_unfill = 0;
		chain_full_depth(qp, sizes[i], 300);
		assert_int_equal(m->nb_cq_unfill, 0);
		assert_int_equal(m->nb_bad_doorbell, 0);
		vdk_nvme_ctrlr_free_io_qpair(qp);
	}
}

/*
 * At CAP.MQES + 1 entries the completion queue cannot be larger: both
 * queues that size, I/O at full depth still right, and the model sees the
 * full queue's head doorbells (what the larger queue avoids elsewhere).
 */
static void
test_nvme_qpair_completion_queue_at_the_mqes_limit(void **state)
{
	struct nvme_model *small = nvme_model_create();
	struct vdk_nvme_ctrlr *sc;
	struct vdk_nvme_qpair *qp;
	struct vdk_nvme_ns *sns;

	(void)state;
	small->cap = (small->cap & ~0xffffull) | 7; /* MQES 7: 8 entries */
	nvme_model_add_ns(small, 1, 2048, 9, 0, false);
	sc = nvme_model_attach(small, "model-mqes", NULL);
	assert_non_null(sc);
	assert_int_equal(vdk_nvme_ctrlr_get_max_queue_entries(sc), 8);
	sns = vdk_nvme_ctrlr_get_ns(sc, 1);
	assert_non_null(sns);
	/* The helpers work on the fixture's model and namespace: point them here. */
	m = small;
	ns = sns;
	qp = tu_qpair(sc, 8);
	expect_queue_sizes(8, 8);
	chain_full_depth(qp, 8, 100);
	assert_true(small->nb_cq_unfill > 0);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	qp = tu_qpair(sc, 7);
	expect_queue_sizes(7, 8);
	small->nb_cq_unfill = 0;
	chain_full_depth(qp, 7, 100);
	assert_int_equal(small->nb_cq_unfill, 0);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	m = NULL;
	ns = NULL;
	tu_ctrlr_down(small, sc);
}

static void
test_nvme_qpair_error_status_reaches_the_callback(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };

	(void)state;
	m->fail_opc = VDK_NVME_OPC_READ;
	m->fail_sqid = -1;
	m->fail_status = (uint16_t)(VDK_NVME_SET(STATUS_SCT, VDK_NVME_SCT_MEDIA_ERROR) |
				    VDK_NVME_SET(STATUS_SC, 0x81) | VDK_NVME_SET(STATUS_DNR, 1));
	m->fail_count = 1;
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 7, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_true(vdk_nvme_cpl_is_error(&d.cpl));
	assert_int_equal(vdk_nvme_cpl_sct(&d.cpl), VDK_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), 0x81);
	assert_int_equal(VDK_NVME_GET(d.cpl.status, STATUS_DNR), 1);
	assert_string_equal(vdk_nvme_cpl_status_str(&d.cpl), "UNRECOVERED READ ERROR");
	/* The next command is fine. */
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 7, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_ignores_a_completion_for_no_command(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 8);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	struct vdk_nvme_cpl *cq = qp->cq;

	(void)state;
	/* A controller posts a completion for command 5, which was never sent. */
	cq[0] = (struct vdk_nvme_cpl){ .cid = 5, .sqhd = 0, .sqid = 1, .status = 1 };
	log_capture();
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 1);
	log_expect("completion for command 5, which is not outstanding: ignored");
	/* The queue goes on: the model continues after the bogus entry. */
	m->cq[1].tail = 1;
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_ignores_cids_outside_its_table(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 8);
	struct vdk_nvme_cpl *cq = qp->cq;

	(void)state;
	/* Seven trackers (CIDs 0 to 6): 7 is one past the table, FFFFh far past it. */
	cq[0] = (struct vdk_nvme_cpl){ .cid = 7, .sqhd = 0, .sqid = 1, .status = 1 };
	cq[1] = (struct vdk_nvme_cpl){ .cid = 0xffff, .sqhd = 0xffff, .sqid = 1, .status = 1 };
	log_capture();
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 2);
	log_expect("completion for command 65535, which is not outstanding: ignored");
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 0);
	/* An SQHD past the queue is not believed either. */
	assert_int_equal(qp->sq_head, 0);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_poll_is_bounded_when_the_controller_keeps_posting(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 8);
	struct vdk_nvme_cmd cmd = { .opc = 0x7f };
	struct tu_flood f = { .m = m, .qp = qp, .stop = 4 * 8 };
	int ret, calls = 0;

	(void)state;
	m->overrun_cq = true;
	assert_int_equal(vdk_nvme_qpair_cmd_io_raw(qp, &cmd, NULL, 0, tu_flood_cb, &f), 0);
	assert_int_equal(vdk_nvme_qpair_flush(qp), 0);
	nvme_model_step(m);
	/* 0 and a max past the queue both mean what the completion queue holds: 8 (9 entries). */
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 8);
	assert_int_equal(f.n, 8);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 1000), 8);
	assert_int_equal(f.n, 16);
	/* Nothing is lost: the rest come in later calls. */
	while (f.n < f.stop && calls++ < 100) {
		ret = vdk_nvme_qpair_process_completions(qp, 0);
		assert_true(ret >= 1 && ret <= 8);
	}
	assert_int_equal(f.n, f.stop);
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 0);
	m->overrun_cq = false;
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

/* A queue pair whose next @drops reads the model swallows, with a 20 ms timeout. */
static struct vdk_nvme_qpair *
timeout_qpair(unsigned int drops)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);

	assert_int_equal(vdk_nvme_ctrlr_set_timeouts(c, 20, 1000), 0);
	m->drop_opc = VDK_NVME_OPC_READ;
	m->drop_count = drops;
	return qp;
}

static void
test_nvme_qpair_timeout_aborts_the_command(void **state)
{
	struct vdk_nvme_qpair *qp = timeout_qpair(1);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	const struct nvme_model_rec *abort;
	struct tu_done d = { 0 };

	(void)state;
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 3, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	log_expect("timed out after 20 ms: aborting it");
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_ABORTED_BY_REQUEST);
	assert_string_equal(vdk_nvme_cpl_status_str(&d.cpl), "COMMAND ABORT REQUESTED");
	abort = nvme_model_find(m, 0, VDK_NVME_OPC_ABORT);
	assert_non_null(abort);
	assert_int_equal(abort->cmd.cdw10, ((uint32_t)d.cpl.cid << 16) | vdk_nvme_qpair_id(qp));
	assert_int_equal(m->nb_enable, 1);
	vdk_nvme_ctrlr_set_timeouts(c, 0, 10000);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_timeout_after_abort_resets_the_controller(void **state)
{
	struct vdk_nvme_qpair *qp = timeout_qpair(1);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	unsigned int enables = m->nb_enable;

	(void)state;
	m->abort_ignored = true;
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 3, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	log_expect("still outstanding after an abort: resetting the controller");
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_ABORTED_SQ_DELETION);
	assert_int_equal(m->nb_enable, enables + 1);
	m->abort_ignored = false;
	/* The queue pair came back with the controller. */
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 3, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	vdk_nvme_ctrlr_set_timeouts(c, 0, 10000);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

/*
 * Eight commands time out together on a controller that works on each
 * Abort for a long time: the driver keeps at most ACL + 1 of them
 * outstanding (§5.1: more fail with ABORT COMMAND LIMIT EXCEEDED), and
 * the reset a timeout later ends all eight.
 */
static void
test_nvme_qpair_timeouts_keep_aborts_within_the_limit(void **state)
{
	struct vdk_nvme_qpair *qp = timeout_qpair(8);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	unsigned int enables = m->nb_enable;

	(void)state;
	m->hold_aborts = true;
	m->max_aborts_held = 0;
	m->nb_abort_limit = 0;
	log_capture();
	for (int i = 0; i < 8; i++)
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 3, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 8), 0);
	m->hold_aborts = false;
	log_expect("still outstanding after an abort: resetting the controller");
	assert_int_equal(m->nb_abort_limit, 0);
	assert_int_equal(m->max_aborts_held, MODEL_ACL + 1);
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_ABORTED_SQ_DELETION);
	assert_int_equal(m->nb_enable, enables + 1);
	/* Aborts outstanding went with the reset: the next timeout may abort again. */
	assert_int_equal(c->aborts_outstanding, 0);
	vdk_nvme_ctrlr_set_timeouts(c, 0, 10000);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

static void
test_nvme_qpair_free_with_commands_outstanding(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	uint16_t qid = vdk_nvme_qpair_id(qp);

	(void)state;
	m->hold_io = true;
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 1, 1, tu_done_cb, &d, 0), 0);
	vdk_nvme_qpair_flush(qp);
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_ctrlr_free_io_qpair(qp), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_ABORTED_SQ_DELETION);
	assert_false(m->sq[qid].exists);
	assert_false(m->cq[qid].exists);
	m->hold_io = false;
	vdk_dma_free(buf);
}

static void
test_nvme_qpair_raw_io_passthrough(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(1024, 4096, NULL);
	struct vdk_nvme_cmd cmd = {
		.opc = VDK_NVME_OPC_READ, .nsid = 1, .cdw10 = 10, .cdw12 = 1,
	};
	struct tu_done d = { 0 };

	(void)state;
	tu_pattern(m->ns[0].data + 10 * 512, 1024, 9);
	assert_int_equal(vdk_nvme_qpair_cmd_io_raw(qp, &cmd, buf, 1024, tu_done_cb, &d), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_memory_equal(buf, m->ns[0].data + 10 * 512, 1024);
	assert_int_equal(vdk_nvme_qpair_cmd_io_raw(qp, NULL, buf, 1024, tu_done_cb, &d), -EINVAL);
	assert_int_equal(vdk_nvme_qpair_cmd_io_raw(qp, &cmd, NULL, 1024, tu_done_cb, &d), -EINVAL);
	assert_int_equal(vdk_nvme_qpair_cmd_io_raw(qp, &cmd, buf, 4u << 20, tu_done_cb, &d),
			 -EINVAL);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
}

/* Two lcores, one queue pair each, reading and writing their own blocks. */
struct worker {
	struct vdk_nvme_qpair *qp;
	uint8_t *buf;
	unsigned int lba0;
	volatile bool stop;
	volatile unsigned int ok;
	unsigned int aborted, other, again;
};

static void
worker_cb(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct worker *w = arg;

	if (!vdk_nvme_cpl_is_error(cpl))
		w->ok++;
	else if (vdk_nvme_cpl_sc(cpl) == VDK_NVME_SC_ABORTED_SQ_DELETION)
		w->aborted++;
	else
		w->other++;
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i = 0;

	while (!w->stop) {
		if (vdk_nvme_qpair_outstanding(w->qp) < 8) {
			int ret = vdk_nvme_ns_cmd_write(ns, w->qp, w->buf + (i % 8) * 512,
							w->lba0 + i % 8, 1, worker_cb, w, 0);

			if (ret == -EAGAIN)
				w->again++;
			else if (ret != 0)
				w->other++;
			i++;
		}
		if (vdk_nvme_qpair_process_completions(w->qp, 0) == -EAGAIN)
			w->again++;
	}
	while (vdk_nvme_qpair_outstanding(w->qp) > 0)
		vdk_nvme_qpair_process_completions(w->qp, 0);
	return 0;
}

/* Wait until the worker has completed @more commands since @from (10 s at most). */
static bool
progressed(struct worker *w, unsigned int from, unsigned int more)
{
	struct timespec ts = { 0, 200000 };

	for (int i = 0; i < 50000 && w->ok < from + more; i++)
		nanosleep(&ts, NULL);
	return w->ok >= from + more;
}

static void
test_nvme_qpair_lcores_keep_going_across_resets(void **state)
{
	struct worker w = { .lba0 = 64 };
	unsigned int lcore = vdk_get_next_lcore(-1, 1, 0), i;

	(void)state;
	assert_true(lcore < VDK_MAX_LCORE);
	w.qp = tu_qpair(c, 32);
	w.buf = vdk_dma_zmalloc(8 * 512, 4096, NULL);
	nvme_model_run(m);
	assert_int_equal(vdk_eal_remote_launch(worker_main, &w, lcore), 0);
	/* Reset while the other lcore runs; after each reset its I/O goes on. */
	for (i = 0; i < 5; i++) {
		assert_true(progressed(&w, w.ok, 20));
		assert_int_equal(vdk_nvme_ctrlr_reset(c), 0);
	}
	assert_true(progressed(&w, w.ok, 20));
	w.stop = true;
	assert_int_equal(vdk_eal_wait_lcore(lcore), 0);
	nvme_model_stop(m);
	/* Every command ended once: completed, or aborted by a reset. */
	assert_int_equal(w.other, 0);
	assert_int_equal(vdk_nvme_qpair_outstanding(w.qp), 0);
	print_message("worker: %u ok, %u aborted by resets, %u calls during a reset\n", w.ok,
		      w.aborted, w.again);
	vdk_dma_free(w.buf);
	vdk_nvme_ctrlr_free_io_qpair(w.qp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_qpair_prps_for_one_two_and_many_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_rejects_buffers_it_cannot_describe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_vectors_go_as_sgls_where_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_vectors_go_as_prps_without_sgls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_phase_tag_survives_many_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_rings_the_doorbell_once_a_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_full_queue_refuses_with_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_completion_queue_never_fills, setup, teardown),
		cmocka_unit_test(test_nvme_qpair_completion_queue_at_the_mqes_limit),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_error_status_reaches_the_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_ignores_a_completion_for_no_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_ignores_cids_outside_its_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_poll_is_bounded_when_the_controller_keeps_posting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_timeout_aborts_the_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_timeout_after_abort_resets_the_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_timeouts_keep_aborts_within_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_free_with_commands_outstanding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_raw_io_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_qpair_lcores_keep_going_across_resets, setup, teardown),
	};
	int fails;

	if (eal_up(NULL) < 0)
		return 1;
	fails = cmocka_run_group_tests_name("nvme_qpair", tests, NULL, NULL);
	eal_down(NULL);
	return fails;
}
