/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of eal_log.c: levels, types, patterns, the global cap, the
 * stream, and whole lines under concurrent logging.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "test_common.h"
#include "vdk_log.h"

static int
capture_start(void **state)
{
	(void)state;
	eal_log_reset();
	log_capture();
	return 0;
}

static int
capture_stop(void **state)
{
	(void)state;
	log_release();
	eal_log_reset();
	return 0;
}

static void
test_log_parse_level_accepts_numbers_and_names(void **state)
{
	(void)state;
	assert_int_equal(vdk_log_parse_level("1"), VDK_LOG_EMERG);
	assert_int_equal(vdk_log_parse_level("7"), VDK_LOG_INFO);
	assert_int_equal(vdk_log_parse_level("8"), VDK_LOG_DEBUG);
	assert_int_equal(vdk_log_parse_level("debug"), VDK_LOG_DEBUG);
	assert_int_equal(vdk_log_parse_level("DEBUG"), VDK_LOG_DEBUG);
	assert_int_equal(vdk_log_parse_level("emerg"), VDK_LOG_EMERG);
	assert_int_equal(vdk_log_parse_level("alert"), VDK_LOG_ALERT);
	assert_int_equal(vdk_log_parse_level("crit"), VDK_LOG_CRIT);
	assert_int_equal(vdk_log_parse_level("critical"), VDK_LOG_CRIT);
	assert_int_equal(vdk_log_parse_level("err"), VDK_LOG_ERR);
	assert_int_equal(vdk_log_parse_level("error"), VDK_LOG_ERR);
	assert_int_equal(vdk_log_parse_level("warning"), VDK_LOG_WARNING);
	assert_int_equal(vdk_log_parse_level("warn"), VDK_LOG_WARNING);
	assert_int_equal(vdk_log_parse_level("notice"), VDK_LOG_NOTICE);
	assert_int_equal(vdk_log_parse_level("info"), VDK_LOG_INFO);
}

static void
test_log_parse_level_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"", "0", "9", "10", "-1", "7x", " 7", "loud", "debugging",
		"4294967297", "99999999999999999999999",
	};

	(void)state;
	assert_int_equal(vdk_log_parse_level(NULL), -EINVAL);
	for (size_t i = 0; i < VDK_DIM(bad); i++)
		assert_int_equal(vdk_log_parse_level(bad[i]), -EINVAL);
}

static void
test_log_builtin_types_have_names_and_info_level(void **state)
{
	(void)state;
	assert_string_equal(vdk_log_type_name(VDK_LOGTYPE_EAL), "eal");
	assert_string_equal(vdk_log_type_name(VDK_LOGTYPE_PCI), "pci");
	assert_string_equal(vdk_log_type_name(VDK_LOGTYPE_USER), "user");
	assert_string_equal(vdk_log_type_name(VDK_LOG_MAX_TYPES), "?");
	assert_string_equal(vdk_log_type_name(UINT32_MAX), "?");
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_NVME), VDK_LOG_INFO);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_DEBUG);
	assert_int_equal(eal_log_type_lookup("vfio"), VDK_LOGTYPE_VFIO);
	assert_int_equal(eal_log_type_lookup("nosuch"), -ENOENT);
}

static void
test_log_writes_one_line_with_prefix(void **state)
{
	(void)state;
	VDK_LOG(ERR, PCI, "device %s: %d", "0000:00:04.0", 42);
	assert_string_equal(log_buf, "pci: device 0000:00:04.0: 42\n");
}

static void
test_log_filters_by_type_level(void **state)
{
	(void)state;
	VDK_LOG(DEBUG, PCI, "hidden");
	assert_int_equal(log_len, 0);
	assert_false(vdk_log_can_log(VDK_LOG_DEBUG, VDK_LOGTYPE_PCI));
	assert_true(vdk_log_can_log(VDK_LOG_INFO, VDK_LOGTYPE_PCI));

	assert_int_equal(vdk_log_set_level(VDK_LOGTYPE_PCI, VDK_LOG_DEBUG), 0);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_DEBUG);
	VDK_LOG(DEBUG, PCI, "shown");
	assert_string_equal(log_buf, "pci: shown\n");
	/* Other types keep their level. */
	VDK_LOG(DEBUG, EAL, "hidden");
	assert_string_equal(log_buf, "pci: shown\n");
}

static void
test_log_global_level_caps_every_type(void **state)
{
	(void)state;
	assert_int_equal(vdk_log_set_level(VDK_LOGTYPE_EAL, VDK_LOG_DEBUG), 0);
	assert_int_equal(vdk_log_set_global_level(VDK_LOG_ERR), 0);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_ERR);
	VDK_LOG(WARNING, EAL, "capped");
	VDK_LOG(DEBUG, EAL, "capped");
	assert_int_equal(log_len, 0);
	VDK_LOG(ERR, EAL, "passes");
	assert_string_equal(log_buf, "eal: passes\n");
}

