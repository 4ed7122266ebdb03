/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_memif's protocol on one connection (memif_proto.h has the messages):
 * the server's and the client's states from HELLO to CONNECTED, the
 * checks of what a peer announces, the shared memory mapped (server) or
 * made (client), and the rings handed to the datapath and taken back.
 * It runs on the control thread of memif_socket.c, under its lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memif_conn_internal.h"
#include "vdk_eal.h"
#include "vdk_memory.h"

/* What a client announced before CONNECT (server side). */
struct pending_ring {
	bool set;
	uint16_t region;
	uint32_t offset;
	uint8_t log2;
	int fd;
};

enum cc_state {
	CC_WAIT_INIT,		/* server: HELLO sent */
	CC_WAIT_CONNECT,	/* server: INIT taken, regions and rings coming */
	CC_WAIT_HELLO,		/* client: connected to the socket */
	CC_WAIT_CONNECTED,	/* client: everything sent */
	CC_CONNECTED,
};

struct memif_channel {
	int fd;
	int src;
	enum cc_state state;
	struct memif_listener *listener;	/* server side */
	struct memif_port *port;		/* NULL until INIT names it */
	struct memif_region regions[MEMIF_MAX_REGIONS];	/* announced, fd only */
	uint16_t nb_regions;
	struct pending_ring c2s[MEMIF_MAX_QUEUES];
	struct pending_ring s2c[MEMIF_MAX_QUEUES];
	/*
	 * Client: what it still has to send, one message an ACK, as DPDK's
	 * and libmemif's clients do: a server that refuses a message and
	 * closes then has nothing of ours unread, which would reset the
	 * connection before its DISCONNECT is read. The fds are the port's.
	 */
	struct { struct memif_msg m; int fd; } out[2 * MEMIF_MAX_QUEUES + 3];
	unsigned int nb_out, next_out;
};

static void
fill_name(uint8_t *dst, size_t len, const char *s)
{
	memset(dst, 0, len);
	memcpy(dst, s, VDK_MIN(strlen(s), len - 1));
}

static void
copy_name(char *dst, const uint8_t *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

void
memif_link_report(struct memif_port *p)
{
	struct vdk_eth_link link = {
		.link_speed = VDK_ETH_SPEED_NUM_10G,
		.link_duplex = VDK_ETH_LINK_FULL_DUPLEX,
		.link_status = p->connected && p->started,
	};

	vdk_eth_dev_link_set(&p->vp.eth, &link);
}

/* ---------------------------------------------------------------- queues */

static void
queue_publish(struct memif_queue *q, struct memif_ring *r)
{
	q->broken = 0;
	/* Every field above before the ring a burst finds them through. */
	__atomic_store_n(&q->ring, r, __ATOMIC_SEQ_CST);
}

/* Take the ring away and wait until no burst can still be using it. */
static void
queue_unpublish(struct memif_queue *q)
{
	__atomic_store_n(&q->ring, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&q->busy, __ATOMIC_SEQ_CST))
		sched_yield();
	if (q->kick_fd >= 0)
		close(q->kick_fd);
	q->kick_fd = -1;
	q->broken = 0;
}

/* --------------------------------------------------------------- channel */

static void
pending_free(struct memif_channel *cc)
{
	unsigned int i;

	for (i = 0; i < cc->nb_regions; i++)
		if (cc->regions[i].fd >= 0)
			close(cc->regions[i].fd);
	cc->nb_regions = 0;
	for (i = 0; i < MEMIF_MAX_QUEUES; i++) {
		if (cc->c2s[i].set && cc->c2s[i].fd >= 0)
			close(cc->c2s[i].fd);
		if (cc->s2c[i].set && cc->s2c[i].fd >= 0)
			close(cc->s2c[i].fd);
		cc->c2s[i].set = cc->s2c[i].set = false;
	}
}

static void
channel_close(struct memif_channel *cc)
{
	struct memif_msg m;
	int i, afd, ret;

	/*
	 * Read what the peer sent and we will not handle: closing a unix
	 * socket with unread data resets the peer, which would then lose the
	 * DISCONNECT that says why.
	 */
	for (i = 0; i < 64; i++) {
		ret = memif_msg_recv(cc->fd, &m, &afd);
		if (afd >= 0)
			close(afd);
		if (ret != 0 && ret != -EBADMSG)
			break;
	}
	memif_src_del(cc->src, cc->fd);
	close(cc->fd);
	pending_free(cc);
	if (cc->port != NULL && cc->port->cc == cc)
		cc->port->cc = NULL;
	free(cc);
}

