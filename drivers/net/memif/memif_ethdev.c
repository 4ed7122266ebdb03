/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_memif: a port on a shared-memory packet interface (memif), the link
 * DPDK's net_memif, libmemif and VPP speak, in either role.
 *
 *   --vdev net_memif0,role=server|client,socket=PATH,id=N[,socket-abstract=yes|no]
 *          [,bsize=BYTES][,rsize=LOG2][,secret=S][,mac=XX:..][,zero-copy=yes|no]
 *
 * Defaults as DPDK 22.11's: client, /run/memif.sock in the abstract
 * namespace, id 0, 2048-byte buffers, rings of 2^10. The link is up while
 * a peer is connected. memif_socket.c runs the control thread, memif_conn.c
 * the protocol, memif_rxtx.c the datapath (copy mode; a zero-copy=yes
 * client points its descriptors at mbufs in the EAL memory it exports).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memif_internal.h"
#include "vdk_eal.h"
#include "vdk_memory.h"
#include "vdk_ether.h"
#include "vdk_vdev.h"

uint32_t memif_mem_epoch;

static int
memif_mem_event(enum vdk_mem_event event, const struct vdk_memseg *ms, void *arg)
{
	(void)ms;
	(void)arg;
	if (event == VDK_MEM_EVENT_FREE)
		__atomic_add_fetch(&memif_mem_epoch, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static struct memif_port *
to_memif(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct memif_port, vp.eth);
}

static int
memif_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	(void)dev;
	info->max_rx_queues = MEMIF_MAX_QUEUES;
	info->max_tx_queues = MEMIF_MAX_QUEUES;
	/* The rings are sized by rsize= and the peer; descriptor counts are hints. */
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = UINT16_MAX, .nb_min = 1,
						       .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = 1u << MEMIF_DEFAULT_LOG2_RING;
	info->default_tx_ring_size = info->default_rx_ring_size;
	info->default_burst_size = 32;
	/* A packet spans as many buffers as it needs (DESC_FLAG_NEXT). */
	info->max_rx_pktlen = 9018;
	info->min_mtu = 68;
	info->max_mtu = 9000;
	info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

static int
memif_configure(struct vdk_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static int
memif_start(struct vdk_eth_dev *dev)
{
	return memif_ctl_start(to_memif(dev));
}

static int
memif_stop(struct vdk_eth_dev *dev)
{
	memif_ctl_stop(to_memif(dev));
	return 0;
}

static void
memif_close(struct vdk_eth_dev *dev)
{
	struct memif_port *p = to_memif(dev);

	memif_ctl_detach(p);
	free(p);
}

static int
memif_link_update(struct vdk_eth_dev *dev, int wait)
{
	(void)dev;
	(void)wait;
	/* The control thread records every change as it happens. */
	return 0;
}

/* memif's own part of a queue ethdev's vport helper has just set up. */
static int
queue_own(struct vdk_eth_dev *dev, struct memif_queue *q)
{
	q->port = to_memif(dev);
	q->copies = 0;
	return 0;
}

static int
memif_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		     const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **rxq)
{
	int ret = vdk_eth_vport_rx_queue_setup(dev, qid, nb_desc, socket_id, conf, mp, rxq);

	return ret == 0 ? queue_own(dev, *rxq) : ret;
}

static int
memif_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		     const struct vdk_eth_txconf *conf, void **txq)
{
	int ret = vdk_eth_vport_tx_queue_setup(dev, qid, nb_desc, socket_id, conf, txq);

	return ret == 0 ? queue_own(dev, *txq) : ret;
}

static const char *const memif_xstat_names[] = { "memif_connects", "memif_zc_copies" };

static int
memif_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
		       unsigned int n)
{
	unsigned int i;

	(void)dev;
	for (i = 0; names != NULL && i < n && i < VDK_DIM(memif_xstat_names); i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s", memif_xstat_names[i]);
	return (int)VDK_DIM(memif_xstat_names);
}

static int
memif_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	struct memif_port *p = to_memif(dev);
	uint64_t copies = 0;
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++)
		copies += vdk_eth_counter_read(&p->rxq[q].copies);
	for (q = 0; q < dev->nb_tx_queues; q++)
		copies += vdk_eth_counter_read(&p->txq[q].copies);
	if (n >= 1)
		values[0] = __atomic_load_n(&p->connects, __ATOMIC_RELAXED);
	if (n >= 2)
		values[1] = copies;
	return (int)VDK_DIM(memif_xstat_names);
}

