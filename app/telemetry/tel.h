/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-telemetry's parts: finding and querying the telemetry sockets of
 * running VDK processes (tel_client.c), the prompt (tel_main.c) and the
 * OpenMetrics exporter (tel_exporter.c).
 */
#ifndef TEL_H
#define TEL_H

#include <jansson.h>
#include <limits.h>
#include <stdio.h>

/* Most processes of one prefix that are looked at. */
#define TEL_MAX_PROCS 64

/* A running process's socket. */
struct tel_proc {
	long pid;
	char path[PATH_MAX];
};

/* A connection to one process. */
struct tel_conn {
	int fd;
	long pid;
	size_t max_output;
};

/*
 * The sockets of live processes with file prefix @prefix, by pid, at most
 * @max. @return how many, or a negative errno (no such prefix: -ENOENT).
 */
int tel_find(const char *prefix, struct tel_proc *procs, int max);

/* Connect and read the greeting. @return 0 or a negative errno. */
int tel_connect(const char *path, struct tel_conn *c);
void tel_close(struct tel_conn *c);

/*
 * Send @cmd and wait up to @timeout_ms for the reply. @return the reply
 * (malloc()ed, NUL-terminated) or NULL with errno set.
 */
char *tel_query(struct tel_conn *c, const char *cmd, int timeout_ms);

/* tel_query() parsed: the value under the command's key, or NULL. */
json_t *tel_query_value(struct tel_conn *c, const char *cmd, int timeout_ms);

/*
 * Serve /metrics on @addr ("127.0.0.1:9464", "[::1]:9464", ":9464" for
 * every address) for the processes of @prefix until a signal.
 * @return the exit status.
 */
int tel_exporter_run(const char *prefix, const char *addr);

/*
 * The metrics of every process of @prefix, in OpenMetrics text (@openmetrics)
 * or Prometheus text format 0.0.4, written to @out.
 */
void tel_metrics_write(FILE *out, const char *prefix, int openmetrics);

#endif /* TEL_H */
