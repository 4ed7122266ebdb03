/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet mbufs: pool layout (buffer address, IOVA, private area), alloc and
 * free singly and in bulk, data operations at both ends with their bounds,
 * chains (lengths, segment count, freeing a whole chain, reading across
 * segments, the segment limit), reference counts, the sanity check, and
 * bad pool parameters.
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
#include "vdk_malloc.h"
#include "vdk_mbuf.h"
#include "vdk_memzone.h"

#include "test_eal_fixture.h"

#define NB_MBUFS 63

static struct vdk_mempool *pool;

static int
setup(void **state)
{
	(void)state;
	if (eal_fixture_up("test_mbuf", "0") < 0)
		return -1;
	pool = vdk_pktmbuf_pool_create("pkts", NB_MBUFS, 8, 16, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	vdk_mempool_free(pool);
	return vdk_eal_cleanup();
}

/* Every test must give back what it took. */
static int
check_all_back(void **state)
{
	(void)state;
	return vdk_mempool_avail_count(pool) == NB_MBUFS ? 0 : -1;
}

static void
test_mbuf_pool_lays_out_buffers(void **state)
{
	struct vdk_mbuf *m;

	(void)state;
	assert_int_equal(vdk_pktmbuf_data_room_size(pool), VDK_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(vdk_pktmbuf_priv_size(pool), 16);
	m = vdk_pktmbuf_alloc(pool);
	assert_non_null(m);
	assert_ptr_equal(m->pool, pool);
	assert_ptr_equal(vdk_mbuf_to_priv(m), (char *)m + sizeof(*m));
	assert_ptr_equal(m->buf_addr, (char *)m + sizeof(*m) + 16);
	assert_int_equal(m->buf_iova, vdk_malloc_virt2iova(m->buf_addr));
	assert_int_equal(m->buf_len, VDK_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(m->priv_size, 16);
	assert_int_equal(m->data_off, VDK_PKTMBUF_HEADROOM);
	assert_int_equal(vdk_pktmbuf_headroom(m), VDK_PKTMBUF_HEADROOM);
	assert_int_equal(vdk_pktmbuf_tailroom(m), VDK_MBUF_DEFAULT_DATAROOM);
	assert_int_equal(vdk_mbuf_refcnt_read(m), 1);
	assert_int_equal(m->nb_segs, 1);
	assert_null(m->next);
	assert_int_equal(m->port, VDK_MBUF_PORT_INVALID);
	assert_int_equal(vdk_pktmbuf_pkt_len(m), 0);
	assert_int_equal(vdk_pktmbuf_data_len(m), 0);
	assert_ptr_equal(vdk_pktmbuf_mtod(m, char *), (char *)m->buf_addr + 128);
	assert_ptr_equal(vdk_pktmbuf_mtod_offset(m, char *, 14), (char *)m->buf_addr + 142);
	assert_int_equal(vdk_pktmbuf_iova(m), m->buf_iova + 128);
	assert_int_equal(vdk_pktmbuf_iova_offset(m, 14), m->buf_iova + 142);
	assert_int_equal(vdk_mbuf_check(m, 1, NULL), 0);
	assert_int_equal(vdk_mempool_in_use_count(pool), 1);
	vdk_pktmbuf_free(m);
}

static void
test_mbuf_alloc_resets_what_the_last_user_changed(void **state)
{
	struct vdk_mbuf *m;

	(void)state;
	m = vdk_pktmbuf_alloc(pool);
	assert_non_null(m);
	assert_non_null(vdk_pktmbuf_append(m, 100));
	m->ol_flags = VDK_MBUF_F_RX_RSS_HASH;
	m->packet_type = VDK_PTYPE_L2_ETHER | VDK_PTYPE_L3_IPV4;
	m->port = 3;
	m->vlan_tci = 7;
	m->l2_len = 14;
	vdk_pktmbuf_free(m);
	/* The cache is LIFO: the same mbuf comes back, clean. */
	m = vdk_pktmbuf_alloc(pool);
	assert_non_null(m);
	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->data_len, 0);
	assert_int_equal(m->ol_flags, 0);
	assert_int_equal(m->packet_type, 0);
	assert_int_equal(m->port, VDK_MBUF_PORT_INVALID);
	assert_int_equal(m->vlan_tci, 0);
	assert_int_equal(m->tx_offload, 0);
	assert_int_equal(m->data_off, VDK_PKTMBUF_HEADROOM);
	/* reset works on a live mbuf too. */
	assert_non_null(vdk_pktmbuf_append(m, 10));
	vdk_pktmbuf_reset(m);
	assert_int_equal(m->pkt_len, 0);
	vdk_pktmbuf_free(m);
}

static void
test_mbuf_alloc_bulk_is_all_or_nothing(void **state)
{
	struct vdk_mbuf *m[NB_MBUFS + 1];
	unsigned int i;

	(void)state;
	assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, m, NB_MBUFS + 1), -ENOENT);
	assert_int_equal(vdk_mempool_avail_count(pool), NB_MBUFS);
	assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, m, NB_MBUFS), 0);
	for (i = 0; i < NB_MBUFS; i++)
		assert_int_equal(m[i]->pkt_len, 0);
	assert_null(vdk_pktmbuf_alloc(pool));
	/* NULL entries are skipped. */
	m[NB_MBUFS] = NULL;
	vdk_pktmbuf_free_bulk(m, NB_MBUFS + 1);
	assert_int_equal(vdk_mempool_avail_count(pool), NB_MBUFS);
	vdk_pktmbuf_free(NULL);
}

