/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/nvme-perf/perf_stats.c: the histogram's buckets cover every value
 * once and within 1/32 of it, percentiles are never below the truth and
 * never far above, merging adds up, errors are counted by status, and a
 * summary of nothing (no I/O, no time) is zeroes rather than a division
 * by zero.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "perf.h"

static void
test_nvme_perf_stats_buckets_tile_the_values(void **state)
{
	uint64_t lo, hi, prev_hi = 0;

	(void)state;
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++) {
		perf_hist_bucket_range(i, &lo, &hi);
		assert_true(hi >= lo);
		if (i > 0)
			assert_int_equal(lo, prev_hi + 1);
		/* Width at most 1/32 of the values it holds. */
		if (lo >= 32)
			assert_true((hi - lo + 1) * 32 <= lo);
		prev_hi = hi;
	}
}

static void
test_nvme_perf_stats_every_value_lands_in_its_bucket(void **state)
{
	static const uint64_t values[] = {
		0, 1, 31, 32, 33, 63, 64, 65, 1000, 4095, 4096, 123456789, 1ull << 40,
	};
	struct perf_hist *h = calloc(1, sizeof(*h));

	(void)state;
	for (unsigned int v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		uint64_t lo, hi;
		unsigned int i;

		memset(h, 0, sizeof(*h));
		perf_hist_add(h, values[v]);
		for (i = 0; i < PERF_HIST_BUCKETS && h->bucket[i] == 0; i++)
			;
		assert_true(i < PERF_HIST_BUCKETS);
		perf_hist_bucket_range(i, &lo, &hi);
		assert_true(values[v] >= lo && values[v] <= hi);
	}
	/* Beyond the last range: the last bucket, not out of bounds. */
	memset(h, 0, sizeof(*h));
	perf_hist_add(h, UINT64_MAX);
	assert_int_equal(h->bucket[PERF_HIST_BUCKETS - 1], 1);
	free(h);
}

static void
test_nvme_perf_stats_percentiles_bound_the_truth(void **state)
{
	struct perf_hist *h = calloc(1, sizeof(*h)), *h2 = calloc(1, sizeof(*h2));
	uint64_t p;

	(void)state;
	assert_int_equal(perf_hist_percentile(h, 0.5), 0);
	/* 1..10000 ticks, once each. */
	for (uint64_t v = 1; v <= 10000; v++)
		perf_hist_add(h, v);
	assert_int_equal(perf_hist_count(h), 10000);
	p = perf_hist_percentile(h, 0.5);
	assert_true(p >= 5000 && p <= 5000 + 5000 / 32 + 1);
	p = perf_hist_percentile(h, 0.99);
	assert_true(p >= 9900 && p <= 9900 + 9900 / 32 + 1);
	p = perf_hist_percentile(h, 0.999999);
	assert_true(p >= 10000 && p <= 10000 + 10000 / 32 + 1);
	p = perf_hist_percentile(h, 0.01);
	assert_true(p >= 100 && p <= 103);
	/* One slow I/O among many: the top percentile finds it. */
	perf_hist_add(h2, 1000000);
	for (int i = 0; i < 999; i++)
		perf_hist_add(h2, 10);
	assert_int_equal(perf_hist_percentile(h2, 0.99), 10);
	assert_true(perf_hist_percentile(h2, 0.9999) >= 1000000);
	perf_hist_merge(h2, h);
	assert_int_equal(perf_hist_count(h2), 11000);
	free(h);
	free(h2);
}

