/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_e1000e: the Intel 82574L (8086:10d3) behind ethdev, control path.
 *
 * Bring-up follows the datasheet's "Software Initialization Sequence"
 * (Intel 82574 GbE Controller Family Datasheet, 317694, chapter 4):
 * interrupts masked, global reset, general configuration, link set-up,
 * statistics cleared; then at start the receive and transmit
 * initialization. Steps are commented with the section title they
 * implement. The datapath lives in e1000e_rxtx.c; doc/e1000e.md lists
 * features, limits and every register touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e1000e_internal.h"
#include "vdk_cycles.h"
#include "vdk_dma.h"
#include "vdk_intr.h"
#include "vdk_malloc.h"
#include "vdk_mbuf.h"

#define E1000E_RESET_TIMEOUT_US 100000
#define E1000E_EEPROM_TIMEOUT_US 10000
#define E1000E_TX_DRAIN_TIMEOUT_US 100000
#define E1000E_LINK_WAIT_US 3000000

const struct e1000e_hw_stat e1000e_hw_stats[] = {
	{ "rx_crc_errors", E1000E_CRCERRS, false },
	{ "rx_alignment_errors", E1000E_ALGNERRC, false },
	{ "rx_symbol_errors", E1000E_SYMERRS, false },
	{ "rx_receive_errors", E1000E_RXERRC, false },
	{ "rx_missed_packets", E1000E_MPC, false },
	{ "tx_single_collisions", E1000E_SCC, false },
	{ "tx_excessive_collisions", E1000E_ECOL, false },
	{ "tx_multiple_collisions", E1000E_MCC, false },
	{ "tx_late_collisions", E1000E_LATECOL, false },
	{ "tx_collisions", E1000E_COLC, false },
	{ "tx_deferred", E1000E_DC, false },
	{ "tx_no_crs", E1000E_TNCRS, false },
	{ "rx_sequence_errors", E1000E_SEC, false },
	{ "rx_carrier_extension_errors", E1000E_CEXTERR, false },
	{ "rx_length_errors", E1000E_RLEC, false },
	{ "rx_xon_packets", E1000E_XONRXC, false },
	{ "tx_xon_packets", E1000E_XONTXC, false },
	{ "rx_xoff_packets", E1000E_XOFFRXC, false },
	{ "tx_xoff_packets", E1000E_XOFFTXC, false },
	{ "rx_unsupported_fc_packets", E1000E_FCRUC, false },
	{ "rx_size_64_packets", E1000E_PRC64, false },
	{ "rx_size_65_to_127_packets", E1000E_PRC127, false },
	{ "rx_size_128_to_255_packets", E1000E_PRC255, false },
	{ "rx_size_256_to_511_packets", E1000E_PRC511, false },
	{ "rx_size_512_to_1023_packets", E1000E_PRC1023, false },
	{ "rx_size_1024_to_max_packets", E1000E_PRC1522, false },
	{ "rx_hw_good_packets", E1000E_GPRC, false },
	{ "rx_broadcast_packets", E1000E_BPRC, false },
	{ "rx_multicast_packets", E1000E_MPRC, false },
	{ "tx_hw_good_packets", E1000E_GPTC, false },
	{ "rx_hw_good_bytes", E1000E_GORCL, true },
	{ "tx_hw_good_bytes", E1000E_GOTCL, true },
	{ "rx_no_buffer_count", E1000E_RNBC, false },
	{ "rx_undersize_packets", E1000E_RUC, false },
	{ "rx_fragment_packets", E1000E_RFC, false },
	{ "rx_oversize_packets", E1000E_ROC, false },
	{ "rx_jabber_packets", E1000E_RJC, false },
	{ "rx_total_bytes", E1000E_TORL, true },
	{ "tx_total_bytes", E1000E_TOTL, true },
	{ "rx_total_packets", E1000E_TPR, false },
	{ "tx_total_packets", E1000E_TPT, false },
	{ "tx_size_64_packets", E1000E_PTC64, false },
	{ "tx_size_65_to_127_packets", E1000E_PTC127, false },
	{ "tx_size_128_to_255_packets", E1000E_PTC255, false },
	{ "tx_size_256_to_511_packets", E1000E_PTC511, false },
	{ "tx_size_512_to_1023_packets", E1000E_PTC1023, false },
	{ "tx_size_1024_to_max_packets", E1000E_PTC1522, false },
	{ "tx_multicast_packets", E1000E_MPTC, false },
	{ "tx_broadcast_packets", E1000E_BPTC, false },
	{ "interrupt_assertions", E1000E_IAC, false },
};
const unsigned int e1000e_nb_hw_stats = VDK_DIM(e1000e_hw_stats);

