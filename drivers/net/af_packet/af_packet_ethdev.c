/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_packet: a port on a kernel network interface through AF_PACKET
 * sockets with mmapped TPACKET_V3 rings.
 *
 *   --vdev net_af_packet0,iface=veth0[,qpairs=N][,blocksz=B][,framesz=F]
 *          [,framecnt=C][,qdisc_bypass=0|1]
 *
 * Each queue pair has an rx ring and a tx ring, each on a socket of its
 * own where the kernel keeps the tx socket's frames off the rx ring
 * (tx_apart()), else both on one socket. With several queue pairs, the rx
 * sockets join one PACKET_FANOUT group that spreads flows over them by
 * hash, so each rx queue sees whole flows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "af_packet_internal.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

#define AFP_LOG(level, fmt, ...) VDK_LOG(level, NET, "af_packet: " fmt, ##__VA_ARGS__)

/*
 * Small blocks, many of them: at low rates the kernel hands a block over on
 * its timeout with a frame or so in it, so the rx ring buffers as many
 * timeouts as it has blocks (framecnt of them, sock_rings()); a page a
 * block keeps that ring at 4 MiB while it holds a second of frames at
 * 1,000 a second for a reader that is off its CPU.
 */
#define AFP_DEFAULT_BLOCKSZ 4096
#define AFP_DEFAULT_FRAMESZ 2048
#define AFP_DEFAULT_FRAMECNT 1024
/* A block is handed over after this many ms even if not full: bounds latency. */
#define AFP_BLOCK_TIMEOUT_MS 1
/* Linux 6.2's uapi value; Debian 12's headers (6.1) lack it. */
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif

static struct afp_port *
to_afp(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct afp_port, vp.eth);
}

static int
if_ioctl(struct afp_port *p, unsigned long req, struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", p->iface);
	return ioctl(p->ctl_fd, req, ifr) < 0 ? -errno : 0;
}

/* Set or clear interface flags @bits. */
static int
if_flags(struct afp_port *p, unsigned int bits, bool on)
{
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ret = if_ioctl(p, SIOCGIFFLAGS, &ifr);
	if (ret != 0)
		goto fail;
	if (on)
		ifr.ifr_flags = (short)(ifr.ifr_flags | bits);
	else
		ifr.ifr_flags = (short)(ifr.ifr_flags & ~bits);
	ret = if_ioctl(p, SIOCSIFFLAGS, &ifr);
	if (ret == 0)
		return 0;
fail:
	AFP_LOG(ERR, "%s: cannot change interface flags: %s", p->iface, strerror(-ret));
	return ret;
}

static bool
if_is_up(struct afp_port *p)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	return if_ioctl(p, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
}

/*
 * The rings' result, waiting for them if still being made: called by
 * every op that reads what sock_rings() writes. Under a lock: ethdev does
 * not serialise ops, and stats_get may come from the telemetry thread
 * while the application starts the port; a thread joined twice is
 * undefined behaviour.
 */
static int
afp_rings_wait(struct afp_port *p)
{
	int ret;

	pthread_mutex_lock(&p->rings_lock);
	if (p->rings_pending) {
		pthread_join(p->rings_thread, NULL);
		p->rings_pending = false;
	}
	ret = p->rings_ret;
	pthread_mutex_unlock(&p->rings_lock);
	return ret;
}

static int
afp_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct afp_port *p = to_afp(dev);
	uint32_t rx_max = p->block_size - TPACKET3_HDRLEN - 64;
	uint32_t tx_max = p->frame_size - AFP_TX_DATA_OFF;

	info->if_name = p->iface;
	info->max_rx_queues = p->vp.nb_rxq;
	info->max_tx_queues = p->vp.nb_txq;
	/* The rings are made at probe; descriptor counts are taken as hints. */
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = UINT16_MAX, .nb_min = 1,
						       .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = (uint16_t)VDK_MIN(p->frame_count, UINT16_MAX);
	info->default_tx_ring_size = info->default_rx_ring_size;
	info->default_burst_size = 32;
	info->max_rx_pktlen = rx_max;
	info->min_mtu = 68;
	info->max_mtu = (uint16_t)VDK_MIN(VDK_MIN(rx_max, tx_max) - VDK_ETHER_HDR_LEN, UINT16_MAX);
	info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

