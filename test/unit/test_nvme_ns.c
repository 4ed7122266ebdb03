/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/nvme/nvme_ns.c: namespaces found through the active list (and
 * without it on a 1.0 controller), block geometry with and without
 * metadata, malformed Identify Namespace data and lists, the commands'
 * fields as the model receives them (read, write, FUA, write zeroes,
 * deallocate, flush, separate metadata), and every refused argument.
 */
#include <errno.h>

#include "test_nvme_util.h"

static void
test_nvme_ns_geometry_of_each_format(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;
	struct vdk_nvme_ns *a, *b, *e, *s;

	(void)state;
	nvme_model_add_ns(m, 1, 2048, 9, 0, false);
	nvme_model_add_ns(m, 2, 256, 12, 0, false);
	nvme_model_add_ns(m, 5, 128, 9, 8, true);    /* 512 + 8 inline */
	nvme_model_add_ns(m, 7, 128, 12, 64, false);  /* 4096 + 64 apart */
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	a = vdk_nvme_ctrlr_get_ns(c, 1);
	b = vdk_nvme_ctrlr_get_ns(c, 2);
	e = vdk_nvme_ctrlr_get_ns(c, 5);
	s = vdk_nvme_ctrlr_get_ns(c, 7);
	assert_true(a && b && e && s);
	assert_int_equal(vdk_nvme_ns_get_id(b), 2);
	assert_ptr_equal(vdk_nvme_ns_get_ctrlr(b), c);
	assert_int_equal(vdk_nvme_ns_get_sector_size(a), 512);
	assert_int_equal(vdk_nvme_ns_get_num_sectors(a), 2048);
	assert_int_equal(vdk_nvme_ns_get_size(a), 1u << 20);
	assert_int_equal(vdk_nvme_ns_get_max_io_sectors(a), 1024);
	assert_int_equal(vdk_nvme_ns_get_sector_size(b), 4096);
	assert_int_equal(vdk_nvme_ns_get_max_io_sectors(b), 128);
	assert_int_equal(vdk_nvme_ns_get_md_size(e), 8);
	assert_true(vdk_nvme_ns_md_extended(e));
	assert_int_equal(vdk_nvme_ns_get_extended_sector_size(e), 520);
	assert_int_equal(vdk_nvme_ns_get_max_io_sectors(e), 524288 / 520);
	assert_int_equal(vdk_nvme_ns_get_md_size(s), 64);
	assert_false(vdk_nvme_ns_md_extended(s));
	assert_int_equal(vdk_nvme_ns_get_extended_sector_size(s), 4096);
	assert_int_equal(vdk_nvme_ns_get_data(b)->lbaf[0].lbads, 12);
	/* Iteration in ID order; gaps are not namespaces. */
	assert_int_equal(vdk_nvme_ctrlr_first_active_ns(c), 1);
	assert_int_equal(vdk_nvme_ctrlr_next_active_ns(c, 2), 5);
	assert_int_equal(vdk_nvme_ctrlr_next_active_ns(c, 5), 7);
	assert_int_equal(vdk_nvme_ctrlr_next_active_ns(c, 7), 0);
	assert_null(vdk_nvme_ctrlr_get_ns(c, 3));
	assert_int_equal(errno, ENOENT);
	assert_null(vdk_nvme_ctrlr_get_ns(c, 0));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vdk_nvme_ns_get_sector_size(NULL), 0);
	assert_null(vdk_nvme_ns_get_data(NULL));
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
}

static uint32_t mangle_nsid;
static int mangle_kind;

static void
mangle_ns(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	struct vdk_nvme_ns_data *d = page;

	(void)m;
	if (cns != VDK_NVME_CNS_NS || nsid != mangle_nsid)
		return;
	switch (mangle_kind) {
	case 0:
		d->nlbaf = 70;
		break;
	case 1:
		d->flbas = 5;    /* format 5 of 2 */
		break;
	case 2:
		d->lbaf[0].lbads = 3;
		break;
	case 3:
		memset(d, 0, 4096);   /* inactive */
		break;
	case 4:
		d->nsze = UINT64_MAX / 256;   /* overflows in bytes */
		break;
	case 5:
		d->lbaf[0].lbads = 20;        /* 1 MiB blocks: above the largest transfer */
		break;
	case 6:
		d->ncap = d->nsze + 1;        /* odd but usable */
		break;
	}
}

