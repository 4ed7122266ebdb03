/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter: each GET /metrics asks every process of the prefix for
 * its ports, queues, pools and NVMe queue pairs and answers in the
 * OpenMetrics text format (or Prometheus's text format 0.0.4, for a
 * client that does not ask for OpenMetrics). One HTTP request at a time,
 * each with a deadline, so a stuck client delays a scrape by seconds at
 * most and never reaches the data plane: the processes see one telemetry
 * client a scrape.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tel.h"

#define QUERY_MS 2000
#define HTTP_MS 5000
#define HTTP_MAX_REQ 8192

/* The metric families, in output order; samples are gathered per family. */
enum fam {
	F_UP, F_PORT_RX_PKTS, F_PORT_TX_PKTS, F_PORT_RX_BYTES, F_PORT_TX_BYTES,
	F_PORT_RX_MISSED, F_PORT_RX_ERRORS, F_PORT_TX_ERRORS, F_PORT_RX_NOMBUF,
	F_PORT_LINK_UP, F_PORT_LINK_SPEED,
	F_Q_RX_PKTS, F_Q_RX_BYTES, F_Q_RX_ERRORS, F_Q_TX_PKTS, F_Q_TX_BYTES,
	F_MP_SIZE, F_MP_AVAIL, F_MP_IN_USE,
	F_NVME_FAILED, F_NVME_SUBMITTED, F_NVME_COMPLETED, F_NVME_ERRORS, F_NVME_OUTSTANDING,
	F_COUNT,
};

static const struct {
	const char *name;
	bool counter;
	const char *help;
	const char *key;	/* the field of the reply it comes from */
} fams[F_COUNT] = {
	[F_UP] = { "vdk_up", false, "1 for a process that answered this scrape", NULL },
	[F_PORT_RX_PKTS] = { "vdk_port_rx_packets", true, "Packets received", "ipackets" },
	[F_PORT_TX_PKTS] = { "vdk_port_tx_packets", true, "Packets sent", "opackets" },
	[F_PORT_RX_BYTES] = { "vdk_port_rx_bytes", true, "Bytes received", "ibytes" },
	[F_PORT_TX_BYTES] = { "vdk_port_tx_bytes", true, "Bytes sent", "obytes" },
	[F_PORT_RX_MISSED] = { "vdk_port_rx_missed", true,
			       "Packets the device dropped for want of an rx descriptor", "imissed" },
	[F_PORT_RX_ERRORS] = { "vdk_port_rx_errors", true, "Bad packets received", "ierrors" },
	[F_PORT_TX_ERRORS] = { "vdk_port_tx_errors", true, "Packets the device failed to send",
			       "oerrors" },
	[F_PORT_RX_NOMBUF] = { "vdk_port_rx_nombuf", true,
			       "Rx refills that found the mempool empty", "rx_nombuf" },
	[F_PORT_LINK_UP] = { "vdk_port_link_up", false, "1 if the link is up", NULL },
	[F_PORT_LINK_SPEED] = { "vdk_port_link_speed_mbps", false, "Link speed in Mbit/s", NULL },
	[F_Q_RX_PKTS] = { "vdk_queue_rx_packets", true, "Packets received on an rx queue",
			  "q_ipackets" },
	[F_Q_RX_BYTES] = { "vdk_queue_rx_bytes", true, "Bytes received on an rx queue",
			   "q_ibytes" },
	[F_Q_RX_ERRORS] = { "vdk_queue_rx_errors", true, "Errors on an rx queue", "q_errors" },
	[F_Q_TX_PKTS] = { "vdk_queue_tx_packets", true, "Packets sent on a tx queue",
			  "q_opackets" },
	[F_Q_TX_BYTES] = { "vdk_queue_tx_bytes", true, "Bytes sent on a tx queue", "q_obytes" },
	[F_MP_SIZE] = { "vdk_mempool_size", false, "Objects in the pool", "size" },
	[F_MP_AVAIL] = { "vdk_mempool_avail", false, "Free objects, caches included", "avail" },
	[F_MP_IN_USE] = { "vdk_mempool_in_use", false, "Objects handed out", "in_use" },
	[F_NVME_FAILED] = { "vdk_nvme_ctrlr_failed", false, "1 if the controller failed",
			    "failed" },
	[F_NVME_SUBMITTED] = { "vdk_nvme_qpair_submitted", true, "Commands submitted",
			       "submitted" },
	[F_NVME_COMPLETED] = { "vdk_nvme_qpair_completed", true, "Commands completed",
			       "completed" },
	[F_NVME_ERRORS] = { "vdk_nvme_qpair_errors", true, "Completions with an error status",
			    "errors" },
	[F_NVME_OUTSTANDING] = { "vdk_nvme_qpair_outstanding", false,
				 "Commands submitted and not completed", "outstanding" },
};

