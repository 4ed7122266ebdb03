/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/nvme-perf/perf_params.c: spdk_nvme_perf's options, -r transport IDs
 * in their accepted forms, -c turned into the EAL's lcore list, and every
 * refusal with the message that explains it, the parameters untouched.
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

static char err_buf[4096];

/* Parse @argv with stderr captured into err_buf. */
static int
parse(struct perf_params *p, int argc, char **argv)
{
	int ret;

	stderr_capture();
	ret = perf_params_parse(p, argc, argv);
	stderr_release(err_buf, sizeof(err_buf));
	return ret;
}

#define ARGV(...) ((char *[]){ "perf", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "perf", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(p, ...) parse(p, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void
test_nvme_perf_params_defaults_and_spdk_options(void **state)
{
	struct perf_params p;

	(void)state;
	perf_params_defaults(&p);
	assert_int_equal(p.depth, 1);
	assert_int_equal(p.io_size, 4096);
	assert_int_equal(p.pattern, PERF_RANDREAD);
	assert_int_equal(p.time_s, 10);
	assert_int_equal(p.qpairs, 1);
	assert_int_equal(PARSE(&p, "-q", "32", "-o", "8192", "-w", "randrw", "-M", "70", "-t", "3",
			       "-a", "1", "-c", "0x6", "-P", "2", "-L", "-L", "--json", "out.json",
			       "--verify", "-r", "trtype:PCIe traddr:0000:00:04.0 ns:1",
			       "-r", "trtype:pcie traddr:0000.00.05.0"), 0);
	assert_int_equal(p.depth, 32);
	assert_int_equal(p.io_size, 8192);
	assert_int_equal(p.pattern, PERF_RANDRW);
	assert_int_equal(p.rwmixread, 70);
	assert_int_equal(p.time_s, 3);
	assert_int_equal(p.warmup_s, 1);
	assert_true(p.core_mask_set);
	assert_int_equal(p.core_mask, 6);
	assert_int_equal(p.qpairs, 2);
	assert_int_equal(p.latency, 2);
	assert_string_equal(p.json, "out.json");
	assert_true(p.verify);
	assert_int_equal(p.nb_targets, 2);
	assert_string_equal(p.targets[0].traddr, "0000:00:04.0");
	assert_int_equal(p.targets[0].nsid, 1);
	assert_string_equal(p.targets[1].traddr, "0000:00:05.0");
	assert_int_equal(p.targets[1].nsid, 0);

	perf_params_defaults(&p);
	assert_int_equal(PARSE(&p, "--io-depth=4", "--io-pattern=write", "--time=1",
			       "--enable-sw-latency-tracking", "--intr"), 0);
	assert_int_equal(p.depth, 4);
	assert_int_equal(p.pattern, PERF_WRITE);
	assert_int_equal(p.latency, 1);
	assert_true(p.intr);
	assert_false(p.continue_on_error);
	assert_int_equal(PARSE(&p, "--continue-on-error"), 0);
	assert_true(p.continue_on_error);
	perf_params_defaults(&p);
	assert_int_equal(PARSE(&p, "-h"), -ECANCELED);
}

static void
test_nvme_perf_params_transport_id_forms(void **state)
{
	struct perf_target t;

	(void)state;
	assert_int_equal(perf_parse_target("traddr:00:04.0", &t), 0);
	assert_string_equal(t.traddr, "0000:00:04.0");
	assert_int_equal(perf_parse_target("trtype=PCIe traddr=0000:00:04.0 ns=7", &t), 0);
	assert_int_equal(t.nsid, 7);
	assert_int_equal(perf_parse_target("  traddr:0000:00:1f.7\tns:2 ", &t), 0);
	assert_string_equal(t.traddr, "0000:00:1f.7");
}

static void
test_nvme_perf_params_refusals_explain_themselves(void **state)
{
	const struct {
		int argc;
		char **argv;
		const char *msg;
	} cases[] = {
		{ ARGC("-r", "trtype:RDMA traddr:0000:00:04.0"),
		  ARGV("-r", "trtype:RDMA traddr:0000:00:04.0"), "only PCIe is supported" },
		{ ARGC("-r", "trtype:PCIe"), ARGV("-r", "trtype:PCIe"), "no traddr" },
		{ ARGC("-r", "traddr:0000:zz:04.0"), ARGV("-r", "traddr:0000:zz:04.0"),
		  "is not a PCI address" },
		{ ARGC("-r", "traddr:0000:00:04.0 ns:0"), ARGV("-r", "traddr:0000:00:04.0 ns:0"),
		  "want a namespace ID" },
		{ ARGC("-r", "traddr:0000:00:04.0 subnqn:x"), ARGV("-r", "traddr:0000:00:04.0 subnqn:x"),
		  "unknown key \"subnqn\"" },
		{ ARGC("-r", "garbage"), ARGV("-r", "garbage"), "is not key:value" },
		{ ARGC("-q", "0"), ARGV("-q", "0"), "want an I/O depth" },
		{ ARGC("-q", "12x"), ARGV("-q", "12x"), "want an I/O depth" },
		{ ARGC("-o", "-4096"), ARGV("-o", "-4096"), "want an I/O size" },
		{ ARGC("-w", "randomread"), ARGV("-w", "randomread"), "want read, write" },
		{ ARGC("-w", "rw"), ARGV("-w", "rw"), "give the read percentage with -M" },
		{ ARGC("-M", "50"), ARGV("-M", "50"), "-M is for -w rw and randrw" },
		{ ARGC("-w", "rw", "-M", "101"), ARGV("-w", "rw", "-M", "101"), "0..100" },
		{ ARGC("-t", "0"), ARGV("-t", "0"), "want seconds" },
		{ ARGC("-c", "0"), ARGV("-c", "0"), "core mask" },
		{ ARGC("-P", "17"), ARGV("-P", "17"), "1..16" },
		{ ARGC("-q", "2", "-P", "4"), ARGV("-q", "2", "-P", "4"), "more queue pairs than I/Os" },
		{ ARGC("--intr", "-q", "4", "-P", "2"), ARGV("--intr", "-q", "4", "-P", "2"),
		  "one queue pair a core" },
		{ ARGC("-x"), ARGV("-x"), "unknown option" },
		{ ARGC("-q"), ARGV("-q"), "-q needs a value" },
		{ ARGC("-q", "1", "extra"), ARGV("-q", "1", "extra"), "unexpected argument extra" },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct perf_params p, before;

		perf_params_defaults(&p);
		before = p;
		assert_int_equal(parse(&p, cases[i].argc, cases[i].argv), -EINVAL);
		if (strstr(err_buf, cases[i].msg) == NULL)
			fail_msg("case %u: \"%s\" lacks \"%s\"", i, err_buf, cases[i].msg);
		/* A refused -r adds no target. */
		assert_int_equal(p.nb_targets, before.nb_targets);
	}
}