static void
test_log_set_functions_reject_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(vdk_log_set_level(VDK_LOGTYPE_EAL, 0), -EINVAL);
	assert_int_equal(vdk_log_set_level(VDK_LOGTYPE_EAL, 9), -EINVAL);
	assert_int_equal(vdk_log_set_level(VDK_LOG_MAX_TYPES, VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_get_level(VDK_LOG_MAX_TYPES), -EINVAL);
	assert_int_equal(vdk_log_set_global_level(0), -EINVAL);
	assert_int_equal(vdk_log_set_global_level(9), -EINVAL);
	assert_int_equal(vdk_log_set_level_pattern(NULL, VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_set_level_pattern("", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_set_level_pattern("net.*", 0), -EINVAL);
	assert_int_equal(vdk_log_set_level_pattern(
		"a-pattern-much-longer-than-a-type-name-can-be", VDK_LOG_INFO), -EINVAL);
	/* Nothing changed. */
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_EAL), VDK_LOG_INFO);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_DEBUG);
}

static void
test_log_register_type_returns_stable_id(void **state)
{
	int id, again;

	(void)state;
	id = vdk_log_register_type("test.alpha", VDK_LOG_WARNING);
	assert_true(id >= VDK_LOGTYPE_FIRST_DYNAMIC);
	assert_string_equal(vdk_log_type_name((uint32_t)id), "test.alpha");
	assert_int_equal(vdk_log_get_level((uint32_t)id), VDK_LOG_WARNING);
	again = vdk_log_register_type("test.alpha", VDK_LOG_DEBUG);
	assert_int_equal(again, id);
	/* Re-registering does not change the level. */
	assert_int_equal(vdk_log_get_level((uint32_t)id), VDK_LOG_WARNING);
	/* A built-in name is found, not added. */
	assert_int_equal(vdk_log_register_type("pci", VDK_LOG_INFO), VDK_LOGTYPE_PCI);
}

