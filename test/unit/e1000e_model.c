/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process 82574L of e1000e_model.h. It follows the datasheet
 * sections the driver follows, from the device's side: "Receive Descriptor
 * Queue Structure" and "Legacy Receive Descriptor Format" (the device
 * writes from RDH and stops one short of RDT, buffers of RCTL.BSIZE, DD
 * and EOP written back), "Transmit Descriptor Ring Structure" and "Legacy
 * Transmit Descriptor Format" (the device reads from TDH up to TDT, writes
 * DD back where RS is set).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "e1000e_model.h"
#include "vdk_dma.h"
#include "vdk_mbuf.h"

uint32_t
e1000e_model_reg32(const struct e1000e_model *m, uint32_t off)
{
	return *(volatile uint32_t *)(m->bar + off);
}

void
e1000e_model_set_reg32(struct e1000e_model *m, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(m->bar + off) = val;
}

/* Host memory at @iova for @len bytes, or NULL (counted) when it is not DMA memory. */
static void *
host(struct e1000e_model *m, uint64_t iova, size_t len)
{
	if (iova == 0 || vdk_mem_virt2iova((void *)(uintptr_t)iova) != iova ||
	    (len > 1 && vdk_mem_virt2iova((void *)(uintptr_t)(iova + len - 1)) != iova + len - 1)) {
		m->nb_bad_dma++;
		return NULL;
	}
	return (void *)(uintptr_t)iova;
}

