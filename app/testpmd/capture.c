/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `capture start PORT rx|tx|both FILE [count N]`: what a port receives or
 * sends, written to a pcap file through libpcap while forwarding runs.
 *
 * The forwarding lcores must never wait for the disk. Each lcore (and the
 * main one, which sends `start tx_first`'s bursts) has its own ring of
 * bytes, with one producer (the lcore) and one consumer (a writer thread
 * this file starts): the lcore copies each frame with a small header into
 * its ring and moves on; when the ring is full, the frame is counted as
 * dropped, never waited for. The writer drains the rings into the file
 * and sleeps when they are empty.
 *
 * Sent frames are copied before tx_burst (after it the mbufs belong to the
 * driver) and published after it, only as many as the driver took: the
 * file holds what the port counted in its opackets, no more.
 *
 * The capture is reached by the lcores through the RCU-published forwarding
 * configuration (testpmd.h): `capture stop` publishes one without it and
 * waits a grace period before the writer drains the rings and the memory
 * goes.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef TP_HAVE_LIBPCAP
#include <pcap/pcap.h>
#endif

#include "testpmd.h"
#include "vdk_cycles.h"
#include "vdk_lcore.h"
#include "vdk_mbuf.h"

/* Each lcore's ring: 4 MiB hold ~47,000 minimal frames, ~12 ms at 4 Mpps. */
#define CAP_RING_BYTES (4u << 20)
/* The longest frame kept whole; longer ones are cut (pcap's caplen < len). */
#define CAP_SNAPLEN 65535u
/* The file's stdio buffer. */
#define CAP_FILE_BUFFER (1u << 20)
/* How long the writer sleeps when every ring is empty. */
#define CAP_IDLE_NS 100000

/* One frame in a ring, then its bytes; records are 8-byte aligned. */
struct cap_rec {
	uint32_t size;		/* bytes of this record, header included */
	uint32_t len;		/* the frame's length on the wire */
	uint32_t caplen;	/* bytes kept */
	uint32_t pad;		/* 1: nothing but the skip to the ring's start */
	uint64_t tsc;		/* when the burst was seen */
};

struct cap_ring {
	/* The producer's line: its lcore writes, the writer reads head. */
	uint64_t head;		/* bytes published */
	uint64_t tail_seen;	/* the writer's tail as last read */
	uint64_t drops;		/* frames the port counted but the ring had no room for */
	/* Where each staged frame of the current burst ends. */
	uint64_t staged_end[TP_MAX_BURST];
	/* The writer's line. */
	uint64_t tail vdk_cache_aligned;
	uint8_t *buf;
};

struct tp_capture {
	/* Read by the lcores every burst: written once, before they see it. */
	struct tp_capture_spec spec;
	bool rx, tx;
	struct cap_ring *rings[VDK_MAX_LCORE];
	/* Set by the writer once: count reached or the file failed. Lcores then copy nothing. */
	int done;
	uint64_t foreign_drops;	/* frames from a thread with no ring (none expected) */
	/* The writer's, on a line of their own: it bumps written a frame. */
	uint64_t written vdk_cache_aligned;	/* frames in the file */
	int write_errno;	/* published by the store to done */
	int stopping;		/* set by stop: drain what is there and end */
	pthread_t writer;
	uint64_t tsc0, hz, ns0;	/* the clock: tsc0 cycles were ns0 ns since the epoch */
#ifdef TP_HAVE_LIBPCAP
	pcap_t *dead;
	pcap_dumper_t *dumper;
#endif
};

static uint64_t
ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
st(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- the lcores' side ---- */

static struct cap_ring *
my_ring(struct tp_capture *c)
{
	unsigned int id = vdk_lcore_id();

	return id < VDK_MAX_LCORE ? c->rings[id] : NULL;
}

static void
copy_frame(uint8_t *to, const struct vdk_mbuf *m, uint32_t caplen)
{
	uint32_t n;

	for (; m != NULL && caplen > 0; m = m->next) {
		n = VDK_MIN((uint32_t)m->data_len, caplen);
		memcpy(to, vdk_pktmbuf_mtod(m, const uint8_t *), n);
		to += n;
		caplen -= n;
	}
}

/*
 * Copy @n frames into @r after its published head, as far as there is room.
 * @return how many were staged; none is visible to the writer yet.
 */
static uint16_t
stage(struct cap_ring *r, struct vdk_mbuf **pkts, uint16_t n)
{
	const uint64_t size = CAP_RING_BYTES;
	uint64_t pos = r->head, tsc = vdk_rdtsc();
	uint16_t i;

	n = VDK_MIN(n, (uint16_t)TP_MAX_BURST);
	for (i = 0; i < n; i++) {
		uint32_t caplen = VDK_MIN(pkts[i]->pkt_len, CAP_SNAPLEN);
		uint64_t need = VDK_ALIGN_CEIL(sizeof(struct cap_rec) + caplen, 8u);
		uint64_t off = pos & (size - 1), skip = 0;
		struct cap_rec *rec;

		/* A record never wraps: the rest of the ring is skipped instead. */
		if (size - off < need)
			skip = size - off;
		if (pos + skip + need - r->tail_seen > size) {
			r->tail_seen = ld(&r->tail);
			if (pos + skip + need - r->tail_seen > size)
				break;
		}
		/* A skip too short for a header is implied: the writer skips it too. */
		if (skip >= sizeof(struct cap_rec)) {
			rec = (struct cap_rec *)(r->buf + off);
			rec->size = (uint32_t)skip;
			rec->pad = 1;
		}
		pos += skip;
		rec = (struct cap_rec *)(r->buf + (pos & (size - 1)));
		rec->size = (uint32_t)need;
		rec->len = pkts[i]->pkt_len;
		rec->caplen = caplen;
		rec->pad = 0;
		rec->tsc = tsc;
		copy_frame((uint8_t *)(rec + 1), pkts[i], caplen);
		pos += need;
		r->staged_end[i] = pos;
	}
	return i;
}

/* Publish the first @take of @staged frames; @seen frames were the port's. */
static void
commit(struct cap_ring *r, uint16_t staged, uint16_t take, uint16_t seen)
{
	take = VDK_MIN(take, staged);
	if (take > 0)
		st(&r->head, r->staged_end[take - 1]);
	if (seen > take)
		__atomic_store_n(&r->drops, r->drops + (seen - take), __ATOMIC_RELAXED);
}

static bool
wanted(struct tp_capture *c, uint16_t port, bool dir)
{
	return dir && port == c->spec.port && !__atomic_load_n(&c->done, __ATOMIC_RELAXED);
}

void
tp_capture_rx(struct tp_capture *c, uint16_t port, struct vdk_mbuf **pkts, uint16_t n)
{
	struct cap_ring *r;

	if (n == 0 || !wanted(c, port, c->rx))
		return;
	r = my_ring(c);
	if (r == NULL) {
		__atomic_fetch_add(&c->foreign_drops, n, __ATOMIC_RELAXED);
		return;
	}
	commit(r, stage(r, pkts, n), n, n);
}

uint16_t
tp_capture_tx_stage(struct tp_capture *c, uint16_t port, struct vdk_mbuf **pkts, uint16_t n)
{
	struct cap_ring *r;

	if (n == 0 || !wanted(c, port, c->tx) || (r = my_ring(c)) == NULL)
		return 0;
	return stage(r, pkts, n);
}

void
tp_capture_tx_commit(struct tp_capture *c, uint16_t port, uint16_t staged, uint16_t sent)
{
	struct cap_ring *r;

	if (sent == 0 || !wanted(c, port, c->tx))
		return;
	r = my_ring(c);
	if (r == NULL) {
		__atomic_fetch_add(&c->foreign_drops, sent, __ATOMIC_RELAXED);
		return;
	}
	commit(r, staged, sent, sent);
}

/* ---- the writer ---- */

#ifdef TP_HAVE_LIBPCAP
static void
write_rec(struct tp_capture *c, const struct cap_rec *rec)
{
	uint64_t d = rec->tsc - c->tsc0;
	uint64_t ns = c->ns0 + d / c->hz * 1000000000ull + d % c->hz * 1000000000ull / c->hz;
	struct pcap_pkthdr h = {
		.caplen = rec->caplen,
		.len = rec->len,
	};

	/* A nanosecond file: tv_usec carries nanoseconds. */
	h.ts.tv_sec = (time_t)(ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ns % 1000000000ull);
	pcap_dump((u_char *)c->dumper, &h, (const u_char *)(rec + 1));
	__atomic_store_n(&c->written, c->written + 1, __ATOMIC_RELAXED);
}

/* Write what @r holds. @return frames taken off it. */
static unsigned int
drain(struct tp_capture *c, struct cap_ring *r)
{
	const uint64_t size = CAP_RING_BYTES;
	uint64_t tail = r->tail, head = ld(&r->head);
	unsigned int n = 0;

	while (tail != head) {
		uint64_t off = tail & (size - 1);
		const struct cap_rec *rec = (const struct cap_rec *)(r->buf + off);

		if (size - off < sizeof(*rec)) {
			tail += size - off;
			continue;
		}
		if (!rec->pad) {
			if (!__atomic_load_n(&c->done, __ATOMIC_RELAXED))
				write_rec(c, rec);
			n++;
		}
		tail += rec->size;
		if (c->spec.count != 0 && c->written == c->spec.count &&
		    !__atomic_load_n(&c->done, __ATOMIC_RELAXED)) {
			/* The whole file on disk now, not at `capture stop`. */
			pcap_dump_flush(c->dumper);
			__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
		}
	}
	st(&r->tail, tail);
	return n;
}

static void *
writer_main(void *arg)
{
	struct tp_capture *c = arg;
	struct timespec idle = { 0, CAP_IDLE_NS };
	unsigned int n, i;
	bool last = false;

	for (;;) {
		/* Read before draining: after it is seen, one more pass takes the rest. */
		last = __atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE) != 0;
		n = 0;
		for (i = 0; i < VDK_MAX_LCORE; i++)
			if (c->rings[i] != NULL)
				n += drain(c, c->rings[i]);
		if (n > 0 && ferror(pcap_dump_file(c->dumper)) &&
		    !__atomic_load_n(&c->done, __ATOMIC_RELAXED)) {
			c->write_errno = errno != 0 ? errno : EIO;
			__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
		}
		if (last)
			return NULL;
		if (n == 0)
			nanosleep(&idle, NULL);
	}
}

static int
file_open(struct testpmd *t, struct tp_capture *c)
{
	FILE *f;
	int ret;

	c->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, CAP_SNAPLEN,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (c->dead == NULL) {
		fprintf(t->out, "Cannot capture: libpcap is out of memory\n");
		return -ENOMEM;
	}
	f = fopen(c->spec.path, "wb");
	if (f == NULL) {
		ret = -errno;
		fprintf(t->out, "Cannot capture to %s: %s: give a file in a directory you can "
			"write\n", c->spec.path, strerror(errno));
		pcap_close(c->dead);
		return ret;
	}
	/* Big writes: stdio's default 4 KiB would make a syscall every ~50 frames. */
	setvbuf(f, NULL, _IOFBF, CAP_FILE_BUFFER);
	c->dumper = pcap_dump_fopen(c->dead, f);
	if (c->dumper == NULL) {
		fprintf(t->out, "Cannot capture to %s: %s\n", c->spec.path, pcap_geterr(c->dead));
		fclose(f);
		pcap_close(c->dead);
		return -EIO;
	}
	return 0;
}

static int
file_close(struct tp_capture *c)
{
	int ret = pcap_dump_flush(c->dumper) != 0 ? -errno : 0;

	pcap_dump_close(c->dumper);
	pcap_close(c->dead);
	return ret;
}
#else
static void *
writer_main(void *arg)
{
	return arg;
}

static int
file_open(struct testpmd *t, struct tp_capture *c)
{
	(void)c;
	fprintf(t->out, "Cannot capture: vdk-testpmd was built without libpcap "
		"(meson -Dpcap=disabled): install libpcap-dev and build with -Dpcap=enabled\n");
	return -ENOTSUP;
}

static int
file_close(struct tp_capture *c)
{
	(void)c;
	return 0;
}
#endif

/* ---- the control thread's side ---- */

static const char *
dir_name(const struct tp_capture_spec *s)
{
	return s->dirs == (TP_CAPTURE_RX | TP_CAPTURE_TX) ? "both" :
	       s->dirs == TP_CAPTURE_RX ? "rx" : "tx";
}

int
tp_capture_parse(struct tp_capture_spec *s, int argc, const char *const argv[], FILE *err)
{
	unsigned long long v;
	char *end;

	memset(s, 0, sizeof(*s));
	if (argc != 3 && argc != 5)
		goto usage;
	errno = 0;
	v = strtoull(argv[0], &end, 10);
	if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' || errno != 0 ||
	    v >= TP_MAX_PORTS) {
		fprintf(err, "Invalid port '%s': give one port id, 0..%d\n", argv[0],
			TP_MAX_PORTS - 1);
		return -EINVAL;
	}
	s->port = (uint16_t)v;
	if (strcmp(argv[1], "rx") == 0)
		s->dirs = TP_CAPTURE_RX;
	else if (strcmp(argv[1], "tx") == 0)
		s->dirs = TP_CAPTURE_TX;
	else if (strcmp(argv[1], "both") == 0)
		s->dirs = TP_CAPTURE_RX | TP_CAPTURE_TX;
	else
		goto usage;
	if (argv[2][0] == '\0' || strlen(argv[2]) >= sizeof(s->path)) {
		fprintf(err, "Invalid capture file '%s': give a path of 1 to %zu characters\n",
			argv[2], sizeof(s->path) - 1);
		return -EINVAL;
	}
	snprintf(s->path, sizeof(s->path), "%s", argv[2]);
	if (argc == 5) {
		errno = 0;
		v = strtoull(argv[4], &end, 10);
		if (strcmp(argv[3], "count") != 0 || argv[4][0] < '0' || argv[4][0] > '9' ||
		    *end != '\0' || errno != 0 || v == 0)
			goto usage;
		s->count = v;
	}
	return 0;
usage:
	fprintf(err, "Bad arguments: usage: capture start <port> rx|tx|both <file> [count <n>] "
		"(n from 1)\n");
	return -EINVAL;
}

