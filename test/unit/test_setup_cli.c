/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-setup's command line (app/setup/setup_cli.c): what it accepts, what
 * it rejects with exit status 2, and a fuzz-ish run over random argv that
 * must neither crash nor touch anything outside the fake tree.
 */
#include "test_setup_fake.h"

/* Parse only, with no roots prepended: the ctx as the tool would see it. */
static int
parse(struct setup_ctx *ctx, int argc, char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *err;
	int rc;

	err = open_memstream(&buf, &len);
	assert_non_null(err);
	setup_ctx_init(ctx, err, err);
	rc = setup_parse_args(ctx, argc, argv);
	fclose(err);
	free(buf);
	return rc;
}

#define PARSE(ctx, ...) ({ \
	char *a_[] = { "vdk-setup", __VA_ARGS__ }; \
	parse((ctx), (int)(sizeof(a_) / sizeof(a_[0])), a_); \
})

static void
test_cli_defaults_point_at_the_real_roots(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "status"), SETUP_EXIT_OK);
	assert_int_equal(ctx.cmd, SETUP_CMD_STATUS);
	assert_string_equal(ctx.root[SETUP_ROOT_SYS], "/sys");
	assert_string_equal(ctx.root[SETUP_ROOT_PROC], "/proc");
	assert_string_equal(ctx.root[SETUP_ROOT_DEV], "/dev");
	assert_int_equal(ctx.hp_node, -1);
	assert_false(ctx.json);
}

static void
test_cli_options_before_and_after_command(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "--sysfs", "/x/sys", "status", "--json", "--proc=/x/proc"),
			 SETUP_EXIT_OK);
	assert_string_equal(ctx.root[SETUP_ROOT_SYS], "/x/sys");
	assert_string_equal(ctx.root[SETUP_ROOT_PROC], "/x/proc");
	assert_true(ctx.json);
}

static void
test_cli_bind_normalizes_and_dedupes_addresses(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "bind", "00:04.0", "0000:00:04.0", "0001:0A:1f.7",
			       "--driver", "vdk_vfio_pci", "--force"), SETUP_EXIT_OK);
	assert_int_equal(ctx.nb_bdfs, 2);
	assert_string_equal(ctx.bdfs[0], "0000:00:04.0");
	assert_string_equal(ctx.bdfs[1], "0001:0a:1f.7");
	assert_string_equal(ctx.driver, "vdk_vfio_pci");
	assert_true(ctx.force);
}

static void
test_cli_double_dash_ends_options(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "unbind", "--", "00:04.0"), SETUP_EXIT_OK);
	assert_int_equal(ctx.nb_bdfs, 1);
	assert_int_equal(PARSE(&ctx, "unbind", "--", "--force"), SETUP_EXIT_USAGE);
}

static void
test_cli_hugepages_options(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "hugepages", "512", "--size", "1G", "--node", "1",
			       "--mount", "/mnt/huge", "--clear"), SETUP_EXIT_OK);
	assert_true(ctx.hp_count_set);
	assert_int_equal(ctx.hp_count, 512);
	assert_int_equal(ctx.hp_size_kb, 1048576);
	assert_int_equal(ctx.hp_node, 1);
	assert_string_equal(ctx.hp_mount, "/mnt/huge");
	assert_true(ctx.hp_clear);
	assert_int_equal(PARSE(&ctx, "hugepages"), SETUP_EXIT_OK);
	assert_false(ctx.hp_count_set);
}

