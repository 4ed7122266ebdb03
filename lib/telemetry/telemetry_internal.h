/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the telemetry server shares with the EAL (which starts and stops
 * it) and with its fuzz target and unit test (which drive the request
 * handling without a socket).
 */
#ifndef TELEMETRY_INTERNAL_H
#define TELEMETRY_INTERNAL_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "vdk_telemetry.h"

/*
 * Where telemetry's error messages go: the EAL's log, given to
 * telemetry_start() (this component sits below the EAL and cannot call
 * it). Messages before that, and in tests that give none, are dropped.
 */
typedef void (*telemetry_log_fn)(const char *msg);
void telemetry_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define TEL_LOG(level, ...) telemetry_log(__VA_ARGS__)
/* What the greeting says and where messages go (telemetry_start() sets them). */
void telemetry_set_env(const char *version, telemetry_log_fn log);

/*
 * Answer one request of @len bytes (not NUL-terminated; @len may exceed
 * what was read when the record was truncated). Always produces a reply:
 * a malloc()ed JSON text in *reply, its length returned; -ENOMEM only if
 * even the error reply could not be made.
 */
long telemetry_handle(const char *req, size_t len, char **reply);

/* The greeting sent on connect: version, pid, max_output_len. */
long telemetry_greeting(char **reply);

/*
 * Start serving on @base/@prefix/telemetry.PID from a thread pinned to
 * @cpus (NULL: inherit), greeting clients with @version and logging
 * through @log. @return 0 or a negative errno, logged.
 */
int telemetry_start(const char *base, const char *prefix, const cpu_set_t *cpus,
		    const char *version, telemetry_log_fn log);

/* Stop the thread, close every client, remove the socket. Idempotent. */
void telemetry_stop(void);

#endif /* TELEMETRY_INTERNAL_H */
