/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring: sizing and flags, every enqueue/dequeue flavour on one thread
 * (bulk all-or-nothing, burst as-many-as-fit, single, wrap-around, the
 * free_space/available outputs), and rings in memzones (create, lookup,
 * free, bad input with its log line and nothing left behind).
 * test_ring_stress.c runs the multi-threaded cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_memzone.h"
#include "vdk_ring.h"

#include "test_eal_fixture.h"

/* A ring on heap memory, aligned as vdk_ring_init() asks. */
static struct vdk_ring *
ring_on_heap(const char *name, unsigned int count, unsigned int flags)
{
	ssize_t sz = vdk_ring_get_memsize(count, flags);
	struct vdk_ring *r;

	assert_true(sz > 0);
	r = aligned_alloc(128, VDK_ALIGN_CEIL((size_t)sz, 128));
	assert_non_null(r);
	assert_int_equal(vdk_ring_init(r, name, count, flags), 0);
	return r;
}

static void *
val(uintptr_t v)
{
	return (void *)v;
}

/* --- sizing and init --- */

static void
test_ring_memsize_grows_with_count(void **state)
{
	(void)state;
	assert_int_equal(vdk_ring_get_memsize(1024, 0),
			 sizeof(struct vdk_ring) + 1024 * sizeof(void *));
	/* Exact size: the slots round up, the capacity does not. */
	assert_int_equal(vdk_ring_get_memsize(1000, VDK_RING_F_EXACT_SZ),
			 sizeof(struct vdk_ring) + 1024 * sizeof(void *));
	assert_int_equal(sizeof(struct vdk_ring) % VDK_CACHE_LINE_SIZE, 0);
}

static void
test_ring_memsize_rejects_bad_count_and_flags(void **state)
{
	(void)state;
	log_capture();
	assert_int_equal(vdk_ring_get_memsize(1000, 0), -EINVAL);
	log_expect("not a power of two");
	assert_int_equal(vdk_ring_get_memsize(0, 0), -EINVAL);
	assert_int_equal(vdk_ring_get_memsize(0, VDK_RING_F_EXACT_SZ), -EINVAL);
	assert_int_equal(vdk_ring_get_memsize(VDK_RING_SZ_MAX + 1u, VDK_RING_F_EXACT_SZ),
			 -EINVAL);
	log_capture();
	assert_int_equal(vdk_ring_get_memsize(64, 0x100), -EINVAL);
	log_expect("unknown flags");
}

static void
test_ring_init_sets_geometry_and_modes(void **state)
{
	struct vdk_ring *r;

	(void)state;
	r = ring_on_heap("geo", 64, VDK_RING_F_SP_ENQ);
	assert_string_equal(r->name, "geo");
	assert_int_equal(vdk_ring_get_size(r), 64);
	assert_int_equal(vdk_ring_get_capacity(r), 64);
	assert_int_equal(r->prod.single, 1);
	assert_int_equal(r->cons.single, 0);
	assert_null(r->memzone);
	assert_true(vdk_ring_empty(r));
	assert_false(vdk_ring_full(r));
	assert_int_equal(vdk_ring_count(r), 0);
	assert_int_equal(vdk_ring_free_count(r), 64);
	free(r);

	r = ring_on_heap("exact", 100, VDK_RING_F_EXACT_SZ | VDK_RING_F_SC_DEQ);
	assert_int_equal(vdk_ring_get_size(r), 128);
	assert_int_equal(vdk_ring_get_capacity(r), 100);
	assert_int_equal(r->prod.single, 0);
	assert_int_equal(r->cons.single, 1);
	free(r);
}

static void
test_ring_init_rejects_bad_input(void **state)
{
	struct vdk_ring *r = ring_on_heap("keep", 8, 0);
	char longname[VDK_RING_NAMESIZE + 1];

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	log_capture();
	assert_int_equal(vdk_ring_init(r, "bad", 6, 0), -EINVAL);
	log_expect("power of two");
	log_capture();
	assert_int_equal(vdk_ring_init(r, "bad", 0, 0), -EINVAL);
	log_expect("out of range");
	log_capture();
	assert_int_equal(vdk_ring_init(r, longname, 8, 0), -ENAMETOOLONG);
	log_expect("too long");
	log_capture();
	assert_int_equal(vdk_ring_init(r, NULL, 8, 0), -EINVAL);
	log_expect("NULL");
	log_capture();
	assert_int_equal(vdk_ring_init(r, "", 8, 0), -EINVAL);
	log_expect("empty");
	log_capture();
	assert_int_equal(vdk_ring_init(NULL, "x", 8, 0), -EINVAL);
	log_expect("NULL memory");
	/* Bad input left the ring as it was. */
	assert_string_equal(r->name, "keep");
	assert_int_equal(vdk_ring_get_capacity(r), 8);
	free(r);
}

