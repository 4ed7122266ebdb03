/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of eal_options.c: every option, every bad input, where parsing
 * stops, what it leaves in argv, and parsing again after a failure.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "test_common.h"
#include "vdk_log.h"

static struct eal_config cfg;

/* The CPUs this process may use, and one it may not. */
static cpu_set_t allowed;
static int cpu0 = -1, cpu1 = -1, cpu_out = -1;

#define MAX_ARGS 160
static char *argv_store[MAX_ARGS];
static int argc_store;

static int
group_setup(void **state)
{
	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &allowed)) {
			if (cpu0 < 0)
				cpu0 = c;
			else if (cpu1 < 0)
				cpu1 = c;
		} else if (cpu_out < 0 && c < VDK_MAX_LCORE) {
			cpu_out = c;
		}
	}
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	log_capture();
	eal_config_defaults(&cfg);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_config_release(&cfg);
	eal_log_reset();
	log_release();
	return 0;
}

/* Parse a NULL-terminated list of arguments, argv[0] = "prog", into a fresh cfg. */
static int
parse(const char *first, ...)
{
	va_list ap;
	const char *a;

	eal_config_release(&cfg);
	eal_config_defaults(&cfg);
	argc_store = 0;
	argv_store[argc_store++] = (char *)"prog";
	va_start(ap, first);
	for (a = first; a != NULL; a = va_arg(ap, const char *))
		argv_store[argc_store++] = (char *)a;
	va_end(ap);
	argv_store[argc_store] = NULL;
	return eal_parse_args(&cfg, argc_store, argv_store);
}

/* A bad command line: -EINVAL, a message, and nothing kept. */
static void
assert_rejected(int ret, const char *what)
{
	assert_int_equal(ret, -EINVAL);
	assert_logged(what);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_DEBUG);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_EAL), VDK_LOG_INFO);
}

static void
skip_unless_two_cpus(void)
{
	if (cpu1 < 0) {
		print_message("only one CPU in the affinity mask: skipped\n");
		skip();
	}
}

static void
test_options_none_gives_defaults(void **state)
{
	unsigned int n = 0;

	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_string_equal(argv_store[0], "prog");
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		assert_int_equal(cfg.lcore_enabled[l], l < CPU_SETSIZE && CPU_ISSET(l, &allowed));
		if (cfg.lcore_enabled[l]) {
			assert_int_equal(cfg.lcore_cpu[l], l);
			n++;
		}
	}
	assert_int_equal(n, (unsigned int)CPU_COUNT(&allowed));
	assert_int_equal(cfg.main_lcore, cpu0);
	assert_false(cfg.no_huge);
	assert_false(cfg.no_pci);
	assert_int_equal(cfg.mem_mb, 0);
	assert_false(cfg.socket_mem_set);
	assert_string_equal(cfg.huge_dir, "");
	assert_string_equal(cfg.file_prefix, "vdk");
	assert_int_equal(cfg.iova_mode, VDK_IOVA_DC);
	assert_int_equal(cfg.vfio_backend, EAL_VFIO_AUTO);
	assert_int_equal(cfg.nb_devargs, 0);
	assert_int_equal(log_len, 0);
}

static void
test_options_every_option_is_stored(void **state)
{
	char l[16];

	(void)state;
	snprintf(l, sizeof(l), "%d", cpu0);
	assert_int_equal(parse("-l", l, "--main-lcore", l, "-a", "00:04.0,rxq=2",
			       "--vdev", "net_null0", "--no-huge", "-m", "64",
			       "--huge-dir", "/dev/hugepages", "--file-prefix", "t1",
			       "--iova-mode", "pa", "--no-pci", "-n", "4", NULL), 20);
	assert_true(cfg.lcore_enabled[cpu0]);
	assert_int_equal(cfg.main_lcore, cpu0);
	assert_int_equal(cfg.nb_devargs, 2);
	assert_string_equal(cfg.devargs[0].name, "0000:00:04.0");
	assert_string_equal(cfg.devargs[0].args, "rxq=2");
	assert_string_equal(cfg.devargs[1].name, "net_null0");
	assert_true(cfg.no_huge);
	assert_int_equal(cfg.mem_mb, 64);
	assert_string_equal(cfg.huge_dir, "/dev/hugepages");
	assert_string_equal(cfg.file_prefix, "t1");
	assert_int_equal(cfg.iova_mode, VDK_IOVA_PA);
	assert_true(cfg.no_pci);
	/* The app's argv starts with the program name again. */
	assert_string_equal(argv_store[20], "prog");
}

