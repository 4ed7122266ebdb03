/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/e1000e/e1000e_ethdev.c, compiled in for its static control
 * path, over the in-process 82574L (e1000e_model.h) with its device
 * thread serving CTRL.RST and EERD: the bring-up reset and the MAC
 * address from RAH0 or the EEPROM, a reset bit that never clears (a
 * bounded wait, the register named), the statistics taken from the
 * registers they name and summed over every queue set up, and the link
 * wait bounded by the clock. Runs the EAL on --no-huge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "e1000e_model.h"
#include "e1000e_ethdev.c"

#include "test_eal_fixture.h"

static struct e1000e_model *m;

static int
eal_up(void **state)
{
	(void)state;
	return eal_fixture_up("test_e1000e_ethdev", "0");
}

/* A port struct over the model, as probe makes it before hw_init(); the device thread runs. */
static struct e1000e_port *
port(void)
{
	struct e1000e_port *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->hw_totals = calloc(e1000e_nb_hw_stats, sizeof(p->hw_totals[0]));
	assert_non_null(p->hw_totals);
	pthread_mutex_init(&p->stats_lock, NULL);
	p->pdev = &m->pci.pub;
	p->bar0 = m->bar;
	e1000e_model_run(m);
	return p;
}

static int
setup(void **state)
{
	m = e1000e_model_create();
	*state = port();
	return 0;
}

static int
teardown(void **state)
{
	log_release();
	e1000e_model_stop(m);
	port_free(*state);
	e1000e_model_free(m);
	m = NULL;
	return 0;
}

/* "Global Reset and General Configuration": one reset, link up asked for, nothing forced. */
static void
test_e1000e_init_resets_once_and_takes_the_mac_from_rah0(void **state)
{
	struct e1000e_port *p = *state;
	uint32_t ctrl;

	e1000e_model_set_reg32(m, E1000E_CTRL, E1000E_CTRL_FRCSPD | E1000E_CTRL_VME);
	e1000e_model_set_reg32(m, E1000E_CTRL_EXT, E1000E_CTRL_EXT_IAME | E1000E_CTRL_EXT_PBA_CLR);
	assert_int_equal(hw_init(p), 0);
	assert_int_equal(m->nb_resets, 1);
	assert_int_equal(m->nb_eeprom_reads, 0);
	assert_int_equal(p->eth.mac_addr.addr_bytes[0], 0x52);
	assert_int_equal(p->eth.mac_addr.addr_bytes[5], 0x56);
	ctrl = e1000e_model_reg32(m, E1000E_CTRL);
	assert_true(ctrl & E1000E_CTRL_SLU);
	assert_false(ctrl & (E1000E_CTRL_RST | E1000E_CTRL_FRCSPD | E1000E_CTRL_VME));
	assert_int_equal(e1000e_model_reg32(m, E1000E_CTRL_EXT), E1000E_CTRL_EXT_DRV_LOAD);
}

