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
 * parsed. Both sides are repeated and the median kept, alternating so that
 * a noisy moment on the shared machine hits both.
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

#define RING_SIZE 4096
#define MAX_BURST 32

enum { SPSC, MPMC };

/* Each case: DPDK's name for it and where its figures go. */
struct ring_case {
	const char *name;     /* RESULT ring/<name> */
	int mode;             /* SPSC or MPMC */
	unsigned int size;    /* 1 (single), 8, 32 */
	int two_cores;
	double vdk[BENCH_MAX_REPS];
	double peer[BENCH_MAX_REPS];
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

static struct vdk_ring *r;

/* --- one core --- */

static double
single_enq_deq(int mode)
{
	const unsigned int iterations = 1u << 24;
	void *obj = NULL;
	uint64_t start, end;
	unsigned int i;

	start = vdk_rdtsc();
	if (mode == SPSC) {
		for (i = 0; i < iterations; i++) {
			vdk_ring_sp_enqueue(r, obj);
			vdk_ring_sc_dequeue(r, &obj);
		}
	} else {
		for (i = 0; i < iterations; i++) {
			vdk_ring_mp_enqueue(r, obj);
			vdk_ring_mc_dequeue(r, &obj);
		}
	}
	end = vdk_rdtsc();
	return (double)(end - start) / iterations;
}

static double
bulk_enq_deq(int mode, unsigned int sz_idx)
{
	const unsigned int iterations = 1u << 23;
	void *burst[MAX_BURST] = { 0 };
	unsigned int size = bulk_sizes[sz_idx], i;
	uint64_t start, end;

	start = vdk_rdtsc();
	if (mode == SPSC) {
		for (i = 0; i < iterations; i++) {
			vdk_ring_sp_enqueue_bulk(r, burst, bulk_sizes[sz_idx], NULL);
			vdk_ring_sc_dequeue_bulk(r, burst, bulk_sizes[sz_idx], NULL);
		}
	} else {
		for (i = 0; i < iterations; i++) {
			vdk_ring_mp_enqueue_bulk(r, burst, bulk_sizes[sz_idx], NULL);
			vdk_ring_mc_dequeue_bulk(r, burst, bulk_sizes[sz_idx], NULL);
		}
	}
	end = vdk_rdtsc();
	return (double)(end - start) / iterations / size;
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
	/* As many as DPDK's test does, so that the two measure the same thing. */
	const unsigned int iterations = 1u << 15;
	struct pair_params *p = arg;
	void *burst[MAX_BURST] = { 0 };
	uint64_t t0, t1, t2, t3;
	unsigned int i;

	__atomic_add_fetch(&pair_ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&pair_ready, __ATOMIC_ACQUIRE) != 2)
		vdk_pause();

	t0 = vdk_rdtsc();
	for (i = 0; i < iterations; i++) {
		if (p->dequeue)
			while (vdk_ring_sc_dequeue_bulk(r, burst, p->size, NULL) == 0)
				vdk_pause();
		else
			while (vdk_ring_sp_enqueue_bulk(r, burst, p->size, NULL) == 0)
				vdk_pause();
	}
	t1 = vdk_rdtsc();
	t2 = vdk_rdtsc();
	for (i = 0; i < iterations; i++) {
		if (p->dequeue)
			while (vdk_ring_mc_dequeue_bulk(r, burst, p->size, NULL) == 0)
				vdk_pause();
		else
			while (vdk_ring_mp_enqueue_bulk(r, burst, p->size, NULL) == 0)
				vdk_pause();
	}
	t3 = vdk_rdtsc();
	p->spsc = (double)(t1 - t0) / ((double)iterations * p->size);
	p->mpmc = (double)(t3 - t2) / ((double)iterations * p->size);
	return 0;
}

static int
run_pair(unsigned int worker, unsigned int size, double *spsc, double *mpmc)
{
	struct pair_params enq = { .size = size }, deq = { .size = size, .dequeue = 1 };
	int ret;

	pair_ready = 0;
	ret = vdk_eal_remote_launch(pair_side, &deq, worker);
	if (ret < 0)
		return ret;
	pair_side(&enq);
	vdk_eal_wait_lcore(worker);
	*spsc = enq.spsc + deq.spsc;
	*mpmc = enq.mpmc + deq.mpmc;
	return 0;
}

static void
add(struct ring_case *c, double v, int peer)
{
	if (c == NULL)
		return;
	if (peer && c->nb_peer < BENCH_MAX_REPS)
		c->peer[c->nb_peer++] = v;
	else if (!peer && c->nb_vdk < BENCH_MAX_REPS)
		c->vdk[c->nb_vdk++] = v;
}

