/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_af_xdp.py's in-process half: net_af_xdp's UMEM over the mbuf pool,
 * seen from an application. Two ports (iface s1 and r1, in the namespace
 * the test runs this in) share pool "zc"; port 0's rx is forwarded to port
 * 1's tx as it is. Checks, one line each ("ok" / "FAIL"):
 * - each port's queues start cache lines;
 * - after start, the fill rings hold the pool's mbufs (in use = rx descs);
 * - each received mbuf lies in the pool's area and holds its frame where
 *   the kernel wrote it (XDP_PACKET_HEADROOM into the buffer), the frame
 *   intact: nothing copied it into a fresh mbuf;
 * - frames from another pool, and chains, still go (copied, and counted in
 *   the xstat tx_copied), the other pool's mbufs freed;
 * - after stop, both pools are full again (every mbuf of every ring back),
 *   also after a second start and stop.
 * The frames it sends carry the host tests' marker and sequence numbers
 * from 900000, so the test's counter on r0 counts them with the rest.
 *
 * usage: af_xdp_zc COUNT   (prints "ready" when the sender may start)
 */
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdk_cycles.h"
#include "vdk_eal.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_mempool.h"

#define NB_DESC 2048
#define POOL_SIZE 8192
#define FOREIGN 100	/* single-segment frames from another pool */
#define CHAINED 50	/* two-segment chains from the UMEM's own pool */
#define FIRST_SEQ 900000u

static unsigned int failed;

static void
check(int cond, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
check(int cond, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", cond ? "ok  " : "FAIL", what);
	if (!cond) {
		failed++;
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

static int
port_up(uint16_t port, struct vdk_mempool *mp)
{
	struct vdk_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (vdk_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    vdk_eth_rx_queue_setup(port, 0, NB_DESC, VDK_SOCKET_ID_ANY, NULL, mp) != 0 ||
	    vdk_eth_tx_queue_setup(port, 0, NB_DESC, VDK_SOCKET_ID_ANY, NULL) != 0 ||
	    vdk_eth_dev_start(port) != 0)
		return -1;
	return 0;
}

/* The host tests' frame: broadcast-free MACs, EtherType 0x88B5, "VDKT", sequence. */
static void
frame_fill(char *p, uint32_t seq)
{
	static const char hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, (char)0x88, (char)0xb5 };

	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + 14, "VDKT", 4);
	p[18] = (char)(seq >> 24);
	p[19] = (char)(seq >> 16);
	p[20] = (char)(seq >> 8);
	p[21] = (char)seq;
	memset(p + 22, 0, 50);
}

/* Send @n frames, the i-th built by @make; tx bursts until all are taken. */
static unsigned int
send_all(uint16_t port, struct vdk_mbuf *(*make)(struct vdk_mempool *, uint32_t),
	 struct vdk_mempool *mp, uint32_t first, unsigned int n)
{
	struct vdk_mbuf *m;
	unsigned int sent = 0;
	struct vdk_deadline end = vdk_deadline_in_us(10 * 1000000);

	while (sent < n && !vdk_deadline_passed(end)) {
		m = make(mp, first + sent);
		if (m == NULL)
			break;
		while (vdk_eth_tx_burst(port, 0, &m, 1) == 0) {
			if (vdk_deadline_passed(end)) {
				vdk_pktmbuf_free(m);
				return sent;
			}
		}
		sent++;
	}
	return sent;
}

static struct vdk_mbuf *
make_single(struct vdk_mempool *mp, uint32_t seq)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(mp);

	if (m != NULL)
		frame_fill(vdk_pktmbuf_append(m, 72), seq);
	return m;
}