/* RAH0 not valid after the reset: the address is the EEPROM's first three words, through EERD. */
static void
test_e1000e_init_reads_the_mac_from_the_eeprom_without_rah0(void **state)
{
	struct e1000e_port *p = *state;
	static const uint8_t want[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

	m->rah_invalid = true;
	m->eeprom[0] = 0x1102;
	m->eeprom[1] = 0x3322;
	m->eeprom[2] = 0x5544;
	assert_int_equal(hw_init(p), 0);
	assert_int_equal(m->nb_eeprom_reads, 3);
	assert_memory_equal(p->eth.mac_addr.addr_bytes, want, 6);
}

/*
 * A reset bit that never clears: hw_init fails with -ETIMEDOUT after the
 * driver's bound (100 ms, not a count of sleeps that a loaded machine
 * stretches), and the message names the register and the device.
 */
static void
test_e1000e_reset_that_never_clears_times_out_naming_ctrl_rst(void **state)
{
	struct e1000e_port *p = *state;
	uint64_t t0, el;

	m->stuck_reset = true;
	log_capture();
	t0 = now_ms();
	assert_int_equal(hw_init(p), -ETIMEDOUT);
	el = now_ms() - t0;
	log_expect("e1000e-model: CTRL.RST did not clear within 100 ms");
	assert_int_equal(m->nb_resets, 0);
	/* 10 ms for the frame in flight, 1 ms after RST, 100 ms of polling. */
	assert_true(el >= 100);
	assert_true(el < 2000);
}

/* The EEPROM does not answer (no DONE) and RAH0 is not valid: no MAC, said so. */
static void
test_e1000e_init_fails_when_neither_rah0_nor_the_eeprom_give_a_mac(void **state)
{
	struct e1000e_port *p = *state;

	/* The device thread is gone: nothing sets EERD.DONE. */
	e1000e_model_stop(m);
	e1000e_model_set_reg32(m, E1000E_RAH0, 0);
	log_capture();
	assert_int_equal(mac_read(p), -ETIMEDOUT);
	log_expect("no valid RAH0 and the EEPROM does not answer");
}

/*
 * ethdev's stats come from the registers their names say: missed packets
 * from MPC, receive errors from CRCERRS, ALGNERRC, RXERRC and RLEC,
 * transmit errors from ECOL and LATECOL; xstats in the table's order.
 */
static void
test_e1000e_stats_come_from_the_named_registers(void **state)
{
	struct e1000e_port *p = *state;
	struct vdk_eth_stats s = { 0 };
	uint64_t *x = calloc(e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS, sizeof(*x));
	unsigned int i;

	assert_non_null(x);
	e1000e_model_set_reg32(m, E1000E_MPC, 3);
	e1000e_model_set_reg32(m, E1000E_CRCERRS, 1);
	e1000e_model_set_reg32(m, E1000E_ALGNERRC, 2);
	e1000e_model_set_reg32(m, E1000E_RXERRC, 4);
	e1000e_model_set_reg32(m, E1000E_RLEC, 8);
	e1000e_model_set_reg32(m, E1000E_ECOL, 16);
	e1000e_model_set_reg32(m, E1000E_LATECOL, 32);
	e1000e_model_set_reg32(m, E1000E_GORCL, 5);
	e1000e_model_set_reg32(m, E1000E_GORCL + 4, 1);
	/* Registers that count into none of them. */
	e1000e_model_set_reg32(m, E1000E_SCC, 1000);
	e1000e_model_set_reg32(m, E1000E_RNBC, 1000);
	assert_int_equal(e1000e_stats_get(&p->eth, &s), 0);
	assert_int_equal(s.imissed, 3);
	assert_int_equal(s.ierrors, 1 + 2 + 4 + 8);
	assert_int_equal(s.oerrors, 16 + 32);
	/* The registers clear when read: the model's do not, so the totals doubled. */
	assert_int_equal(e1000e_xstats_get(&p->eth, x, e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS),
			 (int)(e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS));
	for (i = 0; i < e1000e_nb_hw_stats; i++) {
		if (strcmp(e1000e_hw_stats[i].name, "rx_missed_packets") == 0)
			assert_int_equal(x[i], 6);
		if (strcmp(e1000e_hw_stats[i].name, "rx_hw_good_bytes") == 0)
			assert_int_equal(x[i], 2 * (5 + (1ull << 32)));
		if (strcmp(e1000e_hw_stats[i].name, "tx_single_collisions") == 0)
			assert_int_equal(x[i], 2000);
	}
	free(x);
}

/*
 * The software counters of every queue set up are summed, whichever are
 * not: with rx and tx queue 0 never set up, queue 1's still count (the
 * loops used to stop at the first queue missing).
 */
static void
test_e1000e_stats_sum_every_queue_set_up(void **state)
{
	struct e1000e_port *p = *state;
	struct e1000e_rxq rxq = { .pkts = 5, .bytes = 300, .errors = 1, .bad_len = 2,
				  .oversize = 4, .nombuf = 7 };
	struct e1000e_txq txq = { .pkts = 6, .bytes = 400 };
	uint64_t *x = calloc(e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS, sizeof(*x));
	void *rxqs[2] = { NULL, &rxq }, *txqs[2] = { NULL, &txq };
	struct vdk_eth_stats s = { 0 };

	assert_non_null(x);
	p->eth.rx_queues = rxqs;
	p->eth.tx_queues = txqs;
	p->eth.nb_rx_queues = p->eth.nb_tx_queues = 2;
	assert_int_equal(e1000e_stats_get(&p->eth, &s), 0);
	assert_int_equal(s.ipackets, 5);
	assert_int_equal(s.q_ipackets[1], 5);
	assert_int_equal(s.ibytes, 300);
	assert_int_equal(s.q_errors[1], 1 + 2 + 4);
	assert_int_equal(s.rx_nombuf, 7);
	assert_int_equal(s.opackets, 6);
	assert_int_equal(s.q_obytes[1], 400);
	assert_int_equal(e1000e_xstats_get(&p->eth, x, e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS),
			 (int)(e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS));
	assert_int_equal(x[e1000e_nb_hw_stats + 1], 2);	/* rx_bad_desc_length */
	assert_int_equal(x[e1000e_nb_hw_stats + 2], 4);	/* rx_oversize_frames */
	p->eth.nb_rx_queues = p->eth.nb_tx_queues = 0;
	free(x);
}

/*
 * Waiting for a link that stays down ends at the driver's bound, 3 s on
 * the clock, with the link recorded down; a link that comes up during the
 * wait ends it at once.
 */
static void
test_e1000e_link_wait_is_bounded_by_the_clock(void **state)
{
	struct e1000e_port *p = *state;
	struct vdk_eth_link link;
	uint64_t t0, el;

	e1000e_model_set_reg32(m, E1000E_STATUS, 0);
	t0 = now_ms();
	assert_int_equal(e1000e_link_update(&p->eth, 1), 0);
	el = now_ms() - t0;
	vdk_eth_dev_link_read(&p->eth, &link);
	assert_int_equal(link.link_status, VDK_ETH_LINK_DOWN);
	assert_true(el >= 3000);
	/* 10 ms sleeps: the deadline is read after each, whatever the machine's load. */
	assert_true(el < 6000);
	/* Up: no wait, and its speed and duplex from STATUS. */
	e1000e_model_set_reg32(m, E1000E_STATUS, E1000E_STATUS_LU | E1000E_STATUS_FD |
				  (2u << E1000E_STATUS_SPEED_SHIFT));
	t0 = now_ms();
	assert_int_equal(e1000e_link_update(&p->eth, 1), 0);
	assert_true(now_ms() - t0 < 1000);
	vdk_eth_dev_link_read(&p->eth, &link);
	assert_int_equal(link.link_status, VDK_ETH_LINK_UP);
	assert_int_equal(link.link_speed, VDK_ETH_SPEED_NUM_1G);
	assert_int_equal(link.link_duplex, VDK_ETH_LINK_FULL_DUPLEX);
}

/*
 * The driver takes no device arguments of its own, but the bus's
 * driver=NAME (doc/pci.md) reaches it too and must not fail the probe.
 */
static void
test_e1000e_takes_the_bus_driver_argument_and_refuses_others(void **state)
{
	(void)state;
	assert_true(only_bus_args(NULL));
	assert_true(only_bus_args(""));
	assert_true(only_bus_args("driver=net_e1000e"));
	assert_false(only_bus_args("driver=net_e1000e,rxq=2"));
	assert_false(only_bus_args("rxq=2"));
	assert_false(only_bus_args("drivers=x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_e1000e_init_resets_once_and_takes_the_mac_from_rah0, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_e1000e_init_reads_the_mac_from_the_eeprom_without_rah0, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_e1000e_reset_that_never_clears_times_out_naming_ctrl_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_e1000e_init_fails_when_neither_rah0_nor_the_eeprom_give_a_mac, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_e1000e_stats_come_from_the_named_registers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_e1000e_stats_sum_every_queue_set_up, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_e1000e_link_wait_is_bounded_by_the_clock,
						setup, teardown),
		cmocka_unit_test(test_e1000e_takes_the_bus_driver_argument_and_refuses_others),
	};

	return cmocka_run_group_tests_name("e1000e_ethdev", tests, eal_up, eal_fixture_down);
}
