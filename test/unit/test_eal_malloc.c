/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL heap over --no-huge memory: alignment, zeroing, coalescing,
 * growth and give-back of segments (and their callbacks), the PA-mode
 * contiguity rule, bad frees, and a random stress run checked against a
 * shadow model of every live block.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eal_internal.h"
#include "eal_memory_internal.h"
#include "test_common.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"

static struct eal_config cfg;

static void
cfg_reset(size_t mem_mb, enum vdk_iova_mode mode)
{
	eal_config_defaults(&cfg);
	cfg.no_huge = true;
	cfg.mem_mb = mem_mb;
	cfg.iova_mode = mode;
	snprintf(cfg.file_prefix, sizeof(cfg.file_prefix), "vdkmalloctest");
}

static int
heap_up(size_t mem_mb, enum vdk_iova_mode mode)
{
	cfg_reset(mem_mb, mode);
	if (eal_memory_init(&cfg) != 0)
		return -1;
	return eal_malloc_init();
}

static int
setup_grow(void **state)
{
	(void)state;
	return heap_up(0, VDK_IOVA_VA);
}

static int
setup_reserved(void **state)
{
	(void)state;
	return heap_up(4, VDK_IOVA_VA);
}

static int
teardown(void **state)
{
	(void)state;
	eal_malloc_cleanup();
	eal_memory_cleanup();
	return 0;
}

static size_t
total_bytes(void)
{
	size_t total;

	vdk_memory_usage(&total, NULL);
	return total;
}

static size_t
in_use_bytes(void)
{
	size_t in_use;

	vdk_memory_usage(NULL, &in_use);
	return in_use;
}

/* ---- basic behaviour ---- */

static void
test_malloc_gives_cache_aligned_writable_memory_with_its_iova(void **state)
{
	const struct vdk_memseg *ms;
	char *p;

	(void)state;
	p = vdk_malloc("test", 1000, 0);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 64, 0);
	memset(p, 0x33, 1000);
	ms = vdk_mem_virt2memseg(p);
	assert_non_null(ms);
	assert_true(p + 1000 <= (char *)ms->addr + ms->len);
	assert_int_equal(vdk_malloc_virt2iova(p), (uint64_t)(uintptr_t)p);
	assert_int_equal(vdk_malloc_virt2iova(p + 999), (uint64_t)(uintptr_t)(p + 999));
	assert_true(in_use_bytes() >= 1000);
	vdk_free(p);
	assert_int_equal(in_use_bytes(), 0);
}

static void
test_malloc_rejects_zero_size_and_bad_alignment(void **state)
{
	(void)state;
	errno = 0;
	assert_null(vdk_malloc("test", 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_malloc("test", 64, 3));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_malloc("test", 64, 96));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_malloc("test", SIZE_MAX - 10, 0));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(total_bytes(), 0);
}

static void
test_malloc_honours_every_power_of_two_alignment(void **state)
{
	unsigned int align;

	(void)state;
	for (align = 1; align <= (4u << 20); align <<= 1) {
		char *p = vdk_malloc("test", 100, align);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % VDK_MAX(align, 64u), 0);
		memset(p, 1, 100);
		vdk_free(p);
	}
	assert_int_equal(in_use_bytes(), 0);
	assert_int_equal(total_bytes(), 0);
}

static void
test_zmalloc_zeroes_reused_memory(void **state)
{
	unsigned char *p, *q;
	size_t i;

	(void)state;
	/* Keep the segment alive so that the block is reused, dirty. */
	p = vdk_malloc("keep", 64, 0);
	q = vdk_malloc("test", 4000, 0);
	assert_non_null(q);
	memset(q, 0xff, 4000);
	vdk_free(q);
	q = vdk_zmalloc("test", 4000, 0);
	assert_non_null(q);
	for (i = 0; i < 4000; i++)
		assert_int_equal(q[i], 0);
	vdk_free(q);
	q = vdk_zmalloc_socket("test", 300, 0, 0);
	assert_non_null(q);
	for (i = 0; i < 300; i++)
		assert_int_equal(q[i], 0);
	vdk_free(q);
	vdk_free(p);
}

