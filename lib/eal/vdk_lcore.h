/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Logical cores (lcores): one thread pinned to one CPU each. The thread that
 * called vdk_eal_init() is the main lcore; every other enabled lcore runs a
 * worker thread that waits for a function to run (vdk_eal_remote_launch).
 */
#ifndef VDK_LCORE_H
#define VDK_LCORE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Highest number of lcores (lcore ids are 0 .. VDK_MAX_LCORE - 1). */
#define VDK_MAX_LCORE 128

/** The lcore id of a thread that is not an EAL lcore. */
#define VDK_LCORE_ID_ANY UINT32_MAX

/** A function run on an lcore; its return value reaches vdk_eal_wait_lcore. */
typedef int (vdk_lcore_function_t)(void *arg);

/** What a worker lcore is doing. */
enum vdk_lcore_state {
	VDK_LCORE_WAIT = 0, /**< idle, ready for vdk_eal_remote_launch */
	VDK_LCORE_RUNNING,  /**< running a launched function */
	VDK_LCORE_FINISHED, /**< done, result not yet collected by wait */
};

/** Whether vdk_eal_mp_remote_launch also runs the function on the main lcore. */
enum vdk_launch_policy {
	VDK_SKIP_MAIN = 0,
	VDK_CALL_MAIN,
};

/** The calling thread's lcore id, or VDK_LCORE_ID_ANY. Fast (thread-local). */
unsigned int vdk_lcore_id(void);

/** The main lcore's id. */
unsigned int vdk_get_main_lcore(void);

/** Number of enabled lcores, main included. */
unsigned int vdk_lcore_count(void);

/** True if @p lcore_id is enabled. */
int vdk_lcore_is_enabled(unsigned int lcore_id);

/**
 * The next enabled lcore after @p i (pass -1 to start), or VDK_MAX_LCORE
 * when there is none. @p skip_main skips the main lcore; @p wrap goes round.
 */
unsigned int vdk_get_next_lcore(unsigned int i, int skip_main, int wrap);

/** The CPU an lcore is pinned to, or -EINVAL for a disabled lcore. */
int vdk_lcore_to_cpu_id(unsigned int lcore_id);

/** The NUMA node of an lcore's CPU, or -EINVAL for a disabled lcore. */
int vdk_lcore_to_socket_id(unsigned int lcore_id);

/** The NUMA node of the calling lcore; 0 for a non-EAL thread. */
int vdk_socket_id(void);

/** Every enabled lcore. */
#define VDK_LCORE_FOREACH(i) \
	for ((i) = vdk_get_next_lcore(-1, 0, 0); (i) < VDK_MAX_LCORE; \
	     (i) = vdk_get_next_lcore((i), 0, 0))

/** Every enabled lcore but the main one. */
#define VDK_LCORE_FOREACH_WORKER(i) \
	for ((i) = vdk_get_next_lcore(-1, 1, 0); (i) < VDK_MAX_LCORE; \
	     (i) = vdk_get_next_lcore((i), 1, 0))

/**
 * Call @p fn for every worker lcore, in id order, until it returns non-zero.
 * @return 0, or the first non-zero value @p fn returned.
 */
int vdk_lcore_foreach_worker(int (*fn)(unsigned int lcore_id, void *arg), void *arg);

/**
 * Run @p f(@p arg) on worker @p worker_id. Call from the main lcore only.
 * An idle worker sleeps (it uses no CPU) until launched.
 * @return 0; -EINVAL if @p worker_id is not an enabled worker or @p f is
 *   NULL; -EBUSY if that worker is running or its last result was not
 *   collected with vdk_eal_wait_lcore().
 */
int vdk_eal_remote_launch(vdk_lcore_function_t *f, void *arg, unsigned int worker_id);

/**
 * Launch @p f on every worker; with VDK_CALL_MAIN also run it on the main
 * lcore before returning (its return value there is not kept).
 * @return 0; -EBUSY (no lcore launched) if any worker is not idle;
 *   -EINVAL if @p f is NULL or the EAL is not initialised.
 */
int vdk_eal_mp_remote_launch(vdk_lcore_function_t *f, void *arg,
			     enum vdk_launch_policy policy);

/**
 * Wait until worker @p worker_id finishes and collect its result.
 * @return the function's return value; 0 if the lcore was idle or is not a
 *   worker.
 */
int vdk_eal_wait_lcore(unsigned int worker_id);

/** Wait for every worker. @return 0, or the first non-zero result in id order. */
int vdk_eal_mp_wait_lcore(void);

/** State of a worker lcore; VDK_LCORE_WAIT for the main or a disabled lcore. */
enum vdk_lcore_state vdk_eal_get_lcore_state(unsigned int lcore_id);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_LCORE_H */
