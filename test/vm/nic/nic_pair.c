/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nic_test pair: two VDK ports wired back to back (the guest's e1000e and
 * virtio-net on one QEMU hub). Every count is checked at both ends: what
 * one port's device accepted, the other one received.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vm_monitor.h"
#include "nic_test.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_pci.h"

#define POOL_SIZE 4095
#define NB_DESC 256
#define COUNT 2000

struct pair {
	const char *bdf[2];
	uint16_t port[2];
	struct vdk_mempool *pool;
	bool lsc[2];
};

static const char *
drv(uint16_t port)
{
	struct vdk_eth_dev_info info;

	if (vdk_eth_dev_info_get(port, &info) != 0)
		return "?";
	return info.driver_name;
}

static int
find_ports(struct pair *p)
{
	struct vdk_pci_addr a;
	char name[VDK_PCI_NAME_LEN];
	int i, ret;

	for (i = 0; i < 2; i++) {
		if (vdk_pci_addr_parse(p->bdf[i], &a) != 0)
			return -EINVAL;
		vdk_pci_addr_format(&a, name, sizeof(name));
		ret = vdk_eth_dev_get_port_by_name(name, &p->port[i]);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static bool
pool_full(const struct pair *p)
{
	return vdk_mempool_in_use_count(p->pool) == 0;
}

static uint64_t
xstat(uint16_t port, const char *name)
{
	uint64_t v = UINT64_MAX;

	vdk_eth_xstats_get_by_name(port, name, &v);
	return v;
}

/* Send @n frames from side @from to side !from at its own MAC; check both ends. */
static void
traffic(struct pair *p, int from, unsigned int n, const char *when)
{
	uint16_t tx = p->port[from], rx = p->port[!from];
	struct vdk_eth_stats s0, s1, r0, r1;
	struct vdk_ether_addr dst;
	unsigned int got = 0, sent;

	vdk_eth_macaddr_get(rx, &dst);
	vdk_eth_stats_get(tx, &s0);
	vdk_eth_stats_get(rx, &r0);
	sent = nic_send(tx, rx, n, &dst, p->pool, &got);
	got += nic_drain(rx, sent - got, 3.0);
	/* A duplicate would show up now. */
	nic_sleep_ms(100);
	got += nic_rx_count(rx, NULL);
	vdk_eth_stats_get(tx, &s1);
	vdk_eth_stats_get(rx, &r1);
	nic_check(sent == n && got == n, "%s: %s -> %s: %u sent, %u of %u received", when,
		  drv(tx), drv(rx), sent, got, n);
	nic_check(s1.opackets - s0.opackets == n && r1.ipackets - r0.ipackets >= n,
		  "%s: counters agree: tx opackets +%llu, rx ipackets +%llu", when,
		  (unsigned long long)(s1.opackets - s0.opackets),
		  (unsigned long long)(r1.ipackets - r0.ipackets));
}

/*
 * Full rate: send @n frames without polling the receiver, then drain it.
 * What the receiver got plus the drops it reports (missed, no mbuf) must
 * account for every frame the sender's device accepted. A virtio sender
 * is held back by the device when the receiver is full; an e1000e one is
 * not, so its frames wait in QEMU's queue.
 */
static void
flood(struct pair *p, int from, unsigned int n)
{
	uint16_t tx = p->port[from], rx = p->port[!from];
	struct vdk_eth_stats r0, r1;
	struct vdk_ether_addr dst;
	unsigned int sent, got;
	uint64_t missed, nombuf;
	double t;

	vdk_eth_macaddr_get(rx, &dst);
	vdk_eth_stats_get(rx, &r0);
	t = nic_now();
	sent = nic_send(tx, UINT16_MAX, n, &dst, p->pool, NULL);
	t = nic_now() - t;
	got = nic_drain(rx, sent, 5.0);
	vdk_eth_stats_get(rx, &r1);
	missed = r1.imissed - r0.imissed;
	nombuf = r1.rx_nombuf - r0.rx_nombuf;
	nic_check(sent > 0 && got + missed + nombuf == sent, "full rate %s -> %s: %u of %u "
		  "accepted in %.3f s; %u received + %llu missed + %llu no-mbuf", drv(tx),
		  drv(rx), sent, n, t, got, (unsigned long long)missed,
		  (unsigned long long)nombuf);
}

static void
bad_ring(struct pair *p, uint16_t port, uint16_t n, const struct vdk_eth_desc_lim *lim,
	 const char *why)
{
	int ret = vdk_eth_rx_queue_setup(port, 0, n, VDK_SOCKET_ID_ANY, NULL, p->pool);

	nic_check(ret == -EINVAL, "%s: rx ring of %u descriptors (%s; limits %u..%u step %u) "
		  "refused: %d", drv(port), n, why, lim->nb_min, lim->nb_max, lim->nb_align, ret);
	ret = vdk_eth_tx_queue_setup(port, 0, n, VDK_SOCKET_ID_ANY, NULL);
	nic_check(ret == -EINVAL, "%s: tx ring of %u descriptors refused: %d", drv(port), n, ret);
}

static void
bad_input(struct pair *p)
{
	struct vdk_eth_dev_info info;
	const struct vdk_eth_desc_lim *lim = &info.rx_desc_lim;
	unsigned int k;
	int ret;

	for (k = 0; k < 2; k++) {
		uint16_t port = p->port[k];

		vdk_eth_dev_info_get(port, &info);
		ret = vdk_eth_dev_configure(port, (uint16_t)(info.max_rx_queues + 1),
					    (uint16_t)(info.max_tx_queues + 1), NULL);
		nic_check(ret == -EINVAL, "%s: %u queue pairs (it offers %u) refused: %d",
			  drv(port), info.max_rx_queues + 1, info.max_rx_queues, ret);
		ret = vdk_eth_dev_configure(port, 1, 1, NULL);
		nic_check(ret == 0, "%s: one queue pair configures after the refusal", drv(port));
		if (lim->nb_min > 1)
			bad_ring(p, port, (uint16_t)(lim->nb_min - 1), lim, "too few");
		if (lim->nb_max <= UINT16_MAX - lim->nb_align)
			bad_ring(p, port, (uint16_t)(lim->nb_max + lim->nb_align), lim, "too many");
		if (lim->nb_align > 1)
			bad_ring(p, port, (uint16_t)(lim->nb_min + 1), lim, "misaligned");
		else
			/* Within ethdev's limits, but a split virtqueue is a power of two. */
			bad_ring(p, port, (uint16_t)(lim->nb_min + 1 < lim->nb_max ? 100 : 3), lim,
				 "not a power of two");
		ret = vdk_eth_dev_start(port);
		nic_check(ret == -EINVAL, "%s: start without queues refused: %d", drv(port), ret);
	}
	nic_check(pool_full(p), "no mbuf taken by the refused calls");
}

static void
promiscuous(struct pair *p, int to)
{
	struct vdk_ether_addr other = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 } };
	uint16_t rx = p->port[to], tx = p->port[!to];
	unsigned int got = 0, sent;

	nic_check(vdk_eth_promiscuous_disable(rx) == 0 && vdk_eth_promiscuous_get(rx) == 0,
		  "%s: promiscuous off", drv(rx));
	sent = nic_send(tx, rx, 200, &other, p->pool, &got);
	got += nic_drain(rx, 200, 0.5);
	nic_check(sent == 200 && got == 0, "%s: promiscuous off: %u of %u frames for another "
		  "MAC received", drv(rx), got, sent);
	nic_check(vdk_eth_promiscuous_enable(rx) == 0 && vdk_eth_promiscuous_get(rx) == 1,
		  "%s: promiscuous on", drv(rx));
	got = 0;
	sent = nic_send(tx, rx, 200, &other, p->pool, &got);
	got += nic_drain(rx, 200 - got, 3.0);
	nic_check(sent == 200 && got == 200, "%s: promiscuous on: %u of %u frames for another "
		  "MAC received", drv(rx), got, sent);
	vdk_eth_promiscuous_disable(rx);
}