/* The driver's own counters, after the hardware's in the xstats list. */
static const char *const e1000e_sw_xstats[] = {
	"lsc_interrupts",
	"rx_bad_desc_length",   /* frames dropped: a descriptor longer than its buffer */
	"rx_oversize_frames",   /* frames dropped: over E1000E_MAX_RX_FRAME or its descriptors */
};
#define E1000E_NB_SW_XSTATS VDK_DIM(e1000e_sw_xstats)

/* ---------------------------------------------------------------------- */
/* Statistics */

/* Fold the clear-on-read registers into the 64-bit totals. */
static void
hw_stats_update(struct e1000e_port *p)
{
	unsigned int i;
	uint64_t v;

	/* A removed device's registers read all ones: the totals stay as they were. */
	if (vdk_pci_dev_is_removed(p->pdev))
		return;
	for (i = 0; i < e1000e_nb_hw_stats; i++) {
		const struct e1000e_hw_stat *s = &e1000e_hw_stats[i];

		/* Low first: reading the high half clears both ("Statistics Registers"). */
		v = e1000e_read(p, s->reg);
		if (s->is64)
			v |= (uint64_t)e1000e_read(p, s->reg + 4) << 32;
		p->hw_totals[i] += v;
	}
}

static uint64_t
hw_total(const struct e1000e_port *p, uint32_t reg)
{
	unsigned int i;

	for (i = 0; i < e1000e_nb_hw_stats; i++)
		if (e1000e_hw_stats[i].reg == reg)
			return p->hw_totals[i];
	return 0;
}

static int
e1000e_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct e1000e_port *p = e1000e_port(dev);
	struct e1000e_rxq *rxq;
	struct e1000e_txq *txq;
	uint16_t q;

	pthread_mutex_lock(&p->stats_lock);
	hw_stats_update(p);
	s->imissed = hw_total(p, E1000E_MPC);
	s->ierrors = hw_total(p, E1000E_CRCERRS) + hw_total(p, E1000E_ALGNERRC) +
		     hw_total(p, E1000E_RXERRC) + hw_total(p, E1000E_RLEC);
	s->oerrors = hw_total(p, E1000E_ECOL) + hw_total(p, E1000E_LATECOL);
	pthread_mutex_unlock(&p->stats_lock);
	/* Every queue set up: one not (yet) set up ends nothing. */
	for (q = 0; q < dev->nb_rx_queues; q++) {
		rxq = dev->rx_queues[q];
		if (rxq == NULL)
			continue;
		vdk_eth_stats_add_rxq(s, q, vdk_eth_counter_read(&rxq->pkts),
				      vdk_eth_counter_read(&rxq->bytes),
				      vdk_eth_counter_read(&rxq->errors) +
				      vdk_eth_counter_read(&rxq->bad_len) +
				      vdk_eth_counter_read(&rxq->oversize));
		s->rx_nombuf += vdk_eth_counter_read(&rxq->nombuf);
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		txq = dev->tx_queues[q];
		if (txq != NULL)
			vdk_eth_stats_add_txq(s, q, vdk_eth_counter_read(&txq->pkts),
					      vdk_eth_counter_read(&txq->bytes), 0);
	}
	return 0;
}

static int
e1000e_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
			unsigned int n)
{
	unsigned int i, count = e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS;

	(void)dev;
	if (names == NULL || n < count)
		return (int)count;
	for (i = 0; i < e1000e_nb_hw_stats; i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s", e1000e_hw_stats[i].name);
	for (i = 0; i < E1000E_NB_SW_XSTATS; i++)
		snprintf(names[e1000e_nb_hw_stats + i].name, sizeof(names[0].name), "%s",
			 e1000e_sw_xstats[i]);
	return (int)count;
}

static int
e1000e_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	struct e1000e_port *p = e1000e_port(dev);
	unsigned int count = e1000e_nb_hw_stats + E1000E_NB_SW_XSTATS;
	uint64_t *sw = values + e1000e_nb_hw_stats;
	struct e1000e_rxq *rxq;
	uint16_t q;

	if (values == NULL || n < count)
		return (int)count;
	pthread_mutex_lock(&p->stats_lock);
	hw_stats_update(p);
	memcpy(values, p->hw_totals, e1000e_nb_hw_stats * sizeof(values[0]));
	pthread_mutex_unlock(&p->stats_lock);
	sw[0] = __atomic_load_n(&p->lsc_interrupts, __ATOMIC_RELAXED);
	sw[1] = 0;
	sw[2] = 0;
	for (q = 0; q < dev->nb_rx_queues; q++) {
		rxq = dev->rx_queues[q];
		if (rxq == NULL)
			continue;
		sw[1] += vdk_eth_counter_read(&rxq->bad_len);
		sw[2] += vdk_eth_counter_read(&rxq->oversize);
	}
	return (int)count;
}

