/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/e1000e/e1000e_rxtx.c over the in-process 82574L
 * (e1000e_model.h), where a device that misbehaves can be made to: frames
 * received lap after lap on the smallest ring with full bursts, a pool that
 * runs dry with the default ring, a descriptor the device completes beyond
 * RDT, lengths longer than the buffer, chains without EOP and frames longer
 * than the receiver accepts, error bits, and frames sent and reclaimed.
 * Every case ends with each mbuf back in its pool. Runs the EAL on
 * --no-huge (IOVA = VA, so the model reaches the buffers the driver gives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "e1000e_model.h"
#include "test_eal_fixture.h"
#include "vdk_mbuf.h"

/* Mbufs beyond the ring's: a full burst's replacements. */
#define POOL_SLACK 32
#define POOL_PLENTY 512

static struct e1000e_model *m;
static struct vdk_mempool *pool;

static int
eal_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_e1000e_rxtx", "0");
}

static int
teardown(void **state)
{
	unsigned int in_use;

	(void)state;
	/* Whatever the case did, every mbuf is back once the queues are freed. */
	e1000e_model_free(m);
	m = NULL;
	in_use = pool != NULL ? vdk_mempool_in_use_count(pool) : 0;
	vdk_mempool_free(pool);
	pool = NULL;
	assert_int_equal(in_use, 0);
	return 0;
}

/* A model, a pool of @nb_mbufs of @room data bytes (no cache: exact counts) and the port. */
static struct e1000e_rxq *
port(uint16_t nb_rxd, unsigned int nb_mbufs, uint16_t room)
{
	m = e1000e_model_create();
	pool = vdk_pktmbuf_pool_create("e1000e_test", nb_mbufs, 0, 0,
				       (uint16_t)(room + VDK_PKTMBUF_HEADROOM), VDK_SOCKET_ID_ANY);
	assert_non_null(pool);
	assert_non_null(e1000e_model_port(m, nb_rxd, 64, pool, 0));
	return m->port->rxq;
}

/* A frame of @len bytes whose bytes name @seq and their place. */
static void
frame(uint8_t *f, uint32_t len, uint32_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seq * 31u + i * 7u + (i >> 8));
	if (len >= 4)
		memcpy(f, &seq, 4);
}

/* Check that @pkt is frame @seq of @len bytes, every segment within its buffer, and free it. */
static void
expect_frame(struct vdk_mbuf *pkt, uint32_t len, uint32_t seq, uint16_t buf_size)
{
	uint8_t want[4096];
	uint32_t off = 0, segs = 0;

	frame(want, len, seq);
	assert_int_equal(pkt->pkt_len, len);
	for (struct vdk_mbuf *s = pkt; s != NULL; s = s->next) {
		assert_true(s->data_len <= buf_size);
		assert_true(off + s->data_len <= len);
		assert_memory_equal(vdk_pktmbuf_mtod(s, uint8_t *), want + off, s->data_len);
		off += s->data_len;
		segs++;
	}
	assert_int_equal(off, len);
	assert_int_equal(pkt->nb_segs, segs);
	vdk_pktmbuf_free(pkt);
}

/* Receive frames @seq.. of @len bytes until the model has no room: how many it took. */
static uint32_t
fill(uint32_t seq, uint32_t len)
{
	uint8_t f[4096];
	uint32_t n = 0;

	for (;;) {
		frame(f, len, seq + n);
		if (e1000e_model_rx_frame(m, f, len) == 0)
			return n;
		n++;
	}
}

/* The frames a queue dropped because the device broke the rules. */
static uint64_t
dropped(const struct e1000e_rxq *q)
{
	return q->bad_len + q->oversize;
}

/* After whatever the device did, a good frame @seq is the one frame the next burst gives. */
static void
good_frame_follows(struct e1000e_rxq *q, uint32_t seq)
{
	struct vdk_mbuf *pkts[32];
	uint8_t f[64];

	frame(f, 60, seq);
	assert_int_equal(e1000e_model_rx_frame(m, f, 60), 1);
	assert_int_equal(e1000e_rx_burst(q, pkts, 32), 1);
	expect_frame(pkts[0], 60, seq, q->buf_size);
}

