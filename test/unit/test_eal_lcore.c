/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of eal_lcore.c: the lcore table, pinning, launch and wait
 * semantics, iteration, idle workers, and start/stop/start.
 *
 * Most cases run with two lcores. With one CPU in the affinity mask they
 * share it (LCORE@CPU), so launch semantics are still checked; only the
 * cases that need two CPUs are skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "test_common.h"
#include "vdk_lcore.h"
#include "vdk_log.h"

static cpu_set_t allowed;
static int cpu0 = -1, cpu1 = -1;
static struct eal_config cfg;

static int
group_setup(void **state)
{
	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &allowed))
			continue;
		if (cpu0 < 0)
			cpu0 = c;
		else if (cpu1 < 0)
			cpu1 = c;
	}
	return 0;
}

static int
zero_fn(void *arg)
{
	(void)arg;
	return 0;
}

/* Lcore 0 is main on cpu0; lcores 1 and 3 are workers (on cpu1 if there is one). */
static int
setup_three_lcores(void **state)
{
	int worker_cpu = cpu1 >= 0 ? cpu1 : cpu0;

	(void)state;
	eal_config_defaults(&cfg);
	cfg.lcore_enabled[0] = cfg.lcore_enabled[1] = cfg.lcore_enabled[3] = true;
	cfg.lcore_cpu[0] = (unsigned int)cpu0;
	cfg.lcore_cpu[1] = (unsigned int)worker_cpu;
	cfg.lcore_cpu[3] = (unsigned int)worker_cpu;
	cfg.main_lcore = 0;
	assert_int_equal(eal_lcore_init(&cfg), 0);
	return 0;
}

static int
teardown_lcores(void **state)
{
	(void)state;
	eal_lcore_cleanup();
	return 0;
}

static void
test_lcore_before_init_nothing_is_enabled(void **state)
{
	(void)state;
	assert_int_equal(vdk_lcore_id(), VDK_LCORE_ID_ANY);
	assert_int_equal(vdk_lcore_count(), 0);
	assert_false(vdk_lcore_is_enabled(0));
	assert_int_equal(vdk_get_next_lcore(-1, 0, 0), VDK_MAX_LCORE);
	assert_int_equal(vdk_get_next_lcore(-1, 0, 1), VDK_MAX_LCORE);
	assert_int_equal(vdk_lcore_to_cpu_id(0), -EINVAL);
	assert_int_equal(vdk_lcore_to_socket_id(0), -EINVAL);
	assert_int_equal(vdk_socket_id(), 0);
	assert_int_equal(vdk_eal_remote_launch(zero_fn, NULL, 1), -EINVAL);
	assert_int_equal(vdk_eal_mp_remote_launch(zero_fn, NULL,
						  VDK_CALL_MAIN), -EINVAL);
	assert_int_equal(vdk_eal_wait_lcore(1), 0);
	assert_int_equal(vdk_eal_mp_wait_lcore(), 0);
	assert_int_equal(vdk_eal_get_lcore_state(1), VDK_LCORE_WAIT);
}

static void
test_lcore_table_reflects_config(void **state)
{
	int worker_cpu = cpu1 >= 0 ? cpu1 : cpu0;

	(void)state;
	assert_int_equal(vdk_lcore_count(), 3);
	assert_int_equal(vdk_get_main_lcore(), 0);
	assert_true(vdk_lcore_is_enabled(0));
	assert_true(vdk_lcore_is_enabled(1));
	assert_false(vdk_lcore_is_enabled(2));
	assert_true(vdk_lcore_is_enabled(3));
	assert_false(vdk_lcore_is_enabled(VDK_MAX_LCORE));
	assert_false(vdk_lcore_is_enabled(VDK_LCORE_ID_ANY));
	assert_int_equal(vdk_lcore_to_cpu_id(0), cpu0);
	assert_int_equal(vdk_lcore_to_cpu_id(3), worker_cpu);
	assert_int_equal(vdk_lcore_to_cpu_id(2), -EINVAL);
	assert_true(vdk_lcore_to_socket_id(1) >= 0);
	assert_int_equal(vdk_lcore_to_socket_id(2), -EINVAL);
}

