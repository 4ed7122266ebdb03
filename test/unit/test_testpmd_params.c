/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd's options after "--": defaults, every option read right, and
 * every bad value refused with a message and the parameters unchanged.
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

#include "testpmd.h"

static char *err_buf;
static size_t err_len;

static int
parse(struct tp_params *p, const char *const *args)
{
	char *argv[32];
	FILE *err;
	int argc = 0, ret;

	argv[argc++] = "vdk-testpmd";
	while (*args != NULL && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	free(err_buf);
	err_buf = NULL;
	err = open_memstream(&err_buf, &err_len);
	assert_non_null(err);
	ret = tp_params_parse(p, argc, argv, err);
	fclose(err);
	return ret;
}

static void
test_defaults_are_dpdks(void **state)
{
	struct tp_params p;

	(void)state;
	tp_params_defaults(&p);
	assert_string_equal(p.fwd_mode, "io");
	assert_int_equal(p.nb_rxq, 1);
	assert_int_equal(p.nb_txq, 1);
	assert_int_equal(p.burst, 32);
	assert_int_equal(p.nb_txpkts, 1);
	assert_int_equal(p.txpkts[0], 64);
	assert_int_equal(p.nb_cores, 1);
	assert_false(p.interactive);
	assert_true(p.promisc);
	assert_int_equal(p.portmask, 0);
	assert_false(p.record_burst_stats);
	/* DPDK's RX_DESC_DEFAULT/TX_DESC_DEFAULT: the driver's ring size. */
	assert_int_equal(p.nb_rxd, 0);
	assert_int_equal(p.nb_txd, 0);
}

static void
test_ring_size_is_the_drivers_unless_asked(void **state)
{
	const struct vdk_eth_desc_lim lim = { .nb_max = 4096, .nb_min = 64, .nb_align = 1 };

	(void)state;
	assert_int_equal(tp_ring_size(0, 2048, &lim), 2048);	/* net_af_xdp's default */
	assert_int_equal(tp_ring_size(512, 2048, &lim), 512);	/* --rxd wins */
	assert_int_equal(tp_ring_size(8192, 2048, &lim), 4096);	/* capped at the maximum */
	assert_int_equal(tp_ring_size(0, 0, &lim), TP_DEFAULT_DESC);	/* no driver default */
	assert_int_equal(tp_ring_size(0, 0, &(struct vdk_eth_desc_lim){ .nb_max = 256 }), 256);
}

static void
test_every_option_is_read(void **state)
{
	static const char *const args[] = {
		"-i", "--auto-start", "--forward-mode=macswap", "--nb-cores", "2", "--rxq=4",
		"--txq=2", "--rxd=512", "--txd=256", "--burst=64", "--txpkts=64,128",
		"--stats-period=3", "--portmask=0x5", "--eth-peer=1,02:00:00:00:00:aa",
		"--run-time=1.5", "--total-num-mbufs=8192", "--mbuf-size=4096", "--no-promisc",
		"--record-burst-stats", "--cmdline-file=/tmp/cmds", "--port-topology=chained",
		"--rss-udp", "--max-pkt-len=9018", "--mbcache=0", "--no-lsc-interrupt",
		"--disable-link-check", "--txonly-multi-flow", NULL,
	};
	struct tp_params p;

	(void)state;
	tp_params_defaults(&p);
	assert_int_equal(parse(&p, args), 0);
	assert_true(p.interactive);
	assert_true(p.auto_start);
	assert_string_equal(p.fwd_mode, "macswap");
	assert_int_equal(p.nb_cores, 2);
	assert_int_equal(p.nb_rxq, 4);
	assert_int_equal(p.nb_txq, 2);
	assert_int_equal(p.nb_rxd, 512);
	assert_int_equal(p.nb_txd, 256);
	assert_int_equal(p.burst, 64);
	assert_int_equal(p.nb_txpkts, 2);
	assert_int_equal(p.txpkts[1], 128);
	assert_int_equal(p.stats_period, 3);
	assert_int_equal(p.portmask, 5);
	assert_true(p.peer_set[1]);
	assert_int_equal(p.peer[1].addr_bytes[5], 0xaa);
	assert_true(p.run_time > 1.4 && p.run_time < 1.6);
	assert_int_equal(p.total_mbufs, 8192);
	assert_int_equal(p.mbuf_size, 4096);
	assert_false(p.promisc);
	assert_true(p.record_burst_stats);
	assert_string_equal(p.cmdline_file, "/tmp/cmds");
	assert_int_equal(p.topology, TP_TOPO_CHAINED);
	assert_int_equal(p.rss, VDK_ETH_RSS_UDP);
	assert_int_equal(p.max_pkt_len, 9018);
	assert_int_equal(p.mbcache, 0);
	assert_false(p.lsc_interrupt);
	assert_false(p.link_check);
	assert_true(p.txonly_multi_flow);
}

/* The DPDK options whose defaults matter: paired ports, link check, LSC on. */
static void
test_new_option_defaults_and_tx_first(void **state)
{
	static const char *const tx_first[] = { "--tx-first", "--port-topology=loop", NULL };
	static const char *const tx_first_i[] = { "--tx-first", "-i", NULL };
	struct tp_params p;

	(void)state;
	tp_params_defaults(&p);
	assert_null(p.cmdline_file);
	assert_int_equal(p.topology, TP_TOPO_PAIRED);
	assert_int_equal(p.rss, VDK_ETH_RSS_IP);
	assert_int_equal(p.mbcache, 250);
	assert_true(p.lsc_interrupt);
	assert_true(p.link_check);
	assert_false(p.tx_first);
	assert_int_equal(parse(&p, tx_first), 0);
	assert_true(p.tx_first);
	assert_int_equal(p.topology, TP_TOPO_LOOP);
	tp_params_defaults(&p);
	assert_int_equal(parse(&p, tx_first_i), -EINVAL);
	assert_non_null(strstr(err_buf, "--tx-first cannot be used with -i"));
	assert_false(p.tx_first);
}

static void
test_bad_values_are_refused_and_change_nothing(void **state)
{
	static const char *const bad[][3] = {
		{ "--forward-mode=teleport", NULL }, { "--nb-cores=0", NULL },
		{ "--rxq=0", NULL }, { "--rxq=65", NULL }, { "--txq=x", NULL },
		{ "--rxd=0", NULL }, { "--txd=70000", NULL }, { "--burst=0", NULL },
		{ "--burst=513", NULL }, { "--txpkts=20", NULL }, { "--txpkts=64,", NULL },
		{ "--stats-period=-1", NULL }, { "--portmask=0", NULL },
		{ "--portmask=xyz", NULL }, { "--portmask=0x100000000", NULL },
		{ "--eth-peer=1", NULL }, { "--eth-peer=40,02:00:00:00:00:01", NULL },
		{ "--eth-peer=1,02:00:00:00:00", NULL }, { "--run-time=0", NULL },
		{ "--run-time=abc", NULL }, { "--total-num-mbufs=1", NULL },
		{ "--mbuf-size=100", NULL }, { "--bogus", NULL }, { "--burst", NULL },
		{ "--record-burst-stats=on", NULL }, { "--cmdline-file=", NULL },
		{ "--port-topology=ring", NULL }, { "--max-pkt-len=63", NULL },
		{ "--max-pkt-len=65536", NULL }, { "--mbcache=513", NULL }, { "--mbcache=-1", NULL },
		{ "--tx-first=1", NULL }, { "--rss-ip=1", NULL },
		{ "stray", NULL },
	};
	struct tp_params p, before;
	unsigned int i;

	(void)state;
	tp_params_defaults(&p);
	before = p;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&p, bad[i]) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i][0]);
		if (err_buf == NULL || strstr(err_buf, "testpmd: ") == NULL)
			fail_msg("'%s' gave no message", bad[i][0]);
		assert_memory_equal(&p, &before, sizeof(p));
	}
}

