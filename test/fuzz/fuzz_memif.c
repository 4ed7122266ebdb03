/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for net_memif's control protocol (memif_socket.c,
 * memif_conn.c and memif_msg.c, compiled in): an input is a role byte,
 * then records, each a message a peer sends, with or without a file
 * descriptor. The server role gets them on a connection its real listener
 * accepted (a new connection whenever the port closed the last one); the
 * client role on a socket pair standing for its connection to a server.
 * A descriptor is a memfd the record sizes, optionally stamped with the
 * memif cookie every 128 bytes so that rings can pass the port's checks
 * and connect.
 *
 * Record: [flags][len][len bytes of message]. flags bit 0: attach a memfd;
 * bits 1-2: its size (4 KiB, 8 KiB, 64 KiB, empty); bit 3: stamp cookies.
 *
 * Invariants besides the sanitizers': every reply is one 128-byte message
 * of a type the role sends; a connected port's published rings lie inside
 * its mapped regions; after the port is stopped nothing is published,
 * mapped or left open (the process has the file descriptors it had).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../drivers/net/memif/memif_socket.c"
#include "../../drivers/net/memif/memif_conn.c"
#include "vdk_log.h"

#define FUZZ_MAX_LEN 4096

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_memif: invariant broken: %s\n", what);
		abort();
	}
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

/* Read what the port sent back: whole messages of the types its role sends. */
static void
drain(int fd, bool server)
{
	struct memif_msg m;
	int afd;

	while (memif_msg_recv(fd, &m, &afd) == 0) {
		if (afd >= 0)
			close(afd);
		if (server)
			check(m.type == MEMIF_MSG_HELLO || m.type == MEMIF_MSG_ACK ||
			      m.type == MEMIF_MSG_CONNECTED || m.type == MEMIF_MSG_DISCONNECT,
			      "a server sends HELLO, ACK, CONNECTED or DISCONNECT");
		else
			check(m.type == MEMIF_MSG_INIT || m.type == MEMIF_MSG_ADD_REGION ||
			      m.type == MEMIF_MSG_ADD_RING || m.type == MEMIF_MSG_CONNECT ||
			      m.type == MEMIF_MSG_DISCONNECT,
			      "a client sends INIT, ADD_REGION, ADD_RING, CONNECT or DISCONNECT");
	}
}

static void
check_published(const struct memif_port *p)
{
	const struct memif_queue *q;
	const uint8_t *r;
	unsigned int i, k;
	bool inside;

	for (i = 0; i < 2 * MEMIF_MAX_QUEUES; i++) {
		q = i < MEMIF_MAX_QUEUES ? &p->rxq[i] : &p->txq[i - MEMIF_MAX_QUEUES];
		r = (const uint8_t *)q->ring;
		if (r == NULL)
			continue;
		check(p->connected, "rings are published only while connected");
		inside = false;
		for (k = 0; k < p->nb_regions; k++)
			inside |= r >= p->regions[k].base &&
				  (uint64_t)(r - p->regions[k].base) +
				  memif_ring_bytes(__builtin_ctz(q->mask + 1u)) <= p->regions[k].size;
		check(inside, "a published ring lies inside a mapped region");
	}
}

/* The server's channel, if the port has not closed it. */
static struct memif_channel *
server_channel(void)
{
	unsigned int i;

	for (i = 0; i < MEMIF_MAX_SOURCES; i++)
		if (ctl.src[i].kind == SRC_CHANNEL)
			return ctl.src[i].obj;
	return NULL;
}

static int
peer_fd(uint8_t flags)
{
	static const off_t sizes[] = { 4096, 8192, 65536, 0 };
	off_t size = sizes[(flags >> 1) & 3], off;
	uint32_t cookie = MEMIF_COOKIE;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, size) != 0)
		abort();
	for (off = 0; (flags & 8) && off < size; off += 128)
		if (pwrite(fd, &cookie, sizeof(cookie), off) != sizeof(cookie))
			abort();
	return fd;
}