static void
test_options_long_forms_and_equals(void **state)
{
	char l[32];

	(void)state;
	snprintf(l, sizeof(l), "--lcores=%d", cpu0);
	assert_int_equal(parse(l, "--allow=0000:00:04.0", "--socket-mem=128,0",
			       "--iova-mode=va", NULL), 4);
	assert_true(cfg.lcore_enabled[cpu0]);
	assert_int_equal(cfg.nb_devargs, 1);
	assert_true(cfg.socket_mem_set);
	assert_int_equal(cfg.socket_mem_mb[0], 128);
	assert_int_equal(cfg.socket_mem_mb[1], 0);
	assert_int_equal(cfg.iova_mode, VDK_IOVA_VA);
}

static void
test_options_stop_at_double_dash_and_keep_app_args(void **state)
{
	(void)state;
	assert_int_equal(parse("--no-pci", "--", "-l", "5", "--foo", NULL), 2);
	/* argv[2] was "--": now the program name, then the app's own. */
	assert_string_equal(argv_store[2], "prog");
	assert_string_equal(argv_store[3], "-l");
	assert_string_equal(argv_store[4], "5");
	assert_string_equal(argv_store[5], "--foo");
	assert_true(cfg.no_pci);
}

static void
test_options_stop_at_first_non_option_without_permuting(void **state)
{
	(void)state;
	assert_int_equal(parse("--no-huge", "app-arg", "--no-pci", "-x", NULL), 1);
	assert_string_equal(argv_store[1], "prog");
	assert_string_equal(argv_store[2], "app-arg");
	assert_string_equal(argv_store[3], "--no-pci");
	assert_string_equal(argv_store[4], "-x");
	assert_true(cfg.no_huge);
	assert_false(cfg.no_pci);
}

static void
test_options_app_args_only_consume_nothing(void **state)
{
	(void)state;
	assert_int_equal(parse("file.txt", "-l", "1", NULL), 0);
	assert_string_equal(argv_store[0], "prog");
	assert_string_equal(argv_store[1], "file.txt");
}

static void
test_options_app_getopt_works_after_eal(void **state)
{
	int ret, c, seen_p = 0;
	char **app_argv;
	int app_argc;

	(void)state;
	ret = parse("--no-pci", "--", "file", "-p", "3", NULL);
	assert_int_equal(ret, 2);
	app_argv = argv_store + ret;
	app_argc = argc_store - ret;
	/* The app's own parser, permuting, sees "-p 3" past "file". */
	opterr = 0;
	while ((c = getopt(app_argc, app_argv, "p:")) != -1) {
		assert_int_equal(c, 'p');
		assert_string_equal(optarg, "3");
		seen_p = 1;
	}
	assert_true(seen_p);
	optind = 0;
}

static void
test_options_lcore_list_with_ranges(void **state)
{
	char l[32];

	(void)state;
	skip_unless_two_cpus();
	snprintf(l, sizeof(l), "%d-%d", cpu0, cpu1);
	if (cpu1 != cpu0 + 1)
		snprintf(l, sizeof(l), "%d,%d", cpu0, cpu1);
	assert_int_equal(parse("-l", l, NULL), 2);
	for (unsigned int i = 0; i < VDK_MAX_LCORE; i++)
		assert_int_equal(cfg.lcore_enabled[i], (int)i == cpu0 || (int)i == cpu1);
	assert_int_equal(cfg.lcore_cpu[cpu1], cpu1);
	assert_int_equal(cfg.main_lcore, cpu0);
}

static void
test_options_main_lcore_picks_listed_lcore(void **state)
{
	char l[32], m[16];

	(void)state;
	skip_unless_two_cpus();
	snprintf(l, sizeof(l), "%d,%d", cpu0, cpu1);
	snprintf(m, sizeof(m), "%d", cpu1);
	assert_int_equal(parse("-l", l, "--main-lcore", m, NULL), 4);
	assert_int_equal(cfg.main_lcore, cpu1);
}

static void
test_options_lcore_at_cpu_maps_ids(void **state)
{
	char l[64];

	(void)state;
	/* Two lcores may share a CPU: this works with one CPU too. */
	snprintf(l, sizeof(l), "0@%d,7@%d", cpu0, cpu0);
	assert_int_equal(parse("-l", l, "--main-lcore", "7", NULL), 4);
	assert_true(cfg.lcore_enabled[0]);
	assert_true(cfg.lcore_enabled[7]);
	assert_int_equal(cfg.lcore_cpu[0], cpu0);
	assert_int_equal(cfg.lcore_cpu[7], cpu0);
	assert_int_equal(cfg.main_lcore, 7);
}