static void
test_lcore_main_thread_is_main_lcore_and_pinned(void **state)
{
	cpu_set_t set;

	(void)state;
	assert_int_equal(vdk_lcore_id(), 0);
	assert_int_equal(vdk_socket_id(), vdk_lcore_to_socket_id(0));
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(CPU_COUNT(&set), 1);
	assert_true(CPU_ISSET(cpu0, &set));
	assert_int_equal(sched_getcpu(), cpu0);
}

static void
test_lcore_one_thread_per_worker(void **state)
{
	int before;

	(void)state;
	eal_lcore_cleanup();
	before = threads_in_process();
	assert_int_equal(setup_three_lcores(NULL), 0);
	assert_int_equal(threads_in_process(), before + 2);
}

static void
test_lcore_next_and_foreach_macros(void **state)
{
	unsigned int l, seen[4], n = 0;

	(void)state;
	assert_int_equal(vdk_get_next_lcore(-1, 0, 0), 0);
	assert_int_equal(vdk_get_next_lcore(-1, 1, 0), 1);
	assert_int_equal(vdk_get_next_lcore(1, 0, 0), 3);
	assert_int_equal(vdk_get_next_lcore(3, 0, 0), VDK_MAX_LCORE);
	assert_int_equal(vdk_get_next_lcore(3, 0, 1), 0);
	assert_int_equal(vdk_get_next_lcore(3, 1, 1), 1);
	assert_int_equal(vdk_get_next_lcore(VDK_MAX_LCORE - 1, 0, 0), VDK_MAX_LCORE);

	VDK_LCORE_FOREACH(l)
		seen[n++] = l;
	assert_int_equal(n, 3);
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[2], 3);
	n = 0;
	VDK_LCORE_FOREACH_WORKER(l)
		seen[n++] = l;
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 3);
}

static void
test_lcore_next_wraps_to_itself_when_alone(void **state)
{
	(void)state;
	eal_config_defaults(&cfg);
	cfg.lcore_enabled[5] = true;
	cfg.lcore_cpu[5] = (unsigned int)cpu0;
	cfg.main_lcore = 5;
	assert_int_equal(eal_lcore_init(&cfg), 0);
	assert_int_equal(vdk_get_next_lcore(5, 0, 1), 5);
	assert_int_equal(vdk_get_next_lcore(5, 1, 1), VDK_MAX_LCORE);
	assert_int_equal(vdk_get_next_lcore(-1, 1, 0), VDK_MAX_LCORE);
	assert_int_equal(vdk_lcore_count(), 1);
}

struct record {
	unsigned int ids[VDK_MAX_LCORE];
	unsigned int n;
};

static int
record_worker(unsigned int lcore_id, void *arg)
{
	struct record *r = arg;

	r->ids[r->n++] = lcore_id;
	return 0;
}

static int
stop_at_three(unsigned int lcore_id, void *arg)
{
	(void)arg;
	return lcore_id == 3 ? 42 : 0;
}