/*
 * The reproducer: --rxd=32 and bursts of 32. The second lap comes
 * back to a slot that was taken in the first and not re-armed; the driver
 * must neither take it for a new frame nor look past RDT.
 */
static void
test_e1000e_rx_small_ring_full_bursts_lap_after_lap(void **state)
{
	struct e1000e_rxq *q = port(32, 32 + POOL_PLENTY, 2048);
	struct vdk_mbuf *pkts[32];
	uint32_t seq = 0, n, got, lap, i;

	(void)state;
	for (lap = 0; lap < 6; lap++) {
		n = fill(seq, 60);
		assert_true(n >= 16);
		got = e1000e_rx_burst(q, pkts, 32);
		assert_int_equal(got, n);
		for (i = 0; i < got; i++)
			expect_frame(pkts[i], 60, seq + i, 2048);
		seq += n;
		/* Nothing more: the ring holds no stale frame. */
		assert_int_equal(e1000e_rx_burst(q, pkts, 32), 0);
	}
	assert_int_equal(m->nb_bad_dma, 0);
	assert_int_equal(dropped(q) + q->errors, 0);
}

/*
 * The default ring with a pool that runs dry: the app takes every free
 * mbuf and holds what it receives. Bursts stop and count it, no frame is
 * lost or repeated, and once the app lets go, receiving goes on, lap
 * after lap.
 */
static void
test_e1000e_rx_dry_pool_stops_counts_and_loses_nothing(void **state)
{
	struct e1000e_rxq *q = port(E1000E_DEFAULT_DESC, E1000E_DEFAULT_DESC + POOL_SLACK, 2048);
	static struct vdk_mbuf *held[E1000E_DEFAULT_DESC * 2], *grabbed[POOL_SLACK + 1];
	uint32_t sent = 0, next = 0, nb_held, nb_grabbed, got, i;
	uint64_t nombuf = 0;

	(void)state;
	for (int lap = 0; lap < 4; lap++) {
		sent += fill(sent, 64);
		for (nb_grabbed = 0; nb_grabbed <= POOL_SLACK; nb_grabbed++)
			if ((grabbed[nb_grabbed] = vdk_pktmbuf_alloc(pool)) == NULL)
				break;
		assert_int_equal(vdk_mempool_avail_count(pool), 0);
		nb_held = 0;
		do {
			got = e1000e_rx_burst(q, held + nb_held, 32);
			nb_held += got;
		} while (got != 0);
		assert_true(q->nombuf > nombuf);
		nombuf = q->nombuf;
		for (i = 0; i < nb_grabbed; i++)
			vdk_pktmbuf_free(grabbed[i]);
		for (i = 0; i < nb_held; i++)
			expect_frame(held[i], 64, next++, 2048);
		/* With mbufs back, the rest comes, in order. */
		while ((got = e1000e_rx_burst(q, held, 32)) != 0)
			for (i = 0; i < got; i++)
				expect_frame(held[i], 64, next++, 2048);
		assert_int_equal(next, sent);
	}
	assert_int_equal(dropped(q) + q->errors, 0);
}

/*
 * The pool runs out in the middle of a burst: 20 frames wait and it has
 * 5 mbufs. The burst hands up the frames it has replacements for (a bulk
 * get is all or nothing, so it asks for less until the pool gives), counts
 * the shortage once, and leaves the rest in the ring, each slot still
 * holding its mbuf; once the app frees what it holds, the rest come in
 * order, none lost or repeated.
 */
