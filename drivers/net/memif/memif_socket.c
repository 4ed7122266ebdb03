/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_memif's control thread: one ("vdk-memif") for every memif port of
 * the process, waiting with epoll on the listening sockets of server
 * ports and on every connection, and the ports' control operations.
 * memif_conn.c runs the protocol on each connection.
 *
 * One recursive lock covers all of it: the thread holds it while it
 * handles events, the ports' control operations (start, stop, close)
 * while they change what the thread uses. An epoll event names its source
 * by slot and generation, so an event for a source closed in the meantime
 * is recognised and dropped. The lock is recursive because a link-change
 * callback that ethdev runs from this thread may call back into the port.
 *
 * A server accepts connections only while one of its ports on that
 * socket is started; before, clients wait in the listen backlog. A client
 * connects when started and tries again every MEMIF_RETRY_MS while the
 * server is not there or after it went away.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "memif_conn_internal.h"
#include "vdk_eal.h"

#define MEMIF_MAX_SOURCES 128
#define MEMIF_WAKE_KEY UINT64_MAX

enum src_kind { SRC_NONE, SRC_LISTENER, SRC_CHANNEL };

struct memif_listener {
	struct memif_listener *next;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool abstract;
	int fd;
	int src;
	unsigned int refs;	/* server ports on it */
	unsigned int started;	/* of which started: accept while > 0 */
	bool polled;
	char last_fail[MEMIF_REASON_SIZE];	/* said once, not on each retry */
};

static struct {
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	bool stop;
	int epfd;
	int wakefd;
	unsigned int nb_ports;
	struct memif_port *ports[VDK_ETH_MAX_PORTS];
	struct memif_listener *listeners;
	struct { enum src_kind kind; uint32_t gen; void *obj; } src[MEMIF_MAX_SOURCES];
} ctl = { .epfd = -1, .wakefd = -1 };

static pthread_once_t ctl_once = PTHREAD_ONCE_INIT;

static void
ctl_lock_init(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&ctl.lock, &a);
	pthread_mutexattr_destroy(&a);
}