static int
afp_link_update(struct vdk_eth_dev *dev, int wait)
{
	struct afp_port *p = to_afp(dev);
	struct vdk_eth_link link = { .link_speed = VDK_ETH_SPEED_NUM_UNKNOWN,
				     .link_duplex = VDK_ETH_LINK_FULL_DUPLEX };
	struct ifreq ifr;
	int ret;

	(void)wait;
	memset(&ifr, 0, sizeof(ifr));
	ret = if_ioctl(p, SIOCGIFFLAGS, &ifr);
	if (ret != 0)
		return ret;
	link.link_status = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	vdk_eth_dev_link_set(dev, &link);
	return 0;
}

static int
afp_start(struct vdk_eth_dev *dev)
{
	struct afp_port *p = to_afp(dev);
	int ret = afp_rings_wait(p);
	struct afp_sock *s;

	if (ret != 0) {
		/* sock_rings() logged the cause when it failed. */
		AFP_LOG(ERR, "%s: cannot start: its packet rings could not be made (%s)",
			p->iface, strerror(-ret));
		return ret;
	}
	ret = if_flags(p, IFF_UP, true);
	if (ret != 0)
		return ret;
	/*
	 * The rx sockets that could not join the fanout group while the
	 * interface was down (sock_rings()). Until they have, each gets every
	 * frame: a frame that arrives in these microseconds comes in twice.
	 */
	for (s = p->sock; s < p->sock + p->nb_socks; s++) {
		if (!s->fanout_pending)
			continue;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &p->fanout, sizeof(p->fanout)) < 0) {
			ret = -errno;
			AFP_LOG(ERR, "%s: cannot start: a socket cannot join the port's fanout group: %s",
				p->iface, strerror(errno));
			return ret;
		}
		s->fanout_pending = false;
	}
	return 0;
}

static int
afp_stop(struct vdk_eth_dev *dev)
{
	return if_flags(to_afp(dev), IFF_UP, false);
}

static void
afp_free(struct afp_port *p)
{
	struct afp_sock *s;

	afp_rings_wait(p);
	for (s = p->sock; s < p->sock + p->nb_socks; s++) {
		if (s->map != NULL)
			munmap(s->map, s->map_len);
		if (s->fd >= 0)
			close(s->fd);
	}
	if (p->ctl_fd >= 0)
		close(p->ctl_fd);
	pthread_mutex_destroy(&p->rings_lock);
	free(p);
}

static void
afp_close(struct vdk_eth_dev *dev)
{
	struct afp_port *p = to_afp(dev);

	/* Leave the interface's modes as we found them. */
	if (!(p->old_flags & IFF_PROMISC))
		if_flags(p, IFF_PROMISC, false);
	if (!(p->old_flags & IFF_ALLMULTI))
		if_flags(p, IFF_ALLMULTI, false);
	afp_free(p);
}

static int
afp_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct afp_port *p = to_afp(dev);
	struct tpacket_stats_v3 ks;
	socklen_t len;
	uint16_t q;

	/* The counters the kernel keeps from bind() on. */
	afp_rings_wait(p);
	for (q = 0; q < p->qpairs; q++) {
		/* The kernel zeroes its counters on every read: keep the sum. */
		len = sizeof(ks);
		if (getsockopt(p->rxq[q].fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
			p->kernel_drops[q] += ks.tp_drops;
		s->imissed += p->kernel_drops[q];
	}
	return vdk_eth_vport_stats_get(dev, s);
}

static int
afp_promisc_on(struct vdk_eth_dev *dev)
{
	return if_flags(to_afp(dev), IFF_PROMISC, true);
}

static int
afp_promisc_off(struct vdk_eth_dev *dev)
{
	return if_flags(to_afp(dev), IFF_PROMISC, false);
}

static int
afp_allmulti_on(struct vdk_eth_dev *dev)
{
	return if_flags(to_afp(dev), IFF_ALLMULTI, true);
}

static int
afp_allmulti_off(struct vdk_eth_dev *dev)
{
	return if_flags(to_afp(dev), IFF_ALLMULTI, false);
}

static int
afp_mac_addr_set(struct vdk_eth_dev *dev, const struct vdk_ether_addr *mac)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac->addr_bytes, VDK_ETHER_ADDR_LEN);
	return if_ioctl(to_afp(dev), SIOCSIFHWADDR, &ifr);
}

