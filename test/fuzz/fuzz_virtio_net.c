/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-side fuzz target for net_virtio: the input is a script of device
 * events played by the in-process device of test/unit/virtio_model.h
 * against one rx and one tx queue of the real driver code (virtio_rxtx.c
 * and virtio_pci.c are compiled into the target, so that libFuzzer sees
 * their coverage and config_generation reads reach the model).
 *
 * Input: byte 0 picks the features (MRG_RXBUF or not) and the ring size
 * (8 to 256); then events, one opcode byte and its arguments each: good
 * frames, used entries with any id and length, any used->idx, headers with
 * any num_buffers, chain links rewritten by the device, device
 * configuration bytes and config_generation values, bursts of the driver,
 * port restarts. A missing argument byte reads as 0.
 *
 * Checked, besides ASan and UBSan: a read of the device configuration
 * gives up after a bounded number of config_generation changes; every packet the driver returns is
 * within the buffers it owns (each segment's data inside its mbuf, the
 * segments adding up to pkt_len, at most a ring's worth of them); the free
 * stacks never hold more than the ring nor an id beyond it; a broken queue
 * returns nothing; and after each input every mbuf is back in the pool
 * (none lost, none freed twice).
 *
 * Built with clang and -fsanitize=fuzzer this is a libFuzzer target. With
 * any other compiler VDK_FUZZ_STANDALONE links the driver of
 * fuzz_standalone.c, which replays the seed corpus and then random and
 * mutated scripts for a bounded number of runs or seconds; either way the
 * device events played are printed at the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_mbuf.h"
#include "virtio_model.h"

#define VIRTIO_PCI_CONFIG_GENERATION(vp) virtio_model_generation(vp)
#include "virtio_pci.c"

#define FUZZ_MAX_LEN 4096
#define FUZZ_NB_MBUF 1024
#define FUZZ_BURST 32
/* A driver that reads config_generation more often than this is looping. */
#define FUZZ_MAX_GEN_READS 1000

enum op {
	OP_RX_FRAME,      /* len16: a good frame */
	OP_RX_USED,       /* id32 len32: any used entry, published */
	OP_RX_USED_AT,    /* slot16 id32 len32: any entry, not published */
	OP_RX_USED_IDX,   /* idx16: any used->idx */
	OP_RX_HDR,        /* num_buffers16 len32: a taken buffer with any header */
	OP_RX_BURST,      /* n8 */
	OP_TX_BURST,      /* n8 segs8 */
	OP_TX_TAKE,       /* a chain sent, as a good device does */
	OP_TX_USED,       /* id32 */
	OP_TX_USED_IDX,   /* idx16 */
	OP_TX_LINKS,      /* desc8 next16: the device rewrites a chain link */
	OP_CFG,           /* off8 val8: device configuration bytes */
	OP_CFG_READ,      /* off8 len8 gens8: a read, config_generation from the input */
	OP_RESTART,       /* which8: dev_stop + dev_start of a queue */
	OP_NO_NOTIFY,     /* flags16: used->flags */
	OP_COUNT
};

struct input {
	const uint8_t *p;
	size_t n;
};

static struct vdk_mempool *mp;
static struct input in;
static unsigned long events;

static uint32_t
take(unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v |= (uint32_t)(in.n ? in.p[0] : 0) << (8 * i);
		if (in.n) {
			in.p++;
			in.n--;
		}
	}
	return v;
}

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_virtio_net: invariant broken: %s\n", what);
		abort();
	}
}

/* config_generation as the input says, one byte a read. */
static uint8_t
gen_from_input(struct virtio_model *m)
{
	(void)m;
	return (uint8_t)take(1);
}

static void
check_vq(const struct virtq *vq)
{
	check(vq->nb_free <= vq->size, "free stack within the ring");
	for (uint16_t i = 0; i < vq->nb_free; i++)
		check(vq->free_ids[i] < vq->size, "free ids within the ring");
}

static void
check_pkt(const struct vdk_mbuf *m, const struct virtio_rxq *q)
{
	const char *why = NULL;

	/* Lengths inside each buffer, pkt_len the sum, nb_segs the chain. */
	if (vdk_mbuf_check(m, 1, &why) != 0) {
		fprintf(stderr, "fuzz_virtio_net: bad packet from rx burst: %s\n", why);
		abort();
	}
	check(m->nb_segs <= q->vq.size, "a packet spans at most the ring");
	check(m->port == q->port_id, "port set");
}

