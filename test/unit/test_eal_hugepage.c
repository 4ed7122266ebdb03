/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backing of EAL memory (eal_hugepage.c): memfd hugepages, hugetlbfs
 * files with their lock file and the reclaim of dead processes' files,
 * --no-huge locking limits and THP alignment, and the error paths, each
 * checked to leave no mapping, lock, file or borrowed hugepage behind.
 * Lock files shared between pid namespaces (containers) have their own
 * program, test_eal_hugepage_lock.c.
 *
 * The hugepage cases need root: they borrow a few 2 MiB pages and mount
 * hugetlbfs on temporary directories they remove, in a mount namespace of
 * their own (test_eal_hugepage_fake.h). Without root they are skipped.
 */
#include "test_eal_hugepage_fake.h"

/* ---- --no-huge ---- */

static void
test_memory_file_prefix_with_slash_is_einval(void **state)
{
	(void)state;
	log_capture();
	cfg_reset(true, 0);
	strcpy(cfg.file_prefix, "a/b");
	assert_int_equal(eal_memory_init(&cfg), -EINVAL);
	assert_true(log_contains("--file-prefix"));
	cfg.file_prefix[0] = '\0';
	assert_int_equal(eal_memory_init(&cfg), -EINVAL);
}

static void
test_memseg_nohuge_2mib_segment_is_thp_aligned(void **state)
{
	const struct vdk_memseg *ms;

	(void)state;
	nohuge_pa_memory_init();
	ms = eal_memseg_alloc(HUGE_2M, 0);
	assert_non_null(ms);
	assert_int_equal((uintptr_t)ms->addr % HUGE_2M, 0);
	check_pa_segment(ms);
	/* Physically contiguous if the kernel had a THP to give. */
	print_message("2 MiB --no-huge segment: %s\n", ms->iova != VDK_BAD_IOVA ?
		      "one physically contiguous run" : "scattered 4 KiB pages");
	eal_memory_cleanup();
}

static int
child_memlock_limit_too_small(void)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };

	log_capture();
	if (geteuid() == 0 && drop_cap(CAP_IPC_LOCK) != 0)
		return 10;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return 11;
	cfg_reset(true, 1);
	if (eal_memory_init(&cfg) != -ENOMEM)
		return 12;
	if (!log_contains("RLIMIT_MEMLOCK is 64 KiB") || !log_contains("cannot lock 1024 KiB"))
		return 13;
	if (status_kb("VmLck") != 0)
		return 14;
	/* Within the limit it works. */
	cfg_reset(true, 0);
	if (eal_memory_init(&cfg) != 0 || eal_memseg_alloc(32 << 10, 0) == NULL)
		return 15;
	eal_memory_cleanup();
	return status_kb("VmLck") == 0 ? 0 : 16;
}

static void
test_memory_nohuge_over_memlock_limit_names_the_numbers(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_memlock_limit_too_small), 0);
}

/* ---- hugepages ---- */

static void
test_hugepage_memfd_without_mount(void **state)
{
	const struct vdk_memseg *ms;
	long huge0 = status_kb("HugetlbPages");
	long free0 = read_long(FREE_HUGEPAGES);
	char needle[64];

	(void)state;
	require_hugepages();
	cfg_reset(false, 0);
	assert_int_equal(eal_memory_init(&cfg), 0);
	/* No hugetlbfs in this mount namespace (huge_group_setup): memfd. */
	assert_null(eal_backing_dir());
	assert_int_equal(eal_memory_page_sz(), HUGE_2M);
	ms = eal_memseg_alloc(1, 0);
	assert_non_null(ms);
	assert_int_equal(ms->len, HUGE_2M);
	assert_int_equal(ms->page_sz, HUGE_2M);
	assert_int_equal((uintptr_t)ms->addr % HUGE_2M, 0);
	assert_int_equal(ms->iova, (uint64_t)(uintptr_t)ms->addr);
	assert_int_equal(status_kb("HugetlbPages") - huge0, 2048);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 1);
	snprintf(needle, sizeof(needle), "memfd:%s-%d-", PREFIX, (int)getpid());
	assert_int_equal(maps_count(needle), 1);
	memset(ms->addr, 0x5a, ms->len);
	eal_memseg_free(ms);
	assert_int_equal(status_kb("HugetlbPages"), huge0);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
	eal_memory_cleanup();
}