uint64_t
memif_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
memif_ctl_wake(void)
{
	uint64_t one = 1;

	if (write(ctl.wakefd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: the thread is woken already */
}

/* Watch @fd for input, as source @obj of @kind. @return the slot, or -errno. */
static int
src_add(int fd, enum src_kind kind, void *obj)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	for (i = 0; i < MEMIF_MAX_SOURCES; i++)
		if (ctl.src[i].kind == SRC_NONE)
			break;
	if (i == MEMIF_MAX_SOURCES)
		return -ENOSPC;
	ev.data.u64 = ((uint64_t)ctl.src[i].gen << 32) | (uint32_t)i;
	if (epoll_ctl(ctl.epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	ctl.src[i].kind = kind;
	ctl.src[i].obj = obj;
	return i;
}

int
memif_src_add(int fd, struct memif_channel *cc)
{
	return src_add(fd, SRC_CHANNEL, cc);
}

void
memif_src_del(int slot, int fd)
{
	if (slot < 0)
		return;
	epoll_ctl(ctl.epfd, EPOLL_CTL_DEL, fd, NULL);
	ctl.src[slot].kind = SRC_NONE;
	ctl.src[slot].obj = NULL;
	ctl.src[slot].gen++;	/* events already taken for it no longer match */
}



/* -------------------------------------------------------------- listener */

static socklen_t
socket_addr(struct sockaddr_un *sa, const char *path, bool abstract)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (abstract) {
		/* The name is exactly its bytes, as DPDK and libmemif bind it. */
		memcpy(sa->sun_path + 1, path, len);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	}
	memcpy(sa->sun_path, path, len);
	return (socklen_t)sizeof(*sa);
}

static void
listener_accept(struct memif_listener *l)
{
	unsigned int i, rx = 0, tx = 0;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* Offer the most queues any started port here has: the client takes what it needs. */
	for (i = 0; i < VDK_ETH_MAX_PORTS; i++) {
		if (ctl.ports[i] != NULL && ctl.ports[i]->listener == l && ctl.ports[i]->started) {
			rx = VDK_MAX(rx, (unsigned int)ctl.ports[i]->vp.eth.nb_rx_queues);
			tx = VDK_MAX(tx, (unsigned int)ctl.ports[i]->vp.eth.nb_tx_queues);
		}
	}
	memif_conn_accept(l, fd, rx, tx);
}

struct memif_port *
memif_server_port(const struct memif_listener *l, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < VDK_ETH_MAX_PORTS; i++)
		if (ctl.ports[i] != NULL && ctl.ports[i]->listener == l && ctl.ports[i]->id == id)
			return ctl.ports[i];
	return NULL;
}

void
memif_listener_refused(struct memif_listener *l, const char *reason)
{
	/* A client that retries with the same fault is named once. */
	if (strcmp(l->last_fail, reason) != 0)
		MEMIF_LOG(WARNING, "server socket %s: %s; disconnecting", l->path, reason);
	snprintf(l->last_fail, sizeof(l->last_fail), "%s", reason);
}

/* Accept while a port on @l is started; before, clients wait in the backlog. */
static void
listener_poll(struct memif_listener *l)
{
	bool want = l->started > 0;

	if (want == l->polled)
		return;
	if (want) {
		l->src = src_add(l->fd, SRC_LISTENER, l);
		l->polled = l->src >= 0;
	} else {
		memif_src_del(l->src, l->fd);
		l->src = -1;
		l->polled = false;
	}
}

static int
listener_open(struct memif_port *p, struct memif_listener **out)
{
	struct memif_listener *l;
	struct sockaddr_un sa;
	socklen_t len;
	int fd, probe, ret;

	for (l = ctl.listeners; l != NULL; l = l->next) {
		if (strcmp(l->path, p->socket) == 0 && l->abstract == p->abstract) {
			l->refs++;
			*out = l;
			return 0;
		}
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	snprintf(l->path, sizeof(l->path), "%s", p->socket);
	l->abstract = p->abstract;
	l->src = -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	len = socket_addr(&sa, p->socket, p->abstract);
	ret = bind(fd, (struct sockaddr *)&sa, len) == 0 ? 0 : -errno;
	if (ret == -EADDRINUSE && !p->abstract) {
		/* A socket file left by a server that is gone: nobody answers on it. */
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, len) != 0 &&
		    errno == ECONNREFUSED && unlink(p->socket) == 0)
			ret = bind(fd, (struct sockaddr *)&sa, len) == 0 ? 0 : -errno;
		if (probe >= 0)
			close(probe);
	}
	if (ret == 0 && listen(fd, 16) != 0)
		ret = -errno;
	if (ret != 0) {
		MEMIF_LOG(ERR, "%s: cannot listen on %s%s: %s%s", p->name, p->abstract ? "@" : "",
			  p->socket, strerror(-ret),
			  ret == -EADDRINUSE ? " (another server has it: give another socket=)" : "");
		close(fd);
		goto fail;
	}
	l->fd = fd;
	l->refs = 1;
	l->next = ctl.listeners;
	ctl.listeners = l;
	*out = l;
	return 0;
fail:
	free(l);
	return ret;
}

static void
listener_put(struct memif_listener *l)
{
	struct memif_listener **pp;

	if (--l->refs > 0)
		return;
	memif_src_del(l->polled ? l->src : -1, l->fd);
	close(l->fd);
	if (!l->abstract)
		unlink(l->path);
	for (pp = &ctl.listeners; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	free(l);
}

/* ---------------------------------------------------------------- client */

static void
client_try(struct memif_port *p)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	p->retry_at_ns = memif_now_ns() + MEMIF_RETRY_MS * 1000000ull;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	len = socket_addr(&sa, p->socket, p->abstract);
	if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
		if (p->connects == 0 && p->disc_reason[0] == '\0')
			MEMIF_LOG(INFO, "%s: no server on %s%s yet (%s): trying every %d ms", p->name,
				  p->abstract ? "@" : "", p->socket, strerror(errno), MEMIF_RETRY_MS);
		snprintf(p->disc_reason, sizeof(p->disc_reason), "no server: %s", strerror(errno));
		close(fd);
		return;
	}
	if (memif_conn_open(p, fd) != 0)
		return;
	p->retry_at_ns = 0;
}

