/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The results: spdk_nvme_perf's table (IOPS, MiB/s, mean/min/max latency
 * per namespace and core, then the total), with -L the percentiles from
 * 1% to 99.9999%, with -LL a compact histogram, and with --json the same
 * as a JSON document. What failed is said next to what it cost.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "perf.h"
#include "vdk_eal.h"

const double perf_percentiles[PERF_NB_PERCENTILES] = {
	0.01, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.98, 0.99, 0.995, 0.999,
	0.9999, 0.99999, 0.999999,
};

/* Fine buckets merged per histogram line: 8 lines for each power of two. */
#define PERF_HIST_GROUP 4

double
perf_ticks_us(const struct perf_run *r, uint64_t t)
{
	return r->tsc_hz != 0 ? (double)t * 1e6 / (double)r->tsc_hz : 0;
}

void
perf_run_total(const struct perf_run *r, struct perf_stats *tot, struct perf_hist *hist)
{
	memset(tot, 0, sizeof(*tot));
	tot->lat_min = UINT64_MAX;
	tot->hist = hist;
	for (unsigned int i = 0; i < r->nb_ctx; i++)
		perf_stats_merge(tot, &r->all[i]->stats);
}

/* "UNRECOVERED READ ERROR (SCT 2h, SC 81h)" for the status field @status. */
static void
perf_status_name(char *buf, size_t len, uint16_t status)
{
	struct vdk_nvme_cpl cpl = { .status = status };

	snprintf(buf, len, "%s (SCT %xh, SC %02xh)", vdk_nvme_cpl_status_str(&cpl),
		 vdk_nvme_cpl_sct(&cpl), vdk_nvme_cpl_sc(&cpl));
}

/* The failed I/Os of @c, one line a status. */
static void
perf_text_errors(FILE *f, const struct perf_run *r, const struct perf_ns_ctx *c)
{
	const struct perf_stats *s = &c->stats;
	char name[96];

	fprintf(f, "%s from core %u: %" PRIu64 " I/Os failed%s\n", c->name, c->lcore, s->errors,
		c->stopped ? "; the first stopped the namespace (--continue-on-error runs on)"
			   : r->p->continue_on_error ? ", the run went on" : "");
	for (unsigned int i = 0; i < PERF_MAX_STATUS && s->by_status[i].count != 0; i++) {
		perf_status_name(name, sizeof(name), s->by_status[i].status);
		fprintf(f, "  %12" PRIu64 "  %s\n", s->by_status[i].count, name);
	}
	if (s->other_errors > 0)
		fprintf(f, "  %12" PRIu64 "  of other statuses\n", s->other_errors);
}

static void
perf_line(FILE *f, const char *name, const struct perf_summary *s)
{
	fprintf(f, "%-48s: %12.2f %10.2f %10.2f %10.2f %10.2f\n", name, s->iops, s->mibps,
		s->mean_us, s->min_us, s->max_us);
}

static void
perf_text_latency(FILE *f, const struct perf_run *r, const struct perf_ns_ctx *c)
{
	const struct perf_hist *h = c->stats.hist;
	uint64_t total = perf_hist_count(h), cum = 0;

	fprintf(f, "\nSummary latency data for %s from core %u:\n", c->name, c->lcore);
	fprintf(f, "=================================================================================\n");
	if (total == 0) {
		fprintf(f, "  no I/O completed\n");
		return;
	}
	for (unsigned int i = 0; i < PERF_NB_PERCENTILES; i++)
		fprintf(f, "%10.5f%% : %12.3fus\n", perf_percentiles[i] * 100,
			perf_ticks_us(r, perf_hist_percentile(h, perf_percentiles[i])));
	if (r->p->latency < 2)
		return;
	fprintf(f, "\nLatency histogram for %s from core %u:\n", c->name, c->lcore);
	fprintf(f, "==============================================================================\n");
	fprintf(f, "       Range in us     Cumulative    IO count\n");
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i += PERF_HIST_GROUP) {
		uint64_t n = 0, lo, hi, unused;

		for (unsigned int j = i; j < i + PERF_HIST_GROUP && j < PERF_HIST_BUCKETS; j++)
			n += h->bucket[j];
		if (n == 0)
			continue;
		cum += n;
		perf_hist_bucket_range(i, &lo, &unused);
		perf_hist_bucket_range(VDK_MIN(i + PERF_HIST_GROUP, PERF_HIST_BUCKETS) - 1, &unused,
				       &hi);
		fprintf(f, "%10.3f - %10.3f: %9.4f%%  (%9" PRIu64 ")\n", perf_ticks_us(r, lo),
			perf_ticks_us(r, hi), (double)cum * 100.0 / (double)total, n);
	}
}

