/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the fuzz targets' own drivers share, for builds without libFuzzer
 * (VDK_FUZZ_STANDALONE): a reproducible random stream, the seed corpus
 * read from a folder, and a main loop that runs the seeds, then inputs the
 * target makes (mutated seeds, random bytes), until a number of runs or a
 * number of seconds. Define FUZZ_MAX_LEN, the longest input, before
 * including; include in the one .c of the target.
 */
#ifndef FUZZ_STANDALONE_H
#define FUZZ_STANDALONE_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define FUZZ_MAX_SEEDS 256

struct fuzz_input {
	uint8_t d[FUZZ_MAX_LEN];
	size_t n;
};

static struct fuzz_input fuzz_seeds[FUZZ_MAX_SEEDS];
static unsigned int fuzz_nb_seeds;
static uint64_t fuzz_rng;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* xorshift64*: reproducible from the seed the main loop prints. */
static inline uint64_t
fuzz_rnd(void)
{
	fuzz_rng ^= fuzz_rng >> 12;
	fuzz_rng ^= fuzz_rng << 25;
	fuzz_rng ^= fuzz_rng >> 27;
	return fuzz_rng * 2685821657736338717ULL;
}

/* Read up to FUZZ_MAX_SEEDS files of @dir into fuzz_seeds: -1 if @dir cannot be opened. */
static inline int
fuzz_load_seeds(const char *dir)
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
		fuzz_seeds[fuzz_nb_seeds].n = fread(fuzz_seeds[fuzz_nb_seeds].d, 1, FUZZ_MAX_LEN, f);
		fclose(f);
		fuzz_nb_seeds++;
	}
	closedir(d);
	return 0;
}

/*
 * main() of target @name: SEED_DIR [RUNS [SECONDS [RNG_SEED]]]. Runs the
 * seeds, then @make's inputs. Without seeds it fails if @need_seeds.
 * @return the exit status; *runs the generated inputs run.
 */
static inline int
fuzz_standalone_main(int argc, char **argv, const char *name, bool need_seeds,
		     void (*make)(struct fuzz_input *in), unsigned long *runs)
{
	unsigned long max_runs = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	double max_s = argc > 3 ? strtod(argv[3], NULL) : 10.0;
	static struct fuzz_input in;
	struct timespec t0, t;
	unsigned long i;

	*runs = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s SEED_DIR [RUNS [SECONDS [RNG_SEED]]]\n", argv[0]);
		return 2;
	}
	fuzz_rng = argc > 4 ? strtoull(argv[4], NULL, 0) : (uint64_t)time(NULL);
	if (fuzz_rng == 0)
		fuzz_rng = 1;
	fprintf(stderr, "%s: rng seed %llu\n", name, (unsigned long long)fuzz_rng);
	if ((fuzz_load_seeds(argv[1]) != 0 || fuzz_nb_seeds == 0) && need_seeds) {
		fprintf(stderr, "%s: no seeds in %s\n", name, argv[1]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int s = 0; s < fuzz_nb_seeds; s++)
		LLVMFuzzerTestOneInput(fuzz_seeds[s].d, fuzz_seeds[s].n);
	for (i = 0; i < max_runs; i++) {
		make(&in);
		LLVMFuzzerTestOneInput(in.d, in.n);
		if ((i & 255) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) +
			    (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > max_s)
				break;
		}
	}
	*runs = i;
	return 0;
}

#endif /* FUZZ_STANDALONE_H */