static void
test_nvme_ns_malformed_identify_namespace_is_ignored(void **state)
{
	static const char *const why[] = {
		"NLBAF 71: more than 64 LBA formats",
		"FLBAS selects format 5 of 2",
		"blocks of 2^3 bytes (LBADS)",
		NULL,
		"overflows",
		"exceeds the largest transfer",
		"capacity 2049 exceeds size 2048 blocks (NCAP > NSZE)",
	};
	int kind;

	(void)state;
	for (kind = 0; kind < (int)VDK_DIM(why); kind++) {
		struct nvme_model *m = nvme_model_create();
		struct vdk_nvme_ctrlr *c;

		nvme_model_add_ns(m, 1, 2048, 9, 0, false);
		nvme_model_add_ns(m, 2, 2048, 9, 0, false);
		mangle_nsid = 2;
		mangle_kind = kind;
		m->mangle = mangle_ns;
		log_capture();
		c = nvme_model_attach(m, "model0", NULL);
		assert_non_null(c);
		if (why[kind] != NULL)
			log_expect(why[kind]);
		else
			log_release();
		/* The good namespace is there whatever the other one says. */
		assert_non_null(vdk_nvme_ctrlr_get_ns(c, 1));
		if (kind == 6)
			assert_non_null(vdk_nvme_ctrlr_get_ns(c, 2));
		else
			assert_null(vdk_nvme_ctrlr_get_ns(c, 2));
		nvme_ctrlr_destroy(c, false);
		nvme_model_free(m);
	}
}

static void
bad_list(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	uint32_t *ids = page;

	(void)m;
	(void)nsid;
	if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST) {
		ids[0] = 1;
		ids[1] = 3;
		ids[2] = 2;   /* not ascending */
		ids[3] = 4;
	}
}

static void
beyond_nn(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	uint32_t *ids = page;

	(void)m;
	(void)nsid;
	if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST) {
		ids[0] = 1;
		ids[1] = 99;   /* NN is 4 */
	}
}

static void
test_nvme_ns_malformed_active_list_stops_at_the_fault(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	nvme_model_add_ns(m, 2, 64, 9, 0, false);
	nvme_model_add_ns(m, 3, 64, 9, 0, false);
	nvme_model_add_ns(m, 4, 64, 9, 0, false);
	m->mangle = bad_list;
	log_capture();
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	log_expect("active namespace list is malformed: ID 2 after 3 (NN = 4)");
	assert_non_null(vdk_nvme_ctrlr_get_ns(c, 1));
	assert_non_null(vdk_nvme_ctrlr_get_ns(c, 3));
	assert_null(vdk_nvme_ctrlr_get_ns(c, 2));
	assert_null(vdk_nvme_ctrlr_get_ns(c, 4));
	nvme_ctrlr_destroy(c, false);

	m->mangle = beyond_nn;
	log_capture();
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	log_expect("ID 99 after 1 (NN = 4)");
	assert_int_equal(vdk_nvme_ctrlr_next_active_ns(c, 1), 0);
	nvme_ctrlr_destroy(c, false);
	nvme_model_free(m);
}

static unsigned int list_pages;

/* NN 2^32 - 1, and every page of the active list full of higher IDs. */
static void
endless_list(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	struct vdk_nvme_ctrlr_data *d = page;
	uint32_t *ids = page;

	(void)m;
	if (cns == VDK_NVME_CNS_CTRLR)
		d->nn = UINT32_MAX;
	/* Past 64 pages it ends, so that a driver without a bound returns at all. */
	if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST && ++list_pages <= 64)
		for (uint32_t i = 0; i < VDK_NVME_NS_LIST_ENTRIES; i++)
			ids[i] = nsid + 1 + i;
}

static void
test_nvme_ns_scan_is_bounded_whatever_nn_and_the_list_say(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;

	(void)state;
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	m->mangle = endless_list;
	log_capture();
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	log_expect("the active namespace list goes on past 4096 IDs (NN = 4294967295): VDK uses "
		   "those up to namespace 4096");
	/* Four full pages and the one that showed there is more. */
	assert_int_equal(list_pages, 5);
	assert_int_equal(vdk_nvme_ctrlr_get_num_ns(c), UINT32_MAX);
	assert_int_equal(vdk_nvme_ctrlr_first_active_ns(c), 1);
	assert_int_equal(vdk_nvme_ctrlr_next_active_ns(c, 1), 0);
	nvme_ctrlr_destroy(c, false);

	/* A 1.0 controller has no list: IDs 1 to NN, at most 4096 of them. */
	m->vs = VDK_NVME_VERSION(1, 0, 0);
	m->nb_cmds = 0;
	log_capture();
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	log_expect("NN = 4294967295: VDK looks at namespaces 1 to 4096 only");
	/* Identify Controller, 4096 Identify Namespace, Set Features. */
	assert_int_equal(m->nb_cmds, 4098);
	assert_int_equal(vdk_nvme_ctrlr_first_active_ns(c), 1);
	nvme_ctrlr_destroy(c, false);
	nvme_model_free(m);
}

