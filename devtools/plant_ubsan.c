/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A planted undefined behaviour for devtools/test-selftest: a signed
 * overflow on a value the compiler cannot fold. In the sanitizer build it
 * must fail its test (meson.build's -fno-sanitize-recover=all); a build
 * that lets UBSan recover prints the report and exits 0.
 */
#include <limits.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	volatile int big = INT_MAX;
	int sum = big + argc; /* argc >= 1: overflows */

	(void)argv;
	printf("plant_ubsan: INT_MAX + %d gave %d and the program went on\n", argc, sum);
	return 0;
}