/* ---------------------------------------------------------------------- */
/* Reset, MAC address, link */

/* "Interrupts During Initialization": mask every cause, drop pending ones. */
static void
intr_mask_all(struct e1000e_port *p)
{
	e1000e_write(p, E1000E_IMC, 0xffffffffu);
	/* In MSI-X mode ICR is write-1-to-clear, elsewhere clear-on-read: do both. */
	e1000e_write(p, E1000E_ICR, e1000e_read(p, E1000E_ICR));
	p->lsc_armed = false;
}

/*
 * "Global Reset and General Configuration": quiesce DMA, CTRL.RST, wait
 * for the reset and the EEPROM auto-read to finish, then write the
 * registers a reset does not restore (IVAR, EIAC and CTRL_EXT survive it
 * on this device) so nothing from an earlier owner lingers.
 */
static int
hw_reset(struct e1000e_port *p)
{
	int ret;

	intr_mask_all(p);
	e1000e_write(p, E1000E_RCTL, 0);
	e1000e_write(p, E1000E_TCTL, E1000E_TCTL_PSP);
	(void)e1000e_read(p, E1000E_STATUS); /* flush the posted writes */
	/* Let a frame in flight finish before the reset cuts it. */
	vdk_sleep_us(10000);

	vdk_reg_set_flags32(p->bar0, E1000E_CTRL, E1000E_CTRL_RST);
	/* The device does not answer for about 1 ms after RST. */
	vdk_sleep_us(1000);
	ret = vdk_reg_wait32(p->bar0, E1000E_CTRL, E1000E_CTRL_RST, 0, E1000E_RESET_TIMEOUT_US);
	if (ret != 0) {
		E1000E_LOG(ERR, "%s: CTRL.RST did not clear within %u ms: the device is stuck; "
			   "reset the function (write 1 to /sys/bus/pci/devices/%s/reset) or "
			   "reboot", p->pdev->name, E1000E_RESET_TIMEOUT_US / 1000, p->pdev->name);
		return ret;
	}
	ret = vdk_reg_wait32(p->bar0, E1000E_EECD, E1000E_EECD_AUTO_RD, E1000E_EECD_AUTO_RD,
			     E1000E_EEPROM_TIMEOUT_US);
	if (ret != 0)
		E1000E_LOG(WARNING, "%s: EEPROM auto-read not done after reset; going on",
			   p->pdev->name);

	intr_mask_all(p);
	e1000e_write(p, E1000E_IVAR, 0);
	e1000e_write(p, E1000E_EIAC, 0);
	e1000e_write(p, E1000E_IAM, 0);
	e1000e_write(p, E1000E_ITR, 0);
	vdk_reg_clear_flags32(p->bar0, E1000E_CTRL_EXT, E1000E_CTRL_EXT_EIAME |
			      E1000E_CTRL_EXT_IAME | E1000E_CTRL_EXT_PBA_CLR);
	vdk_reg_set_flags32(p->bar0, E1000E_CTRL_EXT, E1000E_CTRL_EXT_DRV_LOAD);
	return 0;
}

/* One EEPROM word through EERD ("EEPROM Read Register"). */
static int
eeprom_read(struct e1000e_port *p, uint16_t word, uint16_t *val)
{
	int ret;

	e1000e_write(p, E1000E_EERD, ((uint32_t)word << E1000E_EERD_ADDR_SHIFT) |
				     E1000E_EERD_START);
	ret = vdk_reg_wait32(p->bar0, E1000E_EERD, E1000E_EERD_DONE, E1000E_EERD_DONE,
			     E1000E_EEPROM_TIMEOUT_US);
	if (ret != 0)
		return ret;
	*val = (uint16_t)(e1000e_read(p, E1000E_EERD) >> E1000E_EERD_DATA_SHIFT);
	return 0;
}

/*
 * The MAC address: RAL0/RAH0, which the device loads from the EEPROM at
 * reset; the EEPROM's first three words if RAH0 is not marked valid.
 */