static void
rx_burst(struct virtio_rxq *q, uint16_t n)
{
	struct vdk_mbuf *pkts[FUZZ_BURST];
	bool broken = q->vq.broken;
	uint16_t from = q->vq.used_last, got = virtio_rx_burst(q, pkts, n);

	check(got <= n, "burst within its size");
	check(!broken || got == 0, "a broken queue returns nothing");
	/* What the burst consumed, the whole 32-bit id and len were fine. */
	for (uint16_t i = from; i != q->vq.used_last; i++) {
		const volatile struct vring_used_elem *e = &q->vq.used->ring[i & q->vq.mask];

		check(e->id < q->vq.size, "consumed used ids within the ring");
		check(e->len <= q->buf_len, "consumed used lengths within the buffer");
	}
	check(q->segs_left < q->vq.size, "a packet spans at most the ring");
	for (uint16_t i = 0; i < got; i++) {
		check_pkt(pkts[i], q);
		vdk_pktmbuf_free(pkts[i]);
	}
}

static void
tx_burst(struct virtio_txq *q, uint16_t n, uint8_t segs)
{
	struct vdk_mbuf *pkts[FUZZ_BURST];
	bool broken = q->vq.broken;
	uint16_t sent, i;

	for (i = 0; i < n; i++) {
		pkts[i] = vdk_pktmbuf_alloc(mp);
		if (pkts[i] == NULL)
			break;
		pkts[i]->data_len = pkts[i]->pkt_len = 60;
		for (uint8_t s = 1; s < segs; s++) {
			struct vdk_mbuf *seg = vdk_pktmbuf_alloc(mp);

			if (seg == NULL)
				break;
			seg->data_len = seg->pkt_len = 20;
			if (vdk_pktmbuf_chain(pkts[i], seg) != 0) {
				vdk_pktmbuf_free(seg);
				break;
			}
		}
	}
	n = i;
	sent = virtio_tx_burst(q, pkts, n);
	check(sent <= n, "sent within the burst");
	check(!broken || sent == 0, "a broken queue sends nothing");
	for (i = sent; i < n; i++)
		vdk_pktmbuf_free(pkts[i]);
}