struct scrape {
	char *buf[F_COUNT];
	size_t len[F_COUNT];
	FILE *f[F_COUNT];
	bool om;
};

/* @v into @out as a label value: backslash, quote and newline escaped. */
static void
label_value(FILE *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

/* One sample: @labels is "k1", "v1", ..., NULL. */
static void
sample(struct scrape *s, enum fam f, double value, const char *base_labels, ...)
{
	FILE *o = s->f[f];
	const char *k, *v;
	va_list ap;

	fprintf(o, "%s%s{%s", fams[f].name, fams[f].counter ? "_total" : "", base_labels);
	va_start(ap, base_labels);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		fprintf(o, ",%s=\"", k);
		label_value(o, v);
		fputc('"', o);
	}
	va_end(ap);
	fprintf(o, "} %.17g\n", value);
}

static double
num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void
scrape_ports(struct scrape *s, struct tel_conn *c, const char *lbl)
{
	json_t *ports = tel_query_value(c, "/ethdev/list", QUERY_MS), *p;
	char cmd[64], port[16];
	size_t i;

	json_array_foreach(ports, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		int id = (int)json_integer_value(json_object_get(p, "port"));
		json_t *st, *link;

		snprintf(port, sizeof(port), "%d", id);
		snprintf(cmd, sizeof(cmd), "/ethdev/stats,%d", id);
		st = tel_query_value(c, cmd, QUERY_MS);
		for (enum fam f = F_PORT_RX_PKTS; st != NULL && f <= F_PORT_RX_NOMBUF; f++)
			sample(s, f, num(st, fams[f].key), lbl, "port", port, "name", name, NULL);
		for (enum fam f = F_Q_RX_PKTS; st != NULL && f <= F_Q_TX_BYTES; f++) {
			json_t *q = json_object_get(st, fams[f].key), *v;
			char qid[24];
			size_t k;

			json_array_foreach(q, k, v) {
				snprintf(qid, sizeof(qid), "%zu", k);
				sample(s, f, json_number_value(v), lbl, "port", port, "name", name,
				       "queue", qid, NULL);
			}
		}
		json_decref(st);
		snprintf(cmd, sizeof(cmd), "/ethdev/link_status,%d", id);
		link = tel_query_value(c, cmd, QUERY_MS);
		if (link != NULL) {
			bool up = strcmp(json_string_value(json_object_get(link, "status")) ?: "",
					 "UP") == 0;

			sample(s, F_PORT_LINK_UP, up, lbl, "port", port, "name", name, NULL);
			sample(s, F_PORT_LINK_SPEED, up ? num(link, "speed") : 0, lbl, "port", port,
			       "name", name, NULL);
		}
		json_decref(link);
	}
	json_decref(ports);
}

static void
scrape_pools(struct scrape *s, struct tel_conn *c, const char *lbl)
{
	json_t *pools = tel_query_value(c, "/mempool/list", QUERY_MS), *p;
	char cmd[128];
	size_t i;

	json_array_foreach(pools, i, p) {
		const char *name = json_string_value(p);
		json_t *info;

		snprintf(cmd, sizeof(cmd), "/mempool/info,%s", name);
		info = tel_query_value(c, cmd, QUERY_MS);
		for (enum fam f = F_MP_SIZE; info != NULL && f <= F_MP_IN_USE; f++)
			sample(s, f, num(info, fams[f].key), lbl, "pool", name, NULL);
		json_decref(info);
	}
	json_decref(pools);
}

static void
scrape_nvme(struct scrape *s, struct tel_conn *c, const char *lbl)
{
	json_t *ctrlrs = tel_query_value(c, "/nvme/ctrlrs", QUERY_MS), *ct, *qp;
	char cmd[128], qid[16];
	size_t i, k;

	json_array_foreach(ctrlrs, i, ct) {
		const char *name = json_string_value(json_object_get(ct, "name"));
		json_t *qps;

		sample(s, F_NVME_FAILED, json_is_true(json_object_get(ct, "failed")), lbl,
		       "ctrlr", name, NULL);
		snprintf(cmd, sizeof(cmd), "/nvme/qpairs,%s", name);
		qps = tel_query_value(c, cmd, QUERY_MS);
		json_array_foreach(qps, k, qp) {
			snprintf(qid, sizeof(qid), "%d", (int)num(qp, "qid"));
			for (enum fam f = F_NVME_SUBMITTED; f <= F_NVME_OUTSTANDING; f++)
				sample(s, f, num(qp, fams[f].key), lbl, "ctrlr", name, "qid", qid,
				       NULL);
		}
		json_decref(qps);
	}
	json_decref(ctrlrs);
}