/* A new MAC address filters as the old one did; a driver that cannot says so. */
static void
mac_change(struct pair *p, int to)
{
	struct vdk_ether_addr old, mac = { { 0x02, 0x76, 0x64, 0x6b, 0x4e, 0x01 } };
	uint16_t rx = p->port[to], tx = p->port[!to];
	unsigned int got = 0, sent;
	int ret;

	vdk_eth_macaddr_get(rx, &old);
	ret = vdk_eth_dev_default_mac_addr_set(rx, &mac);
	if (ret == -ENOTSUP) {
		nic_check(true, "%s: MAC address change refused with -ENOTSUP", drv(rx));
		return;
	}
	nic_check(ret == 0, "%s: MAC address changed (%d)", drv(rx), ret);
	sent = nic_send(tx, rx, 100, &mac, p->pool, &got);
	got += nic_drain(rx, 100 - got, 3.0);
	nic_check(sent == 100 && got == 100, "%s: %u of %u frames for the new MAC received",
		  drv(rx), got, sent);
	got = 0;
	sent = nic_send(tx, rx, 100, &old, p->pool, &got);
	got += nic_drain(rx, 100, 0.5);
	nic_check(got == 0, "%s: %u of %u frames for the old MAC received", drv(rx), got, sent);
	nic_check(vdk_eth_dev_default_mac_addr_set(rx, &old) == 0, "%s: MAC address restored",
		  drv(rx));
}

