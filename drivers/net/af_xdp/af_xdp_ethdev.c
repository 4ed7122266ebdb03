/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_xdp: a port on any kernel network interface through AF_XDP
 * sockets, made with libxdp (which loads and shares the XDP program that
 * steers each rx queue to its socket) over libbpf. DPDK's devargs:
 *
 *   --vdev net_af_xdp0,iface=IF[,start_queue=Q][,queue_count=N]
 *          [,busy_budget=B][,force_copy=0|1]
 *
 * Queue pair i is one socket bound to the interface's queue Q + i, open
 * from start to stop, with a UMEM of its own over the memory of its rx
 * queue's mbuf pool: the kernel receives into the pool's mbufs and sends
 * from them, and VDK copies no frame (af_xdp_rxtx.c). The kernel decides
 * zero-copy or copy mode per queue (copy on veth and on drivers without
 * AF_XDP support); the log says which.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "af_xdp_internal.h"
#include "vdk_eal.h"
#include "vdk_vdev.h"

#define AXDP_LOG(level, fmt, ...) VDK_LOG(level, NET, "af_xdp: " fmt, ##__VA_ARGS__)

#define AXDP_DEFAULT_BUSY_BUDGET 64

/* The name of the program libxdp loads for AF_XDP sockets: ours, or another VDK port's. */
#define XSK_PROG_NAME "xsk_def_prog"

static struct axdp_port *
to_axdp(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct axdp_port, vp.eth);
}

static int
if_ioctl(struct axdp_port *p, unsigned long req, struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", p->iface);
	return ioctl(p->ctl_fd, req, ifr) < 0 ? -errno : 0;
}

static int
if_flags(struct axdp_port *p, unsigned int bits, bool on)
{
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ret = if_ioctl(p, SIOCGIFFLAGS, &ifr);
	if (ret == 0) {
		ifr.ifr_flags = (short)(on ? ifr.ifr_flags | bits : ifr.ifr_flags & ~bits);
		ret = if_ioctl(p, SIOCSIFFLAGS, &ifr);
	}
	if (ret != 0)
		AXDP_LOG(ERR, "%s: cannot change interface flags: %s", p->iface, strerror(-ret));
	return ret;
}

static int
axdp_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct axdp_port *p = to_axdp(dev);
	/*
	 * The kernel writes a frame XDP_PACKET_HEADROOM into an mbuf's buffer:
	 * with the default data room, this much fits (a pool's own is checked
	 * at rx queue setup).
	 */
	uint32_t max_frame = VDK_MBUF_DEFAULT_BUF_SIZE - XDP_PACKET_HEADROOM;

	info->if_name = p->iface;
	info->max_rx_queues = (uint16_t)p->qpairs;
	info->max_tx_queues = (uint16_t)p->qpairs;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = UINT16_MAX, .nb_min = 1,
						       .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = AXDP_RING_SIZE;
	info->default_tx_ring_size = AXDP_RING_SIZE;
	info->default_burst_size = 32;
	info->max_rx_pktlen = max_frame;
	info->min_mtu = 68;
	info->max_mtu = (uint16_t)(max_frame - VDK_ETHER_HDR_LEN);
	/* A chain is sent as a copy in one mbuf; a frame arrives in one mbuf. */
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

static int
axdp_link_update(struct vdk_eth_dev *dev, int wait)
{
	struct axdp_port *p = to_axdp(dev);
	struct vdk_eth_link link = { .link_speed = VDK_ETH_SPEED_NUM_UNKNOWN,
				     .link_duplex = VDK_ETH_LINK_FULL_DUPLEX };
	struct ethtool_cmd ecmd = { .cmd = ETHTOOL_GSET };
	struct ifreq ifr;
	int ret;

	(void)wait;
	memset(&ifr, 0, sizeof(ifr));
	ret = if_ioctl(p, SIOCGIFFLAGS, &ifr);
	if (ret != 0)
		return ret;
	link.link_status = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_data = (void *)&ecmd;
	if (if_ioctl(p, SIOCETHTOOL, &ifr) == 0 && ethtool_cmd_speed(&ecmd) != 0 &&
	    ethtool_cmd_speed(&ecmd) != (uint32_t)SPEED_UNKNOWN)
		link.link_speed = ethtool_cmd_speed(&ecmd);
	vdk_eth_dev_link_set(dev, &link);
	return 0;
}

static int
axdp_start(struct vdk_eth_dev *dev)
{
	struct axdp_port *p = to_axdp(dev);
	unsigned int q;
	int ret = 0;

	for (q = 0; q < p->qpairs && ret == 0; q++)
		ret = axdp_qpair_open(p, q);
	if (ret == 0)
		ret = if_flags(p, IFF_UP, true);
	if (ret != 0)
		for (q = 0; q < p->qpairs; q++)
			axdp_qpair_close(&p->qp[q]);
	return ret;
}

