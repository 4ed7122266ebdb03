/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hugepage lock files shared between pid namespaces (containers), as
 * eal_hugepage.c names and judges them: each name carries the pid
 * namespace, so two containers' apps that are both pid 1 can share one
 * hugetlbfs; another namespace's files are judged by their lock alone;
 * and the lock file is a regular file of our own whatever was planted
 * under its name. The rest of eal_hugepage.c is test_eal_hugepage.c's.
 *
 * Every case needs root and the borrowed hugepage pool
 * (test_eal_hugepage_fake.h); without them they are skipped.
 */
#include "test_eal_hugepage_fake.h"

#include <poll.h>
#include <sched.h>

/*
 * One "container": a child that enters a new pid namespace, where its own
 * child is pid 1 and starts EAL memory on @dir with one hugepage. It
 * reports the result on @up and holds everything until @go is readable
 * (or closed, or a minute passes).
 */
static pid_t
start_container(const char *dir, int up[2], int go[2])
{
	pid_t kid = fork();

	assert_true(kid >= 0);
	if (kid > 0)
		return kid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(up[0]);
	close(go[1]);
	if (unshare(CLONE_NEWPID) != 0)
		_exit(10);
	kid = fork();
	if (kid == 0) {
		struct pollfd pfd = { .fd = go[0], .events = POLLIN };
		int32_t rc = -1000;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		cfg_reset(false, 0);
		snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
		if (getpid() == 1)
			rc = eal_memory_init(&cfg);
		if (rc == 0 && eal_memseg_alloc(HUGE_2M, 0) == NULL)
			rc = -2000;
		if (write(up[1], &rc, sizeof(rc)) != sizeof(rc))
			_exit(12);
		(void)poll(&pfd, 1, 60000);
		if (rc == 0)
			eal_memory_cleanup();
		_exit(0);
	}
	if (kid < 0)
		_exit(11);
	while (waitpid(kid, &up[0], 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(up[0]) ? WEXITSTATUS(up[0]) : 13);
}

/*
 * Two containers share one hugetlbfs and run their app as pid 1 each: the
 * names carry the pid namespace, so neither takes the other's lock file
 * for its own (which made the second fail with EBUSY), and each one's
 * files go when it ends.
 */
static void
test_hugepage_containers_sharing_a_dir_both_run_as_pid_1(void **state)
{
	long free0 = read_long(FREE_HUGEPAGES);
	int up[2], go[2], status, nlocks = 0;
	char dir[64], ns_seen[2][32];
	struct dirent *de;
	pid_t kids[2];
	int32_t rc;
	DIR *d;

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(go), 0);
	/* One after the other: the second starts while the first holds its lock. */
	for (int i = 0; i < 2; i++) {
		kids[i] = start_container(dir, up, go);
		assert_int_equal(read(up[0], &rc, sizeof(rc)), sizeof(rc));
		if (rc != 0)
			fail_msg("container %d: EAL memory as pid 1 gave %d", i, rc);
	}
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 2);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *dash = NULL;

		if (strncmp(de->d_name, PREFIX "-", strlen(PREFIX) + 1) != 0)
			continue;
		assert_true(nlocks < 2);
		/* PREFIX-<ns>-1.lock */
		snprintf(ns_seen[nlocks], sizeof(ns_seen[0]), "%s", de->d_name + strlen(PREFIX) + 1);
		dash = strchr(ns_seen[nlocks], '-');
		assert_non_null(dash);
		assert_string_equal(dash, "-1.lock");
		*dash = '\0';
		nlocks++;
	}
	closedir(d);
	assert_int_equal(nlocks, 2);
	assert_string_not_equal(ns_seen[0], ns_seen[1]);

	assert_int_equal(write(go[1], "gg", 2), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(up[0]);
	close(up[1]);
	close(go[0]);
	close(go[1]);
	assert_int_equal(dir_count(dir), 0);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
	umount_hugetlbfs(dir);
}

/*
 * Files of another namespace's process with our own pid are judged by
 * their lock alone, never as ours: kept while its flock is held, reclaimed
 * once free. A name with our own namespace and pid is a dead namesake's.
 * Names that do not parse are left alone.
 */