static void
test_options_rejects_bad_lcore_lists(void **state)
{
	static const char *const bad[] = {
		"", ",", "0,", ",0", "0,,1", "a", "0-", "-1", "1-0", "0x1", "0 1",
		"0-1-2", "0@", "@0", "0-1@0", "0@0-1", "0@0@0", "99999999999999999999",
	};

	(void)state;
	for (size_t i = 0; i < VDK_DIM(bad); i++) {
		int ret = parse("-l", bad[i], NULL);

		if (ret != -EINVAL)
			fail_msg("-l '%s' gave %d", bad[i], ret);
	}
	assert_logged("not a list of lcores");
}

static void
test_options_rejects_lcore_id_too_large(void **state)
{
	(void)state;
	assert_rejected(parse("-l", "128", NULL), "lcore 128 is too large");
	assert_logged("up to 127");
}

static void
test_options_rejects_cpu_outside_affinity_naming_it(void **state)
{
	char l[16], msg[64], allowed_msg[300], list[256];

	(void)state;
	if (cpu_out < 0)
		skip();
	snprintf(l, sizeof(l), "%d", cpu_out);
	eal_format_cpulist(&allowed, list, sizeof(list));
	snprintf(msg, sizeof(msg), "CPU %d ", cpu_out);
	snprintf(allowed_msg, sizeof(allowed_msg), "allowed CPUs: %s", list);
	assert_rejected(parse("-l", l, NULL), msg);
	assert_logged(allowed_msg);
}

static void
test_options_rejects_cpu_outside_affinity_in_range_and_at_form(void **state)
{
	char l[32];

	(void)state;
	if (cpu_out < 0)
		skip();
	snprintf(l, sizeof(l), "0-%d", cpu_out);
	assert_int_equal(parse("-l", l, NULL), -EINVAL);
	snprintf(l, sizeof(l), "0@%d", cpu_out);
	assert_int_equal(parse("-l", l, NULL), -EINVAL);
	assert_rejected(parse("-l", "0@100000", NULL), "CPU 100000 does not exist");
}

static void
test_options_rejects_lcore_listed_twice(void **state)
{
	char l[32];

	(void)state;
	snprintf(l, sizeof(l), "%d,%d", cpu0, cpu0);
	assert_rejected(parse("-l", l, NULL), "is listed twice");
	snprintf(l, sizeof(l), "3@%d,3@%d", cpu0, cpu0);
	assert_rejected(parse("-l", l, NULL), "lcore 3 is listed twice");
}

static void
test_options_rejects_lcores_given_twice(void **state)
{
	char l[16];

	(void)state;
	snprintf(l, sizeof(l), "%d", cpu0);
	assert_rejected(parse("-l", l, "--lcores", l, NULL), "-l given twice");
}

static void
test_options_rejects_main_lcore_not_listed(void **state)
{
	char l[16];

	(void)state;
	snprintf(l, sizeof(l), "%d", cpu0);
	assert_rejected(parse("-l", l, "--main-lcore", "100", NULL),
			"--main-lcore 100 is not in the lcore list");
}

static void
test_options_rejects_main_lcore_twice_or_garbage(void **state)
{
	char l[16];

	(void)state;
	snprintf(l, sizeof(l), "%d", cpu0);
	assert_rejected(parse("--main-lcore", l, "--main-lcore", l, NULL),
			"--main-lcore given twice");
	assert_rejected(parse("--main-lcore", "x", NULL), "--main-lcore 'x'");
	assert_rejected(parse("--main-lcore", "128", NULL), "not an lcore id");
}

static void
test_options_rejects_unknown_options(void **state)
{
	(void)state;
	assert_rejected(parse("--no-pci", "--frobnicate", NULL),
			"unknown or ambiguous option --frobnicate");
	assert_logged("after '--'");
	assert_rejected(parse("-x", NULL), "unknown option -x");
	/* Mid-cluster: the unknown letter is named, not its neighbours. */
	assert_rejected(parse("-xv", NULL), "unknown option -x");
	assert_rejected(parse("--no", NULL), "ambiguous option --no");
	assert_rejected(parse("--no-huge=1", NULL), "option --no-huge=1 takes no argument");
	assert_rejected(parse("--version=1", NULL), "option --version=1 takes no argument");
}

