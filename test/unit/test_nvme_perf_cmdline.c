/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/nvme-perf/perf_cmdline.c: spdk_nvme_perf's command lines (no "--")
 * turned into the EAL form; each SPDK line and its EAL-form twin give the
 * same EAL options and, through perf_params_parse(), the same workload;
 * the EAL form is passed on as it was (plus -l from -c); and every SPDK
 * option VDK cannot honour, a bad value or a stray word is refused with a
 * message that names it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "perf.h"
#include "test_common.h"
#include "vdk_common.h"

static char err_buf[4096];

/* Split @line at spaces into @words ('...' keeps spaces), argv[0] first. */
static int
split(char *line, char **words, int max)
{
	int n = 0;

	words[n++] = "vdk-nvme-perf";
	while (*line != '\0' && n < max - 1) {
		char *w;

		while (*line == ' ')
			line++;
		if (*line == '\0')
			break;
		if (*line == '\'') {
			w = ++line;
			line = strchr(line, '\'');
			assert_non_null(line);
		} else {
			w = line;
			line += strcspn(line, " ");
		}
		if (*line != '\0')
			*line++ = '\0';
		words[n++] = w;
	}
	words[n] = NULL;
	return n;
}

/* Build @text's command line with stderr into err_buf; @words keeps its words. */
static int
build(struct perf_cmdline *c, const char *text, char *buf, size_t len, char **words)
{
	int ret, argc;

	snprintf(buf, len, "%s", text);
	argc = split(buf, words, 64);
	stderr_capture();
	ret = perf_cmdline_build(c, argc, words);
	stderr_release(err_buf, sizeof(err_buf));
	return ret;
}

/* The words after argv[0], space separated, into @out. */
static void
joined(const struct perf_cmdline *c, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 1; i < c->argc; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i > 1 ? " " : "", c->argv[i]);
	assert_null(c->argv[c->argc]);
}

