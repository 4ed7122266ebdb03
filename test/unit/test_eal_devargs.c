/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of eal_devargs.c: PCI address forms, device arguments, the
 * limits, iteration, key lookup and numeric values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eal_core_internal.h"
#include "test_common.h"
#include "vdk_log.h"

static struct eal_config cfg;

static int
setup(void **state)
{
	(void)state;
	log_capture();
	eal_config_defaults(&cfg);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	eal_config_release(&cfg);
	eal_config_release(&eal_cfg);
	log_release();
	return 0;
}

static void
test_bdf_full_and_short_forms_give_full_form(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "0000:00:04.0", "0000:00:04.0" },
		{ "00:04.0", "0000:00:04.0" },
		{ "0:4.0", "0000:00:04.0" },
		{ "ff:1f.7", "0000:ff:1f.7" },
		{ "FF:1F.7", "0000:ff:1f.7" },
		{ "0001:3b:00.1", "0001:3b:00.1" },
		{ "10000:00:00.0", "10000:00:00.0" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < VDK_DIM(ok); i++) {
		assert_int_equal(eal_parse_bdf(ok[i].in, out, sizeof(out)), 0);
		assert_string_equal(out, ok[i].out);
	}
}

static void
test_bdf_rejects_malformed_addresses(void **state)
{
	static const char *const bad[] = {
		"", "00:04", "00:04.", "00.04.0", "0000:00:20.0", "00:04.8",
		"zz:00.0", "00:04.0x", "000:100:04.0", "0000:00:04.0:1",
		":00:04.0", "0000::04.0", "123456789:00:04.0", "00:004.0",
		"00:04.0,", "-1:04.0", " 00:04.0",
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < VDK_DIM(bad); i++)
		if (eal_parse_bdf(bad[i], out, sizeof(out)) != -EINVAL)
			fail_msg("'%s' accepted as a PCI address", bad[i]);
	assert_int_equal(eal_parse_bdf(NULL, out, sizeof(out)), -EINVAL);
	/* Output buffer too small for the full form. */
	assert_int_equal(eal_parse_bdf("00:04.0", out, 12), -EINVAL);
}

static void
test_devargs_add_splits_name_and_args(void **state)
{
	(void)state;
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "00:04.0,rxq=2,txq=2"), 0);
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "0000:00:05.0"), 0);
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, "net_af_packet0,iface=veth0"), 0);
	assert_int_equal(cfg.nb_devargs, 3);
	assert_int_equal(cfg.devargs[0].type, VDK_DEVTYPE_ALLOWED);
	assert_string_equal(cfg.devargs[0].name, "0000:00:04.0");
	assert_string_equal(cfg.devargs[0].args, "rxq=2,txq=2");
	assert_string_equal(cfg.devargs[1].name, "0000:00:05.0");
	assert_string_equal(cfg.devargs[1].args, "");
	assert_int_equal(cfg.devargs[2].type, VDK_DEVTYPE_VDEV);
	assert_string_equal(cfg.devargs[2].name, "net_af_packet0");
	assert_string_equal(cfg.devargs[2].args, "iface=veth0");
	assert_int_equal(log_len, 0);
}

static void
test_devargs_add_rejects_bad_bdf_with_hint(void **state)
{
	(void)state;
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "00:04,rxq=1"), -EINVAL);
	assert_logged("-a/--allow 00:04,rxq=1: '00:04' is not a PCI address");
	assert_logged("0000:00:04.0");
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_BLOCKED, "eth0"), -EINVAL);
	assert_logged("-b/--block eth0");
	assert_int_equal(cfg.nb_devargs, 0);
}

static void
test_devargs_add_rejects_bad_vdev_names(void **state)
{
	static const char *const bad[] = { "", ",iface=x", "0null", "net null", "net/null" };

	(void)state;
	for (size_t i = 0; i < VDK_DIM(bad); i++)
		assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, bad[i]), -EINVAL);
	assert_logged("--vdev 0null: bad device name '0null'");
	assert_int_equal(cfg.nb_devargs, 0);
}

static void
test_devargs_add_rejects_too_long_name(void **state)
{
	char name[100];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, name), -EINVAL);
	assert_logged("device name longer than 63 characters");
	assert_int_equal(cfg.nb_devargs, 0);
}

