/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port whose device went away (lib/ethdev/ethdev_remove.c), over two
 * net_ring ports wired back to back: one of them is given a stand-in PCI
 * device, and the bus's removal event is delivered as the EAL's interrupt
 * thread would deliver it. The other port must go on as before.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ethdev_internal.h"
#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_eth_ring.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"

static struct vdk_mempool *pool;
static struct vdk_ring *ab, *ba, *cc;
static uint16_t a, b, c;
/* Stands in for the PCI device behind port a: ethdev only compares it. */
static struct vdk_pci_device pdev_a, pdev_other;

static struct {
	unsigned int rmv[VDK_ETH_MAX_PORTS];
	unsigned int other;
} ev;

static void
on_event(uint16_t port, enum vdk_eth_event_type e, void *arg)
{
	(void)arg;
	if (e == VDK_ETH_EVENT_INTR_RMV)
		ev.rmv[port]++;
	else
		ev.other++;
}

static uint16_t
ring_port(const char *name, struct vdk_ring *rx, struct vdk_ring *tx)
{
	int p = vdk_eth_from_rings(name, &rx, 1, &tx, 1, VDK_SOCKET_ID_ANY);

	assert_true(p >= 0);
	assert_int_equal(vdk_eth_dev_configure((uint16_t)p, 1, 1, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup((uint16_t)p, 0, 0, VDK_SOCKET_ID_ANY, NULL,
						pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup((uint16_t)p, 0, 0, VDK_SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(vdk_eth_dev_start((uint16_t)p), 0);
	return (uint16_t)p;
}

/* Send @n from @from; return how many @to received (and free them). */
static unsigned int
carry(uint16_t from, uint16_t to, unsigned int n)
{
	struct vdk_mbuf *m[16];
	unsigned int sent, got;

	assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, m, n), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_non_null(vdk_pktmbuf_append(m[i], 60));
	sent = vdk_eth_tx_burst(from, 0, m, (uint16_t)n);
	if (sent < n)
		vdk_pktmbuf_free_bulk(&m[sent], n - sent);
	got = vdk_eth_rx_burst(to, 0, m, 16);
	vdk_pktmbuf_free_bulk(m, got);
	return got;
}

/* Free what sits in @r (sent to a port that no longer receives). */
static unsigned int
drain(struct vdk_ring *r)
{
	void *objs[64];
	unsigned int n = vdk_ring_dequeue_burst(r, objs, 64, NULL);

	vdk_pktmbuf_free_bulk((struct vdk_mbuf **)objs, n);
	return n;
}

static int
setup(void **state)
{
	(void)state;
	memset(&ev, 0, sizeof(ev));
	ab = vdk_ring_create("r_ab", 64, VDK_SOCKET_ID_ANY, 0);
	ba = vdk_ring_create("r_ba", 64, VDK_SOCKET_ID_ANY, 0);
	cc = vdk_ring_create("r_cc", 64, VDK_SOCKET_ID_ANY, 0);
	assert_true(ab != NULL && ba != NULL && cc != NULL);
	a = ring_port("ring_a", ba, ab);
	b = ring_port("ring_b", ab, ba);
	c = ring_port("ring_c", cc, cc);	/* a loop: what c sends, c receives */
	vdk_eth_dev_get(a)->device = &pdev_a;
	assert_int_equal(vdk_eth_dev_callback_register(VDK_ETH_ALL_PORTS,
						       VDK_ETH_EVENT_INTR_RMV, on_event, NULL), 0);
	log_capture();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	vdk_eth_dev_callback_unregister(VDK_ETH_ALL_PORTS, VDK_ETH_EVENT_INTR_RMV, on_event,
					NULL);
	if (vdk_eth_dev_is_valid_port(a))
		vdk_eth_dev_close(a);
	vdk_eth_dev_close(b);
	vdk_eth_dev_close(c);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
	vdk_ring_free(ab);
	vdk_ring_free(ba);
	vdk_ring_free(cc);
	log_release();
	return 0;
}

static void
test_removal_event_stops_only_that_port_and_is_reported_once(void **state)
{
	struct vdk_eth_stats before, after;

	(void)state;
	assert_int_equal(carry(a, b, 8), 8);
	assert_int_equal(vdk_eth_dev_is_removed(a), 0);
	assert_int_equal(vdk_eth_stats_get(a, &before), 0);

	eth_on_pci_event(&pdev_other, VDK_PCI_EVENT_REMOVED, NULL);	/* not a's */
	assert_int_equal(ev.rmv[a], 0);
	eth_on_pci_event(&pdev_a, VDK_PCI_EVENT_REMOVED, NULL);
	assert_int_equal(ev.rmv[a], 1);
	assert_int_equal(ev.rmv[b] + ev.rmv[c] + ev.other, 0);
	assert_int_equal(vdk_eth_dev_is_removed(a), 1);
	assert_int_equal(vdk_eth_dev_is_removed(b), 0);
	assert_non_null(strstr(logged(), "the device was removed"));
	{
		struct vdk_eth_link l;

		assert_int_equal(vdk_eth_link_get_nowait(a, &l), 0);
		assert_int_equal(l.link_status, VDK_ETH_LINK_DOWN);
		assert_int_equal(vdk_eth_link_get_nowait(b, &l), 0);
		assert_int_equal(l.link_status, VDK_ETH_LINK_UP);
	}

	/* a moves and counts nothing, both ways; b and c go on. */
	assert_int_equal(carry(a, b, 8), 0);
	assert_int_equal(carry(b, a, 8), 0);
	assert_int_equal(vdk_ring_count(ab), 0);
	assert_int_equal(drain(ba), 8);	/* what b sent to the gone port a stays unread */
	assert_int_equal(vdk_eth_stats_get(a, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(carry(c, c, 8), 8);

	/* A second event (the kernel asks again) is not reported again. */
	eth_on_pci_event(&pdev_a, VDK_PCI_EVENT_REMOVED, NULL);
	assert_int_equal(ev.rmv[a], 1);
}

static void
test_removed_port_refuses_start_and_reset_but_stops_and_closes(void **state)
{
	(void)state;
	eth_on_pci_event(&pdev_a, VDK_PCI_EVENT_REMOVED, NULL);
	assert_int_equal(vdk_eth_dev_stop(a), 0);
	assert_int_equal(carry(a, b, 4), 0);
	assert_int_equal(vdk_eth_dev_start(a), -EIO);
	assert_non_null(strstr(logged(), "cannot start: its device was removed"));
	assert_int_equal(carry(a, b, 4), 0);
	assert_int_equal(vdk_eth_dev_close(a), 0);
	assert_int_equal(vdk_eth_dev_is_valid_port(a), 0);
	assert_int_equal(vdk_eth_dev_is_removed(a), 0);
	assert_int_equal(carry(c, c, 8), 8);
}

static void
test_driver_may_mark_its_port_removed(void **state)
{
	(void)state;
	assert_int_equal(vdk_eth_dev_mark_removed(vdk_eth_dev_get(c)), 1);
	assert_int_equal(vdk_eth_dev_mark_removed(vdk_eth_dev_get(c)), 0);
	assert_int_equal(vdk_eth_dev_mark_removed(NULL), 0);
	assert_int_equal(ev.rmv[c], 1);
	assert_int_equal(carry(c, c, 8), 0);
	assert_int_equal(drain(cc), 0);
	assert_int_equal(carry(a, b, 8), 8);
}

static int
group_setup(void **state)
{
	char *argv[] = { "test_ethdev_remove", "--no-huge", "-l", "0", "--no-pci", NULL };

	(void)state;
	if (vdk_eal_init(5, argv) < 0)
		return -1;
	pool = vdk_pktmbuf_pool_create("t_rmv", 255, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	vdk_mempool_free(pool);
	return vdk_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_removal_event_stops_only_that_port_and_is_reported_once),
		T(test_removed_port_refuses_start_and_reset_but_stops_and_closes),
		T(test_driver_may_mark_its_port_removed),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
