/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names from pci.ids (app/setup/setup_pciids.c): vendors, devices under
 * their own vendor only, classes and subclasses, a missing database.
 */
#include "test_setup_fake.h"

static struct setup_ctx ctx;
static char *errbuf;
static size_t errlen;
static FILE *errf;

static struct setup_pciids *
open_db(struct fake *f)
{
	errbuf = NULL;
	errf = open_memstream(&errbuf, &errlen);
	fake_ctx(f, &ctx, errf, errf);
	return setup_pciids_open(&ctx);
}

static int
ids_teardown(void **state)
{
	if (errf != NULL)
		fclose(errf);
	errf = NULL;
	free(errbuf);
	return fake_teardown(state);
}

static void
test_pciids_vendor_and_device_names(void **state)
{
	struct setup_pciids *db = open_db(*state);
	char buf[128];

	assert_non_null(db);
	assert_true(setup_pciids_vendor(db, 0x8086, buf, sizeof(buf)));
	assert_string_equal(buf, "Intel Corporation");
	assert_true(setup_pciids_device(db, 0x8086, 0x10d3, buf, sizeof(buf)));
	assert_string_equal(buf, "82574L Gigabit Network Connection");
	assert_true(setup_pciids_device(db, 0x1b36, 0x0010, buf, sizeof(buf)));
	assert_string_equal(buf, "QEMU NVM Express Controller");
	setup_pciids_close(db);
}

static void
test_pciids_device_only_under_its_vendor(void **state)
{
	struct setup_pciids *db = open_db(*state);
	char buf[128];

	/* 1041 exists under 1af4, not under 8086 or 1b36. */
	assert_false(setup_pciids_device(db, 0x8086, 0x1041, buf, sizeof(buf)));
	assert_false(setup_pciids_device(db, 0x1b36, 0x1041, buf, sizeof(buf)));
	assert_true(setup_pciids_device(db, 0x1af4, 0x1041, buf, sizeof(buf)));
	/* A subsystem ID (a01f) is not a device. */
	assert_false(setup_pciids_device(db, 0x8086, 0xa01f, buf, sizeof(buf)));
	assert_false(setup_pciids_vendor(db, 0xdead, buf, sizeof(buf)));
	assert_false(setup_pciids_device(db, 0xdead, 0x0001, buf, sizeof(buf)));
	setup_pciids_close(db);
}

static void
test_pciids_class_and_subclass(void **state)
{
	struct setup_pciids *db = open_db(*state);
	char buf[128];

	assert_true(setup_pciids_class(db, 0x020000, buf, sizeof(buf)));
	assert_string_equal(buf, "Ethernet controller");
	assert_true(setup_pciids_class(db, 0x010802, buf, sizeof(buf)));
	assert_string_equal(buf, "Non-Volatile memory controller");
	/* Unknown subclass: the class name. */
	assert_true(setup_pciids_class(db, 0x060400, buf, sizeof(buf)));
	assert_string_equal(buf, "Bridge");
	assert_false(setup_pciids_class(db, 0xff0000, buf, sizeof(buf)));
	setup_pciids_close(db);
}

static void
test_pciids_names_truncate_to_buffer(void **state)
{
	struct setup_pciids *db = open_db(*state);
	char buf[6];

	assert_true(setup_pciids_vendor(db, 0x8086, buf, sizeof(buf)));
	assert_string_equal(buf, "Intel");
	setup_pciids_close(db);
}

static void
test_pciids_crlf_and_last_line_without_newline(void **state)
{
	struct fake *f = *state;
	struct setup_pciids *db;
	char buf[64];

	fake_file(f, "pci.ids", "abcd  Some Vendor\r\n\t0001  Last Device");
	db = open_db(f);
	assert_true(setup_pciids_vendor(db, 0xabcd, buf, sizeof(buf)));
	assert_string_equal(buf, "Some Vendor");
	assert_true(setup_pciids_device(db, 0xabcd, 0x0001, buf, sizeof(buf)));
	assert_string_equal(buf, "Last Device");
	setup_pciids_close(db);
}

static void
test_pciids_garbage_file_gives_no_names(void **state)
{
	struct fake *f = *state;
	struct setup_pciids *db;
	char buf[64];

	fake_file(f, "pci.ids", "\x01\x02 8086\n\t\t\t\nC\nC 0\n8086\n8086 \n");
	db = open_db(f);
	assert_non_null(db);
	assert_false(setup_pciids_vendor(db, 0x8086, buf, sizeof(buf)));
	assert_false(setup_pciids_class(db, 0x000000, buf, sizeof(buf)));
	setup_pciids_close(db);
}

static void
test_pciids_missing_file_is_reported(void **state)
{
	struct fake *f = *state;

	fake_unlink(f, "pci.ids");
	assert_null(open_db(f));
	fflush(errf);
	assert_contains(errbuf, "cannot read PCI ID database");
}

static void
test_pciids_none_disables_names(void **state)
{
	struct fake *f = *state;
	struct setup_pciids *db;
	char buf[8];

	db = open_db(f);
	setup_pciids_close(db);
	strcpy(ctx.pci_ids, "none");
	assert_null(setup_pciids_open(&ctx));
	assert_false(setup_pciids_vendor(NULL, 0x8086, buf, sizeof(buf)));
	assert_false(setup_pciids_device(NULL, 0x8086, 1, buf, sizeof(buf)));
	assert_false(setup_pciids_class(NULL, 0x020000, buf, sizeof(buf)));
	setup_pciids_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, ids_teardown)
		T(test_pciids_vendor_and_device_names),
		T(test_pciids_device_only_under_its_vendor),
		T(test_pciids_class_and_subclass),
		T(test_pciids_names_truncate_to_buffer),
		T(test_pciids_crlf_and_last_line_without_newline),
		T(test_pciids_garbage_file_gives_no_names),
		T(test_pciids_missing_file_is_reported),
		T(test_pciids_none_disables_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
