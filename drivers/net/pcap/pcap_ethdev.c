/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_pcap: a port over libpcap, with DPDK's devargs.
 *
 *   --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap     replay, record
 *   --vdev net_pcap0,rx_pcap=in.pcap,infinite_rx=1        replay in a loop
 *   --vdev net_pcap0,iface=eth0                           a live interface
 *   --vdev net_pcap0,rx_iface_in=eth0,tx_iface=eth1       (also rx_iface=)
 *
 * One rx queue and one tx queue. A port with no receive source receives
 * nothing; one with no sink takes what it is given and frees it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_internal.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

#define PCAP_LOG(level, fmt, ...) VDK_LOG(level, NET, "pcap: " fmt, ##__VA_ARGS__)

/* Most bytes infinite_rx keeps in memory: a bigger capture is refused, not swapped. */
#define PCAP_REPLAY_MAX_BYTES (1ull << 30)

struct pcap_port {
	struct vdk_eth_vport vp;
	char rx_name[256];		/* the file or interface, for messages and info */
	struct pcap_rxq rxq;
	struct pcap_txq txq;
	pcap_t *dead;			/* the handle tx_pcap's dumper writes through */
	bool rx_live;
	bool same_handle;		/* iface=: rx and tx share one live handle */
	uint64_t live_drops;		/* pcap_stats() of a live rx handle */
};

static struct pcap_port *
to_pcap(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct pcap_port, vp.eth);
}

static int
pcap_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct pcap_port *p = to_pcap(dev);

	info->if_name = p->rx_live ? p->rx_name : NULL;
	info->max_rx_queues = p->vp.nb_rxq;
	info->max_tx_queues = p->vp.nb_txq;
	/* libpcap holds the frames: descriptor counts mean nothing here. */
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = UINT16_MAX, .nb_min = 1,
						       .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = 1024;
	info->default_tx_ring_size = 1024;
	info->default_burst_size = 32;
	info->max_rx_pktlen = PCAP_PORT_SNAPLEN;
	info->min_mtu = 68;
	info->max_mtu = PCAP_PORT_SNAPLEN - VDK_ETHER_HDR_LEN;
	info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

/* Stopped: what was written reaches the file, so a reader sees every frame. */
static int
pcap_stop(struct vdk_eth_dev *dev)
{
	struct pcap_port *p = to_pcap(dev);

	if (p->txq.dumper != NULL && pcap_dump_flush(p->txq.dumper) != 0) {
		PCAP_LOG(ERR, "%s: cannot write the tx capture file: %s", dev->name,
			 strerror(errno));
		return -EIO;
	}
	return 0;
}

static void
replay_free(struct pcap_replay *r)
{
	if (r == NULL)
		return;
	free(r->data);
	free(r->off);
	free(r->len);
	free(r);
}

static void
pcap_port_free(struct pcap_port *p)
{
	if (p->txq.dumper != NULL)
		pcap_dump_close(p->txq.dumper);
	if (p->dead != NULL)
		pcap_close(p->dead);
	if (p->txq.live != NULL && !p->same_handle)
		pcap_close(p->txq.live);
	if (p->rxq.pcap != NULL)
		pcap_close(p->rxq.pcap);
	replay_free(p->rxq.replay);
	free(p->txq.linear);
	free(p);
}

static void
pcap_port_close(struct vdk_eth_dev *dev)
{
	pcap_port_free(to_pcap(dev));
}

static int
pcap_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct pcap_port *p = to_pcap(dev);
	struct pcap_stat ps;

	/* libpcap's counts run from activation: they are totals already. */
	if (p->rx_live && pcap_stats(p->rxq.pcap, &ps) == 0)
		p->live_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	s->imissed = p->live_drops;
	return vdk_eth_vport_stats_get(dev, s);
}

static int
pcap_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
		      unsigned int n)
{
	(void)dev;
	if (names != NULL && n >= 1)
		snprintf(names[0].name, sizeof(names[0].name), "tx_discarded");
	return 1;
}

static int
pcap_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	if (n >= 1)
		values[0] = vdk_eth_vport_txq_sum(dev, offsetof(struct pcap_txq, discarded));
	return 1;
}