static void
test_mbuf_free_bulk_sorts_by_pool_and_frees_chains(void **state)
{
	struct vdk_mempool *other;
	struct vdk_mbuf *m[6];

	(void)state;
	other = vdk_pktmbuf_pool_create("other", 16, 0, 0, 256, VDK_SOCKET_ID_ANY);
	assert_non_null(other);
	m[0] = vdk_pktmbuf_alloc(pool);
	m[1] = vdk_pktmbuf_alloc(other);
	m[2] = vdk_pktmbuf_alloc(pool);
	m[3] = vdk_pktmbuf_alloc(other);
	m[4] = vdk_pktmbuf_alloc(pool);
	m[5] = vdk_pktmbuf_alloc(other);
	assert_int_equal(vdk_pktmbuf_chain(m[4], m[5]), 0);
	vdk_pktmbuf_free_bulk(m, 5);
	assert_int_equal(vdk_mempool_avail_count(pool), NB_MBUFS);
	assert_int_equal(vdk_mempool_avail_count(other), 16);
	assert_int_equal(vdk_mempool_free(other), 0);
}

static void
test_mbuf_prepend_append_adj_trim_respect_bounds(void **state)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(pool);
	char *p;

	(void)state;
	assert_non_null(m);
	p = vdk_pktmbuf_append(m, 60);
	assert_ptr_equal(p, vdk_pktmbuf_mtod(m, char *));
	memset(p, 'd', 60);
	assert_int_equal(m->pkt_len, 60);
	assert_int_equal(m->data_len, 60);

	p = vdk_pktmbuf_prepend(m, 14);
	assert_ptr_equal(p, vdk_pktmbuf_mtod(m, char *));
	memset(p, 'h', 14);
	assert_int_equal(m->pkt_len, 74);
	assert_int_equal(vdk_pktmbuf_headroom(m), VDK_PKTMBUF_HEADROOM - 14);
	/* Not enough headroom: nothing changes. */
	assert_null(vdk_pktmbuf_prepend(m, VDK_PKTMBUF_HEADROOM));
	assert_int_equal(m->pkt_len, 74);
	/* Not enough tailroom: nothing changes. */
	assert_null(vdk_pktmbuf_append(m, vdk_pktmbuf_tailroom(m) + 1));
	assert_int_equal(m->data_len, 74);

	p = vdk_pktmbuf_adj(m, 14);
	assert_non_null(p);
	assert_int_equal(*p, 'd');
	assert_int_equal(m->pkt_len, 60);
	assert_null(vdk_pktmbuf_adj(m, 61));
	assert_int_equal(vdk_pktmbuf_trim(m, 10), 0);
	assert_int_equal(m->pkt_len, 50);
	assert_int_equal(m->data_len, 50);
	assert_int_equal(vdk_pktmbuf_trim(m, 51), -EINVAL);
	assert_int_equal(m->pkt_len, 50);
	assert_int_equal(vdk_mbuf_check(m, 1, NULL), 0);
	vdk_pktmbuf_free(m);
}

static struct vdk_mbuf *
seg_with(char fill, uint16_t len)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(pool);
	char *p;

	assert_non_null(m);
	p = vdk_pktmbuf_append(m, len);
	assert_non_null(p);
	memset(p, fill, len);
	return m;
}

