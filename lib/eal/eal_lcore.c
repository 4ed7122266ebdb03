/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lcores: the main thread plus one pinned worker thread per other enabled
 * lcore. A worker sleeps on its condition variable until the main lcore
 * hands it a function, so idle workers cost no CPU; launching is control
 * path, and datapath loops run inside the launched function.
 *
 * A worker's state moves WAIT -> RUNNING (launch) -> FINISHED (function
 * returned) -> WAIT (main collected the result with wait_lcore). Every
 * transition happens under the worker's lock; the state is also stored
 * atomically so that vdk_eal_get_lcore_state() can peek without it.
 */
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "eal_core_internal.h"
#include "vdk_lcore.h"
#include "vdk_log.h"

struct lcore {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* state changed, or stop asked */
	vdk_lcore_function_t *f;
	void *arg;
	int ret;
	enum vdk_lcore_state state;
	bool stop;
	bool enabled;
	bool thread_started;
	pthread_t thread;
	unsigned int cpu;
	int socket;
} vdk_cache_aligned;

static struct lcore lcores[VDK_MAX_LCORE];
static unsigned int main_lcore;
static unsigned int nb_lcores;	/* 0 while the EAL is down */

static __thread unsigned int this_lcore = VDK_LCORE_ID_ANY;

/* To give the main thread back its own CPU mask and identity at cleanup. */
static pthread_t main_thread;
static cpu_set_t main_saved_affinity;
static unsigned int *main_lcore_tls;

unsigned int
vdk_lcore_id(void)
{
	return this_lcore;
}

unsigned int
vdk_get_main_lcore(void)
{
	return main_lcore;
}

unsigned int
vdk_lcore_count(void)
{
	return nb_lcores;
}

int
vdk_lcore_is_enabled(unsigned int lcore_id)
{
	return lcore_id < VDK_MAX_LCORE && lcores[lcore_id].enabled;
}

static bool
is_worker(unsigned int lcore_id)
{
	return vdk_lcore_is_enabled(lcore_id) && lcore_id != main_lcore;
}

unsigned int
vdk_get_next_lcore(unsigned int i, int skip_main, int wrap)
{
	/* i == -1 (start) becomes 0 through unsigned wrap-around. */
	unsigned int start = i + 1;

	for (unsigned int n = 0; n < VDK_MAX_LCORE; n++) {
		unsigned int l = start + n;

		if (l >= VDK_MAX_LCORE) {
			if (!wrap)
				break;
			l %= VDK_MAX_LCORE;
		}
		if (!lcores[l].enabled || (skip_main && l == main_lcore))
			continue;
		return l;
	}
	return VDK_MAX_LCORE;
}

int
vdk_lcore_to_cpu_id(unsigned int lcore_id)
{
	if (!vdk_lcore_is_enabled(lcore_id))
		return -EINVAL;
	return (int)lcores[lcore_id].cpu;
}

int
vdk_lcore_to_socket_id(unsigned int lcore_id)
{
	if (!vdk_lcore_is_enabled(lcore_id))
		return -EINVAL;
	return lcores[lcore_id].socket;
}

int
vdk_socket_id(void)
{
	unsigned int l = this_lcore;

	return l < VDK_MAX_LCORE ? lcores[l].socket : 0;
}

int
vdk_lcore_foreach_worker(int (*fn)(unsigned int lcore_id, void *arg), void *arg)
{
	unsigned int l;

	if (fn == NULL)
		return -EINVAL;
	VDK_LCORE_FOREACH_WORKER(l) {
		int ret = fn(l, arg);

		if (ret != 0)
			return ret;
	}
	return 0;
}

static void
set_state(struct lcore *lc, enum vdk_lcore_state state)
{
	__atomic_store_n(&lc->state, state, __ATOMIC_RELEASE);
}

enum vdk_lcore_state
vdk_eal_get_lcore_state(unsigned int lcore_id)
{
	if (!is_worker(lcore_id))
		return VDK_LCORE_WAIT;
	return __atomic_load_n(&lcores[lcore_id].state, __ATOMIC_ACQUIRE);
}

