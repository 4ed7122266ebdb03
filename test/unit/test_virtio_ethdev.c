/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/virtio/virtio_ethdev.c, compiled in for its static control
 * queue and negotiation, over the model of virtio_model.h: the device
 * answers a command with the one chain in flight, breaks the control
 * queue's rules (another chain's id, used->idx past the one command) or
 * never answers; it accepts or refuses the features the driver chose
 * (virtio_model_transport.c); its reset never completes, and a stop then
 * gives no buffer back. The answers are posted before the command
 * is sent, so no device thread is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vdk_mbuf.h"
#include "virtio_model.h"
#include "virtio_ethdev.c"

#include "test_eal_fixture.h"

struct fix {
	struct virtio_model *m;
	struct virtio_port *p;
	struct virtio_model_vq *c;
};

static int
group_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_virtio_ethdev", "0");
}

/* A port with the control queue (8 entries) programmed as dev_start does. */
static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->m = virtio_model_create((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_CTRL_VQ) |
				   (1ull << VIRTIO_NET_F_CTRL_RX), 0);
	if (f->m == NULL)
		return -1;
	f->p = f->m->port;
	if (ctrl_alloc(f->p, 8, VDK_SOCKET_ID_ANY) != 0)
		return -1;
	f->p->cvq.qidx = 2;
	if (virtio_model_program(f->m, &f->p->cvq) != 0)
		return -1;
	f->c = virtio_model_vq(f->m, &f->p->cvq);
	f->p->running = true;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	log_release();
	/* A case that freed the port (port_free) took it from the model. */
	if (f->m->port != NULL) {
		virtq_free(&f->p->cvq);
		vdk_dma_free(f->p->ctrl);
	}
	virtio_model_free(f->m);
	free(f);
	return 0;
}

static void
test_virtio_ctrl_answer_for_the_command_is_taken(void **state)
{
	struct fix *f = *state;

	log_capture();
	/* The chain's head is id 0; the ack byte stays 0xff: a refusal. */
	virtio_model_used(f->c, 0, 1);
	assert_int_equal(rx_mode_set(f->p, VIRTIO_NET_CTRL_RX_PROMISC, true), -EIO);
	log_expect("rejected control command 0.0");
	assert_int_equal(f->p->ctrl_cmds, 1);
	assert_false(f->p->cvq.broken);
	assert_int_equal(f->p->cvq.nb_free, f->p->cvq.size);
}

static void
test_virtio_ctrl_answer_with_another_id_breaks_the_control_queue(void **state)
{
	struct fix *f = *state;
	uint64_t kicks;

	log_capture();
	virtio_model_used(f->c, 5, 1);
	assert_int_equal(rx_mode_set(f->p, VIRTIO_NET_CTRL_RX_PROMISC, true), -EIO);
	log_expect("control queue 0: the device returned chain id 5");
	/* Not counted as an answer (the old driver took any entry as one). */
	assert_int_equal(f->p->ctrl_cmds, 0);
	assert_int_equal(f->p->cvq.nb_broken, 1);
	/* Later commands are not even sent. */
	kicks = f->p->cvq.kicks;
	log_capture();
	assert_int_equal(rx_mode_set(f->p, VIRTIO_NET_CTRL_RX_ALLMULTI, true), -EIO);
	log_expect("control queue is broken");
	assert_int_equal(f->p->cvq.kicks, kicks);
}

static void
test_virtio_ctrl_used_idx_past_the_command_breaks_the_control_queue(void **state)
{
	struct fix *f = *state;

	log_capture();
	/* One command in flight, seven answers claimed. */
	virtio_model_used_idx(f->c, 7);
	assert_int_equal(rx_mode_set(f->p, VIRTIO_NET_CTRL_RX_PROMISC, false), -EIO);
	log_expect("moved used->idx from 0 to 7");
	assert_int_equal(f->p->ctrl_cmds, 0);
	assert_int_equal(f->p->cvq.nb_broken, 1);
}

/*
 * A command the device never answers: -ETIMEDOUT after the driver's
 * bound, 1 s read on the clock (a count of 10 us sleeps, as before, took
 * several times that on a loaded machine), said with the command.
 */
