/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the EAL option parser (eal_parse_args and what it calls:
 * lcore lists, devargs, memory sizes, log levels).
 *
 * Input: argument strings separated by NUL bytes; "fuzz" is prepended as
 * argv[0]. Besides the sanitizers' own checks, each run checks what the
 * parser promises: the count it returns, the program name moved to
 * argv[ret], argv never reordered, a consistent config on success, and on
 * failure nothing kept (log levels untouched; devargs freed, which the
 * leak checker sees).
 *
 * Built with clang and -fsanitize=fuzzer this is a libFuzzer target. With
 * any other compiler VDK_FUZZ_STANDALONE links the driver of
 * fuzz_standalone.c, which mutates the seed corpus at random for a bounded
 * number of runs, so the target keeps being exercised in every build.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal_core_internal.h"
#include "vdk_log.h"

#define FUZZ_MAX_ARGS 64
#define FUZZ_MAX_LEN 4096

static struct eal_config cfg;
static FILE *devnull;

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_eal_options: invariant broken: %s\n", what);
		abort();
	}
}

static void
check_config(void)
{
	bool allow = false, block = false;
	unsigned int n = 0;

	check(cfg.main_lcore < VDK_MAX_LCORE && cfg.lcore_enabled[cfg.main_lcore],
	      "main lcore enabled");
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++)
		n += cfg.lcore_enabled[l];
	check(n > 0, "at least one lcore");
	check(cfg.nb_devargs <= EAL_MAX_DEVARGS, "devargs count");
	for (unsigned int i = 0; i < cfg.nb_devargs; i++) {
		const struct vdk_devargs *da = &cfg.devargs[i];
		char again[sizeof(da->name)];

		check(da->args != NULL, "devargs args set");
		check(memchr(da->name, '\0', sizeof(da->name)) != NULL, "devargs name ends");
		if (da->type == VDK_DEVTYPE_VDEV)
			continue;
		allow |= da->type == VDK_DEVTYPE_ALLOWED;
		block |= da->type == VDK_DEVTYPE_BLOCKED;
		/* Stored PCI addresses are already in canonical form. */
		check(eal_parse_bdf(da->name, again, sizeof(again)) == 0 &&
		      strcmp(again, da->name) == 0, "BDF canonical");
	}
	check(!(allow && block), "no -a with -b");
	check(!(cfg.mem_mb != 0 && cfg.socket_mem_set), "no -m with --socket-mem");
	check(cfg.file_prefix[0] != '\0', "file prefix set");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	vdk_log_set_stream(devnull);
	/* -h and -v print to stdout. */
	if (freopen("/dev/null", "w", stdout) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 2], *orig[FUZZ_MAX_ARGS + 2];
	char buf[FUZZ_MAX_LEN + 1];
	char prog[] = "fuzz";
	int argc = 0, ret;

	if (size > FUZZ_MAX_LEN)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	argv[argc++] = prog;
	for (size_t off = 0; off < size && argc <= FUZZ_MAX_ARGS; ) {
		argv[argc++] = buf + off;
		off += strlen(buf + off) + 1;
	}
	argv[argc] = NULL;
	memcpy(orig, argv, sizeof(argv[0]) * (size_t)(argc + 1));

	eal_config_defaults(&cfg);
	ret = eal_parse_args(&cfg, argc, argv);
	if (ret >= 0) {
		check(ret <= argc - 1, "consumed at most argc - 1");
		check(argv[ret] == prog, "program name at argv[ret]");
		for (int i = 0; i <= argc; i++)
			check(i == ret || argv[i] == orig[i], "argv not reordered");
		check_config();
		eal_log_reset();
	} else {
		check(ret == -EINVAL || ret == -ECANCELED || ret == -ENOMEM,
		      "error is -EINVAL, -ECANCELED or -ENOMEM");
		for (int i = 0; i <= argc; i++)
			check(argv[i] == orig[i], "argv untouched on failure");
		check(vdk_log_get_global_level() == VDK_LOG_DEBUG &&
		      vdk_log_get_level(VDK_LOGTYPE_EAL) == VDK_LOG_INFO,
		      "log levels untouched on failure");
	}
	eal_config_release(&cfg);
	check(cfg.nb_devargs == 0, "release forgets devargs");
	return 0;
}

#ifdef VDK_FUZZ_STANDALONE
/*
 * A small mutation driver: start from the seeds, apply a few random edits
 * (byte changes, inserted option names, splices, cuts), run, repeat.
 */
#include "fuzz_standalone.h"

static const char *const tokens[] = {
	"-l", "--lcores", "--main-lcore", "-a", "--allow", "-b", "--block", "--vdev",
	"--no-huge", "-m", "--socket-mem", "--huge-dir", "--file-prefix",
	"--iova-mode", "--no-pci", "--log-level", "-v", "-h", "-n", "--", "0", "1",
	"0-1", "0@0", ",", "-", "@", ":", "=", "00:04.0", "0000:00:04.0", "net_null0",
	"pci:debug", "net.*:info", "7", "debug", "pa", "va", "k=v", "4294967296",
	"99999999999999999999", "127", "128", "--vfio-backend", "auto", "mainline", "vdk",
};

static void
insert(struct fuzz_input *in, size_t at, const void *p, size_t len)
{
	if (in->n + len > FUZZ_MAX_LEN)
		return;
	memmove(in->d + at + len, in->d + at, in->n - at);
	memcpy(in->d + at, p, len);
	in->n += len;
}

static void
mutate(struct fuzz_input *in)
{
	unsigned int edits = 1 + (unsigned int)(fuzz_rnd() % 4);

	for (unsigned int e = 0; e < edits; e++) {
		size_t at = in->n ? (size_t)(fuzz_rnd() % (in->n + 1)) : 0;

		switch (fuzz_rnd() % 6) {
		case 0:	/* change a byte */
			if (in->n)
				in->d[fuzz_rnd() % in->n] = (uint8_t)fuzz_rnd();
			break;
		case 1: {	/* insert an option or value as its own argument */
			const char *t = tokens[fuzz_rnd() % (sizeof(tokens) / sizeof(tokens[0]))];

			insert(in, at, t, strlen(t) + 1);
			break;
		}
		case 2:	/* insert a separator */
			insert(in, at, "", 1);
			break;
		case 3:	/* cut */
			if (in->n)
				in->n = at < in->n ? at : in->n - 1;
			break;
		case 4: {	/* splice a piece of another seed */
			const struct fuzz_input *o = &fuzz_seeds[fuzz_rnd() % fuzz_nb_seeds];

			if (o->n) {
				size_t from = (size_t)(fuzz_rnd() % o->n);
				size_t len = 1 + (size_t)(fuzz_rnd() % (o->n - from));

				insert(in, at, o->d + from, len);
			}
			break;
		}
		case 5:	/* insert a digit: grows numbers past their limits */
			insert(in, at, &"0123456789"[fuzz_rnd() % 10], 1);
			break;
		}
	}
}

const struct fuzz_target fuzz_target = {
	.name = "fuzz_eal_options",
	.max_len = FUZZ_MAX_LEN,
	.mutate = mutate,
};
#endif