static void
test_cli_page_sizes(void **state)
{
	unsigned long kb;

	(void)state;
	assert_int_equal(setup_parse_size_kb("2M", &kb), 0);
	assert_int_equal(kb, 2048);
	assert_int_equal(setup_parse_size_kb("2mb", &kb), 0);
	assert_int_equal(kb, 2048);
	assert_int_equal(setup_parse_size_kb("2048kB", &kb), 0);
	assert_int_equal(kb, 2048);
	assert_int_equal(setup_parse_size_kb("1G", &kb), 0);
	assert_int_equal(kb, 1048576);
	assert_int_equal(setup_parse_size_kb("2048", &kb), -EINVAL);
	assert_int_equal(setup_parse_size_kb("0M", &kb), -EINVAL);
	assert_int_equal(setup_parse_size_kb("M", &kb), -EINVAL);
	assert_int_equal(setup_parse_size_kb("2T", &kb), -EINVAL);
	assert_int_equal(setup_parse_size_kb("-2M", &kb), -EINVAL);
	assert_int_equal(setup_parse_size_kb("99999999999999999999G", &kb), -EINVAL);
	assert_int_equal(setup_parse_size_kb("18014398509481984G", &kb), -EINVAL);
}

static void
test_cli_iommu_mem(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "iommu", "--mem", "2048"), SETUP_EXIT_OK);
	assert_int_equal(ctx.mem_mb, 2048);
	assert_int_equal(PARSE(&ctx, "iommu", "--mem", "0"), SETUP_EXIT_USAGE);
	assert_int_equal(PARSE(&ctx, "iommu", "--mem", "1G"), SETUP_EXIT_USAGE);
	assert_int_equal(PARSE(&ctx, "iommu", "--mem", "99999999999"), SETUP_EXIT_USAGE);
}

static void
test_cli_help_wins(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "-h"), SETUP_EXIT_OK);
	assert_int_equal(ctx.cmd, SETUP_CMD_HELP);
	assert_int_equal(PARSE(&ctx, "bind", "--help", "garbage"), SETUP_EXIT_OK);
	assert_int_equal(ctx.cmd, SETUP_CMD_HELP);
	assert_int_equal(PARSE(&ctx, "help"), SETUP_EXIT_OK);
	assert_int_equal(ctx.cmd, SETUP_CMD_HELP);
}

static void
test_cli_help_prints_usage_to_stdout(void **state)
{
	struct fake *f = *state;

	assert_int_equal(fake_run(f, "--help"), SETUP_EXIT_OK);
	assert_contains(f->out, "Usage: vdk-setup");
	assert_contains(f->out, "Exit status: 0 success, 1 failure or refusal, 2 usage error.");
	assert_string_equal(f->err, "");
}