static void
test_options_rejects_missing_arguments(void **state)
{
	(void)state;
	assert_rejected(parse("-l", NULL), "option -l needs an argument");
	assert_rejected(parse("--vdev", NULL), "option --vdev needs an argument");
	assert_rejected(parse("--no-pci", "--lcores", NULL), "option --lcores needs an argument");
}

static void
test_options_rejects_bad_memory_sizes(void **state)
{
	static const char *const bad[] = { "0", "x", "", "-5", "12MB", "1e3",
					   "99999999999999999999", "1073741825" };

	(void)state;
	for (size_t i = 0; i < VDK_DIM(bad); i++) {
		assert_int_equal(parse("-m", bad[i], NULL), -EINVAL);
		assert_int_equal(cfg.mem_mb, 0);
	}
	assert_logged("-m '0': not a memory size");
	assert_logged("-m 'x': not a memory size");
	assert_logged("for example -m 512");
}

static void
test_options_rejects_bad_socket_mem(void **state)
{
	(void)state;
	assert_rejected(parse("--socket-mem", "0,0", NULL), "asks for no memory");
	assert_rejected(parse("--socket-mem", "512,", NULL), "--socket-mem '512,'");
	assert_rejected(parse("--socket-mem", ",512", NULL), "for example --socket-mem 512,0");
	assert_rejected(parse("--socket-mem", "a", NULL), "--socket-mem 'a'");
	assert_rejected(parse("--socket-mem", "1,1,1,1,1,1,1,1,1", NULL),
			"more than 8 NUMA nodes");
	assert_rejected(parse("--socket-mem", "64", "-m", "64", NULL),
			"-m and --socket-mem cannot be used together");
	assert_rejected(parse("--socket-mem", "64", "--no-huge", NULL),
			"--socket-mem needs hugepages");
}

static void
test_options_rejects_too_many_devices(void **state)
{
	static char names[EAL_MAX_DEVARGS + 1][24];
	int ret;

	(void)state;
	argc_store = 0;
	argv_store[argc_store++] = (char *)"prog";
	for (int i = 0; i <= EAL_MAX_DEVARGS; i++) {
		snprintf(names[i], sizeof(names[i]), "00:%02x.%d", i / 8, i % 8);
		argv_store[argc_store++] = (char *)"-a";
		argv_store[argc_store++] = names[i];
	}
	argv_store[argc_store] = NULL;
	ret = eal_parse_args(&cfg, argc_store, argv_store);
	assert_rejected(ret, "more than 64 devices");
}

static void
test_options_rejects_bad_bdf(void **state)
{
	(void)state;
	assert_rejected(parse("-a", "00:04", NULL), "'00:04' is not a PCI address");
	assert_rejected(parse("-b", "0000:00:04.9", NULL), "-b/--block 0000:00:04.9");
}

static void
test_options_rejects_allow_with_block(void **state)
{
	(void)state;
	assert_rejected(parse("-a", "00:04.0", "-b", "00:05.0", NULL),
			"-a and -b cannot be used together");
}

static void
test_options_rejects_bad_iova_mode(void **state)
{
	(void)state;
	assert_rejected(parse("--iova-mode", "xx", NULL), "--iova-mode 'xx': use pa");
	assert_rejected(parse("--iova-mode", "VA", NULL), "--iova-mode 'VA'");
	assert_int_equal(cfg.iova_mode, VDK_IOVA_DC);
}

static void
test_options_vfio_backend_takes_each_choice(void **state)
{
	(void)state;
	assert_int_equal(parse("--vfio-backend", "vdk", NULL), 2);
	assert_int_equal(cfg.vfio_backend, EAL_VFIO_VDK);
	assert_int_equal(parse("--vfio-backend=mainline", NULL), 1);
	assert_int_equal(cfg.vfio_backend, EAL_VFIO_MAINLINE);
	assert_int_equal(parse("--vfio-backend", "vdk", "--vfio-backend", "auto", NULL), 4);
	assert_int_equal(cfg.vfio_backend, EAL_VFIO_AUTO);
	/* Shortened while unambiguous, like every long option. */
	assert_int_equal(parse("--vfio", "vdk", NULL), 2);
	assert_int_equal(cfg.vfio_backend, EAL_VFIO_VDK);
}

