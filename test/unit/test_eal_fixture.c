/* SPDX-License-Identifier: BSD-3-Clause */
/* The fixture of test_eal_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_eal_fixture.h"

void
log_expect(const char *needle)
{
	log_stop();
	if (strstr(logged(), needle) == NULL)
		fail_msg("log \"%s\" lacks \"%s\"", logged(), needle);
}

int
eal_fixture_up(const char *prog, const char *lcores)
{
	char *argv[] = { (char *)prog, "--no-huge", "-l", (char *)lcores, "--no-pci", NULL };

	return vdk_eal_init(5, argv) < 0 ? -1 : 0;
}

int
eal_fixture_down(void **state)
{
	(void)state;
	return vdk_eal_cleanup();
}

static void
count_zones(const struct vdk_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned int *)arg)++;
}

unsigned int
nb_zones(void)
{
	unsigned int n = 0;

	vdk_memzone_walk(count_zones, &n);
	return n;
}
