/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-side fuzz target for net_e1000e: the in-process 82574L
 * (test/unit/e1000e_model.h) does what the input says, well-behaved or not,
 * between the driver's bursts and control calls.
 *
 * Input: a first byte choosing the port (ring of 32..256 descriptors,
 * receive buffers of 256..2048 bytes, rx_free_thresh), then events of a
 * few bytes each (an opcode, then its arguments; a short tail reads as
 * zeros):
 *   device: receive a frame properly; write back the descriptor at its head
 *           or at any slot with any length, status and errors, past RDT or
 *           not; send what is queued; write any status into a transmit
 *           descriptor; move its heads; any ICR with a link-change
 *           interrupt, any STATUS with a link read, any statistics
 *           register with a statistics read, any TDH at a port stop;
 *   app:    a receive burst (keeping what it got, or freeing it); free what
 *           it kept (a pool can run dry this way); a transmit burst of
 *           chained mbufs; a port restart.
 * Besides the sanitizers' checks, each run checks what the driver promises
 * whatever the device does: every packet it returns is a well-formed chain
 * of at most the descriptors the largest frame takes, each segment within
 * its buffer, E1000E_MAX_RX_FRAME bytes at most; every ring slot holds an
 * mbuf whose buffer its descriptor names; a burst never returns more than
 * asked; and when the queues are freed every mbuf is back in its pool.
 *
 * Built with clang and -fsanitize=fuzzer this is a libFuzzer target. With
 * any other compiler VDK_FUZZ_STANDALONE links the driver of
 * fuzz_standalone.c, which runs the seeds, then random inputs and mutated
 * seeds, for a bounded number of runs.
 * Either way the count of device events (descriptors the model wrote or
 * read, registers it set) is printed at exit.
 */
/*
 * The driver's globals get names of their own in the copy compiled in
 * here, or they would be defined twice in the process (here and in
 * libvdk), which ASan reports as an ODR violation.
 */
#define e1000e_hw_stats fuzz_e1000e_hw_stats
#define e1000e_nb_hw_stats fuzz_e1000e_nb_hw_stats

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e1000e_model.h"
#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_mbuf.h"
#include "vdk_pci.h"

/*
 * The control path is compiled in too, for the registers it reads (ICR,
 * STATUS, TDH, the statistics), its static functions called directly. Its
 * PCI driver is libvdk's to register, not this copy's.
 */
#undef VDK_PCI_DRIVER_REGISTER
#define VDK_PCI_DRIVER_REGISTER(drv) \
	static const struct vdk_pci_driver *const fuzz_not_registered __attribute__((unused)) = &(drv);
#include "e1000e_ethdev.c"

#define FUZZ_MAX_LEN 4096
#define FUZZ_POOL_SIZE 640       /* a 256-descriptor ring, the app's and a tx ring's */
#define FUZZ_MAX_HELD 512

static struct e1000e_model *model;
static struct vdk_mempool *pools[4];  /* data rooms of 256, 512, 1024 and 2048 bytes */
static struct vdk_mbuf *held[FUZZ_MAX_HELD];
static unsigned int nb_held;
static uint64_t device_events, runs;

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_e1000e: invariant broken: %s\n", what);
		abort();
	}
}

/* The input, read from the front; past its end every byte is zero. */
struct reader {
	const uint8_t *d;
	size_t n, off;
};

static uint8_t
u8(struct reader *r)
{
	return r->off < r->n ? r->d[r->off++] : 0;
}

static uint16_t
u16(struct reader *r)
{
	uint16_t lo = u8(r);

	return (uint16_t)(lo | u8(r) << 8);
}

