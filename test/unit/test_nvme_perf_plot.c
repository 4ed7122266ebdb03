/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/nvme-perf/perf_plot.c on a run made by hand (one namespace, 20,000
 * I/Os from 20 us to 8 ms, 20 IOPS samples): check_perf_svg.py parses the
 * SVG as XML, finds the percentile marks equal to the -LL report's lines
 * and the samples adding up to its Total, and renders it with
 * rsvg-convert; a mark changed by one digit fails that check. A name with
 * XML's reserved characters, a run with no I/O, and a file that cannot be
 * written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "perf.h"
#include "vdk_common.h"

#define CHECKER "python3 " VDK_SOURCE_ROOT "/test/unit/check_perf_svg.py"

static struct perf_run run;
static struct perf_params params;
static struct perf_ns_ctx ctx;
static char dir[48];
static char svg[80], txt[80], png[80];

static void
add_io(uint64_t ticks)
{
	perf_hist_add(ctx.stats.hist, ticks);
	ctx.stats.lat_sum += ticks;
	ctx.stats.lat_min = VDK_MIN(ctx.stats.lat_min, ticks);
	ctx.stats.lat_max = VDK_MAX(ctx.stats.lat_max, ticks);
	atomic_fetch_add(&ctx.stats.ios, 1);
	atomic_fetch_add(&ctx.stats.bytes, 4096);
}

/* 1 GHz ticks (1000 = 1 us), 2 s measured. */
static int
setup(void **state)
{
	uint64_t x = 12345, left;

	(void)state;
	memset(&run, 0, sizeof(run));
	memset(&ctx, 0, sizeof(ctx));
	perf_params_defaults(&params);
	params.latency = 2;
	params.depth = 32;
	params.time_s = 2;
	run.p = &params;
	run.tsc_hz = 1000000000;
	run.elapsed_s = 2.0;
	run.nb_workers = 1;
	/* XML's reserved characters, which the SVG must escape. */
	snprintf(ctx.name, sizeof(ctx.name), "PCIE (<0000:00:04.0> & \"x\" 'y') NSID 1");
	ctx.stats.hist = calloc(1, sizeof(struct perf_hist));
	perf_stats_reset(&ctx.stats);
	run.all[run.nb_ctx++] = &ctx;
	/* Most I/Os 80..120 us, a tail to 8 ms: a shape a device gives. */
	for (int i = 0; i < 20000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (i % 100 == 0)
			add_io(200000 + (x >> 33) % 7800000);
		else if (i % 10 == 0)
			add_io(120000 + (x >> 33) % 80000);
		else
			add_io(80000 + (x >> 33) % 40000);
	}
	add_io(20000);
	/* 20 samples of 100 ms, uneven, adding up to every I/O. */
	left = atomic_load(&ctx.stats.ios);
	for (unsigned int i = 0; i < 20; i++) {
		uint64_t n = i == 19 ? left : 800 + (i % 5) * 100;

		run.samples[i].t_s = 0.1 * (i + 1);
		run.samples[i].ios = n;
		left -= n;
	}
	run.nb_samples = 20;
	snprintf(dir, sizeof(dir), "/tmp/vdk-test-perf-plot-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(svg, sizeof(svg), "%s/plot.svg", dir);
	snprintf(txt, sizeof(txt), "%s/report.txt", dir);
	snprintf(png, sizeof(png), "%s/plot.png", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(ctx.stats.hist);
	unlink(svg);
	unlink(txt);
	unlink(png);
	rmdir(dir);
	return 0;
}

static void
write_report(void)
{
	FILE *f = fopen(txt, "w");

	assert_non_null(f);
	perf_report_text(f, &run);
	assert_int_equal(fclose(f), 0);
}

static int
checker(const char *extra)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), CHECKER " %s %s %s", svg, txt, extra);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_nvme_perf_plot_marks_equal_the_report_and_it_renders(void **state)
{
	char cmd[256];

	(void)state;
	write_report();
	assert_int_equal(perf_plot_svg(svg, &run), 0);
	snprintf(cmd, sizeof(cmd), "--render %s", png);
	assert_int_equal(checker(cmd), 0);
	/* The check can fail: the 99% mark one digit off. */
	snprintf(cmd, sizeof(cmd),
		 "sed -i '0,/data-percentile=\"99.00000\" data-us=\"[0-9.]*[0-9]/s//&1/' %s", svg);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(checker(""), 1);
}

static void
test_nvme_perf_plot_without_io_says_so(void **state)
{
	char cmd[256], buf[65536];
	FILE *f;
	size_t n;

	(void)state;
	memset(ctx.stats.hist, 0, sizeof(*ctx.stats.hist));
	atomic_store(&ctx.stats.ios, 0);
	run.nb_samples = 0;
	assert_int_equal(perf_plot_svg(svg, &run), 0);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' %s", svg);
	assert_int_equal(system(cmd), 0);
	f = fopen(svg, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "no I/O completed in the measured window"));
	assert_non_null(strstr(buf, "no IOPS samples"));
	assert_null(strstr(buf, "nan"));
	assert_null(strstr(buf, "inf"));
}

static void
test_nvme_perf_plot_unwritable_file_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(perf_plot_svg("/nonexistent-vdk-dir/plot.svg", &run), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nvme_perf_plot_marks_equal_the_report_and_it_renders,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_plot_without_io_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nvme_perf_plot_unwritable_file_is_an_error, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