static void
test_lcore_foreach_worker_visits_workers_in_order(void **state)
{
	struct record r = { .n = 0 };

	(void)state;
	assert_int_equal(vdk_lcore_foreach_worker(record_worker, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[0], 1);
	assert_int_equal(r.ids[1], 3);
	assert_int_equal(vdk_lcore_foreach_worker(stop_at_three, NULL), 42);
	assert_int_equal(vdk_lcore_foreach_worker(NULL, NULL), -EINVAL);
}

struct probe {
	unsigned int lcore;
	int cpu;
	int socket;
};

static int
probe_fn(void *arg)
{
	struct probe *p = arg;

	p->lcore = vdk_lcore_id();
	p->cpu = sched_getcpu();
	p->socket = vdk_socket_id();
	return 7;
}

static void
test_lcore_launch_runs_on_worker_and_returns_result(void **state)
{
	struct probe p = { 0 };

	(void)state;
	assert_int_equal(vdk_eal_remote_launch(probe_fn, &p, 3), 0);
	assert_int_equal(vdk_eal_wait_lcore(3), 7);
	assert_int_equal(p.lcore, 3);
	assert_int_equal(p.cpu, vdk_lcore_to_cpu_id(3));
	assert_int_equal(p.socket, vdk_lcore_to_socket_id(3));
	assert_int_equal(vdk_eal_get_lcore_state(3), VDK_LCORE_WAIT);
	/* Collected once: a second wait finds it idle. */
	assert_int_equal(vdk_eal_wait_lcore(3), 0);
}

static void
test_lcore_worker_pinned_to_its_own_cpu(void **state)
{
	struct probe p = { 0 };

	(void)state;
	if (cpu1 < 0) {
		print_message("only one CPU in the affinity mask: skipped\n");
		skip();
	}
	assert_int_equal(vdk_eal_remote_launch(probe_fn, &p, 1), 0);
	assert_int_equal(vdk_eal_wait_lcore(1), 7);
	assert_int_equal(p.cpu, cpu1);
	assert_int_not_equal(p.cpu, sched_getcpu());
}

/* Runs until released, so that the test controls when it finishes. */
struct gate {
	int open;
	int started;
};

static int
gate_fn(void *arg)
{
	struct gate *g = arg;

	__atomic_store_n(&g->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE))
		sched_yield();
	return -5;
}

static void
wait_state(unsigned int lcore, enum vdk_lcore_state st)
{
	for (int i = 0; i < 100000 && vdk_eal_get_lcore_state(lcore) != st; i++)
		usleep(10);
	assert_int_equal(vdk_eal_get_lcore_state(lcore), st);
}

static void
test_lcore_launch_on_busy_worker_is_ebusy(void **state)
{
	struct gate g = { 0, 0 };
	struct probe p = { 0 };

	(void)state;
	assert_int_equal(vdk_eal_remote_launch(gate_fn, &g, 1), 0);
	assert_int_equal(vdk_eal_get_lcore_state(1), VDK_LCORE_RUNNING);
	assert_int_equal(vdk_eal_remote_launch(probe_fn, &p, 1), -EBUSY);

	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	wait_state(1, VDK_LCORE_FINISHED);
	/* Finished but not collected: still busy. */
	assert_int_equal(vdk_eal_remote_launch(probe_fn, &p, 1), -EBUSY);
	assert_int_equal(vdk_eal_wait_lcore(1), -5);
	assert_int_equal(vdk_eal_get_lcore_state(1), VDK_LCORE_WAIT);
	assert_int_equal(vdk_eal_remote_launch(probe_fn, &p, 1), 0);
	assert_int_equal(vdk_eal_wait_lcore(1), 7);
	/* probe_fn never ran during the busy attempts. */
	assert_int_equal(p.lcore, 1);
}

static void
test_lcore_launch_rejects_bad_targets(void **state)
{
	(void)state;
	assert_int_equal(vdk_eal_remote_launch(probe_fn, NULL, 0), -EINVAL);	/* main */
	assert_int_equal(vdk_eal_remote_launch(probe_fn, NULL, 2), -EINVAL);	/* disabled */
	assert_int_equal(vdk_eal_remote_launch(probe_fn, NULL, VDK_MAX_LCORE), -EINVAL);
	assert_int_equal(vdk_eal_remote_launch(NULL, NULL, 1), -EINVAL);
	assert_int_equal(vdk_eal_wait_lcore(0), 0);
	assert_int_equal(vdk_eal_wait_lcore(2), 0);
	assert_int_equal(vdk_eal_get_lcore_state(0), VDK_LCORE_WAIT);
	assert_int_equal(vdk_eal_mp_remote_launch(NULL, NULL, VDK_SKIP_MAIN), -EINVAL);
}

