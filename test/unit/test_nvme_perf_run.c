/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/nvme-perf/perf_run.c against the controller model (running in a
 * thread, as a device would): every workload type moves the I/O it
 * should, two cores with two queue pairs each, --verify passes on good
 * data and catches bad, a controller that goes fatal mid-run or in the
 * warm-up ends the run with what completed (no division by zero), an I/O
 * error stops the namespace unless --continue-on-error, --plot's IOPS
 * samples add up to the I/Os counted, and the set-up
 * refusals a user meets.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "perf.h"
#include "test_nvme_util.h"

#define ADDR "0000:00:0f.0"

static struct nvme_model *m;
static struct vdk_nvme_ctrlr *c;
static struct perf_run run;
static char out_buf[8192];

static int
setup(void **state)
{
	struct nvme_ctrlr_cfg cfg;

	(void)state;
	m = nvme_model_create();
	nvme_model_add_ns(m, 1, 4096, 9, 0, false);
	nvme_model_run(m);
	nvme_ctrlr_cfg_default(&cfg);
	cfg.io_queues = 8;
	c = nvme_model_attach(m, ADDR, &cfg);
	return c == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	perf_teardown(&run);
	nvme_model_stop(m);
	nvme_ctrlr_destroy(c, false);
	nvme_model_free(m);
	return 0;
}

static void
params(struct perf_params *p, enum perf_pattern pat, uint32_t depth)
{
	perf_params_defaults(p);
	p->pattern = pat;
	p->depth = depth;
	p->time_s = 1;
	p->latency = 1;
	p->nb_targets = 1;
	snprintf(p->targets[0].traddr, sizeof(p->targets[0].traddr), ADDR);
	if (pat == PERF_RW || pat == PERF_RANDRW)
		p->rwmixread = 50;
}

/* Run @fn with stdout and stderr going to out_buf. */
static int
captured(int (*fn)(struct perf_run *, struct perf_params *), struct perf_params *p)
{
	FILE *f = tmpfile();
	int o = dup(1), e = dup(2), ret;

	fflush(stdout);
	fflush(stderr);
	dup2(fileno(f), 1);
	dup2(fileno(f), 2);
	ret = fn(&run, p);
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	rewind(f);
	memset(out_buf, 0, sizeof(out_buf));
	(void)!fread(out_buf, 1, sizeof(out_buf) - 1, f);
	fclose(f);
	return ret;
}

static int
execute(struct perf_run *r, struct perf_params *p)
{
	(void)p;
	return perf_execute(r);
}

static void
report(struct perf_run *r)
{
	FILE *f = fmemopen(out_buf, sizeof(out_buf) - 1, "w");

	memset(out_buf, 0, sizeof(out_buf));
	perf_report_text(f, r);
	fclose(f);
}

static uint64_t
total_ios(const struct perf_run *r)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < r->nb_ctx; i++)
		n += atomic_load(&r->all[i]->stats.ios);
	return n;
}

/*
 * --plot's IOPS over time: samples at rising times, the last at the end
 * of the measured window, adding up to every I/O counted. A main thread
 * descheduled on a loaded machine takes fewer than the ten of 100 ms.
 */
static void
assert_samples_add_up(const struct perf_run *r)
{
	uint64_t ios = 0;

	assert_true(r->nb_samples >= 1);
	for (unsigned int i = 0; i < r->nb_samples; i++) {
		ios += r->samples[i].ios;
		if (i > 0)
			assert_true(r->samples[i].t_s > r->samples[i - 1].t_s);
	}
	assert_int_equal(ios, total_ios(r));
	assert_true(fabs(r->samples[r->nb_samples - 1].t_s - r->elapsed_s) < 1e-6);
}