static void
test_calloc_zeroes_and_rejects_overflow(void **state)
{
	uint32_t *p;
	size_t i;

	(void)state;
	errno = 0;
	assert_null(vdk_calloc("test", SIZE_MAX / 2, 3, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_calloc("test", 0, 8, 0));
	assert_int_equal(errno, EINVAL);
	p = vdk_calloc("test", 1000, sizeof(*p), 256);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 256, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(p[i], 0);
	vdk_free(p);
}

static void
test_malloc_socket_rejects_missing_node(void **state)
{
	void *p;

	(void)state;
	errno = 0;
	assert_null(vdk_malloc_socket("test", 64, 0, EAL_MAX_NUMA_NODES));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_malloc_socket("test", 64, 0, -2));
	assert_int_equal(errno, EINVAL);
	p = vdk_malloc_socket("test", 64, 0, 0);
	assert_non_null(p);
	assert_int_equal(vdk_mem_virt2memseg(p)->socket_id, 0);
	vdk_free(p);
}

static void
test_free_of_null_foreign_or_freed_pointer_changes_nothing(void **state)
{
	char stack[128];
	char *p, *keep;
	size_t used;

	(void)state;
	vdk_free(NULL);
	keep = vdk_malloc("keep", 64, 0);
	p = vdk_malloc("test", 256, 0);
	used = in_use_bytes();
	log_capture();
	vdk_free(stack + 64);
	assert_true(log_contains("not memory from vdk_malloc"));
	vdk_free(p + 64);
	assert_true(log_contains("not the start of a heap block"));
	vdk_free(p + 1);
	assert_int_equal(in_use_bytes(), used);
	vdk_free(p);
	used = in_use_bytes();
	vdk_free(p);
	assert_true(log_contains("freed twice"));
	assert_int_equal(in_use_bytes(), used);
	vdk_free(keep);
	assert_int_equal(in_use_bytes(), 0);
	assert_int_equal(vdk_malloc_virt2iova(stack), VDK_BAD_IOVA);
}

static void
test_malloc_without_eal_memory_is_enomem(void **state)
{
	(void)state;
	eal_malloc_cleanup();
	eal_memory_cleanup();
	log_capture();
	errno = 0;
	assert_null(vdk_malloc("test", 64, 0));
	assert_int_equal(errno, ENOMEM);
	assert_true(log_contains("call vdk_eal_init() first"));
	assert_int_equal(heap_up(0, VDK_IOVA_VA), 0);
}

/* ---- coalescing, growth, give-back ---- */

static void
test_free_coalesces_with_both_neighbours(void **state)
{
	char *a, *b, *c, *d, *big;
	size_t total;

	(void)state;
	total = total_bytes();
	assert_int_equal(total, 4u << 20);
	a = vdk_malloc("test", 1000, 0);
	b = vdk_malloc("test", 1000, 0);
	c = vdk_malloc("test", 1000, 0);
	d = vdk_malloc("test", 1000, 0);
	assert_non_null(a);
	assert_non_null(d);
	/* Freed out of order, a, b and c must merge into one block again. */
	vdk_free(a);
	vdk_free(c);
	vdk_free(b);
	big = vdk_malloc("test", 3000, 0);
	assert_ptr_equal(big, a);
	vdk_free(big);
	vdk_free(d);
	/* Everything merged back: one allocation can take the whole segment. */
	big = vdk_malloc("test", (4u << 20) - 64, 0);
	assert_non_null(big);
	assert_int_equal(total_bytes(), total);
	vdk_free(big);
	/* The reserved segment stays. */
	assert_int_equal(total_bytes(), total);
	assert_int_equal(in_use_bytes(), 0);
}

static void
test_heap_grows_by_exactly_what_a_block_needs(void **state)
{
	char *p;

	(void)state;
	/* Header and data fill 2 MiB exactly: one 2 MiB segment, no more. */
	p = vdk_malloc("test", (2u << 20) - 64, 0);
	assert_non_null(p);
	assert_int_equal(total_bytes(), 2u << 20);
	vdk_free(p);
	/* 4 KiB-aligned: the gap before the header takes 4 KiB - 64 more. */
	p = vdk_malloc("test", 3u << 20, 4096);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 4096, 0);
	assert_int_equal(total_bytes(), (3u << 20) + 4096);
	vdk_free(p);
	assert_int_equal(total_bytes(), 0);
}