static void
report(void)
{
	fprintf(stderr, "fuzz_e1000e: %llu runs, %llu device events, no invariant broken\n",
		(unsigned long long)runs, (unsigned long long)device_events);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal_argv[] = { "fuzz_e1000e", "--no-huge", "--no-pci", "-l", "0", NULL };
	static const uint16_t rooms[4] = { 256, 512, 1024, 2048 };
	char name[32];

	(void)argc;
	(void)argv;
	vdk_log_set_stream(fopen("/dev/null", "w"));
	if (vdk_eal_init(5, eal_argv) < 0)
		abort();
	for (unsigned int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "fuzz_e1000e_%u", rooms[i]);
		/* No cache: in-use counts are exact after every run. */
		pools[i] = vdk_pktmbuf_pool_create(name, FUZZ_POOL_SIZE, 0, 0,
						   (uint16_t)(rooms[i] + VDK_PKTMBUF_HEADROOM),
						   VDK_SOCKET_ID_ANY);
		if (pools[i] == NULL)
			abort();
	}
	model = e1000e_model_create();
	atexit(report);
	return 0;
}

/* A packet the driver returned: a well-formed chain within its buffers. */
static void
check_packet(const struct e1000e_rxq *q, struct vdk_mbuf *pkt)
{
	uint32_t len = 0, segs = 0;
	uint8_t sum = 0;

	check(pkt->pool == q->mp, "packet from the queue's pool");
	check(pkt->pkt_len <= E1000E_MAX_RX_FRAME, "frame no longer than the receiver takes");
	check(pkt->nb_segs >= 1 && pkt->nb_segs <= q->max_segs, "segments bounded");
	for (struct vdk_mbuf *s = pkt; s != NULL; s = s->next) {
		check(++segs <= pkt->nb_segs, "chain as long as nb_segs");
		check(s->data_off == VDK_PKTMBUF_HEADROOM, "data after the headroom");
		check(s->data_len <= q->buf_size, "segment within its buffer");
		check(vdk_mbuf_refcnt_read(s) == 1, "one reference");
		/* Read it all, as an app would. */
		for (uint16_t i = 0; i < s->data_len; i++)
			sum = (uint8_t)(sum + vdk_pktmbuf_mtod(s, uint8_t *)[i]);
		len += s->data_len;
	}
	(void)sum;
	check(segs == pkt->nb_segs, "nb_segs segments");
	check(len == pkt->pkt_len, "pkt_len is the sum of the segments");
}

/* Every slot holds an mbuf and its descriptor names that mbuf's buffer. */
static void
check_ring(const struct e1000e_rxq *q)
{
	check(q->next < q->nb_desc && q->nb_hold < q->nb_desc, "ring indexes in range");
	for (uint16_t i = 0; i < q->nb_desc; i++) {
		const struct vdk_mbuf *mb = q->sw_ring[i];

		check(mb != NULL, "every slot holds an mbuf");
		check(q->ring[i].addr == mb->buf_iova + VDK_PKTMBUF_HEADROOM,
		      "descriptor names its mbuf's buffer");
	}
}

/* What probe and queue setup would have given the port for its control calls. */
static void *port_rxq[1], *port_txq[1];

static void
control_init(struct e1000e_port *p)
{
	p->hw_totals = calloc(e1000e_nb_hw_stats, sizeof(p->hw_totals[0]));
	check(p->hw_totals != NULL, "statistics totals");
	pthread_mutex_init(&p->stats_lock, NULL);
	port_rxq[0] = p->rxq;
	port_txq[0] = p->txq;
	p->eth.rx_queues = port_rxq;
	p->eth.tx_queues = port_txq;
	p->eth.nb_rx_queues = 1;
	p->eth.nb_tx_queues = 1;
	p->eth.ops = &e1000e_ops;
}

static void
control_fini(struct e1000e_port *p)
{
	pthread_mutex_destroy(&p->stats_lock);
	free(p->hw_totals);
	p->hw_totals = NULL;
}

static void
check_link(struct e1000e_port *p)
{
	struct vdk_eth_link link;

	vdk_eth_dev_link_read(&p->eth, &link);
	check(link.link_status <= 1, "link up or down");
	check(link.link_speed == 0 || link.link_speed == VDK_ETH_SPEED_NUM_10M ||
	      link.link_speed == VDK_ETH_SPEED_NUM_100M || link.link_speed == VDK_ETH_SPEED_NUM_1G,
	      "a speed the device has");
}

