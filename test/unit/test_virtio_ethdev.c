/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/virtio/virtio_ethdev.c, compiled in for its static control
 * queue, over the model of virtio_model.h: the device answers a command
 * with the one chain in flight, or breaks the control queue's rules
 * (another chain's id, used->idx past the one command). The answers are
 * posted before the command is sent, so no device thread is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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
	virtq_free(&f->p->cvq);
	vdk_dma_free(f->p->ctrl);
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
	};

	return cmocka_run_group_tests(tests, group_up, eal_fixture_down);
}