static void
test_nvme_ns_version_1_0_controller_is_scanned_by_id(void **state)
{
	struct nvme_model *m = nvme_model_create();
	struct vdk_nvme_ctrlr *c;
	unsigned int i;

	(void)state;
	m->vs = VDK_NVME_VERSION(1, 0, 0);
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	nvme_model_add_ns(m, 3, 64, 9, 0, false);
	c = nvme_model_attach(m, "model0", NULL);
	assert_non_null(c);
	assert_non_null(vdk_nvme_ctrlr_get_ns(c, 1));
	assert_null(vdk_nvme_ctrlr_get_ns(c, 2));
	assert_non_null(vdk_nvme_ctrlr_get_ns(c, 3));
	/* No CNS 02h for a controller older than 1.1. */
	for (i = 0; i < m->nb_rec && i < MODEL_REC_MAX; i++)
		assert_false(m->rec[i].cmd.opc == VDK_NVME_OPC_IDENTIFY &&
			     m->rec[i].cmd.cdw10 == VDK_NVME_CNS_ACTIVE_NS_LIST);
	nvme_ctrlr_destroy(c, false);
	nvme_model_free(m);
}

/* One controller with namespace 1 (512-byte blocks) for the command tests. */
static struct nvme_model *m;
static struct vdk_nvme_ctrlr *c;
static struct vdk_nvme_ns *ns;
static struct vdk_nvme_qpair *qp;

static int
setup(void **state)
{
	(void)state;
	c = tu_ctrlr(&m, NULL);
	ns = vdk_nvme_ctrlr_get_ns(c, 1);
	qp = tu_qpair(c, 32);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_release();
	nvme_ctrlr_destroy(c, true);
	nvme_model_free(m);
	return 0;
}

static void
test_nvme_ns_read_write_fields(void **state)
{
	uint8_t *buf = vdk_dma_zmalloc(4096, 4096, NULL);
	const struct nvme_model_rec *r;
	struct tu_done d = { 0 };

	(void)state;
	assert_int_equal(vdk_nvme_ns_cmd_write(ns, qp, buf, 2040, 8, tu_done_cb, &d,
					       VDK_NVME_IO_FUA), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	r = nvme_model_last(m, 0);
	assert_int_equal(r->cmd.opc, VDK_NVME_OPC_WRITE);
	assert_int_equal(r->cmd.nsid, 1);
	assert_int_equal(r->cmd.cdw10, 2040);
	assert_int_equal(r->cmd.cdw11, 0);
	assert_int_equal(r->cmd.cdw12, 7u | VDK_NVME_IO_FLAG_FUA);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 1, 1, tu_done_cb, &d,
					      VDK_NVME_IO_LR), 0);
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	r = nvme_model_last(m, 0);
	assert_int_equal(r->cmd.opc, VDK_NVME_OPC_READ);
	assert_int_equal(r->cmd.cdw12, VDK_NVME_IO_FLAG_LR);
	vdk_dma_free(buf);
}