static int
mac_read(struct e1000e_port *p)
{
	uint32_t ral = e1000e_read(p, E1000E_RAL0), rah = e1000e_read(p, E1000E_RAH0);
	uint8_t *a = p->eth.mac_addr.addr_bytes;
	uint16_t w;
	int i, ret;

	if (rah & E1000E_RAH_AV) {
		for (i = 0; i < 4; i++)
			a[i] = (uint8_t)(ral >> (8 * i));
		a[4] = (uint8_t)rah;
		a[5] = (uint8_t)(rah >> 8);
	} else {
		for (i = 0; i < 3; i++) {
			ret = eeprom_read(p, (uint16_t)i, &w);
			if (ret != 0) {
				E1000E_LOG(ERR, "%s: no valid RAH0 and the EEPROM does not answer: "
					   "no MAC address", p->pdev->name);
				return ret;
			}
			a[2 * i] = (uint8_t)w;
			a[2 * i + 1] = (uint8_t)(w >> 8);
		}
	}
	if (!vdk_is_valid_assigned_ether_addr(&p->eth.mac_addr)) {
		E1000E_LOG(ERR, "%s: the device's MAC address is not a unicast address",
			   p->pdev->name);
		return -EIO;
	}
	return 0;
}

static void
mac_write(struct e1000e_port *p, const struct vdk_ether_addr *mac)
{
	const uint8_t *a = mac->addr_bytes;

	e1000e_write(p, E1000E_RAL0, (uint32_t)a[0] | (uint32_t)a[1] << 8 |
				     (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24);
	e1000e_write(p, E1000E_RAH0, (uint32_t)a[4] | (uint32_t)a[5] << 8 | E1000E_RAH_AV);
}

static int
hw_init(struct e1000e_port *p)
{
	unsigned int i;
	int ret;

	ret = hw_reset(p);
	if (ret != 0)
		return ret;
	ret = mac_read(p);
	if (ret != 0)
		return ret;
	/*
	 * "MAC/PHY Link Setup": the internal copper PHY autonegotiates and the
	 * MAC takes speed and duplex from it; the MAC only has to set link up
	 * and not force anything. No flow control: its registers zero.
	 */
	vdk_reg_clear_flags32(p->bar0, E1000E_CTRL, E1000E_CTRL_FRCSPD | E1000E_CTRL_FRCDPLX |
			      E1000E_CTRL_PHY_RST | E1000E_CTRL_RFCE | E1000E_CTRL_TFCE |
			      E1000E_CTRL_VME);
	vdk_reg_set_flags32(p->bar0, E1000E_CTRL, E1000E_CTRL_SLU);
	e1000e_write(p, E1000E_FCAL, 0);
	e1000e_write(p, E1000E_FCAH, 0);
	e1000e_write(p, E1000E_FCT, 0);
	e1000e_write(p, E1000E_FCTTV, 0);
	/* The multicast table array has no reset value. */
	for (i = 0; i < E1000E_MTA_SIZE; i++)
		e1000e_write(p, E1000E_MTA + 4 * i, 0);
	/* "Initialization of Statistics": reading clears them; count from here. */
	hw_stats_update(p);
	memset(p->hw_totals, 0, e1000e_nb_hw_stats * sizeof(p->hw_totals[0]));
	return 0;
}

static void
link_read(struct e1000e_port *p, struct vdk_eth_link *link)
{
	uint32_t status = e1000e_read(p, E1000E_STATUS);
	static const uint32_t speeds[] = { VDK_ETH_SPEED_NUM_10M, VDK_ETH_SPEED_NUM_100M,
					   VDK_ETH_SPEED_NUM_1G, VDK_ETH_SPEED_NUM_1G };

	memset(link, 0, sizeof(*link));
	link->link_status = (status & E1000E_STATUS_LU) ? VDK_ETH_LINK_UP : VDK_ETH_LINK_DOWN;
	link->link_autoneg = 1;
	if (link->link_status == VDK_ETH_LINK_UP) {
		link->link_speed = speeds[(status & E1000E_STATUS_SPEED_MASK) >>
					  E1000E_STATUS_SPEED_SHIFT];
		link->link_duplex = (status & E1000E_STATUS_FD) ? VDK_ETH_LINK_FULL_DUPLEX
								: VDK_ETH_LINK_HALF_DUPLEX;
	}
}

/* STATUS.LU, waiting for autonegotiation if asked to. */
static int
e1000e_link_update(struct vdk_eth_dev *dev, int wait)
{
	struct e1000e_port *p = e1000e_port(dev);
	struct vdk_deadline deadline = vdk_deadline_in_us(E1000E_LINK_WAIT_US);
	struct vdk_eth_link link;

	for (;;) {
		link_read(p, &link);
		if (!wait || link.link_status == VDK_ETH_LINK_UP || vdk_deadline_passed(deadline))
			break;
		vdk_sleep_us(10000);
	}
	vdk_eth_dev_link_set(dev, &link);
	return 0;
}

/*
 * Vector 0 carries the "other" cause, which link changes raise. In MSI-X
 * mode ICR does not clear on read: write the causes back, or the device
 * never signals again.
 */
static void
e1000e_intr_handler(struct vdk_pci_device *pdev, unsigned int vector, void *arg)
{
	struct e1000e_port *p = arg;
	uint32_t icr = e1000e_read(p, E1000E_ICR);

	(void)pdev;
	(void)vector;
	e1000e_write(p, E1000E_ICR, icr);
	__atomic_fetch_add(&p->lsc_interrupts, 1, __ATOMIC_RELAXED);
	if (icr & E1000E_ICR_LSC)
		e1000e_link_update(&p->eth, 0);
	if (__atomic_load_n(&p->lsc_armed, __ATOMIC_RELAXED))
		e1000e_write(p, E1000E_IMS, E1000E_ICR_LSC | E1000E_ICR_OTHER);
}

/* MSI-X vector 0 for link changes, if the device and VFIO give us one. */
static void
intr_setup(struct e1000e_port *p)
{
	int ret = vdk_intr_enable(p->pdev, VDK_INTR_MODE_MSIX, 1);

	if (ret == 0)
		ret = vdk_intr_callback_register(p->pdev, 0, e1000e_intr_handler, p);
	if (ret != 0) {
		E1000E_LOG(WARNING, "%s: no MSI-X vector for link interrupts (%s): link changes "
			   "are seen only when the link is read", p->pdev->name, strerror(-ret));
		vdk_intr_disable(p->pdev);
		return;
	}
	p->intr_ok = true;
}

/* ---------------------------------------------------------------------- */
/* ethdev ops */

static int
e1000e_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	(void)dev;
	info->max_rx_queues = E1000E_NB_QUEUES;
	info->max_tx_queues = E1000E_NB_QUEUES;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = E1000E_MAX_DESC,
		.nb_min = E1000E_MIN_DESC, .nb_align = E1000E_RING_ALIGN_DESC };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = E1000E_DEFAULT_DESC;
	info->default_tx_ring_size = E1000E_DEFAULT_DESC;
	info->default_burst_size = 32;
	info->min_rx_bufsize = E1000E_MIN_BUF;
	info->max_rx_pktlen = E1000E_MAX_RX_FRAME;
	info->min_mtu = 68; /* IPv4's minimum */
	info->max_mtu = VDK_ETHER_MTU;
	info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->speed_capa = VDK_ETH_SPEED_NUM_1G;
	return 0;
}

