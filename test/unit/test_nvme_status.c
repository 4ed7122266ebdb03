/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/nvme/nvme_status.c: every status code type decodes to the
 * spec's name, reserved and vendor codes say so, and the completion
 * helpers read status and phase apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vdk_nvme.h"

static struct vdk_nvme_cpl
cpl_of(uint8_t sct, uint8_t sc, unsigned int phase)
{
	return (struct vdk_nvme_cpl){
		.status = (uint16_t)(VDK_NVME_SET(STATUS_SCT, sct) | VDK_NVME_SET(STATUS_SC, sc) |
				     VDK_NVME_SET(STATUS_P, phase)),
	};
}

static void
test_nvme_status_names_each_code_type(void **state)
{
	(void)state;
	assert_string_equal(vdk_nvme_status_str(0, 0x00), "SUCCESS");
	assert_string_equal(vdk_nvme_status_str(0, 0x02), "INVALID FIELD IN COMMAND");
	assert_string_equal(vdk_nvme_status_str(0, 0x08), "COMMAND ABORTED DUE TO SQ DELETION");
	assert_string_equal(vdk_nvme_status_str(0, 0x80), "LBA OUT OF RANGE");
	assert_string_equal(vdk_nvme_status_str(1, 0x01), "INVALID QUEUE IDENTIFIER");
	assert_string_equal(vdk_nvme_status_str(1, 0x02), "INVALID QUEUE SIZE");
	assert_string_equal(vdk_nvme_status_str(1, 0x82), "ATTEMPTED WRITE TO READ ONLY RANGE");
	assert_string_equal(vdk_nvme_status_str(2, 0x81), "UNRECOVERED READ ERROR");
	assert_string_equal(vdk_nvme_status_str(2, 0x87), "DEALLOCATED OR UNWRITTEN LOGICAL BLOCK");
	assert_string_equal(vdk_nvme_status_str(3, 0x71), "COMMAND ABORTED BY HOST");
}

static void
test_nvme_status_unknown_codes_are_reserved_or_vendor(void **state)
{
	(void)state;
	assert_string_equal(vdk_nvme_status_str(0, 0x17), "RESERVED");
	assert_string_equal(vdk_nvme_status_str(0, 0x7f), "RESERVED");
	assert_string_equal(vdk_nvme_status_str(2, 0x00), "RESERVED");
	assert_string_equal(vdk_nvme_status_str(1, 0xc0), "VENDOR SPECIFIC");
	assert_string_equal(vdk_nvme_status_str(3, 0xff), "VENDOR SPECIFIC");
	assert_string_equal(vdk_nvme_status_str(7, 0x01), "VENDOR SPECIFIC");
	assert_string_equal(vdk_nvme_status_str(4, 0x01), "UNKNOWN");
	assert_string_equal(vdk_nvme_sct_str(0), "GENERIC");
	assert_string_equal(vdk_nvme_sct_str(2), "MEDIA AND DATA INTEGRITY");
	assert_string_equal(vdk_nvme_sct_str(5), "RESERVED");
	assert_string_equal(vdk_nvme_sct_str(9), "UNKNOWN");
	assert_string_equal(vdk_nvme_cpl_status_str(NULL), "UNKNOWN");
}

static void
test_nvme_status_helpers_ignore_the_phase_tag(void **state)
{
	struct vdk_nvme_cpl ok1 = cpl_of(0, 0, 1), ok0 = cpl_of(0, 0, 0);
	struct vdk_nvme_cpl bad = cpl_of(2, 0x85, 1);

	(void)state;
	assert_false(vdk_nvme_cpl_is_error(&ok1));
	assert_false(vdk_nvme_cpl_is_error(&ok0));
	assert_true(vdk_nvme_cpl_is_error(&bad));
	assert_int_equal(vdk_nvme_cpl_sct(&bad), 2);
	assert_int_equal(vdk_nvme_cpl_sc(&bad), 0x85);
	assert_string_equal(vdk_nvme_cpl_status_str(&bad), "COMPARE FAILURE");
	/* DNR alone is an error too: any bit of the status field. */
	bad.status = (uint16_t)VDK_NVME_SET(STATUS_DNR, 1);
	assert_true(vdk_nvme_cpl_is_error(&bad));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_status_names_each_code_type),
		cmocka_unit_test(test_nvme_status_unknown_codes_are_reserved_or_vendor),
		cmocka_unit_test(test_nvme_status_helpers_ignore_the_phase_tag),
	};

	return cmocka_run_group_tests_name("nvme_status", tests, NULL, NULL);
}