/* ---------------------------------------------------------------- thread */

static int
next_timeout_ms(void)
{
	uint64_t now = memif_now_ns(), first = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < VDK_ETH_MAX_PORTS; i++)
		if (ctl.ports[i] != NULL && ctl.ports[i]->retry_at_ns != 0)
			first = VDK_MIN(first, ctl.ports[i]->retry_at_ns);
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)((first - now) / 1000000ull + 1);
}

static void
ctl_housekeeping(void)
{
	char why[64];
	struct memif_port *p;
	uint64_t now = memif_now_ns();
	unsigned int i, q;

	for (i = 0; i < VDK_ETH_MAX_PORTS; i++) {
		p = ctl.ports[i];
		if (p == NULL)
			continue;
		for (q = 0; q < MEMIF_MAX_QUEUES && p->connected; q++) {
			if (__atomic_load_n(&p->rxq[q].broken, __ATOMIC_RELAXED) ||
			    __atomic_load_n(&p->txq[q].broken, __ATOMIC_RELAXED)) {
				snprintf(why, sizeof(why), "peer broke the rules of ring %u", q);
				MEMIF_LOG(WARNING, "%s: %s (a descriptor or index out of range); "
					  "disconnecting", p->name, why);
				memif_conn_disconnect(p, why, true);
			}
		}
		if (p->role == MEMIF_ROLE_CLIENT && p->started && p->cc == NULL &&
		    p->retry_at_ns != 0 && p->retry_at_ns <= now)
			client_try(p);
	}
}

static void *
ctl_thread(void *arg)
{
	struct epoll_event ev[16];
	uint64_t key, junk;
	int n, i, timeout;
	uint32_t slot;

	(void)arg;
	pthread_mutex_lock(&ctl.lock);
	while (!ctl.stop) {
		timeout = next_timeout_ms();
		pthread_mutex_unlock(&ctl.lock);
		n = epoll_wait(ctl.epfd, ev, (int)VDK_DIM(ev), timeout);
		pthread_mutex_lock(&ctl.lock);
		for (i = 0; i < n; i++) {
			key = ev[i].data.u64;
			if (key == MEMIF_WAKE_KEY) {
				if (read(ctl.wakefd, &junk, sizeof(junk)) < 0)
					continue;
				continue;
			}
			slot = (uint32_t)key;
			if (slot >= MEMIF_MAX_SOURCES || ctl.src[slot].gen != (uint32_t)(key >> 32))
				continue;	/* closed since */
			if (ctl.src[slot].kind == SRC_LISTENER)
				listener_accept(ctl.src[slot].obj);
			else if (ctl.src[slot].kind == SRC_CHANNEL)
				memif_conn_input(ctl.src[slot].obj);
		}
		ctl_housekeeping();
	}
	pthread_mutex_unlock(&ctl.lock);
	return NULL;
}

static int
ctl_thread_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = MEMIF_WAKE_KEY };
	int ret;

	ctl.epfd = epoll_create1(EPOLL_CLOEXEC);
	ctl.wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctl.epfd < 0 || ctl.wakefd < 0 ||
	    epoll_ctl(ctl.epfd, EPOLL_CTL_ADD, ctl.wakefd, &ev) != 0) {
		ret = -errno;
		goto fail;
	}
	ctl.stop = false;
	ret = -pthread_create(&ctl.thread, NULL, ctl_thread, NULL);
	if (ret != 0)
		goto fail;
	pthread_setname_np(ctl.thread, "vdk-memif");
	ctl.running = true;
	return 0;
fail:
	MEMIF_LOG(ERR, "cannot start the control thread: %s", strerror(-ret));
	if (ctl.epfd >= 0)
		close(ctl.epfd);
	if (ctl.wakefd >= 0)
		close(ctl.wakefd);
	ctl.epfd = ctl.wakefd = -1;
	return ret;
}

/* --------------------------------------------------------- port control */