static int
e1000e_configure(struct vdk_eth_dev *dev)
{
	struct e1000e_port *p = e1000e_port(dev);

	if (dev->conf.lsc_intr && !p->intr_ok) {
		E1000E_LOG(ERR, "%s: link-change interrupts asked for, but the device has no "
			   "MSI-X vector for them (see the probe message): configure without "
			   "lsc_intr and poll the link", p->pdev->name);
		return -ENOTSUP;
	}
	e1000e_rss_reset(p);
	return 0;
}

/* Receive filter bits of RCTL for the port's modes. */
static uint32_t
rctl_filters(const struct vdk_eth_dev *dev, bool promisc, bool allmulti)
{
	(void)dev;
	return (promisc ? E1000E_RCTL_UPE | E1000E_RCTL_MPE : 0) |
	       (allmulti ? E1000E_RCTL_MPE : 0);
}

static void
rctl_set_filters(struct e1000e_port *p, bool promisc, bool allmulti)
{
	vdk_reg_clear_flags32(p->bar0, E1000E_RCTL, E1000E_RCTL_UPE | E1000E_RCTL_MPE);
	vdk_reg_set_flags32(p->bar0, E1000E_RCTL, rctl_filters(&p->eth, promisc, allmulti));
}

/*
 * RXDCTL/TXDCTL: no prefetch or host thresholds, and a write-back
 * threshold of one descriptor (counted in descriptors, GRAN), so each
 * status reaches memory at once.
 */