static int
send_simple(struct memif_channel *cc, uint16_t type)
{
	struct memif_msg m = { .type = type };

	return memif_msg_send(cc->fd, &m, -1);
}

static void
client_queue(struct memif_channel *cc, const struct memif_msg *m, int fd)
{
	cc->out[cc->nb_out].m = *m;
	cc->out[cc->nb_out].fd = fd;
	cc->nb_out++;
}

/* Send the client's next message; a failure shows as the server's reply or its end. */
static void
client_send_next(struct memif_channel *cc)
{
	if (cc->next_out < cc->nb_out) {
		memif_msg_send(cc->fd, &cc->out[cc->next_out].m, cc->out[cc->next_out].fd);
		cc->next_out++;
	}
}

static void
send_disconnect(struct memif_channel *cc, const char *reason)
{
	struct memif_msg m = { .type = MEMIF_MSG_DISCONNECT };

	fill_name(m.disconnect.reason, sizeof(m.disconnect.reason), reason);
	memif_msg_send(cc->fd, &m, -1);	/* best effort: we close anyway */
}

/* ------------------------------------------------------------- channels */

void
memif_conn_accept(struct memif_listener *l, int fd, unsigned int rx, unsigned int tx)
{
	struct memif_channel *cc;
	struct memif_msg m;

	cc = calloc(1, sizeof(*cc));
	if (cc == NULL) {
		close(fd);
		return;
	}
	cc->fd = fd;
	cc->listener = l;
	cc->state = CC_WAIT_INIT;
	cc->src = memif_src_add(fd, cc);
	if (cc->src < 0) {
		MEMIF_LOG(ERR, "server socket: too many connections");
		close(fd);
		free(cc);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = MEMIF_MSG_HELLO;
	fill_name(m.hello.name, sizeof(m.hello.name), "VDK");
	m.hello.min_version = MEMIF_VERSION;
	m.hello.max_version = MEMIF_VERSION;
	m.hello.max_region = MEMIF_MAX_REGIONS - 1;
	m.hello.max_c2s_ring = (uint16_t)(VDK_MIN(VDK_MAX(rx, 1u), MEMIF_MAX_QUEUES) - 1);
	m.hello.max_s2c_ring = (uint16_t)(VDK_MIN(VDK_MAX(tx, 1u), MEMIF_MAX_QUEUES) - 1);
	m.hello.max_log2_ring_size = MEMIF_MAX_LOG2_RING;
	if (memif_msg_send(fd, &m, -1) != 0)
		channel_close(cc);
}

int
memif_conn_open(struct memif_port *p, int fd)
{
	struct memif_channel *cc = calloc(1, sizeof(*cc));

	if (cc == NULL) {
		close(fd);
		return -ENOMEM;
	}
	cc->fd = fd;
	cc->port = p;
	cc->state = CC_WAIT_HELLO;
	cc->src = memif_src_add(fd, cc);
	if (cc->src < 0) {
		close(fd);
		free(cc);
		return -ENOSPC;
	}
	p->cc = cc;
	return 0;
}

/* ------------------------------------------------------------ connection */

static void
regions_unmap(struct memif_port *p)
{
	unsigned int i;

	for (i = 0; i < p->nb_regions; i++) {
		if (p->regions[i].base != NULL && !p->regions[i].eal_seg)
			munmap(p->regions[i].base, p->regions[i].size);
		if (p->regions[i].fd >= 0)
			close(p->regions[i].fd);
		p->regions[i] = (struct memif_region){ .fd = -1 };
	}
	p->nb_regions = 0;
}

/*
 * End the port's connection: tell the peer why (if @tell), take the rings
 * from the datapath, unmap. A started client tries again later.
 */
void
memif_conn_disconnect(struct memif_port *p, const char *reason, bool tell)
{
	unsigned int q;
	bool was = p->connected;

	if (p->cc != NULL) {
		if (tell)
			send_disconnect(p->cc, reason);
		channel_close(p->cc);
	}
	for (q = 0; q < MEMIF_MAX_QUEUES; q++) {
		queue_unpublish(&p->rxq[q]);
		queue_unpublish(&p->txq[q]);
		memif_zc_release(&p->rxq[q]);
		memif_zc_release(&p->txq[q]);
	}
	regions_unmap(p);
	p->connected = false;
	p->nb_c2s = p->nb_s2c = 0;
	snprintf(p->disc_reason, sizeof(p->disc_reason), "%s", reason);
	if (was)
		MEMIF_LOG(INFO, "%s: disconnected from %s: %s", p->name, p->peer_name, reason);
	if (p->role == MEMIF_ROLE_CLIENT && p->started)
		p->retry_at_ns = memif_now_ns() + MEMIF_RETRY_MS * 1000000ull;
	memif_link_report(p);
}

/* A protocol error on @cc: say so to the peer and in the log, then close. */
static void
channel_fail(struct memif_channel *cc, const char *reason)
{
	struct memif_port *p = cc->port;

	if (p == NULL && cc->listener != NULL) {
		memif_listener_refused(cc->listener, reason);
	} else {
		MEMIF_LOG(WARNING, "%s: %s: %s; disconnecting", p != NULL ? p->name : "?",
			  p != NULL ? p->socket : "?", reason);
	}
	if (p != NULL && p->cc == cc) {
		memif_conn_disconnect(p, reason, true);
		return;
	}
	send_disconnect(cc, reason);
	channel_close(cc);
}

/* Server, CONNECT: map the client's regions, check its rings, start the datapath. */
static int
server_connect(struct memif_channel *cc, const char **why)
{
	struct memif_port *p = cc->port;
	struct memif_ring *r;
	struct memif_queue *q;
	struct pending_ring *pr;
	struct stat st;
	unsigned int i, dir;
	void *base;

	if (cc->nb_regions == 0) {
		*why = "no region announced";
		return -EPROTO;
	}
	for (i = 0; i < cc->nb_regions; i++) {
		/* Pages past the end of the file would fault (SIGBUS) when touched. */
		if (fstat(cc->regions[i].fd, &st) != 0 || (uint64_t)st.st_size < cc->regions[i].size) {
			*why = "region file smaller than announced";
			goto unmap;
		}
		base = mmap(NULL, cc->regions[i].size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    cc->regions[i].fd, 0);
		if (base == MAP_FAILED) {
			*why = "cannot map a region";
			goto unmap;
		}
		p->regions[i] = cc->regions[i];
		p->regions[i].base = base;
		cc->regions[i].fd = -1;
		p->nb_regions = (uint16_t)(i + 1);
	}
	cc->nb_regions = 0;
	p->nb_c2s = p->nb_s2c = 0;
	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < MEMIF_MAX_QUEUES; i++) {
			pr = dir == 0 ? &cc->c2s[i] : &cc->s2c[i];
			if (!pr->set)
				continue;
			if (pr->region >= p->nb_regions ||
			    (uint64_t)pr->offset + memif_ring_bytes(pr->log2) >
				    p->regions[pr->region].size) {
				*why = "ring outside its region";
				goto unmap;
			}
			r = (struct memif_ring *)(p->regions[pr->region].base + pr->offset);
			if (((uintptr_t)r & 7) != 0 || r->cookie != MEMIF_COOKIE) {
				*why = "ring without the memif cookie";
				goto unmap;
			}
		}
	}
	/* All checked: hand the rings to the queues. C2S rings are our rx. */
	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < MEMIF_MAX_QUEUES; i++) {
			pr = dir == 0 ? &cc->c2s[i] : &cc->s2c[i];
			if (!pr->set)
				continue;
			q = dir == 0 ? &p->rxq[i] : &p->txq[i];
			r = (struct memif_ring *)(p->regions[pr->region].base + pr->offset);
			__atomic_store_n(&r->head, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&r->tail, 0, __ATOMIC_RELAXED);
			if (dir == 0)
				r->flags = MEMIF_RING_FLAG_MASK_INT;	/* we poll */
			q->client = false;
			q->mask = (uint16_t)((1u << pr->log2) - 1);
			q->last = 0;
			q->head = 0;
			q->regions = p->regions;
			q->nb_regions = p->nb_regions;
			q->kick_fd = pr->fd;
			pr->fd = -1;
			pr->set = false;
			p->run_log2 = pr->log2;
			queue_publish(q, r);
			if (dir == 0)
				p->nb_c2s++;
			else
				p->nb_s2c++;
		}
	}
	return 0;