static void
test_nvme_perf_stats_summary_of_nothing_is_zero(void **state)
{
	struct perf_stats s = { 0 }, t = { 0 };
	struct perf_summary sum;

	(void)state;
	perf_stats_reset(&s);
	perf_summarize(&s, 0.0, 0, &sum);
	assert_true(sum.iops == 0 && sum.mibps == 0 && sum.mean_us == 0 && sum.min_us == 0 &&
		    sum.max_us == 0);
	assert_false(isnan(sum.mean_us));
	perf_summarize(&s, 2.0, 1000000000, &sum);
	assert_true(sum.iops == 0 && sum.mean_us == 0);
	/* I/Os but no time (a run cut before its window opened): no IOPS, real latency. */
	atomic_store(&s.ios, 4);
	atomic_store(&s.bytes, 4 * 4096);
	s.lat_sum = 4000;
	s.lat_min = 500;
	s.lat_max = 2000;
	perf_summarize(&s, 0.0, 1000000000, &sum);
	assert_true(sum.iops == 0 && !isinf(sum.iops));
	assert_true(fabs(sum.mean_us - 1.0) < 1e-9);
	perf_summarize(&s, 2.0, 1000000000, &sum);
	assert_true(fabs(sum.iops - 2.0) < 1e-9);
	assert_true(fabs(sum.mibps - 8192.0 / 1048576.0) < 1e-12);
	assert_true(fabs(sum.min_us - 0.5) < 1e-9 && fabs(sum.max_us - 2.0) < 1e-9);
	/* Merge: sums add, extremes stay extremes, errors add. */
	perf_stats_reset(&t);
	perf_stats_count_error(&t, 0x0103);
	perf_stats_merge(&t, &s);
	assert_int_equal(atomic_load(&t.ios), 4);
	assert_int_equal(t.lat_min, 500);
	assert_int_equal(t.lat_max, 2000);
	assert_int_equal(t.by_status[0].status, 0x0102);
	assert_int_equal(t.errors, 1);
}

/* The status of SCT @sct, SC @sc, with the phase tag and DNR set as a device may. */
static uint16_t
status_of(unsigned int sct, unsigned int sc)
{
	return (uint16_t)(VDK_NVME_SET(STATUS_SCT, sct) | VDK_NVME_SET(STATUS_SC, sc) |
			  VDK_NVME_SET(STATUS_DNR, 1) | 1u);
}

static void
test_nvme_perf_stats_errors_counted_by_status(void **state)
{
	struct perf_stats a, b;
	unsigned int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	perf_stats_reset(&a);
	perf_stats_reset(&b);
	perf_stats_count_error(&a, status_of(2, 0x81));
	/* Another phase tag or no DNR: the same status. */
	perf_stats_count_error(&a, (uint16_t)(status_of(2, 0x81) & ~1u));
	perf_stats_count_error(&a, (uint16_t)(VDK_NVME_SET(STATUS_SCT, 2) |
					      VDK_NVME_SET(STATUS_SC, 0x81)));
	perf_stats_count_error(&a, status_of(0, 0x08));
	assert_int_equal(a.errors, 4);
	assert_int_equal(a.by_status[0].count, 3);
	assert_int_equal(a.by_status[0].status, VDK_NVME_SET(STATUS_SCT, 2) |
						VDK_NVME_SET(STATUS_SC, 0x81));
	assert_int_equal(a.by_status[1].count, 1);
	assert_int_equal(a.by_status[2].count, 0);
	/* Past PERF_MAX_STATUS distinct statuses the rest are counted together. */
	for (i = 0; i < PERF_MAX_STATUS + 2; i++)
		perf_stats_count_error(&b, status_of(1, i + 0x10));
	assert_int_equal(b.errors, PERF_MAX_STATUS + 2);
	assert_int_equal(b.other_errors, 2);
	/*
	 * Merging adds per status: a keeps its two, six of b's eight take
	 * the free slots, b's last two and its own two others are others.
	 */
	perf_stats_merge(&a, &b);
	assert_int_equal(a.errors, 4 + PERF_MAX_STATUS + 2);
	assert_int_equal(a.by_status[0].count, 3);
	assert_int_equal(a.by_status[PERF_MAX_STATUS - 1].status,
			 VDK_NVME_SET(STATUS_SCT, 1) | VDK_NVME_SET(STATUS_SC, 0x15));
	assert_int_equal(a.other_errors, 4);
	{
		uint64_t sum = a.other_errors;

		for (i = 0; i < PERF_MAX_STATUS; i++)
			sum += a.by_status[i].count;
		assert_int_equal(sum, a.errors);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_perf_stats_buckets_tile_the_values),
		cmocka_unit_test(test_nvme_perf_stats_every_value_lands_in_its_bucket),
		cmocka_unit_test(test_nvme_perf_stats_percentiles_bound_the_truth),
		cmocka_unit_test(test_nvme_perf_stats_summary_of_nothing_is_zero),
		cmocka_unit_test(test_nvme_perf_stats_errors_counted_by_status),
	};

	return cmocka_run_group_tests_name("nvme_perf_stats", tests, NULL, NULL);
}