void
tel_metrics_write(FILE *out, const char *prefix, int openmetrics)
{
	struct tel_proc procs[TEL_MAX_PROCS];
	int n = tel_find(prefix, procs, TEL_MAX_PROCS);
	struct scrape s = { .om = openmetrics != 0 };

	for (int f = 0; f < F_COUNT; f++)
		s.f[f] = open_memstream(&s.buf[f], &s.len[f]);
	for (int i = 0; i < n; i++) {
		struct tel_conn c = { .fd = -1 };
		char lbl[256], pid[24];
		json_t *info = NULL;
		FILE *lf;
		char *lb = NULL;
		size_t ll;

		snprintf(pid, sizeof(pid), "%ld", procs[i].pid);
		if (tel_connect(procs[i].path, &c) == 0)
			info = tel_query_value(&c, "/info", QUERY_MS);
		/* Labels every sample of the process carries. */
		lf = open_memstream(&lb, &ll);
		fputs("prefix=\"", lf);
		label_value(lf, prefix);
		fprintf(lf, "\",pid=\"%s\",app=\"", pid);
		label_value(lf, info != NULL ? json_string_value(json_object_get(info, "app")) ?: ""
					      : "");
		fputc('"', lf);
		fclose(lf);
		snprintf(lbl, sizeof(lbl), "%s", lb);
		free(lb);
		sample(&s, F_UP, info != NULL, lbl, NULL);
		if (info != NULL) {
			scrape_ports(&s, &c, lbl);
			scrape_pools(&s, &c, lbl);
			scrape_nvme(&s, &c, lbl);
			tel_close(&c);
		} else if (c.fd >= 0) {
			tel_close(&c);
		}
		json_decref(info);
	}
	for (int f = 0; f < F_COUNT; f++) {
		const char *sfx = fams[f].counter && !s.om ? "_total" : "";

		fclose(s.f[f]);
		fprintf(out, "# HELP %s%s %s\n# TYPE %s%s %s\n", fams[f].name, sfx, fams[f].help,
			fams[f].name, sfx, fams[f].counter ? "counter" : "gauge");
		fwrite(s.buf[f], 1, s.len[f], out);
		free(s.buf[f]);
	}
	if (s.om)
		fputs("# EOF\n", out);
}

/* Read the request head within HTTP_MS; false if it did not come. */
static bool
read_request(int fd, char *buf, size_t cap)
{
	struct timespec t0, t;
	size_t len = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = HTTP_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return false;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return true;
	}
	return false;
}

static void
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void
respond(int fd, const char *status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, type, len);

	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void
serve_http(int fd, const char *prefix)
{
	static char req[HTTP_MAX_REQ];
	char *body = NULL;
	size_t len = 0;
	bool om;
	FILE *f;

	if (!read_request(fd, req, sizeof(req)))
		return;
	if (strncmp(req, "GET ", 4) != 0) {
		respond(fd, "405 Method Not Allowed", "text/plain", "GET only\n", 9);
		return;
	}
	if (strncmp(req + 4, "/metrics ", 9) != 0 && strncmp(req + 4, "/metrics?", 9) != 0) {
		static const char page[] = "<html><body><a href=\"/metrics\">/metrics</a>"
					   "</body></html>\n";

		if (strncmp(req + 4, "/ ", 2) == 0)
			respond(fd, "200 OK", "text/html", page, sizeof(page) - 1);
		else
			respond(fd, "404 Not Found", "text/plain", "try /metrics\n", 13);
		return;
	}
	/* Prometheus asks for OpenMetrics in its Accept header; curl gets 0.0.4. */
	om = strcasestr(req, "application/openmetrics-text") != NULL;
	f = open_memstream(&body, &len);
	tel_metrics_write(f, prefix, om);
	fclose(f);
	respond(fd, "200 OK", om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				 : "text/plain; version=0.0.4; charset=utf-8", body, len);
	free(body);
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Listen on [ADDR:]PORT: ADDR 127.0.0.1 when left out, "[::1]" for IPv6. */
static int
listen_on(const char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	char host[256] = "127.0.0.1";
	const char *colon = strrchr(spec, ':'), *port = spec;
	struct addrinfo *ai;
	int fd, one = 1, ret;

	if (colon != NULL) {
		const char *h = spec;
		size_t hl = (size_t)(colon - spec);

		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, h, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	ret = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai);
	if (ret != 0) {
		fprintf(stderr, "vdk-telemetry: --exporter %s: %s\n", spec, gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		ret = -errno;
		fprintf(stderr, "vdk-telemetry: --exporter %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	return fd;
}

int
tel_exporter_run(const char *prefix, const char *addr)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int lfd = listen_on(addr);

	if (lfd < 0)
		return 1;
	/* No SA_RESTART: accept() returns on a signal and the loop ends. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("vdk-telemetry: serving the metrics of prefix '%s' on http://%s/metrics\n",
	       prefix, addr);
	fflush(stdout);
	while (!stop) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		serve_http(fd, prefix);
		close(fd);
	}
	close(lfd);
	return 0;
}