unmap:
	regions_unmap(p);
	return -EPROTO;
}

struct zc_export {
	struct memif_port *p;
	unsigned int max;	/* regions the server takes */
	unsigned int skipped;
	int err;
};

/* One EAL segment as a region of its own (called under the memory lock: it stays). */
static int
zc_export_seg(const struct vdk_memseg *ms, void *arg)
{
	struct zc_export *x = arg;
	struct memif_port *p = x->p;
	int fd = vdk_memseg_fd(ms);

	/* Descriptors name a buffer by a 32-bit offset into its region. */
	if (fd < 0 || ms->len > UINT32_MAX || p->nb_regions >= x->max) {
		x->skipped++;
		return 0;
	}
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		x->err = -errno;
		return 1;
	}
	p->regions[p->nb_regions++] = (struct memif_region){ .base = ms->addr, .size = ms->len,
		.fd = fd, .eal_seg = true };
	return 0;
}

/*
 * Zero-copy: every EAL segment as a region after region 0, so that the
 * descriptors can point at mbufs wherever the pools have them. @return
 * memif_mem_epoch from before the walk (a segment that goes after it
 * changes the epoch), or -errno.
 */
static int64_t
zc_export(struct memif_port *p, unsigned int max, const char **why)
{
	struct zc_export x = { .p = p, .max = VDK_MIN(max, MEMIF_MAX_REGIONS) };
	uint32_t epoch = __atomic_load_n(&memif_mem_epoch, __ATOMIC_SEQ_CST);

	vdk_memseg_walk(zc_export_seg, &x);
	if (x.err != 0) {
		*why = "cannot share EAL memory";
		return x.err;
	}
	if (p->nb_regions == 1)
		MEMIF_LOG(WARNING, "%s: zero-copy: no EAL memory can be shared (IOVA mode PA "
			  "with --no-huge has no file behind it): every packet is copied", p->name);
	else if (x.skipped > 0)
		MEMIF_LOG(WARNING, "%s: zero-copy: %u EAL segments not shared (the server takes "
			  "%u regions, or a segment passes 4 GiB): packets there are copied", p->name,
			  x.skipped, max);
	return epoch;
}