int
vdk_eal_remote_launch(vdk_lcore_function_t *f, void *arg, unsigned int worker_id)
{
	struct lcore *lc;

	if (f == NULL || !is_worker(worker_id))
		return -EINVAL;
	lc = &lcores[worker_id];
	pthread_mutex_lock(&lc->lock);
	if (lc->state != VDK_LCORE_WAIT) {
		pthread_mutex_unlock(&lc->lock);
		return -EBUSY;
	}
	lc->f = f;
	lc->arg = arg;
	set_state(lc, VDK_LCORE_RUNNING);
	pthread_cond_broadcast(&lc->cond);
	pthread_mutex_unlock(&lc->lock);
	return 0;
}

int
vdk_eal_mp_remote_launch(vdk_lcore_function_t *f, void *arg,
			 enum vdk_launch_policy policy)
{
	unsigned int l;

	if (f == NULL || nb_lcores == 0)
		return -EINVAL;
	/* Only the main lcore launches, so nobody can make a worker busy meanwhile. */
	VDK_LCORE_FOREACH_WORKER(l)
		if (vdk_eal_get_lcore_state(l) != VDK_LCORE_WAIT)
			return -EBUSY;
	VDK_LCORE_FOREACH_WORKER(l)
		vdk_eal_remote_launch(f, arg, l);
	if (policy == VDK_CALL_MAIN)
		f(arg);
	return 0;
}

int
vdk_eal_wait_lcore(unsigned int worker_id)
{
	struct lcore *lc;
	int ret = 0;

	if (!is_worker(worker_id))
		return 0;
	lc = &lcores[worker_id];
	pthread_mutex_lock(&lc->lock);
	while (lc->state == VDK_LCORE_RUNNING)
		pthread_cond_wait(&lc->cond, &lc->lock);
	if (lc->state == VDK_LCORE_FINISHED) {
		ret = lc->ret;
		set_state(lc, VDK_LCORE_WAIT);
	}
	pthread_mutex_unlock(&lc->lock);
	return ret;
}

int
vdk_eal_mp_wait_lcore(void)
{
	unsigned int l;
	int first = 0;

	VDK_LCORE_FOREACH_WORKER(l) {
		int ret = vdk_eal_wait_lcore(l);

		if (first == 0)
			first = ret;
	}
	return first;
}

static void *
worker_main(void *p)
{
	struct lcore *lc = p;
	char name[16];

	this_lcore = (unsigned int)(lc - lcores);
	snprintf(name, sizeof(name), "vdk-lcore-%u", this_lcore);
	pthread_setname_np(pthread_self(), name);

	pthread_mutex_lock(&lc->lock);
	for (;;) {
		vdk_lcore_function_t *f;
		void *arg;
		int ret;

		while (lc->state != VDK_LCORE_RUNNING && !lc->stop)
			pthread_cond_wait(&lc->cond, &lc->lock);
		/* A launch that raced with stop still runs: its caller will wait for it. */
		if (lc->state != VDK_LCORE_RUNNING)
			break;
		f = lc->f;
		arg = lc->arg;
		pthread_mutex_unlock(&lc->lock);

		ret = f(arg);

		pthread_mutex_lock(&lc->lock);
		lc->ret = ret;
		set_state(lc, VDK_LCORE_FINISHED);
		pthread_cond_broadcast(&lc->cond);
	}
	pthread_mutex_unlock(&lc->lock);
	return NULL;
}

static int
cpu_socket(unsigned int cpu)
{
	int node;

	if (numa_available() < 0)
		return 0;
	node = numa_node_of_cpu((int)cpu);
	return node < 0 ? 0 : node;
}

