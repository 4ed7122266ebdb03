/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver's telemetry commands over the in-process controller
 * model: /nvme/ctrlrs names the controller and counts its queue pairs,
 * /nvme/qpairs,NAME counts what a queue pair submitted, completed and
 * failed, and a name no controller has gets an error reply.
 */
#include <errno.h>
#include <jansson.h>

#include "test_nvme_util.h"
#include "telemetry_internal.h"

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

/* The value the reply to @req carries under @key, or NULL with an error reply. */
static json_t *
ask(const char *req, const char *key)
{
	char *reply = NULL;
	json_t *all, *v;

	assert_true(telemetry_handle(req, strlen(req), &reply) > 0);
	all = json_loads(reply, 0, NULL);
	assert_non_null(all);
	free(reply);
	v = json_incref(json_object_get(all, key));
	json_decref(all);
	if (json_is_null(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static void
test_nvme_telemetry_counts_what_a_qpair_did(void **state)
{
	struct vdk_nvme_qpair *qp = tu_qpair(c, 16);
	uint8_t *buf = vdk_dma_zmalloc(512, 512, NULL);
	struct tu_done d = { 0 };
	json_t *v, *q;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 7, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 3), 0);
	m->fail_opc = VDK_NVME_OPC_READ;
	m->fail_sqid = -1;
	m->fail_status = (uint16_t)(VDK_NVME_SET(STATUS_SCT, VDK_NVME_SCT_MEDIA_ERROR) |
				    VDK_NVME_SET(STATUS_SC, 0x81) | VDK_NVME_SET(STATUS_DNR, 1));
	m->fail_count = 1;
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 7, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(tu_wait(m, qp, &d, 4), 0);
	/* One more in flight: submitted and not completed. */
	assert_int_equal(vdk_nvme_ns_cmd_read(ns, qp, buf, 7, 1, tu_done_cb, &d, 0), 0);
	assert_int_equal(vdk_nvme_qpair_flush(qp), 0);

	v = ask("/nvme/ctrlrs", "/nvme/ctrlrs");
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "name")),
			    "model0");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 0), "io_qpairs")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 0), "namespaces")), 1);
	assert_true(json_is_false(json_object_get(json_array_get(v, 0), "failed")));
	json_decref(v);

	v = ask("/nvme/qpairs,model0", "/nvme/qpairs");
	assert_int_equal(json_array_size(v), 1);
	q = json_array_get(v, 0);
	assert_int_equal(json_integer_value(json_object_get(q, "qid")), vdk_nvme_qpair_id(qp));
	assert_int_equal(json_integer_value(json_object_get(q, "entries")), 16);
	assert_int_equal(json_integer_value(json_object_get(q, "cq_entries")), 17);
	assert_int_equal(json_integer_value(json_object_get(q, "submitted")), 5);
	assert_int_equal(json_integer_value(json_object_get(q, "completed")), 4);
	assert_int_equal(json_integer_value(json_object_get(q, "errors")), 1);
	assert_int_equal(json_integer_value(json_object_get(q, "outstanding")), 1);
	json_decref(v);

	assert_int_equal(tu_wait(m, qp, &d, 5), 0);
	vdk_dma_free(buf);
	vdk_nvme_ctrlr_free_io_qpair(qp);
	v = ask("/nvme/qpairs,model0", "/nvme/qpairs");
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);
}

static void
test_nvme_telemetry_refuses_an_unknown_controller(void **state)
{
	char *reply = NULL;

	(void)state;
	assert_null(ask("/nvme/qpairs,0000:00:09.0", "/nvme/qpairs"));
	assert_null(ask("/nvme/qpairs", "/nvme/qpairs"));
	assert_true(telemetry_handle("/nvme/qpairs,nope", 17, &reply) > 0);
	assert_non_null(strstr(reply, "no NVMe controller 'nope'"));
	free(reply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_telemetry_counts_what_a_qpair_did, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_telemetry_refuses_an_unknown_controller,
						setup, teardown),
	};
	int fails;

	if (eal_up(NULL) < 0)
		return 1;
	fails = cmocka_run_group_tests_name("nvme_telemetry", tests, NULL, NULL);
	eal_down(NULL);
	return fails;
}