static const struct vdk_eth_dev_ops memif_ops = {
	.dev_infos_get = memif_infos_get,
	.dev_configure = memif_configure,
	.dev_start = memif_start,
	.dev_stop = memif_stop,
	.dev_close = memif_close,
	.rx_queue_setup = memif_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = memif_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = memif_link_update,
	.stats_get = vdk_eth_vport_stats_get,
	.xstats_get_names = memif_xstats_get_names,
	.xstats_get = memif_xstats_get,
	.promiscuous_enable = vdk_eth_dev_op_accept,
	.promiscuous_disable = vdk_eth_dev_op_accept,
	.allmulticast_enable = vdk_eth_dev_op_accept,
	.allmulticast_disable = vdk_eth_dev_op_accept,
	.mac_addr_set = vdk_eth_dev_mac_addr_accept,
	.mtu_set = vdk_eth_dev_mtu_accept,
};

static const char *const memif_args[] = {
	"role", "id", "socket", "socket-abstract", "bsize", "rsize", "secret", "mac",
	"zero-copy", NULL,
};
static const char memif_help[] = "role=server|client,socket=<path>,id=<n>,"
				 "socket-abstract=yes|no,bsize=<bytes>,rsize=<log2 slots>,"
				 "secret=<string>,mac=<xx:xx:xx:xx:xx:xx>,zero-copy=yes|no";

/* yes|no for @key; absent: *out unchanged. */
static int
arg_bool(const char *name, const char *args, const char *key, bool *out)
{
	char val[8];
	int ret = vdk_devargs_get(args, key, val, sizeof(val));

	if (ret == -ENOENT)
		return 0;
	if (ret == 0 && (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0)) {
		*out = val[0] == 'y';
		return 0;
	}
	MEMIF_LOG(ERR, "%s: bad %s: it takes yes or no", name, key);
	return -EINVAL;
}

/* A socket file's directory must exist before a server can bind or a client connect. */
static int
check_socket_dir(const char *name, const char *path)
{
	char dir[sizeof(((struct memif_port *)0)->socket)];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	MEMIF_LOG(ERR, "%s: socket %s: directory %s does not exist: create it, or give "
		  "socket= another path (or socket-abstract=yes)", name, path, dirname(dir));
	return -ENOENT;
}

static int
memif_parse(struct memif_port *p, const char *name, const char *args)
{
	char val[sizeof(p->socket)];
	uint32_t id = 0, bsize = MEMIF_DEFAULT_BSIZE, rsize = MEMIF_DEFAULT_LOG2_RING;
	bool zc = false;
	int ret;

	ret = vdk_vdev_args_check(name, args, memif_args, memif_help);
	if (ret != 0)
		return ret;
	p->role = MEMIF_ROLE_CLIENT;
	ret = vdk_devargs_get(args, "role", val, sizeof(val));
	if (ret == 0) {
		if (strcmp(val, "server") == 0 || strcmp(val, "master") == 0) {
			p->role = MEMIF_ROLE_SERVER;
		} else if (strcmp(val, "client") != 0 && strcmp(val, "slave") != 0) {
			MEMIF_LOG(ERR, "%s: bad role '%s': server or client", name, val);
			return -EINVAL;
		}
	}
	snprintf(p->socket, sizeof(p->socket), "%s", MEMIF_DEFAULT_SOCKET);
	ret = vdk_devargs_get(args, "socket", p->socket, sizeof(p->socket));
	if (ret == -ENOSPC || (ret == 0 && p->socket[0] == '\0')) {
		MEMIF_LOG(ERR, "%s: socket= takes a path of 1..%zu characters", name,
			  sizeof(p->socket) - 2);
		return -EINVAL;
	}
	p->abstract = true;
	ret = vdk_devargs_get_uint(args, "id", 0, UINT32_MAX, &id);
	if (ret == 0)
		ret = vdk_devargs_get_uint(args, "bsize", 64, UINT16_MAX, &bsize);
	if (ret == 0)
		ret = vdk_devargs_get_uint(args, "rsize", 1, MEMIF_MAX_LOG2_RING, &rsize);
	if (ret != 0)
		return ret;
	if (arg_bool(name, args, "socket-abstract", &p->abstract) ||
	    arg_bool(name, args, "zero-copy", &zc))
		return -EINVAL;
	if (zc && p->role == MEMIF_ROLE_SERVER) {
		/* The client owns every buffer; a server only ever uses the client's. */
		MEMIF_LOG(ERR, "%s: zero-copy=yes is the client's mode (as DPDK's): leave it out "
			  "on the server", name);
		return -ENOTSUP;
	}
	p->zc = zc;
	/* An abstract name has a leading NUL before it in sun_path. */
	if (p->abstract && strlen(p->socket) > sizeof(p->socket) - 2) {
		MEMIF_LOG(ERR, "%s: abstract socket name too long", name);
		return -EINVAL;
	}
	if (!p->abstract) {
		ret = check_socket_dir(name, p->socket);
		if (ret != 0)
			return ret;
	}
	ret = vdk_devargs_get(args, "secret", p->secret, sizeof(p->secret));
	if (ret == -ENOSPC) {
		MEMIF_LOG(ERR, "%s: secret= takes at most %d characters", name, MEMIF_SECRET_SIZE);
		return -EINVAL;
	}
	ret = vdk_devargs_get(args, "mac", val, sizeof(val));
	if (ret == 0 && vdk_ether_unformat_addr(val, &p->vp.eth.mac_addr) != 0) {
		MEMIF_LOG(ERR, "%s: bad mac '%s': xx:xx:xx:xx:xx:xx", name, val);
		return -EINVAL;
	} else if (ret != 0) {
		vdk_ether_random_addr(&p->vp.eth.mac_addr);
	}
	p->id = id;
	p->bsize = bsize;
	p->log2_ring = (uint8_t)rsize;
	return 0;
}

