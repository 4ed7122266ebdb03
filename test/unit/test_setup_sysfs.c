/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-setup's file helpers (app/setup/setup_sysfs.c): readers that reject
 * garbage, paths under the roots, and the real attribute write used over
 * the fake tree.
 */
#include <time.h>

#include "test_setup_fake.h"

static char *
tree_path(struct fake *f, const char *rel)
{
	static char buf[PATH_MAX];

	fake_path(f, buf, "%s", rel);
	return buf;
}

static void
test_sysfs_read_str_strips_trailing_whitespace(void **state)
{
	struct fake *f = *state;
	char buf[32];

	fake_file(f, "a", "vfio-pci \n\n");
	assert_int_equal(setup_read_str(tree_path(f, "a"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
	fake_file(f, "empty", "");
	assert_int_equal(setup_read_str(tree_path(f, "empty"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void
test_sysfs_read_str_truncates_to_buffer(void **state)
{
	struct fake *f = *state;
	char buf[5];

	fake_file(f, "a", "abcdefgh");
	assert_int_equal(setup_read_str(tree_path(f, "a"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abcd");
	assert_int_equal(setup_read_str(tree_path(f, "a"), buf, 0), -EINVAL);
}

static void
test_sysfs_read_str_rejects_inner_nul_and_missing(void **state)
{
	struct fake *f = *state;
	char buf[32];
	FILE *fp;

	fp = fopen(tree_path(f, "nul"), "w");
	fwrite("ab\0cd", 1, 5, fp);
	fclose(fp);
	assert_int_equal(setup_read_str(tree_path(f, "nul"), buf, sizeof(buf)), -EINVAL);
	fp = fopen(tree_path(f, "tailnul"), "w");
	fwrite("host\0\0", 1, 6, fp);
	fclose(fp);
	assert_int_equal(setup_read_str(tree_path(f, "tailnul"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "host");
	assert_int_equal(setup_read_str(tree_path(f, "missing"), buf, sizeof(buf)), -ENOENT);
	fake_dir(f, "adir");
	assert_int_equal(setup_read_str(tree_path(f, "adir"), buf, sizeof(buf)), -EISDIR);
}

static void
test_sysfs_read_hex_accepts_kernel_forms(void **state)
{
	struct fake *f = *state;
	unsigned long v;

	fake_file(f, "h", "0x8086\n");
	assert_int_equal(setup_read_hex(tree_path(f, "h"), &v), 0);
	assert_int_equal(v, 0x8086);
	fake_file(f, "h", "1003\n");
	assert_int_equal(setup_read_hex(tree_path(f, "h"), &v), 0);
	assert_int_equal(v, 0x1003);
	fake_file(f, "h", "0xd2008c222f0686\n");
	assert_int_equal(setup_read_hex(tree_path(f, "h"), &v), 0);
	assert_true(v == 0xd2008c222f0686ul);
}

static void
test_sysfs_read_hex_rejects_garbage(void **state)
{
	struct fake *f = *state;
	static const char *const bad[] = {
		"", "0x", "zz", "0x0x12", "12 34", "-1", "+1", " 12", "0x123456789abcdef01",
		"12g",
	};
	unsigned long v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_file(f, "h", bad[i]);
		if (setup_read_hex(tree_path(f, "h"), &v) != -EINVAL)
			fail_msg("'%s' was accepted as hex", bad[i]);
	}
}

static void
test_sysfs_read_ulong_rejects_garbage(void **state)
{
	struct fake *f = *state;
	unsigned long v;

	fake_file(f, "n", "512\n");
	assert_int_equal(setup_read_ulong(tree_path(f, "n"), &v), 0);
	assert_int_equal(v, 512);
	fake_file(f, "n", "5l2\n");
	assert_int_equal(setup_read_ulong(tree_path(f, "n"), &v), -EINVAL);
	fake_file(f, "n", "-3\n");
	assert_int_equal(setup_read_ulong(tree_path(f, "n"), &v), -EINVAL);
	fake_file(f, "n", "99999999999999999999999\n");
	assert_int_equal(setup_read_ulong(tree_path(f, "n"), &v), -EINVAL);
}

static void
test_sysfs_readlink_base_takes_last_component(void **state)
{
	struct fake *f = *state;
	char buf[16];

	fake_link(f, "../../../bus/pci/drivers/e1000e", "drv");
	assert_int_equal(setup_readlink_base(tree_path(f, "drv"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "e1000e");
	fake_link(f, "plain", "drv2");
	assert_int_equal(setup_readlink_base(tree_path(f, "drv2"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "plain");
	fake_link(f, "../a/this-name-is-far-too-long", "drv3");
	assert_int_equal(setup_readlink_base(tree_path(f, "drv3"), buf, sizeof(buf)), -EINVAL);
	fake_file(f, "notlink", "x");
	assert_int_equal(setup_readlink_base(tree_path(f, "notlink"), buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(setup_readlink_base(tree_path(f, "none"), buf, sizeof(buf)), -ENOENT);
}

static void
test_sysfs_list_dir_sorted_without_dots(void **state)
{
	struct fake *f = *state;
	char **names;
	int n;

	fake_file(f, "d/b", "");
	fake_file(f, "d/a", "");
	fake_file(f, "d/c", "");
	n = setup_list_dir(tree_path(f, "d"), &names);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[2], "c");
	setup_free_list(names, n);
	assert_int_equal(setup_list_dir(tree_path(f, "nodir"), &names), -ENOENT);
	assert_null(names);
}

static void
test_sysfs_path_joins_root_and_rejects_overflow(void **state)
{
	struct setup_ctx ctx;
	char buf[32];

	(void)state;
	setup_ctx_init(&ctx, stdout, stderr);
	strcpy(ctx.root[SETUP_ROOT_PROC], "/fake/proc");
	assert_int_equal(setup_path(&ctx, SETUP_ROOT_PROC, buf, sizeof(buf), "%s", "mounts"), 0);
	assert_string_equal(buf, "/fake/proc/mounts");
	assert_int_equal(setup_path(&ctx, SETUP_ROOT_PROC, buf, sizeof(buf), "%s",
				    "a/very/long/relative/path/here"), -ENAMETOOLONG);
	assert_int_equal(setup_path(&ctx, SETUP_ROOT_PROC, buf, 8, "x"), -ENAMETOOLONG);
}

static void
test_sysfs_write_needs_an_existing_attribute(void **state)
{
	struct fake *f = *state;
	struct setup_ctx ctx;
	char buf[32];

	setup_ctx_init(&ctx, stdout, stderr);
	fake_file(f, "attr", "(null)\n");
	assert_int_equal(setup_default_ops.write_attr(&ctx, tree_path(f, "attr"), "vfio-pci"), 0);
	assert_int_equal(setup_read_str(tree_path(f, "attr"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
	/* sysfs never creates files: neither does the tool. */
	assert_int_equal(setup_default_ops.write_attr(&ctx, tree_path(f, "nope"), "1"), -ENOENT);
	assert_false(setup_exists(tree_path(f, "nope")));
}

static void
test_sysfs_dry_run_prints_instead_of_writing(void **state)
{
	struct fake *f = *state;
	struct setup_ctx ctx;
	char *out = NULL, buf[32];
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&out, &len);
	setup_ctx_init(&ctx, fp, fp);
	ctx.ops = &fake_ops;
	ctx.model = f;
	ctx.dry_run = true;
	fake_file(f, "attr", "old\n");
	assert_int_equal(setup_write(&ctx, tree_path(f, "attr"), "new"), 0);
	fclose(fp);
	assert_contains(out, "would write 'new' to ");
	assert_int_equal(f->nb_writes, 0);
	assert_int_equal(setup_read_str(tree_path(f, "attr"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "old");
	free(out);
}

static void
test_sysfs_mount_reports_mkdir_failure(void **state)
{
	struct fake *f = *state;
	struct setup_ctx ctx;

	setup_ctx_init(&ctx, stdout, stderr);
	/* A file where a directory should be: mkdir fails before any mount(2). */
	fake_file(f, "blocker", "");
	assert_int_equal(setup_default_ops.mount_hugetlbfs(&ctx, tree_path(f, "blocker/huge"),
							   NULL), -ENOTDIR);
}

static void
test_sysfs_modprobe_reports_exit_status(void **state)
{
	struct setup_ctx ctx;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fp = open_memstream(&out, &len);
	setup_ctx_init(&ctx, fp, fp);
	/* No module has this name: modprobe exits 1, or 127 without kmod. */
	assert_true(setup_default_ops.modprobe(&ctx, "vdk-no-such-module-xyz") > 0);
	fclose(fp);
	free(out);
}

static void
test_sysfs_sleep_waits_at_least_the_time_asked(void **state)
{
	struct timespec a, b;
	long ns;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	setup_default_ops.sleep_ms(NULL, 20);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	assert_true(ns >= 20000000L);
}

/*
 * --mount creates and mounts on the path as written: a symbolic link on
 * the way (one another user planted in /tmp, say) is refused before
 * anything is created or mounted, never followed to where it points.
 */
static void
test_sysfs_mount_refuses_a_symlink_on_the_way(void **state)
{
	struct fake *f = *state;
	struct setup_ctx ctx;
	char target[PATH_MAX];

	setup_ctx_init(&ctx, stdout, stderr);
	fake_dir(f, "real");
	snprintf(target, sizeof(target), "%s", tree_path(f, "real"));
	fake_link(f, target, "link");
	fake_link(f, "real", "rel-link");
	fake_link(f, "/nonexistent/vdk-setup-test", "dangling");
	assert_int_equal(setup_default_ops.mount_hugetlbfs(&ctx, tree_path(f, "link/huge"), NULL),
			 -ELOOP);
	assert_int_equal(setup_default_ops.mount_hugetlbfs(&ctx, tree_path(f, "rel-link"), NULL),
			 -ELOOP);
	assert_int_equal(setup_default_ops.mount_hugetlbfs(&ctx, tree_path(f, "dangling"), NULL),
			 -ELOOP);
	assert_int_equal(setup_default_ops.mount_hugetlbfs(&ctx, tree_path(f, "dangling/x"),
							   NULL), -ELOOP);
	/* Nothing was made where the links point. */
	assert_false(setup_exists(tree_path(f, "real/huge")));
	assert_false(setup_exists("/nonexistent/vdk-setup-test"));
}

/* The walk --mount uses: creates what is missing, hands back the directory. */
static void
test_sysfs_open_dir_nofollow_creates_and_opens(void **state)
{
	struct fake *f = *state;
	struct stat a, b;
	int fd;

	fake_dir(f, "top");
	fd = setup_open_dir_nofollow(tree_path(f, "top/a//b/./c/"), true);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(tree_path(f, "top/a/b/c"), &b), 0);
	assert_true(S_ISDIR(b.st_mode));
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
	close(fd);
	/* Without create, a missing directory is an error and stays missing. */
	assert_int_equal(setup_open_dir_nofollow(tree_path(f, "top/missing/x"), false), -ENOENT);
	assert_false(setup_exists(tree_path(f, "top/missing")));
	fake_file(f, "top/file", "");
	assert_int_equal(setup_open_dir_nofollow(tree_path(f, "top/file"), true), -ENOTDIR);
	assert_int_equal(setup_open_dir_nofollow("", true), -EINVAL);
}

/*
 * modprobe gets "--" before the module, so that no name can become an
 * option (the CLI refuses such names too): a modprobe of our own on PATH
 * records its arguments.
 */
static void
test_sysfs_modprobe_ends_options_before_the_module(void **state)
{
	struct fake *f = *state;
	struct setup_ctx ctx;
	char script[PATH_MAX + 64], *old_path, buf[128];
	FILE *fp;

	fake_file(f, "bin/modprobe", "");
	snprintf(script, sizeof(script), "#!/bin/sh\nprintf '%%s|' \"$@\" > '%s'\n",
		 tree_path(f, "args"));
	fp = fopen(tree_path(f, "bin/modprobe"), "w");
	assert_non_null(fp);
	fputs(script, fp);
	fclose(fp);
	assert_int_equal(chmod(tree_path(f, "bin/modprobe"), 0755), 0);
	old_path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	assert_non_null(old_path);
	setenv("PATH", tree_path(f, "bin"), 1);
	setup_ctx_init(&ctx, stdout, stderr);
	assert_int_equal(setup_default_ops.modprobe(&ctx, "vfio-pci"), 0);
	setenv("PATH", old_path, 1);
	free(old_path);
	assert_int_equal(setup_read_str(tree_path(f, "args"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "--|vfio-pci|");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
		T(test_sysfs_read_str_strips_trailing_whitespace),
		T(test_sysfs_read_str_truncates_to_buffer),
		T(test_sysfs_read_str_rejects_inner_nul_and_missing),
		T(test_sysfs_read_hex_accepts_kernel_forms),
		T(test_sysfs_read_hex_rejects_garbage),
		T(test_sysfs_read_ulong_rejects_garbage),
		T(test_sysfs_readlink_base_takes_last_component),
		T(test_sysfs_list_dir_sorted_without_dots),
		T(test_sysfs_path_joins_root_and_rejects_overflow),
		T(test_sysfs_write_needs_an_existing_attribute),
		T(test_sysfs_dry_run_prints_instead_of_writing),
		T(test_sysfs_mount_reports_mkdir_failure),
		T(test_sysfs_modprobe_reports_exit_status),
		T(test_sysfs_mount_refuses_a_symlink_on_the_way),
		T(test_sysfs_open_dir_nofollow_creates_and_opens),
		T(test_sysfs_modprobe_ends_options_before_the_module),
		T(test_sysfs_sleep_waits_at_least_the_time_asked),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