int
tp_capture_option(struct tp_capture_spec *s, const char *arg, FILE *err)
{
	char buf[PATH_MAX + 64], *f[4] = { NULL }, *p, *count;
	const char *argv[5];
	int argc = 3;

	if (strlen(arg) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", arg);
	/* PORT,DIR,FILE[,count=N]: the file is all between the second comma and a ",count=". */
	f[0] = buf;
	p = strchr(buf, ',');
	if (p == NULL)
		goto bad;
	*p = '\0';
	f[1] = p + 1;
	p = strchr(f[1], ',');
	if (p == NULL)
		goto bad;
	*p = '\0';
	f[2] = p + 1;
	count = strstr(f[2], ",count=");
	argv[0] = f[0];
	argv[1] = f[1];
	argv[2] = f[2];
	if (count != NULL) {
		*count = '\0';
		argv[3] = "count";
		argv[4] = count + strlen(",count=");
		argc = 5;
	}
	if (tp_capture_parse(s, argc, argv, err) == 0)
		return 0;
bad:
	fprintf(err, "testpmd: invalid --capture '%s': give PORT,rx|tx|both,FILE[,count=N]\n",
		arg);
	return -EINVAL;
}

/* Frames the port counted that the file will not have (rings full). */
static uint64_t
drops_sum(struct tp_capture *c)
{
	uint64_t drops = __atomic_load_n(&c->foreign_drops, __ATOMIC_RELAXED);
	unsigned int i;

	for (i = 0; i < VDK_MAX_LCORE; i++)
		if (c->rings[i] != NULL)
			drops += __atomic_load_n(&c->rings[i]->drops, __ATOMIC_RELAXED);
	return drops;
}

static void
summary(struct testpmd *t, struct tp_capture *c, const char *state)
{
	fprintf(t->out, "Capture of port %u %s to %s: %s, %" PRIu64 " packets written, %"
		PRIu64 " dropped (capture ring full)", c->spec.port, dir_name(&c->spec),
		c->spec.path, state, __atomic_load_n(&c->written, __ATOMIC_RELAXED),
		drops_sum(c));
	if (c->spec.count != 0)
		fprintf(t->out, ", count %" PRIu64, c->spec.count);
	/* write_errno is set before done is stored: read only after done. */
	if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) && c->write_errno != 0)
		fprintf(t->out, "; writing the file failed: %s", strerror(c->write_errno));
	fprintf(t->out, "\n");
}