void
perf_report_text(FILE *f, const struct perf_run *r)
{
	struct perf_summary s;
	struct perf_stats tot;
	char name[96];
	bool trouble = false;

	fprintf(f, "========================================================\n");
	fprintf(f, "%-48s  %12s %10s %32s\n", "", "", "", "Latency(us)      ");
	fprintf(f, "%-48s: %12s %10s %10s %10s %10s\n", "Device Information", "IOPS", "MiB/s",
		"Average", "min", "max");
	for (unsigned int i = 0; i < r->nb_ctx; i++) {
		const struct perf_ns_ctx *c = r->all[i];

		snprintf(name, sizeof(name), "%s from core %2u", c->name, c->lcore);
		perf_summarize(&c->stats, r->elapsed_s, r->tsc_hz, &s);
		perf_line(f, name, &s);
		trouble |= c->failed || c->stats.errors > 0 || c->stats.verify_failures > 0 ||
			   (r->p->verify && perf_verify_short(&c->stats));
	}
	fprintf(f, "========================================================\n");
	perf_run_total(r, &tot, NULL);
	perf_summarize(&tot, r->elapsed_s, r->tsc_hz, &s);
	perf_line(f, "Total", &s);
	if (r->p->verify)
		fprintf(f, "verify: %" PRIu64 " writes, %" PRIu64 " read back and compared: "
			"%" PRIu64 " of the reads did not return what was written\n",
			tot.verify_writes, tot.verify_reads, tot.verify_failures);
	if (trouble) {
		fprintf(f, "\n");
		for (unsigned int i = 0; i < r->nb_ctx; i++) {
			const struct perf_ns_ctx *c = r->all[i];

			if (c->failed)
				fprintf(f, "%s from core %u: the controller failed (%s); the figures "
					"cover what completed before\n", c->name, c->lcore,
					strerror(c->fail_errno));
			if (c->stats.errors > 0)
				perf_text_errors(f, r, c);
			if (c->stats.verify_failures > 0)
				fprintf(f, "%s from core %u: %" PRIu64 " reads differ from the pattern "
					"written\n", c->name, c->lcore, c->stats.verify_failures);
			if (r->p->verify && perf_verify_short(&c->stats))
				fprintf(f, "%s from core %u: %" PRIu64 " I/Os written, %" PRIu64
					" read back: the rest were not checked\n", c->name,
					c->lcore, c->stats.verify_writes, c->stats.verify_reads);
		}
	}
	if (r->p->latency > 0)
		for (unsigned int i = 0; i < r->nb_ctx; i++)
			perf_text_latency(f, r, r->all[i]);
}