static int
afp_mtu_set(struct vdk_eth_dev *dev, uint16_t mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = mtu;
	return if_ioctl(to_afp(dev), SIOCSIFMTU, &ifr);
}

static const struct vdk_eth_dev_ops afp_ops = {
	.dev_infos_get = afp_infos_get,
	.dev_configure = vdk_eth_dev_op_accept,
	.dev_start = afp_start,
	.dev_stop = afp_stop,
	.dev_close = afp_close,
	.rx_queue_setup = vdk_eth_vport_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = vdk_eth_vport_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = afp_link_update,
	.stats_get = afp_stats_get,
	.promiscuous_enable = afp_promisc_on,
	.promiscuous_disable = afp_promisc_off,
	.allmulticast_enable = afp_allmulti_on,
	.allmulticast_disable = afp_allmulti_off,
	.mac_addr_set = afp_mac_addr_set,
	.mtu_set = afp_mtu_set,
};

static void
log_sockopt_failure(const struct afp_port *p, int err)
{
	AFP_LOG(ERR, "%s: packet socket set-up failed: %s (the kernel needs TPACKET_V3 rings, "
		"Linux 4.20 or later; block size %u must be a multiple of the page size and of "
		"frame size %u)", p->iface, strerror(err), p->block_size, p->frame_size);
}

/*
 * A socket of queue pair @qi for its rx ring, its tx ring or both, with
 * its options but no rings yet (sock_rings()).
 */
static int
sock_open(struct afp_port *p, unsigned int qi, bool rx, bool tx)
{
	struct afp_sock *s = &p->sock[p->nb_socks];
	int fd, v, ret;

	/*
	 * Protocol 0: nothing arrives before bind() names the interface and
	 * ETH_P_ALL, and a tx socket, bound with protocol 0, never receives.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		ret = -errno;
		AFP_LOG(ERR, "%s: cannot open a packet socket: %s%s", p->iface, strerror(errno),
			errno == EPERM ? " (needs CAP_NET_RAW: run as root)" : "");
		return ret;
	}
	*s = (struct afp_sock){ .port = p, .fd = fd, .qpair = qi, .rx = rx, .tx = tx };
	p->nb_socks++;
	if (rx)
		p->rxq[qi].fd = fd;
	if (tx)
		p->txq[qi].fd = fd;
	p->rxq[qi].txq = &p->txq[qi];
	v = TPACKET_V3;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		goto sockopt_fail;
	/* Our own transmissions must not come back on our rx ring. */
	v = 1;
	if (rx && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v, sizeof(v)) < 0)
		goto sockopt_fail;
	if (tx && p->qdisc_bypass &&
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof(v)) < 0)
		goto sockopt_fail;
	return 0;
sockopt_fail:
	ret = -errno;
	log_sockopt_failure(p, -ret);
	return ret;
}

