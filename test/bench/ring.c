/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring benchmark: VDK's ring against DPDK's, in cycles per object.
 *
 * The VDK side runs the same loops as DPDK 22.11's ring_perf_autotest
 * (ring of 4096, sizes hidden from the compiler behind a volatile): on one
 * core an enqueue then a dequeue of 1, 8 or 32 objects, SP/SC and MP/MC;
 * on two cores one lcore enqueues bulks while the other dequeues them, each
 * timing its own side, the figure being the sum per object. The DPDK side
 * is dpdk-test's ring_perf_autotest itself, run in the same invocation and
 * parsed, or with --linked the very same loops over DPDK's rte_ring linked
 * into this binary. Both sides are repeated, alternating so that a noisy
 * moment on the shared machine hits both; the best figure and the median are
 * both reported.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "vdk_cycles.h"
#include "vdk_eal.h"
#include "vdk_lcore.h"
#include "vdk_ring.h"

#ifdef BENCH_HAVE_DPDK
#include <rte_ring.h>
#endif

#define RING_SIZE 4096
#define MAX_BURST 32

enum { SPSC, MPMC };

/* Two-core tries a repetition with --linked, each kept as a sample. */
#define PAIR_TRIES_LINKED 20
#define RING_MAX_SAMPLES (BENCH_MAX_REPS * PAIR_TRIES_LINKED)

/* Each case: DPDK's name for it and where its figures go. */
struct ring_case {
	const char *name;     /* RESULT ring/<name> */
	int mode;             /* SPSC or MPMC */
	unsigned int size;    /* 1 (single), 8, 32 */
	int two_cores;
	/* Samples: one a repetition, or one a try for the two-core cases. */
	double vdk[RING_MAX_SAMPLES];
	double peer[RING_MAX_SAMPLES];
	unsigned int nb_vdk, nb_peer;
};

static struct ring_case cases[] = {
	{ .name = "spsc_single_1core", .mode = SPSC, .size = 1, .two_cores = 0 },
	{ .name = "mpmc_single_1core", .mode = MPMC, .size = 1, .two_cores = 0 },
	{ .name = "spsc_bulk8_1core", .mode = SPSC, .size = 8, .two_cores = 0 },
	{ .name = "spsc_bulk32_1core", .mode = SPSC, .size = 32, .two_cores = 0 },
	{ .name = "mpmc_bulk8_1core", .mode = MPMC, .size = 8, .two_cores = 0 },
	{ .name = "mpmc_bulk32_1core", .mode = MPMC, .size = 32, .two_cores = 0 },
	{ .name = "spsc_bulk8_2cores", .mode = SPSC, .size = 8, .two_cores = 1 },
	{ .name = "spsc_bulk32_2cores", .mode = SPSC, .size = 32, .two_cores = 1 },
	{ .name = "mpmc_bulk8_2cores", .mode = MPMC, .size = 8, .two_cores = 1 },
	{ .name = "mpmc_bulk32_2cores", .mode = MPMC, .size = 32, .two_cores = 1 },
};

static struct ring_case *
find_case(int mode, unsigned int size, int two_cores)
{
	unsigned int i;

	for (i = 0; i < VDK_DIM(cases); i++)
		if (cases[i].mode == mode && cases[i].size == size &&
		    cases[i].two_cores == two_cores)
			return &cases[i];
	return NULL;
}

/* Hidden from the compiler, as in DPDK's test, so the copy loops stay general. */
static const volatile unsigned int bulk_sizes[] = { 8, 32 };

static struct vdk_ring *bench_ring;

/*
 * The loops, written once: P is the library's function prefix (vdk_ring or
 * rte_ring, whose calls have the same signatures) and RING the ring.
 */
#define SINGLE_LOOP(P, RING, mode, iterations)                           \
	do {                                                             \
		void *obj = NULL;                                        \
		unsigned int i;                                          \
		if ((mode) == SPSC) {                                    \
			for (i = 0; i < (iterations); i++) {             \
				P##_sp_enqueue(RING, obj);               \
				P##_sc_dequeue(RING, &obj);              \
			}                                                \
		} else {                                                 \
			for (i = 0; i < (iterations); i++) {             \
				P##_mp_enqueue(RING, obj);               \
				P##_mc_dequeue(RING, &obj);              \
			}                                                \
		}                                                        \
	} while (0)