int
memif_ctl_attach(struct memif_port *p)
{
	unsigned int i, slot = VDK_ETH_MAX_PORTS;
	int ret = 0;

	pthread_once(&ctl_once, ctl_lock_init);
	pthread_mutex_lock(&ctl.lock);
	for (i = 0; i < MEMIF_MAX_REGIONS; i++)
		p->regions[i].fd = -1;
	for (i = 0; i < MEMIF_MAX_QUEUES; i++)
		p->rxq[i].kick_fd = p->txq[i].kick_fd = -1;
	for (i = 0; i < VDK_ETH_MAX_PORTS; i++) {
		if (ctl.ports[i] == NULL) {
			slot = VDK_MIN(slot, i);
			continue;
		}
		if (p->role == MEMIF_ROLE_SERVER && ctl.ports[i]->role == MEMIF_ROLE_SERVER &&
		    ctl.ports[i]->id == p->id && ctl.ports[i]->abstract == p->abstract &&
		    strcmp(ctl.ports[i]->socket, p->socket) == 0) {
			MEMIF_LOG(ERR, "%s: %s already serves id %u on %s: give another id=",
				  p->name, ctl.ports[i]->name, p->id, p->socket);
			ret = -EEXIST;
			goto out;
		}
	}
	if (slot == VDK_ETH_MAX_PORTS) {
		ret = -ENOSPC;
		goto out;
	}
	if (!ctl.running) {
		ret = ctl_thread_start();
		if (ret != 0)
			goto out;
	}
	if (p->role == MEMIF_ROLE_SERVER) {
		ret = listener_open(p, &p->listener);
		if (ret != 0)
			goto out;
	}
	ctl.ports[slot] = p;
	ctl.nb_ports++;
out:
	if (ret != 0 && ctl.running && ctl.nb_ports == 0) {
		/* Nothing else uses the thread: stop it as detach would. */
		ctl.stop = true;
		memif_ctl_wake();
		pthread_mutex_unlock(&ctl.lock);
		pthread_join(ctl.thread, NULL);
		pthread_mutex_lock(&ctl.lock);
		close(ctl.epfd);
		close(ctl.wakefd);
		ctl.epfd = ctl.wakefd = -1;
		ctl.running = false;
	}
	pthread_mutex_unlock(&ctl.lock);
	return ret;
}

void
memif_ctl_detach(struct memif_port *p)
{
	unsigned int i;
	bool last;

	pthread_mutex_lock(&ctl.lock);
	if (p->started)
		memif_ctl_stop(p);
	if (p->listener != NULL)
		listener_put(p->listener);
	p->listener = NULL;
	for (i = 0; i < VDK_ETH_MAX_PORTS; i++)
		if (ctl.ports[i] == p)
			ctl.ports[i] = NULL;
	last = --ctl.nb_ports == 0;
	if (last) {
		ctl.stop = true;
		memif_ctl_wake();
	}
	pthread_mutex_unlock(&ctl.lock);
	if (!last)
		return;
	pthread_join(ctl.thread, NULL);
	pthread_mutex_lock(&ctl.lock);
	close(ctl.epfd);
	close(ctl.wakefd);
	ctl.epfd = ctl.wakefd = -1;
	ctl.running = false;
	pthread_mutex_unlock(&ctl.lock);
}

int
memif_ctl_start(struct memif_port *p)
{
	pthread_mutex_lock(&ctl.lock);
	p->started = true;
	p->disc_reason[0] = '\0';
	if (p->role == MEMIF_ROLE_SERVER) {
		p->listener->started++;
		listener_poll(p->listener);
	} else {
		client_try(p);
	}
	memif_ctl_wake();	/* new timeout or source for the thread */
	pthread_mutex_unlock(&ctl.lock);
	return 0;
}

void
memif_ctl_stop(struct memif_port *p)
{
	pthread_mutex_lock(&ctl.lock);
	if (p->started) {
		p->started = false;
		p->retry_at_ns = 0;
		if (p->cc != NULL || p->connected)
			memif_conn_disconnect(p, "interface stopped", true);
		if (p->role == MEMIF_ROLE_SERVER) {
			p->listener->started--;
			listener_poll(p->listener);
		}
		memif_link_report(p);
	}
	pthread_mutex_unlock(&ctl.lock);
}