/* Socket @s's rings, mapped, and the socket bound to the interface. */
static int
sock_rings(struct afp_port *p, struct afp_sock *s)
{
	unsigned int qi = s->qpair;
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	uint32_t rx_blocks = 0, tx_blocks = 0, per_block = p->block_size / p->frame_size;
	size_t rx_len;
	uint8_t *map;
	int ret;

	memset(&req, 0, sizeof(req));
	req.tp_block_size = p->block_size;
	req.tp_frame_size = p->frame_size;
	if (s->rx) {
		/*
		 * Rx: a block for every frame of framecnt. The kernel hands a
		 * block over when it is full or when AFP_BLOCK_TIMEOUT_MS passes,
		 * so at a low rate a block holds one frame or so: sized by
		 * frames_per_block (as tx is), the ring would hold half of
		 * framecnt frames while the reader is off its CPU, and the kernel
		 * drop the rest (tp_drops).
		 */
		rx_blocks = p->frame_count;
		req.tp_block_nr = rx_blocks;
		req.tp_frame_nr = rx_blocks * per_block;
		req.tp_retire_blk_tov = AFP_BLOCK_TIMEOUT_MS;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
			goto sockopt_fail;
	}
	if (s->tx) {
		/* Tx: framecnt fixed-size frames, as many to a block as fit. */
		tx_blocks = VDK_MAX(1u, p->frame_count / per_block);
		req.tp_block_nr = tx_blocks;
		req.tp_frame_nr = tx_blocks * per_block;
		req.tp_retire_blk_tov = 0;	/* the kernel refuses block options on tx */
		if (setsockopt(s->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
			goto sockopt_fail;
	}
	/* The rx ring, then the tx ring: the kernel maps a socket's rings at once. */
	rx_len = (size_t)p->block_size * rx_blocks;
	s->map_len = rx_len + (size_t)p->block_size * tx_blocks;
	map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, s->fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		AFP_LOG(ERR, "%s: cannot map the packet rings (%zu bytes): %s", p->iface,
			s->map_len, strerror(errno));
		return ret;
	}
	s->map = map;
	if (s->rx) {
		p->rxq[qi].ring = map;
		p->rxq[qi].block_size = p->block_size;
		p->rxq[qi].nb_blocks = rx_blocks;
	}
	if (s->tx) {
		p->txq[qi].ring = map + rx_len;
		p->txq[qi].block_size = p->block_size;
		p->txq[qi].frame_size = p->frame_size;
		p->txq[qi].frames_per_block = per_block;
		p->txq[qi].nb_frames = tx_blocks * per_block;
	}
	/*
	 * The interface; and for an rx ring every protocol, which registers
	 * the socket's receive hook. A tx socket keeps protocol 0 and no hook.
	 */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = s->rx ? htons(ETH_P_ALL) : 0;
	sll.sll_ifindex = p->ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		AFP_LOG(ERR, "%s: cannot bind a packet socket: %s", p->iface, strerror(errno));
		return ret;
	}
	/*
	 * Joined after bind: the group takes the socket's interface and
	 * protocol. Before Linux 6.13 only a socket that receives may join
	 * (EINVAL otherwise), and one bound to an interface that is down
	 * receives nothing until it comes up: such a socket joins at start.
	 */
	if (s->rx && p->fanout != 0 &&
	    setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &p->fanout, sizeof(p->fanout)) < 0) {
		if (errno != EINVAL || if_is_up(p))
			goto sockopt_fail;
		s->fanout_pending = true;
	}
	return 0;
sockopt_fail:
	ret = -errno;
	log_sockopt_failure(p, -ret);
	return ret;
}

static void *
sock_main(void *arg)
{
	struct afp_sock *s = arg;

	s->ret = sock_rings(s->port, s);
	return NULL;
}

/*
 * Every socket's rings at once: each PACKET_RX_RING and PACKET_TX_RING
 * waits for an RCU grace period (packet_set_ring() calls
 * synchronize_net()), and the socket's lock is held all the while, so
 * only rings on different sockets wait together. A socket whose thread
 * cannot be made has its rings made here, after the others started.
 */
static void *
rings_main(void *arg)
{
	struct afp_port *p = arg;
	struct afp_sock *s;
	int ret = 0;

	for (s = p->sock + 1; s < p->sock + p->nb_socks; s++)
		s->threaded = pthread_create(&s->thread, NULL, sock_main, s) == 0;
	for (s = p->sock; s < p->sock + p->nb_socks; s++)
		if (s == p->sock || !s->threaded)
			sock_main(s);
	for (s = p->sock; s < p->sock + p->nb_socks; s++) {
		if (s->threaded)
			pthread_join(s->thread, NULL);
		if (ret == 0)
			ret = s->ret;
	}
	p->rings_ret = ret;
	return NULL;
}