/* Statistics after the device set one register to anything. */
static void
stats_read(struct e1000e_port *p, struct reader *r)
{
	unsigned int reg = e1000e_hw_stats[u8(r) % e1000e_nb_hw_stats].reg;
	uint64_t values[128];
	struct vdk_eth_stats st;
	uint32_t v = u16(r);

	e1000e_model_set_reg32(model, reg, v | (uint32_t)u16(r) << 16);
	memset(&st, 0, sizeof(st));
	check(e1000e_stats_get(&p->eth, &st) == 0, "stats read");
	check(st.ipackets == p->rxq->pkts && st.opackets == p->txq->pkts,
	      "packet counts are the queues'");
	check(e1000e_xstats_get(&p->eth, values, VDK_DIM(values)) ==
	      (int)(e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS), "xstats count");
}

/*
 * A port stop (1 ms) with the device's TDH where TDT is, or, for one input
 * byte pair in 65536, where the input says: a TDH that never reaches TDT
 * costs the stop its 100 ms wait. Then a start.
 */
static bool
stop_start(struct e1000e_port *p, struct reader *r)
{
	uint8_t a = u8(r), b = u8(r);
	uint32_t tdh = u16(r);

	if (a >= 16)
		return true;
	if (a != 0 || b != 0)
		tdh = e1000e_model_reg32(model, E1000E_TDT);
	e1000e_model_set_reg32(model, E1000E_TDH, tdh);
	check(e1000e_stop(&p->eth) == 0, "stop");
	if (e1000e_model_port_restart(model) != 0) {
		check(nb_held > 0, "restart fails only for a pool the app holds");
		return false;
	}
	check_ring(p->rxq);
	return true;
}

static void
free_held(void)
{
	for (unsigned int i = 0; i < nb_held; i++)
		vdk_pktmbuf_free(held[i]);
	nb_held = 0;
}

static void
rx_burst(struct e1000e_rxq *q, uint8_t arg)
{
	struct vdk_mbuf *pkts[64];
	uint16_t want = (uint16_t)(arg % 64 + 1), got, i;

	got = e1000e_rx_burst(q, pkts, want);
	check(got <= want, "no more packets than asked for");
	for (i = 0; i < got; i++) {
		check_packet(q, pkts[i]);
		if ((arg & 0x80) && nb_held < FUZZ_MAX_HELD)
			held[nb_held++] = pkts[i];
		else
			vdk_pktmbuf_free(pkts[i]);
	}
	check_ring(q);
}

