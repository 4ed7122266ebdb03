/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --plot FILE.svg: the run drawn for a browser, written here with no
 * plotting library. Three panels: the latency histogram (log latency
 * axis, I/Os per bucket), the latency CDF (log latency axis against a
 * "nines" axis, -log10(1 - F), so that the tail percentiles are as far
 * apart as the median and 90%, with the -L percentiles marked), and IOPS
 * over time from the samples perf_execute() takes. Latency is of every
 * namespace and core together (perf_run_total()).
 *
 * The marks carry their figures as attributes (class="pct",
 * data-percentile, data-us; the samples class="sample", data-t, data-ios)
 * in the same rounding as the text report, so a test reads them back.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"
#include "vdk_common.h"

#define SVG_W      960
#define SVG_H      860
#define PLOT_L     80     /* left edge of every panel's plot area */
#define LAT_W      560    /* width of the latency panels' plot areas */
#define IOPS_W     820
#define HIST_TOP   70
#define HIST_H     190
#define CDF_TOP    330
#define CDF_H      240
#define IOPS_TOP   640
#define IOPS_H     170
#define CDF_NINES  6      /* the CDF's axis ends at 99.9999% */

/* The colours the render check looks for (test/unit/check_perf_svg.py). */
#define COLOR_HIST "#4477aa"
#define COLOR_CDF  "#cc6677"
#define COLOR_IOPS "#228833"
#define COLOR_MARK "#aa3377"

/* @s as SVG text: the five characters XML reserves, escaped. */
static void
svg_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void
label(FILE *f, double x, double y, const char *anchor, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
	svg_text(f, s);
	fputs("</text>\n", f);
}

/* A log latency axis over whole decades, shared by the two latency panels. */
struct log_axis {
	int lo;                   /* log10 of the left edge, in us */
	int hi;
};

static double
log_x(const struct log_axis *a, double us)
{
	double l = us > 0 ? log10(us) : a->lo;

	l = VDK_MAX((double)a->lo, VDK_MIN((double)a->hi, l));
	return PLOT_L + (l - a->lo) / (a->hi - a->lo) * LAT_W;
}

static void
log_axis_draw(FILE *f, const struct log_axis *a, double bottom)
{
	static const char *const unit[] = { "ns", "us", "ms", "s" };
	char s[32];

	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000\"/>\n",
		PLOT_L, bottom, PLOT_L + LAT_W, bottom);
	for (int d = a->lo; d <= a->hi; d++) {
		/* 10^d us, d >= -3 (1 ns): in ns, us, ms or s. */
		int e = d + 3, u = VDK_MIN(e / 3, 3), mant = e - 3 * u;
		double x = log_x(a, pow(10, d));

		snprintf(s, sizeof(s), "%.0f %s", pow(10, mant), unit[u]);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			x, bottom, x, bottom - (bottom == HIST_TOP + HIST_H ? HIST_H : CDF_H));
		label(f, x, bottom + 16, "middle", s);
	}
	label(f, PLOT_L + LAT_W / 2.0, bottom + 34, "middle", "latency (log scale)");
}

/* A round step giving about @n ticks up to @max: 1, 2 or 5 times a power of ten. */
static double
nice_step(double max, int n)
{
	double raw = max / n, p = pow(10, floor(log10(raw)));

	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	if (raw <= 5 * p)
		return 5 * p;
	return 10 * p;
}

/* The "nines" of a cumulative fraction: 0 at 0, 2 at 99%, CDF_NINES at the top. */
static double
cdf_y(double frac)
{
	double n = frac >= 1 ? CDF_NINES : -log10(1 - frac);

	n = VDK_MAX(0.0, VDK_MIN((double)CDF_NINES, n));
	return CDF_TOP + CDF_H - n / CDF_NINES * CDF_H;
}

static void
no_data(FILE *f, double top, double h, const char *why)
{
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#999\"/>\n", PLOT_L, top, LAT_W, h);
	label(f, PLOT_L + LAT_W / 2.0, top + h / 2, "middle", why);
}

static void
plot_histogram(FILE *f, const struct perf_run *r, const struct perf_hist *h,
	       const struct log_axis *a)
{
	uint64_t max = 0, lo, hi;
	char s[48];

	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++)
		max = VDK_MAX(max, h->bucket[i]);
	fprintf(f, "<g class=\"histogram\" fill=\"" COLOR_HIST "\">\n");
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++) {
		double x0, x1, bh;

		if (h->bucket[i] == 0)
			continue;
		perf_hist_bucket_range(i, &lo, &hi);
		x0 = log_x(a, perf_ticks_us(r, lo));
		x1 = log_x(a, perf_ticks_us(r, hi + 1));
		bh = (double)h->bucket[i] / (double)max * HIST_H;
		fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
			"data-count=\"%" PRIu64 "\"/>\n", x0, HIST_TOP + HIST_H - bh,
			VDK_MAX(x1 - x0, 1.0), bh, h->bucket[i]);
	}
	fputs("</g>\n", f);
	snprintf(s, sizeof(s), "%" PRIu64, max);
	label(f, PLOT_L - 6, HIST_TOP + 5, "end", s);
	label(f, PLOT_L - 6, HIST_TOP + HIST_H, "end", "0");
	fprintf(f, "<text transform=\"translate(24 %d) rotate(-90)\" text-anchor=\"middle\">"
		"I/Os per bucket</text>\n", HIST_TOP + HIST_H / 2);
	log_axis_draw(f, a, HIST_TOP + HIST_H);
}