static struct {
	unsigned int events;
	struct vdk_eth_link last;
} lsc_seen;

static void
on_link_change(uint16_t port, enum vdk_eth_event_type ev, void *arg)
{
	(void)ev;
	(void)arg;
	vdk_eth_link_get_nowait(port, &lsc_seen.last);
	__atomic_fetch_add(&lsc_seen.events, 1, __ATOMIC_RELEASE);
}

/*
 * e1000e: pull the cable the way QEMU lets us, by restarting the PHY's
 * autonegotiation through MDIC (the link drops at once and comes back
 * about 500 ms later with a link-change interrupt). The test reaches the
 * registers through the PCI API: BAR0 maps to the driver's own mapping.
 */
static void
link_interrupt(struct pair *p, int side)
{
	uint16_t port = p->port[side];
	struct vdk_pci_device *pdev = vdk_pci_dev_lookup(p->bdf[side]);
	struct vdk_eth_link link;
	uint64_t irqs0 = xstat(port, "lsc_interrupts");
	void *bar;
	size_t len;
	double end;

	if (pdev == NULL || vdk_pci_map_bar(pdev, 0, &bar, &len) != 0) {
		nic_check(false, "%s: BAR0 reachable for the cable pull", drv(port));
		return;
	}
	memset(&lsc_seen, 0, sizeof(lsc_seen));
	vdk_eth_dev_callback_register(port, VDK_ETH_EVENT_LINK_CHANGE, on_link_change, NULL);
	/* MDIC write: PHY 1, register 0 (control), autoneg enable + restart. */
	vdk_reg_write32(bar, 0x20, (1u << 26) | (1u << 21) | (0u << 16) | (1u << 12) | (1u << 9));
	vdk_reg_wait32(bar, 0x20, 1u << 28, 1u << 28, 100000);
	vdk_eth_link_get_nowait(port, &link);
	nic_check(link.link_status == VDK_ETH_LINK_DOWN, "%s: link down while autonegotiating",
		  drv(port));
	end = nic_now() + 5.0;
	while (nic_now() < end &&
	       !(__atomic_load_n(&lsc_seen.events, __ATOMIC_ACQUIRE) >= 2 &&
		 lsc_seen.last.link_status == VDK_ETH_LINK_UP))
		nic_sleep_ms(10);
	/* Only the interrupt thread reads the link in the loop above. */
	nic_check(lsc_seen.events >= 2 && lsc_seen.last.link_status == VDK_ETH_LINK_UP,
		  "%s: link-change callback ran for down and, from the interrupt, up again "
		  "(%u events)", drv(port), lsc_seen.events);
	nic_check(xstat(port, "lsc_interrupts") > irqs0, "%s: lsc_interrupts %llu -> %llu",
		  drv(port), (unsigned long long)irqs0,
		  (unsigned long long)xstat(port, "lsc_interrupts"));
	vdk_eth_dev_callback_unregister(port, VDK_ETH_EVENT_LINK_CHANGE, on_link_change, NULL);
}

