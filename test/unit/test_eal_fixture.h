/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests of the objects built on EAL memory (ring, mempool, mbuf,
 * the NVMe driver through test_nvme_util.h) share on top of test_common.h:
 * a check that an error path said what it should, an EAL started on
 * --no-huge with no PCI, so that they run anywhere, and a memzone count,
 * so that a failed create is seen to leave nothing behind. Include after
 * <cmocka.h>.
 */
#ifndef TEST_EAL_FIXTURE_H
#define TEST_EAL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_memzone.h"

/* Stop capturing and check that the log holds @needle. */
static __attribute__((unused)) void
log_expect(const char *needle)
{
	log_stop();
	if (strstr(logged(), needle) == NULL)
		fail_msg("log \"%s\" lacks \"%s\"", logged(), needle);
}

/* Start the EAL as @prog on the lcores @lcores, without hugepages or PCI: 0 or -1. */
static __attribute__((unused)) int
eal_fixture_up(const char *prog, const char *lcores)
{
	char *argv[] = { (char *)prog, "--no-huge", "-l", (char *)lcores, "--no-pci", NULL };

	return vdk_eal_init(5, argv) < 0 ? -1 : 0;
}

/* A cmocka group teardown for a group whose set-up called eal_fixture_up(). */
static __attribute__((unused)) int
eal_fixture_down(void **state)
{
	(void)state;
	return vdk_eal_cleanup();
}

static __attribute__((unused)) void
count_zones(const struct vdk_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned int *)arg)++;
}

/* How many memzones there are now. */
static __attribute__((unused)) unsigned int
nb_zones(void)
{
	unsigned int n = 0;

	vdk_memzone_walk(count_zones, &n);
	return n;
}

#endif /* TEST_EAL_FIXTURE_H */