static int
axdp_stop(struct vdk_eth_dev *dev)
{
	struct axdp_port *p = to_axdp(dev);
	unsigned int q;

	/*
	 * The sockets go, and with them every mbuf on their rings back to the
	 * pool; the interface stays up (the kernel may still be sending).
	 */
	for (q = 0; q < p->qpairs; q++)
		axdp_qpair_close(&p->qp[q]);
	return 0;
}

static void
axdp_free(struct axdp_port *p)
{
	unsigned int q;

	/* Sockets go before the port: the last one takes libxdp's program away. */
	for (q = 0; q < p->qpairs; q++)
		axdp_qpair_close(&p->qp[q]);
	if (p->ctl_fd >= 0)
		close(p->ctl_fd);
	free(p);
}

static void
axdp_close(struct vdk_eth_dev *dev)
{
	struct axdp_port *p = to_axdp(dev);

	if (!(p->old_flags & IFF_PROMISC))
		if_flags(p, IFF_PROMISC, false);
	axdp_free(p);
}

static int
axdp_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **rxq)
{
	struct axdp_umem_map map;
	int ret;

	/* The UMEM lies over this pool from start: refuse one that cannot back it now. */
	ret = axdp_umem_map_init(dev->name, mp, &map);
	if (ret == 0)
		ret = vdk_eth_vport_rx_queue_setup(dev, qid, nb_desc, socket_id, conf, mp, rxq);
	if (ret == 0)
		to_axdp(dev)->qp[qid].nb_rx_desc = nb_desc;
	return ret;
}

static int
axdp_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_txconf *conf, void **txq)
{
	int ret = vdk_eth_vport_tx_queue_setup(dev, qid, nb_desc, socket_id, conf, txq);

	if (ret == 0)
		to_axdp(dev)->qp[qid].nb_tx_desc = nb_desc;
	return ret;
}

/* The kernel's per-socket counters (XDP_STATISTICS), summed over the queue pairs. */
static void
xdp_stats_sum(struct axdp_port *p, struct xdp_statistics *sum)
{
	struct xdp_statistics xs;
	socklen_t len;
	unsigned int q;

	memset(sum, 0, sizeof(*sum));
	for (q = 0; q < p->qpairs; q++) {
		const struct xdp_statistics *c = &p->qp[q].closed;

		memset(&xs, 0, sizeof(xs));
		len = sizeof(xs);
		if (p->qp[q].xsk != NULL)
			getsockopt(p->qp[q].fd, SOL_XDP, XDP_STATISTICS, &xs, &len);
		sum->rx_dropped += c->rx_dropped + xs.rx_dropped;
		sum->rx_invalid_descs += c->rx_invalid_descs + xs.rx_invalid_descs;
		sum->tx_invalid_descs += c->tx_invalid_descs + xs.tx_invalid_descs;
		sum->rx_ring_full += c->rx_ring_full + xs.rx_ring_full;
		sum->rx_fill_ring_empty_descs += c->rx_fill_ring_empty_descs +
						 xs.rx_fill_ring_empty_descs;
		sum->tx_ring_empty_descs += c->tx_ring_empty_descs + xs.tx_ring_empty_descs;
	}
}

static int
axdp_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct xdp_statistics xs;

	xdp_stats_sum(to_axdp(dev), &xs);
	/* Frames the kernel had for us but could not put on a ring. */
	s->imissed = xs.rx_dropped + xs.rx_ring_full;
	return vdk_eth_vport_stats_get(dev, s);
}

static const char *const axdp_xstat_names[] = {
	"xdp_rx_dropped", "xdp_rx_invalid_descs", "xdp_tx_invalid_descs", "xdp_rx_ring_full",
	"xdp_rx_fill_ring_empty_descs", "xdp_tx_ring_empty_descs", "tx_copied",
};
#define AXDP_NB_XSTATS (sizeof(axdp_xstat_names) / sizeof(axdp_xstat_names[0]))

static int
axdp_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
		      unsigned int n)
{
	unsigned int i;

	(void)dev;
	for (i = 0; names != NULL && i < n && i < AXDP_NB_XSTATS; i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s", axdp_xstat_names[i]);
	return AXDP_NB_XSTATS;
}

static int
axdp_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	struct xdp_statistics xs;
	uint64_t v[AXDP_NB_XSTATS];

	xdp_stats_sum(to_axdp(dev), &xs);
	v[0] = xs.rx_dropped;
	v[1] = xs.rx_invalid_descs;
	v[2] = xs.tx_invalid_descs;
	v[3] = xs.rx_ring_full;
	v[4] = xs.rx_fill_ring_empty_descs;
	v[5] = xs.tx_ring_empty_descs;
	/* Sent mbufs that did not lie in the UMEM (another pool, a chain, shared). */
	v[6] = vdk_eth_vport_txq_sum(dev, offsetof(struct axdp_txq, copied));
	memcpy(values, v, VDK_MIN(n, (unsigned int)AXDP_NB_XSTATS) * sizeof(v[0]));
	return AXDP_NB_XSTATS;
}

