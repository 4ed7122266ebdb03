/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-setup: prepare a Linux machine for VDK (see doc/setup.md).
 * Everything but the process entry lives in the setup_*.c files, which
 * the unit tests compile in and run over fake sysfs trees.
 */
#include <stdio.h>

#include "setup_internal.h"

int
main(int argc, char **argv)
{
	struct setup_ctx ctx;
	int rc;

	setup_ctx_init(&ctx, stdout, stderr);
	rc = setup_run(&ctx, argc, argv);
	if (fflush(stdout) != 0 && rc == SETUP_EXIT_OK)
		rc = SETUP_EXIT_FAIL;	/* a full disk or closed pipe is a failure too */
	return rc;
}