/* Client, HELLO: make the region with every ring and buffer, send it all. */
static int
client_setup(struct memif_port *p, const struct memif_msg_hello *h, const char **why)
{
	struct memif_channel *cc = p->cc;
	unsigned int nrings, i, j, log2;
	struct memif_msg m;
	struct memif_ring *r;
	uint64_t size, ring_bytes, buf_base;
	int64_t epoch = 0;
	uint8_t *base;
	int fd, efd, ret;

	p->nb_c2s = (uint16_t)VDK_MIN((unsigned int)h->max_c2s_ring + 1, p->vp.eth.nb_tx_queues);
	p->nb_s2c = (uint16_t)VDK_MIN((unsigned int)h->max_s2c_ring + 1, p->vp.eth.nb_rx_queues);
	p->nb_c2s = (uint16_t)VDK_MIN(p->nb_c2s, MEMIF_MAX_QUEUES);
	p->nb_s2c = (uint16_t)VDK_MIN(p->nb_s2c, MEMIF_MAX_QUEUES);
	log2 = VDK_MIN(h->max_log2_ring_size, p->log2_ring);
	p->run_log2 = (uint8_t)log2;
	nrings = p->nb_c2s + p->nb_s2c;
	ring_bytes = memif_ring_bytes(log2);
	buf_base = VDK_ALIGN_CEIL(nrings * ring_bytes, 64u);
	size = buf_base + ((uint64_t)nrings << log2) * p->bsize;
	/* Descriptors name buffers by a 32-bit offset. */
	if (size > UINT32_MAX) {
		*why = "rings and buffers pass 4 GiB: lower rsize or bsize";
		return -E2BIG;
	}
	fd = memfd_create("memif_region_0", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		*why = "cannot make a memfd";
		return -errno;
	}
	/* The server maps it: it must not be able to shrink under it. */
	if (ftruncate(fd, (off_t)size) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
		ret = -errno;
		close(fd);
		*why = "cannot size the region";
		return ret;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		close(fd);
		*why = "cannot map the region";
		return ret;
	}
	p->regions[0] = (struct memif_region){ .base = base, .size = size, .fd = fd };
	p->nb_regions = 1;
	if (p->zc) {
		epoch = zc_export(p, (unsigned int)h->max_region + 1, why);
		if (epoch < 0)
			return (int)epoch;
	}

	memset(&m, 0, sizeof(m));
	m.type = MEMIF_MSG_INIT;
	m.init.version = MEMIF_VERSION;
	m.init.id = p->id;
	m.init.mode = MEMIF_MODE_ETHERNET;
	memcpy(m.init.secret, p->secret, strlen(p->secret));
	fill_name(m.init.name, sizeof(m.init.name), "VDK");
	client_queue(cc, &m, -1);
	memset(&m, 0, sizeof(m));
	m.type = MEMIF_MSG_ADD_REGION;
	m.add_region.index = 0;
	m.add_region.size = size;
	client_queue(cc, &m, fd);
	for (i = 1; i < p->nb_regions; i++) {
		m.add_region.index = (uint16_t)i;
		m.add_region.size = p->regions[i].size;
		client_queue(cc, &m, p->regions[i].fd);
	}
	/* Rings first (C2S then S2C), then each ring's buffers in turn. */
	for (i = 0; i < nrings; i++) {
		bool c2s = i < p->nb_c2s;
		unsigned int qi = c2s ? i : i - p->nb_c2s;
		struct memif_queue *q = c2s ? &p->txq[qi] : &p->rxq[qi];

		r = (struct memif_ring *)(base + i * ring_bytes);
		r->cookie = MEMIF_COOKIE;
		r->flags = 0;
		r->head = r->tail = 0;
		q->client = true;
		q->bsize = p->bsize;
		q->mask = (uint16_t)((1u << log2) - 1);
		q->buf_off = (uint32_t)(buf_base + ((uint64_t)i << log2) * p->bsize);
		q->bufs = base + q->buf_off;
		q->zc = p->zc;
		if (q->zc) {
			q->regions = p->regions;
			q->nb_regions = p->nb_regions;
			q->zc_epoch = (uint32_t)epoch;
			q->zc_hint = p->nb_regions > 1;
			q->mbufs = calloc(1u << log2, sizeof(*q->mbufs));
			if (q->mbufs == NULL) {
				*why = "no memory for the zero-copy rings";
				return -ENOMEM;
			}
		}
		for (j = 0; j < (1u << log2); j++)
			r->desc[j] = (struct memif_desc){ .region = 0, .length = p->bsize,
				.offset = q->buf_off + j * p->bsize };
		efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (efd < 0) {
			*why = "cannot make an eventfd";
			return -errno;
		}
		q->kick_fd = efd;
		memset(&m, 0, sizeof(m));
		m.type = MEMIF_MSG_ADD_RING;
		m.add_ring.flags = c2s ? MEMIF_RING_FLAG_C2S : 0;
		m.add_ring.index = (uint16_t)qi;
		m.add_ring.region = 0;
		m.add_ring.offset = (uint32_t)(i * ring_bytes);
		m.add_ring.log2_ring_size = (uint8_t)log2;
		client_queue(cc, &m, efd);
	}
	memset(&m, 0, sizeof(m));
	m.type = MEMIF_MSG_CONNECT;
	fill_name(m.connect.if_name, sizeof(m.connect.if_name), p->name);
	client_queue(cc, &m, -1);
	client_send_next(cc);
	return 0;
}