static void
test_hugepage_files_in_huge_dir_leave_only_the_lock(void **state)
{
	const struct vdk_memseg *ms;
	char dir[64], lock[96];
	long free0 = read_long(FREE_HUGEPAGES);

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	cfg_reset(false, 0);
	snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_string_equal(eal_backing_dir(), dir);
	lock_name(lock, sizeof(lock), PREFIX, pid_ns(), getpid());
	assert_true(file_exists(dir, lock));
	assert_int_equal(dir_count(dir), 1);

	ms = eal_memseg_alloc(3 << 20, 0);
	assert_non_null(ms);
	assert_int_equal(ms->len, 4 << 20);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 2);
	/* The segment's file was unlinked right after mmap. */
	assert_int_equal(dir_count(dir), 1);
	memset(ms->addr, 1, ms->len);
	eal_memseg_free(ms);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);

	assert_int_equal(maps_count(dir), 0);
	eal_memory_cleanup();
	assert_int_equal(dir_count(dir), 0);
	umount_hugetlbfs(dir);
}

static void
test_hugepage_mount_is_found_in_proc_mounts(void **state)
{
	char dir[64];

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	cfg_reset(false, 2);
	assert_int_equal(eal_memory_init(&cfg), 0);
	/* Ours: the host's mounts are hidden (huge_group_setup). */
	assert_string_equal(eal_backing_dir(), dir);
	assert_int_equal(dir_count(dir), 1);
	eal_memory_cleanup();
	assert_int_equal(dir_count(dir), 0);
	umount_hugetlbfs(dir);
}

static void
test_hugepage_m_reserves_up_front_and_frees_at_cleanup(void **state)
{
	long free0 = read_long(FREE_HUGEPAGES);
	long huge0 = status_kb("HugetlbPages");
	size_t total;

	(void)state;
	require_hugepages();
	cfg_reset(false, 6);
	assert_int_equal(eal_memory_init(&cfg), 0);
	vdk_memory_usage(&total, NULL);
	assert_int_equal(total, 6 << 20);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 3);
	assert_int_equal(status_kb("HugetlbPages") - huge0, 6 * 1024);
	eal_memory_cleanup();
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
	assert_int_equal(status_kb("HugetlbPages"), huge0);
}

static void
test_hugepage_pa_mode_records_physical_addresses(void **state)
{
	const struct vdk_memseg *ms;

	(void)state;
	require_hugepages();
	cfg_reset(false, 0);
	cfg.iova_mode = VDK_IOVA_PA;
	assert_int_equal(eal_memory_init(&cfg), 0);
	ms = eal_memseg_alloc(4 << 20, 0);
	assert_non_null(ms);
	check_pa_segment(ms);
	eal_memory_cleanup();
}

static void
test_hugepage_files_of_dead_processes_are_reclaimed(void **state)
{
	char dir[64], name[96];
	long free0 = read_long(FREE_HUGEPAGES);
	uint64_t ns = pid_ns();
	pid_t dead, live;

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	dead = dead_pid();
	live = start_lock_holder(dir, ns, 0);

	lock_name(name, sizeof(name), PREFIX, ns, dead);
	make_file(dir, name);
	make_page_file(dir, file_name(name, sizeof(name), ns, dead, "-0"));
	make_page_file(dir, file_name(name, sizeof(name), ns, dead, "-1"));
	make_page_file(dir, file_name(name, sizeof(name), ns, live, "-0"));
	/* Another prefix is not ours to judge. */
	snprintf(name, sizeof(name), "other-%d-0", (int)dead);
	make_file(dir, name);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 3);

	cfg_reset(false, 0);
	snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
	log_capture();
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_true(log_contains("removed 3 hugepage files of dead processes"));
	lock_name(name, sizeof(name), PREFIX, ns, dead);
	assert_false(file_exists(dir, name));
	assert_false(file_exists(dir, file_name(name, sizeof(name), ns, dead, "-0")));
	lock_name(name, sizeof(name), PREFIX, ns, live);
	assert_true(file_exists(dir, name));
	assert_true(file_exists(dir, file_name(name, sizeof(name), ns, live, "-0")));
	snprintf(name, sizeof(name), "other-%d-0", (int)dead);
	assert_true(file_exists(dir, name));
	/* The dead process's two pages are back in the pool. */
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 1);
	eal_memory_cleanup();

	stop_lock_holder(live);
	/* Now the live one is dead too: the next start takes its files. */
	log_capture();
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_true(log_contains("removed 2 hugepage files"));
	eal_memory_cleanup();
	snprintf(name, sizeof(name), "other-%d-0", (int)dead);
	assert_true(file_exists(dir, name));
	assert_int_equal(dir_count(dir), 1);
	snprintf(name, sizeof(name), "%s/other-%d-0", dir, (int)dead);
	unlink(name);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
	umount_hugetlbfs(dir);
}