static void
test_mbuf_chain_sums_lengths_and_frees_whole(void **state)
{
	struct vdk_mbuf *a = seg_with('a', 100), *b = seg_with('b', 200), *c = seg_with('c', 300);
	char buf[64];
	const char *r;
	unsigned int i;

	(void)state;
	assert_int_equal(vdk_pktmbuf_chain(b, c), 0);
	assert_int_equal(vdk_pktmbuf_chain(a, b), 0);
	assert_int_equal(a->nb_segs, 3);
	assert_int_equal(vdk_pktmbuf_pkt_len(a), 600);
	assert_false(vdk_pktmbuf_is_contiguous(a));
	assert_ptr_equal(vdk_pktmbuf_lastseg(a), c);
	assert_int_equal(vdk_mbuf_check(a, 1, NULL), 0);

	/* Append and trim work on the last segment. */
	assert_ptr_equal(vdk_pktmbuf_append(a, 4), vdk_pktmbuf_mtod_offset(c, char *, 300));
	assert_int_equal(c->data_len, 304);
	assert_int_equal(a->pkt_len, 604);
	assert_int_equal(vdk_pktmbuf_trim(a, 4), 0);
	assert_int_equal(a->pkt_len, 600);

	/* Inside one segment: a pointer into it, no copy. */
	r = vdk_pktmbuf_read(a, 10, 20, buf);
	assert_ptr_equal(r, vdk_pktmbuf_mtod_offset(a, char *, 10));
	/* Across three segments: copied. */
	r = vdk_pktmbuf_read(a, 90, 220, (char[220]){ 0 });
	assert_non_null(r);
	for (i = 0; i < 220; i++)
		assert_int_equal(r[i], i < 10 ? 'a' : i < 210 ? 'b' : 'c');
	assert_null(vdk_pktmbuf_read(a, 590, 11, buf));
	r = vdk_pktmbuf_read(a, 590, 10, buf);
	assert_non_null(r);
	assert_int_equal(r[9], 'c');

	assert_int_equal(vdk_mempool_in_use_count(pool), 3);
	vdk_pktmbuf_free(a);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
	/* Segments go back single: nb_segs and next reset. */
	a = vdk_pktmbuf_alloc(pool);
	assert_int_equal(a->nb_segs, 1);
	assert_null(a->next);
	vdk_pktmbuf_free(a);
}

static void
test_mbuf_chain_rejects_too_many_segments(void **state)
{
	struct vdk_mbuf *a = seg_with('a', 1), *b = seg_with('b', 1);

	(void)state;
	a->nb_segs = VDK_MBUF_MAX_NB_SEGS;
	assert_int_equal(vdk_pktmbuf_chain(a, b), -EOVERFLOW);
	assert_null(a->next);
	assert_int_equal(a->pkt_len, 1);
	a->nb_segs = 1;
	vdk_pktmbuf_free(a);
	vdk_pktmbuf_free(b);
}

static void
test_mbuf_refcnt_keeps_shared_buffer_until_last_free(void **state)
{
	struct vdk_mbuf *m = seg_with('r', 10);

	(void)state;
	assert_int_equal(vdk_mbuf_refcnt_update(m, 1), 2);
	assert_int_equal(vdk_mbuf_refcnt_update(m, 1), 3);
	vdk_pktmbuf_free(m);
	assert_int_equal(vdk_mbuf_refcnt_read(m), 2);
	assert_int_equal(vdk_mempool_in_use_count(pool), 1);
	vdk_pktmbuf_free_seg(m);
	assert_int_equal(vdk_mbuf_refcnt_read(m), 1);
	assert_int_equal(vdk_mempool_in_use_count(pool), 1);
	vdk_pktmbuf_free(m);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
	/* Back in the pool with refcnt 1, as alloc expects. */
	assert_int_equal(vdk_mbuf_refcnt_read(m), 1);
}

static void
test_mbuf_check_names_what_is_wrong(void **state)
{
	struct vdk_mbuf *a = seg_with('a', 10), *b = seg_with('b', 10);
	const char *why = NULL;

	(void)state;
	assert_int_equal(vdk_mbuf_check(NULL, 1, &why), -EINVAL);
	assert_string_equal(why, "mbuf is NULL");
	assert_int_equal(vdk_pktmbuf_chain(a, b), 0);
	a->pkt_len = 19;
	assert_int_equal(vdk_mbuf_check(a, 1, &why), -EINVAL);
	assert_string_equal(why, "pkt_len is not the sum of the segments' data_len");
	a->pkt_len = 20;
	a->nb_segs = 3;
	assert_int_equal(vdk_mbuf_check(a, 1, &why), -EINVAL);
	assert_string_equal(why, "fewer segments than nb_segs");
	a->nb_segs = 1;
	assert_int_equal(vdk_mbuf_check(a, 1, &why), -EINVAL);
	assert_string_equal(why, "more segments than nb_segs");
	a->nb_segs = 2;
	b->data_len = (uint16_t)(b->buf_len);
	assert_int_equal(vdk_mbuf_check(a, 1, &why), -EINVAL);
	assert_string_equal(why, "a segment's data passes its buffer");
	assert_int_equal(vdk_mbuf_check(b, 0, &why), -EINVAL);
	assert_string_equal(why, "data past the end of the buffer");
	b->data_len = 10;
	vdk_mbuf_refcnt_set(b, 0);
	assert_int_equal(vdk_mbuf_check(b, 0, &why), -EINVAL);
	assert_string_equal(why, "refcnt is 0");
	vdk_mbuf_refcnt_set(b, 1);
	assert_int_equal(vdk_mbuf_check(b, 0, NULL), 0);
	assert_int_equal(vdk_mbuf_check(a, 1, NULL), 0);
	vdk_pktmbuf_free(a);
}

