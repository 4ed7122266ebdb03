/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the testpmd command tests share (test_testpmd_fixture.c): the EAL
 * on --no-huge with net_null ports, testpmd's state over them as the app
 * sets it up (io forwarding, one worker lcore), and commands run with
 * their output caught. Include after <cmocka.h>.
 */
#ifndef TEST_TESTPMD_FIXTURE_H
#define TEST_TESTPMD_FIXTURE_H

#include <stddef.h>

#include "testpmd.h"

/* What the last command printed (valid until the next one), and its length. */
extern char *tp_out_buf;
extern size_t tp_out_len;

/*
 * Start the EAL as @prog on lcores 0-1 with @nb_ports net_null ports
 * (net_null0...), and testpmd's ports over them. 0 or -1, for a cmocka
 * group set-up.
 */
int tp_fixture_up(const char *prog, unsigned int nb_ports);
/*
 * testpmd's state as the app starts it, before any port: default
 * parameters, io forwarding in bursts of 32, 64-byte txonly frames, lcore
 * 1 the one worker, output to a temporary file. tp_fixture_up() and the
 * engine tests' fixture (testpmd_fwd_fixture.c) begin with it.
 */
void tp_fixture_state(void);
/* Close everything tp_fixture_up() made: a cmocka group teardown. */
int tp_fixture_down(void **state);

/* Catch what the next command prints, in tp_out_buf. */
void tp_out_open(void);
/* Run @line; fail unless it returns @expect; return what it printed. */
const char *tp_run(const char *line, int expect);
/* Run @line; fail unless it returns @expect and printed @needle. */
void tp_expect_output(const char *line, int expect, const char *needle);

#endif /* TEST_TESTPMD_FIXTURE_H */