static void
send_record(int fd, const uint8_t *msg, size_t len, uint8_t flags)
{
	char ctl_buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int afd = -1;

	if (flags & 1) {
		afd = peer_fd(flags);
		memset(ctl_buf, 0, sizeof(ctl_buf));
		mh.msg_control = ctl_buf;
		mh.msg_controllen = sizeof(ctl_buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &afd, sizeof(int));
	}
	sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (afd >= 0)
		close(afd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vdk_log_set_global_level(VDK_LOG_CRIT);
	pthread_once(&ctl_once, ctl_lock_init);
	ctl.epfd = epoll_create1(EPOLL_CLOEXEC);
	return ctl.epfd < 0 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memif_port *p = vdk_eth_dev_zalloc(sizeof(*p));
	struct memif_channel *cc = NULL;
	bool server = size > 0 && (data[0] & 1) == 0;
	int fds_before = open_fds(), peer = -1, sv[2];
	struct sockaddr_un sa;
	socklen_t salen;
	size_t at = 1, len;
	unsigned int i;

	check(p != NULL, "memory");
	snprintf(p->name, sizeof(p->name), "net_memif_fuzz");
	snprintf(p->socket, sizeof(p->socket), "vdk-fuzz-memif-%d", getpid());
	p->abstract = true;
	p->role = server ? MEMIF_ROLE_SERVER : MEMIF_ROLE_CLIENT;
	p->bsize = 256;
	p->log2_ring = 4;
	p->started = true;
	p->vp.eth.nb_rx_queues = 2;
	p->vp.eth.nb_tx_queues = 2;
	for (i = 0; i < MEMIF_MAX_REGIONS; i++)
		p->regions[i].fd = -1;
	for (i = 0; i < MEMIF_MAX_QUEUES; i++)
		p->rxq[i].kick_fd = p->txq[i].kick_fd = -1;
	ctl.ports[0] = p;
	if (server) {
		check(listener_open(p, &p->listener) == 0, "the listener opens");
		p->listener->started = 1;
		listener_poll(p->listener);
	} else {
		check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0,
		      "socketpair");
		check(memif_conn_open(p, sv[0]) == 0, "the client's channel opens");
		cc = p->cc;
		peer = sv[1];
	}
	while (at + 2 <= size) {
		uint8_t flags = data[at];

		len = VDK_MIN((size_t)data[at + 1], size - at - 2);
		len = VDK_MIN(len, (size_t)MEMIF_MSG_SIZE + 8);
		if (server && (cc = server_channel()) == NULL) {
			/* Connect anew: the port closed the last connection. */
			if (peer >= 0)
				close(peer);
			peer = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			salen = socket_addr(&sa, p->socket, true);
			check(connect(peer, (struct sockaddr *)&sa, salen) == 0, "connect");
			listener_accept(p->listener);
			cc = server_channel();
			if (cc == NULL)
				break;
		}
		if (!server && p->cc == NULL)
			break;	/* the client gave up this connection */
		send_record(peer, data + at + 2, len, flags);
		memif_conn_input(cc);
		drain(peer, server);
		check_published(p);
		at += 2 + len;
	}
	/* Stop the port as memif_ctl_stop() would. */
	memif_conn_disconnect(p, "fuzz: stop", true);
	if (server) {
		if ((cc = server_channel()) != NULL)
			channel_close(cc);
		listener_put(p->listener);
	}
	if (peer >= 0)
		close(peer);
	for (i = 0; i < MEMIF_MAX_QUEUES; i++)
		check(p->rxq[i].ring == NULL && p->txq[i].ring == NULL, "nothing published");
	check(p->nb_regions == 0 && p->cc == NULL, "nothing mapped, no connection");
	check(server_channel() == NULL, "no channel left");
	check(open_fds() == fds_before, "no file descriptor leaked");
	ctl.ports[0] = NULL;
	free(p);
	return 0;
}

#ifdef VDK_FUZZ_STANDALONE
#include "fuzz_standalone.h"

static void
mutate(struct fuzz_input *in)
{
	unsigned int edits = 1 + (unsigned int)(fuzz_rnd() % 6), e;
	size_t at;

	for (e = 0; e < edits && in->n > 0; e++) {
		at = (size_t)(fuzz_rnd() % in->n);
		switch (fuzz_rnd() % 6) {
		case 0:	/* a byte anywhere */
			in->d[at] = (uint8_t)fuzz_rnd();
			break;
		case 1:	/* a small number: indexes, sizes, offsets, versions */
			in->d[at] = (uint8_t)(fuzz_rnd() % 20);
			break;
		case 2:	/* cut */
			in->n = at;
			break;
		case 3:	/* repeat the tail (more messages) */
			if (2 * in->n - at <= FUZZ_MAX_LEN) {
				memcpy(in->d + in->n, in->d + at, in->n - at);
				in->n += in->n - at;
			}
			break;
		case 4:	/* flip a bit */
			in->d[at] ^= (uint8_t)(1u << (fuzz_rnd() % 8));
			break;
		case 5:	/* the other role */
			in->d[0] ^= 1;
			break;
		}
	}
}

const struct fuzz_target fuzz_target = {
	.name = "fuzz_memif",
	.max_len = FUZZ_MAX_LEN,
	.mutate = mutate,
};
#endif