static void
test_log_register_type_rejects_bad_names_and_levels(void **state)
{
	(void)state;
	assert_int_equal(vdk_log_register_type(NULL, VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type("", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type("Upper", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type("net:virtio", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type("net.*", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type("has space", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type(
		"a.name.that.is.far.too.long.for.the.table", VDK_LOG_INFO), -EINVAL);
	assert_int_equal(vdk_log_register_type("test.ok", 0), -EINVAL);
	assert_int_equal(vdk_log_register_type("test.ok", 9), -EINVAL);
	assert_int_equal(eal_log_type_lookup("test.ok"), -ENOENT);
}

static void
test_log_pattern_sets_existing_and_later_types(void **state)
{
	int a, b;

	(void)state;
	a = vdk_log_register_type("test.pat.one", VDK_LOG_INFO);
	assert_true(a > 0);
	assert_int_equal(vdk_log_set_level_pattern("test.pat.*", VDK_LOG_DEBUG), 0);
	assert_int_equal(vdk_log_get_level((uint32_t)a), VDK_LOG_DEBUG);
	/* Not matched: */
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_PCI), VDK_LOG_INFO);

	b = vdk_log_register_type("test.pat.two", VDK_LOG_ERR);
	assert_int_equal(vdk_log_get_level((uint32_t)b), VDK_LOG_DEBUG);

	/* The newest setting of a pattern wins for later types. */
	assert_int_equal(vdk_log_set_level_pattern("test.*", VDK_LOG_NOTICE), 0);
	assert_int_equal(vdk_log_set_level_pattern("test.pat.*", VDK_LOG_ALERT), 0);
	assert_int_equal(vdk_log_get_level((uint32_t)a), VDK_LOG_ALERT);
	b = vdk_log_register_type("test.pat.three", VDK_LOG_ERR);
	assert_int_equal(vdk_log_get_level((uint32_t)b), VDK_LOG_ALERT);
	b = vdk_log_register_type("test.other", VDK_LOG_ERR);
	assert_int_equal(vdk_log_get_level((uint32_t)b), VDK_LOG_NOTICE);
}

static void
test_log_reset_restores_defaults_and_forgets_patterns(void **state)
{
	int a, b;

	(void)state;
	a = vdk_log_register_type("test.reset.one", VDK_LOG_WARNING);
	assert_int_equal(vdk_log_set_level_pattern("test.reset.*", VDK_LOG_DEBUG), 0);
	assert_int_equal(vdk_log_set_global_level(VDK_LOG_CRIT), 0);
	assert_int_equal(vdk_log_set_level(VDK_LOGTYPE_EAL, VDK_LOG_ERR), 0);

	eal_log_reset();
	assert_int_equal(vdk_log_get_level((uint32_t)a), VDK_LOG_WARNING);
	assert_int_equal(vdk_log_get_level(VDK_LOGTYPE_EAL), VDK_LOG_INFO);
	assert_int_equal(vdk_log_get_global_level(), VDK_LOG_DEBUG);
	b = vdk_log_register_type("test.reset.two", VDK_LOG_ERR);
	assert_int_equal(vdk_log_get_level((uint32_t)b), VDK_LOG_ERR);
}

static void
test_log_unknown_type_logs_at_default_level(void **state)
{
	(void)state;
	vdk_log(VDK_LOG_ERR, VDK_LOG_MAX_TYPES + 1, "orphan %d\n", 7);
	vdk_log(VDK_LOG_DEBUG, VDK_LOG_MAX_TYPES + 1, "orphan debug\n");
	assert_string_equal(log_buf, "orphan 7\n");
}

static void
test_log_long_message_is_not_cut(void **state)
{
	char big[3000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	VDK_LOG(ERR, EAL, "%s", big);
	assert_int_equal(log_len, strlen("eal: ") + strlen(big) + 1);
	assert_memory_equal(log_buf + 5, big, strlen(big));
	assert_int_equal(log_buf[log_len - 1], '\n');
}

static void
test_log_set_stream_null_stops_capture(void **state)
{
	(void)state;
	vdk_log_set_stream(NULL);
	/* Goes to stderr: the test log shows it, the capture does not. */
	VDK_LOG(NOTICE, EAL, "to stderr (expected in test output)");
	vdk_log_set_stream(log_f);
	assert_int_equal(log_len, 0);
}

static void
test_log_pattern_table_full_is_enospc(void **state)
{
	char pat[32];
	int ret = 0;

	(void)state;
	for (int i = 0; i < 100 && ret == 0; i++) {
		snprintf(pat, sizeof(pat), "full%d.*", i);
		ret = vdk_log_set_level_pattern(pat, VDK_LOG_INFO);
	}
	assert_int_equal(ret, -ENOSPC);
	/* Re-setting a known pattern still works when full. */
	assert_int_equal(vdk_log_set_level_pattern("full0.*", VDK_LOG_DEBUG), 0);
}

#define LOG_THREADS 4
#define LOG_LINES 2000

static void *
log_thread(void *arg)
{
	unsigned int t = (unsigned int)(uintptr_t)arg;

	for (int i = 0; i < LOG_LINES; i++)
		VDK_LOG(INFO, APP, "thread %u line %d %s", t, i,
			"padding-padding-padding-padding-padding-padding");
	return NULL;
}

static void
test_log_lines_from_threads_never_interleave(void **state)
{
	pthread_t th[LOG_THREADS];
	unsigned int count[LOG_THREADS] = { 0 };
	unsigned int lines = 0;
	char *line, *save = NULL;

	(void)state;
	for (unsigned int t = 0; t < LOG_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, log_thread,
						(void *)(uintptr_t)t), 0);
	for (unsigned int t = 0; t < LOG_THREADS; t++)
		pthread_join(th[t], NULL);

	for (line = strtok_r(log_buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int t;
		int i, end = 0;

		assert_int_equal(sscanf(line, "app: thread %u line %d "
					"padding-padding-padding-padding-padding-padding%n",
					&t, &i, &end), 2);
		assert_int_equal((size_t)end, strlen(line));
		assert_true(t < LOG_THREADS);
		assert_int_equal((unsigned int)i, count[t]);
		count[t]++;
		lines++;
	}
	assert_int_equal(lines, LOG_THREADS * LOG_LINES);
}

static void
test_log_register_type_table_full_is_enospc(void **state)
{
	char name[32];
	int ret = 0;

	(void)state;
	for (int i = 0; i < VDK_LOG_MAX_TYPES && ret >= 0; i++) {
		snprintf(name, sizeof(name), "test.fill%d", i);
		ret = vdk_log_register_type(name, VDK_LOG_INFO);
	}
	assert_int_equal(ret, -ENOSPC);
	/* A registered name is still found. */
	assert_int_equal(vdk_log_register_type("eal", VDK_LOG_INFO), VDK_LOGTYPE_EAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, capture_start, capture_stop)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_log_parse_level_accepts_numbers_and_names),
		T(test_log_parse_level_rejects_garbage),
		T(test_log_builtin_types_have_names_and_info_level),
		T(test_log_writes_one_line_with_prefix),
		T(test_log_filters_by_type_level),
		T(test_log_global_level_caps_every_type),
		T(test_log_set_functions_reject_bad_arguments),
		T(test_log_register_type_returns_stable_id),
		T(test_log_register_type_rejects_bad_names_and_levels),
		T(test_log_pattern_sets_existing_and_later_types),
		T(test_log_reset_restores_defaults_and_forgets_patterns),
		T(test_log_unknown_type_logs_at_default_level),
		T(test_log_long_message_is_not_cut),
		T(test_log_set_stream_null_stops_capture),
		T(test_log_lines_from_threads_never_interleave),
		T(test_log_pattern_table_full_is_enospc),
		/* Last: it fills the type table for the rest of the process. */
		T(test_log_register_type_table_full_is_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
