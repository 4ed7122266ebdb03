/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring under concurrency, with plain pthreads so that the test does not
 * depend on the lcore count the machine offers:
 *  - SP/SC: one producer, one consumer; the consumer sees 0, 1, 2, ... in
 *    order, whatever burst sizes both sides use.
 *  - MP/MC: two producers and two consumers on a small ring, so that it is
 *    full and empty often; every value enqueued is dequeued exactly once,
 *    and each consumer sees each producer's values in increasing order.
 *    Once with bulks and bursts, once one object at a time (the single-object
 *    calls have a claim of their own, vdk_ring_do_enqueue_one()).
 * Producers and consumers that find the ring full or empty yield, so that
 * the test also finishes on a machine with fewer cores than threads.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdk_ring.h"

#define SPSC_COUNT (1u << 21)
#define MPMC_PER_PRODUCER (1u << 20)
#define NB_PRODUCERS 2
#define NB_CONSUMERS 2
#define MAX_BURST 32

/* Values are producer << 32 | sequence + 1, so that none is NULL. */
#define VALUE(p, seq) ((void *)(uintptr_t)(((uint64_t)(p) << 32) | ((seq) + 1)))
#define VALUE_PRODUCER(v) ((unsigned int)((uintptr_t)(v) >> 32))
#define VALUE_SEQ(v) ((uint32_t)(uintptr_t)(v) - 1)

struct stress {
	struct vdk_ring *r;
	unsigned int id;
	int multi;              /* MP/MC functions rather than SP/SC */
	int single;             /* consumer: vdk_ring_mc_dequeue(), one at a time */
	uint8_t *seen;          /* per value, how often dequeued (MP/MC) */
	unsigned int *consumed; /* shared count of dequeued values */
	unsigned int total;
	int failed;             /* first problem a thread met */
	char why[128];
};

static struct vdk_ring *
ring_new(unsigned int count, unsigned int flags)
{
	size_t sz = VDK_ALIGN_CEIL((size_t)vdk_ring_get_memsize(count, flags), 128);
	struct vdk_ring *r = aligned_alloc(128, sz);

	assert_non_null(r);
	assert_int_equal(vdk_ring_init(r, "stress", count, flags), 0);
	return r;
}

/* Burst sizes vary so that runs cross the end of the slot array at every offset. */
static unsigned int
next_burst(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % MAX_BURST;
}

static void *
producer(void *arg)
{
	struct stress *s = arg;
	unsigned int count = s->multi ? MPMC_PER_PRODUCER : SPSC_COUNT;
	unsigned int seq = 0, seed = s->id * 7 + 1, i, n, done;
	void *objs[MAX_BURST];

	while (seq < count) {
		n = next_burst(&seed);
		n = VDK_MIN(n, count - seq);
		for (i = 0; i < n; i++)
			objs[i] = VALUE(s->id, seq + i);
		/* Alternate bulk and burst: both must keep the order. */
		if (seq & 1)
			done = s->multi ? vdk_ring_mp_enqueue_burst(s->r, objs, n, NULL)
					: vdk_ring_sp_enqueue_burst(s->r, objs, n, NULL);
		else
			done = s->multi ? vdk_ring_mp_enqueue_bulk(s->r, objs, n, NULL)
					: vdk_ring_sp_enqueue_bulk(s->r, objs, n, NULL);
		if (done == 0)
			sched_yield();
		seq += done;
	}
	return NULL;
}

static void
consumer_fail(struct stress *s, const char *what, void *v)
{
	if (!s->failed)
		snprintf(s->why, sizeof(s->why), "consumer %u: %s (value %#llx)", s->id, what,
			 (unsigned long long)(uintptr_t)v);
	s->failed = 1;
}