static int
run_vdk(unsigned int worker)
{
	double spsc, mpmc;
	unsigned int s;

	add(find_case(SPSC, 1, 0), single_enq_deq(SPSC), 0);
	add(find_case(MPMC, 1, 0), single_enq_deq(MPMC), 0);
	for (s = 0; s < VDK_DIM(bulk_sizes); s++) {
		add(find_case(SPSC, bulk_sizes[s], 0), bulk_enq_deq(SPSC, s), 0);
		add(find_case(MPMC, bulk_sizes[s], 0), bulk_enq_deq(MPMC, s), 0);
	}
	if (worker >= VDK_MAX_LCORE)
		return 0;
	for (s = 0; s < VDK_DIM(bulk_sizes); s++) {
		if (run_pair(worker, bulk_sizes[s], &spsc, &mpmc) < 0)
			return -1;
		add(find_case(SPSC, bulk_sizes[s], 1), spsc, 0);
		add(find_case(MPMC, bulk_sizes[s], 1), mpmc, 0);
	}
	return 0;
}

/*
 * Parse one run of ring_perf_autotest. Its legacy-API lines look like
 * "legacy APIs: SP/SC: bulk (size: 8): 81.80": on one core the figure is
 * cycles per enqueue+dequeue call pair, on two cores cycles per object.
 */
static int
run_peer(const char *dpdk_test)
{
	char cmd[512], line[256], mode_s[8];
	int two_cores = 0, found = 0;
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
		if (strstr(line, "### Testing using two") != NULL)
			two_cores++;
		if (strstr(line, "### Testing using all") != NULL)
			two_cores = 99; /* past the pair sections */
		if (strncmp(line, "legacy APIs: ", 13) != 0 || two_cores > 1)
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
	printf("usage: %s [--quick] [--reps N] [--dpdk-test PATH]\n"
	       "  VDK's ring against DPDK's ring_perf_autotest (dpdk-test), cycles per\n"
	       "  object, SP/SC and MP/MC, single and bulk 8/32, one core and two.\n"
	       "  Full run: about 45 s with the default 3 repetitions (VDK ~4 s and\n"
	       "  dpdk-test ~6 s per repetition, plus EAL start-up).\n"
	       "  --quick   VDK's side only, one repetition (about 3 s)\n"
	       "  --reps N  repetitions of each side, median kept (1..%d, default 3)\n",
	       prog, BENCH_MAX_REPS);
}

int
main(int argc, char **argv)
{
	char *eal_argv[] = { argv[0], "--no-huge", "-l", "0-1", "--no-pci",
			     "--log-level", "4", NULL };
	const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "dpdk-test", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dpdk_test = "/usr/bin/dpdk-test";
	int quick = 0, reps = 3, opt, have_peer;
	unsigned int worker, i, rep;

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
	r = vdk_ring_create("bench_ring", RING_SIZE, vdk_socket_id(), 0);
	if (r == NULL) {
		fprintf(stderr, "ring bench: cannot create the ring: %s\n", strerror(errno));
		vdk_eal_cleanup();
		return 1;
	}
	worker = vdk_get_next_lcore(-1, 1, 0);
	have_peer = !quick && bench_find_peer(dpdk_test, "dpdk-test") == 0;

	printf("ring bench: ring of %d, TSC %.3f GHz, %s; %d repetition(s), median kept\n",
	       RING_SIZE, vdk_get_tsc_hz() / 1e9,
	       worker < VDK_MAX_LCORE ? "lcores 0 and 1" : "one lcore (no two-core cases)",
	       reps);
	for (rep = 0; rep < (unsigned int)reps; rep++) {
		printf("  repetition %u: VDK loops", rep + 1);
		fflush(stdout);
		if (run_vdk(worker) < 0) {
			fprintf(stderr, "\nring bench: cannot launch on lcore %u\n", worker);
			break;
		}
		if (have_peer) {
			printf(", dpdk-test ring_perf_autotest");
			fflush(stdout);
			if (run_peer(dpdk_test) < 0)
				printf(" (no figures in its output)");
		}
		printf("\n");
	}

	printf("\n%-22s %10s %10s   (cycles per object, lower is better)\n", "case", "vdk",
	       "dpdk");
	for (i = 0; i < VDK_DIM(cases); i++) {
		struct ring_case *c = &cases[i];

		if (c->nb_vdk == 0)
			continue;
		c->vdk[0] = bench_median(c->vdk, c->nb_vdk);
		c->peer[0] = c->nb_peer ? bench_median(c->peer, c->nb_peer) : -1.0;
		printf("%-22s %10.2f %10.2f\n", c->name, c->vdk[0], c->peer[0]);
	}
	printf("\n");
	for (i = 0; i < VDK_DIM(cases); i++)
		if (cases[i].nb_vdk != 0)
			bench_result("ring", cases[i].name, cases[i].vdk[0], cases[i].peer[0],
				     "cycles/obj", 1);
	vdk_ring_free(r);
	vdk_eal_cleanup();
	return 0;
}