static const struct vdk_eth_dev_ops pcap_ops = {
	.dev_infos_get = pcap_infos_get,
	.dev_configure = vdk_eth_dev_op_accept,
	.dev_start = vdk_eth_dev_op_accept,
	.dev_stop = pcap_stop,
	.dev_close = pcap_port_close,
	.rx_queue_setup = vdk_eth_vport_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = vdk_eth_vport_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = vdk_eth_dev_link_update_virtual,
	.stats_get = pcap_stats_get,
	.xstats_get_names = pcap_xstats_get_names,
	.xstats_get = pcap_xstats_get,
	.promiscuous_enable = vdk_eth_dev_op_accept,
	.promiscuous_disable = vdk_eth_dev_op_accept,
	.allmulticast_enable = vdk_eth_dev_op_accept,
	.allmulticast_disable = vdk_eth_dev_op_accept,
	.mac_addr_set = vdk_eth_dev_mac_addr_accept,
	.mtu_set = vdk_eth_dev_mtu_accept,
};

/*
 * The kernel ring libpcap maps for a live interface. Its 2 MiB default
 * holds only a few dozen frames (immediate mode makes a slot a frame at
 * snapshot length), so an lcore descheduled for a few ms loses packets.
 */
#define PCAP_LIVE_BUFFER (32 << 20)

/* An interface opened for capture and injection, non-blocking. */
static pcap_t *
live_open(const char *name, const char *iface, bool in_only)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(iface, err);
	int ret;

	if (pc == NULL)
		goto fail;
	/* Immediate: a frame is handed over when it arrives, not when a block fills. */
	if (pcap_set_snaplen(pc, PCAP_PORT_SNAPLEN) != 0 || pcap_set_promisc(pc, 1) != 0 ||
	    pcap_set_immediate_mode(pc, 1) != 0 ||
	    pcap_set_buffer_size(pc, PCAP_LIVE_BUFFER) != 0)
		goto fail_close;
	ret = pcap_activate(pc);
	if (ret < 0) {
		snprintf(err, sizeof(err), "%s%s", pcap_geterr(pc),
			 ret == PCAP_ERROR_PERM_DENIED ? " (needs CAP_NET_RAW: run as root)" :
			 ret == PCAP_ERROR_NO_SUCH_DEVICE ? " (no such interface here)" :
			 ret == PCAP_ERROR_IFACE_NOT_UP ? " (bring it up: ip link set IF up)" : "");
		goto fail_close;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		snprintf(err, sizeof(err), "not an Ethernet interface");
		goto fail_close;
	}
	if (pcap_setnonblock(pc, 1, err) != 0)
		goto fail_close;
	/* Without it a port on iface= would receive its own transmissions again. */
	if (in_only && pcap_setdirection(pc, PCAP_D_IN) != 0) {
		snprintf(err, sizeof(err), "%s", pcap_geterr(pc));
		goto fail_close;
	}
	return pc;
fail_close:
	if (err[0] == '\0')
		snprintf(err, sizeof(err), "%s", pcap_geterr(pc));
	pcap_close(pc);
fail:
	PCAP_LOG(ERR, "%s: cannot open interface %s: %s", name, iface, err);
	return NULL;
}

