/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the benchmarks share: medians over repetitions, finding (and if need
 * be installing) the peer, and the RESULT line format DESIGN.md fixes.
 * A compiled fixture (bench_common.c), linked by every bench that uses it.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_MAX_REPS 15

/* Median of @n figures (sorted in place). */
double bench_median(double *v, unsigned int n);
/* Smallest of @n figures. */
double bench_min(const double *v, unsigned int n);
/* Largest of @n figures. */
double bench_max(const double *v, unsigned int n);
/*
 * 0 if @path is executable; otherwise try to install Debian package @pkg
 * (the peer) with apt-get, as DESIGN.md asks, and look again.
 */
int bench_find_peer(const char *path, const char *pkg);
/*
 * One RESULT line. @lower_better: the figure is a cost (cycles, latency), so
 * the ratio is peer over VDK; otherwise VDK over peer. A negative @peer
 * means no peer figure.
 */
void bench_result(const char *bench, const char *name, double vdk, double peer,
		  const char *unit, int lower_better);
/*
 * One RESULT line over repeated samples (@nv of VDK's in @v, @np of the
 * peer's in @p; @np 0: no peer figure), the figure being each side's best
 * (the least cost, or the highest rate: on a shared machine noise only
 * ever adds cost), then each side's median and the sample count, so that
 * a reader sees the noise. Sorts @v and @p in place.
 */
void bench_result_spread(const char *bench, const char *name, double *v, unsigned int nv,
			 double *p, unsigned int np, const char *unit, int lower_better);
/* The load average, for the header of a bench's output. */
void bench_print_load(const char *bench);

#endif /* BENCH_COMMON_H */