static void
test_e1000e_rx_pool_short_mid_burst_takes_what_it_can_replace(void **state)
{
	static struct vdk_mbuf *grabbed[POOL_PLENTY];
	struct e1000e_rxq *q = port(64, 64 + 64, 2048);
	struct vdk_mbuf *pkts[32];
	uint32_t next = 0, nb_grabbed = 0, got, i;
	uint8_t f[64];

	(void)state;
	for (i = 0; i < 20; i++) {
		frame(f, 60, i);
		assert_int_equal(e1000e_model_rx_frame(m, f, 60), 1);
	}
	while (vdk_mempool_avail_count(pool) > 5)
		grabbed[nb_grabbed++] = vdk_pktmbuf_alloc(pool);
	got = e1000e_rx_burst(q, pkts, 32);
	/* At least half of what the pool had, never more. */
	assert_in_range(got, 3, 5);
	assert_int_equal(q->nombuf, 1);
	for (i = 0; i < got; i++)
		expect_frame(pkts[i], 60, next++, 2048);
	/* The slots not taken are still the device's: DD set, mbuf in place. */
	for (i = next; i < 20; i++) {
		assert_true(q->ring[i].status & E1000E_RXD_STAT_DD);
		assert_non_null(q->sw_ring[i]);
	}
	for (i = 0; i < nb_grabbed; i++)
		vdk_pktmbuf_free(grabbed[i]);
	while ((got = e1000e_rx_burst(q, pkts, 32)) != 0)
		for (i = 0; i < got; i++)
			expect_frame(pkts[i], 60, next++, 2048);
	assert_int_equal(next, 20);
	assert_int_equal(q->pkts, 20);
	assert_int_equal(dropped(q) + q->errors, 0);
}

/* DD on the one slot the device was not given (RDT's): not taken. */
static void
test_e1000e_rx_never_takes_a_descriptor_past_rdt(void **state)
{
	struct e1000e_rxq *q = port(64, 64 + POOL_PLENTY, 2048);
	struct vdk_mbuf *pkts[64];
	uint32_t rdt = e1000e_model_reg32(m, E1000E_RDT), n, got, i;

	(void)state;
	n = fill(0, 60);
	assert_int_equal(n, 63);
	e1000e_model_rx_write(m, rdt, 60, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0);
	got = e1000e_rx_burst(q, pkts, 64);
	assert_int_equal(got, n);
	for (i = 0; i < got; i++)
		expect_frame(pkts[i], 60, i, 2048);
}

/* A descriptor longer than its buffer: the frame is dropped and counted, the next one comes. */
static void
test_e1000e_rx_length_over_the_buffer_drops_the_frame(void **state)
{
	struct e1000e_rxq *q = port(64, 64 + POOL_PLENTY, 2048);

	(void)state;
	e1000e_model_rx_push(m, 65535, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0);
	e1000e_model_rx_push(m, 2049, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0);
	good_frame_follows(q, 7);
	assert_int_equal(q->bad_len, 2);
	assert_int_equal(q->pkts, 1);
}

/*
 * Descriptors without EOP: at most the descriptors a 1522-byte frame
 * takes make a chain; a longer chain is dropped as it arrives, once
 * counted, and never holds more mbufs than that.
 */
static void
test_e1000e_rx_endless_chain_costs_the_frame_only(void **state)
{
	struct e1000e_rxq *q = port(64, 64 + POOL_PLENTY, 2048);
	struct vdk_mbuf *pkts[32];
	int i;

	(void)state;
	/* Ten laps of the ring with no EOP: the pool would drain into one chain. */
	for (i = 0; i < 640; i++) {
		e1000e_model_rx_push(m, 2048, E1000E_RXD_STAT_DD, 0);
		if (i % 16 == 15) {
			assert_int_equal(e1000e_rx_burst(q, pkts, 32), 0);
			assert_true(vdk_mempool_in_use_count(pool) <= 64u + 1u);
		}
	}
	e1000e_model_rx_push(m, 100, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0);
	good_frame_follows(q, 9);
	assert_int_equal(q->oversize, 1);
	assert_int_equal(q->pkts, 1);
}

/*
 * 512-byte buffers: a 1500-byte frame is a chain of three; a fourth
 * descriptor, or more than 1522 bytes in three, is a frame the receiver
 * would not have taken: dropped and counted.
 */