static void
test_heap_grows_and_gives_empty_segments_back(void **state)
{
	char *small, *big;

	(void)state;
	assert_int_equal(total_bytes(), 0);
	small = vdk_malloc("test", 100, 0);
	assert_non_null(small);
	assert_int_equal(total_bytes(), 2u << 20);
	big = vdk_malloc("test", 5u << 20, 0);
	assert_non_null(big);
	memset(big, 7, 5u << 20);
	assert_true(total_bytes() >= (7u << 20));
	vdk_free(big);
	assert_int_equal(total_bytes(), 2u << 20);
	vdk_free(small);
	assert_int_equal(total_bytes(), 0);
	assert_int_equal(in_use_bytes(), 0);
}

struct cb_count {
	int alloc;
	int free;
	int veto;
};

static int
count_cb(enum vdk_mem_event ev, const struct vdk_memseg *ms, void *arg)
{
	struct cb_count *c = arg;

	(void)ms;
	if (ev == VDK_MEM_EVENT_FREE) {
		c->free++;
		return 0;
	}
	c->alloc++;
	return c->veto;
}

static void
test_heap_growth_calls_callbacks_and_a_veto_fails_cleanly(void **state)
{
	struct cb_count c = { 0 };
	void *p;

	(void)state;
	assert_int_equal(vdk_mem_event_callback_register("count", count_cb, &c), 0);
	p = vdk_malloc("test", 64, 0);
	assert_non_null(p);
	assert_int_equal(c.alloc, 1);
	vdk_free(p);
	assert_int_equal(c.free, 1);

	c.veto = 1;
	log_capture();
	errno = 0;
	assert_null(vdk_malloc("test", 64, 0));
	assert_int_equal(errno, ENOMEM);
	assert_true(log_contains("refused"));
	assert_int_equal(c.alloc, 2);
	assert_int_equal(total_bytes(), 0);
	assert_int_equal(in_use_bytes(), 0);
	assert_int_equal(vdk_mem_event_callback_unregister("count"), 0);
	/* Without the veto the heap works again. */
	p = vdk_malloc("test", 64, 0);
	assert_non_null(p);
	vdk_free(p);
}

/* ---- stress against a shadow model ---- */

#define LIVE_MAX 256

struct shadow {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static size_t
random_size(void)
{
	int r = rand() % 100;

	if (r < 70)
		return 1 + (size_t)rand() % 512;
	if (r < 95)
		return 1 + (size_t)rand() % 16384;
	return 1 + (size_t)rand() % (3u << 20);
}

static unsigned int
random_align(void)
{
	static const unsigned int aligns[] = { 0, 0, 0, 8, 64, 128, 4096, 65536 };

	return aligns[rand() % 8];
}

static void
shadow_check_and_free(struct shadow *s)
{
	size_t i;

	for (i = 0; i < s->size; i++)
		if (s->p[i] != s->fill)
			fail_msg("block %p of %zu bytes corrupted at %zu", (void *)s->p, s->size, i);
	vdk_free(s->p);
	s->p = NULL;
}

static void
test_malloc_random_stress_matches_shadow_model(void **state)
{
	static struct shadow live[LIVE_MAX];
	size_t sum = 0;
	int op, i;

	(void)state;
	srand(20240607);
	for (op = 0; op < 20000; op++) {
		struct shadow *s = &live[rand() % LIVE_MAX];

		if (s->p != NULL) {
			sum -= s->size;
			shadow_check_and_free(s);
			continue;
		}
		s->size = random_size();
		unsigned int align = random_align();

		s->p = vdk_malloc("stress", s->size, align);
		assert_non_null(s->p);
		assert_int_equal((uintptr_t)s->p % VDK_MAX(align, 64u), 0);
		/* No overlap with any live block. */
		for (i = 0; i < LIVE_MAX; i++) {
			struct shadow *o = &live[i];

			if (o == s || o->p == NULL)
				continue;
			assert_true(s->p + s->size <= o->p || o->p + o->size <= s->p);
		}
		s->fill = (unsigned char)(op & 0xff);
		memset(s->p, s->fill, s->size);
		sum += s->size;
		assert_true(in_use_bytes() >= sum);
	}
	for (i = 0; i < LIVE_MAX; i++)
		if (live[i].p != NULL)
			shadow_check_and_free(&live[i]);
	assert_int_equal(in_use_bytes(), 0);
	assert_int_equal(total_bytes(), 0);
}

static void *
thread_churn(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	unsigned char *blocks[32] = { NULL };
	size_t sizes[32];
	int op, i;

	for (op = 0; op < 5000; op++) {
		i = rand_r(&seed) % 32;
		if (blocks[i] != NULL) {
			size_t k;

			for (k = 0; k < sizes[i]; k++)
				if (blocks[i][k] != (unsigned char)i)
					return (void *)1;
			vdk_free(blocks[i]);
			blocks[i] = NULL;
			continue;
		}
		sizes[i] = 1 + (size_t)(rand_r(&seed) % 8192);
		blocks[i] = vdk_malloc("thread", sizes[i], 0);
		if (blocks[i] == NULL)
			return (void *)2;
		memset(blocks[i], i, sizes[i]);
	}
	for (i = 0; i < 32; i++)
		vdk_free(blocks[i]);
	return NULL;
}

static void
test_malloc_from_two_threads_keeps_blocks_apart(void **state)
{
	pthread_t t[2];
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_churn,
						(void *)(uintptr_t)(i + 1)), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(in_use_bytes(), 0);
	assert_int_equal(total_bytes(), 0);
}

