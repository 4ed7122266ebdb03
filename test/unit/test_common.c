/* SPDX-License-Identifier: BSD-3-Clause */
/* The fixture of test_common.h: one log capture and one stderr capture a program. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_common.h"
#include "vdk_log.h"

char *log_buf;
size_t log_len;
FILE *log_f;

static FILE *stderr_f;
static int stderr_saved = -1;

void
log_stop(void)
{
	if (log_f == NULL)
		return;
	vdk_log_set_stream(NULL);
	fclose(log_f);
	log_f = NULL;
}

void
log_release(void)
{
	log_stop();
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

void
log_capture(void)
{
	log_release();
	log_f = open_memstream(&log_buf, &log_len);
	assert_non_null(log_f);
	vdk_log_set_stream(log_f);
}

const char *
logged(void)
{
	if (log_f != NULL)
		fflush(log_f);
	return log_buf != NULL ? log_buf : "";
}

bool
log_contains(const char *what)
{
	return strstr(logged(), what) != NULL;
}

void
assert_logged(const char *what)
{
	if (!log_contains(what))
		fail_msg("log '%s' does not contain '%s'", logged(), what);
}

void
assert_not_logged(const char *what)
{
	if (log_contains(what))
		fail_msg("log '%s' contains '%s'", logged(), what);
}

void
stderr_capture(void)
{
	stderr_f = tmpfile();
	assert_non_null(stderr_f);
	fflush(stderr);
	stderr_saved = dup(2);
	dup2(fileno(stderr_f), 2);
}

void
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

int
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

/*
 * pthread_join() returns when the kernel clears the thread's tid, which it
 * does before it takes the thread out of /proc/self/task: a count right
 * after a join may still hold it, for a moment.
 */
int
threads_in_process_after_join(int want)
{
	uint64_t deadline = now_ms() + 1000;
	int n;

	while ((n = threads_in_process()) != want && now_ms() < deadline)
		usleep(1000);
	return n;
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