static void
desc_ctl_write_back_at_once(struct e1000e_port *p, uint32_t reg)
{
	vdk_reg_clear_flags32(p->bar0, reg, E1000E_DCTL_THRESH_MASK);
	vdk_reg_set_flags32(p->bar0, reg, E1000E_DCTL_GRAN | (1u << E1000E_DCTL_WTHRESH_SHIFT));
}

static int
e1000e_start(struct vdk_eth_dev *dev)
{
	struct e1000e_port *p = e1000e_port(dev);
	struct e1000e_rxq *rxq = dev->nb_rx_queues ? dev->rx_queues[0] : NULL;
	struct e1000e_txq *txq = dev->nb_tx_queues ? dev->tx_queues[0] : NULL;
	uint32_t rctl, bsize;
	uint16_t q;
	int ret;

	vdk_pci_set_bus_master(p->pdev, 1);
	/* "Transmit Initialization" */
	for (q = 0; q < dev->nb_tx_queues; q++) {
		e1000e_txq_start(p, dev->tx_queues[q]);
		desc_ctl_write_back_at_once(p, E1000E_QREG(E1000E_TXDCTL, q));
	}
	if (txq != NULL) {
		e1000e_write(p, E1000E_TIDV, 0);
		e1000e_write(p, E1000E_TADV, 0);
		e1000e_write(p, E1000E_TIPG, E1000E_TIPG_DEFAULT);
		e1000e_write(p, E1000E_TCTL, E1000E_TCTL_EN | E1000E_TCTL_PSP | E1000E_TCTL_RTLC |
					     (0x0fu << E1000E_TCTL_CT_SHIFT) |
					     (0x3fu << E1000E_TCTL_COLD_SHIFT));
	}
	/* "Receive Initialization" */
	for (q = 0; q < dev->nb_rx_queues; q++) {
		ret = e1000e_rxq_start(p, dev->rx_queues[q]);
		if (ret != 0)
			goto stop_rx;
		desc_ctl_write_back_at_once(p, E1000E_QREG(E1000E_RXDCTL, q));
	}
	if (rxq != NULL) {
		/* No interrupt delays: nothing waits for rx interrupts. */
		e1000e_write(p, E1000E_RDTR, 0);
		e1000e_write(p, E1000E_RADV, 0);
		e1000e_rss_start(p);
		bsize = rxq->buf_size == 2048 ? 0 : rxq->buf_size == 1024 ? 1 :
			rxq->buf_size == 512 ? 2 : 3;
		/* Strip the CRC, so lengths and buffers are the frame's. */
		rctl = E1000E_RCTL_EN | E1000E_RCTL_BAM | E1000E_RCTL_SECRC |
		       E1000E_RCTL_RDMTS_HALF | (bsize << E1000E_RCTL_BSIZE_SHIFT) |
		       rctl_filters(dev, dev->promiscuous, dev->all_multicast);
		e1000e_write(p, E1000E_RCTL, rctl);
	}
	if (dev->conf.lsc_intr && p->intr_ok) {
		/* Route "other" (link changes) to vector 0, then unmask it. */
		e1000e_write(p, E1000E_IVAR, (E1000E_IVAR_VALID | 0u) << E1000E_IVAR_OTHER_SHIFT);
		e1000e_write(p, E1000E_ICR, 0xffffffffu);
		__atomic_store_n(&p->lsc_armed, true, __ATOMIC_RELAXED);
		e1000e_write(p, E1000E_IMS, E1000E_ICR_LSC | E1000E_ICR_OTHER);
	}
	return 0;

stop_rx:
	while (q-- > 0)
		e1000e_rxq_stop(dev->rx_queues[q]);
	e1000e_write(p, E1000E_TCTL, E1000E_TCTL_PSP);
	for (q = 0; q < dev->nb_tx_queues; q++)
		e1000e_txq_stop(dev->tx_queues[q]);
	return ret;
}

