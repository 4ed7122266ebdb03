/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the unit test programs share: the log (and an app's stderr)
 * captured, so that a test can check the message an error path gave, and
 * a count of the process's threads, so that a test can check the EAL let
 * its lcores go.
 * Everything is static: each program has its own copy. Include after
 * <cmocka.h>.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdk_log.h"

#define TEST_UNUSED __attribute__((unused))

/* What vdk_log wrote since log_capture(); NULL before the first message. */
static TEST_UNUSED char *log_buf;
static TEST_UNUSED size_t log_len;
static TEST_UNUSED FILE *log_f;

/* Stop capturing; log_buf keeps what was captured. */
static inline void
log_stop(void)
{
	if (log_f == NULL)
		return;
	vdk_log_set_stream(NULL);
	fclose(log_f);
	log_f = NULL;
}

/* Stop capturing and drop what was captured. */
static inline void
log_release(void)
{
	log_stop();
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

/* Capture the log from here on, into an empty log_buf. */
static inline void
log_capture(void)
{
	log_release();
	log_f = open_memstream(&log_buf, &log_len);
	assert_non_null(log_f);
	vdk_log_set_stream(log_f);
}

/* The log so far, never NULL. */
static inline const char *
logged(void)
{
	if (log_f != NULL)
		fflush(log_f);
	return log_buf != NULL ? log_buf : "";
}

static inline bool
log_contains(const char *what)
{
	return strstr(logged(), what) != NULL;
}

static inline void
assert_logged(const char *what)
{
	if (!log_contains(what))
		fail_msg("log '%s' does not contain '%s'", logged(), what);
}

static inline void
assert_not_logged(const char *what)
{
	if (log_contains(what))
		fail_msg("log '%s' contains '%s'", logged(), what);
}

/* An app's messages to stderr (fd 2), between these two calls. */
static TEST_UNUSED FILE *stderr_f;
static TEST_UNUSED int stderr_saved = -1;

static inline void
stderr_capture(void)
{
	stderr_f = tmpfile();
	assert_non_null(stderr_f);
	fflush(stderr);
	stderr_saved = dup(2);
	dup2(fileno(stderr_f), 2);
}

/* Stop capturing; what was written, NUL-terminated, into @buf. */
static inline void
stderr_release(char *buf, size_t len)
{
	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	stderr_saved = -1;
	rewind(stderr_f);
	memset(buf, 0, len);
	(void)!fread(buf, 1, len - 1, stderr_f);
	fclose(stderr_f);
	stderr_f = NULL;
}

/* The threads of this process, main thread included. */
static inline int
threads_in_process(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

#endif /* TEST_COMMON_H */