static void
test_nvme_perf_run_every_workload_moves_its_io(void **state)
{
	static const enum perf_pattern pats[] = {
		PERF_READ, PERF_WRITE, PERF_RANDREAD, PERF_RANDWRITE, PERF_RW, PERF_RANDRW,
	};
	struct perf_params p;

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(pats); i++) {
		uint64_t reads = m->nb_io_opc[VDK_NVME_OPC_READ];
		uint64_t writes = m->nb_io_opc[VDK_NVME_OPC_WRITE];

		params(&p, pats[i], 4);
		assert_int_equal(captured(perf_setup, &p), 0);
		assert_int_equal(captured(execute, &p), 0);
		/*
		 * The live line, once a second. Its second is not checked: a
		 * main thread descheduled for a second on a loaded machine
		 * prints "[  2s]", and that is right.
		 */
		assert_non_null(strstr(out_buf, "s] "));
		assert_non_null(strstr(out_buf, " IOPS, "));
		assert_true(total_ios(&run) > 0);
		assert_int_equal(run.all[0]->stats.errors, 0);
		assert_true(run.elapsed_s > 0.99 && run.elapsed_s < 1.01);
		assert_samples_add_up(&run);
		reads = m->nb_io_opc[VDK_NVME_OPC_READ] - reads;
		writes = m->nb_io_opc[VDK_NVME_OPC_WRITE] - writes;
		switch (pats[i]) {
		case PERF_READ:
		case PERF_RANDREAD:
			assert_true(reads > 0 && writes == 0);
			break;
		case PERF_WRITE:
		case PERF_RANDWRITE:
			assert_true(writes > 0 && reads == 0);
			break;
		default:
			/* -M 50: about half each. */
			assert_true(reads > 0 && writes > 0);
			assert_true(reads * 3 > writes && writes * 3 > reads);
			break;
		}
		report(&run);
		assert_non_null(strstr(out_buf, "PCIE (" ADDR ") NSID 1 from core  0"));
		assert_non_null(strstr(out_buf, "99.00000%"));
		perf_teardown(&run);
		/* Every queue pair went back to the controller. */
		assert_null(c->qpairs);
	}
}

static void
test_nvme_perf_run_two_cores_two_qpairs_each(void **state)
{
	struct perf_params p;

	(void)state;
	params(&p, PERF_RANDREAD, 8);
	p.core_mask = 0x3;
	p.core_mask_set = true;
	p.qpairs = 2;
	assert_int_equal(captured(perf_setup, &p), 0);
	assert_int_equal(run.nb_workers, 2);
	assert_int_equal(run.nb_ctx, 2);
	assert_int_equal(run.all[0]->nb_qp, 2);
	/*
	 * Four queue pairs of 4 + 1 submission entries (8 I/Os a core split
	 * over two) and, from the driver, a completion entry to spare so that
	 * their completion queues never fill.
	 */
	assert_int_equal(run.all[1]->qp[1]->entries, 5);
	assert_int_equal(run.all[1]->qp[1]->cq_entries, 6);
	assert_int_equal(captured(execute, &p), 0);
	assert_true(atomic_load(&run.all[0]->stats.ios) > 0);
	assert_true(atomic_load(&run.all[1]->stats.ios) > 0);
	/* lcore 1 counts while the main lcore samples. */
	assert_samples_add_up(&run);
	assert_int_equal(run.all[0]->lcore, 0);
	assert_int_equal(run.all[1]->lcore, 1);
}

static void
test_nvme_perf_run_verify_passes_and_catches_corruption(void **state)
{
	struct perf_params p;

	(void)state;
	params(&p, PERF_RANDWRITE, 8);
	p.verify = true;
	assert_int_equal(captured(perf_setup, &p), 0);
	assert_int_equal(captured(execute, &p), 0);
	assert_true(total_ios(&run) > 0);
	assert_int_equal(run.all[0]->stats.verify_failures, 0);
	assert_true(m->nb_io_opc[VDK_NVME_OPC_READ] > 0);
	/* Every block written was read back, those written as the window closed too. */
	assert_true(run.all[0]->stats.verify_writes > 0);
	assert_int_equal(run.all[0]->stats.verify_reads, run.all[0]->stats.verify_writes);
	assert_int_equal(m->nb_io_opc[VDK_NVME_OPC_READ], run.all[0]->stats.verify_reads);
	assert_int_equal(m->nb_io_opc[VDK_NVME_OPC_WRITE], run.all[0]->stats.verify_writes);
	perf_teardown(&run);

	m->corrupt_reads = true;
	params(&p, PERF_WRITE, 4);
	p.verify = true;
	assert_int_equal(captured(perf_setup, &p), 0);
	assert_int_equal(captured(execute, &p), 0);
	m->corrupt_reads = false;
	assert_true(run.all[0]->stats.verify_failures > 0);
	report(&run);
	assert_non_null(strstr(out_buf, "reads differ from the pattern written"));
}

