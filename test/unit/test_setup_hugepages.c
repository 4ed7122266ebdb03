/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup hugepages` (app/setup/setup_hugepages.c) over a fake
 * /sys/kernel/mm/hugepages and node tree, with a kernel model that may
 * give fewer pages than asked or keep pages that are in use.
 */
#include "test_setup_fake.h"

static void
size_dir_files(struct fake *f, const char *dir, unsigned long nr, bool global)
{
	char rel[PATH_MAX], val[32];

	snprintf(val, sizeof(val), "%lu\n", nr);
	snprintf(rel, sizeof(rel), "%s/nr_hugepages", dir);
	fake_file(f, rel, val);
	snprintf(rel, sizeof(rel), "%s/free_hugepages", dir);
	fake_file(f, rel, val);
	snprintf(rel, sizeof(rel), "%s/surplus_hugepages", dir);
	fake_file(f, rel, "0\n");
	if (global) {
		snprintf(rel, sizeof(rel), "%s/resv_hugepages", dir);
		fake_file(f, rel, "0\n");
	}
}

/* 2M and 1G pages, two NUMA nodes. */
static void
machine(struct fake *f)
{
	size_dir_files(f, "sys/kernel/mm/hugepages/hugepages-2048kB", 0, true);
	size_dir_files(f, "sys/kernel/mm/hugepages/hugepages-1048576kB", 0, true);
	for (int n = 0; n < 2; n++) {
		char dir[128];

		snprintf(dir, sizeof(dir), "sys/devices/system/node/node%d/hugepages/"
			 "hugepages-2048kB", n);
		size_dir_files(f, dir, 0, false);
		snprintf(dir, sizeof(dir), "sys/devices/system/node/node%d/hugepages/"
			 "hugepages-1048576kB", n);
		size_dir_files(f, dir, 0, false);
	}
	fake_file(f, "sys/devices/system/node/possible", "0-1\n");
	fake_file(f, "proc/meminfo", "MemTotal: 1 kB\nHugepagesize:       2048 kB\n");
}

static void
test_hugepages_report_by_size_and_node(void **state)
{
	struct fake *f = *state;

	machine(f);
	size_dir_files(f, "sys/kernel/mm/hugepages/hugepages-2048kB", 64, true);
	fake_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "60\n");
	fake_file(f, "proc/mounts", "none /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n"
		  "none /mnt/huge1G hugetlbfs rw,pagesize=1024M,uid=0 0 0\n");
	assert_int_equal(fake_run(f, "hugepages"), SETUP_EXIT_OK);
	assert_contains(f->out, "size   node    reserved       free    surplus\n"
			"2M     all           64         60          0\n"
			"2M     0              0          0          0\n"
			"2M     1              0          0          0\n"
			"1G     all            0          0          0\n");
	assert_contains(f->out, "hugetlbfs mounted on: /dev/hugepages (pagesize=2M), "
			"/mnt/huge1G (pagesize=1024M)\n");
	assert_int_equal(f->nb_writes, 0);
}

static void
test_hugepages_report_without_mounts(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages"), SETUP_EXIT_OK);
	assert_contains(f->out, "hugetlbfs: not mounted");
}

static void
test_hugepages_reserve_default_size(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "512"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 1);
	assert_string_equal(fake_write_str(f, 0),
			    "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages=512");
	assert_contains(f->out, "2M pages: 512 reserved\n");
	assert_contains(f->out, "2M     all          512        512");
}

static void
test_hugepages_reserve_1g_on_a_node(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "2", "--size", "1G", "--node", "1"),
			 SETUP_EXIT_OK);
	assert_string_equal(fake_write_str(f, 0), "sys/devices/system/node/node1/hugepages/"
			    "hugepages-1048576kB/nr_hugepages=2");
	assert_contains(f->out, "1G pages on node 1: 2 reserved\n");
}

static void
test_hugepages_kernel_gives_fewer_pages(void **state)
{
	struct fake *f = *state;

	machine(f);
	f->hp_max = 100;
	assert_int_equal(fake_run(f, "hugepages", "512"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "the kernel gave 100 of the 512 2M pages asked");
	assert_contains(f->err, "hugepages=512 on the kernel command line");
	/* The report still shows what there is. */
	assert_contains(f->out, "2M     all          100        100");
}

static void
test_hugepages_unsupported_size(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "1", "--size", "16M"), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "16M pages are not offered here");
}

static void
test_hugepages_unknown_node(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "8", "--node", "7"), SETUP_EXIT_FAIL);
	assert_int_equal(f->nb_writes, 0);
	assert_contains(f->err, "NUMA node 7 has no 2M hugepages");
	assert_contains(f->err, "nodes here: 0 1\n");
}

static void
test_hugepages_clear_every_size(void **state)
{
	struct fake *f = *state;

	machine(f);
	size_dir_files(f, "sys/kernel/mm/hugepages/hugepages-2048kB", 64, true);
	size_dir_files(f, "sys/kernel/mm/hugepages/hugepages-1048576kB", 1, true);
	assert_int_equal(fake_run(f, "hugepages", "--clear"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 2);
	assert_string_equal(fake_write_str(f, 0),
			    "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages=0");
	assert_string_equal(fake_write_str(f, 1),
			    "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages=0");
}

static void
test_hugepages_clear_one_size_then_reserve(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "--clear", "--size", "2M", "16"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 2);
	assert_string_equal(fake_write_str(f, 0),
			    "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages=0");
	assert_string_equal(fake_write_str(f, 1),
			    "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages=16");
}

static void
test_hugepages_clear_with_pages_in_use(void **state)
{
	struct fake *f = *state;

	machine(f);
	f->hp_in_use = 10;
	assert_int_equal(fake_run(f, "hugepages", "--clear", "--size", "2M"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "10 2M pages remain reserved, not 0: 10 are in use");
	assert_contains(f->err, "hugetlbfs mount");
}

static void
test_hugepages_write_refused(void **state)
{
	struct fake *f = *state;

	machine(f);
	f->fail_write_errno = EACCES;
	assert_int_equal(fake_run(f, "hugepages", "4"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "cannot reserve 4 2M pages");
	assert_contains(f->err, "(run as root)");
}

static void
test_hugepages_mount_with_page_size(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "--mount", "/mnt/huge", "--size", "1G"),
			 SETUP_EXIT_OK);
	assert_int_equal(f->nb_mounts, 1);
	assert_string_equal(f->mount_dir, "/mnt/huge");
	assert_string_equal(f->mount_opts, "pagesize=1G");
	assert_contains(f->out, "hugetlbfs mounted on /mnt/huge\n");
	assert_int_equal(f->nb_writes, 0);
}

static void
test_hugepages_mount_default_size_has_no_option(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "--mount", "/mnt/huge"), SETUP_EXIT_OK);
	assert_string_equal(f->mount_opts, "(none)");
}

static void
test_hugepages_mount_already_there(void **state)
{
	struct fake *f = *state;

	machine(f);
	fake_file(f, "proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n");
	assert_int_equal(fake_run(f, "hugepages", "--mount", "/dev/hugepages"), SETUP_EXIT_OK);
	assert_int_equal(f->nb_mounts, 0);
	assert_contains(f->out, "hugetlbfs already mounted on /dev/hugepages");
}

/*
 * The mount table and --mount are compared as canonical paths: a trailing
 * slash, "//", "." or ".." (or a link) naming the mounted directory is the
 * same directory, and the mount table's escapes (\040 for a space) are read.
 */
static void
test_hugepages_mount_already_there_under_another_spelling(void **state)
{
	struct fake *f = *state;
	char mounted[PATH_MAX], line[PATH_MAX + 64], given[PATH_MAX];
	static const char *const spellings[] = {
		"%s/huge pages/", "%s//huge pages", "%s/x/../huge pages/.", "%s/link",
	};

	machine(f);
	fake_dir(f, "huge pages");
	fake_dir(f, "x");
	fake_link(f, "huge pages", "link");
	fake_path(f, mounted, "huge\\040pages");
	snprintf(line, sizeof(line), "nodev %s hugetlbfs rw,relatime,pagesize=2M 0 0\n", mounted);
	fake_file(f, "proc/mounts", line);
	for (unsigned int i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		snprintf(given, sizeof(given), spellings[i], f->root);
		assert_int_equal(fake_run(f, "hugepages", "--mount", given), SETUP_EXIT_OK);
		if (f->nb_mounts != 0)
			fail_msg("--mount %s mounted again", given);
		assert_contains(f->out, "hugetlbfs already mounted on ");
	}
	/* Another directory is not the mounted one. */
	fake_dir(f, "other");
	snprintf(given, sizeof(given), "%s/other", f->root);
	assert_int_equal(fake_run(f, "hugepages", "--mount", given), SETUP_EXIT_OK);
	assert_int_equal(f->nb_mounts, 1);
}

/* --mount does not follow a symbolic link, and says so, also in a dry run. */
static void
test_hugepages_mount_through_a_symlink_is_refused(void **state)
{
	struct fake *f = *state;
	char given[PATH_MAX];

	machine(f);
	fake_dir(f, "real");
	fake_link(f, "real", "link");
	snprintf(given, sizeof(given), "%s/link/hp", f->root);
	assert_int_equal(fake_run(f, "hugepages", "--mount", given, "--dry-run"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "goes through a symbolic link, which --mount does not follow");
	assert_not_contains(f->out, "would mount");
	/* A path that does not exist yet is fine in a dry run: it would be made. */
	snprintf(given, sizeof(given), "%s/real/new/hp", f->root);
	assert_int_equal(fake_run(f, "hugepages", "--mount", given, "--dry-run"), SETUP_EXIT_OK);
	assert_contains(f->out, "would mount hugetlbfs on ");
	assert_false(setup_exists(given));
	assert_int_equal(f->nb_mounts, 0);
}

static void
test_hugepages_mount_fails(void **state)
{
	struct fake *f = *state;

	machine(f);
	f->mount_rc = -EPERM;
	assert_int_equal(fake_run(f, "hugepages", "--mount", "/mnt/huge"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "cannot mount hugetlbfs on /mnt/huge");
	assert_contains(f->err, "(run as root)");
}

static void
test_hugepages_dry_run_changes_nothing(void **state)
{
	struct fake *f = *state;

	machine(f);
	assert_int_equal(fake_run(f, "hugepages", "64", "--mount", "/mnt/h", "--dry-run"),
			 SETUP_EXIT_OK);
	assert_int_equal(f->nb_writes, 0);
	assert_int_equal(f->nb_mounts, 0);
	assert_contains(f->out, "would write '64' to ");
	assert_contains(f->out, "would mount hugetlbfs on /mnt/h (pagesize=2M)");
}

static void
test_hugepages_garbage_counts_fail(void **state)
{
	struct fake *f = *state;

	machine(f);
	fake_file(f, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "lots\n");
	assert_int_equal(fake_run(f, "hugepages"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "free_hugepages: not a number");
	/* The other size is still reported. */
	assert_contains(f->out, "1G     all            0");
}

static void
test_hugepages_no_hugetlb_in_kernel(void **state)
{
	struct fake *f = *state;

	assert_int_equal(fake_run(f, "hugepages"), SETUP_EXIT_FAIL);
	assert_contains(f->err, "kernel built without hugetlbfs?");
}

static void
test_hugepages_without_numa_or_meminfo(void **state)
{
	struct fake *f = *state;

	size_dir_files(f, "sys/kernel/mm/hugepages/hugepages-2048kB", 0, true);
	fake_dir(f, "sys/kernel/mm/hugepages/not-a-size");
	fake_dir(f, "sys/kernel/mm/hugepages/hugepages-xkB");
	assert_int_equal(fake_run(f, "hugepages", "8"), SETUP_EXIT_OK);
	assert_contains(f->out, "2M pages: 8 reserved");
	assert_not_contains(f->out, "2M     0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
		T(test_hugepages_report_by_size_and_node),
		T(test_hugepages_report_without_mounts),
		T(test_hugepages_reserve_default_size),
		T(test_hugepages_reserve_1g_on_a_node),
		T(test_hugepages_kernel_gives_fewer_pages),
		T(test_hugepages_unsupported_size),
		T(test_hugepages_unknown_node),
		T(test_hugepages_clear_every_size),
		T(test_hugepages_clear_one_size_then_reserve),
		T(test_hugepages_clear_with_pages_in_use),
		T(test_hugepages_write_refused),
		T(test_hugepages_mount_with_page_size),
		T(test_hugepages_mount_default_size_has_no_option),
		T(test_hugepages_mount_already_there),
		T(test_hugepages_mount_already_there_under_another_spelling),
		T(test_hugepages_mount_through_a_symlink_is_refused),
		T(test_hugepages_mount_fails),
		T(test_hugepages_dry_run_changes_nothing),
		T(test_hugepages_garbage_counts_fail),
		T(test_hugepages_no_hugetlb_in_kernel),
		T(test_hugepages_without_numa_or_meminfo),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