static void
test_e1000e_rx_chains_up_to_the_largest_frame(void **state)
{
	struct e1000e_rxq *q = port(64, 64 + POOL_PLENTY, 512);
	struct vdk_mbuf *pkts[8];
	uint8_t f[2048];

	(void)state;
	assert_int_equal(q->buf_size, 512);
	frame(f, 1500, 1);
	assert_int_equal(e1000e_model_rx_frame(m, f, 1500), 3);
	frame(f, 2000, 2);
	assert_int_equal(e1000e_model_rx_frame(m, f, 2000), 4);
	e1000e_model_rx_push(m, 512, E1000E_RXD_STAT_DD, 0);
	e1000e_model_rx_push(m, 512, E1000E_RXD_STAT_DD, 0);
	e1000e_model_rx_push(m, 512, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0);
	frame(f, E1000E_MAX_RX_FRAME, 3);
	assert_int_equal(e1000e_model_rx_frame(m, f, E1000E_MAX_RX_FRAME), 3);
	assert_int_equal(e1000e_rx_burst(q, pkts, 8), 2);
	expect_frame(pkts[0], 1500, 1, 512);
	expect_frame(pkts[1], E1000E_MAX_RX_FRAME, 3, 512);
	assert_int_equal(q->oversize, 2);
}

/* A frame the descriptor marks bad (CRC, symbol, RX data error) is dropped and counted. */
static void
test_e1000e_rx_error_bits_drop_the_frame(void **state)
{
	struct e1000e_rxq *q = port(64, 64 + POOL_PLENTY, 2048);

	(void)state;
	e1000e_model_rx_push(m, 60, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0x01);
	e1000e_model_rx_push(m, 60, E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP, 0x80);
	good_frame_follows(q, 4);
	assert_int_equal(q->errors, 2);
	assert_int_equal(dropped(q), 0);
}

/* @n one-segment 60-byte frames from the pool. */
static void
alloc_frames(struct vdk_mbuf **pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		pkts[i] = vdk_pktmbuf_alloc(pool);
		assert_non_null(pkts[i]);
		pkts[i]->data_len = 60;
		pkts[i]->pkt_len = 60;
	}
}

/*
 * RDT moves once rx_free_thresh descriptors are re-armed, not on every
 * burst (each RDT write is an MMIO write), and then to the slot before
 * the next one the driver looks at, so the device gets every re-armed one.
 */
static void
test_e1000e_rx_rdt_moves_at_the_free_threshold(void **state)
{
	struct vdk_mbuf *pkts[32];
	struct e1000e_rxq *q;
	uint8_t f[64];
	uint32_t i, seq = 0;

	(void)state;
	m = e1000e_model_create();
	pool = vdk_pktmbuf_pool_create("e1000e_test", 64 + POOL_PLENTY, 0, 0,
				       2048 + VDK_PKTMBUF_HEADROOM, VDK_SOCKET_ID_ANY);
	assert_non_null(pool);
	assert_non_null(e1000e_model_port(m, 64, 64, pool, 16));
	q = m->port->rxq;
	assert_int_equal(q->free_thresh, 16);
	assert_int_equal(e1000e_model_reg32(m, E1000E_RDT), 63);
	for (int round = 1; round <= 3; round++) {
		/* 15 frames in bursts of 5: held, RDT stays. */
		for (i = 0; i < 15; i++) {
			frame(f, 60, seq);
			assert_int_equal(e1000e_model_rx_frame(m, f, 60), 1);
			if (i % 5 == 4) {
				assert_int_equal(e1000e_rx_burst(q, pkts, 32), 5);
				for (int k = 0; k < 5; k++)
					expect_frame(pkts[k], 60, seq - 4 + (uint32_t)k, 2048);
			}
			seq++;
		}
		assert_int_equal(q->nb_hold, 15);
		assert_int_equal(e1000e_model_reg32(m, E1000E_RDT), (16u * (round - 1) + 63) % 64);
		/* The 16th: RDT moves behind the next slot to look at. */
		frame(f, 60, seq);
		assert_int_equal(e1000e_model_rx_frame(m, f, 60), 1);
		assert_int_equal(e1000e_rx_burst(q, pkts, 32), 1);
		expect_frame(pkts[0], 60, seq++, 2048);
		assert_int_equal(q->nb_hold, 0);
		assert_int_equal(e1000e_model_reg32(m, E1000E_RDT), (16u * round + 63) % 64);
	}
}