static int
count_fn(void *arg)
{
	unsigned int *hits = arg;

	__atomic_fetch_add(&hits[vdk_lcore_id()], 1, __ATOMIC_RELAXED);
	return (int)vdk_lcore_id();
}

static void
test_lcore_mp_launch_skip_and_call_main(void **state)
{
	unsigned int hits[VDK_MAX_LCORE] = { 0 };

	(void)state;
	assert_int_equal(vdk_eal_mp_remote_launch(count_fn, hits, VDK_SKIP_MAIN), 0);
	/* First non-zero result in id order: lcore 1's. */
	assert_int_equal(vdk_eal_mp_wait_lcore(), 1);
	assert_int_equal(hits[0], 0);
	assert_int_equal(hits[1], 1);
	assert_int_equal(hits[3], 1);

	assert_int_equal(vdk_eal_mp_remote_launch(count_fn, hits, VDK_CALL_MAIN), 0);
	/* The main lcore's run is over when launch returns. */
	assert_int_equal(hits[0], 1);
	assert_int_equal(vdk_eal_mp_wait_lcore(), 1);
	assert_int_equal(hits[1], 2);
	assert_int_equal(hits[3], 2);
}

static void
test_lcore_mp_launch_is_all_or_nothing(void **state)
{
	unsigned int hits[VDK_MAX_LCORE] = { 0 };
	struct gate g = { 0, 0 };

	(void)state;
	assert_int_equal(vdk_eal_remote_launch(gate_fn, &g, 3), 0);
	assert_int_equal(vdk_eal_mp_remote_launch(count_fn, hits, VDK_CALL_MAIN), -EBUSY);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(vdk_eal_wait_lcore(3), -5);
	/* Nobody ran count_fn, main included. */
	assert_int_equal(hits[0] + hits[1] + hits[3], 0);
	assert_int_equal(vdk_eal_get_lcore_state(1), VDK_LCORE_WAIT);
}

static void
test_lcore_mp_wait_returns_zero_when_all_succeed(void **state)
{
	(void)state;
	assert_int_equal(vdk_eal_mp_remote_launch(zero_fn, NULL, VDK_SKIP_MAIN), 0);
	assert_int_equal(vdk_eal_mp_wait_lcore(), 0);
}

static void
test_lcore_many_launches_in_a_row(void **state)
{
	unsigned int hits[VDK_MAX_LCORE] = { 0 };

	(void)state;
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(vdk_eal_remote_launch(count_fn, hits, 1), 0);
		assert_int_equal(vdk_eal_wait_lcore(1), 1);
	}
	assert_int_equal(hits[1], 2000);
}

static void
test_lcore_idle_workers_do_not_spin(void **state)
{
	struct timespec t0, t1;
	long used_ns;

	(void)state;
	/* Let the workers reach their wait, then measure a quiet 200 ms. */
	usleep(20000);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	usleep(200000);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	used_ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	/* Two spinning workers would use ~400 ms of CPU; idle ones almost none. */
	assert_true(used_ns < 20 * 1000000L);
}

static void
test_lcore_cleanup_stops_threads_and_restores_affinity(void **state)
{
	cpu_set_t set;
	int with;

	(void)state;
	with = threads_in_process();
	eal_lcore_cleanup();
	assert_int_equal(threads_in_process_after_join(with - 2), with - 2);
	assert_int_equal(vdk_lcore_id(), VDK_LCORE_ID_ANY);
	assert_int_equal(vdk_lcore_count(), 0);
	assert_false(vdk_lcore_is_enabled(1));
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_true(CPU_EQUAL(&set, &allowed));
	/* Twice is harmless. */
	eal_lcore_cleanup();
	/* And it starts again. */
	assert_int_equal(setup_three_lcores(NULL), 0);
	assert_int_equal(vdk_lcore_id(), 0);
	assert_int_equal(vdk_eal_remote_launch(zero_fn, NULL, 3), 0);
	assert_int_equal(vdk_eal_wait_lcore(3), 0);
}