static void
test_mbuf_pool_create_rejects_bad_sizes(void **state)
{
	unsigned int zones = nb_zones();

	(void)state;
	log_capture();
	errno = 0;
	assert_null(vdk_pktmbuf_pool_create("odd", 16, 0, 5, 2048, VDK_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	log_expect("private size 5 is not a multiple of 8");
	log_capture();
	errno = 0;
	assert_null(vdk_pktmbuf_pool_create("noroom", 16, 0, 0, 0, VDK_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	log_expect("data room size 0");
	log_capture();
	errno = 0;
	assert_null(vdk_pktmbuf_pool_create("none", 0, 0, 0, 2048, VDK_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	log_expect("0 objects");
	log_capture();
	errno = 0;
	assert_null(vdk_pktmbuf_pool_create("pkts", 16, 0, 0, 2048, VDK_SOCKET_ID_ANY));
	assert_int_equal(errno, EEXIST);
	log_expect("name is taken");
	log_capture();
	errno = 0;
	assert_null(vdk_pktmbuf_pool_create(NULL, 16, 0, 0, 2048, VDK_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	log_expect("NULL");
	assert_int_equal(nb_zones(), zones);
}

/* A frame copied in fills each segment's room and chains the rest from the pool. */
static void
test_mbuf_append_copy_chains_what_does_not_fit(void **state)
{
	static char frame[5000];
	struct vdk_mbuf *m, *s;
	uint32_t room, i, seen = 0;

	(void)state;
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (char)(i * 7);
	m = vdk_pktmbuf_alloc(pool);
	assert_non_null(m);
	room = vdk_pktmbuf_tailroom(m);
	assert_int_equal(vdk_pktmbuf_append_copy(m, pool, frame, 10), 0);
	assert_int_equal(vdk_pktmbuf_append_copy(m, pool, frame + 10, sizeof(frame) - 10), 0);
	assert_int_equal(m->pkt_len, sizeof(frame));
	assert_int_equal(m->nb_segs, (sizeof(frame) + room - 1) / room);
	assert_int_equal(m->data_len, room);
	assert_int_equal(vdk_mbuf_check(m, 1, NULL), 0);
	for (s = m; s != NULL; s = s->next) {
		assert_memory_equal(vdk_pktmbuf_mtod(s, char *), frame + seen, s->data_len);
		seen += s->data_len;
	}
	assert_int_equal(seen, sizeof(frame));
	vdk_pktmbuf_free(m);

	/* A pool that runs dry: -ENOBUFS, and what was appended is a sane chain to free. */
	{
		struct vdk_mbuf *all[NB_MBUFS];

		assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, all, NB_MBUFS - 1), 0);
		m = vdk_pktmbuf_alloc(pool);
		assert_non_null(m);
		assert_int_equal(vdk_pktmbuf_append_copy(m, pool, frame, sizeof(frame)), -ENOBUFS);
		assert_int_equal(m->pkt_len, room);
		assert_int_equal(vdk_mbuf_check(m, 1, NULL), 0);
		vdk_pktmbuf_free(m);
		vdk_pktmbuf_free_bulk(all, NB_MBUFS - 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mbuf_pool_lays_out_buffers, check_all_back),
		cmocka_unit_test_teardown(test_mbuf_alloc_resets_what_the_last_user_changed,
					  check_all_back),
		cmocka_unit_test_teardown(test_mbuf_alloc_bulk_is_all_or_nothing, check_all_back),
		cmocka_unit_test_teardown(test_mbuf_free_bulk_sorts_by_pool_and_frees_chains,
					  check_all_back),
		cmocka_unit_test_teardown(test_mbuf_prepend_append_adj_trim_respect_bounds,
					  check_all_back),
		cmocka_unit_test_teardown(test_mbuf_chain_sums_lengths_and_frees_whole,
					  check_all_back),
		cmocka_unit_test_teardown(test_mbuf_chain_rejects_too_many_segments, check_all_back),
		cmocka_unit_test_teardown(test_mbuf_refcnt_keeps_shared_buffer_until_last_free,
					  check_all_back),
		cmocka_unit_test_teardown(test_mbuf_check_names_what_is_wrong, check_all_back),
		cmocka_unit_test_teardown(test_mbuf_append_copy_chains_what_does_not_fit,
					  check_all_back),
		cmocka_unit_test(test_mbuf_pool_create_rejects_bad_sizes),
	};
	int fails;

	fails = cmocka_run_group_tests_name("mbuf", tests, setup, teardown);
	free(log_buf);
	return fails;
}