static pcap_t *
file_open(const char *name, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							      err);

	if (pc == NULL) {
		PCAP_LOG(ERR, "%s: cannot read capture file %s: %s", name, path, err);
		return NULL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		PCAP_LOG(ERR, "%s: %s holds %s frames; the port replays Ethernet only", name,
			 path, pcap_datalink_val_to_name(pcap_datalink(pc)));
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

/* Read the whole of @pc into memory, for infinite_rx. */
static int
replay_load(const char *name, const char *path, pcap_t *pc, struct pcap_replay **out)
{
	struct pcap_replay *r = calloc(1, sizeof(*r));
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t used = 0, cap = 0, slots = 0;
	void *grown;
	int ret;

	if (r == NULL)
		return -ENOMEM;
	while ((ret = pcap_next_ex(pc, &h, &data)) == 1) {
		if (used + h->caplen > PCAP_REPLAY_MAX_BYTES) {
			PCAP_LOG(ERR, "%s: %s is over %llu MiB: too big to replay from memory "
				 "(drop infinite_rx=1 to stream it once)", name, path,
				 PCAP_REPLAY_MAX_BYTES >> 20);
			ret = -EFBIG;
			goto fail;
		}
		if (used + h->caplen > cap) {
			cap = VDK_MAX(2 * cap, used + h->caplen + 65536);
			grown = realloc(r->data, cap);
			if (grown == NULL)
				goto nomem;
			r->data = grown;
		}
		if (r->nb == slots) {
			slots = slots ? 2 * slots : 1024;
			grown = realloc(r->off, slots * sizeof(*r->off));
			if (grown == NULL)
				goto nomem;
			r->off = grown;
			grown = realloc(r->len, slots * sizeof(*r->len));
			if (grown == NULL)
				goto nomem;
			r->len = grown;
		}
		memcpy(r->data + used, data, h->caplen);
		r->off[r->nb] = (uint32_t)used;
		r->len[r->nb] = h->caplen;
		r->nb++;
		used += h->caplen;
	}
	if (ret != PCAP_ERROR_BREAK) {
		PCAP_LOG(ERR, "%s: cannot read %s: %s", name, path, pcap_geterr(pc));
		ret = -EIO;
		goto fail;
	}
	if (r->nb == 0) {
		PCAP_LOG(ERR, "%s: %s has no frames: nothing for infinite_rx to replay", name, path);
		ret = -EINVAL;
		goto fail;
	}
	*out = r;
	return 0;
nomem:
	ret = -ENOMEM;
fail:
	replay_free(r);
	return ret;
}

static const char *const pcap_args[] = {
	"rx_pcap", "tx_pcap", "rx_iface", "rx_iface_in", "tx_iface", "iface", "infinite_rx", NULL,
};
static const char pcap_help[] = "rx_pcap=<file>,tx_pcap=<file>,rx_iface=<if>,rx_iface_in=<if>,"
				"tx_iface=<if>,iface=<if>,infinite_rx=0|1";

/* The value of @key into @val; 1 if given, 0 if not, -EINVAL if empty or too long. */
static int
arg_str(const char *name, const char *args, const char *key, char *val, size_t len)
{
	int ret = vdk_devargs_get(args, key, val, len);

	if (ret == -ENOENT)
		return 0;
	if (ret == 0 && val[0] != '\0')
		return 1;
	PCAP_LOG(ERR, "%s: %s: %s", name, key,
		 ret == -ENOSPC ? "value too long" : "give a value (key=value)");
	return -EINVAL;
}

/* Open what the arguments name. */
static int
pcap_port_open(struct pcap_port *p, const char *name, const char *args)
{
	char rx_pcap[256], tx_pcap[256], rx_if[64], rx_if_in[64], tx_if[64], iface[64];
	char err[PCAP_ERRBUF_SIZE];
	int has_rxf, has_txf, has_rxi, has_rxin, has_txi, has_if, nb_rx;
	uint32_t infinite = 0;

	has_rxf = arg_str(name, args, "rx_pcap", rx_pcap, sizeof(rx_pcap));
	has_txf = arg_str(name, args, "tx_pcap", tx_pcap, sizeof(tx_pcap));
	has_rxi = arg_str(name, args, "rx_iface", rx_if, sizeof(rx_if));
	has_rxin = arg_str(name, args, "rx_iface_in", rx_if_in, sizeof(rx_if_in));
	has_txi = arg_str(name, args, "tx_iface", tx_if, sizeof(tx_if));
	has_if = arg_str(name, args, "iface", iface, sizeof(iface));
	if (has_rxf < 0 || has_txf < 0 || has_rxi < 0 || has_rxin < 0 || has_txi < 0 ||
	    has_if < 0 || vdk_devargs_get_uint(args, "infinite_rx", 0, 1, &infinite) != 0)
		return -EINVAL;
	nb_rx = has_rxf + has_rxi + has_rxin + has_if;
	if (nb_rx > 1 || (has_if && has_txf + has_txi > 0) || has_txf + has_txi > 1) {
		PCAP_LOG(ERR, "%s: one receive source (rx_pcap, rx_iface, rx_iface_in or iface) "
			 "and one sink (tx_pcap, tx_iface, or iface for both) a port", name);
		return -EINVAL;
	}
	if (infinite && !has_rxf) {
		PCAP_LOG(ERR, "%s: infinite_rx=1 replays a file: give rx_pcap=<file>", name);
		return -EINVAL;
	}
	if (has_rxf) {
		snprintf(p->rx_name, sizeof(p->rx_name), "%s", rx_pcap);
		p->rxq.pcap = file_open(name, rx_pcap);
		if (p->rxq.pcap == NULL)
			return -EINVAL;
		if (infinite) {
			int ret = replay_load(name, rx_pcap, p->rxq.pcap, &p->rxq.replay);

			if (ret != 0)
				return ret;
			PCAP_LOG(INFO, "%s: replaying %u frames of %s in a loop", name,
				 p->rxq.replay->nb, rx_pcap);
		}
	} else if (nb_rx == 1) {
		const char *ifn = has_rxi ? rx_if : has_rxin ? rx_if_in : iface;

		snprintf(p->rx_name, sizeof(p->rx_name), "%s", ifn);
		p->rxq.pcap = live_open(name, ifn, !has_rxi);
		if (p->rxq.pcap == NULL)
			return -ENODEV;
		p->rx_live = true;
	}
	if (has_if) {
		p->txq.live = p->rxq.pcap;
		p->same_handle = true;
	} else if (has_txi) {
		p->txq.live = live_open(name, tx_if, false);
		if (p->txq.live == NULL)
			return -ENODEV;
	} else if (has_txf) {
		p->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, PCAP_PORT_SNAPLEN,
							       PCAP_TSTAMP_PRECISION_NANO);
		if (p->dead == NULL)
			return -ENOMEM;
		p->txq.dumper = pcap_dump_open(p->dead, tx_pcap);
		if (p->txq.dumper == NULL) {
			snprintf(err, sizeof(err), "%s", pcap_geterr(p->dead));
			PCAP_LOG(ERR, "%s: cannot write capture file %s: %s", name, tx_pcap, err);
			return -EACCES;
		}
	}
	return 0;
}

