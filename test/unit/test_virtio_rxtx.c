/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/virtio/virtio_rxtx.c over the in-process device of
 * virtio_model.h: frames in and out as a correct device moves them, and a
 * device that breaks the used ring's rules (ids beyond the ring or not in
 * flight, used->idx running past what was posted, lengths beyond the
 * buffer, num_buffers beyond the ring). Each violation must stop the
 * queue (logged once, counted) without touching memory the driver does
 * not own, and a restart must bring the queue back with no mbuf lost.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdk_mbuf.h"
#include "virtio_model.h"

#include "test_eal_fixture.h"

#define NB_DESC 64
#define NB_MBUF 256
#define FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MRG_RXBUF))
#define STOPPED "queue stopped until the port is restarted"

struct fix {
	struct virtio_model *m;
	struct vdk_mempool *mp;
	struct virtio_rxq *rxq;
	struct virtio_txq *txq;
	struct virtio_model_vq *rx, *tx;
};

static int
group_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_virtio_rxtx", "0");
}

/* A port with one pair over the model, MRG_RXBUF on, 2 KiB mbufs. */
static int
setup_features(void **state, uint64_t features)
{
	static unsigned int pools;
	struct fix *f = calloc(1, sizeof(*f));
	char name[32];

	if (f == NULL)
		return -1;
	snprintf(name, sizeof(name), "virtio_rxtx%u", pools++);
	f->m = virtio_model_create(features, 0);
	/* No per-lcore cache: the pool's count is exact, so a leak shows. */
	f->mp = vdk_pktmbuf_pool_create(name, NB_MBUF, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
					VDK_SOCKET_ID_ANY);
	if (f->m == NULL || f->mp == NULL ||
	    virtio_model_rxq(f->m, 0, NB_DESC, f->mp, &f->rxq) != 0 ||
	    virtio_model_txq(f->m, 0, NB_DESC, &f->txq) != 0)
		return -1;
	f->rx = virtio_model_vq(f->m, &f->rxq->vq);
	f->tx = virtio_model_vq(f->m, &f->txq->vq);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_features(state, FEATURES);
}

static int
setup_no_mrg(void **state)
{
	return setup_features(state, 1ull << VIRTIO_F_VERSION_1);
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	log_release();
	virtio_rxq_free(f->rxq);
	virtio_txq_free(f->txq);
	/* Every mbuf came back: nothing leaked, nothing freed twice. */
	assert_int_equal(vdk_mempool_avail_count(f->mp), NB_MBUF);
	vdk_mempool_free(f->mp);
	virtio_model_free(f->m);
	free(f);
	return 0;
}

static void
frame(uint8_t *buf, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i);
}

/* The packet's bytes, segment by segment, equal @want. */
static void
expect_pkt(const struct vdk_mbuf *m, const uint8_t *want, uint32_t len)
{
	uint32_t off = 0;

	assert_int_equal(m->pkt_len, len);
	for (const struct vdk_mbuf *s = m; s != NULL; s = s->next) {
		assert_true(off + s->data_len <= len);
		assert_memory_equal(vdk_pktmbuf_mtod(s, const uint8_t *), want + off, s->data_len);
		off += s->data_len;
	}
	assert_int_equal(off, len);
}

static void
free_pkts(struct vdk_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		vdk_pktmbuf_free(pkts[i]);
}

/* After a violation: no packet now or later, even for a good frame. */
static void
expect_stopped(struct fix *f, struct virtq *vq, struct vdk_mbuf **pkts)
{
	uint8_t buf[64];

	assert_true(vq->broken);
	assert_int_equal(vq->nb_broken, 1);
	frame(buf, sizeof(buf), 1);
	virtio_model_rx_frame(f->rx, buf, sizeof(buf));
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	assert_int_equal(vq->nb_broken, 1);
	/* Said once, however many bursts follow. */
	log_expect(STOPPED);
	assert_null(strstr(strstr(logged(), STOPPED) + 1, STOPPED));
}