static void
test_ring_longest_name_fits(void **state)
{
	char name[VDK_RING_NAMESIZE];
	struct vdk_ring *r;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	r = ring_on_heap(name, 2, 0);
	assert_string_equal(r->name, name);
	free(r);
}

/* --- single-thread datapath --- */

static void
test_ring_sp_sc_single_is_fifo(void **state)
{
	struct vdk_ring *r = ring_on_heap("fifo", 4, VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ);
	void *obj;
	uintptr_t i;

	(void)state;
	for (i = 1; i <= 4; i++)
		assert_int_equal(vdk_ring_sp_enqueue(r, val(i)), 0);
	assert_true(vdk_ring_full(r));
	assert_int_equal(vdk_ring_sp_enqueue(r, val(5)), -ENOBUFS);
	for (i = 1; i <= 4; i++) {
		assert_int_equal(vdk_ring_sc_dequeue(r, &obj), 0);
		assert_ptr_equal(obj, val(i));
	}
	assert_int_equal(vdk_ring_sc_dequeue(r, &obj), -ENOENT);
	free(r);
}

static void
test_ring_mp_mc_single_is_fifo(void **state)
{
	struct vdk_ring *r = ring_on_heap("mfifo", 2, 0);
	void *obj;

	(void)state;
	assert_int_equal(vdk_ring_mp_enqueue(r, val(7)), 0);
	assert_int_equal(vdk_ring_mp_enqueue(r, val(8)), 0);
	assert_int_equal(vdk_ring_mp_enqueue(r, val(9)), -ENOBUFS);
	assert_int_equal(vdk_ring_mc_dequeue(r, &obj), 0);
	assert_ptr_equal(obj, val(7));
	assert_int_equal(vdk_ring_mc_dequeue(r, &obj), 0);
	assert_ptr_equal(obj, val(8));
	assert_int_equal(vdk_ring_mc_dequeue(r, &obj), -ENOENT);
	free(r);
}

static void
test_ring_default_single_follows_flags(void **state)
{
	unsigned int flags[] = { 0, VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ };
	unsigned int k;
	void *obj;

	(void)state;
	for (k = 0; k < VDK_DIM(flags); k++) {
		struct vdk_ring *r = ring_on_heap("dflt", 1, flags[k]);

		assert_int_equal(vdk_ring_enqueue(r, val(3)), 0);
		assert_int_equal(vdk_ring_enqueue(r, val(4)), -ENOBUFS);
		assert_int_equal(vdk_ring_dequeue(r, &obj), 0);
		assert_ptr_equal(obj, val(3));
		assert_int_equal(vdk_ring_dequeue(r, &obj), -ENOENT);
		free(r);
	}
}

typedef unsigned int (*enq_fn)(struct vdk_ring *, void * const *, unsigned int, unsigned int *);
typedef unsigned int (*deq_fn)(struct vdk_ring *, void **, unsigned int, unsigned int *);

