/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones over --no-huge memory: reserve, lookup, free, walk, every
 * argument error, alignment, and the IOVA fields against the segment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "eal_internal.h"
#include "eal_memory_internal.h"
#include "test_eal_fixture.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"
#include "vdk_memzone.h"

static struct eal_config cfg;

static int
setup(void **state)
{
	(void)state;
	eal_config_defaults(&cfg);
	cfg.no_huge = true;
	cfg.iova_mode = VDK_IOVA_VA;
	snprintf(cfg.file_prefix, sizeof(cfg.file_prefix), "vdkmztest");
	if (eal_memory_init(&cfg) != 0 || eal_memzone_init() != 0)
		return -1;
	return eal_malloc_init();
}

static int
teardown(void **state)
{
	(void)state;
	eal_memzone_cleanup();
	eal_malloc_cleanup();
	eal_memory_cleanup();
	return 0;
}

static void
test_memzone_reserve_lookup_free(void **state)
{
	const struct vdk_memzone *mz;

	(void)state;
	mz = vdk_memzone_reserve("rx_ring_0", 10000, 0, 0);
	assert_non_null(mz);
	assert_string_equal(mz->name, "rx_ring_0");
	assert_int_equal(mz->len, 10000);
	assert_int_equal((uintptr_t)mz->addr % VDK_CACHE_LINE_SIZE, 0);
	memset(mz->addr, 0xee, mz->len);
	assert_ptr_equal(vdk_memzone_lookup("rx_ring_0"), mz);
	assert_int_equal(nb_zones(), 1);

	assert_int_equal(vdk_memzone_free(mz), 0);
	errno = 0;
	assert_null(vdk_memzone_lookup("rx_ring_0"));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(nb_zones(), 0);
	/* The name is free again. */
	mz = vdk_memzone_reserve("rx_ring_0", 64, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(mz);
	assert_int_equal(vdk_memzone_free(mz), 0);
}

static void
test_memzone_fields_match_the_segment_under_it(void **state)
{
	const struct vdk_memzone *mz;
	const struct vdk_memseg *ms;

	(void)state;
	mz = vdk_memzone_reserve("iova", 3 * 4096 + 17, 0, 0);
	assert_non_null(mz);
	ms = vdk_mem_virt2memseg(mz->addr);
	assert_non_null(ms);
	assert_true((char *)mz->addr + mz->len <= (char *)ms->addr + ms->len);
	assert_int_equal(mz->iova, vdk_memseg_addr2iova(ms, mz->addr));
	assert_int_equal(mz->iova, vdk_malloc_virt2iova(mz->addr));
	/* IOVA mode VA: the device address is the virtual one. */
	assert_int_equal(mz->iova, (uint64_t)(uintptr_t)mz->addr);
	assert_int_equal(mz->page_sz, ms->page_sz);
	assert_int_equal(mz->socket_id, ms->socket_id);
	assert_int_equal(mz->socket_id, 0);
	assert_int_equal(vdk_memzone_free(mz), 0);
}

static void
test_memzone_name_too_long_is_enametoolong(void **state)
{
	char name[VDK_MEMZONE_NAMESIZE + 1];
	const struct vdk_memzone *mz;

	(void)state;
	memset(name, 'n', sizeof(name));
	name[VDK_MEMZONE_NAMESIZE] = '\0';
	log_capture();
	errno = 0;
	assert_null(vdk_memzone_reserve(name, 64, 0, 0));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_true(log_contains("name longer than 31 characters"));
	/* The longest name that fits works. */
	name[VDK_MEMZONE_NAMESIZE - 1] = '\0';
	mz = vdk_memzone_reserve(name, 64, 0, 0);
	assert_non_null(mz);
	assert_string_equal(mz->name, name);
	assert_int_equal(vdk_memzone_free(mz), 0);
}

static void
test_memzone_name_taken_is_eexist(void **state)
{
	const struct vdk_memzone *mz;
	size_t in_use;

	(void)state;
	mz = vdk_memzone_reserve("dup", 128, 0, 0);
	assert_non_null(mz);
	vdk_memory_usage(NULL, &in_use);
	log_capture();
	errno = 0;
	assert_null(vdk_memzone_reserve("dup", 256, 0, 0));
	assert_int_equal(errno, EEXIST);
	assert_true(log_contains("memzone dup: name taken"));
	/* The failed call took no memory and left the first zone alone. */
	{
		size_t now;

		vdk_memory_usage(NULL, &now);
		assert_int_equal(now, in_use);
	}
	assert_ptr_equal(vdk_memzone_lookup("dup"), mz);
	assert_int_equal(mz->len, 128);
	assert_int_equal(vdk_memzone_free(mz), 0);
}

static void
test_memzone_rejects_bad_arguments(void **state)
{
	(void)state;
	errno = 0;
	assert_null(vdk_memzone_reserve("zero", 0, 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve(NULL, 64, 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve("", 64, 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve_aligned("align", 64, 0, 0, 3));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve_aligned("align", 64, 0, 0, 4096 + 64));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve("node", 64, EAL_MAX_NUMA_NODES, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve("node", 64, -5, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_memzone_reserve("flags", 64, 0, 1));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(nb_zones(), 0);
	assert_int_equal(vdk_memzone_free(NULL), -EINVAL);
	errno = 0;
	assert_null(vdk_memzone_lookup(NULL));
	assert_int_equal(errno, ENOENT);
}

static void
test_memzone_honours_alignment(void **state)
{
	const struct vdk_memzone *mz[12];
	size_t align;
	char name[32];
	int i = 0;

	(void)state;
	for (align = 64; align <= (1u << 21); align <<= 2, i++) {
		snprintf(name, sizeof(name), "aligned_%zu", align);
		mz[i] = vdk_memzone_reserve_aligned(name, 1000, 0, 0, align);
		assert_non_null(mz[i]);
		assert_int_equal((uintptr_t)mz[i]->addr % align, 0);
		assert_int_equal(mz[i]->iova % align, 0);
	}
	/* 0 means the cache line. */
	mz[i] = vdk_memzone_reserve_aligned("align0", 1, 0, 0, 0);
	assert_non_null(mz[i]);
	assert_int_equal((uintptr_t)mz[i]->addr % VDK_CACHE_LINE_SIZE, 0);
	assert_int_equal(nb_zones(), i + 1);
	while (i >= 0)
		assert_int_equal(vdk_memzone_free(mz[i--]), 0);
}

static void
test_memzone_free_twice_is_einval(void **state)
{
	const struct vdk_memzone *mz, *other;

	(void)state;
	mz = vdk_memzone_reserve("once", 64, 0, 0);
	other = vdk_memzone_reserve("other", 64, 0, 0);
	assert_non_null(mz);
	assert_non_null(other);
	assert_int_equal(vdk_memzone_free(mz), 0);
	log_capture();
	assert_int_equal(vdk_memzone_free(mz), -EINVAL);
	assert_true(log_contains("not a reserved zone"));
	assert_ptr_equal(vdk_memzone_lookup("other"), other);
	assert_int_equal(vdk_memzone_free(other), 0);
}

static int
veto_cb(enum vdk_mem_event ev, const struct vdk_memseg *ms, void *arg)
{
	(void)ms;
	(void)arg;
	return ev == VDK_MEM_EVENT_ALLOC ? -1 : 0;
}

static void
test_memzone_without_memory_is_enomem_and_keeps_the_name_free(void **state)
{
	const struct vdk_memzone *mz;

	(void)state;
	assert_int_equal(vdk_mem_event_callback_register("veto", veto_cb, NULL), 0);
	log_capture();
	errno = 0;
	assert_null(vdk_memzone_reserve("nomem", 4096, 0, 0));
	assert_int_equal(errno, ENOMEM);
	assert_true(log_contains("memzone nomem: no memory"));
	assert_int_equal(vdk_mem_event_callback_unregister("veto"), 0);
	assert_null(vdk_memzone_lookup("nomem"));
	mz = vdk_memzone_reserve("nomem", 4096, 0, 0);
	assert_non_null(mz);
	assert_int_equal(vdk_memzone_free(mz), 0);
}

static void
test_memzone_cleanup_releases_every_zone(void **state)
{
	size_t total, in_use;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "many_%d", i);
		assert_non_null(vdk_memzone_reserve(name, 1000 + (size_t)i * 100, 0, 0));
	}
	assert_int_equal(nb_zones(), 100);
	eal_memzone_cleanup();
	eal_malloc_cleanup();
	assert_int_equal(nb_zones(), 0);
	assert_null(vdk_memzone_lookup("many_0"));
	vdk_memory_usage(&total, &in_use);
	assert_int_equal(total, 0);
	assert_int_equal(in_use, 0);
	/* The teardown's cleanups find nothing left to do. */
	assert_int_equal(eal_memzone_init(), 0);
	assert_int_equal(eal_malloc_init(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memzone_reserve_lookup_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_fields_match_the_segment_under_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_name_too_long_is_enametoolong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_name_taken_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_rejects_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_honours_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_free_twice_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_without_memory_is_enomem_and_keeps_the_name_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memzone_cleanup_releases_every_zone, setup, teardown),
	};

	return cmocka_run_group_tests_name("eal_memzone", tests, NULL, NULL);
}