static int
axdp_promisc_on(struct vdk_eth_dev *dev)
{
	return if_flags(to_axdp(dev), IFF_PROMISC, true);
}

static int
axdp_promisc_off(struct vdk_eth_dev *dev)
{
	return if_flags(to_axdp(dev), IFF_PROMISC, false);
}

static const struct vdk_eth_dev_ops axdp_ops = {
	.dev_infos_get = axdp_infos_get,
	.dev_configure = vdk_eth_dev_op_accept,
	.dev_start = axdp_start,
	.dev_stop = axdp_stop,
	.dev_close = axdp_close,
	.rx_queue_setup = axdp_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = axdp_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = axdp_link_update,
	.stats_get = axdp_stats_get,
	.xstats_get_names = axdp_xstats_get_names,
	.xstats_get = axdp_xstats_get,
	.promiscuous_enable = axdp_promisc_on,
	.promiscuous_disable = axdp_promisc_off,
};

/* libxdp's messages through VDK's log, as debug: our own say what failed. */
static int
libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	(void)level;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	if (len > 0 && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	AXDP_LOG(DEBUG, "%s", msg);
	return 0;
}

/* libbpf's (it loads libxdp's objects) the same way: its warnings are not ours to print. */
static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return libxdp_log((enum libxdp_print_level)level, fmt, ap);
}

/* The interface's rx queues: ethtool's channels, or sysfs where a driver has none. */
static uint32_t
iface_queues(struct axdp_port *p)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	char path[64];
	struct dirent *e;
	uint32_t n = 0;
	DIR *d;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_data = (void *)&ch;
	if (if_ioctl(p, SIOCETHTOOL, &ifr) == 0 && ch.combined_count + ch.rx_count > 0)
		return VDK_MAX(ch.combined_count, ch.rx_count);
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", p->iface);
	d = opendir(path);
	if (d == NULL)
		return 1;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, "rx-", 3) == 0;
	closedir(d);
	return n > 0 ? n : 1;
}

/*
 * Refuse an interface whose XDP program someone else attached without
 * libxdp's dispatcher: libxdp could not add ours beside it, and replacing
 * it would break its owner.
 */
static int
check_xdp_owner(struct axdp_port *p, const char *name)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(p->ifindex);
	struct xdp_program *prog;
	long err = libxdp_get_error(mp);
	int ret = 0;

	if (err == -ENOENT || (err == 0 && mp == NULL))
		return 0;
	if (err != 0) {
		AXDP_LOG(ERR, "%s: cannot read the XDP program of %s: %s%s", name, p->iface,
			 strerror((int)-err), err == -EPERM ?
			 " (needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW: run as root)" : "");
		return (int)err;
	}
	prog = xdp_multiprog__main_prog(mp);
	if (xdp_multiprog__is_legacy(mp) && prog != NULL &&
	    strcmp(xdp_program__name(prog), XSK_PROG_NAME) != 0) {
		AXDP_LOG(ERR, "%s: %s has XDP program '%s' (id %u) attached by another user: "
			 "detach it (ip link set dev %s %s off) or use another interface",
			 name, p->iface, xdp_program__name(prog), xdp_program__id(prog), p->iface,
			 xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ? "xdpgeneric" : "xdp");
		ret = -EBUSY;
	}
	xdp_multiprog__close(mp);
	return ret;
}

const char *
axdp_attach_mode_name(struct axdp_port *p)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(p->ifindex);
	const char *s = "unknown";

	if (libxdp_get_error(mp) != 0 || mp == NULL)
		return s;
	switch (xdp_multiprog__attach_mode(mp)) {
	case XDP_MODE_NATIVE:
		s = "native (driver)";
		break;
	case XDP_MODE_SKB:
		s = "generic (skb)";
		break;
	case XDP_MODE_HW:
		s = "offloaded";
		break;
	default:
		break;
	}
	xdp_multiprog__close(mp);
	return s;
}

static const char *const axdp_args[] = {
	"iface", "start_queue", "queue_count", "busy_budget", "force_copy", NULL,
};
static const char axdp_help[] = "iface=<interface>,start_queue=<q>,queue_count=<1..16>,"
				"busy_budget=<0..1024>,force_copy=0|1";