/*
 * The host pulls the cable and plugs it back: vm-run runs QEMU's set_link
 * for the device, which changes the link bit (STATUS.LU; the virtio-net
 * status field) and raises the device's link-change interrupt (ICR.LSC;
 * the virtio configuration-change vector). The test never reads the link
 * while it waits: the callback can only come from the interrupt.
 */
static void
link_from_host(struct pair *p, int side)
{
	uint16_t port = p->port[side];
	bool e1000e = strcmp(drv(port), "net_e1000e") == 0;
	const char *counter = e1000e ? "lsc_interrupts" : "config_interrupts";
	uint64_t irqs0 = xstat(port, counter);
	char cmd[64], reply[256];
	struct vdk_eth_link link;
	unsigned int up;
	double end;

	memset(&lsc_seen, 0, sizeof(lsc_seen));
	vdk_eth_dev_callback_register(port, VDK_ETH_EVENT_LINK_CHANGE, on_link_change, NULL);
	for (up = 0; up <= 1; up++) {
		unsigned int want = up ? VDK_ETH_LINK_UP : VDK_ETH_LINK_DOWN;

		snprintf(cmd, sizeof(cmd), "set_link %s %s", e1000e ? "e1000e" : "virtio-net",
			 up ? "on" : "off");
		nic_check(vm_monitor(cmd, reply, sizeof(reply)) == 0 && reply[0] == '\0',
			  "host ran '%s' (%s)", cmd, reply);
		end = nic_now() + 5.0;
		while (nic_now() < end &&
		       !(__atomic_load_n(&lsc_seen.events, __ATOMIC_ACQUIRE) >= up + 1 &&
			 lsc_seen.last.link_status == want))
			nic_sleep_ms(10);
		nic_check(lsc_seen.events == up + 1 && lsc_seen.last.link_status == want,
			  "%s: link-change callback saw the link go %s (%u events)", drv(port),
			  up ? "up" : "down", lsc_seen.events);
	}
	vdk_eth_link_get_nowait(port, &link);
	nic_check(link.link_status == VDK_ETH_LINK_UP, "%s: link up again", drv(port));
	nic_check(xstat(port, counter) >= irqs0 + 2, "%s: %s %llu -> %llu", drv(port), counter,
		  (unsigned long long)irqs0, (unsigned long long)xstat(port, counter));
	vdk_eth_dev_callback_unregister(port, VDK_ETH_EVENT_LINK_CHANGE, on_link_change, NULL);
}

static void
xstats(struct pair *p)
{
	struct vdk_eth_xstat_name *names;
	int k, n;

	for (k = 0; k < 2; k++) {
		uint16_t port = p->port[k];

		n = vdk_eth_xstats_get_names(port, NULL, 0);
		names = calloc((size_t)n, sizeof(*names));
		nic_check(n > 0 && vdk_eth_xstats_get_names(port, names, (unsigned int)n) == n,
			  "%s: %d extended statistics", drv(port), n);
		free(names);
		nic_check(xstat(port, "tx_good_packets") >= COUNT,
			  "%s: tx_good_packets %llu", drv(port),
			  (unsigned long long)xstat(port, "tx_good_packets"));
	}
}

static int
bring_up(struct pair *p, const char *when)
{
	struct vdk_eth_link link;
	int k, ret;

	for (k = 0; k < 2; k++) {
		ret = nic_port_up(p->port[k], p->pool, NB_DESC, p->lsc[k]);
		nic_check(ret == 0, "%s: %s port %u up (%s)", when, drv(p->port[k]), p->port[k],
			  strerror(-ret));
		if (ret != 0)
			return ret;
	}
	for (k = 0; k < 2; k++) {
		vdk_eth_link_get(p->port[k], &link);
		nic_check(link.link_status == VDK_ETH_LINK_UP, "%s: %s link up at %u Mbps",
			  when, drv(p->port[k]), link.link_speed);
	}
	return 0;
}

static void
stop_start(struct pair *p)
{
	int k;

	for (k = 0; k < 2; k++)
		nic_check(vdk_eth_dev_stop(p->port[k]) == 0, "%s: stopped", drv(p->port[k]));
	nic_check(pool_full(p), "after stop every mbuf is back in the pool (%u in use)",
		  vdk_mempool_in_use_count(p->pool));
	for (k = 0; k < 2; k++)
		nic_check(vdk_eth_dev_start(p->port[k]) == 0, "%s: started again",
			  drv(p->port[k]));
	traffic(p, 0, 300, "after restart");
	traffic(p, 1, 300, "after restart");
}