static void
test_nvme_perf_params_core_mask_becomes_the_lcore_list(void **state)
{
	char buf[64];
	uint64_t mask = 0;

	(void)state;
	assert_int_equal(perf_core_mask_to_list(0x15, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0,2,4");
	assert_int_equal(perf_core_mask_to_list(0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(perf_core_mask_to_list(UINT64_MAX, buf, 8), -ENOSPC);
	assert_int_equal(perf_find_core_mask(ARGC("--no-huge", "--", "-q", "1", "-c", "0x3"),
					     ARGV("--no-huge", "--", "-q", "1", "-c", "0x3"), &mask), 1);
	assert_int_equal(mask, 3);
	assert_int_equal(perf_find_core_mask(ARGC("--core-mask=0x8"), ARGV("--core-mask=0x8"),
					     &mask), 1);
	assert_int_equal(mask, 8);
	assert_int_equal(perf_find_core_mask(ARGC("-q", "1"), ARGV("-q", "1"), &mask), 0);
	assert_string_equal(perf_pattern_name(PERF_RANDRW), "randrw");
	assert_string_equal(perf_pattern_name((enum perf_pattern)9), "?");
}

/* spdk_nvme_perf reads -c as hexadecimal, with or without 0x: "-c 10" is lcore 4. */
static void
test_nvme_perf_params_core_mask_is_hex_without_0x(void **state)
{
	static char *const bad[] = { "0x", "x10", "0x0", "g", "1 ", " 1", "+1", "-1",
				    "0X-1", "10000000000000000", "0x1g" };
	struct perf_params p;
	uint64_t mask = 0;

	(void)state;
	perf_params_defaults(&p);
	assert_int_equal(parse(&p, ARGC("-c", "10"), ARGV("-c", "10")), 0);
	assert_int_equal(p.core_mask, 0x10);
	perf_params_defaults(&p);
	assert_int_equal(parse(&p, ARGC("-c", "0x10"), ARGV("-c", "0x10")), 0);
	assert_int_equal(p.core_mask, 0x10);
	perf_params_defaults(&p);
	assert_int_equal(parse(&p, ARGC("--core-mask=fF"), ARGV("--core-mask=fF")), 0);
	assert_int_equal(p.core_mask, 0xff);
	/* The EAL's lcores come from the same reading. */
	assert_int_equal(perf_find_core_mask(ARGC("-c", "10"), ARGV("-c", "10"), &mask), 1);
	assert_int_equal(mask, 0x10);
	assert_int_equal(perf_find_core_mask(ARGC("-c12"), ARGV("-c12"), &mask), 1);
	assert_int_equal(mask, 0x12);
	/* Octal-looking and decimal-only forms are hex too; junk is refused. */
	perf_params_defaults(&p);
	assert_int_equal(parse(&p, ARGC("-c", "010"), ARGV("-c", "010")), 0);
	assert_int_equal(p.core_mask, 0x10);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		perf_params_defaults(&p);
		if (parse(&p, ARGC("-c", bad[i]), ARGV("-c", bad[i])) != -EINVAL)
			fail_msg("-c \"%s\" was taken", bad[i]);
		assert_false(p.core_mask_set);
		if (perf_find_core_mask(ARGC("-c", bad[i]), ARGV("-c", bad[i]), &mask) != 0)
			fail_msg("-c \"%s\" was found as a mask", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_perf_params_defaults_and_spdk_options),
		cmocka_unit_test(test_nvme_perf_params_transport_id_forms),
		cmocka_unit_test(test_nvme_perf_params_refusals_explain_themselves),
		cmocka_unit_test(test_nvme_perf_params_core_mask_becomes_the_lcore_list),
		cmocka_unit_test(test_nvme_perf_params_core_mask_is_hex_without_0x),
	};

	return cmocka_run_group_tests_name("nvme_perf_params", tests, NULL, NULL);
}
