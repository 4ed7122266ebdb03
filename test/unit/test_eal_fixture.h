/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests of the objects built on EAL memory (ring, mempool, mbuf,
 * the NIC and NVMe drivers over their models) share on top of
 * test_common.h: a check that an error path said what it should, an EAL
 * started on --no-huge with no PCI, so that they run anywhere, and a
 * memzone count, so that a failed create is seen to leave nothing behind.
 * A compiled fixture (test_eal_fixture.c), in the test fixture library
 * every unit test links. Include after <cmocka.h>.
 */
#ifndef TEST_EAL_FIXTURE_H
#define TEST_EAL_FIXTURE_H

#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_memzone.h"

/* Stop capturing and check that the log holds @needle. */
void log_expect(const char *needle);
/* Start the EAL as @prog on the lcores @lcores, without hugepages or PCI: 0 or -1. */
int eal_fixture_up(const char *prog, const char *lcores);
/* A cmocka group teardown for a group whose set-up called eal_fixture_up(). */
int eal_fixture_down(void **state);
/* How many memzones there are now. */
unsigned int nb_zones(void);

#endif /* TEST_EAL_FIXTURE_H */
