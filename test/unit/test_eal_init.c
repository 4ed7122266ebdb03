/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk_eal_init() and vdk_eal_cleanup() end to end with --no-huge: what
 * init sets up, that every failure leaves nothing behind, and that the EAL
 * comes up again after a failure and after cleanup.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"
#include "vdk_memzone.h"
#include "vdk_telemetry.h"

static cpu_set_t allowed;
/* VDK_RUNTIME_DIR for the test: telemetry sockets go here, not /run. */
static char rundir[] = "/tmp/vdk-test-eal-init-XXXXXX";

#define MAX_ARGS 32
static char *argv_store[MAX_ARGS];
static int argc_store;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	log_capture();
	return 0;
}

/* Entries in the runtime directory: a file prefix's folder while the EAL is up. */
static int
rundir_entries(void)
{
	struct dirent *de;
	DIR *d = opendir(rundir);
	int n = 0;

	if (d == NULL)
		return 0;	/* not made yet */
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int
teardown(void **state)
{
	(void)state;
	log_release();
	return 0;
}

static int
init(const char *first, ...)
{
	va_list ap;
	const char *a;

	argc_store = 0;
	argv_store[argc_store++] = (char *)"test_eal_init";
	va_start(ap, first);
	for (a = first; a != NULL; a = va_arg(ap, const char *))
		argv_store[argc_store++] = (char *)a;
	va_end(ap);
	argv_store[argc_store] = NULL;
	return vdk_eal_init(argc_store, argv_store);
}

/* What a process looks like without the EAL. */
static void
assert_eal_down(int threads_before)
{
	cpu_set_t set;
	size_t total = 1;

	assert_int_equal(threads_in_process_after_join(threads_before), threads_before);
	assert_int_equal(vdk_lcore_count(), 0);
	assert_int_equal(vdk_lcore_id(), VDK_LCORE_ID_ANY);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_true(CPU_EQUAL(&set, &allowed));
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 0);
	assert_null(vdk_devargs_next(NULL));
	assert_null(vdk_telemetry_socket_path());
	assert_int_equal(rundir_entries(), 0);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_DEBUG);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_EAL), VDK_LOG_INFO);
	assert_string_equal(vdk_eal_file_prefix(), "vdk");
}

static void
test_init_no_huge_brings_everything_up(void **state)
{
	int before = threads_in_process();
	const struct vdk_memzone *mz;
	const struct vdk_devargs *da;
	size_t total = 0;
	struct stat st;
	void *p;

	(void)state;
	assert_int_equal(init("--no-huge", "--no-pci", "-m", "4", "--file-prefix", "initt",
			      "--vdev", "net_null0,size=64", "--", "app", NULL), 9);
	assert_string_equal(argv_store[9], "test_eal_init");
	assert_string_equal(argv_store[10], "app");

	assert_int_equal(vdk_lcore_count(), (unsigned int)CPU_COUNT(&allowed));
	assert_int_equal(vdk_lcore_id(), vdk_get_main_lcore());
	/* The workers and the telemetry thread. */
	assert_int_equal(threads_in_process(), before + CPU_COUNT(&allowed) - 1 + 1);
	assert_non_null(vdk_telemetry_socket_path());
	assert_non_null(strstr(vdk_telemetry_socket_path(), "/initt/telemetry."));
	assert_int_equal(strncmp(vdk_telemetry_socket_path(), rundir, strlen(rundir)), 0);
	assert_int_equal(lstat(vdk_telemetry_socket_path(), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(vdk_eal_has_hugepages());
	assert_false(vdk_eal_has_pci());
	assert_int_equal(vdk_eal_iova_mode(), VDK_IOVA_VA);
	assert_string_equal(vdk_eal_file_prefix(), "initt");
	assert_true(vdk_get_tsc_hz() > 0);

	da = vdk_devargs_next(NULL);
	assert_non_null(da);
	assert_string_equal(da->name, "net_null0");
	assert_string_equal(da->args, "size=64");

	vdk_memory_usage(&total, NULL);
	assert_true(total >= 4u << 20);
	p = vdk_malloc("test", 1000, 0);
	assert_non_null(p);
	memset(p, 0xa5, 1000);
	vdk_free(p);
	mz = vdk_memzone_reserve("init_test_mz", 4096, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mz);
	assert_ptr_equal(vdk_memzone_lookup("init_test_mz"), mz);

	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_eal_down(before);
	assert_null(vdk_memzone_lookup("init_test_mz"));
}

static int
add_one(void *arg)
{
	__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
test_init_workers_run_launched_functions(void **state)
{
	int runs = 0;

	(void)state;
	assert_int_equal(init("--no-huge", "--no-pci", NULL), 2);
	assert_int_equal(vdk_eal_mp_remote_launch(add_one, &runs, VDK_CALL_MAIN), 0);
	assert_int_equal(vdk_eal_mp_wait_lcore(), 0);
	assert_int_equal(runs, (int)vdk_lcore_count());
	assert_int_equal(vdk_eal_cleanup(), 0);
}

static void
test_init_twice_is_ealready(void **state)
{
	(void)state;
	assert_int_equal(init("--no-huge", "--no-pci", NULL), 2);
	assert_int_equal(init("--no-huge", "--no-pci", NULL), -EALREADY);
	assert_logged("vdk_eal_init() called twice");
	/* The first init is intact. */
	assert_true(vdk_lcore_count() > 0);
	assert_int_equal(vdk_eal_cleanup(), 0);
}

static void
test_init_no_telemetry_starts_no_server(void **state)
{
	int before = threads_in_process();

	(void)state;
	assert_int_equal(init("--no-huge", "--no-pci", "--no-telemetry", NULL), 3);
	assert_int_equal(threads_in_process(), before + CPU_COUNT(&allowed) - 1);
	assert_null(vdk_telemetry_socket_path());
	assert_int_equal(rundir_entries(), 0);
	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_eal_down(before);
}

static void
test_cleanup_without_init_is_einval(void **state)
{
	(void)state;
	assert_int_equal(vdk_eal_cleanup(), -EINVAL);
	assert_logged("not initialised");
}

static void
test_init_bad_option_leaves_nothing_then_init_works(void **state)
{
	int before = threads_in_process();

	(void)state;
	assert_int_equal(init("--no-huge", "--log-level", "pci:debug", "--iova-mode", "xx",
			      NULL), -EINVAL);
	assert_logged("--iova-mode 'xx'");
	assert_eal_down(before);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_INFO);

	assert_int_equal(init("--no-huge", "--no-pci", "--log-level", "pci:debug", NULL), 4);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_DEBUG);
	assert_int_equal(vdk_eal_cleanup(), 0);
	/* Option log levels do not outlive the EAL. */
	assert_eal_down(before);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_INFO);
}

