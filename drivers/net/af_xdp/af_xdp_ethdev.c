/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_xdp: a port on any kernel network interface through AF_XDP
 * sockets, made with libxdp (which loads and shares the XDP program that
 * steers each rx queue to its socket) over libbpf. DPDK's devargs:
 *
 *   --vdev net_af_xdp0,iface=IF[,start_queue=Q][,queue_count=N]
 *          [,busy_budget=B][,force_copy=0|1]
 *
 * Queue pair i is one socket bound to the interface's queue Q + i, with a
 * UMEM of its own. The kernel decides zero-copy or copy mode per queue
 * (copy on veth and on drivers without AF_XDP support); the log says which.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <dirent.h>
#include <stdarg.h>
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
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

#define AXDP_LOG(level, fmt, ...) VDK_LOG(level, NET, "af_xdp: " fmt, ##__VA_ARGS__)

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
/* How long (µs) a busy-polling recvfrom() may spin in the driver. */
#define AXDP_BUSY_POLL_USEC 20
#define AXDP_DEFAULT_BUSY_BUDGET 64

/* The name of the program libxdp loads for AF_XDP sockets: ours, or another VDK port's. */
#define XSK_PROG_NAME "xsk_def_prog"

struct axdp_port {
	struct vdk_eth_dev eth;
	char iface[IF_NAMESIZE];
	int ifindex;
	uint32_t start_queue;
	uint32_t qpairs;
	uint32_t busy_budget;
	bool force_copy;
	int ctl_fd;
	unsigned int old_flags;
	struct axdp_qpair *qp[AXDP_MAX_QPAIRS];
};

static struct axdp_port *
to_axdp(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct axdp_port, eth);
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
	/* Copy mode puts XDP_PACKET_HEADROOM in front of the frame in its chunk. */
	uint32_t max_frame = AXDP_FRAME_SIZE - XDP_PACKET_HEADROOM;

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
	info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

static int
axdp_configure(struct vdk_eth_dev *dev)
{
	(void)dev;
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
	return if_flags(to_axdp(dev), IFF_UP, true);
}

static int
axdp_stop(struct vdk_eth_dev *dev)
{
	(void)dev;
	/* The interface stays up: the kernel may still be sending what tx queued. */
	return 0;
}

static void
qpair_free(struct axdp_qpair *qp)
{
	if (qp == NULL)
		return;
	if (qp->xsk != NULL)
		xsk_socket__delete(qp->xsk);
	if (qp->umem != NULL)
		xsk_umem__delete(qp->umem);
	if (qp->umem_area != NULL)
		munmap(qp->umem_area, (size_t)AXDP_NB_FRAMES * AXDP_FRAME_SIZE);
	free(qp);
}

static void
axdp_free(struct axdp_port *p)
{
	unsigned int q;

	/* Sockets go before the port: the last one takes libxdp's program away. */
	for (q = 0; q < AXDP_MAX_QPAIRS; q++)
		qpair_free(p->qp[q]);
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
	struct axdp_rxq *q = &to_axdp(dev)->qp[qid]->rxq;

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	q->mp = mp;
	q->port_id = dev->port_id;
	*rxq = q;
	return 0;
}

static int
axdp_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_txconf *conf, void **txq)
{
	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	*txq = &to_axdp(dev)->qp[qid]->txq;
	return 0;
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
		len = sizeof(xs);
		if (getsockopt(p->qp[q]->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) != 0)
			continue;
		sum->rx_dropped += xs.rx_dropped;
		sum->rx_invalid_descs += xs.rx_invalid_descs;
		sum->tx_invalid_descs += xs.tx_invalid_descs;
		sum->rx_ring_full += xs.rx_ring_full;
		sum->rx_fill_ring_empty_descs += xs.rx_fill_ring_empty_descs;
		sum->tx_ring_empty_descs += xs.tx_ring_empty_descs;
	}
}

static int
axdp_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct axdp_port *p = to_axdp(dev);
	struct xdp_statistics xs;
	uint16_t q;

	xdp_stats_sum(p, &xs);
	/* Frames the kernel had for us but could not put on a ring. */
	s->imissed = xs.rx_dropped + xs.rx_ring_full;
	for (q = 0; q < p->qpairs; q++) {
		struct axdp_qpair *qp = p->qp[q];

		if (q < dev->nb_rx_queues && dev->rx_queues[q] != NULL) {
			vdk_eth_stats_add_rxq(s, q, vdk_eth_counter_read(&qp->rxq.pkts),
					      vdk_eth_counter_read(&qp->rxq.bytes), 0);
			s->rx_nombuf += vdk_eth_counter_read(&qp->rxq.nombuf);
		}
		if (q < dev->nb_tx_queues && dev->tx_queues[q] != NULL)
			vdk_eth_stats_add_txq(s, q, vdk_eth_counter_read(&qp->txq.pkts),
					      vdk_eth_counter_read(&qp->txq.bytes),
					      vdk_eth_counter_read(&qp->txq.errors));
	}
	return 0;
}