static void
test_cli_usage_errors_exit_2_with_usage_on_stderr(void **state)
{
	struct fake *f = *state;
	static const char *const cases[][3] = {
		{ "frobnicate", NULL, NULL },		/* unknown command */
		{ "status", "--frob", NULL },		/* unknown option */
		{ "status", "-x", NULL },		/* unknown short option */
		{ "status", "--json=yes", NULL },	/* value to a flag */
		{ "bind", NULL, NULL },			/* no address */
		{ "bind", "zz:00.0", NULL },		/* bad address */
		{ "bind", "00:20.0", NULL },		/* device > 31 */
		{ "bind", "00:04.8", NULL },		/* function > 7 */
		{ "bind", "00:04.0", "--driver" },	/* missing value */
		{ "bind", "00:04.0", "--driver=../x" },	/* path in a driver name */
		{ "status", "--driver=vfio-pci", NULL },/* option of another command */
		{ "iommu", "--json", NULL },
		{ "hugepages", "--clear", "--force" },
		{ "hugepages", "-5", NULL },
		{ "hugepages", "5", "6" },
		{ "hugepages", "5x", NULL },
		{ "hugepages", "--size", "3" },
		{ "hugepages", "--node", "-1" },
		{ "hugepages", "--mount", "" },
		{ "status", "extra", NULL },
		{ "--sysfs", "", "status" },
		{ "", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *args[3];
		int n = 0;

		while (n < 3 && cases[i][n] != NULL) {
			args[n] = (char *)cases[i][n];
			n++;
		}
		f->nb_writes = 0;
		if (fake_run_argv(f, n, args) != SETUP_EXIT_USAGE)
			fail_msg("case %zu (%s %s) did not give a usage error", i, cases[i][0],
				 cases[i][1] ? cases[i][1] : "");
		assert_contains(f->err, "vdk-setup: ");
		assert_contains(f->err, "Usage: vdk-setup");
		assert_string_equal(f->out, "");
		assert_int_equal(f->nb_writes, 0);
	}
}

static void
test_cli_no_command_is_a_usage_error(void **state)
{
	struct setup_ctx ctx;

	(void)state;
	assert_int_equal(PARSE(&ctx, "--json"), SETUP_EXIT_USAGE);
}

static void
test_cli_too_many_addresses(void **state)
{
	struct setup_ctx ctx;
	char *argv[SETUP_MAX_BDFS + 3];
	char names[SETUP_MAX_BDFS + 1][16];

	(void)state;
	argv[0] = "vdk-setup";
	argv[1] = "bind";
	for (int i = 0; i <= SETUP_MAX_BDFS; i++) {
		snprintf(names[i], sizeof(names[i]), "%02x:%02x.0", i / 32, i % 32);
		argv[i + 2] = names[i];
	}
	assert_int_equal(parse(&ctx, SETUP_MAX_BDFS + 2, argv), SETUP_EXIT_OK);
	assert_int_equal(parse(&ctx, SETUP_MAX_BDFS + 3, argv), SETUP_EXIT_USAGE);
}

static void
test_cli_long_root_is_rejected(void **state)
{
	struct setup_ctx ctx;
	char *longp = malloc(PATH_MAX + 10);

	(void)state;
	memset(longp, 'a', PATH_MAX + 9);
	longp[PATH_MAX + 9] = '\0';
	assert_int_equal(PARSE(&ctx, "--sysfs", longp, "status"), SETUP_EXIT_USAGE);
	free(longp);
}

/*
 * Random argv from a dictionary of commands, options, values and junk.
 * The roots come first and cannot be moved to the real trees: the
 * dictionary holds no absolute path but fake ones, and the model flags any
 * write outside the temp dir. Run from inside the temp dir so that a
 * relative junk root lands there too.
 */
static void
test_cli_random_argv_never_crashes(void **state)
{
	struct fake *f = *state;
	static const char *const dict[] = {
		"status", "bind", "unbind", "hugepages", "iommu", "help", "--json", "--force",
		"--dry-run", "--driver", "--driver=vfio-pci", "--size", "--size=2M", "1G",
		"--node", "0", "--mount", "--clear", "--mem", "64", "-h", "--", "-", "--=",
		"--sysfs", "--proc", "--dev", "--pci-ids", "none", "00:04.0", "0000:00:03.0",
		"ffffffff:ff:1f.7", "00:04", ":.", "0x10", "512", "18446744073709551616", "",
		"=", "--json=", "--node=", "\xff\xfe", "%s%n", "vfio-pci", "nvme", "..",
		"relative-junk", "-1", "+1", " 1", "bind bind", "\t", "--owner", "--user",
		"4000000", "4000000:4000001", "root", "root:root", "nobody:", ":",
		"--owner=4000000",
	};
	char *argv[24];
	char sysd[PATH_MAX + 16], lens[8][40];
	char cwd[PATH_MAX];
	unsigned int seed = 12345, seen[3] = { 0, 0, 0 };

	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	fake_add_device(f, "0000:00:03.0", 0x8086, 0x10d3, 0x020000, NULL, 3);
	fake_add_driver(f, "vfio-pci");
	fake_dir(f, "sys/kernel/mm/hugepages/hugepages-2048kB");
	fake_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	fake_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->root), 0);
	snprintf(sysd, sizeof(sysd), "%s", f->sys);
	for (int round = 0; round < 3000; round++) {
		int n = 1 + rand_r(&seed) % 8, rc;

		for (int i = 0; i < n; i++) {
			unsigned int pick = rand_r(&seed) % (sizeof(dict) / sizeof(dict[0]) + 4);

			/* Start with a command most of the time, to get past the parser. */
			if (i == 0 && rand_r(&seed) % 4 != 0)
				pick = rand_r(&seed) % 6;
			if (pick < sizeof(dict) / sizeof(dict[0])) {
				argv[i] = (char *)dict[pick];
			} else if (pick == sizeof(dict) / sizeof(dict[0])) {
				argv[i] = sysd;		/* a fake root as a value */
			} else {
				/* Random bytes, no '/': junk that is never a real path. */
				char *s = lens[i % 8];
				int len = rand_r(&seed) % 39;

				for (int k = 0; k < len; k++) {
					s[k] = (char)(1 + rand_r(&seed) % 255);
					if (s[k] == '/')
						s[k] = 'x';
				}
				s[len] = '\0';
				argv[i] = s;
			}
		}
		f->nb_writes = 0;
		rc = fake_run_argv(f, n, argv);
		if (rc != SETUP_EXIT_OK && rc != SETUP_EXIT_FAIL && rc != SETUP_EXIT_USAGE)
			fail_msg("round %d: exit status %d", round, rc);
		seen[rc]++;
		assert_false(f->escaped);
		/* Put back what a bind in this round may have changed. */
		fake_bind_link(f, "0000:00:04.0", "nvme");
		fake_unlink(f, "sys/devices/pci0000:00/0000:00:03.0/driver");
	}
	assert_int_equal(chdir(cwd), 0);
	/* The dictionary must reach the commands, not only the parser's errors. */
	print_message("exit 0: %u, 1: %u, 2: %u\n", seen[0], seen[1], seen[2]);
	assert_true(seen[SETUP_EXIT_OK] > 100);
	assert_true(seen[SETUP_EXIT_FAIL] > 40);
}