static void
test_nvme_ns_write_zeroes_deallocate_and_flush(void **state)
{
	struct vdk_nvme_dsm_range ranges[3] = {
		{ .slba = 10, .length = 2 }, { .slba = 100, .length = 50 }, { .slba = 2047, .length = 1 },
	};
	const struct nvme_model_rec *r;
	struct tu_done d = { 0 };
	const struct vdk_nvme_dsm_range *sent;

	(void)state;
	memset(m->ns[0].data, 0xaa, 2048 * 512);
	assert_int_equal(vdk_nvme_ns_cmd_write_zeroes(ns, qp, 4, 3, tu_done_cb, &d,
						      VDK_NVME_IO_DEAC), 0);
	assert_int_equal(tu_wait(m, qp, &d, 1), 0);
	r = nvme_model_last(m, 0);
	assert_int_equal(r->cmd.opc, VDK_NVME_OPC_WRITE_ZEROES);
	assert_int_equal(r->cmd.cdw10, 4);
	assert_int_equal(r->cmd.cdw12, 2u | VDK_NVME_IO_FLAG_DEAC);
	assert_int_equal(m->ns[0].data[4 * 512], 0);
	assert_int_equal(m->ns[0].data[7 * 512 - 1], 0);
	assert_int_equal(m->ns[0].data[7 * 512], 0xaa);

	assert_int_equal(vdk_nvme_ns_cmd_dsm(ns, qp, ranges, 3, VDK_NVME_DSM_ATTR_AD, tu_done_cb,
					     &d), 0);
	/* Copied at submission: the caller's array may change at once. */
	ranges[0].slba = 0;
	assert_int_equal(tu_wait(m, qp, &d, 2), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	r = nvme_model_last(m, 0);
	assert_int_equal(r->cmd.opc, VDK_NVME_OPC_DSM);
	assert_int_equal(r->cmd.cdw10, 2);
	assert_int_equal(r->cmd.cdw11, VDK_NVME_DSM_ATTR_AD);
	sent = (const void *)(uintptr_t)r->pages[0];
	assert_int_equal(sent[0].slba, 10);
	assert_int_equal(sent[1].length, 50);
	assert_int_equal(m->ns[0].data[10 * 512], 0);
	assert_int_equal(m->ns[0].data[9 * 512], 0xaa);
	assert_int_equal(m->ns[0].data[149 * 512], 0);
	assert_int_equal(m->ns[0].data[150 * 512], 0xaa);

	assert_int_equal(vdk_nvme_ns_cmd_flush(ns, qp, tu_done_cb, &d), 0);
	assert_int_equal(tu_wait(m, qp, &d, 3), 0);
	assert_int_equal(nvme_model_last(m, 0)->cmd.opc, VDK_NVME_OPC_FLUSH);
	assert_int_equal(nvme_model_last(m, 0)->cmd.nsid, 1);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
}

static void
test_nvme_ns_separate_metadata_goes_in_mptr(void **state)
{
	struct nvme_model *mm = nvme_model_create();
	struct vdk_nvme_ctrlr *mc;
	struct vdk_nvme_ns *mns;
	struct vdk_nvme_qpair *mqp;
	uint8_t *buf = vdk_dma_zmalloc(8192, 4096, NULL), *md = vdk_dma_zmalloc(128, 64, NULL);
	struct tu_done d = { 0 };

	(void)state;
	nvme_model_add_ns(mm, 1, 128, 12, 64, false);
	mc = nvme_model_attach(mm, "model1", NULL);
	assert_non_null(mc);
	mns = vdk_nvme_ctrlr_get_ns(mc, 1);
	mqp = tu_qpair(mc, 8);
	assert_int_equal(vdk_nvme_ns_cmd_write_with_md(mns, mqp, buf, md, 0, 2, tu_done_cb, &d,
						       0), 0);
	assert_int_equal(tu_wait(mm, mqp, &d, 1), 0);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_int_equal(nvme_model_last(mm, 0)->cmd.mptr, (uintptr_t)md);
	assert_int_equal(vdk_nvme_ns_cmd_read_with_md(mns, mqp, buf, md, 0, 2, tu_done_cb, &d,
						      0), 0);
	assert_int_equal(tu_wait(mm, mqp, &d, 2), 0);
	assert_int_equal(vdk_nvme_ns_cmd_read_with_md(mns, mqp, buf, NULL, 0, 2, tu_done_cb, &d,
						      0), -EINVAL);
	/* A format without separate metadata takes no metadata buffer. */
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read_with_md(ns, qp, buf, md, 0, 2, tu_done_cb, &d, 0),
			 -EINVAL);
	log_expect("the format has no metadata");
	vdk_dma_free(buf);
	vdk_dma_free(md);
	nvme_ctrlr_destroy(mc, true);
	nvme_model_free(mm);
}