/* Client, CONNECTED: post every S2C buffer, start the datapath. */
static void
client_connected(struct memif_port *p)
{
	unsigned int i;
	struct memif_ring *r;
	struct memif_queue *q;
	size_t ring_bytes = memif_ring_bytes(p->run_log2);

	for (i = 0; i < (unsigned int)p->nb_c2s + p->nb_s2c; i++) {
		r = (struct memif_ring *)(p->regions[0].base + i * ring_bytes);
		q = i < p->nb_c2s ? &p->txq[i] : &p->rxq[i - p->nb_c2s];
		q->last = 0;
		q->head = 0;
		if (i >= p->nb_c2s) {
			r->flags = MEMIF_RING_FLAG_MASK_INT;	/* we poll */
			if (q->zc) {
				memif_zc_post(q, r);
			} else {
				q->head = (uint16_t)(q->mask + 1u);
				__atomic_store_n(&r->head, q->head, __ATOMIC_RELEASE);
			}
		}
		queue_publish(q, r);
	}
}

static void
port_connected(struct memif_port *p, const uint8_t *peer_if)
{
	copy_name(p->peer_if, peer_if, MEMIF_NAME_SIZE);
	p->connected = true;
	p->connects++;
	p->disc_reason[0] = '\0';
	MEMIF_LOG(INFO, "%s: connected to %s (%s, interface %s): %u+%u rings of %u slots, %s",
		  p->name, p->socket, p->peer_name, p->peer_if, p->nb_c2s, p->nb_s2c,
		  1u << p->run_log2, p->role == MEMIF_ROLE_CLIENT && p->zc ? "zero-copy" : "copying");
	memif_link_report(p);
}