/* ---- hugepage error paths ---- */

static void
test_hugepage_dir_not_hugetlbfs_is_enoent(void **state)
{
	char dir[] = "/tmp/vdk-nothuge-XXXXXX";
	long huge0 = status_kb("HugetlbPages");

	(void)state;
	assert_non_null(mkdtemp(dir));
	track_dir(dir, false);
	log_capture();
	cfg_reset(false, 4);
	snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
	assert_int_equal(eal_memory_init(&cfg), -ENOENT);
	assert_true(log_contains("hugetlbfs not mounted: "));
	assert_true(log_contains("--no-huge"));
	assert_int_equal(dir_count(dir), 0);
	assert_int_equal(maps_count(dir), 0);
	assert_int_equal(status_kb("HugetlbPages"), huge0);
	assert_int_equal(nb_segs(), 0);

	/* A directory that does not exist at all. */
	assert_int_equal(rmdir(dir), 0);
	untrack_dir(dir);
	log_capture();
	assert_int_equal(eal_memory_init(&cfg), -ENOENT);
	assert_true(log_contains("does not exist"));
}

static void
check_no_free_hugepages(const char *dir, size_t mem_mb)
{
	long huge0 = status_kb("HugetlbPages");

	log_capture();
	cfg_reset(false, mem_mb);
	if (dir != NULL)
		snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
	assert_int_equal(eal_memory_init(&cfg), -ENOMEM);
	assert_true(log_contains("no free 2 MiB hugepages: run `vdk-setup hugepages 512` "
				 "or pass --no-huge"));
	assert_int_equal(status_kb("HugetlbPages"), huge0);
	assert_int_equal(nb_segs(), 0);
	if (dir != NULL) {
		assert_int_equal(dir_count(dir), 0);
		/* Not even an unlinked file's mapping ("DIR/name (deleted)"). */
		assert_int_equal(maps_count(dir), 0);
	}
	assert_int_equal(maps_count("memfd:" PREFIX), 0);
}

static void
test_hugepage_none_reserved_is_enomem_and_leaves_nothing(void **state)
{
	char dir[64];

	(void)state;
	require_hugepages();
	set_hugepages(0);
	mount_hugetlbfs(dir);
	check_no_free_hugepages(dir, 0);
	check_no_free_hugepages(dir, 4);
	umount_hugetlbfs(dir);
	check_no_free_hugepages(NULL, 4);
	set_hugepages(huge.test_nr);
}

static void
test_hugepage_more_than_free_is_enomem_and_leaves_nothing(void **state)
{
	size_t too_many = (NR_TEST_HUGEPAGES + 2) * 2;
	long free0 = read_long(FREE_HUGEPAGES);
	char dir[64];

	(void)state;
	require_hugepages();
	/* Up front: fallocate fails and everything is undone. */
	mount_hugetlbfs(dir);
	check_no_free_hugepages(dir, too_many + (size_t)free0 * 2);
	umount_hugetlbfs(dir);
	check_no_free_hugepages(NULL, too_many + (size_t)free0 * 2);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);

	/* On growth: the segment fails, earlier ones stay. */
	cfg_reset(false, 2);
	assert_int_equal(eal_memory_init(&cfg), 0);
	log_capture();
	errno = 0;
	assert_null(eal_memseg_alloc((size_t)free0 * HUGE_2M, 0));
	assert_int_equal(errno, ENOMEM);
	assert_true(log_contains("no free 2 MiB hugepages"));
	assert_int_equal(nb_segs(), 1);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 1);
	eal_memory_cleanup();
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
}