static void *
consumer(void *arg)
{
	struct stress *s = arg;
	uint32_t expect[NB_PRODUCERS] = { 0 };
	unsigned int seed = s->id * 13 + 5, i, n, done;
	void *objs[MAX_BURST];

	while (__atomic_load_n(s->consumed, __ATOMIC_RELAXED) < s->total) {
		n = next_burst(&seed);
		if (s->single)
			done = vdk_ring_mc_dequeue(s->r, &objs[0]) == 0;
		else if (n & 1)
			done = s->multi ? vdk_ring_mc_dequeue_burst(s->r, objs, n, NULL)
					: vdk_ring_sc_dequeue_burst(s->r, objs, n, NULL);
		else
			done = s->multi ? vdk_ring_mc_dequeue_bulk(s->r, objs, n, NULL)
					: vdk_ring_sc_dequeue_bulk(s->r, objs, n, NULL);
		if (done == 0) {
			sched_yield();
			continue;
		}
		for (i = 0; i < done; i++) {
			unsigned int p = VALUE_PRODUCER(objs[i]);
			uint32_t seq = VALUE_SEQ(objs[i]);

			if (p >= NB_PRODUCERS) {
				consumer_fail(s, "value from no producer", objs[i]);
				continue;
			}
			if (!s->multi && seq != expect[p])
				consumer_fail(s, "out of order", objs[i]);
			/* Several consumers: each still sees a producer's values rising. */
			if (s->multi && seq < expect[p])
				consumer_fail(s, "went backwards", objs[i]);
			expect[p] = seq + 1;
			if (s->seen != NULL)
				__atomic_fetch_add(&s->seen[(size_t)p * MPMC_PER_PRODUCER + seq], 1,
						   __ATOMIC_RELAXED);
		}
		__atomic_fetch_add(s->consumed, done, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void
test_ring_spsc_keeps_order_across_threads(void **state)
{
	struct vdk_ring *r = ring_new(256, VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ);
	unsigned int consumed = 0;
	struct stress p = { .r = r, .id = 0 }, c = { .r = r, .id = 0 };
	pthread_t tp, tc;

	(void)state;
	c.consumed = &consumed;
	c.total = SPSC_COUNT;
	assert_int_equal(pthread_create(&tc, NULL, consumer, &c), 0);
	assert_int_equal(pthread_create(&tp, NULL, producer, &p), 0);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	if (c.failed)
		fail_msg("%s", c.why);
	assert_int_equal(consumed, SPSC_COUNT);
	assert_true(vdk_ring_empty(r));
	free(r);
}

/*
 * NB_PRODUCERS threads running @produce and NB_CONSUMERS consumers (one
 * object a call if @single) on a ring of 64 without flags: every value
 * is dequeued exactly once.
 */
static void
mpmc_run(void *(*produce)(void *), int single)
{
	struct vdk_ring *r = ring_new(64, 0);
	const size_t nvals = (size_t)NB_PRODUCERS * MPMC_PER_PRODUCER;
	uint8_t *seen = calloc(nvals, 1);
	unsigned int consumed = 0, i;
	struct stress p[NB_PRODUCERS], c[NB_CONSUMERS];
	pthread_t tp[NB_PRODUCERS], tc[NB_CONSUMERS];
	size_t k;

	assert_non_null(seen);
	for (i = 0; i < NB_CONSUMERS; i++) {
		c[i] = (struct stress){ .r = r, .id = i, .multi = 1, .single = single,
					.seen = seen, .consumed = &consumed,
					.total = (unsigned int)nvals };
		assert_int_equal(pthread_create(&tc[i], NULL, consumer, &c[i]), 0);
	}
	for (i = 0; i < NB_PRODUCERS; i++) {
		p[i] = (struct stress){ .r = r, .id = i, .multi = 1 };
		assert_int_equal(pthread_create(&tp[i], NULL, produce, &p[i]), 0);
	}
	for (i = 0; i < NB_PRODUCERS; i++)
		pthread_join(tp[i], NULL);
	for (i = 0; i < NB_CONSUMERS; i++)
		pthread_join(tc[i], NULL);
	for (i = 0; i < NB_CONSUMERS; i++)
		if (c[i].failed)
			fail_msg("%s", c[i].why);
	assert_int_equal(consumed, nvals);
	for (k = 0; k < nvals; k++)
		if (seen[k] != 1)
			fail_msg("producer %zu value %zu dequeued %u times", k / MPMC_PER_PRODUCER,
				 k % MPMC_PER_PRODUCER, seen[k]);
	assert_true(vdk_ring_empty(r));
	assert_int_equal(r->prod.head, r->prod.tail);
	assert_int_equal(r->cons.head, r->cons.tail);
	free(seen);
	free(r);
}

static void
test_ring_mpmc_delivers_every_value_once(void **state)
{
	(void)state;
	mpmc_run(producer, 0);
}

/* Default functions on a ring without SP/SC flags must be the MP/MC ones. */
static void *
default_producer(void *arg)
{
	struct stress *s = arg;
	unsigned int seq = 0;

	while (seq < MPMC_PER_PRODUCER) {
		if (vdk_ring_enqueue(s->r, VALUE(s->id, seq)) == 0)
			seq++;
		else
			sched_yield();
	}
	return NULL;
}

static void
test_ring_default_functions_are_mp_safe(void **state)
{
	struct vdk_ring *r = ring_new(1024, 0);
	const size_t nvals = (size_t)NB_PRODUCERS * MPMC_PER_PRODUCER;
	uint8_t *seen = calloc(nvals, 1);
	unsigned int consumed = 0, i;
	struct stress p[NB_PRODUCERS];
	struct stress c = { .r = r, .multi = 1, .consumed = &consumed,
			    .total = (unsigned int)nvals };
	pthread_t tp[NB_PRODUCERS], tc;
	size_t k;

	(void)state;
	assert_non_null(seen);
	c.seen = seen;
	assert_int_equal(pthread_create(&tc, NULL, consumer, &c), 0);
	for (i = 0; i < NB_PRODUCERS; i++) {
		p[i] = (struct stress){ .r = r, .id = i };
		assert_int_equal(pthread_create(&tp[i], NULL, default_producer, &p[i]), 0);
	}
	for (i = 0; i < NB_PRODUCERS; i++)
		pthread_join(tp[i], NULL);
	pthread_join(tc, NULL);
	if (c.failed)
		fail_msg("%s", c.why);
	for (k = 0; k < nvals; k++)
		if (seen[k] != 1)
			fail_msg("value %zu dequeued %u times", k, seen[k]);
	free(seen);
	free(r);
}

/*
 * One object at a time on both sides, several threads on each: a claim
 * that loses its compare-and-swap to another thread must use the slot of
 * the head it retried with, not the one it first read.
 */
static void
test_ring_single_object_mpmc_delivers_every_value_once(void **state)
{
	(void)state;
	/* vdk_ring_enqueue() on a ring without flags: vdk_ring_mp_enqueue(). */
	mpmc_run(default_producer, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_spsc_keeps_order_across_threads),
		cmocka_unit_test(test_ring_mpmc_delivers_every_value_once),
		cmocka_unit_test(test_ring_default_functions_are_mp_safe),
		cmocka_unit_test(test_ring_single_object_mpmc_delivers_every_value_once),
	};

	return cmocka_run_group_tests_name("ring stress", tests, NULL, NULL);
}