/* Bulk: all or nothing, and the outputs say what is left. */
static void
check_bulk(enq_fn enq, deq_fn deq, unsigned int flags)
{
	struct vdk_ring *r = ring_on_heap("bulk", 16, flags);
	void *in[16], *out[17];
	unsigned int i, fs = 99, av = 99;

	for (i = 0; i < 16; i++)
		in[i] = val(100 + i);
	assert_int_equal(enq(r, in, 10, &fs), 10);
	assert_int_equal(fs, 6);
	/* 7 do not fit in 6: nothing moves, free_space still tells. */
	fs = 99;
	assert_int_equal(enq(r, in + 10, 7, &fs), 0);
	assert_int_equal(fs, 6);
	assert_int_equal(vdk_ring_count(r), 10);
	assert_int_equal(enq(r, in + 10, 6, NULL), 6);
	assert_true(vdk_ring_full(r));

	/* 17 are not there: nothing moves, available says 16. */
	assert_int_equal(deq(r, out, 17, &av), 0);
	assert_int_equal(av, 16);
	assert_int_equal(deq(r, out, 16, &av), 16);
	assert_int_equal(av, 0);
	for (i = 0; i < 16; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(enq(r, in, 3, NULL), 3);
	av = 99;
	assert_int_equal(deq(r, out, 4, &av), 0);
	assert_int_equal(av, 3);
	assert_int_equal(deq(r, out, 3, NULL), 3);
	assert_true(vdk_ring_empty(r));
	free(r);
}

static void
test_ring_bulk_is_all_or_nothing(void **state)
{
	(void)state;
	check_bulk(vdk_ring_sp_enqueue_bulk, vdk_ring_sc_dequeue_bulk, 0);
	check_bulk(vdk_ring_mp_enqueue_bulk, vdk_ring_mc_dequeue_bulk, 0);
	check_bulk(vdk_ring_enqueue_bulk, vdk_ring_dequeue_bulk, 0);
	check_bulk(vdk_ring_enqueue_bulk, vdk_ring_dequeue_bulk,
		   VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ);
}

/* Burst: as many as fit or as are there. */
static void
check_burst(enq_fn enq, deq_fn deq, unsigned int flags)
{
	struct vdk_ring *r = ring_on_heap("burst", 8, flags);
	void *in[12], *out[12];
	unsigned int i, fs = 99, av = 99;

	for (i = 0; i < 12; i++)
		in[i] = val(200 + i);
	assert_int_equal(enq(r, in, 5, &fs), 5);
	assert_int_equal(fs, 3);
	assert_int_equal(enq(r, in + 5, 7, &fs), 3);
	assert_int_equal(fs, 0);
	assert_int_equal(enq(r, in, 1, &fs), 0);
	assert_int_equal(fs, 0);

	assert_int_equal(deq(r, out, 6, &av), 6);
	assert_int_equal(av, 2);
	assert_int_equal(deq(r, out + 6, 12, &av), 2);
	assert_int_equal(av, 0);
	for (i = 0; i < 8; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(deq(r, out, 1, &av), 0);
	free(r);
}

static void
test_ring_burst_moves_what_fits(void **state)
{
	(void)state;
	check_burst(vdk_ring_sp_enqueue_burst, vdk_ring_sc_dequeue_burst, 0);
	check_burst(vdk_ring_mp_enqueue_burst, vdk_ring_mc_dequeue_burst, 0);
	check_burst(vdk_ring_enqueue_burst, vdk_ring_dequeue_burst, 0);
	check_burst(vdk_ring_enqueue_burst, vdk_ring_dequeue_burst,
		    VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ);
}

/* Runs across the end of the slot array keep their order. */
static void
test_ring_wraps_around_in_order(void **state)
{
	struct vdk_ring *r = ring_on_heap("wrap", 8, 0);
	void *in[5], *out[5];
	uintptr_t next_in = 1, next_out = 1;
	unsigned int round, i;

	(void)state;
	for (round = 0; round < 100; round++) {
		for (i = 0; i < 5; i++)
			in[i] = val(next_in++);
		assert_int_equal(vdk_ring_sp_enqueue_bulk(r, in, 5, NULL), 5);
		assert_int_equal(vdk_ring_sc_dequeue_bulk(r, out, 5, NULL), 5);
		for (i = 0; i < 5; i++)
			assert_ptr_equal(out[i], val(next_out++));
	}
	free(r);
}

/* The free-running indices pass 2^32 without losing count. */
static void
test_ring_survives_index_wrap(void **state)
{
	struct vdk_ring *r = ring_on_heap("idxwrap", 4, 0);
	void *in[3] = { val(1), val(2), val(3) }, *out[3];
	int k;

	(void)state;
	r->prod.head = r->prod.tail = r->cons.head = r->cons.tail = UINT32_MAX - 4;
	for (k = 0; k < 8; k++) {
		/* Both modes, in turn, on each side. */
		if (k & 1)
			assert_int_equal(vdk_ring_sp_enqueue_bulk(r, in, 3, NULL), 3);
		else
			assert_int_equal(vdk_ring_mp_enqueue_bulk(r, in, 3, NULL), 3);
		assert_int_equal(vdk_ring_count(r), 3);
		assert_int_equal(vdk_ring_free_count(r), 1);
		assert_int_equal(vdk_ring_sp_enqueue_bulk(r, in, 2, NULL), 0);
		assert_int_equal(vdk_ring_mp_enqueue_bulk(r, in, 2, NULL), 0);
		if (k & 2)
			assert_int_equal(vdk_ring_sc_dequeue_bulk(r, out, 3, NULL), 3);
		else
			assert_int_equal(vdk_ring_mc_dequeue_bulk(r, out, 3, NULL), 3);
		assert_memory_equal(in, out, sizeof(in));
		assert_int_equal(vdk_ring_sc_dequeue_bulk(r, out, 1, NULL), 0);
	}
	free(r);
}

static void
test_ring_exact_size_holds_exactly_count(void **state)
{
	struct vdk_ring *r = ring_on_heap("ex", 5, VDK_RING_F_EXACT_SZ);
	void *in[6] = { val(1), val(2), val(3), val(4), val(5), val(6) }, *out[6];

	(void)state;
	assert_int_equal(vdk_ring_enqueue_bulk(r, in, 6, NULL), 0);
	assert_int_equal(vdk_ring_enqueue_burst(r, in, 6, NULL), 5);
	assert_true(vdk_ring_full(r));
	assert_int_equal(vdk_ring_dequeue_burst(r, out, 6, NULL), 5);
	assert_memory_equal(in, out, 5 * sizeof(void *));
	free(r);
}

static void
test_ring_reset_empties(void **state)
{
	struct vdk_ring *r = ring_on_heap("reset", 8, 0);
	void *in[3] = { val(1), val(2), val(3) };

	(void)state;
	assert_int_equal(vdk_ring_enqueue_bulk(r, in, 3, NULL), 3);
	vdk_ring_reset(r);
	assert_true(vdk_ring_empty(r));
	assert_int_equal(vdk_ring_free_count(r), 8);
	free(r);
}

static void
test_ring_dump_prints_indices(void **state)
{
	struct vdk_ring *r = ring_on_heap("dumpme", 8, VDK_RING_F_SP_ENQ);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(vdk_ring_enqueue(r, val(1)), 0);
	vdk_ring_dump(f, r);
	fclose(f);
	assert_non_null(strstr(buf, "dumpme"));
	assert_non_null(strstr(buf, "used 1 free 7"));
	assert_non_null(strstr(buf, "single"));
	free(buf);
	free(r);
}

/* --- rings in memzones (need the EAL) --- */

static int
eal_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_ring", "0");
}

static void
test_ring_create_lookup_free(void **state)
{
	struct vdk_ring *r, *found;
	unsigned int zones = nb_zones();
	void *obj;

	(void)state;
	r = vdk_ring_create("rx0", 1024, VDK_SOCKET_ID_ANY, VDK_RING_F_SC_DEQ);
	assert_non_null(r);
	assert_non_null(r->memzone);
	assert_int_equal((uintptr_t)r % (2 * VDK_CACHE_LINE_SIZE), 0);
	assert_int_equal(vdk_ring_get_capacity(r), 1024);
	assert_int_equal(nb_zones(), zones + 1);
	assert_non_null(vdk_memzone_lookup("RG_rx0"));

	found = vdk_ring_lookup("rx0");
	assert_ptr_equal(found, r);
	assert_int_equal(vdk_ring_enqueue(r, val(42)), 0);
	assert_int_equal(vdk_ring_dequeue(found, &obj), 0);
	assert_ptr_equal(obj, val(42));

	assert_int_equal(vdk_ring_free(r), 0);
	assert_int_equal(nb_zones(), zones);
	errno = 0;
	assert_null(vdk_ring_lookup("rx0"));
	assert_int_equal(errno, ENOENT);
	/* The name can be used again. */
	r = vdk_ring_create("rx0", 7, 0, VDK_RING_F_EXACT_SZ);
	assert_non_null(r);
	assert_int_equal(vdk_ring_get_capacity(r), 7);
	assert_int_equal(vdk_ring_free(r), 0);
}

static void
test_ring_create_rejects_taken_name(void **state)
{
	struct vdk_ring *r;
	unsigned int zones;

	(void)state;
	r = vdk_ring_create("dup", 64, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(r);
	zones = nb_zones();
	log_capture();
	errno = 0;
	assert_null(vdk_ring_create("dup", 64, VDK_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EEXIST);
	log_expect("dup: the name is taken");
	assert_int_equal(nb_zones(), zones);
	assert_ptr_equal(vdk_ring_lookup("dup"), r);
	assert_int_equal(vdk_ring_free(r), 0);
}

static void
test_ring_create_rejects_bad_input(void **state)
{
	unsigned int zones = nb_zones();
	char longname[VDK_RING_NAMESIZE + 1];

	(void)state;
	memset(longname, 'y', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	log_capture();
	errno = 0;
	assert_null(vdk_ring_create("npot", 100, VDK_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EINVAL);
	log_expect("VDK_RING_F_EXACT_SZ");

	log_capture();
	errno = 0;
	assert_null(vdk_ring_create("zero", 0, VDK_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EINVAL);
	log_expect("ring zero not created");

	log_capture();
	errno = 0;
	assert_null(vdk_ring_create(longname, 64, VDK_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, ENAMETOOLONG);
	log_expect("too long");

	log_capture();
	errno = 0;
	assert_null(vdk_ring_create(NULL, 64, VDK_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EINVAL);
	log_expect("NULL");

	log_capture();
	errno = 0;
	assert_null(vdk_ring_create("flags", 64, VDK_SOCKET_ID_ANY, 0x80));
	assert_int_equal(errno, EINVAL);
	log_expect("unknown flags");

	/* The memzone's own refusal reaches the caller, with the ring named. */
	log_capture();
	errno = 0;
	assert_null(vdk_ring_create("sock", 64, 99, 0));
	assert_int_equal(errno, EINVAL);
	log_expect("ring sock: cannot reserve");

	assert_int_equal(nb_zones(), zones);
	errno = 0;
	assert_null(vdk_ring_lookup(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vdk_ring_lookup(longname));
	assert_int_equal(errno, ENOENT);
}

static void
test_ring_free_rejects_caller_memory(void **state)
{
	struct vdk_ring *r = ring_on_heap("mine", 8, 0);

	(void)state;
	assert_int_equal(vdk_ring_free(NULL), 0);
	log_capture();
	assert_int_equal(vdk_ring_free(r), -EINVAL);
	log_expect("ring mine was not made by vdk_ring_create");
	free(r);
}

int
main(void)
{
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_ring_memsize_grows_with_count),
		cmocka_unit_test(test_ring_memsize_rejects_bad_count_and_flags),
		cmocka_unit_test(test_ring_init_sets_geometry_and_modes),
		cmocka_unit_test(test_ring_init_rejects_bad_input),
		cmocka_unit_test(test_ring_longest_name_fits),
		cmocka_unit_test(test_ring_sp_sc_single_is_fifo),
		cmocka_unit_test(test_ring_mp_mc_single_is_fifo),
		cmocka_unit_test(test_ring_default_single_follows_flags),
		cmocka_unit_test(test_ring_bulk_is_all_or_nothing),
		cmocka_unit_test(test_ring_burst_moves_what_fits),
		cmocka_unit_test(test_ring_wraps_around_in_order),
		cmocka_unit_test(test_ring_survives_index_wrap),
		cmocka_unit_test(test_ring_exact_size_holds_exactly_count),
		cmocka_unit_test(test_ring_reset_empties),
		cmocka_unit_test(test_ring_dump_prints_indices),
		cmocka_unit_test(test_ring_free_rejects_caller_memory),
	};
	const struct CMUnitTest with_eal[] = {
		cmocka_unit_test(test_ring_create_lookup_free),
		cmocka_unit_test(test_ring_create_rejects_taken_name),
		cmocka_unit_test(test_ring_create_rejects_bad_input),
	};
	int fails;

	fails = cmocka_run_group_tests_name("ring on caller memory", plain, NULL, NULL);
	fails += cmocka_run_group_tests_name("ring in memzones", with_eal, eal_up, eal_fixture_down);
	free(log_buf);
	return fails;
}
