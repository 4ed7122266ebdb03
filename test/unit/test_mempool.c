/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool: layout (alignment, headers, IOVA, private area, callbacks),
 * get/put with and without caches, the cache's refill and flush, a non-EAL
 * thread going straight to the ring, objects moving between two lcores
 * with no object handed out twice, and every bad input with its log line
 * and no memzone left behind. Runs the EAL on --no-huge with lcores 0-1.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdk_eal.h"
#include "vdk_lcore.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memzone.h"
#include "vdk_mempool.h"

#include "test_eal_fixture.h"

static int
eal_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_mempool", "0-1");
}

/* --- layout and callbacks --- */

struct init_trace {
	unsigned int pool_inits;
	unsigned int objs;
	int order_ok;
	int saw_priv;
};

static void
trace_pool_init(struct vdk_mempool *mp, void *arg)
{
	struct init_trace *t = arg;
	uint64_t *priv = vdk_mempool_get_priv(mp);

	t->pool_inits++;
	priv[0] = 0x5eed;
}

static void
trace_obj_init(struct vdk_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct init_trace *t = arg;
	uint64_t *priv = vdk_mempool_get_priv(mp);

	if (idx != t->objs)
		t->order_ok = 0;
	t->saw_priv = priv[0] == 0x5eed;
	t->objs++;
	memset(obj, 0xab, mp->elt_size);
}

struct obj_check {
	void *prev;
	unsigned int n;
	int bad;
};

static void
check_obj(struct vdk_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct obj_check *c = arg;
	const unsigned char *b = obj;

	(void)idx;
	if ((uintptr_t)obj % VDK_CACHE_LINE_SIZE != 0 || vdk_mempool_from_obj(obj) != mp ||
	    vdk_mempool_virt2iova(obj) != vdk_malloc_virt2iova(obj) ||
	    vdk_mempool_virt2iova(obj) == VDK_BAD_IOVA || b[0] != 0xab ||
	    b[mp->elt_size - 1] != 0xab)
		c->bad++;
	/* Objects never overlap: each starts past the end of the one before. */
	if (c->prev != NULL && (char *)obj < (char *)c->prev + mp->elt_size)
		c->bad++;
	c->prev = obj;
	c->n++;
}