/* Close both ports, detach their devices, attach them again. */
static int
reprobe(struct pair *p, const char *devargs_b, int *attach_ret)
{
	struct vdk_pci_device *pdev;
	char buf[128];
	int k, ret;

	for (k = 0; k < 2; k++) {
		if (vdk_eth_dev_is_valid_port(p->port[k]))
			vdk_eth_dev_close(p->port[k]);
		pdev = vdk_pci_dev_lookup(p->bdf[k]);
		if (pdev == NULL || (pdev->driver != NULL && vdk_pci_dev_detach(pdev) != 0))
			return -EIO;
	}
	for (k = 0; k < 2; k++) {
		snprintf(buf, sizeof(buf), "%s%s", p->bdf[k], k == 1 && devargs_b ? devargs_b : "");
		ret = vdk_pci_dev_attach(buf);
		if (k == 1 && attach_ret != NULL) {
			*attach_ret = ret;
			return 0;
		}
		if (ret != 0)
			return ret;
	}
	return find_ports(p);
}

int
nic_pair(const char *bdf_a, const char *bdf_b)
{
	struct pair p = { .bdf = { bdf_a, bdf_b } };
	int k, ret;

	if (find_ports(&p) != 0) {
		nic_check(false, "ports at %s and %s", bdf_a, bdf_b);
		return 1;
	}
	p.pool = vdk_pktmbuf_pool_create("nic_pair", POOL_SIZE, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
					 VDK_SOCKET_ID_ANY);
	if (p.pool == NULL) {
		nic_check(false, "mbuf pool: %s", strerror(errno));
		return 1;
	}
	/* Both take link-change interrupts: e1000e's LSC, virtio's config vector. */
	for (k = 0; k < 2; k++)
		p.lsc[k] = true;

	bad_input(&p);
	if (bring_up(&p, "first start") != 0)
		return 1;
	traffic(&p, 0, COUNT, "first start");
	traffic(&p, 1, COUNT, "first start");
	promiscuous(&p, 0);
	promiscuous(&p, 1);
	mac_change(&p, 0);
	mac_change(&p, 1);
	/*
	 * Within QEMU's queue of 10000 frames between the hub and a receiver
	 * that is out of buffers: beyond it QEMU drops frames that no device
	 * counter sees (doc/e1000e.md, "Limits").
	 */
	flood(&p, 0, 5000);
	flood(&p, 1, 5000);
	xstats(&p);
	for (k = 0; k < 2; k++) {
		if (strcmp(drv(p.port[k]), "net_e1000e") == 0)
			link_interrupt(&p, k);
		link_from_host(&p, k);
	}
	stop_start(&p);

	ret = reprobe(&p, NULL, NULL);
	nic_check(ret == 0, "both devices detached and probed again: %s", strerror(-ret));
	nic_check(pool_full(&p), "after close every mbuf is back in the pool (%u in use)",
		  vdk_mempool_in_use_count(p.pool));
	if (ret != 0 || bring_up(&p, "re-probed") != 0)
		return 1;
	traffic(&p, 0, 300, "re-probed");
	traffic(&p, 1, 300, "re-probed");

	/* virtio-net: leave out ACCESS_PLATFORM, which this device requires. */
	if (strcmp(drv(p.port[1]), "net_virtio") == 0) {
		int att = 0;

		ret = reprobe(&p, ",features_off=0x200000000", &att);
		nic_check(ret == 0 && att != 0, "virtio without ACCESS_PLATFORM: the device "
			  "refuses and the probe fails (%d)", att);
		ret = reprobe(&p, NULL, NULL);
		nic_check(ret == 0, "virtio probes again with its features (%d)", ret);
	}
	for (k = 0; k < 2; k++)
		if (vdk_eth_dev_is_valid_port(p.port[k]))
			vdk_eth_dev_close(p.port[k]);
	nic_check(pool_full(&p), "at the end every mbuf is back in the pool (%u in use)",
		  vdk_mempool_in_use_count(p.pool));
	vdk_mempool_free(p.pool);
	return 1;
}
