/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the unit test programs share: the log (and an app's stderr)
 * captured, so that a test can check the message an error path gave, and
 * a count of the process's threads, so that a test can check the EAL let
 * its lcores go. A compiled fixture (test_common.c), in the test fixture
 * library every unit test links. Include after <cmocka.h>.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdk_log.h"

/* What vdk_log wrote since log_capture(); NULL before the first message. */
extern char *log_buf;
extern size_t log_len;
extern FILE *log_f;

/* Stop capturing; log_buf keeps what was captured. */
void log_stop(void);
/* Stop capturing and drop what was captured. */
void log_release(void);
/* Capture the log from here on, into an empty log_buf. */
void log_capture(void);
/* The log so far, never NULL. */
const char *logged(void);
bool log_contains(const char *what);
/* Fail the test unless the log holds @what. */
void assert_logged(const char *what);
/* Fail the test if the log holds @what. */
void assert_not_logged(const char *what);

/* Capture an app's messages to stderr (fd 2) until stderr_release(). */
void stderr_capture(void);
/* Stop capturing; what was written, NUL-terminated, into @buf. */
void stderr_release(char *buf, size_t len);

/* The threads of this process, main thread included. */
int threads_in_process(void);
/* The same once it is @want, or after 1 s: a thread just joined may still count. */
int threads_in_process_after_join(int want);

/* CLOCK_MONOTONIC in milliseconds: what a bounded wait is measured with. */
uint64_t now_ms(void);

#endif /* TEST_COMMON_H */