static void
plot_cdf(FILE *f, const struct perf_run *r, const struct perf_hist *h, const struct log_axis *a)
{
	static const char *const nines[] = {
		"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%",
	};
	uint64_t total = perf_hist_count(h), cum = 0, lo, hi;
	bool first = true;

	for (int n = 0; n <= CDF_NINES; n++) {
		double y = CDF_TOP + CDF_H - (double)n / CDF_NINES * CDF_H;

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			PLOT_L, y, PLOT_L + LAT_W, y);
		label(f, PLOT_L - 6, y + 4, "end", nines[n]);
	}
	fprintf(f, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">"
		"I/Os completed within (CDF)</text>\n", CDF_TOP + CDF_H / 2);
	fputs("<polyline class=\"cdf\" fill=\"none\" stroke=\"" COLOR_CDF "\" stroke-width=\"2\" "
	      "points=\"", f);
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++) {
		if (h->bucket[i] == 0)
			continue;
		perf_hist_bucket_range(i, &lo, &hi);
		if (first)
			fprintf(f, "%.2f,%.2f ", log_x(a, perf_ticks_us(r, lo)), cdf_y(0));
		first = false;
		cum += h->bucket[i];
		fprintf(f, "%.2f,%.2f ", log_x(a, perf_ticks_us(r, hi + 1)),
			cdf_y((double)cum / (double)total));
	}
	fputs("\"/>\n", f);
	/* The percentiles the text report prints, marked and listed beside the plot. */
	label(f, PLOT_L + LAT_W + 30, CDF_TOP - 8, "start", "percentile : latency");
	for (unsigned int i = 0; i < PERF_NB_PERCENTILES; i++) {
		double q = perf_percentiles[i];
		double us = perf_ticks_us(r, perf_hist_percentile(h, q));
		double x = log_x(a, us), y = cdf_y(q);
		char pct[16], val[24], s[64];

		snprintf(pct, sizeof(pct), "%.5f", q * 100);
		snprintf(val, sizeof(val), "%.3f", us);
		fprintf(f, "<circle class=\"pct\" cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"" COLOR_MARK
			"\" data-percentile=\"%s\" data-us=\"%s\"><title>%s%% : %s us</title></circle>\n",
			x, y, pct, val, pct, val);
		snprintf(s, sizeof(s), "%s%% : %s us", pct, val);
		label(f, PLOT_L + LAT_W + 30, CDF_TOP + 14 + i * 16, "start", s);
	}
	log_axis_draw(f, a, CDF_TOP + CDF_H);
}

static void
plot_iops(FILE *f, const struct perf_run *r)
{
	double t_end = r->samples[r->nb_samples - 1].t_s, max = 0, prev = 0, step, tstep;
	char s[48];

	for (unsigned int i = 0; i < r->nb_samples; i++) {
		double dt = r->samples[i].t_s - prev;

		if (dt > 0)
			max = VDK_MAX(max, (double)r->samples[i].ios / dt);
		prev = r->samples[i].t_s;
	}
	if (max <= 0)
		max = 1;
	step = nice_step(max, 4);
	max = ceil(max / step) * step;
	for (double v = 0; v <= max + step / 2; v += step) {
		double y = IOPS_TOP + IOPS_H - v / max * IOPS_H;

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			PLOT_L, y, PLOT_L + IOPS_W, y);
		snprintf(s, sizeof(s), "%.0f", v);
		label(f, PLOT_L - 6, y + 4, "end", s);
	}
	tstep = nice_step(t_end, 8);
	for (double t = 0; t <= t_end + 1e-9; t += tstep) {
		double x = PLOT_L + t / t_end * IOPS_W;

		snprintf(s, sizeof(s), "%g s", t);
		label(f, x, IOPS_TOP + IOPS_H + 16, "middle", s);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", PLOT_L,
		IOPS_TOP + IOPS_H, PLOT_L + IOPS_W, IOPS_TOP + IOPS_H);
	fprintf(f, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">"
		"IOPS</text>\n", IOPS_TOP + IOPS_H / 2);
	label(f, PLOT_L + IOPS_W / 2.0, IOPS_TOP + IOPS_H + 34, "middle",
	      "time into the measurement");
	/* Each interval a level: its I/Os over its length. */
	fputs("<polyline class=\"iops\" fill=\"none\" stroke=\"" COLOR_IOPS "\" stroke-width=\"2\" "
	      "points=\"", f);
	prev = 0;
	for (unsigned int i = 0; i < r->nb_samples; i++) {
		double dt = r->samples[i].t_s - prev;
		double v = dt > 0 ? (double)r->samples[i].ios / dt : 0;
		double y = IOPS_TOP + IOPS_H - v / max * IOPS_H;

		fprintf(f, "%.2f,%.2f %.2f,%.2f ", PLOT_L + prev / t_end * IOPS_W, y,
			PLOT_L + r->samples[i].t_s / t_end * IOPS_W, y);
		prev = r->samples[i].t_s;
	}
	fputs("\"/>\n<g class=\"samples\" fill=\"" COLOR_IOPS "\">\n", f);
	for (unsigned int i = 0; i < r->nb_samples; i++)
		fprintf(f, "<circle class=\"sample\" cx=\"%.2f\" cy=\"%d\" r=\"1\" data-t=\"%.6f\" "
			"data-ios=\"%" PRIu64 "\"/>\n", PLOT_L + r->samples[i].t_s / t_end * IOPS_W,
			IOPS_TOP + IOPS_H, r->samples[i].t_s, r->samples[i].ios);
	fputs("</g>\n", f);
}