static int
axdp_parse(struct axdp_port *p, const char *name, const char *args)
{
	uint32_t force_copy = 0;
	int ret;

	ret = vdk_vdev_args_check(name, args, axdp_args, axdp_help);
	if (ret != 0)
		return ret;
	ret = vdk_devargs_get(args, "iface", p->iface, sizeof(p->iface));
	if (ret != 0 || p->iface[0] == '\0') {
		AXDP_LOG(ERR, "%s: %s: give iface=<interface> (of at most %d characters)", name,
			 ret == -ENOSPC ? "interface name too long" : "no interface",
			 IF_NAMESIZE - 1);
		return -EINVAL;
	}
	p->qpairs = 1;
	p->busy_budget = AXDP_DEFAULT_BUSY_BUDGET;
	if (vdk_devargs_get_uint(args, "start_queue", 0, 4095, &p->start_queue) ||
	    vdk_devargs_get_uint(args, "queue_count", 1, AXDP_MAX_QPAIRS, &p->qpairs) ||
	    vdk_devargs_get_uint(args, "busy_budget", 0, 1024, &p->busy_budget) ||
	    vdk_devargs_get_uint(args, "force_copy", 0, 1, &force_copy))
		return -EINVAL;
	p->force_copy = force_copy != 0;
	return 0;
}

static int
axdp_probe(const char *name, const char *args)
{
	struct axdp_port *p;
	struct ifreq ifr;
	uint32_t nb_queues;
	unsigned int q;
	int ret, fd;

	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->ctl_fd = -1;
	ret = axdp_parse(p, name, args);
	if (ret != 0)
		goto free_port;
	p->ifindex = (int)if_nametoindex(p->iface);
	if (p->ifindex == 0) {
		ret = -ENODEV;
		AXDP_LOG(ERR, "%s: no interface %s in this network namespace", name, p->iface);
		goto free_port;
	}
	p->ctl_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p->ctl_fd < 0) {
		ret = -errno;
		goto free_port;
	}
	nb_queues = iface_queues(p);
	if (p->start_queue + p->qpairs > nb_queues) {
		ret = -EINVAL;
		AXDP_LOG(ERR, "%s: %s has %u rx queue(s) (ethtool -l %s), start_queue=%u with "
			 "queue_count=%u needs %u", name, p->iface, nb_queues, p->iface,
			 p->start_queue, p->qpairs, p->start_queue + p->qpairs);
		goto free_port;
	}
	memset(&ifr, 0, sizeof(ifr));
	ret = if_ioctl(p, SIOCGIFHWADDR, &ifr);
	if (ret != 0)
		goto free_port;
	memcpy(p->vp.eth.mac_addr.addr_bytes, ifr.ifr_hwaddr.sa_data, VDK_ETHER_ADDR_LEN);
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(p, SIOCGIFMTU, &ifr) == 0)
		p->vp.eth.mtu = (uint16_t)ifr.ifr_mtu;
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(p, SIOCGIFFLAGS, &ifr) == 0)
		p->old_flags = (unsigned int)ifr.ifr_flags;
	libxdp_set_print(libxdp_log);
	libbpf_set_print(libbpf_log);
	ret = check_xdp_owner(p, name);
	if (ret != 0)
		goto free_port;
	/* Sockets open at start; a process that may not make one is refused now. */
	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		axdp_socket_error(name, ret);
		goto free_port;
	}
	close(fd);
	for (q = 0; q < p->qpairs; q++) {
		p->qp[q].fd = -1;
		p->qp[q].rxq.qp = &p->qp[q];
		p->qp[q].txq.qp = &p->qp[q];
	}
	p->vp.eth.ops = &axdp_ops;
	p->vp.eth.driver_name = "net_af_xdp";
	p->vp.eth.rx_burst = axdp_rx_burst;
	p->vp.eth.tx_burst = axdp_tx_burst;
	p->vp.eth.socket_id = VDK_SOCKET_ID_ANY;
	/* Queue pair i's rx and tx queues: the vport's arrays, a pair apart. */
	ret = vdk_eth_vport_queues_set(&p->vp, &p->qp[0].rxq, sizeof(p->qp[0]),
				       (uint16_t)p->qpairs, &p->qp[0].txq, sizeof(p->qp[0]),
				       (uint16_t)p->qpairs);
	if (ret == 0)
		ret = vdk_eth_dev_attach(&p->vp.eth, name);
	if (ret < 0)
		goto free_port;
	return 0;
free_port:
	axdp_free(p);
	return ret;
}

static const struct vdk_vdev_driver axdp_driver = {
	.name = "net_af_xdp",
	.probe = axdp_probe,
	.remove = vdk_eth_dev_vdev_remove,
	.args_help = axdp_help,
};

VDK_VDEV_REGISTER(axdp_driver)