/* A driver name is a module name to modprobe: one that reads as an option is refused. */
static void
test_cli_driver_name_that_reads_as_an_option_is_refused(void **state)
{
	struct fake *f = *state;

	fake_add_device(f, "0000:00:04.0", 0x1b36, 0x0010, 0x010802, "nvme", 4);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--driver=-r"), SETUP_EXIT_USAGE);
	assert_contains(f->err, "--driver '-r': not a driver name");
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--driver", "--show-depends"),
			 SETUP_EXIT_USAGE);
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--driver=_x"), SETUP_EXIT_USAGE);
	assert_int_equal(f->nb_modprobes, 0);
	assert_int_equal(f->nb_writes, 0);
	/* '-' and '_' inside a name stay fine: vfio-pci, vdk_vfio_pci. */
	fake_add_driver(f, "vdk_vfio-pci");
	assert_int_equal(fake_run(f, "bind", "00:04.0", "--driver=vdk_vfio-pci", "--force",
				  "--dry-run"), SETUP_EXIT_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_defaults_point_at_the_real_roots),
		cmocka_unit_test(test_cli_options_before_and_after_command),
		cmocka_unit_test(test_cli_bind_normalizes_and_dedupes_addresses),
		cmocka_unit_test(test_cli_double_dash_ends_options),
		cmocka_unit_test(test_cli_hugepages_options),
		cmocka_unit_test(test_cli_page_sizes),
		cmocka_unit_test(test_cli_iommu_mem),
		cmocka_unit_test(test_cli_help_wins),
		cmocka_unit_test(test_cli_no_command_is_a_usage_error),
		cmocka_unit_test(test_cli_too_many_addresses),
		cmocka_unit_test(test_cli_long_root_is_rejected),
		cmocka_unit_test_setup_teardown(test_cli_help_prints_usage_to_stdout,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_cli_usage_errors_exit_2_with_usage_on_stderr,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_cli_random_argv_never_crashes,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_cli_driver_name_that_reads_as_an_option_is_refused,
						fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