static void
test_help_prints_usage_and_says_so(void **state)
{
	static const char *const args[] = { "--help", NULL };
	struct tp_params p;

	(void)state;
	tp_params_defaults(&p);
	assert_int_equal(parse(&p, args), 1);
}

static void
test_txpkts_parser(void **state)
{
	uint16_t segs[8];

	(void)state;
	assert_int_equal(tp_parse_txpkts("64", segs, 8), 1);
	assert_int_equal(tp_parse_txpkts("42,1,2", segs, 8), 3);
	assert_int_equal(segs[2], 2);
	assert_int_equal(tp_parse_txpkts("41", segs, 8), -EINVAL);
	assert_int_equal(tp_parse_txpkts("64,0", segs, 8), -EINVAL);
	assert_int_equal(tp_parse_txpkts(",64", segs, 8), -EINVAL);
	assert_int_equal(tp_parse_txpkts("64,64", segs, 1), -EINVAL);
	assert_int_equal(tp_parse_txpkts("65535,1", segs, 8), -EINVAL);
	assert_int_equal(tp_parse_txpkts("", segs, 8), -EINVAL);
	assert_int_equal(tp_parse_txpkts(NULL, segs, 8), -EINVAL);
}

/*
 * --txpkts is checked against the mbuf data room, after every option is
 * read (--mbuf-size may come later), as `set txpkts` checks it: a segment
 * larger than its mbuf would put the memory after the buffer on the wire.
 */