/* @n packets of up to three segments, lengths from the input, sent in one burst. */
static void
tx_burst(struct e1000e_txq *q, struct vdk_mempool *mp, struct reader *r)
{
	struct vdk_mbuf *pkts[32], *seg;
	uint16_t n = (uint16_t)(u8(r) % 32 + 1), built, sent, room = (uint16_t)
		(vdk_pktmbuf_data_room_size(mp) - VDK_PKTMBUF_HEADROOM);
	uint8_t shape;

	for (built = 0; built < n; built++) {
		shape = u8(r);
		pkts[built] = vdk_pktmbuf_alloc(mp);
		if (pkts[built] == NULL)
			break;
		pkts[built]->data_len = (uint16_t)(shape * 4u % room + 1);
		pkts[built]->pkt_len = pkts[built]->data_len;
		for (unsigned int s = 0; s < (shape & 3u) % 3u; s++) {
			seg = vdk_pktmbuf_alloc(mp);
			if (seg == NULL)
				break;
			seg->data_len = (uint16_t)(u8(r) % room + 1);
			check(vdk_pktmbuf_chain(pkts[built], seg) == 0, "chain");
		}
	}
	sent = e1000e_tx_burst(q, pkts, built);
	check(sent <= built, "no more sent than given");
	for (uint16_t i = sent; i < built; i++)
		vdk_pktmbuf_free(pkts[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size > FUZZ_MAX_LEN ? FUZZ_MAX_LEN : size, 0 };
	uint8_t cfg = u8(&r), frame[E1000E_MAX_RX_FRAME + 512];
	uint16_t nb_rxd = (uint16_t)(32u << (cfg & 3)), len;
	struct vdk_mempool *mp = pools[(cfg >> 2) & 3];
	struct e1000e_port *p;
	uint8_t op, a, b;

	runs++;
	p = e1000e_model_port(model, nb_rxd, 64, mp, (uint16_t)((cfg >> 4) * 4));
	check(p != NULL, "port over the model");
	control_init(p);
	while (r.off < r.n) {
		op = u8(&r);
		switch (op % 14) {
		case 0:	/* a frame received properly */
			len = (uint16_t)(u16(&r) % sizeof(frame));
			memset(frame, op, len);
			device_events += e1000e_model_rx_frame(model, frame, len);
			break;
		case 1:	/* the descriptor at the device's head, whatever RDT says */
			len = u16(&r);
			a = u8(&r);
			b = u8(&r);
			e1000e_model_rx_push(model, len, a, b);
			device_events++;
			break;
		case 2:	/* any descriptor */
			a = u8(&r);
			len = u16(&r);
			b = u8(&r);
			e1000e_model_rx_write(model, a, len, b, u8(&r));
			device_events++;
			break;
		case 3:
			rx_burst(p->rxq, u8(&r));
			break;
		case 4:
			free_held();
			break;
		case 5:
			tx_burst(p->txq, mp, &r);
			break;
		case 6:	/* send what is queued */
			device_events += e1000e_model_tx_run(model, u8(&r));
			break;
		case 7:	/* any transmit status */
			a = u8(&r);
			e1000e_model_tx_write(model, a, u8(&r));
			device_events++;
			break;
		case 8:	/* the device's heads jump */
			model->rdh = u8(&r);
			model->tdh = u8(&r);
			device_events++;
			break;
		case 9:	/* a port restart; one that fails leaves the port stopped */
			if (u8(&r) >= 16)
				break;
			if (e1000e_model_port_restart(model) != 0) {
				check(nb_held > 0, "restart fails only for a pool the app holds");
				r.off = r.n;
				break;
			}
			check_ring(p->rxq);
			break;
		case 10: {	/* any ICR, with the link-change vector firing */
			uint64_t irqs = p->lsc_interrupts;
			uint32_t icr = u16(&r);

			icr |= (uint32_t)u16(&r) << 16;
			e1000e_model_set_reg32(model, E1000E_ICR, icr);
			p->lsc_armed = (icr & 1) != 0;
			e1000e_intr_handler(&model->pci.pub, 0, p);
			check(p->lsc_interrupts == irqs + 1, "interrupt counted");
			check_link(p);
			device_events++;
			break;
		}
		case 11: {	/* any STATUS, read as the link */
			uint32_t status = u16(&r);

			e1000e_model_set_reg32(model, E1000E_STATUS, status | (uint32_t)u16(&r) << 16);
			check(e1000e_link_update(&p->eth, 0) == 0, "link update");
			check_link(p);
			device_events++;
			break;
		}
		case 12:
			stats_read(p, &r);
			device_events++;
			break;
		case 13:
			device_events++;
			if (!stop_start(p, &r))
				r.off = r.n;
			break;
		}
	}
	free_held();
	control_fini(p);
	e1000e_model_free(model);
	model = e1000e_model_create();
	for (unsigned int i = 0; i < 4; i++)
		check(vdk_mempool_in_use_count(pools[i]) == 0, "every mbuf back in its pool");
	return 0;
}

#ifdef VDK_FUZZ_STANDALONE
/* Any byte string is an input: random ones, and seeds with a few random bytes changed. */
#include "fuzz_standalone.h"

static void
make_input(struct fuzz_input *in)
{
	if (fuzz_nb_seeds == 0 || fuzz_rnd() % 2) {
		in->n = 1 + (size_t)(fuzz_rnd() % 512);
		for (size_t i = 0; i < in->n; i++)
			in->d[i] = (uint8_t)fuzz_rnd();
		return;
	}
	*in = fuzz_seeds[fuzz_rnd() % fuzz_nb_seeds];
	for (unsigned int e = 1 + (unsigned int)(fuzz_rnd() % 8); e > 0 && in->n > 0; e--)
		in->d[fuzz_rnd() % in->n] = (uint8_t)fuzz_rnd();
}

const struct fuzz_target fuzz_target = {
	.name = "fuzz_e1000e",
	.max_len = FUZZ_MAX_LEN,
	.seeds_optional = true,
	.make = make_input,
};
#endif