static void
capture_free(struct tp_capture *c)
{
	unsigned int i;

	for (i = 0; i < VDK_MAX_LCORE; i++) {
		if (c->rings[i] != NULL)
			free(c->rings[i]->buf);
		free(c->rings[i]);
	}
	free(c);
}

static uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
tp_capture_start(struct testpmd *t, const struct tp_capture_spec *s)
{
	struct tp_capture *c;
	unsigned int l;
	int ret;

	if (t->capture != NULL) {
		fprintf(t->out, "A capture is running already (port %u %s to %s): 'capture stop' "
			"first\n", t->capture->spec.port, dir_name(&t->capture->spec),
			t->capture->spec.path);
		return -EBUSY;
	}
	if (!vdk_eth_dev_is_valid_port(s->port)) {
		fprintf(t->out, "Invalid port %u: %u ports in use ('show port summary all' lists "
			"them)\n", s->port, vdk_eth_dev_count_avail());
		return -ENODEV;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	c->spec = *s;
	c->rx = (s->dirs & TP_CAPTURE_RX) != 0;
	c->tx = (s->dirs & TP_CAPTURE_TX) != 0;
	/* Every lcore, the main one too: it sends `start tx_first`'s bursts. */
	VDK_LCORE_FOREACH(l) {
		c->rings[l] = aligned_alloc(VDK_CACHE_LINE_SIZE, sizeof(*c->rings[l]));
		if (c->rings[l] == NULL)
			goto nomem_free;
		memset(c->rings[l], 0, sizeof(*c->rings[l]));
		c->rings[l]->buf = aligned_alloc(VDK_CACHE_LINE_SIZE, CAP_RING_BYTES);
		if (c->rings[l]->buf == NULL)
			goto nomem_free;
	}
	ret = file_open(t, c);
	if (ret != 0) {
		capture_free(c);
		return ret;
	}
	c->hz = vdk_get_tsc_hz();
	c->tsc0 = vdk_rdtsc();
	c->ns0 = realtime_ns();
	ret = pthread_create(&c->writer, NULL, writer_main, c);
	if (ret != 0) {
		fprintf(t->out, "Cannot start the capture writer thread: %s\n", strerror(ret));
		file_close(c);
		capture_free(c);
		return -ret;
	}
	t->capture = c;
	ret = t->forwarding ? tp_fwd_publish(t) : 0;
	if (ret != 0) {
		t->capture = NULL;
		__atomic_store_n(&c->stopping, 1, __ATOMIC_RELEASE);
		pthread_join(c->writer, NULL);
		file_close(c);
		capture_free(c);
		return ret;
	}
	fprintf(t->out, "Capturing port %u %s to %s%s\n", s->port, dir_name(s), s->path,
		t->forwarding ? "" : " (from the next start)");
	return 0;
nomem_free:
	capture_free(c);
nomem:
	fprintf(t->out, "Cannot capture: out of memory for %u-byte rings, one an lcore\n",
		CAP_RING_BYTES);
	return -ENOMEM;
}

int
tp_capture_stop(struct testpmd *t)
{
	struct tp_capture *c = t->capture;
	int ret;

	if (c == NULL) {
		fprintf(t->out, "No capture running: 'capture start <port> rx|tx|both <file>' "
			"first\n");
		return -EINVAL;
	}
	t->capture = NULL;
	/* After the grace period no lcore holds @c: what is in the rings is all there is. */
	if (t->forwarding) {
		ret = tp_fwd_publish(t);
		if (ret != 0) {
			t->capture = c;
			return ret;
		}
	}
	__atomic_store_n(&c->stopping, 1, __ATOMIC_RELEASE);
	pthread_join(c->writer, NULL);
	ret = file_close(c);
	if (ret != 0 && c->write_errno == 0) {
		c->write_errno = -ret;
		c->done = 1;	/* the writer is gone: no ordering needed */
	}
	summary(t, c, "stopped");
	ret = c->write_errno != 0 ? -c->write_errno : 0;
	capture_free(c);
	return ret;
}

void
tp_capture_show(struct testpmd *t)
{
	struct tp_capture *c = t->capture;

	if (c == NULL) {
		fprintf(t->out, "No capture running\n");
		return;
	}
	summary(t, c, __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) ?
		(c->write_errno != 0 ? "failed" : "done (count reached)") : "running");
}

int
tp_capture_cmd(struct testpmd *t, int argc, const char *const argv[])
{
	struct tp_capture_spec s;

	if (argc >= 2 && strcmp(argv[1], "start") == 0) {
		if (tp_capture_parse(&s, argc - 2, argv + 2, t->out) != 0)
			return -EINVAL;
		return tp_capture_start(t, &s);
	}
	if (argc == 2 && strcmp(argv[1], "stop") == 0)
		return tp_capture_stop(t);
	fprintf(t->out, "Bad arguments: usage: capture start <port> rx|tx|both <file> "
		"[count <n>] | capture stop\n");
	return -EINVAL;
}
