/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The standalone fuzz driver (fuzz_standalone.h): main() of every fuzz
 * target built without libFuzzer.
 *   TARGET SEED_DIR [RUNS [SECONDS [RNG_SEED]]]
 * A broken invariant aborts in the target; the exit status is 0 when the
 * runs end without one, 2 on a usage or seed error.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fuzz_standalone.h"

struct fuzz_input fuzz_seeds[FUZZ_MAX_SEEDS];
unsigned int fuzz_nb_seeds;
static uint64_t fuzz_rng;

uint64_t
fuzz_rnd(void)
{
	fuzz_rng ^= fuzz_rng >> 12;
	fuzz_rng ^= fuzz_rng << 25;
	fuzz_rng ^= fuzz_rng >> 27;
	return fuzz_rng * 2685821657736338717ULL;
}

/* Up to FUZZ_MAX_SEEDS files of @dir, each cut at @max_len: -1 if @dir cannot be opened. */
static int
load_seeds(const char *dir, size_t max_len)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[4096];
	FILE *f;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && fuzz_nb_seeds < FUZZ_MAX_SEEDS) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		fuzz_seeds[fuzz_nb_seeds].n = fread(fuzz_seeds[fuzz_nb_seeds].d, 1, max_len, f);
		fclose(f);
		fuzz_nb_seeds++;
	}
	closedir(d);
	return 0;
}

static void
make_input(const struct fuzz_target *t, struct fuzz_input *in)
{
	if (t->make != NULL) {
		t->make(in);
		return;
	}
	*in = fuzz_seeds[fuzz_rnd() % fuzz_nb_seeds];
	t->mutate(in);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	const struct fuzz_target *t = &fuzz_target;
	unsigned long max_runs = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	double max_s = argc > 3 ? strtod(argv[3], NULL) : 10.0;
	static struct fuzz_input in;
	unsigned long runs = 0;
	struct timespec t0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SEED_DIR [RUNS [SECONDS [RNG_SEED]]]\n", argv[0]);
		return 2;
	}
	if (t->max_len > FUZZ_INPUT_MAX || (t->make == NULL) == (t->mutate == NULL)) {
		fprintf(stderr, "%s: the target needs max_len at most %d and one of make or mutate\n",
			t->name, FUZZ_INPUT_MAX);
		return 2;
	}
	fuzz_rng = argc > 4 ? strtoull(argv[4], NULL, 0) : (uint64_t)time(NULL);
	if (fuzz_rng == 0)
		fuzz_rng = 1;
	fprintf(stderr, "%s: rng seed %llu\n", t->name, (unsigned long long)fuzz_rng);
	if ((load_seeds(argv[1], t->max_len) != 0 || fuzz_nb_seeds == 0) &&
	    (!t->seeds_optional || t->make == NULL)) {
		fprintf(stderr, "%s: no seeds in %s\n", t->name, argv[1]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int s = 0; s < fuzz_nb_seeds; s++)
		LLVMFuzzerTestOneInput(fuzz_seeds[s].d, fuzz_seeds[s].n);
	/* The clock is read every 256 runs. */
	while (runs < max_runs && ((runs & 255) != 0 || seconds_since(&t0) <= max_s)) {
		make_input(t, &in);
		LLVMFuzzerTestOneInput(in.d, in.n);
		runs++;
	}
	fprintf(stderr, "%s: %lu runs over %u seeds, no invariant broken\n", t->name, runs,
		fuzz_nb_seeds);
	if (t->done != NULL)
		t->done();
	return 0;
}