/* The server side of one message. @return 0, or -EPROTO with @why. */
static int
server_input(struct memif_channel *cc, const struct memif_msg *m, int *afd, const char **why)
{
	static char buf[MEMIF_REASON_SIZE];
	struct memif_port *p = cc->port;
	struct pending_ring *pr;
	uint16_t nq;

	if (cc->state == CC_WAIT_INIT) {
		if (m->type != MEMIF_MSG_INIT) {
			*why = "expected INIT";
			return -EPROTO;
		}
		p = memif_server_port(cc->listener, m->init.id);
		if (p == NULL) {
			snprintf(buf, sizeof(buf), "ID %u not found", m->init.id);
			*why = buf;
			return -EPROTO;
		}
		if (!p->started || p->cc != NULL) {
			*why = p->started ? "already connected" : "interface not started";
			return -EPROTO;
		}
		if (p->secret[0] != '\0' &&
		    strncmp(p->secret, (const char *)m->init.secret, MEMIF_SECRET_SIZE) != 0) {
			*why = "incorrect secret";
			return -EPROTO;
		}
		cc->port = p;
		p->cc = cc;
		copy_name(p->peer_name, m->init.name, MEMIF_NAME_SIZE);
		cc->state = CC_WAIT_CONNECT;
		return send_simple(cc, MEMIF_MSG_ACK) == 0 ? 0 : (*why = "cannot send", -EIO);
	}
	if (cc->state == CC_CONNECTED || m->type == MEMIF_MSG_HELLO ||
	    m->type == MEMIF_MSG_INIT || m->type == MEMIF_MSG_CONNECTED ||
	    m->type == MEMIF_MSG_ACK) {
		snprintf(buf, sizeof(buf), "unexpected %s", memif_msg_name(m->type));
		*why = buf;
		return -EPROTO;
	}
	switch (m->type) {
	case MEMIF_MSG_ADD_REGION:
		if (m->add_region.index != cc->nb_regions || cc->nb_regions == MEMIF_MAX_REGIONS) {
			*why = "invalid region index";
			return -EPROTO;
		}
		cc->regions[cc->nb_regions++] = (struct memif_region){
			.size = m->add_region.size, .fd = *afd };
		*afd = -1;
		break;
	case MEMIF_MSG_ADD_RING:
		nq = (m->add_ring.flags & MEMIF_RING_FLAG_C2S) ? p->vp.eth.nb_rx_queues
							       : p->vp.eth.nb_tx_queues;
		if (m->add_ring.index >= VDK_MIN(nq, MEMIF_MAX_QUEUES)) {
			*why = "invalid ring index";
			return -EPROTO;
		}
		pr = (m->add_ring.flags & MEMIF_RING_FLAG_C2S) ? &cc->c2s[m->add_ring.index]
							       : &cc->s2c[m->add_ring.index];
		if (pr->set) {
			*why = "ring announced twice";
			return -EPROTO;
		}
		*pr = (struct pending_ring){ .set = true, .region = m->add_ring.region,
			.offset = m->add_ring.offset, .log2 = m->add_ring.log2_ring_size,
			.fd = *afd };
		*afd = -1;
		break;
	case MEMIF_MSG_CONNECT:
		if (server_connect(cc, why) != 0)
			return -EPROTO;
		cc->state = CC_CONNECTED;
		{
			struct memif_msg r = { .type = MEMIF_MSG_CONNECTED };

			fill_name(r.connect.if_name, sizeof(r.connect.if_name), p->name);
			memif_msg_send(cc->fd, &r, -1);
		}
		port_connected(p, m->connect.if_name);
		return 0;
	default:
		*why = "unexpected message";
		return -EPROTO;
	}
	if (send_simple(cc, MEMIF_MSG_ACK) != 0) {
		*why = "cannot send";
		return -EIO;
	}
	return 0;
}