static json_t *
perf_json_stats(const struct perf_run *r, const struct perf_stats *st)
{
	struct perf_summary s;
	json_t *o, *lat, *by;

	perf_summarize(st, r->elapsed_s, r->tsc_hz, &s);
	lat = json_pack("{s:f, s:f, s:f}", "mean", s.mean_us, "min", s.min_us, "max", s.max_us);
	if (st->hist != NULL && lat != NULL) {
		json_t *pct = json_object(), *hist = json_array();

		for (unsigned int i = 0; i < PERF_NB_PERCENTILES; i++) {
			char key[16];

			snprintf(key, sizeof(key), "%.5f", perf_percentiles[i] * 100);
			json_object_set_new(pct, key, json_real(perf_ticks_us(r, perf_hist_percentile(
									 st->hist, perf_percentiles[i]))));
		}
		json_object_set_new(lat, "percentiles", pct);
		if (r->p->latency >= 2) {
			for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++) {
				uint64_t lo, hi;

				if (st->hist->bucket[i] == 0)
					continue;
				perf_hist_bucket_range(i, &lo, &hi);
				json_array_append_new(hist, json_pack("{s:f, s:f, s:I}",
					"from_us", perf_ticks_us(r, lo), "to_us", perf_ticks_us(r, hi),
					"count", (json_int_t)st->hist->bucket[i]));
			}
			json_object_set_new(lat, "histogram", hist);
		} else {
			json_decref(hist);
		}
	}
	by = json_array();
	for (unsigned int i = 0; i < PERF_MAX_STATUS && st->by_status[i].count != 0; i++) {
		struct vdk_nvme_cpl cpl = { .status = st->by_status[i].status };

		json_array_append_new(by, json_pack("{s:s, s:i, s:i, s:I}",
			"status", vdk_nvme_cpl_status_str(&cpl), "sct", vdk_nvme_cpl_sct(&cpl),
			"sc", vdk_nvme_cpl_sc(&cpl), "count", (json_int_t)st->by_status[i].count));
	}
	if (st->other_errors > 0)
		json_array_append_new(by, json_pack("{s:s, s:I}", "status", "other",
						    "count", (json_int_t)st->other_errors));
	o = json_pack("{s:f, s:f, s:I, s:I, s:o, s:I, s:I, s:I, s:o}", "iops", s.iops,
		      "mibps", s.mibps, "ios", (json_int_t)s.ios, "errors", (json_int_t)s.errors,
		      "errors_by_status", by,
		      "verify_failures", (json_int_t)st->verify_failures,
		      "verify_writes", (json_int_t)st->verify_writes,
		      "verify_reads", (json_int_t)st->verify_reads, "latency_us", lat);
	return o;
}

int
perf_report_json(const char *path, const struct perf_run *r)
{
	const struct perf_params *p = r->p;
	struct perf_stats tot;
	struct perf_hist *hist = NULL;
	json_t *root, *list;
	int ret = 0;

	if (p->latency > 0)
		hist = calloc(1, sizeof(*hist));
	perf_run_total(r, &tot, hist);
	list = json_array();
	for (unsigned int i = 0; i < r->nb_ctx; i++) {
		const struct perf_ns_ctx *c = r->all[i];
		json_t *o = perf_json_stats(r, &c->stats);

		json_object_set_new(o, "name", json_string(c->name));
		json_object_set_new(o, "controller", json_string(vdk_nvme_ctrlr_name(c->ctrlr)));
		json_object_set_new(o, "nsid", json_integer(vdk_nvme_ns_get_id(c->ns)));
		json_object_set_new(o, "core", json_integer(c->lcore));
		json_object_set_new(o, "failed", json_boolean(c->failed));
		json_object_set_new(o, "stopped_on_error", json_boolean(c->stopped));
		json_array_append_new(list, o);
	}
	root = json_pack("{s:s, s:{s:I, s:I, s:s, s:i, s:I, s:I, s:I, s:b, s:b, s:b, s:I}, s:f, s:o, "
			 "s:o}",
			 "version", vdk_version(),
			 "config",
			 "io_depth", (json_int_t)p->depth, "io_size", (json_int_t)p->io_size,
			 "io_pattern", perf_pattern_name(p->pattern), "rwmixread", p->rwmixread,
			 "time_s", (json_int_t)p->time_s, "warmup_s", (json_int_t)p->warmup_s,
			 "qpairs", (json_int_t)p->qpairs, "verify", p->verify, "interrupts", p->intr,
			 "continue_on_error", p->continue_on_error,
			 "cores", (json_int_t)r->nb_workers,
			 "elapsed_s", r->elapsed_s,
			 "namespaces", list,
			 "total", perf_json_stats(r, &tot));
	if (root == NULL || json_dump_file(root, path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "--json %s: cannot write it: %s\n", path, strerror(errno));
		ret = -EIO;
	}
	json_decref(root);
	free(hist);
	return ret;
}