static void
play(struct virtio_model *m, struct virtio_rxq *rxq, struct virtio_txq *txq)
{
	struct virtio_model_vq *rx = virtio_model_vq(m, &rxq->vq);
	struct virtio_model_vq *tx = virtio_model_vq(m, &txq->vq);
	static uint8_t buf[16384];

	while (in.n > 0) {
		uint8_t op = (uint8_t)(take(1) % OP_COUNT);

		events++;
		switch (op) {
		case OP_RX_FRAME: {
			uint32_t len = take(2) % sizeof(buf);

			memset(buf, (int)len, len);
			virtio_model_rx_frame(rx, buf, len);
			break;
		}
		case OP_RX_USED: {
			uint32_t id = take(4);

			virtio_model_used(rx, id, take(4));
			break;
		}
		case OP_RX_USED_AT: {
			uint16_t slot = (uint16_t)take(2);
			uint32_t id = take(4);

			virtio_model_used_at(rx, slot, id, take(4));
			break;
		}
		case OP_RX_USED_IDX:
			virtio_model_used_idx(rx, (uint16_t)take(2));
			break;
		case OP_RX_HDR: {
			struct virtio_net_hdr hdr = { .num_buffers = (uint16_t)take(2) };
			int id = virtio_model_take(rx);
			uint32_t len = take(4);

			if (id >= 0) {
				memcpy((void *)(uintptr_t)rxq->vq.desc[id].addr, &hdr, sizeof(hdr));
				virtio_model_used(rx, (uint32_t)id, len);
			}
			break;
		}
		case OP_RX_BURST:
			rx_burst(rxq, (uint16_t)(1 + take(1) % FUZZ_BURST));
			break;
		case OP_TX_BURST: {
			uint16_t n = (uint16_t)(1 + take(1) % FUZZ_BURST);

			tx_burst(txq, n, (uint8_t)(1 + take(1) % 4));
			break;
		}
		case OP_TX_TAKE:
			virtio_model_tx_take(tx, buf, sizeof(buf));
			break;
		case OP_TX_USED:
			virtio_model_used(tx, take(4), take(4));
			break;
		case OP_TX_USED_IDX:
			virtio_model_used_idx(tx, (uint16_t)take(2));
			break;
		case OP_TX_LINKS: {
			uint8_t d = (uint8_t)take(1);

			txq->vq.desc[d & txq->vq.mask].next = (uint16_t)take(2);
			break;
		}
		case OP_CFG: {
			uint8_t off = (uint8_t)take(1);

			m->device[off % VMODEL_DEVICE_LEN] = (uint8_t)take(1);
			break;
		}
		case OP_CFG_READ: {
			size_t off = take(1) % (VMODEL_DEVICE_LEN + 8), len = 1 + take(1) % 8;
			uint8_t out[8];
			int ret;

			m->gen_hook = gen_from_input;
			m->gen_reads = 0;
			ret = virtio_pci_read_dev_cfg(&m->port->vp, off, out, len);
			m->gen_hook = NULL;
			check(m->gen_reads <= FUZZ_MAX_GEN_READS, "config_generation reads bounded");
			check(ret == 0 || ret == -EIO || ret == -ERANGE, "read_dev_cfg's errors");
			check(ret != -ERANGE || off + len > VMODEL_DEVICE_LEN, "-ERANGE only past the end");
			break;
		}
		case OP_RESTART:
			if (take(1) & 1)
				check(virtio_model_txq_restart(m, txq) == 0, "tx restarts");
			else
				check(virtio_model_rxq_restart(m, rxq) == 0, "rx restarts");
			break;
		case OP_NO_NOTIFY: {
			uint16_t flags = (uint16_t)take(2);

			rxq->vq.used->flags = flags;
			txq->vq.used->flags = flags;
			break;
		}
		default:
			break;
		}
		check_vq(&rxq->vq);
		check_vq(&txq->vq);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The drivers count inputs; a run's figure is device events. */
static void
print_events(void)
{
	fprintf(stderr, "fuzz_virtio_net: %lu device events\n", events);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal_argv[] = { "fuzz_virtio_net", "--no-huge", "-l", "0", "--no-pci", NULL };
	FILE *devnull = fopen("/dev/null", "w");

	(void)argc;
	(void)argv;
	/* A broken queue logs once; the fuzzer breaks queues all the time. */
	vdk_log_set_stream(devnull);
	if (vdk_eal_init(5, eal_argv) < 0)
		abort();
	/* No per-lcore cache: the pool's count is exact, so a leak shows. */
	mp = vdk_pktmbuf_pool_create("fuzz_virtio", FUZZ_NB_MBUF, 0, 0,
				     VDK_MBUF_DEFAULT_BUF_SIZE, VDK_SOCKET_ID_ANY);
	if (mp == NULL)
		abort();
#ifndef VDK_FUZZ_STANDALONE
	atexit(print_events);
#endif
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t features = 1ull << VIRTIO_F_VERSION_1;
	struct virtio_model *m;
	struct virtio_rxq *rxq;
	struct virtio_txq *txq;
	uint8_t first;
	uint16_t nb_desc;

	if (size == 0 || size > FUZZ_MAX_LEN)
		return 0;
	first = data[0];
	in = (struct input){ data + 1, size - 1 };
	if (first & 1)
		features |= 1ull << VIRTIO_NET_F_MRG_RXBUF;
	nb_desc = (uint16_t)(8u << ((first >> 1) % 6));
	m = virtio_model_create(features, 0);
	check(m != NULL, "model created");
	check(virtio_model_rxq(m, 0, nb_desc, mp, &rxq) == 0, "rx queue set up");
	check(virtio_model_txq(m, 0, nb_desc, &txq) == 0, "tx queue set up");
	play(m, rxq, txq);
	virtio_rxq_free(rxq);
	virtio_txq_free(txq);
	virtio_model_free(m);
	check(vdk_mempool_avail_count(mp) == FUZZ_NB_MBUF, "every mbuf back in the pool");
	return 0;
}

#ifdef VDK_FUZZ_STANDALONE
/*
 * Without libFuzzer: scripts that are random, or a seed with random bytes
 * changed, inserted or cut (fuzz_standalone.c replays the seeds first).
 */
#include "fuzz_standalone.h"

static void
make(struct fuzz_input *s)
{
	unsigned int edits = 1 + (unsigned int)(fuzz_rnd() % 8);

	if (fuzz_nb_seeds == 0 || fuzz_rnd() % 4 == 0) {
		s->n = 1 + (size_t)(fuzz_rnd() % 512);
		for (size_t i = 0; i < s->n; i++)
			s->d[i] = (uint8_t)fuzz_rnd();
		return;
	}
	*s = fuzz_seeds[fuzz_rnd() % fuzz_nb_seeds];
	for (unsigned int e = 0; e < edits && s->n > 0; e++) {
		size_t at = (size_t)(fuzz_rnd() % s->n);

		switch (fuzz_rnd() % 3) {
		case 0:
			s->d[at] = (uint8_t)fuzz_rnd();
			break;
		case 1:
			if (s->n < FUZZ_MAX_LEN) {
				memmove(s->d + at + 1, s->d + at, s->n - at);
				s->d[at] = (uint8_t)fuzz_rnd();
				s->n++;
			}
			break;
		default:
			s->n = at + 1;
			break;
		}
	}
}

const struct fuzz_target fuzz_target = {
	.name = "fuzz_virtio_net",
	.max_len = FUZZ_MAX_LEN,
	.make = make,
	.done = print_events,
};
#endif