static int
e1000e_stop(struct vdk_eth_dev *dev)
{
	struct e1000e_port *p = e1000e_port(dev);
	struct e1000e_txq *txq;
	uint32_t tdh, tdt;
	uint16_t q;

	/* Gone: no frame is in flight and nothing would answer the waits below. */
	if (vdk_pci_dev_is_removed(p->pdev))
		goto stop_queues;
	intr_mask_all(p);
	vdk_reg_clear_flags32(p->bar0, E1000E_RCTL, E1000E_RCTL_EN);
	/* Let queued frames leave before the transmitter stops. */
	for (q = 0; q < dev->nb_tx_queues; q++) {
		txq = dev->tx_queues[q];
		tdh = E1000E_QREG(E1000E_TDH, q);
		tdt = E1000E_QREG(E1000E_TDT, q);
		if (vdk_reg_wait32(p->bar0, tdh, 0xffffu, e1000e_read(p, tdt),
				   E1000E_TX_DRAIN_TIMEOUT_US) != 0)
			E1000E_LOG(WARNING, "%s: tx queue %u not drained at stop: %u frames "
				   "dropped", p->pdev->name, q,
				   (e1000e_read(p, tdt) - e1000e_read(p, tdh)) % txq->nb_desc);
	}
	e1000e_write(p, E1000E_TCTL, E1000E_TCTL_PSP);
	(void)e1000e_read(p, E1000E_STATUS);
	/* A frame the receiver was writing completes before its buffer goes. */
	vdk_sleep_us(1000);
stop_queues:
	for (q = 0; q < dev->nb_rx_queues; q++)
		e1000e_rxq_stop(dev->rx_queues[q]);
	for (q = 0; q < dev->nb_tx_queues; q++)
		e1000e_txq_stop(dev->tx_queues[q]);
	return 0;
}

static void
port_free(struct e1000e_port *p)
{
	pthread_mutex_destroy(&p->stats_lock);
	free(p->hw_totals);
	free(p);
}

/*
 * The port is closed: reset the device, so that it does no more DMA into
 * memory VDK may reuse (ethdev released the queues, and freed their rings,
 * just before; the stop had cleared RCTL.EN and TCTL.EN), give up the
 * interrupt and the device's driver_data. The PCI device stays claimed
 * until it is detached (vdk_pci_dev_detach).
 */
static void
e1000e_close(struct vdk_eth_dev *dev)
{
	struct e1000e_port *p = e1000e_port(dev);

	if (p->intr_ok)
		vdk_intr_disable(p->pdev);
	/* A removed device does no DMA, and its reset would only time out. */
	if (!vdk_pci_dev_is_removed(p->pdev)) {
		(void)hw_reset(p);
		vdk_pci_set_bus_master(p->pdev, 0);
	}
	p->pdev->driver_data = NULL;
	port_free(p);
}

static int
e1000e_reset(struct vdk_eth_dev *dev)
{
	return hw_init(e1000e_port(dev));
}

static int
e1000e_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **rxq)
{
	struct e1000e_port *p = e1000e_port(dev);
	struct e1000e_rxq *q;
	int ret;

	ret = e1000e_rxq_create(p, qid, nb_desc, socket_id, conf, mp, &q);
	if (ret != 0)
		return ret;
	*rxq = q;
	return 0;
}

static void
e1000e_rx_queue_release(struct vdk_eth_dev *dev, void *rxq)
{
	(void)dev;
	e1000e_rxq_free(rxq);
}

static int
e1000e_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_txconf *conf, void **txq)
{
	struct e1000e_txq *q;
	int ret;

	ret = e1000e_txq_create(e1000e_port(dev), qid, nb_desc, socket_id, conf, &q);
	if (ret != 0)
		return ret;
	*txq = q;
	return 0;
}

static void
e1000e_tx_queue_release(struct vdk_eth_dev *dev, void *txq)
{
	(void)dev;
	e1000e_txq_free(txq);
}

/*
 * "Receive Control Register" (§10.2.5.1): UPE takes every unicast frame,
 * MPE every multicast one.
 */
static int
e1000e_promisc_enable(struct vdk_eth_dev *dev)
{
	rctl_set_filters(e1000e_port(dev), true, dev->all_multicast);
	return 0;
}

static int
e1000e_promisc_disable(struct vdk_eth_dev *dev)
{
	rctl_set_filters(e1000e_port(dev), false, dev->all_multicast);
	return 0;
}

static int
e1000e_allmulti_enable(struct vdk_eth_dev *dev)
{
	rctl_set_filters(e1000e_port(dev), dev->promiscuous, true);
	return 0;
}

static int
e1000e_allmulti_disable(struct vdk_eth_dev *dev)
{
	rctl_set_filters(e1000e_port(dev), dev->promiscuous, false);
	return 0;
}

static int
e1000e_mac_addr_set(struct vdk_eth_dev *dev, const struct vdk_ether_addr *mac)
{
	mac_write(e1000e_port(dev), mac);
	return 0;
}