static void
test_nvme_perf_run_io_error_stops_the_namespace_unless_continue_on_error(void **state)
{
	uint16_t status = (uint16_t)(VDK_NVME_SET(STATUS_SCT, VDK_NVME_SCT_MEDIA_ERROR) |
				     VDK_NVME_SET(STATUS_SC, 0x81));
	struct perf_ns_ctx *ctx;
	struct perf_params p;

	(void)state;
	/* Three reads fail: the first stops the namespace, what was in flight drains. */
	params(&p, PERF_RANDREAD, 4);
	p.time_s = 5;
	m->fail_status = status;
	m->fail_count = 3;
	m->fail_opc = VDK_NVME_OPC_READ;
	assert_int_equal(captured(perf_setup, &p), 0);
	assert_int_equal(captured(execute, &p), 0);
	ctx = run.all[0];
	assert_true(ctx->stopped);
	assert_false(ctx->failed);
	assert_true(ctx->stats.errors >= 1 && ctx->stats.errors <= 3);
	assert_int_equal(ctx->in_flight, 0);
	/* Ended when the namespace stopped, not after the 5 s asked for. */
	assert_true(run.elapsed_s < 4);
	assert_int_equal(vdk_nvme_qpair_outstanding(ctx->qp[0]), 0);
	report(&run);
	assert_non_null(strstr(out_buf, "I/Os failed; the first stopped the namespace"));
	assert_non_null(strstr(out_buf, "UNRECOVERED READ ERROR (SCT 2h, SC 81h)"));
	perf_teardown(&run);
	m->fail_count = 0;

	/* --continue-on-error: the same errors are counted and the run goes on. */
	params(&p, PERF_RANDREAD, 4);
	p.continue_on_error = true;
	m->fail_count = 3;
	assert_int_equal(captured(perf_setup, &p), 0);
	assert_int_equal(captured(execute, &p), 0);
	m->fail_opc = -1;
	ctx = run.all[0];
	assert_false(ctx->stopped);
	assert_int_equal(ctx->stats.errors, 3);
	assert_int_equal(ctx->stats.by_status[0].status, status);
	assert_int_equal(ctx->stats.by_status[0].count, 3);
	assert_true(atomic_load(&ctx->stats.ios) > 3);
	assert_true(run.elapsed_s > 0.99);
	report(&run);
	assert_non_null(strstr(out_buf, "3 I/Os failed, the run went on"));
}

struct fatal_later {
	struct nvme_model *m;
	unsigned int ms;
};

static void *
fatal_thread(void *arg)
{
	struct fatal_later *f = arg;
	struct timespec ts = { f->ms / 1000, (long)(f->ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
	f->m->fatal = true;
	return NULL;
}

static void
test_nvme_perf_run_controller_failing_mid_run_reports_what_completed(void **state)
{
	struct fatal_later f = { m, 400 };
	struct perf_summary s;
	struct perf_params p;
	pthread_t th;

	(void)state;
	params(&p, PERF_RANDREAD, 16);
	p.time_s = 10;
	assert_int_equal(captured(perf_setup, &p), 0);
	pthread_create(&th, NULL, fatal_thread, &f);
	assert_int_equal(captured(execute, &p), 0);
	pthread_join(th, NULL);
	assert_true(run.all[0]->failed);
	assert_int_equal(run.all[0]->fail_errno, ENXIO);
	/* Ended near the failure, not after the 10 s asked for. */
	assert_true(run.elapsed_s > 0.3 && run.elapsed_s < 5);
	assert_true(total_ios(&run) > 0);
	perf_summarize(&run.all[0]->stats, run.elapsed_s, run.tsc_hz, &s);
	assert_true(s.iops > 0 && !isnan(s.mean_us) && !isinf(s.iops));
	report(&run);
	assert_non_null(strstr(out_buf, "the controller failed (No such device or address); "
				       "the figures cover what completed before"));
}

static void
test_nvme_perf_run_failure_in_warm_up_reports_zeroes(void **state)
{
	struct fatal_later f = { m, 100 };
	struct perf_params p;
	pthread_t th;
	char path[] = "/tmp/vdk-perf-json.XXXXXX";
	json_t *j;
	int fd;

	(void)state;
	params(&p, PERF_RANDREAD, 4);
	p.warmup_s = 3;
	assert_int_equal(captured(perf_setup, &p), 0);
	pthread_create(&th, NULL, fatal_thread, &f);
	assert_int_equal(captured(execute, &p), 0);
	pthread_join(th, NULL);
	assert_true(run.all[0]->failed);
	assert_true(run.elapsed_s == 0.0);
	assert_int_equal(total_ios(&run), 0);
	report(&run);
	assert_non_null(strstr(out_buf, "0.00       0.00       0.00       0.00       0.00"));
	assert_null(strstr(out_buf, "nan"));
	assert_null(strstr(out_buf, "inf"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(perf_report_json(path, &run), 0);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	assert_true(json_real_value(json_object_get(json_object_get(j, "total"), "iops")) == 0);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "namespaces"),
								0), "failed")));
	json_decref(j);
	unlink(path);
}

