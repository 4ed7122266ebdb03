/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of eal_bus.c: what a bus registration refuses, the order in
 * which vdk_eal_init() probes buses and vdk_eal_cleanup() removes them,
 * and the undo of a failed probe. The vdev bus of lib/ethdev is
 * registered already (its constructor): it has no devices here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "test_common.h"
#include "vdk_bus.h"

static char trace[64];
static int b_probe_ret;

static void
note(const char *what)
{
	strncat(trace, what, sizeof(trace) - strlen(trace) - 1);
}

static int a_probe(void) { note("Pa "); return 0; }
static void a_remove(void) { note("Ra "); }
static int b_probe(void) { note("Pb "); return b_probe_ret; }
static void b_remove(void) { note("Rb "); }

static const struct vdk_bus bus_a = { .name = "a", .probe = a_probe, .remove = a_remove };
static const struct vdk_bus bus_b = { .name = "b", .probe = b_probe, .remove = b_remove };

static int
group_setup(void **state)
{
	(void)state;
	if (vdk_bus_register(&bus_a) != 0 || vdk_bus_register(&bus_b) != 0)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	log_capture();
	trace[0] = '\0';
	b_probe_ret = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_release();
	return 0;
}

static void
test_bus_register_refuses_incomplete_and_duplicate_buses(void **state)
{
	const struct vdk_bus nameless = { .probe = a_probe, .remove = a_remove };
	const struct vdk_bus no_probe = { .name = "c", .remove = a_remove };
	const struct vdk_bus no_remove = { .name = "c", .probe = a_probe };
	const struct vdk_bus vdev_again = { .name = "vdev", .probe = a_probe, .remove = a_remove };

	(void)state;
	assert_int_equal(vdk_bus_register(NULL), -EINVAL);
	assert_int_equal(vdk_bus_register(&nameless), -EINVAL);
	assert_int_equal(vdk_bus_register(&no_probe), -EINVAL);
	assert_int_equal(vdk_bus_register(&no_remove), -EINVAL);
	assert_logged("a bus needs a name, probe and remove");
	assert_int_equal(vdk_bus_register(&vdev_again), -EEXIST);
	assert_logged("bus register vdev: a bus of that name exists");
}

static void
test_bus_probe_all_in_registration_order_remove_all_in_reverse(void **state)
{
	(void)state;
	assert_int_equal(eal_bus_probe_all(), 0);
	assert_string_equal(trace, "Pa Pb ");
	eal_bus_remove_all();
	assert_string_equal(trace, "Pa Pb Rb Ra ");
}

static void
test_bus_probe_failure_removes_the_buses_probed_before(void **state)
{
	(void)state;
	b_probe_ret = -ENODEV;
	assert_int_equal(eal_bus_probe_all(), -ENODEV);
	/* b undid its own devices; a, probed before it, is removed. */
	assert_string_equal(trace, "Pa Pb Ra ");
	assert_logged("bus b: probe failed");
}

/* Last: it fills the table. */
static void
test_bus_register_refuses_more_than_max(void **state)
{
	static const char *const names[] = { "c", "d", "e", "f", "g", "h", "i", "j" };
	static struct vdk_bus more[8];
	unsigned int i;
	int ret = 0;

	(void)state;
	for (i = 0; i < 8 && ret == 0; i++) {
		more[i] = (struct vdk_bus){ .name = names[i], .probe = a_probe, .remove = a_remove };
		ret = vdk_bus_register(&more[i]);
	}
	assert_int_equal(ret, -ENOSPC);
	assert_logged("too many buses");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bus_register_refuses_incomplete_and_duplicate_buses),
		T(test_bus_probe_all_in_registration_order_remove_all_in_reverse),
		T(test_bus_probe_failure_removes_the_buses_probed_before),
		T(test_bus_register_refuses_more_than_max),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