/*
 * The grace periods of the rings take 7-20 ms on a 2-vCPU machine with
 * HZ=250, most of the start-up of a program whose pools are built in a
 * few ms. A thread makes them while the program goes on; without one they
 * are made here, in line.
 */
static int
rings_start(struct afp_port *p)
{
	p->rings_pending = pthread_create(&p->rings_thread, NULL, rings_main, p) == 0;
	/* Its result is read once joined (afp_rings_wait()), never before. */
	if (p->rings_pending)
		return 0;
	rings_main(p);
	return p->rings_ret;
}

/*
 * Whether fanout groups can be told to leave outgoing frames alone
 * (PACKET_FANOUT_FLAG_IGNORE_OUTGOING, from Linux 6.2). Older kernels take
 * the flag and do nothing with it, so the release is what tells.
 */
static bool
fanout_ignores_outgoing(void)
{
	unsigned int major, minor;
	struct utsname u;

	if (uname(&u) != 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 2);
}

/*
 * Whether each queue pair's tx ring gets a socket of its own, so that its
 * ring is made at the same time as the rx ring's (rings_main()): where the
 * kernel keeps that socket's frames off the rx rings. The kernel hands a
 * transmitted frame to each receive hook on the interface
 * (dev_queue_xmit_nit()) unless the hook ignores outgoing frames or
 * belongs to the sending socket. With one queue pair the rx socket's own
 * hook ignores them (PACKET_IGNORE_OUTGOING); with qdisc_bypass no hook
 * sees our frames (packet_direct_xmit() goes past dev_queue_xmit_nit());
 * a fanout group's hook, which the rx sockets of several queue pairs
 * share, skips only its members' frames, unless the group was made with
 * PACKET_FANOUT_FLAG_IGNORE_OUTGOING. Elsewhere (several queue pairs
 * through the qdisc on a kernel before 6.2) a pair's rings share its rx
 * socket, which is then the sender, and the grace periods are two.
 */
static bool
tx_apart(const struct afp_port *p, bool group_ignores_outgoing)
{
	return p->qpairs == 1 || p->qdisc_bypass || group_ignores_outgoing;
}

static const char *const afp_args[] = {
	"iface", "qpairs", "blocksz", "framesz", "framecnt", "qdisc_bypass", NULL,
};
static const char afp_help[] = "iface=<interface>,qpairs=<1..16>,blocksz=<bytes>,"
			       "framesz=<bytes>,framecnt=<n>,qdisc_bypass=0|1";

static int
afp_parse(struct afp_port *p, const char *name, const char *args)
{
	uint32_t qpairs = 1, bypass = 0;
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	ret = vdk_vdev_args_check(name, args, afp_args, afp_help);
	if (ret != 0)
		return ret;
	ret = vdk_devargs_get(args, "iface", p->iface, sizeof(p->iface));
	if (ret != 0 || p->iface[0] == '\0') {
		AFP_LOG(ERR, "%s: %s: give iface=<interface> (of at most %d characters)", name,
			ret == -ENOSPC ? "interface name too long" : "no interface",
			IF_NAMESIZE - 1);
		return -EINVAL;
	}
	p->block_size = AFP_DEFAULT_BLOCKSZ;
	p->frame_size = AFP_DEFAULT_FRAMESZ;
	p->frame_count = AFP_DEFAULT_FRAMECNT;
	if (vdk_devargs_get_uint(args, "qpairs", 1, AFP_MAX_QPAIRS, &qpairs) ||
	    vdk_devargs_get_uint(args, "blocksz", (uint32_t)page, 1u << 26, &p->block_size) ||
	    vdk_devargs_get_uint(args, "framesz", 256, 1u << 20, &p->frame_size) ||
	    vdk_devargs_get_uint(args, "framecnt", 1, 1u << 20, &p->frame_count) ||
	    vdk_devargs_get_uint(args, "qdisc_bypass", 0, 1, &bypass))
		return -EINVAL;
	/* The kernel's own rules, checked here so the message can say which. */
	if (p->block_size % (uint32_t)page != 0 || !VDK_IS_POWER_OF_2(p->frame_size) ||
	    p->frame_size > p->block_size || p->frame_size % TPACKET_ALIGNMENT != 0) {
		AFP_LOG(ERR, "%s: blocksz %u must be a multiple of the page size (%ld) and framesz "
			"%u a power of two no larger than blocksz", name, p->block_size, page,
			p->frame_size);
		return -EINVAL;
	}
	p->qpairs = qpairs;
	p->qdisc_bypass = bypass != 0;
	return 0;
}