static void
test_devargs_add_rejects_malformed_arguments(void **state)
{
	static const char *const bad[] = {
		"net_null0,", "net_null0,,a=1", "net_null0,=1", "net_null0,a=1,",
		"net_null0,a=1,,b",
	};

	(void)state;
	for (size_t i = 0; i < VDK_DIM(bad); i++)
		if (eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_logged("bad device arguments");
	assert_logged("key=value pairs");
	assert_int_equal(cfg.nb_devargs, 0);
	/* A flag without a value is fine. */
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, "net_null0,no-rx,size=64"), 0);
}

static void
test_devargs_add_rejects_same_device_twice(void **state)
{
	(void)state;
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "00:04.0"), 0);
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "0000:00:04.0,x=1"), -EINVAL);
	assert_logged("device 0000:00:04.0 is named twice");
	assert_int_equal(cfg.nb_devargs, 1);
}

static void
test_devargs_add_rejects_more_than_max(void **state)
{
	char name[32];

	(void)state;
	for (int i = 0; i < EAL_MAX_DEVARGS; i++) {
		snprintf(name, sizeof(name), "net_null%d,k=%d", i, i);
		assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, name), 0);
	}
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_VDEV, "net_null_extra"), -EINVAL);
	assert_logged("more than 64 devices");
	assert_int_equal(cfg.nb_devargs, EAL_MAX_DEVARGS);
	/* teardown frees the 64 argument strings; ASan checks that it does. */
}

static void
test_devargs_release_forgets_everything(void **state)
{
	(void)state;
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "00:04.0,a=1"), 0);
	eal_devargs_release(&cfg);
	assert_int_equal(cfg.nb_devargs, 0);
	assert_null(cfg.devargs[0].args);
	/* And it can be filled again. */
	assert_int_equal(eal_devargs_add(&cfg, VDK_DEVTYPE_ALLOWED, "00:04.0,a=1"), 0);
}

static void
test_devargs_next_walks_in_command_line_order(void **state)
{
	const struct vdk_devargs *da;

	(void)state;
	assert_null(vdk_devargs_next(NULL));
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_VDEV, "net_null0"), 0);
	assert_int_equal(eal_devargs_add(&eal_cfg, VDK_DEVTYPE_BLOCKED, "00:03.0"), 0);
	da = vdk_devargs_next(NULL);
	assert_non_null(da);
	assert_string_equal(da->name, "net_null0");
	da = vdk_devargs_next(da);
	assert_non_null(da);
	assert_string_equal(da->name, "0000:00:03.0");
	assert_int_equal(da->type, VDK_DEVTYPE_BLOCKED);
	assert_null(vdk_devargs_next(da));
	/* A pointer that is not one of ours ends the walk. */
	assert_null(vdk_devargs_next(&cfg.devargs[0]));
}

static void
test_devargs_get_finds_values_and_flags(void **state)
{
	const char *args = "iface=veth0,qpairs=2,promisc,iface2=x";
	char val[16];

	(void)state;
	assert_int_equal(vdk_devargs_get(args, "iface", val, sizeof(val)), 0);
	assert_string_equal(val, "veth0");
	assert_int_equal(vdk_devargs_get(args, "qpairs", val, sizeof(val)), 0);
	assert_string_equal(val, "2");
	assert_int_equal(vdk_devargs_get(args, "promisc", val, sizeof(val)), 0);
	assert_string_equal(val, "");
	assert_int_equal(vdk_devargs_get(args, "iface2", val, sizeof(val)), 0);
	assert_string_equal(val, "x");
	assert_int_equal(vdk_devargs_get("a=", "a", val, sizeof(val)), 0);
	assert_string_equal(val, "");
}

static void
test_devargs_get_absent_key_is_enoent(void **state)
{
	char val[16];

	(void)state;
	assert_int_equal(vdk_devargs_get("iface=veth0", "ifac", val, sizeof(val)), -ENOENT);
	assert_int_equal(vdk_devargs_get("iface=veth0", "iface0", val, sizeof(val)), -ENOENT);
	assert_int_equal(vdk_devargs_get("a=iface", "iface", val, sizeof(val)), -ENOENT);
	assert_int_equal(vdk_devargs_get("", "iface", val, sizeof(val)), -ENOENT);
}