/* A restart (reset, refill) makes the queue whole again. */
static void
expect_restarts(struct fix *f)
{
	struct vdk_mbuf *pkts[32];
	uint8_t buf[100];

	assert_int_equal(virtio_model_rxq_restart(f->m, f->rxq), 0);
	assert_false(f->rxq->vq.broken);
	frame(buf, sizeof(buf), 7);
	assert_int_equal(virtio_model_rx_frame(f->rx, buf, sizeof(buf)), 1);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 1);
	expect_pkt(pkts[0], buf, sizeof(buf));
	free_pkts(pkts, 1);
}

static void
test_virtio_rx_takes_single_and_merged_frames(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	static uint8_t a[60], b[5000];

	frame(a, sizeof(a), 3);
	frame(b, sizeof(b), 9);
	assert_int_equal(virtio_model_rx_frame(f->rx, a, sizeof(a)), 1);
	/* 5000 bytes and the header over 2060-byte buffers: three. */
	assert_int_equal(virtio_model_rx_frame(f->rx, b, sizeof(b)), 3);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 2);
	expect_pkt(pkts[0], a, sizeof(a));
	expect_pkt(pkts[1], b, sizeof(b));
	assert_int_equal(pkts[1]->nb_segs, 3);
	free_pkts(pkts, 2);
	/* The buffers went back to the device. */
	assert_int_equal(virtio_model_avail(f->rx), NB_DESC);
}

/* A buffer shorter than the header holds no frame: dropped, counted, its buffer reposted. */
static void
test_virtio_rx_buffer_shorter_than_the_header_is_dropped_and_counted(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	uint8_t a[60];
	int id;

	id = virtio_model_take(f->rx);
	assert_true(id >= 0);
	virtio_model_used(f->rx, (uint32_t)id, sizeof(struct virtio_net_hdr) - 1);
	frame(a, sizeof(a), 5);
	assert_int_equal(virtio_model_rx_frame(f->rx, a, sizeof(a)), 1);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 1);
	expect_pkt(pkts[0], a, sizeof(a));
	free_pkts(pkts, 1);
	assert_int_equal(f->rxq->errors, 1);
	assert_int_equal(f->rxq->pkts, 1);
	assert_false(f->rxq->vq.broken);
	assert_int_equal(virtio_model_avail(f->rx), NB_DESC);
}

/* The device receives @n 60-byte frames, seeded 0..@n-1, one buffer each. */
static void
rx_frames(struct fix *f, unsigned int n)
{
	uint8_t a[60];

	for (unsigned int i = 0; i < n; i++) {
		frame(a, sizeof(a), (uint8_t)i);
		assert_int_equal(virtio_model_rx_frame(f->rx, a, sizeof(a)), 1);
	}
}

/* @pkts are rx_frames()'s @n frames, in order. */
static void
expect_frames(struct vdk_mbuf **pkts, unsigned int n)
{
	uint8_t a[60];

	for (unsigned int i = 0; i < n; i++) {
		frame(a, sizeof(a), (uint8_t)i);
		expect_pkt(pkts[i], a, sizeof(a));
	}
}

/*
 * The pool runs dry while frames arrive: the burst still hands up every
 * frame, the buffers it could not replace are counted (rx_nombuf) and
 * stay with the driver, and once mbufs come back the ring is whole again.
 */
static void
test_virtio_rx_dry_pool_counts_and_refills_later(void **state)
{
	struct fix *f = *state;
	static struct vdk_mbuf *held[NB_MBUF];
	struct vdk_mbuf *pkts[32];
	unsigned int nb_held = 0, i;
	uint8_t a[60];

	while ((held[nb_held] = vdk_pktmbuf_alloc(f->mp)) != NULL)
		nb_held++;
	rx_frames(f, 10);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 10);
	expect_frames(pkts, 10);
	assert_int_equal(f->rxq->nombuf, 10);
	assert_int_equal(virtio_model_avail(f->rx), NB_DESC - 10);
	/* Frames still come while the ring is short. */
	frame(a, sizeof(a), 77);
	assert_int_equal(virtio_model_rx_frame(f->rx, a, sizeof(a)), 1);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts + 10, 22), 1);
	expect_pkt(pkts[10], a, sizeof(a));
	free_pkts(pkts, 11);
	for (i = 0; i < nb_held; i++)
		vdk_pktmbuf_free(held[i]);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	assert_int_equal(virtio_model_avail(f->rx), NB_DESC);
}