static int
pcap_probe(const char *name, const char *args)
{
	static uint8_t mac_seq;
	struct pcap_port *p;
	int ret;

	ret = vdk_vdev_args_check(name, args, pcap_args, pcap_help);
	if (ret != 0)
		return ret;
	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->txq.linear = malloc(PCAP_PORT_SNAPLEN);
	if (p->txq.linear == NULL) {
		ret = -ENOMEM;
		goto free_port;
	}
	ret = pcap_port_open(p, name, args);
	if (ret != 0)
		goto free_port;
	p->vp.eth.ops = &pcap_ops;
	p->vp.eth.driver_name = "net_pcap";
	p->vp.eth.rx_burst = pcap_port_rx_burst;
	p->vp.eth.tx_burst = pcap_port_tx_burst;
	p->vp.eth.socket_id = VDK_SOCKET_ID_ANY;
	/* Locally administered, "pcap" in its middle bytes, as DPDK's port has. */
	p->vp.eth.mac_addr = (struct vdk_ether_addr){ { 0x02, 'p', 'c', 'a', 'p', mac_seq++ } };
	/* One rx queue and one tx queue. */
	ret = vdk_eth_vport_queues_set(&p->vp, &p->rxq, sizeof(p->rxq), 1, &p->txq,
				       sizeof(p->txq), 1);
	if (ret == 0)
		ret = vdk_eth_dev_attach(&p->vp.eth, name);
	if (ret < 0)
		goto free_port;
	return 0;
free_port:
	pcap_port_free(p);
	return ret;
}

static const struct vdk_vdev_driver pcap_driver = {
	.name = "net_pcap",
	.probe = pcap_probe,
	.remove = vdk_eth_dev_vdev_remove,
	.args_help = pcap_help,
};

VDK_VDEV_REGISTER(pcap_driver)
