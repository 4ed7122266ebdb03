/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histograms and per-namespace counters. The histogram is
 * log-linear in TSC ticks (perf.h): adding a value is a shift and an
 * increment, cheap enough for every I/O, and any percentile is read back
 * within 3%.
 */
#include <stdlib.h>
#include <string.h>

#include "perf.h"

static inline unsigned int
hist_index(uint64_t v)
{
	unsigned int msb, shift, idx;

	if (v < (1u << PERF_HIST_SUB_BITS))
		return (unsigned int)v;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	shift = msb - PERF_HIST_SUB_BITS;
	idx = ((shift + 1) << PERF_HIST_SUB_BITS) +
	      (unsigned int)((v >> shift) - (1u << PERF_HIST_SUB_BITS));
	return idx < PERF_HIST_BUCKETS ? idx : PERF_HIST_BUCKETS - 1;
}

void
perf_hist_add(struct perf_hist *h, uint64_t ticks)
{
	h->bucket[hist_index(ticks)]++;
}

void
perf_hist_bucket_range(unsigned int i, uint64_t *lo, uint64_t *hi)
{
	unsigned int shift;
	uint64_t m;

	if (i < (1u << PERF_HIST_SUB_BITS)) {
		*lo = *hi = i;
		return;
	}
	shift = (i >> PERF_HIST_SUB_BITS) - 1;
	m = (i & ((1u << PERF_HIST_SUB_BITS) - 1)) + (1u << PERF_HIST_SUB_BITS);
	*lo = m << shift;
	*hi = ((m + 1) << shift) - 1;
}

uint64_t
perf_hist_count(const struct perf_hist *h)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++)
		n += h->bucket[i];
	return n;
}

void
perf_hist_merge(struct perf_hist *dst, const struct perf_hist *src)
{
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

/*
 * The upper end of the bucket that holds the I/O at rank ceil(q * n):
 * "q of the I/Os took at most this long", never an underestimate.
 */
uint64_t
perf_hist_percentile(const struct perf_hist *h, double q)
{
	uint64_t n = perf_hist_count(h), want, seen = 0, lo, hi;
	double x;

	if (n == 0)
		return 0;
	/* ceil(q * n), forgiving the rounding of q (0.01 * 10000 is not 100 in binary). */
	x = q * (double)n - 1e-9;
	want = x > 0 ? (uint64_t)x : 0;
	if ((double)want < x)
		want++;
	if (want == 0)
		want = 1;
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want) {
			perf_hist_bucket_range(i, &lo, &hi);
			return hi;
		}
	}
	return 0;
}

void
perf_stats_reset(struct perf_stats *s)
{
	struct perf_hist *h = s->hist;

	atomic_store_explicit(&s->ios, 0, memory_order_relaxed);
	atomic_store_explicit(&s->bytes, 0, memory_order_relaxed);
	s->errors = 0;
	s->verify_failures = 0;
	s->verify_writes = 0;
	s->verify_reads = 0;
	s->verify_read_errors = 0;
	memset(s->by_status, 0, sizeof(s->by_status));
	s->other_errors = 0;
	s->lat_sum = 0;
	s->lat_min = UINT64_MAX;
	s->lat_max = 0;
	if (h != NULL)
		memset(h, 0, sizeof(*h));
}

/* Add @count errors of @status (SC and SCT bits only) to @s's table. */
static void
perf_status_add(struct perf_stats *s, uint16_t status, uint64_t count)
{
	unsigned int i;

	for (i = 0; i < PERF_MAX_STATUS && s->by_status[i].count != 0; i++) {
		if (s->by_status[i].status == status) {
			s->by_status[i].count += count;
			return;
		}
	}
	if (i == PERF_MAX_STATUS) {
		s->other_errors += count;
		return;
	}
	s->by_status[i] = (struct perf_status_count){ .status = status, .count = count };
}

void
perf_stats_count_error(struct perf_stats *s, uint16_t status)
{
	/* The phase tag and the DNR, M and CRD bits do not make another status. */
	uint16_t key = status & (uint16_t)((VDK_NVME_STATUS_SC_MASK << VDK_NVME_STATUS_SC_SHIFT) |
					   (VDK_NVME_STATUS_SCT_MASK << VDK_NVME_STATUS_SCT_SHIFT));

	s->errors++;
	perf_status_add(s, key, 1);
}

void
perf_stats_merge(struct perf_stats *dst, const struct perf_stats *src)
{
	atomic_fetch_add(&dst->ios, atomic_load(&src->ios));
	atomic_fetch_add(&dst->bytes, atomic_load(&src->bytes));
	dst->errors += src->errors;
	dst->verify_failures += src->verify_failures;
	dst->verify_writes += src->verify_writes;
	dst->verify_reads += src->verify_reads;
	dst->verify_read_errors += src->verify_read_errors;
	for (unsigned int i = 0; i < PERF_MAX_STATUS && src->by_status[i].count != 0; i++)
		perf_status_add(dst, src->by_status[i].status, src->by_status[i].count);
	dst->other_errors += src->other_errors;
	dst->lat_sum += src->lat_sum;
	if (src->lat_min < dst->lat_min)
		dst->lat_min = src->lat_min;
	if (src->lat_max > dst->lat_max)
		dst->lat_max = src->lat_max;
	if (dst->hist != NULL && src->hist != NULL)
		perf_hist_merge(dst->hist, src->hist);
}

/* What a report prints; zero I/Os or zero time give zeroes, not NaN. */
void
perf_summarize(const struct perf_stats *s, double seconds, uint64_t tsc_hz,
	       struct perf_summary *out)
{
	uint64_t ios = atomic_load(&s->ios);
	double us_per_tick = tsc_hz != 0 ? 1e6 / (double)tsc_hz : 0;

	memset(out, 0, sizeof(*out));
	out->ios = ios;
	out->errors = s->errors;
	if (seconds > 0) {
		out->iops = (double)ios / seconds;
		out->mibps = (double)atomic_load(&s->bytes) / seconds / (1024.0 * 1024.0);
	}
	if (ios > 0) {
		out->mean_us = (double)s->lat_sum / (double)ios * us_per_tick;
		out->min_us = (double)s->lat_min * us_per_tick;
		out->max_us = (double)s->lat_max * us_per_tick;
	}
}