static void
test_devargs_get_small_buffer_is_enospc(void **state)
{
	char val[6];

	(void)state;
	assert_int_equal(vdk_devargs_get("iface=veth01", "iface", val, sizeof(val)), -ENOSPC);
	assert_int_equal(vdk_devargs_get("iface=veth0", "iface", val, sizeof(val)), 0);
	assert_string_equal(val, "veth0");
	assert_int_equal(vdk_devargs_get("flag", "flag", val, 0), -ENOSPC);
}

static void
test_devargs_get_rejects_null_arguments(void **state)
{
	char val[8];

	(void)state;
	assert_int_equal(vdk_devargs_get(NULL, "a", val, sizeof(val)), -EINVAL);
	assert_int_equal(vdk_devargs_get("a=1", NULL, val, sizeof(val)), -EINVAL);
	assert_int_equal(vdk_devargs_get("a=1", "", val, sizeof(val)), -EINVAL);
	assert_int_equal(vdk_devargs_get("a=1", "a", NULL, sizeof(val)), -EINVAL);
}

static void
test_devargs_get_uint_reads_decimal_and_hex(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(vdk_devargs_get_uint("iface=x,qpairs=16", "qpairs", 1, 16, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(vdk_devargs_get_uint("size=0x40", "size", 0, 100, &v), 0);
	assert_int_equal(v, 64);
	/* A leading zero is decimal, not octal. */
	assert_int_equal(vdk_devargs_get_uint("size=010", "size", 0, 100, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(vdk_devargs_get_uint("n=4294967295", "n", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(vdk_devargs_get_uint("n=0", "n", 0, 1, &v), 0);
	assert_int_equal(v, 0);
	assert_string_equal(logged(), "");
}

static void
test_devargs_get_uint_absent_key_keeps_default(void **state)
{
	uint32_t v = 42;

	(void)state;
	assert_int_equal(vdk_devargs_get_uint("iface=x", "qpairs", 1, 16, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(vdk_devargs_get_uint("", "qpairs", 1, 16, &v), 0);
	assert_int_equal(v, 42);
	assert_string_equal(logged(), "");
}

/* Each refused value leaves @out alone and logs the key, the value and the range. */
static void
expect_refused(const char *args, uint32_t min, uint32_t max, int err, const char *logline)
{
	uint32_t v = 42;

	log_capture();
	assert_int_equal(vdk_devargs_get_uint(args, "n", min, max, &v), err);
	assert_int_equal(v, 42);
	assert_logged(logline);
}

static void
test_devargs_get_uint_rejects_what_is_not_a_number(void **state)
{
	(void)state;
	expect_refused("n=", 0, 9, -EINVAL, "device argument n=: not a number: give one in 0..9");
	expect_refused("n", 0, 9, -EINVAL, "n=: not a number");
	expect_refused("n=-1", 0, 9, -EINVAL, "n=-1: not a number");
	expect_refused("n=+1", 0, 9, -EINVAL, "n=+1: not a number");
	expect_refused("n= 1", 0, 9, -EINVAL, "n= 1: not a number");
	expect_refused("n=12abc", 0, 99, -EINVAL, "n=12abc: not a number: give one in 0..99");
	expect_refused("n=1 ", 0, 9, -EINVAL, "n=1 : not a number");
	expect_refused("n=0x", 0, 9, -EINVAL, "n=0x: not a number");
	expect_refused("n=0x1g", 0, 99, -EINVAL, "n=0x1g: not a number");
	expect_refused("n=ab", 0, 99, -EINVAL, "n=ab: not a number");
	expect_refused("n=1.5", 0, 9, -EINVAL, "n=1.5: not a number");
}

static void
test_devargs_get_uint_rejects_out_of_range_and_overflow(void **state)
{
	(void)state;
	expect_refused("n=17", 1, 16, -ERANGE, "device argument n=17: out of range: give a "
		       "number in 1..16");
	expect_refused("n=0", 1, 16, -ERANGE, "n=0: out of range");
	expect_refused("n=4294967296", 0, UINT32_MAX, -ERANGE,
		       "n=4294967296: out of range: give a number in 0..4294967295");
	expect_refused("n=0x100000000", 0, UINT32_MAX, -ERANGE, "n=0x100000000: out of range");
	/* Beyond unsigned long long: strtoull's ERANGE, not a wrapped value. */
	expect_refused("n=99999999999999999999", 0, UINT32_MAX, -ERANGE,
		       "n=99999999999999999999: out of range");
	expect_refused("n=123456789012345678901234567890", 0, 9, -ERANGE,
		       "device argument n: value longer than 23 characters: give a number in 0..9");
}

static void
test_devargs_get_uint_rejects_bad_calls(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(vdk_devargs_get_uint(NULL, "n", 0, 1, &v), -EINVAL);
	assert_int_equal(vdk_devargs_get_uint("n=1", NULL, 0, 1, &v), -EINVAL);
	assert_int_equal(vdk_devargs_get_uint("n=1", "", 0, 1, &v), -EINVAL);
	assert_int_equal(vdk_devargs_get_uint("n=1", "n", 0, 1, NULL), -EINVAL);
	assert_int_equal(vdk_devargs_get_uint("n=1", "n", 2, 1, &v), -EINVAL);
}

/* The 64-bit reader: what the 32-bit one takes, and numbers past 32 bits within its range. */
static void
test_devargs_get_u64_reads_past_32_bits_and_refuses_alike(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(vdk_devargs_get_u64("features_off=0x200000000", "features_off", 0,
					     UINT64_MAX, &v), 0);
	assert_int_equal(v, 1ull << 33);
	assert_int_equal(vdk_devargs_get_u64("n=18446744073709551615", "n", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	v = 42;
	assert_int_equal(vdk_devargs_get_u64("m=1", "n", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 42);
	assert_string_equal(logged(), "");
	/* Past 64 bits: strtoull's ERANGE, not a value cut to 64 bits. */
	assert_int_equal(vdk_devargs_get_u64("n=0x10000000000000000", "n", 0, UINT64_MAX, &v),
			 -ERANGE);
	assert_logged("device argument n=0x10000000000000000: out of range: give a number in "
		      "0..18446744073709551615");
	assert_int_equal(vdk_devargs_get_u64("n=0x100000000", "n", 0, UINT32_MAX, &v), -ERANGE);
	log_capture();
	assert_int_equal(vdk_devargs_get_u64("n=0x2g", "n", 0, UINT64_MAX, &v), -EINVAL);
	assert_logged("n=0x2g: not a number");
	assert_int_equal(v, 42);
	assert_int_equal(vdk_devargs_get_u64("n=1", "n", 2, 1, &v), -EINVAL);
	assert_int_equal(vdk_devargs_get_u64("n=1", "n", 0, 1, NULL), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bdf_full_and_short_forms_give_full_form),
		T(test_bdf_rejects_malformed_addresses),
		T(test_devargs_add_splits_name_and_args),
		T(test_devargs_add_rejects_bad_bdf_with_hint),
		T(test_devargs_add_rejects_bad_vdev_names),
		T(test_devargs_add_rejects_too_long_name),
		T(test_devargs_add_rejects_malformed_arguments),
		T(test_devargs_add_rejects_same_device_twice),
		T(test_devargs_add_rejects_more_than_max),
		T(test_devargs_release_forgets_everything),
		T(test_devargs_next_walks_in_command_line_order),
		T(test_devargs_get_finds_values_and_flags),
		T(test_devargs_get_absent_key_is_enoent),
		T(test_devargs_get_small_buffer_is_enospc),
		T(test_devargs_get_rejects_null_arguments),
		T(test_devargs_get_uint_reads_decimal_and_hex),
		T(test_devargs_get_uint_absent_key_keeps_default),
		T(test_devargs_get_uint_rejects_what_is_not_a_number),
		T(test_devargs_get_uint_rejects_out_of_range_and_overflow),
		T(test_devargs_get_uint_rejects_bad_calls),
		T(test_devargs_get_u64_reads_past_32_bits_and_refuses_alike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