static void
stop_workers(void)
{
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		struct lcore *lc = &lcores[l];

		if (!lc->thread_started)
			continue;
		pthread_mutex_lock(&lc->lock);
		lc->stop = true;
		pthread_cond_broadcast(&lc->cond);
		pthread_mutex_unlock(&lc->lock);
		/* Waits for a launched function to return: it may not be killed. */
		pthread_join(lc->thread, NULL);
		lc->thread_started = false;
	}
}

static void
reset_table(void)
{
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		struct lcore *lc = &lcores[l];

		if (lc->enabled) {
			pthread_cond_destroy(&lc->cond);
			pthread_mutex_destroy(&lc->lock);
		}
		memset(lc, 0, sizeof(*lc));
	}
	nb_lcores = 0;
	main_lcore = 0;
}

static int
start_worker(unsigned int l)
{
	struct lcore *lc = &lcores[l];
	pthread_attr_t attr;
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	CPU_SET(lc->cpu, &set);
	ret = pthread_attr_init(&attr);
	if (ret != 0)
		goto fail;
	/* Pinned from its first instruction, so nothing it touches lands elsewhere. */
	ret = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (ret == 0)
		ret = pthread_create(&lc->thread, &attr, worker_main, lc);
	pthread_attr_destroy(&attr);
	if (ret != 0)
		goto fail;
	lc->thread_started = true;
	return 0;
fail:
	VDK_LOG(ERR, EAL, "lcore %u: cannot start its thread on CPU %u: %s",
		l, lc->cpu, strerror(ret));
	return -ret;
}

int
eal_lcore_init(const struct eal_config *cfg)
{
	cpu_set_t set;
	int ret;

	if (nb_lcores != 0)
		return -EALREADY;

	main_lcore = cfg->main_lcore;
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		struct lcore *lc = &lcores[l];

		if (!cfg->lcore_enabled[l])
			continue;
		pthread_mutex_init(&lc->lock, NULL);
		pthread_cond_init(&lc->cond, NULL);
		lc->enabled = true;
		lc->cpu = cfg->lcore_cpu[l];
		lc->socket = cpu_socket(lc->cpu);
		lc->state = VDK_LCORE_WAIT;
		nb_lcores++;
	}

	/*
	 * Pin the calling thread to the main lcore's CPU, so that memory set
	 * up next is first touched on the main lcore's NUMA node.
	 */
	main_thread = pthread_self();
	ret = pthread_getaffinity_np(main_thread, sizeof(main_saved_affinity),
				     &main_saved_affinity);
	if (ret == 0) {
		CPU_ZERO(&set);
		CPU_SET(lcores[main_lcore].cpu, &set);
		ret = pthread_setaffinity_np(main_thread, sizeof(set), &set);
	}
	if (ret != 0) {
		VDK_LOG(ERR, EAL, "main lcore %u: cannot pin the main thread to CPU %u: %s",
			main_lcore, lcores[main_lcore].cpu, strerror(ret));
		reset_table();
		return -ret;
	}
	this_lcore = main_lcore;
	main_lcore_tls = &this_lcore;

	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		if (!is_worker(l))
			continue;
		ret = start_worker(l);
		if (ret < 0) {
			eal_lcore_cleanup();
			return ret;
		}
	}
	return 0;
}

void
eal_lcore_ctrl_cpuset(cpu_set_t *set)
{
	*set = main_saved_affinity;
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++)
		if (lcores[l].enabled)
			CPU_CLR(lcores[l].cpu, set);
	/* No CPU left: share the main lcore's, which apps leave to their CLI. */
	if (CPU_COUNT(set) == 0)
		CPU_SET(lcores[main_lcore].cpu, set);
}

void
eal_lcore_cleanup(void)
{
	if (nb_lcores == 0)
		return;
	stop_workers();
	pthread_setaffinity_np(main_thread, sizeof(main_saved_affinity),
			       &main_saved_affinity);
	/* Through the pointer, in case cleanup runs on another thread than init. */
	__atomic_store_n(main_lcore_tls, VDK_LCORE_ID_ANY, __ATOMIC_RELAXED);
	main_lcore_tls = NULL;
	reset_table();
}
