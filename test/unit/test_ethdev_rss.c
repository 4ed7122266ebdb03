/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev's receive side scaling calls (ethdev_rss.c): what they refuse
 * before a driver sees it (no RSS, not configured, flow types the port
 * cannot hash, a key or table of the wrong size, entries past the rx
 * queues), what they pass on, and that a port id taken anew has no RSS.
 * The driver is a net_ring port given RSS ops that record what they get.
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

#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_eth_ring.h"
#include "vdk_ethdev_driver.h"
#include "vdk_ring.h"

#define FAKE_CAPA (VDK_ETH_RSS_IPV4 | VDK_ETH_RSS_NONFRAG_IPV4_TCP)
#define FAKE_KEY 8
#define FAKE_RETA 128

static struct vdk_ring *rings[2];
static uint64_t fake_hf;
static uint8_t fake_key[FAKE_KEY];
static uint16_t fake_reta[FAKE_RETA];
static int fake_calls;

static void
fake_capa_get(struct vdk_eth_dev *dev, struct vdk_eth_rss_capa *capa)
{
	(void)dev;
	capa->flow_type_rss_offloads = FAKE_CAPA;
	capa->reta_size = FAKE_RETA;
	capa->hash_key_size = FAKE_KEY;
}

static int
fake_hash_update(struct vdk_eth_dev *dev, const struct vdk_eth_rss_conf *conf)
{
	(void)dev;
	fake_calls++;
	fake_hf = conf->rss_hf;
	if (conf->rss_key != NULL)
		memcpy(fake_key, conf->rss_key, FAKE_KEY);
	return 0;
}

static int
fake_hash_conf_get(struct vdk_eth_dev *dev, struct vdk_eth_rss_conf *conf)
{
	(void)dev;
	fake_calls++;
	conf->rss_hf = fake_hf;
	if (conf->rss_key != NULL)
		memcpy(conf->rss_key, fake_key, FAKE_KEY);
	return 0;
}

static int
fake_reta_update(struct vdk_eth_dev *dev, const struct vdk_eth_rss_reta_entry64 *reta,
		 uint16_t size)
{
	(void)dev;
	fake_calls++;
	for (unsigned int i = 0; i < size; i++)
		if ((reta[i / 64].mask >> (i % 64)) & 1)
			fake_reta[i] = reta[i / 64].reta[i % 64];
	return 0;
}

static int
fake_reta_query(struct vdk_eth_dev *dev, struct vdk_eth_rss_reta_entry64 *reta, uint16_t size)
{
	(void)dev;
	fake_calls++;
	for (unsigned int i = 0; i < size; i++)
		if ((reta[i / 64].mask >> (i % 64)) & 1)
			reta[i / 64].reta[i % 64] = fake_reta[i];
	return 0;
}

static const struct vdk_eth_rss_ops fake_rss_ops = {
	.capa_get = fake_capa_get,
	.hash_update = fake_hash_update,
	.hash_conf_get = fake_hash_conf_get,
	.reta_update = fake_reta_update,
	.reta_query = fake_reta_query,
};

/* A ring port with two rx queues; with RSS if @rss. */
static uint16_t
ring_port(const char *name, bool rss)
{
	int p = vdk_eth_from_rings(name, rings, 2, rings, 2, VDK_SOCKET_ID_ANY);

	assert_true(p >= 0);
	if (rss)
		vdk_eth_dev_rss_ops_set(vdk_eth_dev_get((uint16_t)p), &fake_rss_ops);
	return (uint16_t)p;
}

static void
test_port_without_rss_refuses_every_call(void **state)
{
	struct vdk_eth_conf conf = { .rss = VDK_ETH_RSS_IPV4 };
	struct vdk_eth_rss_conf rc = { 0 };
	struct vdk_eth_rss_reta_entry64 reta[2] = { { 0 } };
	struct vdk_eth_rss_capa capa;
	uint16_t p = ring_port("rss_none", false);

	(void)state;
	assert_int_equal(vdk_eth_dev_rss_capa_get(p, &capa), 0);
	assert_true(capa.flow_type_rss_offloads == 0 && capa.reta_size == 0);
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(p, 2, 2, &conf), -EINVAL);
	log_stop();
	assert_logged("does not spread flows over queues");
	assert_int_equal(vdk_eth_dev_configure(p, 2, 2, NULL), 0);
	assert_int_equal(vdk_eth_dev_rss_hash_update(p, &rc), -ENOTSUP);
	assert_int_equal(vdk_eth_dev_rss_hash_conf_get(p, &rc), -ENOTSUP);
	assert_int_equal(vdk_eth_dev_rss_reta_update(p, reta, 128), -ENOTSUP);
	assert_int_equal(vdk_eth_dev_rss_reta_query(p, reta, 128), -ENOTSUP);
	assert_int_equal(vdk_eth_dev_rss_capa_get(VDK_ETH_MAX_PORTS, &capa), -ENODEV);
	assert_int_equal(vdk_eth_dev_rss_capa_get(p, NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_close(p), 0);
}