/* ---- IOVA mode PA ---- */

static int
setup_pa(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return heap_up(0, VDK_IOVA_VA);
	return heap_up(0, VDK_IOVA_PA);
}

/* True if [p, p + len) lies on IOVA-contiguous pages of its segment. */
static bool
iova_contiguous(const void *p, size_t len)
{
	const struct vdk_memseg *ms = vdk_mem_virt2memseg(p);
	uintptr_t base = (uintptr_t)ms->addr;
	size_t i, first = ((uintptr_t)p - base) / ms->page_sz;
	size_t last = ((uintptr_t)p + len - 1 - base) / ms->page_sz;

	for (i = first; i < last; i++)
		if (ms->page_iova[i + 1] != ms->page_iova[i] + ms->page_sz)
			return false;
	return true;
}

static void
test_malloc_pa_mode_blocks_never_cross_discontiguous_pages(void **state)
{
	static unsigned char *blocks[400];
	int i, crossing = 0;

	(void)state;
	if (!eal_memory_iova_pa())
		skip();
	srand(7);
	for (i = 0; i < 400; i++) {
		size_t size = 64 + (size_t)rand() % 4000;

		blocks[i] = vdk_malloc("pa", size, 0);
		assert_non_null(blocks[i]);
		assert_true(iova_contiguous(blocks[i], size));
		assert_int_equal(vdk_malloc_virt2iova(blocks[i]), vdk_mem_virt2phy(blocks[i]));
		assert_int_equal(vdk_malloc_virt2iova(blocks[i] + size - 1),
				 vdk_mem_virt2phy(blocks[i] + size - 1));
		if (((uintptr_t)blocks[i] & ~4095ul) != (((uintptr_t)blocks[i] + size - 1) & ~4095ul))
			crossing++;
	}
	/* Larger blocks either find contiguous pages or fail cleanly. */
	for (i = 0; i < 8; i++) {
		void *p = vdk_malloc("pa", 3 * 4096, 0);

		if (p == NULL) {
			assert_int_equal(errno, ENOMEM);
			continue;
		}
		assert_true(iova_contiguous(p, 3 * 4096));
		vdk_free(p);
	}
	for (i = 0; i < 400; i++)
		vdk_free(blocks[i]);
	assert_int_equal(in_use_bytes(), 0);
	print_message("%d of 400 small blocks span two pages\n", crossing);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malloc_gives_cache_aligned_writable_memory_with_its_iova, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_rejects_zero_size_and_bad_alignment, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_honours_every_power_of_two_alignment, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_zmalloc_zeroes_reused_memory, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_calloc_zeroes_and_rejects_overflow, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_socket_rejects_missing_node, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_free_of_null_foreign_or_freed_pointer_changes_nothing, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_without_eal_memory_is_enomem, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_free_coalesces_with_both_neighbours, setup_reserved, teardown),
		cmocka_unit_test_setup_teardown(test_heap_grows_by_exactly_what_a_block_needs, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_heap_grows_and_gives_empty_segments_back, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_heap_growth_calls_callbacks_and_a_veto_fails_cleanly, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_random_stress_matches_shadow_model, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_from_two_threads_keeps_blocks_apart, setup_grow, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_pa_mode_blocks_never_cross_discontiguous_pages, setup_pa, teardown),
	};

	return cmocka_run_group_tests_name("eal_malloc", tests, NULL, NULL);
}
