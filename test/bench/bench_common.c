/* SPDX-License-Identifier: BSD-3-Clause */
/* The fixture of bench_common.h. */
#include "bench_common.h"

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
bench_min(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double
bench_max(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

int
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

void
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

void
bench_result_spread(const char *bench, const char *name, double *v, unsigned int nv,
		    double *p, unsigned int np, const char *unit, int lower_better)
{
	double bv = lower_better ? bench_min(v, nv) : bench_max(v, nv);
	double mv = bench_median(v, nv), bp, mp;

	if (np == 0) {
		printf("RESULT %s/%s vdk=%.2f peer=NA unit=%s ratio=NA vdk_median=%.2f n=%u\n",
		       bench, name, bv, unit, mv, nv);
		return;
	}
	bp = lower_better ? bench_min(p, np) : bench_max(p, np);
	mp = bench_median(p, np);
	printf("RESULT %s/%s vdk=%.2f peer=%.2f unit=%s ratio=%.2f vdk_median=%.2f "
	       "peer_median=%.2f median_ratio=%.2f n=%u/%u\n", bench, name, bv, bp, unit,
	       lower_better ? bp / bv : bv / bp, mv, mp, lower_better ? mp / mv : mv / mp, nv, np);
}

void
bench_print_load(const char *bench)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s bench: load average %s\n", bench, buf);
}