static void
test_init_memory_failure_leaves_nothing_then_init_works(void **state)
{
	int before = threads_in_process();

	(void)state;
	/* Fails after the lcores are up: they must be stopped again. */
	assert_true(init("--no-pci", "--log-level", "eal:debug",
			 "--huge-dir", "/nonexistent/vdk-test", NULL) < 0);
	assert_logged("/nonexistent/vdk-test");
	assert_eal_down(before);

	assert_int_equal(init("--no-huge", "--no-pci", NULL), 2);
	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_eal_down(before);
}

static void
test_init_help_returns_ecanceled_and_leaves_nothing(void **state)
{
	int before = threads_in_process();

	(void)state;
	fflush(stdout);
	assert_int_equal(init("--no-huge", "-h", NULL), -ECANCELED);
	assert_eal_down(before);
}

static void
test_init_cleanup_init_cycles(void **state)
{
	int before = threads_in_process();

	(void)state;
	for (int i = 0; i < 5; i++) {
		void *p;

		assert_int_equal(init("--no-huge", "--no-pci", "-m", "2", NULL), 4);
		p = vdk_zmalloc("cycle", 1 << 16, 64);
		assert_non_null(p);
		vdk_free(p);
		assert_int_equal(vdk_eal_cleanup(), 0);
		assert_eal_down(before);
	}
}

static void
test_init_rejects_missing_argv(void **state)
{
	(void)state;
	assert_int_equal(vdk_eal_init(0, NULL), -EINVAL);
	assert_logged("no program name");
	assert_int_equal(vdk_lcore_count(), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	int ret;
	const struct CMUnitTest tests[] = {
		T(test_init_no_huge_brings_everything_up),
		T(test_init_workers_run_launched_functions),
		T(test_init_twice_is_ealready),
		T(test_init_no_telemetry_starts_no_server),
		T(test_cleanup_without_init_is_einval),
		T(test_init_bad_option_leaves_nothing_then_init_works),
		T(test_init_memory_failure_leaves_nothing_then_init_works),
		T(test_init_help_returns_ecanceled_and_leaves_nothing),
		T(test_init_cleanup_init_cycles),
		T(test_init_rejects_missing_argv),
	};

	if (mkdtemp(rundir) == NULL)
		return 1;
	setenv("VDK_RUNTIME_DIR", rundir, 1);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(rundir);
	return ret;
}