static void
test_virtio_ctrl_command_never_answered_times_out(void **state)
{
	struct fix *f = *state;
	uint64_t t0 = now_ms(), el;

	log_capture();
	assert_int_equal(rx_mode_set(f->p, VIRTIO_NET_CTRL_RX_ALLMULTI, true), -ETIMEDOUT);
	el = now_ms() - t0;
	log_expect("control command 0.1 not answered within 1000 ms");
	assert_true(el >= 1000);
	/* Counting 10 us sleeps took 5 s and more: each one sleeps 50 us of timer slack at least. */
	assert_true(el < 3000);
	assert_int_equal(f->p->ctrl_cmds, 0);
	/* The command went out as the struct places it: header, data, ack. */
	assert_int_equal(f->p->ctrl->class, VIRTIO_NET_CTRL_RX);
	assert_int_equal(f->p->ctrl->command, VIRTIO_NET_CTRL_RX_ALLMULTI);
	assert_int_equal(f->p->ctrl->data[0], 1);
	assert_int_equal(f->p->cvq.desc[1].addr,
			 f->p->ctrl_iova + offsetof(struct virtio_net_ctrl, data));
	assert_int_equal(f->p->cvq.desc[2].addr,
			 f->p->ctrl_iova + offsetof(struct virtio_net_ctrl, ack));
	assert_int_equal(f->p->cvq.desc[2].flags, VRING_DESC_F_WRITE);
}

#define OFFER ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM) |     \
	       (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_CTRL_VQ) |             \
	       (1ull << VIRTIO_NET_F_MQ) | (1ull << 0) /* CSUM: not asked for */)