static void
test_mempool_create_lays_out_objects_with_iova(void **state)
{
	struct init_trace t = { .order_ok = 1 };
	struct obj_check c = { 0 };
	unsigned int zones = nb_zones();
	struct vdk_mempool *mp;

	(void)state;
	mp = vdk_mempool_create("layout", 1000, 100, 32, 24, trace_pool_init, &t,
				trace_obj_init, &t, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_string_equal(mp->name, "layout");
	assert_int_equal(t.pool_inits, 1);
	assert_int_equal(t.objs, 1000);
	assert_true(t.order_ok);
	assert_true(t.saw_priv);
	assert_int_equal((uintptr_t)vdk_mempool_get_priv(mp) % VDK_CACHE_LINE_SIZE, 0);
	assert_int_equal(vdk_mempool_obj_iter(mp, check_obj, &c), 1000);
	assert_int_equal(c.n, 1000);
	assert_int_equal(c.bad, 0);
	assert_int_equal(vdk_mempool_avail_count(mp), 1000);
	assert_int_equal(vdk_mempool_in_use_count(mp), 0);
	assert_ptr_equal(vdk_mempool_lookup("layout"), mp);
	assert_int_equal(vdk_mempool_obj_iter(mp, NULL, NULL), 0);
	assert_int_equal(vdk_mempool_obj_iter(NULL, check_obj, &c), 0);

	assert_int_equal(vdk_mempool_free(mp), 0);
	assert_int_equal(nb_zones(), zones);
	errno = 0;
	assert_null(vdk_mempool_lookup("layout"));
	assert_int_equal(errno, ENOENT);
}

/* Counts objects (header included) outside the area, and a first object not obj_base. */
struct mem_area_check {
	struct vdk_mempool_mem_area area;
	unsigned int outside;
};

static void
check_in_area(struct vdk_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct mem_area_check *c = arg;
	char *lo = c->area.addr, *hi = lo + c->area.len;

	if ((char *)vdk_mempool_objhdr(obj) < lo || (char *)obj + mp->elt_size > hi ||
	    (idx == 0 && obj != mp->obj_base))
		c->outside++;
}

static void
test_mempool_mem_area_is_one_page_aligned_area_over_every_object(void **state)
{
	struct mem_area_check c = { 0 };
	struct vdk_mempool *mp;

	(void)state;
	mp = vdk_mempool_create("area", 3000, 2200, 0, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(vdk_mempool_mem_area(mp, &c.area), 0);
	assert_true(c.area.page_sz >= 4096);
	assert_int_equal((uintptr_t)c.area.addr % c.area.page_sz, 0);
	assert_int_equal(c.area.len % c.area.page_sz, 0);
	/* No more than the objects and a page at each end. */
	assert_true(c.area.len <= (size_t)3000 * mp->total_elt_size + 2 * c.area.page_sz +
				  VDK_CACHE_LINE_SIZE);
	assert_int_equal(vdk_mempool_obj_iter(mp, check_in_area, &c), 3000);
	assert_int_equal(c.outside, 0);
	assert_int_equal(vdk_mempool_mem_area(NULL, &c.area), -EINVAL);
	assert_int_equal(vdk_mempool_mem_area(mp, NULL), -EINVAL);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

static void
test_mempool_without_private_area_has_null_priv(void **state)
{
	struct vdk_mempool *mp;

	(void)state;
	mp = vdk_mempool_create("nopriv", 8, 8, 0, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, VDK_MEMPOOL_F_SP_PUT | VDK_MEMPOOL_F_SC_GET);
	assert_non_null(mp);
	assert_null(vdk_mempool_get_priv(mp));
	assert_int_equal(mp->nb_caches, 0);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

/* --- get and put --- */

static void
test_mempool_uncached_get_is_all_or_nothing(void **state)
{
	struct vdk_mempool *mp;
	void *objs[17], *one;
	unsigned int i, j;

	(void)state;
	mp = vdk_mempool_create("nocache", 16, 64, 0, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_null(vdk_mempool_default_cache(mp, vdk_lcore_id()));
	assert_int_equal(vdk_mempool_get_bulk(mp, objs, 17), -ENOENT);
	assert_int_equal(vdk_mempool_avail_count(mp), 16);
	assert_int_equal(vdk_mempool_get_bulk(mp, objs, 16), 0);
	for (i = 0; i < 16; i++)
		for (j = i + 1; j < 16; j++)
			assert_ptr_not_equal(objs[i], objs[j]);
	assert_int_equal(vdk_mempool_in_use_count(mp), 16);
	assert_int_equal(vdk_mempool_get(mp, &one), -ENOENT);
	vdk_mempool_put(mp, objs[3]);
	assert_int_equal(vdk_mempool_get(mp, &one), 0);
	assert_ptr_equal(one, objs[3]);
	vdk_mempool_put_bulk(mp, objs, 16);
	assert_int_equal(vdk_mempool_avail_count(mp), 16);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

static void
test_mempool_cache_refills_and_flushes(void **state)
{
	struct vdk_mempool *mp;
	struct vdk_mempool_cache *cache;
	void *few[4], *x[16], *y[16];

	(void)state;
	mp = vdk_mempool_create("cached", 256, 32, 16, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	cache = vdk_mempool_default_cache(mp, vdk_lcore_id());
	assert_non_null(cache);
	assert_int_equal(cache->size, 16);
	assert_int_equal(cache->flushthresh, 24);

	/* An empty cache refills to its size plus what the get takes. */
	assert_int_equal(vdk_mempool_get_bulk(mp, few, 4), 0);
	assert_int_equal(cache->len, 16);
	assert_int_equal(vdk_ring_count(mp->ring), 236);
	assert_int_equal(vdk_mempool_avail_count(mp), 252);
	assert_int_equal(vdk_mempool_in_use_count(mp), 4);

	/* A put under the threshold stays in the cache. */
	vdk_mempool_put_bulk(mp, few, 4);
	assert_int_equal(cache->len, 20);
	assert_int_equal(vdk_mempool_avail_count(mp), 256);

	/* Served from the cache, then a short cache refills from the ring. */
	assert_int_equal(vdk_mempool_get_bulk(mp, x, 16), 0);
	assert_int_equal(cache->len, 4);
	assert_int_equal(vdk_mempool_get_bulk(mp, y, 16), 0);
	assert_int_equal(cache->len, 16);
	assert_int_equal(vdk_ring_count(mp->ring), 208);
	assert_int_equal(vdk_mempool_in_use_count(mp), 32);

	/* Past the threshold the cache goes to the ring; the new objects stay. */
	vdk_mempool_put_bulk(mp, x, 16);
	assert_int_equal(cache->len, 16);
	assert_int_equal(vdk_ring_count(mp->ring), 224);
	vdk_mempool_put_bulk(mp, y, 16);
	assert_int_equal(cache->len, 16);
	assert_int_equal(vdk_ring_count(mp->ring), 240);
	assert_int_equal(vdk_mempool_avail_count(mp), 256);

	/* The newest object put is the first one got. */
	assert_int_equal(vdk_mempool_get(mp, &few[0]), 0);
	assert_ptr_equal(few[0], y[15]);
	vdk_mempool_put(mp, few[0]);

	vdk_mempool_cache_flush(mp, cache);
	assert_int_equal(cache->len, 0);
	assert_int_equal(vdk_ring_count(mp->ring), 256);
	vdk_mempool_cache_flush(mp, NULL);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

/* The generic calls take the cache given, or the ring with NULL. */
static void
test_mempool_generic_calls_use_the_cache_given(void **state)
{
	struct vdk_mempool *mp;
	struct vdk_mempool_cache *cache;
	void *objs[4];

	(void)state;
	mp = vdk_mempool_create("generic", 64, 8, 8, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	cache = vdk_mempool_default_cache(mp, vdk_lcore_id());
	assert_int_equal(vdk_mempool_generic_get(mp, objs, 4, NULL), 0);
	assert_int_equal(cache->len, 0);
	assert_int_equal(vdk_ring_count(mp->ring), 60);
	vdk_mempool_generic_put(mp, objs, 4, cache);
	assert_int_equal(cache->len, 4);
	assert_int_equal(vdk_mempool_generic_get(mp, objs, 2, cache), 0);
	assert_int_equal(cache->len, 2);
	vdk_mempool_generic_put(mp, objs, 2, NULL);
	assert_int_equal(vdk_ring_count(mp->ring), 62);
	/* The lcore ids without a cache. */
	assert_null(vdk_mempool_default_cache(mp, VDK_LCORE_ID_ANY));
	assert_null(vdk_mempool_default_cache(mp, VDK_MAX_LCORE - 1));
	assert_int_equal(vdk_mempool_avail_count(mp), 64);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

static void
test_mempool_get_larger_than_cache_goes_to_ring(void **state)
{
	struct vdk_mempool *mp;
	struct vdk_mempool_cache *cache;
	void *objs[40];

	(void)state;
	mp = vdk_mempool_create("bigget", 128, 16, 8, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	cache = vdk_mempool_default_cache(mp, vdk_lcore_id());
	assert_int_equal(vdk_mempool_get_bulk(mp, objs, 40), 0);
	assert_int_equal(cache->len, 0);
	vdk_mempool_put_bulk(mp, objs, 40);
	assert_int_equal(cache->len, 0);
	assert_int_equal(vdk_ring_count(mp->ring), 128);

	/* The ring short, the cache makes up the rest: 8 cached + 119 from the ring. */
	{
		void *one, *many[128];

		assert_int_equal(vdk_mempool_get(mp, &one), 0);
		assert_int_equal(cache->len, 8);
		assert_int_equal(vdk_ring_count(mp->ring), 119);
		assert_int_equal(vdk_mempool_get_bulk(mp, many, 128), -ENOENT);
		assert_int_equal(cache->len, 8);
		assert_int_equal(vdk_ring_count(mp->ring), 119);
		assert_int_equal(vdk_mempool_get_bulk(mp, many, 127), 0);
		assert_int_equal(cache->len, 0);
		assert_int_equal(vdk_ring_count(mp->ring), 0);
		assert_int_equal(vdk_mempool_in_use_count(mp), 128);
		vdk_mempool_put_bulk(mp, many, 127);
		vdk_mempool_put(mp, one);
	}
	assert_int_equal(vdk_mempool_avail_count(mp), 128);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

static void
test_mempool_exhaustion_with_cache_hands_out_each_object_once(void **state)
{
	struct vdk_mempool *mp;
	void *objs[100], *extra;
	unsigned int i, j, got = 0;

	(void)state;
	mp = vdk_mempool_create("drain", 100, 8, 8, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	while (got < 100 && vdk_mempool_get_bulk(mp, objs + got, 3) == 0)
		got += 3;
	/* 99 taken in threes; the last one comes singly. */
	assert_int_equal(got, 99);
	assert_int_equal(vdk_mempool_get(mp, &objs[99]), 0);
	assert_int_equal(vdk_mempool_get(mp, &extra), -ENOENT);
	assert_int_equal(vdk_mempool_avail_count(mp), 0);
	for (i = 0; i < 100; i++)
		for (j = i + 1; j < 100; j++)
			assert_ptr_not_equal(objs[i], objs[j]);
	vdk_mempool_put_bulk(mp, objs, 100);
	assert_int_equal(vdk_mempool_avail_count(mp), 100);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

struct thread_arg {
	struct vdk_mempool *mp;
	void *objs[32];
	unsigned int n;
	int ret;
	unsigned int lcore;
	unsigned int cache_len_before, cache_len_after;
};

/* A non-EAL thread has no cache: it goes to the ring both ways. */
static void *
plain_thread(void *p)
{
	struct thread_arg *a = p;

	a->lcore = vdk_lcore_id();
	a->ret = vdk_mempool_get_bulk(a->mp, a->objs, a->n);
	if (a->ret == 0)
		vdk_mempool_put_bulk(a->mp, a->objs, a->n);
	return NULL;
}

static void
test_mempool_non_eal_thread_uses_the_ring(void **state)
{
	struct vdk_mempool *mp;
	struct thread_arg a = { .n = 5 };
	pthread_t t;

	(void)state;
	mp = vdk_mempool_create("plain", 64, 8, 8, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	a.mp = mp;
	assert_int_equal(pthread_create(&t, NULL, plain_thread, &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.lcore, VDK_LCORE_ID_ANY);
	assert_int_equal(a.ret, 0);
	assert_int_equal(vdk_ring_count(mp->ring), 64);
	assert_int_equal(vdk_mempool_default_cache(mp, 0)->len, 0);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

/* --- two lcores --- */

static int
worker_put(void *p)
{
	struct thread_arg *a = p;

	a->lcore = vdk_lcore_id();
	vdk_mempool_put_bulk(a->mp, a->objs, a->n);
	return 0;
}

static int
worker_get(void *p)
{
	struct thread_arg *a = p;

	a->lcore = vdk_lcore_id();
	return vdk_mempool_get_bulk(a->mp, a->objs, a->n);
}

static void
test_mempool_objects_cross_lcores_without_duplicates(void **state)
{
	struct vdk_mempool *mp;
	struct vdk_mempool_cache *main_cache, *worker_cache;
	struct thread_arg a = { 0 };
	void *mine[32], *all[64];
	unsigned int worker, i, j;

	(void)state;
	worker = vdk_get_next_lcore(-1, 1, 0);
	if (worker >= VDK_MAX_LCORE)
		skip();
	mp = vdk_mempool_create("xlcore", 64, 16, 16, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	main_cache = vdk_mempool_default_cache(mp, vdk_lcore_id());
	worker_cache = vdk_mempool_default_cache(mp, worker);
	assert_non_null(main_cache);
	assert_non_null(worker_cache);
	assert_ptr_not_equal(main_cache, worker_cache);

	/* Got on the main lcore, put on the worker: they land in its cache. */
	assert_int_equal(vdk_mempool_get_bulk(mp, a.objs, 10), 0);
	a.mp = mp;
	a.n = 10;
	assert_int_equal(vdk_eal_remote_launch(worker_put, &a, worker), 0);
	assert_int_equal(vdk_eal_wait_lcore(worker), 0);
	assert_int_equal(a.lcore, worker);
	assert_int_equal(worker_cache->len, 10);
	assert_int_equal(vdk_mempool_avail_count(mp), 64);
	assert_int_equal(vdk_mempool_in_use_count(mp), 0);

	/* The worker takes 16, the main lcore 32: 48 distinct objects. */
	a.n = 16;
	assert_int_equal(vdk_eal_remote_launch(worker_get, &a, worker), 0);
	assert_int_equal(vdk_eal_wait_lcore(worker), 0);
	assert_int_equal(vdk_mempool_get_bulk(mp, mine, 16), 0);
	assert_int_equal(vdk_mempool_get_bulk(mp, mine + 16, 16), 0);
	assert_int_equal(vdk_mempool_in_use_count(mp), 48);
	memcpy(all, a.objs, 16 * sizeof(void *));
	memcpy(all + 16, mine, 32 * sizeof(void *));
	for (i = 0; i < 48; i++)
		for (j = i + 1; j < 48; j++)
			assert_ptr_not_equal(all[i], all[j]);

	/* The worker's objects come home on the main lcore, and vice versa. */
	vdk_mempool_put_bulk(mp, a.objs, 16);
	memcpy(a.objs, mine, sizeof(mine));
	a.n = 32;
	assert_int_equal(vdk_eal_remote_launch(worker_put, &a, worker), 0);
	assert_int_equal(vdk_eal_wait_lcore(worker), 0);
	assert_int_equal(vdk_mempool_avail_count(mp), 64);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

/* --- bad input --- */

static void
expect_create_fails(const char *name, unsigned int n, unsigned int elt, unsigned int cache,
		    unsigned int flags, int err, const char *log)
{
	unsigned int zones = nb_zones();

	log_capture();
	errno = 0;
	assert_null(vdk_mempool_create(name, n, elt, cache, 0, NULL, NULL, NULL, NULL,
				       VDK_SOCKET_ID_ANY, flags));
	assert_int_equal(errno, err);
	log_expect(log);
	assert_int_equal(nb_zones(), zones);
}

static void
test_mempool_create_rejects_bad_input(void **state)
{
	char longname[VDK_MEMPOOL_NAMESIZE + 1];
	struct vdk_mempool *mp;

	(void)state;
	memset(longname, 'z', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	expect_create_fails(NULL, 8, 8, 0, 0, EINVAL, "name is NULL");
	expect_create_fails("", 8, 8, 0, 0, EINVAL, "name is empty");
	expect_create_fails(longname, 8, 8, 0, 0, ENAMETOOLONG, "too long");
	expect_create_fails("zero_n", 0, 8, 0, 0, EINVAL, "0 objects");
	expect_create_fails("zero_elt", 8, 0, 0, 0, EINVAL, "object size 0");
	expect_create_fails("bigcache", 4096, 8, VDK_MEMPOOL_CACHE_MAX_SIZE + 1, 0, EINVAL,
			    "cache size 513 too big");
	expect_create_fails("cache_vs_n", 10, 8, 8, 0, EINVAL, "cache size 8 too big");
	expect_create_fails("flags", 8, 8, 0, 0x100, EINVAL, "unknown flags");

	mp = vdk_mempool_create("taken", 8, 8, 0, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	expect_create_fails("taken", 8, 8, 0, 0, EEXIST, "mempool taken: the name is taken");
	assert_ptr_equal(vdk_mempool_lookup("taken"), mp);
	assert_int_equal(vdk_mempool_free(mp), 0);

	errno = 0;
	assert_null(vdk_mempool_lookup(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_mempool_lookup(longname));
	assert_int_equal(errno, ENOENT);
}

static void
test_mempool_create_fails_cleanly_on_bad_socket(void **state)
{
	unsigned int zones = nb_zones();

	(void)state;
	log_capture();
	errno = 0;
	assert_null(vdk_mempool_create("sock", 8, 8, 0, 0, NULL, NULL, NULL, NULL, 99, 0));
	assert_int_equal(errno, EINVAL);
	log_expect("mempool sock: cannot reserve");
	assert_int_equal(nb_zones(), zones);
}

static void
test_mempool_free_rejects_what_is_not_a_pool(void **state)
{
	struct vdk_mempool fake;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(vdk_mempool_free(NULL), 0);
	log_capture();
	assert_int_equal(vdk_mempool_free(&fake), -EINVAL);
	log_expect("not a pool");
}

static void
test_mempool_dump_shows_counts(void **state)
{
	struct vdk_mempool *mp;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	void *obj = NULL;

	(void)state;
	mp = vdk_mempool_create("dumped", 32, 8, 4, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(vdk_mempool_get(mp, &obj), 0);
	f = open_memstream(&buf, &len);
	vdk_mempool_dump(f, mp);
	fclose(f);
	assert_non_null(strstr(buf, "mempool dumped"));
	assert_non_null(strstr(buf, "avail 31 in use 1"));
	free(buf);
	vdk_mempool_put(mp, obj);
	assert_int_equal(vdk_mempool_free(mp), 0);
}

/* --- IOVA mode PA: no large contiguous block, objects in small ones --- */

struct iova_check {
	unsigned int n, bad;
};

static void
check_iova(struct vdk_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct iova_check *c = arg;
	uint64_t iova = vdk_mempool_virt2iova(obj);

	(void)idx;
	(void)mp;
	/* The whole object must be reachable from its first byte's IOVA. */
	if (iova == VDK_BAD_IOVA || iova != vdk_malloc_virt2iova(obj) ||
	    vdk_malloc_virt2iova((char *)obj + mp->elt_size - 1) != iova + mp->elt_size - 1)
		c->bad++;
	c->n++;
}

static void
test_mempool_pa_mode_splits_objects_into_contiguous_blocks(void **state)
{
	char *argv[] = { "test_mempool", "--no-huge", "--iova-mode", "pa", "-l", "0",
			 "--no-pci", "--log-level", "1", NULL };
	struct iova_check c = { 0 };
	struct vdk_mempool *mp;

	(void)state;
	if (vdk_eal_init(9, argv) < 0)
		skip(); /* PA mode needs /proc/self/pagemap, that is root */
	if (vdk_eal_iova_mode() != VDK_IOVA_PA) {
		vdk_eal_cleanup();
		skip();
	}
	/*
	 * 8 MiB of objects: 4 KiB pages are seldom physically contiguous that
	 * far, so the objects normally land in small blocks; either way each
	 * must be whole under its IOVA.
	 */
	mp = vdk_mempool_create("pa_pool", 4096, 2000, 0, 0, NULL, NULL, NULL, NULL,
				VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	if (mp->obj_mz != NULL)
		print_message("pa_pool: got one contiguous block; the split path was not run\n");
	/* Objects in several blocks are no one area: a UMEM cannot lie over them. */
	assert_int_equal(vdk_mempool_mem_area(mp, &(struct vdk_mempool_mem_area){ 0 }),
			 mp->obj_mz != NULL ? 0 : -ENOTSUP);
	assert_int_equal(vdk_mempool_obj_iter(mp, check_iova, &c), 4096);
	assert_int_equal(c.n, 4096);
	assert_int_equal(c.bad, 0);
	assert_int_equal(vdk_mempool_avail_count(mp), 4096);
	assert_int_equal(vdk_mempool_free(mp), 0);
	assert_int_equal(vdk_eal_cleanup(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mempool_create_lays_out_objects_with_iova),
		cmocka_unit_test(test_mempool_mem_area_is_one_page_aligned_area_over_every_object),
		cmocka_unit_test(test_mempool_without_private_area_has_null_priv),
		cmocka_unit_test(test_mempool_uncached_get_is_all_or_nothing),
		cmocka_unit_test(test_mempool_cache_refills_and_flushes),
		cmocka_unit_test(test_mempool_generic_calls_use_the_cache_given),
		cmocka_unit_test(test_mempool_get_larger_than_cache_goes_to_ring),
		cmocka_unit_test(test_mempool_exhaustion_with_cache_hands_out_each_object_once),
		cmocka_unit_test(test_mempool_non_eal_thread_uses_the_ring),
		cmocka_unit_test(test_mempool_objects_cross_lcores_without_duplicates),
		cmocka_unit_test(test_mempool_create_rejects_bad_input),
		cmocka_unit_test(test_mempool_create_fails_cleanly_on_bad_socket),
		cmocka_unit_test(test_mempool_free_rejects_what_is_not_a_pool),
		cmocka_unit_test(test_mempool_dump_shows_counts),
	};
	const struct CMUnitTest pa_tests[] = {
		cmocka_unit_test(test_mempool_pa_mode_splits_objects_into_contiguous_blocks),
	};
	int fails;

	fails = cmocka_run_group_tests_name("mempool", tests, eal_up, eal_fixture_down);
	fails += cmocka_run_group_tests_name("mempool in IOVA mode PA", pa_tests, NULL, NULL);
	free(log_buf);
	return fails;
}