static void *
open_gate_later(void *arg)
{
	struct gate *g = arg;

	usleep(50000);
	__atomic_store_n(&g->open, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_lcore_cleanup_waits_for_running_function(void **state)
{
	struct gate g = { 0, 0 };
	pthread_t opener;

	(void)state;
	assert_int_equal(vdk_eal_remote_launch(gate_fn, &g, 1), 0);
	while (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE))
		sched_yield();
	assert_int_equal(pthread_create(&opener, NULL, open_gate_later, &g), 0);
	/* Blocks until gate_fn returns: a running function is never cut off. */
	eal_lcore_cleanup();
	assert_int_equal(__atomic_load_n(&g.open, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(vdk_lcore_count(), 0);
	pthread_join(opener, NULL);
}

static void
test_lcore_init_twice_is_ealready(void **state)
{
	(void)state;
	assert_int_equal(eal_lcore_init(&cfg), -EALREADY);
	assert_int_equal(vdk_lcore_count(), 3);
}

static void
test_lcore_bad_cpu_fails_and_leaves_nothing(void **state)
{
	int before = threads_in_process();
	cpu_set_t set;

	(void)state;
	log_capture();
	eal_config_defaults(&cfg);
	cfg.lcore_enabled[0] = cfg.lcore_enabled[1] = cfg.lcore_enabled[2] = true;
	cfg.lcore_cpu[0] = (unsigned int)cpu0;
	cfg.lcore_cpu[1] = (unsigned int)cpu0;
	/* The option parser refuses this; the thread start must still cope. */
	cfg.lcore_cpu[2] = CPU_SETSIZE - 1;
	cfg.main_lcore = 0;
	assert_true(eal_lcore_init(&cfg) < 0);
	log_stop();
	assert_logged("lcore 2: cannot start its thread on CPU 1023");
	log_release();
	assert_int_equal(threads_in_process_after_join(before), before);
	assert_int_equal(vdk_lcore_count(), 0);
	assert_int_equal(vdk_lcore_id(), VDK_LCORE_ID_ANY);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_true(CPU_EQUAL(&set, &allowed));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_three_lcores, teardown_lcores)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lcore_before_init_nothing_is_enabled),
		T(test_lcore_table_reflects_config),
		T(test_lcore_main_thread_is_main_lcore_and_pinned),
		T(test_lcore_one_thread_per_worker),
		T(test_lcore_next_and_foreach_macros),
		cmocka_unit_test_teardown(test_lcore_next_wraps_to_itself_when_alone,
					  teardown_lcores),
		T(test_lcore_foreach_worker_visits_workers_in_order),
		T(test_lcore_launch_runs_on_worker_and_returns_result),
		T(test_lcore_worker_pinned_to_its_own_cpu),
		T(test_lcore_launch_on_busy_worker_is_ebusy),
		T(test_lcore_launch_rejects_bad_targets),
		T(test_lcore_mp_launch_skip_and_call_main),
		T(test_lcore_mp_launch_is_all_or_nothing),
		T(test_lcore_mp_wait_returns_zero_when_all_succeed),
		T(test_lcore_many_launches_in_a_row),
		T(test_lcore_idle_workers_do_not_spin),
		T(test_lcore_cleanup_stops_threads_and_restores_affinity),
		T(test_lcore_cleanup_waits_for_running_function),
		T(test_lcore_init_twice_is_ealready),
		cmocka_unit_test(test_lcore_bad_cpu_fails_and_leaves_nothing),
		cmocka_unit_test(test_lcore_before_init_nothing_is_enabled),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