static const struct vdk_eth_dev_ops e1000e_ops = {
	.dev_infos_get = e1000e_infos_get,
	.dev_configure = e1000e_configure,
	.dev_start = e1000e_start,
	.dev_stop = e1000e_stop,
	.dev_close = e1000e_close,
	.dev_reset = e1000e_reset,
	.rx_queue_setup = e1000e_rx_queue_setup,
	.rx_queue_release = e1000e_rx_queue_release,
	.tx_queue_setup = e1000e_tx_queue_setup,
	.tx_queue_release = e1000e_tx_queue_release,
	.link_update = e1000e_link_update,
	.stats_get = e1000e_stats_get,
	.xstats_get_names = e1000e_xstats_get_names,
	.xstats_get = e1000e_xstats_get,
	.promiscuous_enable = e1000e_promisc_enable,
	.promiscuous_disable = e1000e_promisc_disable,
	.allmulticast_enable = e1000e_allmulti_enable,
	.allmulticast_disable = e1000e_allmulti_disable,
	.mac_addr_set = e1000e_mac_addr_set,
};

/* ---------------------------------------------------------------------- */
/* PCI driver */

/* The bus's own key (driver=NAME picks the driver, doc/pci.md) is the only one it takes. */
static bool
only_bus_args(const char *args)
{
	return args == NULL || args[0] == '\0' ||
	       (strncmp(args, "driver=", 7) == 0 && strchr(args, ',') == NULL);
}

static int
e1000e_probe(struct vdk_pci_device *pdev)
{
	struct e1000e_port *p;
	size_t bar_len;
	int ret;

	if (!only_bus_args(pdev->devargs)) {
		E1000E_LOG(ERR, "%s: net_e1000e takes no device arguments, got '%s'",
			   pdev->name, pdev->devargs);
		return -EINVAL;
	}
	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->hw_totals = calloc(e1000e_nb_hw_stats, sizeof(p->hw_totals[0]));
	if (p->hw_totals == NULL) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->stats_lock, NULL);
	p->pdev = pdev;
	ret = vdk_pci_map_bar(pdev, 0, &p->bar0, &bar_len);
	if (ret != 0) {
		E1000E_LOG(ERR, "%s: cannot map BAR0 (the registers): %s", pdev->name,
			   strerror(-ret));
		goto free_port;
	}
	if (bar_len < E1000E_RAH0 + 4) {
		E1000E_LOG(ERR, "%s: BAR0 is %zu bytes, too small for an 82574L", pdev->name,
			   bar_len);
		ret = -EIO;
		goto free_port;
	}
	ret = vdk_pci_set_bus_master(pdev, 1);
	if (ret != 0) {
		E1000E_LOG(ERR, "%s: cannot enable bus mastering: %s", pdev->name, strerror(-ret));
		goto free_port;
	}
	ret = hw_init(p);
	if (ret != 0)
		goto bus_master_off;
	intr_setup(p);

	p->eth.ops = &e1000e_ops;
	p->eth.driver_name = "net_e1000e";
	p->eth.rx_burst = e1000e_rx_burst;
	p->eth.tx_burst = e1000e_tx_burst;
	ret = vdk_eth_dev_pci_attach(&p->eth, pdev, p, "link %s",
				     (e1000e_read(p, E1000E_STATUS) & E1000E_STATUS_LU) ? "up"
											: "down");
	if (ret < 0)
		goto intr_off;
	vdk_eth_dev_rss_ops_set(&p->eth, &e1000e_rss_ops);
	return 0;

intr_off:
	if (p->intr_ok)
		vdk_intr_disable(pdev);
bus_master_off:
	vdk_pci_set_bus_master(pdev, 0);
free_port:
	port_free(p);
	/* -ENODEV from a bus call would only decline the device: this is a failure. */
	return ret == -ENODEV ? -EIO : ret;
}

static int
e1000e_remove(struct vdk_pci_device *pdev)
{
	struct e1000e_port *p = pdev->driver_data;

	/* Closed already through ethdev: nothing is left. */
	if (p == NULL)
		return 0;
	return vdk_eth_dev_close(p->eth.port_id);
}

static const struct vdk_pci_id e1000e_ids[] = {
	{ VDK_PCI_DEVICE(0x8086, 0x10d3) }, /* 82574L */
	{ .vendor_id = 0 },
};

static const struct vdk_pci_driver e1000e_driver = {
	.name = "net_e1000e",
	.id_table = e1000e_ids,
	.probe = e1000e_probe,
	.remove = e1000e_remove,
};

VDK_PCI_DRIVER_REGISTER(e1000e_driver)