/* What the registers hold after a reset with the EEPROM read: link up at 1 Gb/s, full duplex. */
static void
regs_reset(struct e1000e_model *m)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(m->bar, 0, E1000E_MODEL_BAR_SIZE);
	e1000e_model_set_reg32(m, E1000E_STATUS, E1000E_STATUS_FD | E1000E_STATUS_LU |
				  (2u << E1000E_STATUS_SPEED_SHIFT));
	e1000e_model_set_reg32(m, E1000E_EECD, E1000E_EECD_AUTO_RD);
	e1000e_model_set_reg32(m, E1000E_RAL0, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
				  (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
	e1000e_model_set_reg32(m, E1000E_RAH0, (uint32_t)mac[4] | (uint32_t)mac[5] << 8 |
				  (m->rah_invalid ? 0 : E1000E_RAH_AV));
	m->rdh = 0;
	m->tdh = 0;
}

struct e1000e_model *
e1000e_model_create(void)
{
	struct e1000e_model *m = calloc(1, sizeof(*m));

	if (m == NULL || posix_memalign((void **)&m->bar, 4096, E1000E_MODEL_BAR_SIZE) != 0)
		abort();
	regs_reset(m);
	/* The EEPROM holds the same address, a word a byte pair, low byte first. */
	m->eeprom[0] = 0x5452;
	m->eeprom[1] = 0x1200;
	m->eeprom[2] = 0x5634;
	snprintf(m->pci.pub.name, sizeof(m->pci.pub.name), "e1000e-model");
	m->pci.pub.numa_node = -1;
	return m;
}

void
e1000e_model_use_bar(struct e1000e_model *m, uint8_t *bar)
{
	if (!m->foreign_bar)
		free(m->bar);
	m->bar = bar;
	m->foreign_bar = true;
	regs_reset(m);
}

static void
port_free(struct e1000e_model *m)
{
	if (m->port == NULL)
		return;
	e1000e_rxq_free(m->port->rxq);
	e1000e_txq_free(m->port->txq);
	free(m->port);
	m->port = NULL;
}

void
e1000e_model_free(struct e1000e_model *m)
{
	if (m == NULL)
		return;
	e1000e_model_stop(m);
	port_free(m);
	if (!m->foreign_bar)
		free(m->bar);
	free(m);
}

/* Start both queues and enable the receiver, as dev_start does: RCTL last. */
static int
port_start(struct e1000e_model *m)
{
	struct e1000e_port *p = m->port;
	uint32_t bsize;
	int ret;

	e1000e_txq_start(p, p->txq);
	ret = e1000e_rxq_start(p, p->rxq);
	if (ret != 0)
		return ret;
	bsize = p->rxq->buf_size == 2048 ? 0 : p->rxq->buf_size == 1024 ? 1 :
		p->rxq->buf_size == 512 ? 2 : 3;
	e1000e_write(p, E1000E_RCTL, E1000E_RCTL_EN | E1000E_RCTL_SECRC |
				     (bsize << E1000E_RCTL_BSIZE_SHIFT));
	e1000e_write(p, E1000E_TCTL, E1000E_TCTL_EN | E1000E_TCTL_PSP);
	m->rdh = 0;
	m->tdh = 0;
	m->tx_cur_len = 0;
	return 0;
}

struct e1000e_port *
e1000e_model_port(struct e1000e_model *m, uint16_t nb_rxd, uint16_t nb_txd,
		  struct vdk_mempool *mp, uint16_t rx_free_thresh)
{
	struct vdk_eth_rxconf rxconf = { .rx_free_thresh = rx_free_thresh };
	struct vdk_eth_txconf txconf = { 0 };
	struct e1000e_port *p;

	port_free(m);
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		abort();
	p->pdev = &m->pci.pub;
	p->bar0 = m->bar;
	m->port = p;
	if (e1000e_rxq_create(p, 0, nb_rxd, VDK_SOCKET_ID_ANY, &rxconf, mp, &p->rxq) != 0 ||
	    e1000e_txq_create(p, 0, nb_txd, VDK_SOCKET_ID_ANY, &txconf, &p->txq) != 0 ||
	    port_start(m) != 0) {
		port_free(m);
		return NULL;
	}
	return p;
}

int
e1000e_model_port_restart(struct e1000e_model *m)
{
	e1000e_write(m->port, E1000E_RCTL, 0);
	e1000e_write(m->port, E1000E_TCTL, E1000E_TCTL_PSP);
	e1000e_rxq_stop(m->port->rxq);
	e1000e_txq_stop(m->port->txq);
	return port_start(m);
}

/* ---------------------------------------------------------------------- */
/* Registers with side effects */

void
e1000e_model_step(struct e1000e_model *m)
{
	uint32_t eerd = e1000e_model_reg32(m, E1000E_EERD), word;

	/* "Global Reset": everything but PCI configuration back to its reset value. */
	if ((e1000e_model_reg32(m, E1000E_CTRL) & E1000E_CTRL_RST) && !m->stuck_reset) {
		regs_reset(m);
		m->nb_resets++;
	}
	/* "EEPROM Read Register": the word at ADDR into DATA, then DONE. */
	if ((eerd & E1000E_EERD_START) && !(eerd & E1000E_EERD_DONE)) {
		word = (eerd >> E1000E_EERD_ADDR_SHIFT) & 0x3fffu;
		e1000e_model_set_reg32(m, E1000E_EERD, (eerd & 0xffffu) | E1000E_EERD_DONE |
			(uint32_t)(word < E1000E_MODEL_EEPROM_WORDS ? m->eeprom[word] : 0xffffu)
				<< E1000E_EERD_DATA_SHIFT);
		m->nb_eeprom_reads++;
	}
}

static void *
model_thread(void *arg)
{
	struct e1000e_model *m = arg;
	struct timespec ts = { 0, 20000 };

	while (m->running) {
		e1000e_model_step(m);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void
e1000e_model_run(struct e1000e_model *m)
{
	m->running = true;
	if (pthread_create(&m->thread, NULL, model_thread, m) != 0)
		abort();
}

void
e1000e_model_stop(struct e1000e_model *m)
{
	if (!m->running)
		return;
	m->running = false;
	pthread_join(m->thread, NULL);
}

/* ---------------------------------------------------------------------- */
/* Receive */

static uint64_t
reg64(const struct e1000e_model *m, uint32_t lo)
{
	return (uint64_t)e1000e_model_reg32(m, lo) | (uint64_t)e1000e_model_reg32(m, lo + 4) << 32;
}

volatile struct e1000e_rx_desc *
e1000e_model_rx_ring(const struct e1000e_model *m, uint32_t *nb_desc)
{
	*nb_desc = e1000e_model_reg32(m, E1000E_RDLEN) / sizeof(struct e1000e_rx_desc);
	return (volatile struct e1000e_rx_desc *)(uintptr_t)reg64(m, E1000E_RDBAL);
}

uint32_t
e1000e_model_rx_buf_size(const struct e1000e_model *m)
{
	return 2048u >> ((e1000e_model_reg32(m, E1000E_RCTL) >> E1000E_RCTL_BSIZE_SHIFT) & 3);
}

unsigned int
e1000e_model_rx_frame(struct e1000e_model *m, const void *frame, uint32_t len)
{
	uint32_t n, buf = e1000e_model_rx_buf_size(m), rdt = e1000e_model_reg32(m, E1000E_RDT);
	volatile struct e1000e_rx_desc *ring = e1000e_model_rx_ring(m, &n);
	uint32_t need = len == 0 ? 1 : (len + buf - 1) / buf, room, i, idx, chunk;
	const uint8_t *src = frame;
	uint8_t *dst;

	if (n == 0 || !(e1000e_model_reg32(m, E1000E_RCTL) & E1000E_RCTL_EN))
		return 0;
	/* Free descriptors: from RDH up to, not including, RDT. */
	room = (rdt % n + n - m->rdh % n) % n;
	if (room < need) {
		m->nb_rx_missed++;
		return 0;
	}
	for (i = 0; i < need; i++) {
		idx = (m->rdh + i) % n;
		chunk = len - i * buf < buf ? len - i * buf : buf;
		dst = host(m, ring[idx].addr, chunk);
		if (dst == NULL)
			return 0;
		memcpy(dst, src + i * buf, chunk);
	}
	/* Write back in order, DD last in each: what the driver may see first. */
	for (i = 0; i < need; i++) {
		idx = (m->rdh + i) % n;
		chunk = len - i * buf < buf ? len - i * buf : buf;
		ring[idx].length = (uint16_t)chunk;
		ring[idx].errors = 0;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		ring[idx].status = (uint8_t)(E1000E_RXD_STAT_DD |
					     (i == need - 1 ? E1000E_RXD_STAT_EOP : 0));
	}
	m->rdh = (m->rdh + need) % n;
	e1000e_model_set_reg32(m, E1000E_RDH, m->rdh);
	m->nb_rx_frames++;
	return need;
}

void
e1000e_model_rx_write(struct e1000e_model *m, uint32_t idx, uint16_t len, uint8_t status,
		      uint8_t errors)
{
	uint32_t n;
	volatile struct e1000e_rx_desc *ring = e1000e_model_rx_ring(m, &n);

	if (n == 0)
		return;
	idx %= n;
	ring[idx].length = len;
	ring[idx].errors = errors;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring[idx].status = status;
}

void
e1000e_model_rx_push(struct e1000e_model *m, uint16_t len, uint8_t status, uint8_t errors)
{
	uint32_t n;

	(void)e1000e_model_rx_ring(m, &n);
	if (n == 0)
		return;
	e1000e_model_rx_write(m, m->rdh, len, status, errors);
	m->rdh = (m->rdh + 1) % n;
	e1000e_model_set_reg32(m, E1000E_RDH, m->rdh);
}

/* ---------------------------------------------------------------------- */
/* Transmit */

unsigned int
e1000e_model_tx_run(struct e1000e_model *m, unsigned int max)
{
	uint32_t n = e1000e_model_reg32(m, E1000E_TDLEN) / sizeof(struct e1000e_tx_desc);
	volatile struct e1000e_tx_desc *ring =
		(volatile struct e1000e_tx_desc *)(uintptr_t)reg64(m, E1000E_TDBAL);
	uint32_t tdt = e1000e_model_reg32(m, E1000E_TDT);
	unsigned int done = 0;
	uint8_t *src;

	if (n == 0 || !(e1000e_model_reg32(m, E1000E_TCTL) & E1000E_TCTL_EN))
		return 0;
	while (done < max && m->tdh % n != tdt % n) {
		volatile struct e1000e_tx_desc *d = &ring[m->tdh % n];
		uint16_t len = d->length;
		uint8_t cmd = d->cmd;

		src = host(m, d->addr, len);
		if (src != NULL && m->tx_cur_len + len <= E1000E_MODEL_TX_MAX)
			memcpy(m->tx_last + m->tx_cur_len, src, len);
		m->tx_cur_len += len;
		if (cmd & E1000E_TXD_CMD_EOP) {
			m->tx_last_len = m->tx_cur_len;
			m->tx_cur_len = 0;
			m->nb_tx_frames++;
		}
		if (cmd & E1000E_TXD_CMD_RS)
			d->status = E1000E_TXD_STAT_DD;
		m->tdh = (m->tdh + 1) % n;
		m->nb_tx_desc++;
		done++;
	}
	e1000e_model_set_reg32(m, E1000E_TDH, m->tdh);
	return done;
}

void
e1000e_model_tx_write(struct e1000e_model *m, uint32_t idx, uint8_t status)
{
	uint32_t n = e1000e_model_reg32(m, E1000E_TDLEN) / sizeof(struct e1000e_tx_desc);
	volatile struct e1000e_tx_desc *ring =
		(volatile struct e1000e_tx_desc *)(uintptr_t)reg64(m, E1000E_TDBAL);

	if (n != 0)
		ring[idx % n].status = status;
}