static void
plot_all(FILE *f, const struct perf_run *r, const struct perf_hist *h)
{
	const struct perf_params *p = r->p;
	uint64_t lo, hi, unused;
	struct log_axis a;
	int first = -1, last = -1;
	char s[256];

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	snprintf(s, sizeof(s), "vdk-nvme-perf: %s, %u bytes, depth %u, %u s, %u namespace%s "
		 "on %u core%s", perf_pattern_name(p->pattern), p->io_size, p->depth, p->time_s,
		 r->nb_ctx, r->nb_ctx == 1 ? "" : "s", r->nb_workers, r->nb_workers == 1 ? "" : "s");
	fputs("<title>", f);
	svg_text(f, s);
	fputs("</title>\n<g font-size=\"15\" font-weight=\"bold\">", f);
	label(f, SVG_W / 2.0, 26, "middle", s);
	fputs("</g>\n", f);
	snprintf(s, sizeof(s), "%s%s", r->nb_ctx == 1 ? "" : "all namespaces and cores: ",
		 r->nb_ctx == 1 ? r->all[0]->name : "their latencies together");
	label(f, SVG_W / 2.0, 46, "middle", s);

	for (unsigned int i = 0; h != NULL && i < PERF_HIST_BUCKETS; i++) {
		if (h->bucket[i] == 0)
			continue;
		if (first < 0)
			first = (int)i;
		last = (int)i;
	}
	if (first < 0) {
		no_data(f, HIST_TOP, HIST_H, "no I/O completed in the measured window");
		no_data(f, CDF_TOP, CDF_H, "no I/O completed in the measured window");
	} else {
		perf_hist_bucket_range((unsigned int)first, &lo, &unused);
		perf_hist_bucket_range((unsigned int)last, &unused, &hi);
		/* At least a nanosecond: the first buckets hold single ticks, down to 0. */
		a.lo = (int)floor(log10(VDK_MAX(perf_ticks_us(r, lo), 1e-3)));
		a.hi = (int)ceil(log10(VDK_MAX(perf_ticks_us(r, hi + 1), 1e-3)));
		if (a.hi <= a.lo)
			a.hi = a.lo + 1;
		plot_histogram(f, r, h, &a);
		plot_cdf(f, r, h, &a);
	}
	if (r->nb_samples == 0) {
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
			"stroke=\"#999\"/>\n", PLOT_L, IOPS_TOP, IOPS_W, IOPS_H);
		label(f, PLOT_L + IOPS_W / 2.0, IOPS_TOP + IOPS_H / 2.0, "middle",
		      "no IOPS samples: the run ended before its measurement began");
	} else {
		plot_iops(f, r);
	}
	fputs("</svg>\n", f);
}

int
perf_plot_svg(const char *path, const struct perf_run *r)
{
	struct perf_hist *hist = calloc(1, sizeof(*hist));
	struct perf_stats tot;
	FILE *f;
	int ret = 0;

	if (hist == NULL) {
		fprintf(stderr, "--plot %s: no memory for the histogram\n", path);
		return -ENOMEM;
	}
	perf_run_total(r, &tot, hist);
	f = fopen(path, "w");
	if (f == NULL) {
		ret = -errno;
		fprintf(stderr, "--plot %s: cannot write it: %s\n", path, strerror(errno));
		free(hist);
		return ret;
	}
	plot_all(f, r, hist);
	if (ferror(f) != 0)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		fprintf(stderr, "--plot %s: writing it failed: %s\n", path, strerror(-ret));
	free(hist);
	return ret;
}