static struct vdk_mbuf *
make_chain(struct vdk_mempool *mp, uint32_t seq)
{
	struct vdk_mbuf *a = vdk_pktmbuf_alloc(mp), *b = vdk_pktmbuf_alloc(mp);
	char buf[72];

	if (a == NULL || b == NULL) {
		vdk_pktmbuf_free(a);
		vdk_pktmbuf_free(b);
		return NULL;
	}
	frame_fill(buf, seq);
	memcpy(vdk_pktmbuf_append(a, 30), buf, 30);
	memcpy(vdk_pktmbuf_append(b, 42), buf + 30, 42);
	vdk_pktmbuf_chain(a, b);
	return a;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "-l", "0", "--no-huge", "--no-pci", "--no-telemetry",
			"--vdev", "net_af_xdp0,iface=s1", "--vdev", "net_af_xdp1,iface=r1", NULL };
	struct vdk_mempool *zc, *other;
	struct vdk_mempool_mem_area area;
	struct vdk_mbuf *pkts[32];
	unsigned int count, got = 0, outside = 0, moved = 0, bad = 0, i, in_use;
	uint64_t copied = 0;
	struct vdk_deadline end;
	uint16_t n, k;
	int round;

	if (argc != 2) {
		fprintf(stderr, "usage: af_xdp_zc COUNT\n");
		return 2;
	}
	count = (unsigned int)atoi(argv[1]);
	if (vdk_eal_init((int)VDK_DIM(eal) - 1, eal) < 0) {
		printf("FAIL EAL init\n");
		return 1;
	}
	zc = vdk_pktmbuf_pool_create("zc", POOL_SIZE, 32, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				     VDK_SOCKET_ID_ANY);
	other = vdk_pktmbuf_pool_create("other", 512, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
					VDK_SOCKET_ID_ANY);
	if (zc == NULL || other == NULL || vdk_mempool_mem_area(zc, &area) != 0 ||
	    port_up(0, zc) != 0 || port_up(1, zc) != 0) {
		printf("FAIL pools and ports up\n");
		return 1;
	}
	/*
	 * Each queue starts a cache line of its own (the port structure is
	 * allocated on one): a queue across two lines shares one with its
	 * neighbour, which another lcore may poll.
	 */
	for (k = 0; k < 2; k++)
		check((uintptr_t)vdk_eth_fp_ops[k].rxq[0] % VDK_CACHE_LINE_SIZE == 0 &&
		      (uintptr_t)vdk_eth_fp_ops[k].txq[0] % VDK_CACHE_LINE_SIZE == 0,
		      k == 0 ? "port 0's queues start cache lines" : "port 1's queues start cache lines",
		      "rx queue at %p, tx queue at %p", vdk_eth_fp_ops[k].rxq[0],
		      vdk_eth_fp_ops[k].txq[0]);
	in_use = vdk_mempool_in_use_count(zc);
	check(in_use == 2 * NB_DESC, "after start the fill rings hold the pool's mbufs",
	      "%u in use, %u expected", in_use, 2 * NB_DESC);
	printf("ready\n");
	fflush(stdout);

	/* Port 0's rx to port 1's tx, each mbuf as it came. */
	end = vdk_deadline_in_us(60 * 1000000);
	while (got < count && !vdk_deadline_passed(end)) {
		n = vdk_eth_rx_burst(0, 0, pkts, 32);
		for (i = 0; i < n; i++) {
			char *buf = pkts[i]->buf_addr;

			outside += buf < (char *)area.addr ||
				   buf + pkts[i]->buf_len > (char *)area.addr + area.len ||
				   pkts[i]->pool != zc;
			moved += pkts[i]->data_off != XDP_PACKET_HEADROOM;
			bad += pkts[i]->data_len < 22 ||
			       memcmp(vdk_pktmbuf_mtod_offset(pkts[i], char *, 14), "VDKT", 4) != 0;
		}
		got += n;
		for (k = 0; k < n; k += vdk_eth_tx_burst(1, 0, pkts + k, (uint16_t)(n - k)))
			;
	}
	check(got == count, "port 0 received every frame", "%u of %u", got, count);
	check(got > 0 && outside == 0, "each rx mbuf lies in the pool's memory area",
	      "%u of %u outside", outside, got);
	check(got > 0 && moved == 0,
	      "each frame sits where the kernel wrote it (XDP_PACKET_HEADROOM), not copied",
	      "%u of %u elsewhere", moved, got);
	check(bad == 0, "each frame is intact", "%u bad", bad);

	k = (uint16_t)send_all(1, make_single, other, FIRST_SEQ, FOREIGN);
	i = send_all(1, make_chain, zc, FIRST_SEQ + FOREIGN, CHAINED);
	check(k == FOREIGN && i == CHAINED, "frames from another pool and chains are taken",
	      "%u of %u, %u of %u", k, FOREIGN, i, CHAINED);
	vdk_eth_xstats_get_by_name(1, "tx_copied", &copied);
	check(copied == FOREIGN + CHAINED, "each of them is copied, and counted in tx_copied",
	      "tx_copied %llu, expected %u", (unsigned long long)copied, FOREIGN + CHAINED);
	/* Let the kernel send them before the test counts (tx bursts reclaim). */
	end = vdk_deadline_in_us(1000000);
	while (!vdk_deadline_passed(end))
		vdk_eth_tx_burst(1, 0, pkts, 0);
	check(vdk_mempool_avail_count(other) == other->size,
	      "the other pool's mbufs are freed once copied", "%u of %u free",
	      vdk_mempool_avail_count(other), other->size);

	for (round = 1; round <= 2; round++) {
		if (round == 2 && (vdk_eth_dev_start(0) != 0 || vdk_eth_dev_start(1) != 0))
			check(0, "restart", "a port did not start again");
		vdk_eth_dev_stop(0);
		vdk_eth_dev_stop(1);
		check(vdk_mempool_avail_count(zc) == zc->size,
		      round == 1 ? "after stop every mbuf is back in the pool" :
		      "after a second start and stop too", "%u of %u free",
		      vdk_mempool_avail_count(zc), zc->size);
	}
	vdk_eth_dev_close(0);
	vdk_eth_dev_close(1);
	vdk_mempool_free(zc);
	vdk_mempool_free(other);
	vdk_eal_cleanup();
	printf("%u failed\n", failed);
	return failed == 0 ? 0 : 1;
}
