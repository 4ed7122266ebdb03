/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/nvme-perf/perf_report.c on results made by hand: the table's lines
 * and total, percentiles with -L, the histogram with -LL, the failure and
 * error notes, and the JSON document (parsed back) with the same numbers.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "perf.h"
#include "vdk_common.h"

static struct perf_run run;
static struct perf_params params;
static struct perf_ns_ctx ctx[2];
static char out[16384];

/* Two namespaces on cores 0 and 1; 1 GHz ticks, so 1000 ticks = 1 us. */
static int
setup(void **state)
{
	(void)state;
	memset(&run, 0, sizeof(run));
	memset(ctx, 0, sizeof(ctx));
	perf_params_defaults(&params);
	params.latency = 2;
	params.io_size = 4096;
	run.p = &params;
	run.tsc_hz = 1000000000;
	run.elapsed_s = 2.0;
	for (int i = 0; i < 2; i++) {
		snprintf(ctx[i].name, sizeof(ctx[i].name), "PCIE (0000:00:0%d.0) NSID 1", 4 + i);
		ctx[i].lcore = (unsigned int)i;
		ctx[i].stats.hist = calloc(1, sizeof(struct perf_hist));
		perf_stats_reset(&ctx[i].stats);
		run.all[run.nb_ctx++] = &ctx[i];
	}
	/* ctx 0: 1000 I/Os of 10..1009 us. */
	for (uint64_t v = 0; v < 1000; v++) {
		uint64_t t = (10 + v) * 1000;

		perf_hist_add(ctx[0].stats.hist, t);
		ctx[0].stats.lat_sum += t;
		ctx[0].stats.lat_min = VDK_MIN(ctx[0].stats.lat_min, t);
		ctx[0].stats.lat_max = VDK_MAX(ctx[0].stats.lat_max, t);
	}
	atomic_store(&ctx[0].stats.ios, 1000);
	atomic_store(&ctx[0].stats.bytes, 1000 * 4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		free(ctx[i].stats.hist);
	return 0;
}

static void
render(void)
{
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	memset(out, 0, sizeof(out));
	perf_report_text(f, &run);
	fclose(f);
}

static void
test_nvme_perf_report_table_and_total(void **state)
{
	(void)state;
	params.latency = 0;
	render();
	/* 1000 I/Os in 2 s; mean 509.5 us, min 10, max 1009. */
	assert_non_null(strstr(out, "PCIE (0000:00:04.0) NSID 1 from core  0         :       "
				    "500.00       1.95     509.50      10.00    1009.00"));
	assert_non_null(strstr(out, "PCIE (0000:00:05.0) NSID 1 from core  1         :         "
				    "0.00       0.00       0.00       0.00       0.00"));
	assert_non_null(strstr(out, "Total                                           :       "
				    "500.00       1.95     509.50      10.00    1009.00"));
	assert_null(strstr(out, "Summary latency data"));
	assert_null(strstr(out, "nan"));
}

static void
test_nvme_perf_report_percentiles_and_histogram(void **state)
{
	(void)state;
	render();
	assert_non_null(strstr(out, "Summary latency data for PCIE (0000:00:04.0) NSID 1 from core 0:"));
	/* The 50th percentile is the 500th I/O, 509 us, read from a 3% bucket. */
	{
		const char *l = strstr(out, "  50.00000% :");
		double v;

		assert_non_null(l);
		assert_int_equal(sscanf(l, " 50.00000%% : %lfus", &v), 1);
		assert_true(v >= 509 && v <= 509 * 1.04);
	}
	assert_non_null(strstr(out, "99.99990% :"));
	assert_non_null(strstr(out, "Latency histogram for PCIE (0000:00:04.0) NSID 1 from core 0:"));
	assert_non_null(strstr(out, "100.0000%  ("));
	/* The empty namespace says so instead of dividing by nothing. */
	assert_non_null(strstr(out, "no I/O completed"));
	params.latency = 1;
	render();
	assert_non_null(strstr(out, "99.00000% :"));
	assert_null(strstr(out, "Latency histogram"));
}

static void
test_nvme_perf_report_notes_failures_errors_and_verify(void **state)
{
	(void)state;
	params.latency = 0;
	params.verify = true;
	ctx[1].failed = true;
	ctx[1].fail_errno = ENXIO;
	perf_stats_count_error(&ctx[0].stats, (uint16_t)(VDK_NVME_SET(STATUS_SCT, 2) |
							 VDK_NVME_SET(STATUS_SC, 0x81)));
	perf_stats_count_error(&ctx[0].stats, (uint16_t)(VDK_NVME_SET(STATUS_SCT, 2) |
							 VDK_NVME_SET(STATUS_SC, 0x81)));
	perf_stats_count_error(&ctx[0].stats, (uint16_t)VDK_NVME_SET(STATUS_SC, 0x08));
	ctx[0].stopped = true;
	ctx[0].stats.verify_failures = 2;
	ctx[0].stats.verify_writes = 10;
	ctx[0].stats.verify_reads = 9;
	render();
	assert_non_null(strstr(out, "verify: 10 writes, 9 read back and compared: "
				    "2 of the reads did not return what was written"));
	assert_non_null(strstr(out, "NSID 1 from core 0: 10 I/Os written, 9 read back: the rest "
				    "were not checked"));
	assert_non_null(strstr(out, "PCIE (0000:00:05.0) NSID 1 from core 1: the controller failed"));
	assert_non_null(strstr(out, "NSID 1 from core 0: 3 I/Os failed; the first stopped the "
				    "namespace (--continue-on-error runs on)"));
	assert_non_null(strstr(out, "\n             2  UNRECOVERED READ ERROR (SCT 2h, SC 81h)\n"));
	assert_non_null(strstr(out, "\n             1  COMMAND ABORTED DUE TO SQ DELETION "
				    "(SCT 0h, SC 08h)\n"));
	assert_non_null(strstr(out, "2 reads differ from the pattern written"));
}

static void
test_nvme_perf_report_json_round_trips(void **state)
{
	char path[] = "/tmp/vdk-perf-report.XXXXXX";
	json_t *j, *ns0, *lat;
	json_error_t err;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	params.json = path;
	params.continue_on_error = true;
	perf_stats_count_error(&ctx[1].stats, (uint16_t)(VDK_NVME_SET(STATUS_SCT, 2) |
							 VDK_NVME_SET(STATUS_SC, 0x80)));
	assert_int_equal(perf_report_json(path, &run), 0);
	j = json_load_file(path, 0, &err);
	if (j == NULL)
		fail_msg("%s: %s", path, err.text);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "config"),
							      "io_pattern")), "randread");
	assert_true(fabs(json_real_value(json_object_get(j, "elapsed_s")) - 2.0) < 1e-9);
	assert_int_equal(json_array_size(json_object_get(j, "namespaces")), 2);
	ns0 = json_array_get(json_object_get(j, "namespaces"), 0);
	assert_string_equal(json_string_value(json_object_get(ns0, "name")),
			    "PCIE (0000:00:04.0) NSID 1");
	assert_int_equal(json_integer_value(json_object_get(ns0, "core")), 0);
	assert_true(fabs(json_real_value(json_object_get(ns0, "iops")) - 500.0) < 1e-9);
	lat = json_object_get(ns0, "latency_us");
	assert_true(fabs(json_real_value(json_object_get(lat, "mean")) - 509.5) < 1e-9);
	assert_non_null(json_object_get(json_object_get(lat, "percentiles"), "99.99990"));
	assert_true(json_array_size(json_object_get(lat, "histogram")) > 10);
	assert_true(json_is_true(json_object_get(json_object_get(j, "config"), "continue_on_error")));
	{
		json_t *ns1 = json_array_get(json_object_get(j, "namespaces"), 1);
		json_t *e = json_array_get(json_object_get(ns1, "errors_by_status"), 0);

		assert_int_equal(json_integer_value(json_object_get(ns1, "errors")), 1);
		assert_int_equal(json_array_size(json_object_get(ns1, "errors_by_status")), 1);
		assert_string_equal(json_string_value(json_object_get(e, "status")), "WRITE FAULT");
		assert_int_equal(json_integer_value(json_object_get(e, "sct")), 2);
		assert_int_equal(json_integer_value(json_object_get(e, "sc")), 0x80);
		assert_int_equal(json_integer_value(json_object_get(e, "count")), 1);
		assert_false(json_is_true(json_object_get(ns1, "stopped_on_error")));
		/* The total carries it too. */
		assert_int_equal(json_array_size(json_object_get(json_object_get(j, "total"),
								 "errors_by_status")), 1);
	}
	assert_true(fabs(json_real_value(json_object_get(json_object_get(j, "total"), "iops")) -
			 500.0) < 1e-9);
	json_decref(j);
	unlink(path);
	/* A file that cannot be written is an error, said plainly. */
	assert_int_equal(perf_report_json("/nonexistent-dir/x.json", &run), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_perf_report_table_and_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_report_percentiles_and_histogram, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_report_notes_failures_errors_and_verify,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_report_json_round_trips, setup, teardown),
	};

	return cmocka_run_group_tests_name("nvme_perf_report", tests, NULL, NULL);
}
