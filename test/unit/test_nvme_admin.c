/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/nvme/nvme_admin.c: synchronous admin commands and raw
 * passthrough against the model, their refusals (no DMA memory, too
 * large, NULLs), error statuses, an admin queue that stops answering (and
 * a late answer that must not reach a returned caller), a full admin
 * queue, admin completions polled by a tool, and a controller that keeps
 * posting admin completions.
 */
#include <errno.h>

#include "test_nvme_util.h"

static struct nvme_model *m;
static struct vdk_nvme_ctrlr *c;

static int
setup(void **state)
{
	(void)state;
	c = tu_ctrlr(&m, NULL);
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
test_nvme_admin_sync_identify_passthrough(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = VDK_NVME_OPC_IDENTIFY, .cdw10 = VDK_NVME_CNS_CTRLR };
	struct vdk_nvme_ctrlr_data *d = vdk_dma_zmalloc(4096, 4096, NULL);
	struct vdk_nvme_cpl cpl;

	(void)state;
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, d, 4096, &cpl), 0);
	assert_false(vdk_nvme_cpl_is_error(&cpl));
	assert_int_equal(d->vid, 0x1b36);
	assert_memory_equal(d->sn, "model-serial", 12);
	/* Without a completion to return, and without data. */
	cmd.opc = VDK_NVME_OPC_SET_FEATURES;
	cmd.cdw10 = VDK_NVME_FEAT_NUM_QUEUES;
	cmd.cdw11 = 0;
	/* The model, like the spec, refuses this once queues exist: not here yet. */
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, NULL, 0, NULL), 0);
	vdk_dma_free(d);
}

static void
test_nvme_admin_sync_reports_error_status(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = 0x7f };
	struct vdk_nvme_cpl cpl;

	(void)state;
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, NULL, 0, &cpl), -EIO);
	assert_int_equal(vdk_nvme_cpl_sc(&cpl), VDK_NVME_SC_INVALID_OPCODE);
	assert_string_equal(vdk_nvme_cpl_status_str(&cpl), "INVALID COMMAND OPCODE");
	/* The admin queue is fine afterwards. */
	cmd.opc = VDK_NVME_OPC_IDENTIFY;
	cmd.cdw10 = VDK_NVME_CNS_ACTIVE_NS_LIST;
	{
		uint32_t *ids = vdk_dma_zmalloc(4096, 4096, NULL);

		assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, ids, 4096, NULL), 0);
		assert_int_equal(ids[0], 1);
		assert_int_equal(ids[1], 0);
		vdk_dma_free(ids);
	}
}

static void
test_nvme_admin_refuses_bad_arguments(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = VDK_NVME_OPC_IDENTIFY, .cdw10 = 1 };
	static char plain[8192] __attribute__((aligned(4096)));
	void *big = vdk_dma_zmalloc(4u << 20, 4096, NULL);
	struct tu_done d = { 0 };

	(void)state;
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(NULL, &cmd, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, NULL, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, NULL, 4096, NULL), -EINVAL);
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, plain, 4096, NULL), -EFAULT);
	log_expect("is not DMA memory: use vdk_dma_zmalloc()");
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, big, 4u << 20, NULL), -EINVAL);
	log_expect("exceed the largest transfer (524288)");
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, plain, 4096, tu_done_cb, &d),
			 -EFAULT);
	log_expect("is not DMA memory");
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, big, 4u << 20, tu_done_cb, &d),
			 -EINVAL);
	log_expect("exceed the largest transfer");
	assert_int_equal(vdk_nvme_ctrlr_cmd_admin_raw(NULL, &cmd, NULL, 0, tu_done_cb, &d),
			 -EINVAL);
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(NULL), -EINVAL);
	/* Nothing reached the controller. */
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(c), 0);
	assert_int_equal(d.n, 0);
	vdk_dma_free(big);
}