static void
test_hugepage_same_pid_in_another_namespace_is_judged_by_its_lock(void **state)
{
	uint64_t ns = pid_ns(), other = ns + 1, gone = ns + 2;
	long free0 = read_long(FREE_HUGEPAGES);
	pid_t me = getpid(), dead, holder;
	char dir[64], name[128];
	static const char *const junk[] = {
		PREFIX "-x-5.lock", PREFIX "--5.lock", PREFIX "-7-+5.lock", PREFIX "-7-5-",
		PREFIX "-7-0.lock", PREFIX "-99999999999999999999-5.lock", PREFIX "-7-5.lock.x",
	};

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	dead = dead_pid();
	/* Container "other": a live app with our pid, its lock held. */
	holder = start_lock_holder(dir, other, me);
	make_page_file(dir, file_name(name, sizeof(name), other, me, "-0"));
	make_file(dir, file_name(name, sizeof(name), other, me, ".new"));
	/* Container "gone": exited, its lock free. */
	lock_name(name, sizeof(name), PREFIX, gone, me);
	make_file(dir, name);
	make_page_file(dir, file_name(name, sizeof(name), gone, me, "-0"));
	/* Ours: a dead namesake's segment, a dead process's unrenamed lock. */
	make_page_file(dir, file_name(name, sizeof(name), ns, me, "-7"));
	make_file(dir, file_name(name, sizeof(name), ns, dead, ".new"));
	for (unsigned int i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		make_file(dir, junk[i]);
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 3);

	cfg_reset(false, 0);
	snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
	log_capture();
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_true(log_contains("removed 4 hugepage files of dead processes"));
	assert_int_equal(read_long(FREE_HUGEPAGES), free0 - 1);
	assert_true(file_exists(dir, lock_name(name, sizeof(name), PREFIX, other, me)));
	assert_true(file_exists(dir, file_name(name, sizeof(name), other, me, "-0")));
	assert_true(file_exists(dir, file_name(name, sizeof(name), other, me, ".new")));
	assert_false(file_exists(dir, lock_name(name, sizeof(name), PREFIX, gone, me)));
	for (unsigned int i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_true(file_exists(dir, junk[i]));
	/* Ours, and the only one ours: 3 kept + 7 junk + our lock. */
	assert_true(file_exists(dir, lock_name(name, sizeof(name), PREFIX, ns, me)));
	assert_int_equal(dir_count(dir), 3 + 7 + 1);
	eal_memory_cleanup();

	/* The other container ends: the next start takes its files. */
	stop_lock_holder(holder);
	log_capture();
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_true(log_contains("removed 2 hugepage files"));
	eal_memory_cleanup();
	assert_int_equal(read_long(FREE_HUGEPAGES), free0);
	empty_dir(dir);
	umount_hugetlbfs(dir);
}

/*
 * Something else than a file planted under the lock file's name or its
 * temporary name (here FIFOs: hugetlbfs refuses symbolic links, EINVAL,
 * which the O_NOFOLLOW opens would refuse too) is replaced by a regular,
 * locked file of our own; one under another process's lock name is left
 * alone, and opening it neither blocks nor counts as a lock.
 */
static void
test_hugepage_lock_file_is_a_regular_file_of_our_own(void **state)
{
	uint64_t ns = pid_ns();
	char dir[64], name[128], path[256], foreign[256];
	struct stat st;
	int fd;

	(void)state;
	require_hugepages();
	mount_hugetlbfs(dir);
	lock_name(name, sizeof(name), PREFIX, ns, getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(foreign, sizeof(foreign), "%s/%s-%" PRIu64 "-%d.new", dir, PREFIX, ns,
		 (int)getpid());
	assert_int_equal(mkfifo(foreign, 0600), 0);
	snprintf(foreign, sizeof(foreign), "%s/%s-%" PRIu64 "-%d.lock", dir, PREFIX, ns + 1,
		 (int)getpid());
	assert_int_equal(mkfifo(foreign, 0600), 0);

	cfg_reset(false, 0);
	snprintf(cfg.huge_dir, sizeof(cfg.huge_dir), "%s", dir);
	assert_int_equal(eal_memory_init(&cfg), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	close(fd);
	assert_int_equal(lstat(foreign, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* The temporary name is gone: renamed into place. */
	assert_int_equal(dir_count(dir), 2);
	eal_memory_cleanup();
	assert_int_equal(unlink(foreign), 0);
	assert_int_equal(dir_count(dir), 0);
	umount_hugetlbfs(dir);
}

int
main(void)
{
	/* Its files apart from those of the other memory tests, which may run alongside. */
	memory_fixture_prefix = PREFIX;
#define T(name) cmocka_unit_test_teardown(name, huge_teardown)
	const struct CMUnitTest pool_tests[] = {
		T(test_hugepage_containers_sharing_a_dir_both_run_as_pid_1),
		T(test_hugepage_same_pid_in_another_namespace_is_judged_by_its_lock),
		T(test_hugepage_lock_file_is_a_regular_file_of_our_own),
	};
#undef T

	return cmocka_run_group_tests_name("eal_hugepage_lock", pool_tests,
					   huge_group_setup, huge_group_teardown);
}