static void
test_options_rejects_bad_vfio_backend_naming_the_choices(void **state)
{
	(void)state;
	assert_rejected(parse("--vfio-backend", "bogus", NULL),
			"--vfio-backend 'bogus': use auto (by the driver each device is bound "
			"to), mainline (the kernel's vfio-pci) or vdk (VDK's vdk_vfio module)");
	assert_rejected(parse("--vfio-backend", "VDK", NULL), "--vfio-backend 'VDK'");
	assert_rejected(parse("--vfio-backend", "", NULL), "--vfio-backend ''");
	assert_rejected(parse("--vfio-backend", NULL), "option --vfio-backend needs an argument");
	assert_rejected(parse("--vfio-backend", "vdk", "--vfio-backend", "vfio", NULL),
			"--vfio-backend 'vfio'");
}

static void
test_options_rejects_bad_file_prefix_and_huge_dir(void **state)
{
	(void)state;
	assert_rejected(parse("--file-prefix", "a/b", NULL), "--file-prefix 'a/b'");
	assert_rejected(parse("--file-prefix", "", NULL), "--file-prefix ''");
	assert_rejected(parse("--file-prefix",
		"a-prefix-that-is-much-longer-than-the-sixty-three-characters-allowed", NULL),
		"use 1 to 63");
	assert_rejected(parse("--huge-dir", "", NULL), "--huge-dir: give the path");
	assert_rejected(parse("-n", "0", NULL), "-n '0'");
}

static void
test_options_rejects_bad_log_levels(void **state)
{
	(void)state;
	assert_rejected(parse("--log-level", "loud", NULL), "unknown level 'loud'");
	assert_rejected(parse("--log-level", "9", NULL), "unknown level '9'");
	assert_rejected(parse("--log-level", "pci:", NULL), "unknown level ''");
	assert_rejected(parse("--log-level", ":debug", NULL), "before ':'");
	assert_rejected(parse("--log-level", "pci:dbg", NULL), "--log-level pci:dbg");
	/* A good level before a bad option is not applied either. */
	assert_rejected(parse("--log-level", "pci:debug", "--log-level", "1",
			      "-m", "0", NULL), "-m '0'");
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_INFO);
}

static void
test_options_log_level_global_and_per_type(void **state)
{
	(void)state;
	/* Per-type wins over global whatever the order. */
	assert_int_equal(parse("--log-level", "pci:debug", "--log-level", "warning",
			       "--log-level=net.*:err", NULL), 5);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_EAL), VDK_LOG_WARNING);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_DEBUG);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_DEBUG);
	assert_true(vdk_log_can_log(VDK_LOG_DEBUG, VDK_LOGTYPE_PCI));
	assert_false(vdk_log_can_log(VDK_LOG_NOTICE, VDK_LOGTYPE_EAL));
	/* The pattern reaches a driver that registers later. */
	assert_int_equal(vdk_log_get_level((uint32_t)vdk_log_register_type("net.opt_test",
							VDK_LOG_INFO)), VDK_LOG_ERR);
	/* And types registered later get the global level. */
	assert_int_equal(vdk_log_get_level((uint32_t)vdk_log_register_type("opt.late",
							VDK_LOG_INFO)), VDK_LOG_WARNING);
}

static void
test_options_log_level_numeric_global(void **state)
{
	(void)state;
	assert_int_equal(parse("--log-level", "7", NULL), 2);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_INFO);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_RING), VDK_LOG_INFO);
	eal_log_reset();
	assert_int_equal(parse("--log-level", "debug", NULL), 2);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_RING), VDK_LOG_DEBUG);
}

static void
test_options_log_level_unknown_type_is_noted(void **state)
{
	(void)state;
	assert_int_equal(parse("--log-level", "pcx:debug", NULL), 2);
	assert_logged("no log type 'pcx' is registered yet");
}

static void
test_options_rejects_too_many_log_levels(void **state)
{
	(void)state;
	argc_store = 0;
	argv_store[argc_store++] = (char *)"prog";
	for (int i = 0; i < 17; i++) {
		argv_store[argc_store++] = (char *)"--log-level";
		argv_store[argc_store++] = (char *)"pci:info";
	}
	argv_store[argc_store] = NULL;
	assert_rejected(eal_parse_args(&cfg, argc_store, argv_store),
			"more than 16 --log-level options");
}

static void
test_options_help_returns_ecanceled(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	/* -h prints to stdout; the text itself is checked through eal_usage. */
	fflush(stdout);
	assert_int_equal(parse("--no-pci", "-h", "-m", "0", NULL), -ECANCELED);
	f = open_memstream(&buf, &len);
	eal_usage(f, "myapp");
	fclose(f);
	assert_non_null(strstr(buf, "Usage: myapp [EAL options] -- [app options]"));
	assert_non_null(strstr(buf, "--log-level"));
	assert_non_null(strstr(buf, "--iova-mode pa|va"));
	assert_non_null(strstr(buf, "--vfio-backend auto|mainline|vdk"));
	free(buf);
}