/* A controller with MQES 7: queues of at most 8 entries. */
static int
setup_mqes7(void **state)
{
	struct nvme_ctrlr_cfg cfg;

	(void)state;
	m = nvme_model_create();
	m->cap = (m->cap & ~(uint64_t)VDK_NVME_CAP_MQES_MASK) | 7;
	nvme_model_add_ns(m, 1, 4096, 9, 0, false);
	nvme_model_run(m);
	nvme_ctrlr_cfg_default(&cfg);
	c = nvme_model_attach(m, ADDR, &cfg);
	return c == NULL ? -1 : 0;
}

/*
 * The submission queue holds the depth (depth + 1 entries) and the
 * driver's completion queue is one entry above what the depth fills
 * (QEMU's model wakes its main loop whenever a head doorbell un-fills a
 * completion queue: doc/nvme.md), but never above CAP.MQES + 1, where a
 * full queue is only slower. Runs from QD1 to the deepest the controller
 * takes.
 */
static void
test_nvme_perf_run_queue_one_above_depth_within_mqes(void **state)
{
	static const uint32_t depth[] = { 1, 5, 6, 7 }, entries[] = { 2, 6, 7, 8 },
			      cq_entries[] = { 3, 7, 8, 8 };
	struct perf_params p;

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(depth); i++) {
		params(&p, PERF_RANDREAD, depth[i]);
		assert_int_equal(captured(perf_setup, &p), 0);
		assert_int_equal(run.all[0]->qp[0]->entries, entries[i]);
		assert_int_equal(run.all[0]->qp[0]->cq_entries, cq_entries[i]);
		perf_teardown(&run);
	}
	/* At the cap the depth fills the queue: slower on QEMU, still right. */
	assert_int_equal(captured(perf_setup, &p), 0);
	assert_int_equal(captured(execute, &p), 0);
	assert_true(atomic_load(&run.all[0]->stats.ios) > 0);
	assert_int_equal(run.all[0]->qp[0]->errors, 0);
}

static void
test_nvme_perf_run_setup_refusals(void **state)
{
	struct perf_params p;

	(void)state;
	params(&p, PERF_RANDREAD, 4096);
	assert_int_equal(captured(perf_setup, &p), -EINVAL);
	assert_non_null(strstr(out_buf, "-q 4096 puts 4096 I/Os on a queue pair, above what "
				       ADDR " takes: CAP.MQES = 2047"));
	perf_teardown(&run);
	params(&p, PERF_RANDREAD, 1);
	p.io_size = 1000;
	assert_int_equal(captured(perf_setup, &p), -EINVAL);
	assert_non_null(strstr(out_buf, "-o 1000 is not a multiple of the block size of " ADDR
				       " namespace 1 (512 bytes)"));
	perf_teardown(&run);
	params(&p, PERF_RANDREAD, 1);
	p.io_size = 1u << 20;
	assert_int_equal(captured(perf_setup, &p), -EINVAL);
	assert_non_null(strstr(out_buf, "exceeds the largest transfer"));
	perf_teardown(&run);
	params(&p, PERF_RANDREAD, 1);
	p.targets[0].nsid = 9;
	assert_int_equal(captured(perf_setup, &p), -ENOENT);
	assert_non_null(strstr(out_buf, "namespace 9 of " ADDR " does not exist or is not active "
				       "(active: 1)"));
	perf_teardown(&run);
	params(&p, PERF_RANDREAD, 1);
	p.core_mask = 0x4;
	p.core_mask_set = true;
	assert_int_equal(captured(perf_setup, &p), -EINVAL);
	assert_non_null(strstr(out_buf, "lcore 2 is not enabled"));
	perf_teardown(&run);
	/* No controller: the EAL runs --no-pci, so -r cannot attach one. */
	params(&p, PERF_RANDREAD, 1);
	snprintf(p.targets[0].traddr, sizeof(p.targets[0].traddr), "0000:00:04.0");
	assert_true(captured(perf_setup, &p) < 0);
	assert_non_null(strstr(out_buf, "no NVMe controller found"));
	perf_teardown(&run);
	/* Nothing was left allocated by the refusals. */
	assert_null(c->qpairs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_perf_run_every_workload_moves_its_io, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_run_two_cores_two_qpairs_each, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_run_verify_passes_and_catches_corruption,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nvme_perf_run_io_error_stops_the_namespace_unless_continue_on_error, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_nvme_perf_run_controller_failing_mid_run_reports_what_completed, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_run_failure_in_warm_up_reports_zeroes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_run_setup_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_run_queue_one_above_depth_within_mqes,
						setup_mqes7, teardown),
	};

	return cmocka_run_group_tests_name("nvme_perf_run", tests, eal_up, eal_down);
}
