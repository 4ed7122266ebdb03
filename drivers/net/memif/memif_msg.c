/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memif control messages on the wire: one 128-byte message a datagram,
 * at most one file descriptor with it. Everything a peer sends is checked
 * here for what can be checked without knowing the connection's state;
 * memif_conn.c checks the order and the references between messages.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "memif_internal.h"

/* Descriptors a peer may send with one message before we stop reading them. */
#define MEMIF_MSG_MAX_FDS 8

const char *
memif_msg_name(uint16_t type)
{
	static const char *const names[] = {
		[MEMIF_MSG_NONE] = "NONE", [MEMIF_MSG_ACK] = "ACK",
		[MEMIF_MSG_HELLO] = "HELLO", [MEMIF_MSG_INIT] = "INIT",
		[MEMIF_MSG_ADD_REGION] = "ADD_REGION", [MEMIF_MSG_ADD_RING] = "ADD_RING",
		[MEMIF_MSG_CONNECT] = "CONNECT", [MEMIF_MSG_CONNECTED] = "CONNECTED",
		[MEMIF_MSG_DISCONNECT] = "DISCONNECT",
	};

	return type < VDK_DIM(names) ? names[type] : "unknown";
}

int
memif_msg_send(int fd, const struct memif_msg *m, int afd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (afd >= 0) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &afd, sizeof(int));
	}
	/* Never block the control thread on a peer that does not read. */
	n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EMSGSIZE;
}

int
memif_msg_recv(int fd, struct memif_msg *m, int *afd)
{
	union {
		char buf[CMSG_SPACE(MEMIF_MSG_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int fds[MEMIF_MSG_MAX_FDS], nfds = 0, i, k;
	ssize_t n;

	*afd = -1;
	memset(m, 0, sizeof(*m));
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	/* Descriptors come with an empty datagram too: taken, so that they can be closed. */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k && nfds < MEMIF_MSG_MAX_FDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	/* One descriptor a message: any more are the peer's mistake, not ours to keep. */
	for (i = 1; i < nfds; i++)
		close(fds[i]);
	if (nfds > 0)
		*afd = fds[0];
	if (n == 0) {
		/* End of file (or a peer's empty message, which we take as its end). */
		if (*afd >= 0)
			close(*afd);
		*afd = -1;
		return -ECONNRESET;
	}
	if (n != (ssize_t)sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || nfds > 1) {
		if (*afd >= 0)
			close(*afd);
		*afd = -1;
		return -EBADMSG;
	}
	return 0;
}

int
memif_msg_check(const struct memif_msg *m, int afd, const char **why)
{
	switch (m->type) {
	case MEMIF_MSG_ACK:
	case MEMIF_MSG_CONNECT:
	case MEMIF_MSG_CONNECTED:
	case MEMIF_MSG_DISCONNECT:
		break;
	case MEMIF_MSG_HELLO:
		if (m->hello.min_version > MEMIF_VERSION || m->hello.max_version < MEMIF_VERSION) {
			*why = "incompatible memif version";
			return -EPROTO;
		}
		break;
	case MEMIF_MSG_INIT:
		if (m->init.version != MEMIF_VERSION) {
			*why = "incompatible memif version";
			return -EPROTO;
		}
		if (m->init.mode != MEMIF_MODE_ETHERNET) {
			*why = "only ethernet mode is supported";
			return -EPROTO;
		}
		break;
	case MEMIF_MSG_ADD_REGION:
		if (afd < 0) {
			*why = "region without a file descriptor";
			return -EPROTO;
		}
		if (m->add_region.size == 0 || m->add_region.size > UINT32_MAX + 1ull) {
			*why = "region size out of range";
			return -EPROTO;
		}
		break;
	case MEMIF_MSG_ADD_RING:
		if (afd < 0) {
			*why = "ring without an interrupt file descriptor";
			return -EPROTO;
		}
		if (m->add_ring.log2_ring_size > MEMIF_MAX_LOG2_RING ||
		    (m->add_ring.flags & ~MEMIF_RING_FLAG_C2S) != 0 ||
		    m->add_ring.private_hdr_size != 0) {
			*why = "ring size, flags or private header not supported";
			return -EPROTO;
		}
		break;
	default:
		*why = "unknown message type";
		return -EPROTO;
	}
	return 0;
}