static void
test_nvme_ns_refuses_bad_arguments_without_queueing(void **state)
{
	struct vdk_nvme_dsm_range r = { .slba = 2000, .length = 49 };
	uint8_t *buf = vdk_dma_zmalloc(4096, 4096, NULL);
	struct nvme_model *om;
	struct vdk_nvme_ctrlr *oc;
	struct vdk_nvme_qpair *oqp;
	struct tu_done d = { 0 };

	(void)state;
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 2047, 2, tu_done_cb, &d, 0), -EINVAL);
	log_expect("read of blocks 2047..2048 lies beyond its 2048 blocks");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 0, tu_done_cb, &d, 0), -EINVAL);
	log_expect("read of 0 blocks: one command moves 1 to 1024");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_write(ns, qp, buf, 0, 1025, tu_done_cb, &d, 0), -EINVAL);
	log_expect("write of 1025 blocks");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 0, 1, tu_done_cb, &d, 0x1), -EINVAL);
	log_expect("unknown flags 00000001h");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, NULL, 0, 1, tu_done_cb, &d, 0), -EINVAL);
	log_expect("without a buffer");
	assert_int_equal(vdk_nvme_ns_cmd_read(NULL, qp, buf, 0, 1, tu_done_cb, &d, 0), -EINVAL);
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, NULL, buf, 0, 1, tu_done_cb, &d, 0), -EINVAL);
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_write_zeroes(ns, qp, 2000, 49, tu_done_cb, &d, 0),
			 -EINVAL);
	log_expect("write zeroes of blocks 2000..2048");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_write_zeroes(ns, qp, 0, 1, tu_done_cb, &d, 0x2), -EINVAL);
	log_expect("write zeroes with unknown flags");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_dsm(ns, qp, &r, 1, VDK_NVME_DSM_ATTR_AD, tu_done_cb, &d),
			 -EINVAL);
	log_expect("range 0 (49 blocks at 2000) lies beyond");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_dsm(ns, qp, &r, 0, VDK_NVME_DSM_ATTR_AD, tu_done_cb, &d),
			 -EINVAL);
	log_expect("1 to 256 ranges");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_dsm(ns, qp, &r, 1, 0x8, tu_done_cb, &d), -EINVAL);
	log_expect("attributes 00000008h");
	assert_int_equal(vdk_nvme_ns_cmd_flush(ns, NULL, tu_done_cb, &d), -EINVAL);

	/* A queue pair of another controller. */
	oc = tu_ctrlr(&om, NULL);
	oqp = tu_qpair(oc, 8);
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, oqp, buf, 0, 1, tu_done_cb, &d, 0), -EINVAL);
	log_expect("on a queue pair of another controller");
	nvme_ctrlr_destroy(oc, true);
	nvme_model_free(om);

	/* Nothing of that reached the controller. */
	assert_int_equal(vdk_nvme_qpair_outstanding(qp), 0);
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_qpair_process_completions(qp, 0), 0);
	assert_int_equal(d.n, 0);
	vdk_dma_free(buf);
}

static void
test_nvme_ns_optional_commands_need_oncs(void **state)
{
	struct nvme_model *om = nvme_model_create();
	struct vdk_nvme_dsm_range r = { .slba = 0, .length = 1 };
	struct vdk_nvme_ctrlr *oc;
	struct vdk_nvme_qpair *oqp;
	struct vdk_nvme_ns *ons;
	struct tu_done d = { 0 };

	(void)state;
	om->oncs = 0;
	nvme_model_add_ns(om, 1, 64, 9, 0, false);
	oc = nvme_model_attach(om, "model1", NULL);
	assert_non_null(oc);
	ons = vdk_nvme_ctrlr_get_ns(oc, 1);
	oqp = tu_qpair(oc, 8);
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_write_zeroes(ons, oqp, 0, 1, tu_done_cb, &d, 0),
			 -ENOTSUP);
	log_expect("the controller has no Write Zeroes (ONCS)");
	log_capture();
	assert_int_equal(vdk_nvme_ns_cmd_dsm(ons, oqp, &r, 1, VDK_NVME_DSM_ATTR_AD, tu_done_cb,
					     &d), -ENOTSUP);
	log_expect("no Dataset Management (ONCS)");
	nvme_ctrlr_destroy(oc, true);
	nvme_model_free(om);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_ns_geometry_of_each_format),
		cmocka_unit_test(test_nvme_ns_malformed_identify_namespace_is_ignored),
		cmocka_unit_test(test_nvme_ns_malformed_active_list_stops_at_the_fault),
		cmocka_unit_test(test_nvme_ns_scan_is_bounded_whatever_nn_and_the_list_say),
		cmocka_unit_test(test_nvme_ns_version_1_0_controller_is_scanned_by_id),
		cmocka_unit_test_setup_teardown(test_nvme_ns_read_write_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_ns_write_zeroes_deallocate_and_flush, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_ns_separate_metadata_goes_in_mptr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_ns_refuses_bad_arguments_without_queueing,
						setup, teardown),
		cmocka_unit_test(test_nvme_ns_optional_commands_need_oncs),
	};

	return cmocka_run_group_tests_name("nvme_ns", tests, eal_up, eal_down);
}