static void
test_options_version_prints_and_continues(void **state)
{
	char out[256] = "";
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	(void)state;
	assert_non_null(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	assert_int_equal(parse("-v", "--no-pci", NULL), 2);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	assert_string_equal(out, "VDK 0.2.0\n");
	assert_string_equal(vdk_version(), "VDK 0.2.0");
	assert_true(cfg.no_pci);
}

static void
test_options_parse_again_after_failure(void **state)
{
	(void)state;
	/* Fail in the middle of a cluster, leaving getopt mid-word... */
	assert_int_equal(parse("--no-huge", "-vx", "-m", "5", NULL), -EINVAL);
	/* ...and the next parse still starts from argv[1]. */
	assert_int_equal(parse("-m", "8", "--no-pci", NULL), 3);
	assert_int_equal(cfg.mem_mb, 8);
	assert_true(cfg.no_pci);
	assert_false(cfg.no_huge);
}

static void
test_options_rejects_empty_argv(void **state)
{
	char *none[] = { NULL };

	(void)state;
	assert_int_equal(eal_parse_args(&cfg, 0, none), -EINVAL);
	assert_int_equal(eal_parse_args(&cfg, 1, NULL), -EINVAL);
	assert_int_equal(eal_parse_args(&cfg, 1, none), -EINVAL);
	assert_logged("no program name");
}

static void
test_cpulist_parse_and_format_round_trip(void **state)
{
	cpu_set_t set;
	char buf[64];

	(void)state;
	assert_int_equal(eal_parse_cpulist("0-3,5,7-8\n", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 7);
	eal_format_cpulist(&set, buf, sizeof(buf));
	assert_string_equal(buf, "0-3,5,7-8");
	CPU_ZERO(&set);
	eal_format_cpulist(&set, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_int_equal(eal_parse_cpulist("0-", &set), -EINVAL);
	assert_int_equal(eal_parse_cpulist("3-1", &set), -EINVAL);
	assert_int_equal(eal_parse_cpulist("x", &set), -EINVAL);
	assert_int_equal(eal_parse_cpulist("5000", &set), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_options_none_gives_defaults),
		T(test_options_every_option_is_stored),
		T(test_options_long_forms_and_equals),
		T(test_options_stop_at_double_dash_and_keep_app_args),
		T(test_options_stop_at_first_non_option_without_permuting),
		T(test_options_app_args_only_consume_nothing),
		T(test_options_app_getopt_works_after_eal),
		T(test_options_lcore_list_with_ranges),
		T(test_options_main_lcore_picks_listed_lcore),
		T(test_options_lcore_at_cpu_maps_ids),
		T(test_options_rejects_bad_lcore_lists),
		T(test_options_rejects_lcore_id_too_large),
		T(test_options_rejects_cpu_outside_affinity_naming_it),
		T(test_options_rejects_cpu_outside_affinity_in_range_and_at_form),
		T(test_options_rejects_lcore_listed_twice),
		T(test_options_rejects_lcores_given_twice),
		T(test_options_rejects_main_lcore_not_listed),
		T(test_options_rejects_main_lcore_twice_or_garbage),
		T(test_options_rejects_unknown_options),
		T(test_options_rejects_missing_arguments),
		T(test_options_rejects_bad_memory_sizes),
		T(test_options_rejects_bad_socket_mem),
		T(test_options_rejects_too_many_devices),
		T(test_options_rejects_bad_bdf),
		T(test_options_rejects_allow_with_block),
		T(test_options_rejects_bad_iova_mode),
		T(test_options_vfio_backend_takes_each_choice),
		T(test_options_rejects_bad_vfio_backend_naming_the_choices),
		T(test_options_rejects_bad_file_prefix_and_huge_dir),
		T(test_options_rejects_bad_log_levels),
		T(test_options_log_level_global_and_per_type),
		T(test_options_log_level_numeric_global),
		T(test_options_log_level_unknown_type_is_noted),
		T(test_options_rejects_too_many_log_levels),
		T(test_options_help_returns_ecanceled),
		T(test_options_version_prints_and_continues),
		T(test_options_parse_again_after_failure),
		T(test_options_rejects_empty_argv),
		T(test_cpulist_parse_and_format_round_trip),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
