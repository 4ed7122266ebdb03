/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzz targets' own driver, for builds without libFuzzer
 * (VDK_FUZZ_STANDALONE): fuzz_standalone.c is the main() every target
 * links. It reads the seed corpus from a folder, runs the seeds, then
 * inputs the target makes from them (or afresh) until a number of runs or
 * of seconds, from a random stream that the seed it prints reproduces.
 * A target defines fuzz_target, inside #ifdef VDK_FUZZ_STANDALONE.
 */
#ifndef FUZZ_STANDALONE_H
#define FUZZ_STANDALONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest input any target takes (fuzz_nvme's). */
#define FUZZ_INPUT_MAX 8192
#define FUZZ_MAX_SEEDS 256

struct fuzz_input {
	uint8_t d[FUZZ_INPUT_MAX];
	size_t n;
};

/* What a target tells the driver. */
struct fuzz_target {
	const char *name;
	/* The longest input the target takes (at most FUZZ_INPUT_MAX): seeds are cut there. */
	size_t max_len;
	/* Run without seeds too (only a target with its own make can). */
	bool seeds_optional;
	/* A few random edits to a copy of a random seed: each input, unless make is set. */
	void (*mutate)(struct fuzz_input *in);
	/* Or: each input made the target's own way (NULL: a seed through mutate). */
	void (*make)(struct fuzz_input *in);
	/* After the last run, once "no invariant broken" is printed: the target's figures. */
	void (*done)(void);
};

/* Defined by the target. */
extern const struct fuzz_target fuzz_target;
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seed corpus the driver read, for targets that splice seeds. */
extern struct fuzz_input fuzz_seeds[FUZZ_MAX_SEEDS];
extern unsigned int fuzz_nb_seeds;

/* The next number of the driver's random stream (xorshift64*). */
uint64_t fuzz_rnd(void);

#endif /* FUZZ_STANDALONE_H */