#define BULK_LOOP(P, RING, mode, sz_idx, iterations)                               \
	do {                                                                       \
		void *burst[MAX_BURST] = { 0 };                                    \
		unsigned int i;                                                    \
		if ((mode) == SPSC) {                                              \
			for (i = 0; i < (iterations); i++) {                       \
				P##_sp_enqueue_bulk(RING, burst, bulk_sizes[sz_idx], NULL); \
				P##_sc_dequeue_bulk(RING, burst, bulk_sizes[sz_idx], NULL); \
			}                                                          \
		} else {                                                           \
			for (i = 0; i < (iterations); i++) {                       \
				P##_mp_enqueue_bulk(RING, burst, bulk_sizes[sz_idx], NULL); \
				P##_mc_dequeue_bulk(RING, burst, bulk_sizes[sz_idx], NULL); \
			}                                                          \
		}                                                                  \
	} while (0)

/* One side of the two-core test: SP/SC then MP/MC, each timed. */
#define PAIR_LOOP(P, RING, p, iterations)                                          \
	do {                                                                       \
		void *burst[MAX_BURST] = { 0 };                                    \
		uint64_t t0, t1, t2, t3;                                           \
		unsigned int i;                                                    \
		t0 = vdk_rdtsc();                                                  \
		for (i = 0; i < (iterations); i++) {                               \
			if ((p)->dequeue)                                          \
				while (P##_sc_dequeue_bulk(RING, burst, (p)->size, NULL) == 0) \
					vdk_pause();                               \
			else                                                       \
				while (P##_sp_enqueue_bulk(RING, burst, (p)->size, NULL) == 0) \
					vdk_pause();                               \
		}                                                                  \
		t1 = vdk_rdtsc();                                                  \
		t2 = vdk_rdtsc();                                                  \
		for (i = 0; i < (iterations); i++) {                               \
			if ((p)->dequeue)                                          \
				while (P##_mc_dequeue_bulk(RING, burst, (p)->size, NULL) == 0) \
					vdk_pause();                               \
			else                                                       \
				while (P##_mp_enqueue_bulk(RING, burst, (p)->size, NULL) == 0) \
					vdk_pause();                               \
		}                                                                  \
		t3 = vdk_rdtsc();                                                  \
		(p)->spsc = (double)(t1 - t0) / ((double)(iterations) * (p)->size); \
		(p)->mpmc = (double)(t3 - t2) / ((double)(iterations) * (p)->size); \
	} while (0)

/* As many iterations as DPDK's test runs of each. */
#define SINGLE_ITERATIONS (1u << 24)
#define BULK_ITERATIONS (1u << 23)
#define PAIR_ITERATIONS (1u << 15)

#ifdef BENCH_HAVE_DPDK
static struct rte_ring *dpdk_ring;
#endif
static int use_dpdk; /* the loops below run over DPDK's ring */

/* --- one core --- */

static double
single_enq_deq(int mode)
{
	uint64_t start, end;

	start = vdk_rdtsc();
	if (!use_dpdk) {
		struct vdk_ring *r = bench_ring;

		SINGLE_LOOP(vdk_ring, r, mode, SINGLE_ITERATIONS);
	} else {
#ifdef BENCH_HAVE_DPDK
		struct rte_ring *r = dpdk_ring;

		SINGLE_LOOP(rte_ring, r, mode, SINGLE_ITERATIONS);
#endif
	}
	end = vdk_rdtsc();
	return (double)(end - start) / SINGLE_ITERATIONS;
}

static double
bulk_enq_deq(int mode, unsigned int sz_idx)
{
	unsigned int size = bulk_sizes[sz_idx];
	uint64_t start, end;

	start = vdk_rdtsc();
	if (!use_dpdk) {
		struct vdk_ring *r = bench_ring;

		BULK_LOOP(vdk_ring, r, mode, sz_idx, BULK_ITERATIONS);
	} else {
#ifdef BENCH_HAVE_DPDK
		struct rte_ring *r = dpdk_ring;

		BULK_LOOP(rte_ring, r, mode, sz_idx, BULK_ITERATIONS);
#endif
	}
	end = vdk_rdtsc();
	return (double)(end - start) / BULK_ITERATIONS / size;
}

/* --- two cores --- */

struct pair_params {
	unsigned int size;
	int dequeue;
	double spsc, mpmc; /* cycles per object on this side */
};

static unsigned int pair_ready;

static int
pair_side(void *arg)
{
	struct pair_params *p = arg;

	__atomic_add_fetch(&pair_ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&pair_ready, __ATOMIC_ACQUIRE) != 2)
		vdk_pause();
	if (!use_dpdk) {
		struct vdk_ring *r = bench_ring;

		PAIR_LOOP(vdk_ring, r, p, PAIR_ITERATIONS);
	} else {
#ifdef BENCH_HAVE_DPDK
		struct rte_ring *r = dpdk_ring;

		PAIR_LOOP(rte_ring, r, p, PAIR_ITERATIONS);
#endif
	}
	return 0;
}

static void
add(struct ring_case *c, double v, int peer)
{
	if (c == NULL)
		return;
	if (peer && c->nb_peer < RING_MAX_SAMPLES)
		c->peer[c->nb_peer++] = v;
	else if (!peer && c->nb_vdk < RING_MAX_SAMPLES)
		c->vdk[c->nb_vdk++] = v;
}

/*
 * Times each two-core measurement is taken within one repetition, each a
 * sample: a run lasts about a millisecond, so one scheduler tick of
 * another process on either CPU ruins it, and the best and the median of
 * many say more than one. 1 when the peer is dpdk-test, which measures once.
 */
static unsigned int pair_tries = 1;

/* One two-core run of @size bulks on the current library: its samples. */
static int
pair_once(unsigned int worker, unsigned int size, int lib)
{
	struct pair_params enq = { .size = size }, deq = { .size = size, .dequeue = 1 };
	int ret;

	pair_ready = 0;
	ret = vdk_eal_remote_launch(pair_side, &deq, worker);
	if (ret < 0)
		return ret;
	pair_side(&enq);
	vdk_eal_wait_lcore(worker);
	add(find_case(SPSC, size, 1), enq.spsc + deq.spsc, lib);
	add(find_case(MPMC, size, 1), enq.mpmc + deq.mpmc, lib);
	return 0;
}

/*
 * pair_tries runs for VDK and, with @both, the linked DPDK, their tries
 * interleaved so that both sample the same moments of a machine whose
 * speed drifts (a VM's vCPUs move).
 * Rings do not care whose lcore runs them: both libraries use VDK's worker.
 */
static int
run_pair(unsigned int worker, unsigned int size, int both)
{
	unsigned int t, k;

	for (t = 0; t < pair_tries; t++) {
		for (k = 0; k < (both ? 2u : 1u); k++) {
			unsigned int lib = both ? (t + k) % 2 : 0;

			use_dpdk = (int)lib;
			if (pair_once(worker, size, (int)lib) < 0)
				return -1;
		}
	}
	use_dpdk = 0;
	return 0;
}

/*
 * Every case once over VDK's ring and, with @both, over the linked DPDK's
 * right after (or before: @rep alternates), so that each pair of figures
 * comes from the same moment.
 */
static int
run_loops(unsigned int worker, int both, unsigned int rep)
{
	unsigned int s, k, m;
	int lib;

	for (k = 0; k < (both ? 2u : 1u); k++) {
		lib = both ? (int)((rep + k) % 2) : 0;
		use_dpdk = lib;
		for (m = SPSC; m <= MPMC; m++)
			add(find_case((int)m, 1, 0), single_enq_deq((int)m), lib);
	}
	for (s = 0; s < VDK_DIM(bulk_sizes); s++) {
		for (m = SPSC; m <= MPMC; m++) {
			for (k = 0; k < (both ? 2u : 1u); k++) {
				lib = both ? (int)((rep + k) % 2) : 0;
				use_dpdk = lib;
				add(find_case((int)m, bulk_sizes[s], 0), bulk_enq_deq((int)m, s), lib);
			}
		}
	}
	use_dpdk = 0;
	if (worker >= VDK_MAX_LCORE)
		return 0;
	for (s = 0; s < VDK_DIM(bulk_sizes); s++)
		if (run_pair(worker, bulk_sizes[s], both) < 0)
			return -1;
	return 0;
}

/*
 * Parse one run of ring_perf_autotest. Its legacy-API lines look like
 * "legacy APIs: SP/SC: bulk (size: 8): 81.80": on one core the figure is
 * cycles per enqueue+dequeue call pair, on two cores cycles per object.
 * The "empty bulk deq" section prints lines of the same form: skipped.
 */
static int
run_peer(const char *dpdk_test)
{
	char cmd[512], line[256], mode_s[8];
	int two_cores = 0, found = 0, empty = 0;
	unsigned int size;
	double v;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "DPDK_TEST=ring_perf_autotest %s --no-huge -m 256 -l 0-1 --no-pci "
		 "--file-prefix vdk_bench_ring --log-level=lib.eal:error 2>&1", dpdk_test);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		/* Sections: only single, bulk and the first two-core one count. */
		if (strncmp(line, "### ", 4) == 0)
			empty = strstr(line, "empty") != NULL;
		if (strstr(line, "### Testing using two") != NULL)
			two_cores++;
		if (strstr(line, "### Testing using all") != NULL)
			two_cores = 99; /* past the pair sections */
		if (strncmp(line, "legacy APIs: ", 13) != 0 || two_cores > 1 || empty)
			continue;
		if (sscanf(line + 13, "%5[SPMC/]: single: %lf", mode_s, &v) == 2)
			size = 1;
		else if (sscanf(line + 13, "%5[SPMC/]: bulk (size: %u): %lf", mode_s, &size,
				&v) == 3)
			;
		else
			continue;
		if (!two_cores)
			v /= size;
		add(find_case(strcmp(mode_s, "SP/SC") == 0 ? SPSC : MPMC, size, two_cores),
		    v, 1);
		found++;
	}
	pclose(p);
	return found > 0 ? 0 : -1;
}

static void
usage(const char *prog)
{
	printf("usage: %s [--quick] [--linked] [--reps N] [--dpdk-test PATH]\n"
	       "  VDK's ring against DPDK's, cycles per object (the best of the\n"
	       "  samples: on a shared machine noise only ever adds cycles; each RESULT\n"
	       "  line also gives both medians and the sample counts), SP/SC\n"
	       "  and MP/MC, single and bulk 8/32, on one core and across two.\n"
	       "  Peer: dpdk-test's ring_perf_autotest, run from here and parsed; with\n"
	       "  --linked, the same loops over DPDK's rte_ring linked into this binary\n"
	       "  (%s), case by case right after VDK's; two-core cases are then\n"
	       "  taken 20 times a repetition on both sides, interleaved, being short,\n"
	       "  each a sample.\n"
	       "  Full run: about 45 s with 3 repetitions (VDK ~4 s, dpdk-test ~6 s\n"
	       "  each), about 25 s with --linked.\n"
	       "  On a machine other work shares, run it under `chrt -f 1` (root): the\n"
	       "  one-core figures are then as on an idle one (doc/ring.md).\n"
	       "  --quick      one repetition of each side, VDK and dpdk-test (about 10 s)\n"
	       "  Exits 1 when a loop cannot run or a case that should have a peer\n"
	       "  figure has none (peer=NA: dpdk-test missing, or its output no longer\n"
	       "  parses).\n"
	       "  --reps N     repetitions of each side (1..%d, default 3)\n",
	       prog,
#ifdef BENCH_HAVE_DPDK
	       "built in",
#else
	       "not built in: install libdpdk-dev and rebuild",
#endif
	       BENCH_MAX_REPS);
}

int
main(int argc, char **argv)
{
	char *eal_argv[] = { argv[0], "--no-huge", "-l", "0-1", "--no-pci",
			     "--log-level", "4", NULL };
	const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "linked", no_argument, NULL, 'L' },
		{ "reps", required_argument, NULL, 'r' },
		{ "dpdk-test", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dpdk_test = "/usr/bin/dpdk-test";
	int quick = 0, linked = 0, reps = 3, opt, have_peer = 0, status = 0;
	const char *peer_name = "none";
	unsigned int worker, i, rep;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = 1;
			break;
		case 'L':
			linked = 1;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > BENCH_MAX_REPS) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 'd':
			dpdk_test = optarg;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (quick)
		reps = 1;

	if (vdk_eal_init((int)VDK_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "ring bench: EAL init failed\n");
		return 1;
	}
	bench_ring = vdk_ring_create("bench_ring", RING_SIZE, vdk_socket_id(), 0);
	if (bench_ring == NULL) {
		fprintf(stderr, "ring bench: cannot create the ring: %s\n", strerror(errno));
		vdk_eal_cleanup();
		return 1;
	}
	worker = vdk_get_next_lcore(-1, 1, 0);
	/* --quick runs the peer too, once: so that CI sees a parser that broke. */
	if (!quick && linked) {
#ifdef BENCH_HAVE_DPDK
		/* rte_ring_init needs no DPDK EAL: plain memory, aligned as VDK's. */
		ssize_t sz = rte_ring_get_memsize(RING_SIZE);

		dpdk_ring = aligned_alloc(128, VDK_ALIGN_CEIL((size_t)sz, 128));
		if (dpdk_ring != NULL && rte_ring_init(dpdk_ring, "bench_ring", RING_SIZE, 0) == 0) {
			have_peer = 1;
			peer_name = "DPDK rte_ring, linked, same loops";
			pair_tries = PAIR_TRIES_LINKED;
		}
#endif
		if (!have_peer)
			fprintf(stderr, "ring bench: no linked DPDK ring: peer=NA\n");
	} else {
		have_peer = bench_find_peer(dpdk_test, "dpdk-test") == 0;
		if (have_peer)
			peer_name = "dpdk-test ring_perf_autotest";
	}

	printf("ring bench: ring of %d, TSC %.3f GHz, %s; %d repetition(s), best and median;"
	       " peer: %s\n", RING_SIZE, vdk_get_tsc_hz() / 1e9,
	       worker < VDK_MAX_LCORE ? "lcores 0 and 1" : "one lcore (no two-core cases)",
	       reps, peer_name);
	for (rep = 0; rep < (unsigned int)reps; rep++) {
		if (have_peer && linked) {
			printf("  repetition %u: VDK and DPDK loops, interleaved case by case\n",
			       rep + 1);
			fflush(stdout);
			if (run_loops(worker, 1, rep) < 0)
				goto launch_failed;
			continue;
		}
		printf("  repetition %u: VDK loops\n", rep + 1);
		fflush(stdout);
		if (run_loops(worker, 0, rep) < 0)
			goto launch_failed;
		if (have_peer) {
			printf("  repetition %u: dpdk-test ring_perf_autotest\n", rep + 1);
			fflush(stdout);
			if (run_peer(dpdk_test) < 0)
				fprintf(stderr, "ring bench: no figures in the output of %s\n",
					dpdk_test);
		}
	}

	printf("\n%-22s %10s %10s %10s %10s   (cycles per object, lower is better)\n",
	       "case", "vdk min", "dpdk min", "vdk med", "dpdk med");
	for (i = 0; i < VDK_DIM(cases); i++) {
		struct ring_case *c = &cases[i];

		if (c->nb_vdk == 0)
			continue;
		if (c->nb_peer)
			printf("%-22s %10.2f %10.2f %10.2f %10.2f\n", c->name,
			       bench_min(c->vdk, c->nb_vdk), bench_min(c->peer, c->nb_peer),
			       bench_median(c->vdk, c->nb_vdk), bench_median(c->peer, c->nb_peer));
		else
			printf("%-22s %10.2f %10s %10.2f %10s\n", c->name, bench_min(c->vdk, c->nb_vdk),
			       "NA", bench_median(c->vdk, c->nb_vdk), "NA");
	}
	printf("\n");
	bench_print_load("ring");
	for (i = 0; i < VDK_DIM(cases); i++) {
		if (cases[i].nb_vdk == 0)
			continue;
		bench_result_spread("ring", cases[i].name, cases[i].vdk, cases[i].nb_vdk,
				    cases[i].peer, cases[i].nb_peer, "cycles/obj", 1);
		/* Every case has a peer figure, or the peer side is broken. */
		if (cases[i].nb_peer == 0) {
			fprintf(stderr, "ring bench: %s: no peer figure (%s)\n", cases[i].name,
				have_peer ? "its peer run gave none" : "no peer");
			status = 1;
		}
	}
	goto out;
launch_failed:
	fprintf(stderr, "ring bench: cannot launch on lcore %u\n", worker);
	status = 1;
out:
	vdk_ring_free(bench_ring);
#ifdef BENCH_HAVE_DPDK
	free(dpdk_ring);
#endif
	vdk_eal_cleanup();
	return status;
}