static void
test_nvme_admin_raw_completes_through_admin_polling(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = VDK_NVME_OPC_IDENTIFY, .nsid = 1, .cdw10 = 0 };
	struct vdk_nvme_ns_data *nsd = vdk_dma_zmalloc(4096, 4096, NULL);
	struct tu_done d = { 0 };
	int i;

	(void)state;
	assert_int_equal(vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, nsd, 4096, tu_done_cb, &d), 0);
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(c), 0);
	for (i = 0; i < 100 && d.n == 0; i++) {
		nvme_model_step(m);
		assert_true(vdk_nvme_ctrlr_process_admin_completions(c) >= 0);
	}
	assert_int_equal(d.n, 1);
	assert_false(vdk_nvme_cpl_is_error(&d.cpl));
	assert_int_equal(nsd->nsze, 2048);
	vdk_dma_free(nsd);
}

static void
test_nvme_admin_full_queue_says_eagain(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = 0x7f };
	struct tu_done d = { 0 };
	int i, ret = 0;

	(void)state;
	/* 32 entries: 31 commands fit. */
	for (i = 0; i < 31; i++)
		assert_int_equal(vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, tu_done_cb, &d), 0);
	ret = vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, tu_done_cb, &d);
	assert_int_equal(ret, -EAGAIN);
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(c), 31);
	assert_int_equal(d.n, 31);
	assert_int_equal(vdk_nvme_cpl_sc(&d.cpl), VDK_NVME_SC_INVALID_OPCODE);
}

static void
test_nvme_admin_timeout_leaves_no_dangling_callback(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = VDK_NVME_OPC_IDENTIFY, .cdw10 = 1 };
	void *buf = vdk_dma_zmalloc(4096, 4096, NULL);
	struct vdk_nvme_cpl cpl = { .cdw0 = 0x1234 };

	(void)state;
	assert_int_equal(vdk_nvme_ctrlr_set_timeouts(c, 0, 30), 0);
	m->stall_admin = true;
	log_capture();
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, buf, 4096, &cpl), -ETIMEDOUT);
	log_expect("admin command 06h got no completion within 30 ms");
	assert_int_equal(cpl.cdw0, 0x1234);
	/* The answer comes late: it lands on nobody's stack, and the queue goes on. */
	m->stall_admin = false;
	nvme_model_step(m);
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(c), 1);
	assert_int_equal(vdk_nvme_ctrlr_set_timeouts(c, 0, 1000), 0);
	assert_int_equal(vdk_nvme_ctrlr_admin_sync(c, &cmd, buf, 4096, &cpl), 0);
	assert_false(vdk_nvme_cpl_is_error(&cpl));
	vdk_dma_free(buf);
}

static void
test_nvme_admin_poll_is_bounded_when_the_controller_keeps_posting(void **state)
{
	struct vdk_nvme_cmd cmd = { .opc = 0x7f };
	struct tu_flood f = { .m = m, .qp = c->adminq, .stop = 4 * 32 };
	int calls = 0;

	(void)state;
	m->overrun_cq = true;
	assert_int_equal(vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, tu_flood_cb, &f), 0);
	nvme_model_step(m);
	/* The admin queue has 32 entries: one call takes at most 31. */
	assert_int_equal(vdk_nvme_ctrlr_process_admin_completions(c), 31);
	assert_int_equal(f.n, 31);
	while (f.n < f.stop && calls++ < 100)
		assert_in_range(vdk_nvme_ctrlr_process_admin_completions(c), 1, 31);
	assert_int_equal(f.n, f.stop);
	m->overrun_cq = false;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_admin_sync_identify_passthrough, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_admin_sync_reports_error_status, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_admin_refuses_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_admin_raw_completes_through_admin_polling,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_admin_full_queue_says_eagain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_admin_timeout_leaves_no_dangling_callback,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nvme_admin_poll_is_bounded_when_the_controller_keeps_posting, setup,
			teardown),
	};

	return cmocka_run_group_tests_name("nvme_admin", tests, eal_up, eal_down);
}