static const char *const axdp_xstat_names[] = {
	"xdp_rx_dropped", "xdp_rx_invalid_descs", "xdp_tx_invalid_descs", "xdp_rx_ring_full",
	"xdp_rx_fill_ring_empty_descs", "xdp_tx_ring_empty_descs",
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
	.dev_configure = axdp_configure,
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

static const char *
attach_mode_name(struct axdp_port *p)
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

/* One UMEM and one socket bound to the interface's queue @qid. */
static int
qpair_open(struct axdp_port *p, const char *name, unsigned int qi)
{
	struct xsk_umem_config ucfg = {
		.fill_size = AXDP_RING_SIZE,
		.comp_size = AXDP_RING_SIZE,
		.frame_size = AXDP_FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = AXDP_RING_SIZE,
		.tx_size = AXDP_RING_SIZE,
		.bind_flags = XDP_USE_NEED_WAKEUP | (p->force_copy ? XDP_COPY : 0),
	};
	uint32_t qid = p->start_queue + qi, idx = 0, i;
	size_t size = (size_t)AXDP_NB_FRAMES * AXDP_FRAME_SIZE;
	struct xdp_options opts = { 0 };
	struct axdp_qpair *qp;
	socklen_t len = sizeof(opts);
	int ret, v;

	qp = calloc(1, sizeof(*qp));
	if (qp == NULL)
		return -ENOMEM;
	p->qp[qi] = qp;
	qp->fd = -1;
	qp->rxq.qp = qp;
	qp->txq.qp = qp;
	qp->txq.free_frames = qp->tx_frames;
	qp->umem_area = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (qp->umem_area == MAP_FAILED) {
		qp->umem_area = NULL;
		ret = -errno;
		AXDP_LOG(ERR, "%s: cannot allocate a %zu-byte UMEM: %s", name, size, strerror(errno));
		return ret;
	}
	ret = xsk_umem__create(&qp->umem, qp->umem_area, size, &qp->rxq.fill, &qp->txq.comp,
			       &ucfg);
	if (ret != 0) {
		qp->umem = NULL;
		AXDP_LOG(ERR, "%s: cannot make an AF_XDP socket: %s%s", name, strerror(-ret),
			 ret == -EPERM || ret == -EACCES ?
			 " (needs CAP_NET_RAW and CAP_BPF, or root)" :
			 ret == -EAFNOSUPPORT ? " (the kernel has no AF_XDP: CONFIG_XDP_SOCKETS)" : "");
		return ret;
	}
	ret = xsk_socket__create(&qp->xsk, p->iface, qid, qp->umem, &qp->rxq.rx, &qp->txq.tx,
				 &scfg);
	if (ret != 0) {
		qp->xsk = NULL;
		AXDP_LOG(ERR, "%s: cannot bind an AF_XDP socket to %s queue %u: %s%s", name,
			 p->iface, qid, strerror(-ret),
			 ret == -EBUSY ? " (another socket or program holds that queue)" :
			 ret == -EPERM ? " (needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW: run as root)" :
			 "");
		return ret;
	}
	qp->fd = xsk_socket__fd(qp->xsk);
	/* Every rx frame goes to the fill ring at once; tx frames wait on a stack. */
	if (xsk_ring_prod__reserve(&qp->rxq.fill, AXDP_RING_SIZE, &idx) != AXDP_RING_SIZE) {
		AXDP_LOG(ERR, "%s: queue %u: the fill ring is short", name, qid);
		return -EIO;
	}
	for (i = 0; i < AXDP_RING_SIZE; i++)
		*xsk_ring_prod__fill_addr(&qp->rxq.fill, idx + i) = (uint64_t)i * AXDP_FRAME_SIZE;
	xsk_ring_prod__submit(&qp->rxq.fill, AXDP_RING_SIZE);
	for (i = 0; i < AXDP_RING_SIZE; i++)
		qp->tx_frames[i] = (uint64_t)(AXDP_RING_SIZE + i) * AXDP_FRAME_SIZE;
	qp->txq.nb_free = AXDP_RING_SIZE;
	if (getsockopt(qp->fd, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0 &&
	    !(opts.flags & XDP_OPTIONS_ZEROCOPY))
		qp->txq.kick_always = true;
	if (p->busy_budget > 0) {
		v = 1;
		if (setsockopt(qp->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &v, sizeof(v)) == 0 &&
		    setsockopt(qp->fd, SOL_SOCKET, SO_BUSY_POLL, &(int){ AXDP_BUSY_POLL_USEC },
			       sizeof(int)) == 0 &&
		    setsockopt(qp->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET,
			       &(int){ (int)p->busy_budget }, sizeof(int)) == 0)
			qp->rxq.busy_poll = true;
		else
			AXDP_LOG(INFO, "%s: queue %u: no busy polling (%s): interrupts drive rx",
				 name, qid, strerror(errno));
	}
	AXDP_LOG(INFO, "%s: %s queue %u: %s mode, XDP program %s%s", name, p->iface, qid,
		 qp->txq.kick_always ? "copy" : "zero-copy", attach_mode_name(p),
		 qp->rxq.busy_poll ? ", busy polling" : "");
	return 0;
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
	int ret;

	p = calloc(1, sizeof(*p));
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
	memcpy(p->eth.mac_addr.addr_bytes, ifr.ifr_hwaddr.sa_data, VDK_ETHER_ADDR_LEN);
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(p, SIOCGIFMTU, &ifr) == 0)
		p->eth.mtu = (uint16_t)ifr.ifr_mtu;
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(p, SIOCGIFFLAGS, &ifr) == 0)
		p->old_flags = (unsigned int)ifr.ifr_flags;
	libxdp_set_print(libxdp_log);
	libbpf_set_print(libbpf_log);
	ret = check_xdp_owner(p, name);
	if (ret != 0)
		goto free_port;
	for (q = 0; q < p->qpairs; q++) {
		ret = qpair_open(p, name, q);
		if (ret != 0)
			goto free_port;
	}
	p->eth.ops = &axdp_ops;
	p->eth.driver_name = "net_af_xdp";
	p->eth.rx_burst = axdp_rx_burst;
	p->eth.tx_burst = axdp_tx_burst;
	p->eth.socket_id = VDK_SOCKET_ID_ANY;
	ret = vdk_eth_dev_attach(&p->eth, name);
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