/*
 * The pool runs out in the middle of a refill: 10 buffers to repost and
 * 4 mbufs in the pool. The burst hands up all 10 frames and reposts the
 * 4 it can (a bulk get is all or nothing, so it asks for less until the
 * pool gives; asking for all 10 at once left the ring starving while the
 * pool had mbufs), counting the 6 it could not.
 */
static void
test_virtio_rx_pool_short_mid_refill_posts_what_it_has(void **state)
{
	struct fix *f = *state;
	static struct vdk_mbuf *held[NB_MBUF];
	struct vdk_mbuf *pkts[32];
	unsigned int nb_held = 0, i;

	rx_frames(f, 10);
	while (vdk_mempool_avail_count(f->mp) > 4)
		held[nb_held++] = vdk_pktmbuf_alloc(f->mp);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 10);
	expect_frames(pkts, 10);
	assert_int_equal(vdk_mempool_avail_count(f->mp), 0);
	assert_int_equal(virtio_model_avail(f->rx), NB_DESC - 6);
	assert_int_equal(f->rxq->nombuf, 6);
	free_pkts(pkts, 10);
	for (i = 0; i < nb_held; i++)
		vdk_pktmbuf_free(held[i]);
	/* The next burst, with mbufs back, makes the ring whole. */
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	assert_int_equal(virtio_model_avail(f->rx), NB_DESC);
}

static void
test_virtio_rx_used_id_beyond_ring_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];

	log_capture();
	/* Past the ring: the old driver indexed sw_ring[300] of 64. */
	virtio_model_used(f->rx, 300, 64);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_used_id_truncated_to_16_bits_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];

	log_capture();
	/* 0x10005 is not buffer 5: the old driver cut the id to 16 bits. */
	virtio_model_used(f->rx, 0x10005, 64);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_used_id_not_in_flight_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	uint8_t buf[64];
	int id;

	log_capture();
	frame(buf, sizeof(buf), 2);
	assert_int_equal(virtio_model_rx_frame(f->rx, buf, sizeof(buf)), 1);
	id = (int)f->rxq->vq.used->ring[0].id;
	/* The same buffer again: the driver no longer lent it. */
	virtio_model_used(f->rx, (uint32_t)id, sizeof(buf));
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 1);
	free_pkts(pkts, 1);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_used_idx_past_posted_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];

	log_capture();
	/*
	 * 64 buffers in flight, 200 entries claimed: the old driver pushed
	 * 200 ids onto a 64-entry free stack. Each entry names a distinct
	 * in-flight buffer, so only the count is wrong.
	 */
	for (uint16_t i = 0; i < 200; i++)
		virtio_model_used_at(f->rx, i, i % NB_DESC, 60);
	virtio_model_used_idx(f->rx, 200);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_len_beyond_buffer_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	int id = virtio_model_take(f->rx);

	log_capture();
	/* A 2060-byte buffer said to hold 65547 bytes (old: data_len 65535). */
	virtio_model_used(f->rx, (uint32_t)id, 65535 + 12);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_len_one_past_buffer_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	int id = virtio_model_take(f->rx);

	log_capture();
	virtio_model_used(f->rx, (uint32_t)id, f->rxq->buf_len + 1);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_len_that_fills_buffer_is_a_frame(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	static uint8_t buf[2048];

	/* Header and data exactly fill the buffer: a good frame. */
	frame(buf, f->rxq->buf_len - 12, 4);
	assert_int_equal(virtio_model_rx_frame(f->rx, buf, f->rxq->buf_len - 12), 1);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 1);
	expect_pkt(pkts[0], buf, f->rxq->buf_len - 12);
	free_pkts(pkts, 1);
	assert_false(f->rxq->vq.broken);
}

/* Post buffer @id used with a header saying @num_buffers. */
static void
post_with_num_buffers(struct fix *f, uint16_t num_buffers)
{
	int id = virtio_model_take(f->rx);
	struct virtio_net_hdr hdr = { .num_buffers = num_buffers };

	memcpy((void *)(uintptr_t)f->rxq->vq.desc[id].addr, &hdr, sizeof(hdr));
	virtio_model_used(f->rx, (uint32_t)id, 100);
}