static void
assert_becomes(const char *spdk, const char *want)
{
	struct perf_cmdline c;
	char buf[512], got[512], *words[64];

	assert_int_equal(build(&c, spdk, buf, sizeof(buf), words), 0);
	joined(&c, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("'%s' became '%s', not '%s'", spdk, got, want);
	perf_cmdline_free(&c);
}

static void
test_nvme_perf_cmdline_spdk_line_becomes_the_eal_form(void **state)
{
	(void)state;
	/* The line, and SPDK's documentation's (doc/nvme.md there). */
	assert_becomes("-q 32 -o 4096 -w randread -t 10 -r 'trtype:PCIe traddr:0000:00:04.0'",
		       "-a 0000:00:04.0 -- -q 32 -o 4096 -w randread -t 10 -r "
		       "trtype:PCIe traddr:0000:00:04.0");
	assert_becomes("-q 128 -o 4096 -w randread -r 'trtype:PCIe traddr:0000:04:00.0' -t 300",
		       "-a 0000:04:00.0 -- -q 128 -o 4096 -w randread -r "
		       "trtype:PCIe traddr:0000:04:00.0 -t 300");
	/* -c starts the lcores, -s sizes memory, -a is the warm-up, -b and -i the EAL's. */
	assert_becomes("-q 64 -o 4096 -w randrw -M 30 -t 60 -c 0x6 -s 512 -a 2 -LL "
		       "-b 0000:00:05.0 -i 3 -Q 1 -E",
		       "-l 1,2 -m 512 -a 0000:00:05.0 --file-prefix spdk3 -- -q 64 -o 4096 "
		       "-w randrw -M 30 -t 60 -c 0x6 -a 2 -L -L --continue-on-error --intr");
	/* Long names, SPDK's dotted address, one controller named twice allowed once. */
	assert_becomes("--io-depth 8 --io-size 8192 --io-pattern write --time 3 --core-mask 1 "
		       "--transport 'trtype:PCIe traddr:0000.00.04.0 ns:1' "
		       "--transport 'trtype:PCIe traddr:0000:00:04.0 ns:2' --hugemem-size 256 "
		       "--warmup-time 1 --continue-on-error 5 --no-huge --json out.json",
		       "-l 0 -a 0000:00:04.0 -m 256 --no-huge -- -q 8 -o 8192 -w write -t 3 -c 1 "
		       "-r trtype:PCIe traddr:0000.00.04.0 ns:1 -r trtype:PCIe traddr:0000:00:04.0 "
		       "ns:2 -a 1 --continue-on-error --json out.json");
	/* Nothing at all: the defaults, as before. -h: the EAL's help, then perf's. */
	assert_becomes("", "--");
	assert_becomes("-h", "-h --");
}

static void
test_nvme_perf_cmdline_eal_form_is_kept(void **state)
{
	(void)state;
	assert_becomes("-l 0 -- -q 1 -a 2", "-l 0 -- -q 1 -a 2");
	/* perf's -c names the lcores when the EAL options do not. */
	assert_becomes("--no-huge -- -q 1 -c 0x3", "-l 0,1 --no-huge -- -q 1 -c 0x3");
	assert_becomes("-l 0-1 -- -c 0x2", "-l 0-1 -- -c 0x2");
	assert_becomes("--", "--");
}

/* The parameters two command lines give; pointers compared as strings. */
static void
assert_same_params(const struct perf_params *a, const struct perf_params *b)
{
	assert_int_equal(a->depth, b->depth);
	assert_int_equal(a->io_size, b->io_size);
	assert_int_equal(a->pattern, b->pattern);
	assert_int_equal(a->rwmixread, b->rwmixread);
	assert_int_equal(a->time_s, b->time_s);
	assert_int_equal(a->warmup_s, b->warmup_s);
	assert_int_equal(a->core_mask, b->core_mask);
	assert_int_equal(a->core_mask_set, b->core_mask_set);
	assert_int_equal(a->qpairs, b->qpairs);
	assert_int_equal(a->latency, b->latency);
	assert_int_equal(a->verify, b->verify);
	assert_int_equal(a->intr, b->intr);
	assert_int_equal(a->continue_on_error, b->continue_on_error);
	assert_true((a->json == NULL) == (b->json == NULL));
	if (a->json != NULL)
		assert_string_equal(a->json, b->json);
	assert_int_equal(a->nb_targets, b->nb_targets);
	for (unsigned int i = 0; i < a->nb_targets; i++) {
		assert_string_equal(a->targets[i].traddr, b->targets[i].traddr);
		assert_int_equal(a->targets[i].nsid, b->targets[i].nsid);
	}
}

/* The EAL options (before "--") and, parsed, perf's parameters of @line. */
static void
split_and_parse(const char *line, char *buf, char **words, char *eal, size_t len,
		struct perf_params *p)
{
	struct perf_cmdline c;
	size_t n = 0;
	int dd = 0;

	assert_int_equal(build(&c, line, buf, 512, words), 0);
	eal[0] = '\0';
	for (int i = 1; i < c.argc && dd == 0; i++) {
		if (strcmp(c.argv[i], "--") == 0)
			dd = i;
		else
			n += (size_t)snprintf(eal + n, len - n, "%s ", c.argv[i]);
	}
	assert_true(dd > 0);
	perf_params_defaults(p);
	/* As vdk_eal_init() hands it over: argv[0] in the slot of "--". */
	c.argv[dd] = c.argv[0];
	assert_int_equal(perf_params_parse(p, c.argc - dd, c.argv + dd), 0);
	perf_cmdline_free(&c);
}

static void
test_nvme_perf_cmdline_both_forms_give_the_same_workload(void **state)
{
	static const char *const pairs[][2] = {
		{ "-q 32 -o 4096 -w randread -t 10 -r 'trtype:PCIe traddr:0000:00:04.0'",
		  "-a 0000:00:04.0 -- -q 32 -o 4096 -w randread -t 10 "
		  "-r 'trtype:PCIe traddr:0000:00:04.0'" },
		{ "-q 128 -o 4096 -w randrw -M 70 -t 5 -c 3 -P 2 -LL -Q 1 -b 0000:00:05.0 -i 1 "
		  "-s 256 -a 3 --json x.json",
		  "-l 0,1 -a 0000:00:05.0 --file-prefix spdk1 -m 256 -- -q 128 -o 4096 -w randrw "
		  "-M 70 -t 5 -c 3 -P 2 -LL --continue-on-error -a 3 --json x.json" },
		{ "--io-depth 4 --io-pattern write --time 2 -E --transport "
		  "'trtype:PCIe traddr:0000:00:05.0 ns:1'",
		  "-a 0000:00:05.0 -- -q 4 -w write -t 2 --intr -r "
		  "'trtype:PCIe traddr:0000:00:05.0 ns:1'" },
	};

	(void)state;
	for (unsigned int i = 0; i < VDK_DIM(pairs); i++) {
		char b1[512], b2[512], e1[256], e2[256], *w1[64], *w2[64];
		struct perf_params p1, p2;

		split_and_parse(pairs[i][0], b1, w1, e1, sizeof(e1), &p1);
		split_and_parse(pairs[i][1], b2, w2, e2, sizeof(e2), &p2);
		if (strcmp(e1, e2) != 0)
			fail_msg("EAL options: '%s' from '%s', '%s' from '%s'", e1, pairs[i][0], e2,
				 pairs[i][1]);
		assert_same_params(&p1, &p2);
	}
}

static void
assert_refused(const char *line, const char *message)
{
	struct perf_cmdline c;
	char buf[512], *words[64];

	assert_int_equal(build(&c, line, buf, sizeof(buf), words), -EINVAL);
	if (strstr(err_buf, message) == NULL)
		fail_msg("'%s': said '%s', not '%s'", line, err_buf, message);
	assert_null(c.argv);
}

static void
test_nvme_perf_cmdline_refusals_say_why(void **state)
{
	(void)state;
	assert_refused("-q 8 -N", "spdk_nvme_perf's -N (--no-shst-notification");
	assert_refused("-q 8 -d 1000", "-d (--number-ios: stop after a number of I/Os) has no "
		       "equivalent");
	assert_refused("-G", "--log-level in the EAL form");
	assert_refused("--transport-stats", "--transport-stats (transport statistics)");
	assert_refused("-e 'PRACT=0,PRCHK=GUARD'", "-e (--metadata");
	assert_refused("-q 8 -j", "unknown option -j");
	assert_refused("--no-pci -q 8", "unknown option --no-pci: vdk-nvme-perf reads "
		       "spdk_nvme_perf's options, or EAL options, \"--\", then perf's");
	assert_refused("-q", "-q needs a value");
	assert_refused("-q 8 randread", "unexpected argument randread");
	assert_refused("-c 0", "-c 0: want a non-zero hexadecimal core mask");
	assert_refused("-c 0xg", "-c 0xg: want a non-zero hexadecimal core mask");
	assert_refused("-s 12x", "-s 12x: want a whole number");
	assert_refused("-s 0", "-s 0: want the memory in MB");
	assert_refused("-i -1", "-i -1: want a whole number");
	assert_refused("-Q many", "-Q many: want a whole number");
	assert_refused("-b 0000:00:zz.0", "-b 0000:00:zz.0: not a PCI address");
	assert_refused("-r 'trtype:RDMA adrfam:IPv4 traddr:192.168.100.8 trsvcid:4420'",
		       "trtype RDMA: only PCIe is supported");
	/* SPDK's -Q takes a count; without "--" so does --continue-on-error. */
	assert_refused("-q 8 --continue-on-error", "--continue-on-error needs a value");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_perf_cmdline_spdk_line_becomes_the_eal_form),
		cmocka_unit_test(test_nvme_perf_cmdline_eal_form_is_kept),
		cmocka_unit_test(test_nvme_perf_cmdline_both_forms_give_the_same_workload),
		cmocka_unit_test(test_nvme_perf_cmdline_refusals_say_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