static int
afp_probe(const char *name, const char *args)
{
	static unsigned int fanout_seq;
	struct afp_port *p;
	bool group_ignores, apart;
	struct ifreq ifr;
	unsigned int q;
	int ret;

	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->rings_lock, NULL);
	p->ctl_fd = -1;
	for (q = 0; q < AFP_MAX_QPAIRS; q++)
		p->rxq[q].fd = p->txq[q].fd = -1;
	ret = afp_parse(p, name, args);
	if (ret != 0)
		goto free_port;
	p->ifindex = (int)if_nametoindex(p->iface);
	if (p->ifindex == 0) {
		ret = -ENODEV;
		AFP_LOG(ERR, "%s: no interface %s in this network namespace", name, p->iface);
		goto free_port;
	}
	p->ctl_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p->ctl_fd < 0) {
		ret = -errno;
		goto free_port;
	}
	memset(&ifr, 0, sizeof(ifr));
	ret = if_ioctl(p, SIOCGIFHWADDR, &ifr);
	if (ret == 0 && ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		AFP_LOG(ERR, "%s: %s is not an Ethernet interface", name, p->iface);
		ret = -EINVAL;
	}
	if (ret != 0)
		goto free_port;
	memcpy(p->vp.eth.mac_addr.addr_bytes, ifr.ifr_hwaddr.sa_data, VDK_ETHER_ADDR_LEN);
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(p, SIOCGIFMTU, &ifr) == 0)
		p->vp.eth.mtu = (uint16_t)ifr.ifr_mtu;
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(p, SIOCGIFFLAGS, &ifr) == 0)
		p->old_flags = (unsigned int)ifr.ifr_flags;
	group_ignores = p->qpairs > 1 && fanout_ignores_outgoing();
	if (p->qpairs > 1)
		p->fanout = ((((uint32_t)getpid() << 4) + fanout_seq++) & 0xffff) |
			    ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG |
					(group_ignores ? PACKET_FANOUT_FLAG_IGNORE_OUTGOING : 0))
			     << 16);
	apart = tx_apart(p, group_ignores);
	/* The sockets here, so that a missing CAP_NET_RAW fails the probe. */
	for (q = 0; q < p->qpairs; q++) {
		ret = sock_open(p, q, true, !apart);
		if (ret == 0 && apart)
			ret = sock_open(p, q, false, true);
		if (ret != 0)
			goto free_port;
	}
	ret = rings_start(p);
	if (ret != 0)
		goto free_port;
	p->vp.eth.ops = &afp_ops;
	p->vp.eth.driver_name = "net_af_packet";
	p->vp.eth.rx_burst = afp_rx_burst;
	p->vp.eth.tx_burst = afp_tx_burst;
	p->vp.eth.socket_id = VDK_SOCKET_ID_ANY;
	ret = vdk_eth_vport_queues_set(&p->vp, p->rxq, sizeof(p->rxq[0]), (uint16_t)p->qpairs,
				       p->txq, sizeof(p->txq[0]), (uint16_t)p->qpairs);
	if (ret == 0)
		ret = vdk_eth_dev_attach(&p->vp.eth, name);
	if (ret < 0)
		goto free_port;
	AFP_LOG(DEBUG, "%s: port %d on %s, %u queue pair(s)", name, ret, p->iface, p->qpairs);
	return 0;
free_port:
	afp_free(p);
	return ret;
}

static const struct vdk_vdev_driver afp_driver = {
	.name = "net_af_packet",
	.probe = afp_probe,
	.remove = vdk_eth_dev_vdev_remove,
	.args_help = afp_help,
};

VDK_VDEV_REGISTER(afp_driver)