/* The client side of one message. */
static int
client_input(struct memif_channel *cc, const struct memif_msg *m, const char **why)
{
	static char buf[MEMIF_REASON_SIZE];
	struct memif_port *p = cc->port;

	switch (cc->state) {
	case CC_WAIT_HELLO:
		if (m->type != MEMIF_MSG_HELLO)
			break;
		copy_name(p->peer_name, m->hello.name, MEMIF_NAME_SIZE);
		if (client_setup(p, &m->hello, why) != 0)
			return -EPROTO;
		cc->state = CC_WAIT_CONNECTED;
		return 0;
	case CC_WAIT_CONNECTED:
		if (m->type == MEMIF_MSG_ACK && cc->next_out < cc->nb_out) {
			client_send_next(cc);
			return 0;
		}
		if (m->type != MEMIF_MSG_CONNECTED || cc->next_out < cc->nb_out)
			break;	/* CONNECTED answers our CONNECT, the last message */
		cc->state = CC_CONNECTED;
		client_connected(p);
		port_connected(p, m->connect.if_name);
		return 0;
	default:
		break;
	}
	snprintf(buf, sizeof(buf), "unexpected %s", memif_msg_name(m->type));
	*why = buf;
	return -EPROTO;
}

void
memif_conn_input(struct memif_channel *cc)
{
	char reason[MEMIF_REASON_SIZE + 64];
	const char *why = NULL;
	struct memif_msg m;
	int afd, ret;

	ret = memif_msg_recv(cc->fd, &m, &afd);
	if (ret == -EAGAIN || ret == -EINTR)
		return;
	if (ret == -EBADMSG) {
		channel_fail(cc, "invalid message size");
		return;
	}
	if (ret != 0) {
		/* The peer went away (closed, crashed): nothing to tell it. */
		if (cc->port != NULL && cc->port->cc == cc) {
			if (!cc->port->connected &&
			    strcmp(cc->port->disc_reason, "peer closed the connection") != 0)
				MEMIF_LOG(INFO, "%s: %s: the peer closed the connection before it was "
					  "up (%s)", cc->port->name, cc->port->socket, strerror(-ret));
			memif_conn_disconnect(cc->port, "peer closed the connection", false);
		}
		else
			channel_close(cc);
		return;
	}
	if (m.type == MEMIF_MSG_DISCONNECT) {
		char peer[MEMIF_REASON_SIZE + 1];

		copy_name(peer, m.disconnect.reason, MEMIF_REASON_SIZE);
		snprintf(reason, sizeof(reason), "peer disconnected: %s", peer);
		if (cc->port != NULL && cc->port->cc == cc) {
			/* A client refused again on each retry says it once. */
			if (strcmp(reason, cc->port->disc_reason) != 0)
				MEMIF_LOG(INFO, "%s: %s: %s", cc->port->name, cc->port->socket, reason);
			memif_conn_disconnect(cc->port, reason, false);
		} else {
			channel_close(cc);
		}
		if (afd >= 0)
			close(afd);
		return;
	}
	ret = memif_msg_check(&m, afd, &why);
	if (ret == 0)
		ret = cc->listener != NULL ? server_input(cc, &m, &afd, &why)
					   : client_input(cc, &m, &why);
	if (afd >= 0)
		close(afd);
	if (ret != 0) {
		snprintf(reason, sizeof(reason), "%s", why != NULL ? why : "protocol error");
		channel_fail(cc, reason);
	}
}