static void
test_virtio_rx_num_buffers_beyond_ring_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];

	log_capture();
	/* 65535 buffers on a ring of 64: the old driver chained forever. */
	post_with_num_buffers(f, 65535);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_num_buffers_zero_stops_queue(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];

	log_capture();
	post_with_num_buffers(f, 0);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 0);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

static void
test_virtio_rx_without_mrg_ignores_num_buffers(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];

	/* Without MRG_RXBUF the field means nothing: one buffer, one frame. */
	post_with_num_buffers(f, 65535);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 1);
	assert_int_equal(pkts[0]->pkt_len, 100 - 12);
	free_pkts(pkts, 1);
	assert_false(f->rxq->vq.broken);
}

static void
test_virtio_rx_broken_midway_keeps_earlier_frames(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *pkts[32];
	static uint8_t a[80], b[3000];

	log_capture();
	frame(a, sizeof(a), 5);
	frame(b, sizeof(b), 6);
	assert_int_equal(virtio_model_rx_frame(f->rx, a, sizeof(a)), 1);
	/* The first half of a two-buffer frame, then a bad id. */
	assert_int_equal(virtio_model_rx_frame(f->rx, b, sizeof(b)), 2);
	virtio_model_used_at(f->rx, (uint16_t)(f->rx->used_idx - 1), 9999, 100);
	assert_int_equal(virtio_rx_burst(f->rxq, pkts, 32), 1);
	expect_pkt(pkts[0], a, sizeof(a));
	free_pkts(pkts, 1);
	/* The half frame went back to the pool (teardown counts). */
	assert_null(f->rxq->pkt_first);
	expect_stopped(f, &f->rxq->vq, pkts);
	expect_restarts(f);
}

/* Queue @n one-segment frames for transmission. */
static uint16_t
tx_frames(struct fix *f, uint16_t n)
{
	struct vdk_mbuf *pkts[NB_DESC];
	uint16_t sent;

	assert_true(n <= NB_DESC);
	assert_int_equal(vdk_pktmbuf_alloc_bulk(f->mp, pkts, n), 0);
	for (uint16_t i = 0; i < n; i++) {
		frame(vdk_pktmbuf_mtod(pkts[i], uint8_t *), 60, (uint8_t)i);
		pkts[i]->data_len = 60;
		pkts[i]->pkt_len = 60;
	}
	sent = virtio_tx_burst(f->txq, pkts, n);
	free_pkts(pkts + sent, (uint16_t)(n - sent));
	return sent;
}

static void
test_virtio_tx_sends_and_reclaims(void **state)
{
	struct fix *f = *state;
	uint8_t out[128], want[60];

	assert_int_equal(tx_frames(f, NB_DESC), NB_DESC);
	for (uint16_t i = 0; i < NB_DESC; i++) {
		frame(want, sizeof(want), (uint8_t)i);
		assert_int_equal(virtio_model_tx_take(f->tx, out, sizeof(out)), 60);
		assert_memory_equal(out, want, sizeof(want));
	}
	/* The ring was full: the next burst reclaims all 64 and goes on. */
	assert_int_equal(tx_frames(f, 8), 8);
	assert_int_equal(f->txq->vq.nb_free, NB_DESC - 8);
}

