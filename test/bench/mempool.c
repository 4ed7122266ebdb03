/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool benchmark: VDK's mempool against DPDK's, one identical loop over
 * both libraries in one binary (DPDK linked through pkg-config libdpdk).
 *
 * The loop is DPDK 22.11 mempool_perf_autotest's: with the lcore's default
 * cache, get n_keep objects in bulks of 32, put them back in bulks of 32,
 * repeat, and count objects per second. Pools of 2048-byte objects with a
 * cache of 512, as in that test. One core, then two cores at once (rates
 * added). mempool_perf_autotest itself runs every combination for 5 s each,
 * well over ten minutes; this runs the cases that matter for packet work,
 * alternating the two libraries and keeping the best of the repetitions
 * (on a shared machine, noise only ever lowers a rate).
 *
 * Each library's loop runs on its own EAL's lcores (the main thread is
 * lcore 0 of both; the worker is each EAL's own thread on CPU 1), because a
 * pool finds its cache through its own EAL's lcore id.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "vdk_cycles.h"
#include "vdk_eal.h"
#include "vdk_lcore.h"
#include "vdk_mempool.h"

#ifdef BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_version.h>
#endif

#define ELT_SIZE 2048
#define CACHE_SIZE 512
#define BULK 32
#define MAX_KEEP 128
/* Enough that two lcores each with a full cache and MAX_KEEP out never run dry. */
#define POOL_SIZE (4 * (MAX_KEEP + 2 * CACHE_SIZE) - 1)
/* Calls between two looks at the clock, as in DPDK's test. */
#define INNER 65536

enum lib { LIB_VDK, LIB_DPDK };

struct mp_case {
	const char *name;
	unsigned int keep;
	unsigned int cores;
	int quick_peer;	/* --quick runs DPDK's side too: its EAL, pool and launch */
	double rate[2][BENCH_MAX_REPS]; /* per library, Mobj/s */
	unsigned int nb[2];
};

static struct mp_case cases[] = {
	{ .name = "cache512_bulk32_keep32_1core", .keep = 32, .cores = 1 },
	{ .name = "cache512_bulk32_keep128_1core", .keep = 128, .cores = 1 },
	{ .name = "cache512_bulk32_keep32_2cores", .keep = 32, .cores = 2, .quick_peer = 1 },
	{ .name = "cache512_bulk32_keep128_2cores", .keep = 128, .cores = 2 },
};

struct loop_arg {
	void *mp;
	unsigned int keep;
	double seconds;
	double rate; /* objects per second on this lcore */
	int err;
	unsigned int *ready;
	unsigned int nb_cores;
};

static uint64_t tsc_hz;

static const char *
peer_name(void)
{
#ifdef BENCH_HAVE_DPDK
	return rte_version();
#else
	return "none";
#endif
}

static void
wait_all(struct loop_arg *a)
{
	__atomic_add_fetch(a->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(a->ready, __ATOMIC_ACQUIRE) != a->nb_cores)
		vdk_pause();
}

/*
 * The loop, written once for both libraries: GET and PUT are the two
 * libraries' generic get/put with the lcore's default cache.
 */
#define MEMPOOL_LOOP(a, cache, GET, PUT)                                           \
	do {                                                                       \
		void *objs[MAX_KEEP];                                              \
		uint64_t start, end, count = 0;                                    \
		unsigned int i, idx;                                               \
		const uint64_t limit = (uint64_t)((a)->seconds * tsc_hz);          \
                                                                                   \
		wait_all(a);                                                       \
		start = vdk_rdtsc();                                               \
		do {                                                               \
			for (i = 0; i < INNER; i++) {                              \
				for (idx = 0; idx < (a)->keep; idx += BULK)        \
					if (GET((a)->mp, &objs[idx], BULK, cache) < 0) { \
						(a)->err = -ENOENT;                \
						return -1;                         \
					}                                          \
				for (idx = 0; idx < (a)->keep; idx += BULK)        \
					PUT((a)->mp, &objs[idx], BULK, cache);     \
			}                                                          \
			count += INNER;                                            \
			end = vdk_rdtsc();                                         \
		} while (end - start < limit);                                     \
		(a)->rate = (double)count * (a)->keep / ((double)(end - start) / tsc_hz); \
	} while (0)

static int
vdk_loop(void *p)
{
	struct loop_arg *a = p;
	struct vdk_mempool *mp = a->mp;
	struct vdk_mempool_cache *cache = vdk_mempool_default_cache(mp, vdk_lcore_id());

	MEMPOOL_LOOP(a, cache, vdk_mempool_generic_get, vdk_mempool_generic_put);
	return 0;
}

#ifdef BENCH_HAVE_DPDK
static int
dpdk_loop(void *p)
{
	struct loop_arg *a = p;
	struct rte_mempool *mp = a->mp;
	struct rte_mempool_cache *cache = rte_mempool_default_cache(mp, rte_lcore_id());

	MEMPOOL_LOOP(a, cache, rte_mempool_generic_get, rte_mempool_generic_put);
	return 0;
}
#endif

/* Run one case on one library; returns Mobj/s, or -1. */
static double
run_case(enum lib lib, void *mp, const struct mp_case *c, double seconds)
{
	unsigned int ready = 0, worker;
	struct loop_arg main_arg = { .mp = mp, .keep = c->keep, .seconds = seconds,
				     .ready = &ready, .nb_cores = c->cores };
	struct loop_arg worker_arg = main_arg;
	double total;

	if (lib == LIB_VDK) {
		worker = vdk_get_next_lcore(-1, 1, 0);
		if (c->cores == 2 && vdk_eal_remote_launch(vdk_loop, &worker_arg, worker) < 0)
			return -1;
		vdk_loop(&main_arg);
		if (c->cores == 2)
			vdk_eal_wait_lcore(worker);
	} else {
#ifdef BENCH_HAVE_DPDK
		worker = rte_get_next_lcore(-1, 1, 0);
		if (c->cores == 2 && rte_eal_remote_launch(dpdk_loop, &worker_arg, worker) < 0)
			return -1;
		dpdk_loop(&main_arg);
		if (c->cores == 2)
			rte_eal_wait_lcore(worker);
#else
		return -1;
#endif
	}
	if (main_arg.err || worker_arg.err)
		return -1;
	total = main_arg.rate + (c->cores == 2 ? worker_arg.rate : 0);
	return total / 1e6;
}

static void
usage(const char *prog)
{
	printf("usage: %s [--quick] [--reps N] [--seconds S]\n"
	       "  VDK's mempool against DPDK's (libdpdk linked in: %s), the loop of\n"
	       "  mempool_perf_autotest: cache 512, get/put bulk 32, keep 32 and 128,\n"
	       "  one core and two; million objects got and put per second.\n"
	       "  Full run: about 50 s (4 cases x 2 libraries x 3 repetitions x 2 s).\n"
	       "  --quick      one repetition of 1 s a case, DPDK's side on the two-core\n"
	       "               keep32 case only (about 6 s)\n"
	       "  Exits 1 when a case fails to run, or when the peer (linked DPDK) cannot\n"
	       "  run or gives no figure where it should (peer=NA).\n"
	       "  --reps N     repetitions, best kept (1..%d, default 3)\n"
	       "  --seconds S  length of one measurement (default 2)\n",
	       prog,
#ifdef BENCH_HAVE_DPDK
	       "yes",
#else
	       "no: install libdpdk-dev and rebuild for the peer side",
#endif
	       BENCH_MAX_REPS);
}

int
main(int argc, char **argv)
{
	char *vdk_argv[] = { argv[0], "--no-huge", "-l", "0-1", "--no-pci",
			     "--log-level", "4", NULL };
	const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int quick = 0, reps = 3, opt, have_peer = 0, status = 0;
	double seconds = 2.0, v;
	void *pools[2] = { NULL, NULL };
	unsigned int i, rep;
	int lib;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = 1;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > BENCH_MAX_REPS) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 's':
			seconds = atof(optarg);
			if (seconds <= 0) {
				usage(argv[0]);
				return 1;
			}
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (quick) {
		reps = 1;
		seconds = 1.0;
	}

	if (vdk_eal_init((int)VDK_DIM(vdk_argv) - 1, vdk_argv) < 0) {
		fprintf(stderr, "mempool bench: VDK EAL init failed\n");
		return 1;
	}
	tsc_hz = vdk_get_tsc_hz();
	pools[LIB_VDK] = vdk_mempool_create("bench_mp", POOL_SIZE, ELT_SIZE, CACHE_SIZE, 0,
					    NULL, NULL, NULL, NULL, VDK_SOCKET_ID_ANY, 0);
	if (pools[LIB_VDK] == NULL) {
		fprintf(stderr, "mempool bench: VDK pool: %s\n", strerror(errno));
		vdk_eal_cleanup();
		return 1;
	}
#ifdef BENCH_HAVE_DPDK
	{
		char *dpdk_argv[] = { argv[0], "--no-huge", "-m", "128", "-l", "0-1", "--no-pci",
				      "--file-prefix", "vdk_bench_mempool", "--no-telemetry",
				      "--log-level", "lib.eal:error", NULL };

		if (rte_eal_init((int)VDK_DIM(dpdk_argv) - 1, dpdk_argv) < 0) {
			fprintf(stderr, "mempool bench: DPDK EAL init failed: peer=NA\n");
		} else {
			pools[LIB_DPDK] = rte_mempool_create("bench_mp", POOL_SIZE, ELT_SIZE,
							     CACHE_SIZE, 0, NULL, NULL, NULL, NULL,
							     SOCKET_ID_ANY, 0);
			if (pools[LIB_DPDK] == NULL)
				fprintf(stderr, "mempool bench: DPDK pool: %s: peer=NA\n",
					rte_strerror(rte_errno));
			have_peer = pools[LIB_DPDK] != NULL;
		}
	}
#else
	fprintf(stderr, "mempool bench: built without DPDK (libdpdk not found by meson): "
		"install libdpdk-dev and rebuild: peer=NA\n");
#endif
	if (!have_peer)
		status = 1;
	printf("mempool bench: %d objects of %d bytes, cache %d, get/put bulk %d; "
	       "%d repetition(s) of %.1f s, best kept; peer %s\n",
	       POOL_SIZE, ELT_SIZE, CACHE_SIZE, BULK, reps, seconds,
	       have_peer ? peer_name() : "none");

	bench_print_load("mempool");
	for (rep = 0; rep < (unsigned int)reps; rep++) {
		for (i = 0; i < VDK_DIM(cases); i++) {
			struct mp_case *c = &cases[i];
			/* --quick: the peer's side of one case, so that CI runs it. */
			int with_peer = have_peer && (!quick || c->quick_peer);

			/* Alternate which library goes first, against drift. */
			for (lib = 0; lib < 2; lib++) {
				int l = (rep + i) % 2 ? 1 - lib : lib;

				if (l == LIB_DPDK && !with_peer)
					continue;
				v = run_case(l, pools[l], c, seconds);
				if (v < 0) {
					fprintf(stderr, "mempool bench: %s on %s failed\n", c->name,
						l == LIB_VDK ? "VDK" : "DPDK");
					status = 1;
					continue;
				}
				c->rate[l][c->nb[l]++] = v;
				printf("  rep %u %-32s %-4s %8.1f Mobj/s\n", rep + 1, c->name,
				       l == LIB_VDK ? "vdk" : "dpdk", v);
				fflush(stdout);
			}
		}
	}

	printf("\n");
	for (i = 0; i < VDK_DIM(cases); i++) {
		struct mp_case *c = &cases[i];

		if (c->nb[LIB_VDK] == 0)
			continue;
		bench_result_spread("mempool", c->name, c->rate[LIB_VDK], c->nb[LIB_VDK],
				    c->rate[LIB_DPDK], c->nb[LIB_DPDK], "Mobj/s", 0);
	}
	vdk_mempool_free(pools[LIB_VDK]);
#ifdef BENCH_HAVE_DPDK
	if (pools[LIB_DPDK] != NULL)
		rte_mempool_free(pools[LIB_DPDK]);
	if (have_peer)
		rte_eal_cleanup();
#endif
	vdk_eal_cleanup();
	return status;
}