static void
test_hash_update_checks_flow_types_and_key(void **state)
{
	uint8_t key[FAKE_KEY] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[FAKE_KEY];
	struct vdk_eth_conf conf = { .rss = VDK_ETH_RSS_IPV4 | VDK_ETH_RSS_NONFRAG_IPV4_UDP };
	struct vdk_eth_rss_conf rc = { .rss_hf = VDK_ETH_RSS_IPV4 };
	uint16_t p = ring_port("rss_hash", true);

	(void)state;
	fake_calls = 0;
	/* Not configured yet: nothing reaches the driver. */
	assert_int_equal(vdk_eth_dev_rss_hash_update(p, &rc), -EINVAL);
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(p, 2, 2, &conf), -EINVAL);
	log_stop();
	assert_logged("hashes only 0x3");
	conf.rss = VDK_ETH_RSS_IPV4;
	assert_int_equal(vdk_eth_dev_configure(p, 2, 2, &conf), 0);
	rc.rss_hf = VDK_ETH_RSS_UDP;
	assert_int_equal(vdk_eth_dev_rss_hash_update(p, &rc), -EINVAL);
	rc.rss_hf = VDK_ETH_RSS_NONFRAG_IPV4_TCP;
	rc.rss_key = key;
	rc.rss_key_len = FAKE_KEY - 1;
	assert_int_equal(vdk_eth_dev_rss_hash_update(p, &rc), -EINVAL);
	assert_int_equal(vdk_eth_dev_rss_hash_update(p, NULL), -EINVAL);
	assert_int_equal(fake_calls, 0);
	rc.rss_key_len = FAKE_KEY;
	assert_int_equal(vdk_eth_dev_rss_hash_update(p, &rc), 0);
	assert_int_equal(fake_calls, 1);
	/* The port's configuration follows, so a restart keeps it. */
	assert_int_equal(vdk_eth_dev_get(p)->conf.rss, VDK_ETH_RSS_NONFRAG_IPV4_TCP);
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = got;
	rc.rss_key_len = FAKE_KEY;
	assert_int_equal(vdk_eth_dev_rss_hash_conf_get(p, &rc), 0);
	assert_int_equal(rc.rss_hf, VDK_ETH_RSS_NONFRAG_IPV4_TCP);
	assert_memory_equal(got, key, FAKE_KEY);
	rc.rss_key_len = 40;
	assert_int_equal(vdk_eth_dev_rss_hash_conf_get(p, &rc), -EINVAL);
	assert_int_equal(vdk_eth_dev_close(p), 0);
}

static void
test_reta_checks_size_and_queues(void **state)
{
	struct vdk_eth_rss_reta_entry64 reta[2];
	uint16_t p = ring_port("rss_reta", true);

	(void)state;
	assert_int_equal(vdk_eth_dev_configure(p, 2, 2, NULL), 0);
	memset(reta, 0, sizeof(reta));
	reta[1].mask = 1ull << 63;	/* entry 127 only */
	reta[1].reta[63] = 1;
	fake_calls = 0;
	assert_int_equal(vdk_eth_dev_rss_reta_update(p, reta, 64), -EINVAL);
	assert_int_equal(vdk_eth_dev_rss_reta_update(p, NULL, 128), -EINVAL);
	reta[1].reta[63] = 2;	/* past the two rx queues */
	log_capture();
	assert_int_equal(vdk_eth_dev_rss_reta_update(p, reta, 128), -EINVAL);
	log_stop();
	assert_logged("entry 127 names rx queue 2");
	/* An entry the mask leaves out may hold anything. */
	reta[1].reta[62] = 9;
	reta[1].reta[63] = 1;
	assert_int_equal(fake_calls, 0);
	assert_int_equal(vdk_eth_dev_rss_reta_update(p, reta, 128), 0);
	assert_int_equal(fake_reta[127], 1);
	assert_int_equal(fake_reta[126], 0);
	memset(reta, 0, sizeof(reta));
	reta[1].mask = 1ull << 63;
	assert_int_equal(vdk_eth_dev_rss_reta_query(p, reta, 128), 0);
	assert_int_equal(reta[1].reta[63], 1);
	assert_int_equal(vdk_eth_dev_close(p), 0);
}

static void
test_port_id_taken_anew_has_no_rss(void **state)
{
	struct vdk_eth_rss_capa capa;
	uint16_t p = ring_port("rss_old", true), q;

	(void)state;
	assert_int_equal(vdk_eth_dev_close(p), 0);
	q = ring_port("rss_new", false);
	assert_int_equal(q, p);
	assert_int_equal(vdk_eth_dev_rss_capa_get(q, &capa), 0);
	assert_int_equal(capa.flow_type_rss_offloads, 0);
	assert_int_equal(vdk_eth_dev_close(q), 0);
}

static int
setup(void **state)
{
	char *argv[] = { "test_ethdev_rss", "--no-huge", "-l", "0", "--no-pci", NULL };

	(void)state;
	if (vdk_eal_init(5, argv) < 0)
		return -1;
	rings[0] = vdk_ring_create("rss_r0", 64, VDK_SOCKET_ID_ANY, 0);
	rings[1] = vdk_ring_create("rss_r1", 64, VDK_SOCKET_ID_ANY, 0);
	return rings[0] == NULL || rings[1] == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	vdk_ring_free(rings[0]);
	vdk_ring_free(rings[1]);
	log_release();
	return vdk_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_without_rss_refuses_every_call),
		cmocka_unit_test(test_hash_update_checks_flow_types_and_key),
		cmocka_unit_test(test_reta_checks_size_and_queues),
		cmocka_unit_test(test_port_id_taken_anew_has_no_rss),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