/* §3.1.1: the driver writes the subset it understands and the device keeps FEATURES_OK. */
static void
test_virtio_negotiation_takes_the_subset_it_understands(void **state)
{
	struct fix *f = *state;

	f->m->dev_features = OFFER;
	assert_int_equal(negotiate(f->p), 0);
	assert_int_equal(f->m->drv_features, OFFER & ~1ull);
	assert_int_equal(f->p->features, OFFER & ~1ull);
	assert_int_equal(f->m->nb_refused, 0);
	assert_int_equal(f->m->common->device_status, VIRTIO_STATUS_ACKNOWLEDGE |
			 VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

/*
 * The device refuses the driver's features (it requires ACCESS_PLATFORM,
 * which features_off left out): FEATURES_OK does not stick, the driver
 * fails with -EIO, sets FAILED and says which bit the device wanted.
 */
static void
test_virtio_negotiation_refused_by_the_device_fails(void **state)
{
	struct fix *f = *state;

	f->m->dev_features = OFFER;
	f->m->required = 1ull << VIRTIO_F_ACCESS_PLATFORM;
	f->p->features_off = 1ull << VIRTIO_F_ACCESS_PLATFORM;
	log_capture();
	assert_int_equal(negotiate(f->p), -EIO);
	log_expect("ACCESS_PLATFORM, left out, is one it requires");
	assert_int_equal(f->m->nb_refused, 1);
	assert_true(f->m->common->device_status & VIRTIO_STATUS_FAILED);
	assert_false(f->m->common->device_status & VIRTIO_STATUS_FEATURES_OK);
}

/* A device without VERSION_1 is a legacy one: refused before any feature is written. */
static void
test_virtio_negotiation_refuses_a_legacy_device(void **state)
{
	struct fix *f = *state;

	f->m->dev_features = OFFER & ~(1ull << VIRTIO_F_VERSION_1);
	f->m->drv_features = 0;
	log_capture();
	assert_int_equal(negotiate(f->p), -ENOTSUP);
	log_expect("does not offer VIRTIO_F_VERSION_1");
	assert_int_equal(f->m->drv_features, 0);
	assert_true(f->m->common->device_status & VIRTIO_STATUS_FAILED);
}

/*
 * features_off is read by vdk_devargs_get_u64(), as every driver reads
 * its numbers: a mask past 32 bits taken, a value that is not a number or
 * is past 64 bits refused with the key, the value and the range; a key it
 * does not know refused by name.
 */
static void
test_virtio_devargs_read_features_off_and_refuse_bad_values(void **state)
{
	struct fix *f = *state;

	log_capture();
	assert_int_equal(parse_devargs(f->p, "model0", "features_off=0x200000000"), 0);
	assert_int_equal(f->p->features_off, 1ull << VIRTIO_F_ACCESS_PLATFORM);
	assert_int_equal(parse_devargs(f->p, "model0", ""), 0);
	/* The bus's key, which picks the driver (doc/pci.md), is not refused. */
	assert_int_equal(parse_devargs(f->p, "model0", "driver=net_virtio"), 0);
	assert_int_equal(f->p->features_off, 1ull << VIRTIO_F_ACCESS_PLATFORM);
	assert_string_equal(logged(), "");
	log_capture();
	assert_int_equal(parse_devargs(f->p, "model0", "features_off=0x2g"), -EINVAL);
	log_expect("device argument features_off=0x2g: not a number");
	log_capture();
	assert_int_equal(parse_devargs(f->p, "model0", "features_off=-1"), -EINVAL);
	log_expect("device argument features_off=-1: not a number");
	log_capture();
	assert_int_equal(parse_devargs(f->p, "model0", "features_off=0x10000000000000000"),
			 -EINVAL);
	log_expect("features_off=0x10000000000000000: out of range: give a number in "
		   "0..18446744073709551615");
	log_capture();
	assert_int_equal(parse_devargs(f->p, "model0", "features_off="), -EINVAL);
	log_expect("device argument features_off=: not a number");
	/* A refused value leaves the mask as it was. */
	assert_int_equal(f->p->features_off, 1ull << VIRTIO_F_ACCESS_PLATFORM);
	log_capture();
	assert_int_equal(parse_devargs(f->p, "model0", "feature_off=1"), -EINVAL);
	log_expect("model0: unknown argument 'feature_off=1'; it takes features_off=<hex mask>");
}

/*
 * The port's data queues as dev_start leaves them: an rx queue of 32
 * buffers from @mp, all posted, and a tx queue with @tx frames queued
 * that the device has not taken; ethdev's queue arrays point at them.
 */
static void
data_queues_up(struct fix *f, struct vdk_mempool *mp, void **rxq, void **txq, uint16_t tx)
{
	struct virtio_rxq *r;
	struct virtio_txq *t;
	struct vdk_mbuf *m[8];
	uint16_t i;

	assert_int_equal(virtio_model_rxq(f->m, 0, 32, mp, &r), 0);
	assert_int_equal(virtio_model_txq(f->m, 0, 32, &t), 0);
	assert_true(tx <= VDK_DIM(m));
	assert_int_equal(vdk_pktmbuf_alloc_bulk(mp, m, tx), 0);
	for (i = 0; i < tx; i++)
		memset(vdk_pktmbuf_append(m[i], 60), (int)i, 60);
	assert_int_equal(virtio_tx_burst(t, m, tx), tx);
	rxq[0] = r;
	txq[0] = t;
	f->p->eth.rx_queues = rxq;
	f->p->eth.tx_queues = txq;
	f->p->eth.nb_rx_queues = 1;
	f->p->eth.nb_tx_queues = 1;
}

/* The leaked mbuf count, as the xstat reset_leaked_mbufs gives it. */
static uint64_t
leaked_mbufs(struct fix *f)
{
	uint64_t v[VDK_DIM(xstat_names)];

	assert_int_equal(virtio_xstats_get(&f->p->eth, v, VDK_DIM(v)), (int)VDK_DIM(v));
	return v[VDK_DIM(v) - 1];
}

/*
 * §2.1: only a completed reset makes the device let go of its buffers. A
 * stop whose reset never completes fails and gives no mbuf back (the
 * device still writes into one it was given, which no one else holds);
 * releasing the queues then leaves ring and mbufs to the device, counted
 * in reset_leaked_mbufs and said. Before, every mbuf went back to the
 * pool with the reset failed.
 */
static void
test_virtio_stop_whose_reset_never_completes_gives_no_buffer_back(void **state)
{
	struct fix *f = *state;
	struct vdk_mempool *mp = vdk_pktmbuf_pool_create("vstop_stuck", 63, 0, 0,
							 VDK_MBUF_DEFAULT_BUF_SIZE,
							 VDK_SOCKET_ID_ANY);
	static const uint8_t frame[64] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xb5 };
	void *rxq[1], *txq[1];
	struct virtio_rxq *r;

	assert_non_null(mp);
	data_queues_up(f, mp, rxq, txq, 4);
	r = rxq[0];
	assert_int_equal(vdk_mempool_in_use_count(mp), 32 + 4);
	f->m->reset_stuck = true;
	log_capture();
	assert_int_equal(virtio_stop(&f->p->eth), -ETIMEDOUT);
	log_expect("model0: stop: the device did not finish its reset: its queues and their "
		   "mbufs stay with it");
	assert_int_equal(vdk_mempool_in_use_count(mp), 32 + 4);
	/* The device goes on writing into a buffer it holds: still out of the pool. */
	assert_int_equal(virtio_model_rx_frame(virtio_model_vq(f->m, &r->vq), frame,
					       sizeof(frame)), 1);
	assert_int_equal(vdk_mempool_in_use_count(mp), 32 + 4);
	/* Closing the port releases the queues: left to the device, never freed. */
	log_capture();
	virtio_rx_queue_release(&f->p->eth, rxq[0]);
	virtio_tx_queue_release(&f->p->eth, txq[0]);
	log_expect("model0: rx queue 0: the device did not finish its reset and may still "
		   "write into the ring and the 32 mbufs on it: they are left to it, never freed");
	log_expect("model0: tx queue 0: the device did not finish its reset and may still "
		   "write into the ring and the 4 mbufs on it");
	assert_int_equal(vdk_mempool_in_use_count(mp), 32 + 4);
	assert_int_equal(leaked_mbufs(f), 32 + 4);
	f->p->eth.nb_rx_queues = f->p->eth.nb_tx_queues = 0;
	/* The pool's memory goes with the test; no device is left to write into it. */
	vdk_mempool_free(mp);
}

/*
 * A stop retried once the device's reset completes gives every mbuf
 * back, and the queues are released as usual: nothing leaked.
 */
static void
test_virtio_stop_retried_after_a_completed_reset_gives_every_buffer_back(void **state)
{
	struct fix *f = *state;
	struct vdk_mempool *mp = vdk_pktmbuf_pool_create("vstop_retry", 63, 0, 0,
							 VDK_MBUF_DEFAULT_BUF_SIZE,
							 VDK_SOCKET_ID_ANY);
	void *rxq[1], *txq[1];

	assert_non_null(mp);
	data_queues_up(f, mp, rxq, txq, 4);
	f->m->reset_stuck = true;
	log_capture();
	assert_int_equal(virtio_stop(&f->p->eth), -ETIMEDOUT);
	assert_int_equal(vdk_mempool_in_use_count(mp), 32 + 4);
	f->m->reset_stuck = false;
	assert_int_equal(virtio_stop(&f->p->eth), 0);
	assert_int_equal(f->m->nb_resets, 2);
	assert_int_equal(vdk_mempool_in_use_count(mp), 0);
	virtio_rx_queue_release(&f->p->eth, rxq[0]);
	virtio_tx_queue_release(&f->p->eth, txq[0]);
	assert_int_equal(leaked_mbufs(f), 0);
	f->p->eth.nb_rx_queues = f->p->eth.nb_tx_queues = 0;
	vdk_mempool_free(mp);
}

/*
 * Freeing the port of a device whose last reset never completed (close)
 * leaves the control queue's ring and command buffer to it: the device
 * may still write the ack and the used ring there.
 */
static void
test_virtio_port_free_leaves_the_control_queue_to_a_stuck_device(void **state)
{
	struct fix *f = *state;

	f->m->reset_stuck = true;
	log_capture();
	assert_int_equal(device_reset(f->p), -ETIMEDOUT);
	assert_true(f->p->reset_stuck);
	/* The port goes (as close frees it); the model must not free it again. */
	f->m->port = NULL;
	port_free(f->p);
	log_expect("model0: the device did not finish its reset: the control queue's ring and "
		   "command buffer are left to it, never freed (leaked)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_virtio_ctrl_answer_for_the_command_is_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_ctrl_answer_with_another_id_breaks_the_control_queue, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_ctrl_used_idx_past_the_command_breaks_the_control_queue, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_virtio_ctrl_command_never_answered_times_out,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_negotiation_takes_the_subset_it_understands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_negotiation_refused_by_the_device_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_negotiation_refuses_a_legacy_device,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_devargs_read_features_off_and_refuse_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_stop_whose_reset_never_completes_gives_no_buffer_back, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_stop_retried_after_a_completed_reset_gives_every_buffer_back,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_virtio_port_free_leaves_the_control_queue_to_a_stuck_device, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, group_up, eal_fixture_down);
}