static void
test_virtio_tx_chained_frame_comes_back_whole(void **state)
{
	struct fix *f = *state;
	struct vdk_mbuf *m[3];
	uint8_t out[256], want[150];

	assert_int_equal(vdk_pktmbuf_alloc_bulk(f->mp, m, 3), 0);
	for (int i = 0; i < 3; i++) {
		frame(vdk_pktmbuf_mtod(m[i], uint8_t *), 50, (uint8_t)(50 * i));
		m[i]->data_len = 50;
		if (i > 0)
			assert_int_equal(vdk_pktmbuf_chain(m[0], m[i]), 0);
	}
	m[0]->pkt_len = 150;
	frame(want, sizeof(want), 0);
	assert_int_equal(virtio_tx_burst(f->txq, m, 1), 1);
	/* Header slot and three segments. */
	assert_int_equal(f->txq->vq.nb_free, NB_DESC - 4);
	assert_int_equal(virtio_model_tx_take(f->tx, out, sizeof(out)), 150);
	assert_memory_equal(out, want, sizeof(want));
	/*
	 * The device scribbles on the chain's links after using it; the
	 * burst that reclaims the chain must not follow them (the old driver
	 * put id 0xbeef on its free stack and then wrote desc[0xbeef]).
	 */
	for (uint16_t i = 0; i < NB_DESC; i++)
		f->txq->vq.desc[i].next = 0xbeef;
	assert_int_equal(tx_frames(f, NB_DESC - 3), NB_DESC - 3);
	for (uint16_t i = 0; i < NB_DESC - 3; i++)
		assert_in_range(f->txq->vq.avail->ring[(1 + i) & (NB_DESC - 1)], 0, NB_DESC - 1);
	assert_false(f->txq->vq.broken);
}

static void
test_virtio_tx_used_id_beyond_ring_stops_queue(void **state)
{
	struct fix *f = *state;

	log_capture();
	assert_int_equal(tx_frames(f, NB_DESC), NB_DESC);
	virtio_model_used(f->tx, 0x10001, 0);
	/* A full ring makes the burst reclaim: the id is refused, nothing sent. */
	assert_int_equal(tx_frames(f, 1), 0);
	assert_true(f->txq->vq.broken);
	log_expect(STOPPED);
	assert_int_equal(f->txq->vq.nb_broken, 1);
	assert_int_equal(virtio_model_txq_restart(f->m, f->txq), 0);
	assert_int_equal(tx_frames(f, 4), 4);
}

static void
test_virtio_tx_used_id_not_in_flight_stops_queue(void **state)
{
	struct fix *f = *state;
	uint8_t out[128];

	log_capture();
	assert_int_equal(tx_frames(f, NB_DESC), NB_DESC);
	assert_int_equal(virtio_model_tx_take(f->tx, out, sizeof(out)), 60);
	/* Head 0 again, already returned: the old driver freed its mbuf twice. */
	virtio_model_used(f->tx, 0, 0);
	assert_int_equal(tx_frames(f, NB_DESC), 0);
	assert_true(f->txq->vq.broken);
	log_expect(STOPPED);
	assert_int_equal(virtio_model_txq_restart(f->m, f->txq), 0);
}

static void
test_virtio_tx_used_idx_past_posted_stops_queue(void **state)
{
	struct fix *f = *state;

	log_capture();
	assert_int_equal(tx_frames(f, 4), 4);
	/* 4 chains in flight, 1000 claimed done. */
	virtio_model_used_idx(f->tx, 1000);
	assert_int_equal(tx_frames(f, NB_DESC), 0);
	assert_true(f->txq->vq.broken);
	log_expect(STOPPED);
	/* Stays stopped, even with room on the ring. */
	assert_int_equal(tx_frames(f, 1), 0);
	assert_int_equal(f->txq->vq.nb_broken, 1);
	assert_int_equal(virtio_model_txq_restart(f->m, f->txq), 0);
	assert_int_equal(tx_frames(f, 1), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_virtio_rx_takes_single_and_merged_frames,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_rx_buffer_shorter_than_the_header_is_dropped_and_counted, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_dry_pool_counts_and_refills_later,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_pool_short_mid_refill_posts_what_it_has,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_used_id_beyond_ring_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_rx_used_id_truncated_to_16_bits_stops_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_used_id_not_in_flight_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_used_idx_past_posted_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_len_beyond_buffer_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_len_one_past_buffer_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_len_that_fills_buffer_is_a_frame,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_num_buffers_beyond_ring_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_num_buffers_zero_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_without_mrg_ignores_num_buffers,
						setup_no_mrg, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_rx_broken_midway_keeps_earlier_frames,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_tx_sends_and_reclaims, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_virtio_tx_chained_frame_comes_back_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_tx_used_id_beyond_ring_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_tx_used_id_not_in_flight_stops_queue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_tx_used_idx_past_posted_stops_queue,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_up, eal_fixture_down);
}