/* Set once a zero-copy port is made: the segments mapped after it are shared too. */
static bool memif_zc_made;

static int
memif_probe(const char *name, const char *args)
{
	struct memif_port *p;
	int ret;

	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", name);
	ret = memif_parse(p, name, args);
	if (ret != 0)
		goto free_port;
	if (p->zc) {
		/* From now on --no-huge segments must have a file (memif_shares_memory()). */
		__atomic_store_n(&memif_zc_made, true, __ATOMIC_RELAXED);
		/* Exported segments that go make the datapath copy (memif_mem_epoch). */
		ret = vdk_mem_event_callback_register("net_memif", memif_mem_event, NULL);
		if (ret != 0 && ret != -EEXIST) {
			MEMIF_LOG(ERR, "%s: cannot watch EAL memory for zero-copy: %s", name,
				  strerror(-ret));
			goto free_port;
		}
	}
	ret = memif_ctl_attach(p);
	if (ret != 0)
		goto free_port;
	p->vp.eth.ops = &memif_ops;
	p->vp.eth.driver_name = "net_memif";
	p->vp.eth.rx_burst = memif_rx_burst;
	p->vp.eth.tx_burst = memif_tx_burst;
	p->vp.eth.socket_id = VDK_SOCKET_ID_ANY;
	ret = vdk_eth_vport_queues_set(&p->vp, p->rxq, sizeof(p->rxq[0]), MEMIF_MAX_QUEUES,
				       p->txq, sizeof(p->txq[0]), MEMIF_MAX_QUEUES);
	if (ret == 0)
		ret = vdk_eth_dev_attach(&p->vp.eth, name);
	if (ret < 0) {
		memif_ctl_detach(p);
		goto free_port;
	}
	MEMIF_LOG(INFO, "%s: port %d, %s on %s%s, id %u%s", name, ret,
		  p->role == MEMIF_ROLE_SERVER ? "server" : "client", p->abstract ? "@" : "",
		  p->socket, p->id, p->zc ? ", zero-copy" : "");
	return 0;
free_port:
	free(p);
	return ret;
}

static const struct vdk_vdev_driver memif_driver = {
	.name = "net_memif",
	.probe = memif_probe,
	.remove = vdk_eth_dev_vdev_remove,
	.args_help = memif_help,
};

VDK_VDEV_REGISTER(memif_driver)

/*
 * Zero-copy hands the client's EAL memory to the server, which needs a
 * file to map: --no-huge memory must then come from a memfd, not from
 * anonymous memory (vdk_mem_share_hook_register()). The EAL asks before
 * each such segment, the -m ones before any port is made: hence the
 * command line too. Segments mapped before a zero-copy port made at run
 * time stay unshared, and packets in them are copied (memif_zc_copies).
 */
static bool
memif_shares_memory(void)
{
	size_t plen = strlen(memif_driver.name);
	const struct vdk_devargs *d = NULL;
	char val[8];

	if (__atomic_load_n(&memif_zc_made, __ATOMIC_RELAXED))
		return true;
	while ((d = vdk_devargs_next(d)) != NULL)
		if (d->type == VDK_DEVTYPE_VDEV && strncmp(d->name, memif_driver.name, plen) == 0 &&
		    vdk_devargs_get(d->args, "zero-copy", val, sizeof(val)) == 0 &&
		    strcmp(val, "yes") == 0)
			return true;
	return false;
}

VDK_INIT(memif_share_hook_register)
{
	vdk_mem_share_hook_register(memif_shares_memory);
}