static void
test_txpkts_must_fit_the_mbuf_data_room(void **state)
{
	static const char *const too_big[] = { "--txpkts=4000", NULL };
	static const char *const second_too_big[] = { "--txpkts=64,2049", NULL };
	static const char *const shrunk_later[] = { "--txpkts=1500", "--mbuf-size=1024", NULL };
	static const char *const exact[] = { "--txpkts=2048,2048", NULL };
	static const char *const grown[] = { "--txpkts=4000", "--mbuf-size=4224", NULL };
	static const char *const grown_first[] = { "--mbuf-size=4224", "--txpkts=4096", NULL };
	struct tp_params p, before;

	(void)state;
	tp_params_defaults(&p);
	before = p;
	assert_int_equal(parse(&p, too_big), -EINVAL);
	assert_non_null(err_buf);
	assert_non_null(strstr(err_buf, "testpmd: invalid --txpkts '4000': segment 0 of 4000 "
				"bytes does not fit an mbuf (2048 bytes)"));
	assert_non_null(strstr(err_buf, "--mbuf-size"));
	assert_memory_equal(&p, &before, sizeof(p));
	assert_int_equal(parse(&p, second_too_big), -EINVAL);
	assert_non_null(strstr(err_buf, "segment 1 of 2049 bytes does not fit an mbuf (2048 "
				"bytes)"));
	assert_int_equal(parse(&p, shrunk_later), -EINVAL);
	assert_non_null(strstr(err_buf, "segment 0 of 1500 bytes does not fit an mbuf (896 "
				"bytes)"));
	assert_memory_equal(&p, &before, sizeof(p));

	assert_int_equal(parse(&p, exact), 0);
	assert_int_equal(p.nb_txpkts, 2);
	tp_params_defaults(&p);
	assert_int_equal(parse(&p, grown), 0);
	assert_int_equal(p.txpkts[0], 4000);
	assert_int_equal(p.mbuf_size, 4224);
	tp_params_defaults(&p);
	assert_int_equal(parse(&p, grown_first), 0);
	assert_int_equal(p.txpkts[0], 4096);
}

static void
test_capture_option_is_read_and_checked(void **state)
{
	static const char *const both[] = { "--capture=1,both,/tmp/a,b.pcap", NULL };
	static const char *const count[] = { "--capture=0,rx,out.pcap,count=25", NULL };
	static const char *const bad[][2] = {
		{ "--capture=0", NULL }, { "--capture=0,rx", NULL }, { "--capture=0,rx,", NULL },
		{ "--capture=x,rx,f", NULL }, { "--capture=-1,rx,f", NULL },
		{ "--capture=32,rx,f", NULL }, { "--capture=0,in,f", NULL },
		{ "--capture=0,rx,f,count=0", NULL }, { "--capture=0,rx,f,count=x", NULL },
		{ "--capture=0,rx,f,count=-3", NULL },
	};
	struct tp_params p, before;
	unsigned int i;

	(void)state;
	tp_params_defaults(&p);
	assert_false(p.capture);
	assert_int_equal(parse(&p, both), 0);
	assert_true(p.capture);
	assert_int_equal(p.capture_spec.port, 1);
	assert_int_equal(p.capture_spec.dirs, TP_CAPTURE_RX | TP_CAPTURE_TX);
	/* The file is everything after the direction: a comma may be in it. */
	assert_string_equal(p.capture_spec.path, "/tmp/a,b.pcap");
	assert_int_equal(p.capture_spec.count, 0);
	tp_params_defaults(&p);
	assert_int_equal(parse(&p, count), 0);
	assert_int_equal(p.capture_spec.dirs, TP_CAPTURE_RX);
	assert_string_equal(p.capture_spec.path, "out.pcap");
	assert_int_equal(p.capture_spec.count, 25);
	tp_params_defaults(&p);
	before = p;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&p, bad[i]) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i][0]);
		if (err_buf == NULL || strstr(err_buf, "testpmd: invalid --capture") == NULL)
			fail_msg("'%s' gave no message", bad[i][0]);
		assert_memory_equal(&p, &before, sizeof(p));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_dpdks),
		cmocka_unit_test(test_ring_size_is_the_drivers_unless_asked),
		cmocka_unit_test(test_every_option_is_read),
		cmocka_unit_test(test_bad_values_are_refused_and_change_nothing),
		cmocka_unit_test(test_new_option_defaults_and_tx_first),
		cmocka_unit_test(test_help_prints_usage_and_says_so),
		cmocka_unit_test(test_txpkts_parser),
		cmocka_unit_test(test_txpkts_must_fit_the_mbuf_data_room),
		cmocka_unit_test(test_capture_option_is_read_and_checked),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(err_buf);
	return ret;
}
