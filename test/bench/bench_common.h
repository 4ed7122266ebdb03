/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the benchmarks share: medians over repetitions, finding (and if need
 * be installing) the peer, and the RESULT line format DESIGN.md fixes.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_MAX_REPS 15

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n figures (sorted in place). */
static inline double
bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Largest of @n figures. */
static inline double
bench_max(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/*
 * 0 if @path is executable; otherwise try to install Debian package @pkg
 * (the peer) with apt-get, as DESIGN.md asks, and look again.
 */
static inline int
bench_find_peer(const char *path, const char *pkg)
{
	char cmd[256];

	if (access(path, X_OK) == 0)
		return 0;
	fprintf(stderr, "%s not found: installing Debian package %s\n", path, pkg);
	snprintf(cmd, sizeof(cmd),
		 "DEBIAN_FRONTEND=noninteractive apt-get install -y -q %s >/dev/null 2>&1", pkg);
	if (system(cmd) != 0 || access(path, X_OK) != 0) {
		fprintf(stderr, "%s still missing: the peer side is skipped (peer=NA)\n", path);
		return -1;
	}
	return 0;
}

/*
 * One RESULT line. @lower_better: the figure is a cost (cycles, latency), so
 * the ratio is peer over VDK; otherwise VDK over peer. A negative @peer
 * means no peer figure.
 */
static inline void
bench_result(const char *bench, const char *name, double vdk, double peer,
	     const char *unit, int lower_better)
{
	if (peer < 0) {
		printf("RESULT %s/%s vdk=%.2f peer=NA unit=%s ratio=NA\n", bench, name, vdk, unit);
		return;
	}
	printf("RESULT %s/%s vdk=%.2f peer=%.2f unit=%s ratio=%.2f\n", bench, name, vdk, peer,
	       unit, lower_better ? peer / vdk : vdk / peer);
}

#endif /* BENCH_COMMON_H */