/* ---- end to end, through vdk_eal_init() ---- */

static void
test_eal_init_bad_huge_dir_fails_and_can_be_retried(void **state)
{
	char dir[] = "/tmp/vdk-nothuge-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	track_dir(dir, false);
	log_capture();
	assert_int_equal(eal_init_with("--no-pci", "-l", "0", "--huge-dir", dir, NULL), -ENOENT);
	assert_true(log_contains("hugetlbfs not mounted"));
	/* The command that makes the mount, for whoever runs this. */
	assert_true(log_contains("as root, run `vdk-setup hugepages --mount /tmp/vdk-nothuge-"));
	assert_int_equal(dir_count(dir), 0);
	assert_true(eal_init_with("--no-huge", "--no-pci", "-l", "0", NULL) >= 0);
	assert_int_equal(vdk_eal_cleanup(), 0);
}

static void
test_eal_init_hugepages_in_huge_dir_with_file_prefix(void **state)
{
	char dir[64], lock[96];
	long free0 = read_long(FREE_HUGEPAGES);
	void *p;

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	assert_true(eal_init_with("--no-pci", "-l", "0", "--huge-dir", dir,
				  "--file-prefix", "e2e", NULL) >= 0);
	assert_true(vdk_eal_has_hugepages());
	lock_name(lock, sizeof(lock), "e2e", pid_ns(), getpid());
	assert_true(file_exists(dir, lock));
	p = vdk_malloc("e2e", 3u << 20, 0);
	assert_non_null(p);
	assert_int_equal(vdk_mem_virt2memseg(p)->page_sz, HUGE_2M);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 2);
	assert_int_equal(vdk_eal_cleanup(), 0);
	assert_int_equal(dir_count(dir), 0);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
	umount_hugetlbfs(dir);
}

static void
test_eal_init_without_free_hugepages_is_enomem(void **state)
{
	(void)state;
	require_hugepages();
	set_hugepages(0);
	log_capture();
	assert_int_equal(eal_init_with("--no-pci", "-l", "0", NULL), -ENOMEM);
	assert_true(log_contains("no free 2 MiB hugepages: run `vdk-setup hugepages 512`"));
	assert_int_equal(maps_count("memfd:"), 0);
	set_hugepages(huge.test_nr);
}

int
main(void)
{
	/* Its files apart from those of the other memory tests, which may run alongside. */
	memory_fixture_prefix = PREFIX;
#define T(name) cmocka_unit_test_teardown(name, huge_teardown)
	const struct CMUnitTest tests[] = {
		T(test_memory_file_prefix_with_slash_is_einval),
		T(test_memseg_nohuge_2mib_segment_is_thp_aligned),
		T(test_memory_nohuge_over_memlock_limit_names_the_numbers),
		T(test_hugepage_dir_not_hugetlbfs_is_enoent),
		T(test_eal_init_bad_huge_dir_fails_and_can_be_retried),
	};
	const struct CMUnitTest pool_tests[] = {
		T(test_hugepage_memfd_without_mount),
		T(test_hugepage_files_in_huge_dir_leave_only_the_lock),
		T(test_hugepage_mount_is_found_in_proc_mounts),
		T(test_hugepage_m_reserves_up_front_and_frees_at_cleanup),
		T(test_hugepage_pa_mode_records_physical_addresses),
		T(test_hugepage_files_of_dead_processes_are_reclaimed),
		T(test_hugepage_none_reserved_is_enomem_and_leaves_nothing),
		T(test_hugepage_more_than_free_is_enomem_and_leaves_nothing),
		T(test_eal_init_hugepages_in_huge_dir_with_file_prefix),
		T(test_eal_init_without_free_hugepages_is_enomem),
	};
#undef T
	int fails;

	fails = cmocka_run_group_tests_name("eal_hugepage", tests, NULL, NULL);
	fails += cmocka_run_group_tests_name("eal_hugepage_pool", pool_tests,
					     huge_group_setup, huge_group_teardown);
	return fails;
}