/*
 * Transmit reclaim: RS on the last descriptor of each group of
 * tx_rs_thresh (32) only; a group comes back when the device wrote DD on
 * that one, and not before: without it the ring fills and a burst takes
 * only what is free.
 */
static void
test_e1000e_tx_reclaims_a_group_when_its_rs_descriptor_is_done(void **state)
{
	volatile struct e1000e_tx_desc *ring;
	struct e1000e_txq *txq;
	struct vdk_mbuf *pkts[32];
	int i;

	(void)state;
	port(64, 64 + POOL_PLENTY, 2048);
	txq = m->port->txq;
	ring = txq->ring;
	assert_int_equal(txq->rs_thresh, 32);
	/* 32 frames: descriptors 0-31, RS on 31 alone. */
	alloc_frames(pkts, 32);
	assert_int_equal(e1000e_tx_burst(txq, pkts, 32), 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(!!(ring[i].cmd & E1000E_TXD_CMD_RS), i == 31);
	/* The device has not sent them: nothing comes back, 31 slots are left. */
	alloc_frames(pkts, 32);
	assert_int_equal(e1000e_tx_burst(txq, pkts, 32), 31);
	vdk_pktmbuf_free(pkts[31]);
	assert_int_equal(vdk_mempool_in_use_count(pool), 64u + 32u + 31u);
	/* It sends all 63 and reports the one RS descriptor. */
	assert_int_equal(e1000e_model_tx_run(m, 64), 63);
	assert_int_equal(ring[31].status, E1000E_TXD_STAT_DD);
	assert_int_equal(ring[30].status, 0);
	/* The next burst takes the first group back and fills its room. */
	alloc_frames(pkts, 32);
	assert_int_equal(e1000e_tx_burst(txq, pkts, 32), 32);
	assert_int_equal(vdk_mempool_in_use_count(pool), 64u + 31u + 32u);
	assert_int_equal(ring[31].status, 0);
}

/* Frames sent reach the wire whole; reclaim gives every mbuf back once the device says done. */
static void
test_e1000e_tx_sends_and_reclaims(void **state)
{
	struct vdk_mbuf *pkts[32];
	uint8_t want[256];
	uint32_t sent = 0;
	int round, i;

	(void)state;
	port(64, 64 + POOL_PLENTY, 2048);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 32; i++) {
			pkts[i] = vdk_pktmbuf_alloc(pool);
			assert_non_null(pkts[i]);
			frame(vdk_pktmbuf_mtod(pkts[i], uint8_t *), 200, sent + (uint32_t)i);
			pkts[i]->data_len = 200;
			pkts[i]->pkt_len = 200;
		}
		assert_int_equal(e1000e_tx_burst(m->port->txq, pkts, 32), 32);
		assert_int_equal(e1000e_model_tx_run(m, 64), 32);
		sent += 32;
		frame(want, 200, sent - 1);
		assert_int_equal(m->tx_last_len, 200);
		assert_memory_equal(m->tx_last, want, 200);
	}
	assert_int_equal(m->nb_tx_frames, sent);
	/* At most the ring's worth waits for reclaim. */
	assert_true(vdk_mempool_in_use_count(pool) <= 64u + 64u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_e1000e_rx_small_ring_full_bursts_lap_after_lap,
					  teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_dry_pool_stops_counts_and_loses_nothing,
					  teardown),
		cmocka_unit_test_teardown(
			test_e1000e_rx_pool_short_mid_burst_takes_what_it_can_replace, teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_never_takes_a_descriptor_past_rdt,
					  teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_length_over_the_buffer_drops_the_frame,
					  teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_endless_chain_costs_the_frame_only,
					  teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_chains_up_to_the_largest_frame, teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_error_bits_drop_the_frame, teardown),
		cmocka_unit_test_teardown(test_e1000e_tx_sends_and_reclaims, teardown),
		cmocka_unit_test_teardown(test_e1000e_rx_rdt_moves_at_the_free_threshold, teardown),
		cmocka_unit_test_teardown(
			test_e1000e_tx_reclaims_a_group_when_its_rs_descriptor_is_done, teardown),
	};

	return cmocka_run_group_tests_name("e1000e_rxtx", tests, eal_up, eal_fixture_down);
}
