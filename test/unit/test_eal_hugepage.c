/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backing of EAL memory (eal_hugepage.c): memfd hugepages, hugetlbfs
 * files with their lock file and the reclaim of dead processes' files,
 * --no-huge locking limits and THP alignment, and the error paths, each
 * checked to leave no mapping, lock, file or borrowed hugepage behind.
 *
 * The hugepage cases need root: they reserve a few 2 MiB pages through
 * /proc/sys/vm/nr_hugepages (restored at the end) and mount hugetlbfs on
 * temporary directories they remove. They run in a mount namespace of
 * their own without the host's hugetlbfs mounts (systemd mounts
 * /dev/hugepages), so that the EAL finds only what a case mounted. Without
 * root they are skipped.
 */
#include <mntent.h>
#include <sched.h>

/* Its own file prefix: it counts files and memfds by name while test_eal_memory may run. */
#define PREFIX "vdkhugetest"
#include "test_eal_memory_fixture.h"

#include <poll.h>
#include <sched.h>
#include <sys/stat.h>

#define HUGE_2M (2ull << 20)
#define NR_TEST_HUGEPAGES 8

/* State of the hugepage pool the tests borrow from. */
static struct {
	bool usable;
	long old_nr;  /* restored at the end */
	long test_nr; /* what the tests run with */
	int lock_fd;
} huge;

/* ---- helpers ---- */

static int
maps_count(const char *needle)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

static int
dir_count(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static bool
file_exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static long
read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -1;
	ret = fprintf(f, "%ld\n", v) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define FREE_HUGEPAGES "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static void
set_hugepages(long nr)
{
	assert_int_equal(write_long(NR_HUGEPAGES, nr), 0);
}

/* What a failed test may leave behind, for huge_teardown() to remove. */
static struct {
	char dirs[4][64];
	bool mounted[4];
	int nb;
	pid_t child;
} left = { .child = -1 };

static void
track_dir(const char *dir, bool mounted)
{
	assert_true(left.nb < 4);
	snprintf(left.dirs[left.nb], sizeof(left.dirs[0]), "%s", dir);
	left.mounted[left.nb++] = mounted;
}

static void
untrack_dir(const char *dir)
{
	int i;

	for (i = 0; i < left.nb; i++) {
		if (strcmp(left.dirs[i], dir) == 0) {
			left.nb--;
			memmove(&left.dirs[i], &left.dirs[i + 1], (size_t)(left.nb - i) * sizeof(left.dirs[0]));
			memmove(&left.mounted[i], &left.mounted[i + 1], (size_t)(left.nb - i) * sizeof(left.mounted[0]));
			return;
		}
	}
}

static void
mount_hugetlbfs(char *dir)
{
	strcpy(dir, "/tmp/vdk-huge-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (mount("nodev", dir, "hugetlbfs", 0, "pagesize=2M") != 0) {
		rmdir(dir);
		fail_msg("cannot mount hugetlbfs on %s: %s", dir, strerror(errno));
	}
	track_dir(dir, true);
}

static void
umount_hugetlbfs(const char *dir)
{
	assert_int_equal(umount(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	untrack_dir(dir);
}

static void
empty_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.')
			unlink(path);
	}
	closedir(d);
}

/* The fixture's teardown, and the children, mounts and pages a failed case left. */
static int
huge_teardown(void **state)
{
	(void)state;
	memory_reset();
	if (left.child > 0) {
		kill(left.child, SIGKILL);
		waitpid(left.child, NULL, 0);
		left.child = -1;
	}
	while (left.nb > 0) {
		const char *dir = left.dirs[--left.nb];

		empty_dir(dir);
		if (left.mounted[left.nb])
			umount2(dir, MNT_DETACH);
		rmdir(dir);
	}
	if (huge.usable && read_long(NR_HUGEPAGES) != huge.test_nr)
		write_long(NR_HUGEPAGES, huge.test_nr);
	return 0;
}

static void
require_hugepages(void)
{
	if (!huge.usable)
		skip();
}

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

/*
 * The hugepage pool is the machine's: runs of this program in other build
 * trees (CI, sanitizer builds) take turns through this lock.
 */
#define HUGE_TEST_LOCK "/tmp/vdk-hugepage-tests.lock"

/*
 * Move this process into a mount namespace of its own and unmount there
 * every hugetlbfs the host has mounted. 0 or a negative errno.
 */
static int
hide_host_hugetlbfs(void)
{
	char dirs[8][256];
	struct mntent *m;
	int i, n = 0;
	FILE *f;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -errno;
	f = setmntent("/proc/self/mounts", "r");
	if (f == NULL)
		return -errno;
	while ((m = getmntent(f)) != NULL && n < 8)
		if (strcmp(m->mnt_type, "hugetlbfs") == 0)
			snprintf(dirs[n++], sizeof(dirs[0]), "%s", m->mnt_dir);
	endmntent(f);
	for (i = 0; i < n; i++)
		if (umount2(dirs[i], MNT_DETACH) != 0)
			return -errno;
	return 0;
}

static int
huge_group_setup(void **state)
{
	long got;
	int ret;

	(void)state;
	huge.usable = false;
	huge.lock_fd = -1;
	if (geteuid() != 0)
		return 0;
	ret = hide_host_hugetlbfs();
	if (ret != 0) {
		fprintf(stderr, "cannot hide the host's hugetlbfs mounts (%s): skipping\n", strerror(-ret));
		return 0;
	}
	huge.lock_fd = open(HUGE_TEST_LOCK, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (huge.lock_fd < 0 || flock(huge.lock_fd, LOCK_EX) != 0) {
		fprintf(stderr, "cannot take %s: skipping\n", HUGE_TEST_LOCK);
		return 0;
	}
	huge.old_nr = read_long(NR_HUGEPAGES);
	if (huge.old_nr < 0 || write_long(NR_HUGEPAGES, huge.old_nr + NR_TEST_HUGEPAGES) != 0)
		return 0;
	got = read_long(FREE_HUGEPAGES);
	/* Pages held by files outside this test count in nr_hugepages too. */
	if (got >= 0 && got < NR_TEST_HUGEPAGES)
		write_long(NR_HUGEPAGES, read_long(NR_HUGEPAGES) + NR_TEST_HUGEPAGES - got);
	got = read_long(FREE_HUGEPAGES);
	huge.usable = got >= NR_TEST_HUGEPAGES;
	huge.test_nr = read_long(NR_HUGEPAGES);
	if (!huge.usable) {
		fprintf(stderr, "could reserve only %ld 2 MiB hugepages: skipping\n", got);
		write_long(NR_HUGEPAGES, huge.old_nr);
	}
	return 0;
}

static int
huge_group_teardown(void **state)
{
	(void)state;
	if (huge.usable)
		write_long(NR_HUGEPAGES, huge.old_nr);
	if (huge.lock_fd >= 0)
		close(huge.lock_fd);
	return 0;
}

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

/* The inode of this process's pid namespace, which hugepage file names carry. */
static uint64_t
pid_ns(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
	return (uint64_t)st.st_ino;
}

/* "<prefix>-<ns>-<pid>.lock": the lock file of process @pid of namespace @ns. */
static const char *
lock_name(char *buf, size_t len, const char *prefix, uint64_t ns, pid_t pid)
{
	snprintf(buf, len, "%s-%" PRIu64 "-%d.lock", prefix, ns, (int)pid);
	return buf;
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

/* Make a hugetlbfs file holding one page, as a crashed process leaves. */
static void
make_page_file(const char *dir, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fallocate(fd, 0, 0, HUGE_2M), 0);
	close(fd);
}

static void
make_file(const char *dir, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
}

/* A pid that is certainly gone: a child that has exited and been reaped. */
static pid_t
dead_pid(void)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return pid;
}

/*
 * A child holding the flock of lock file PREFIX-@ns-@named.lock in @dir
 * (made if missing; @named 0: the child's own pid) until it is stopped.
 */
static pid_t
start_lock_holder(const char *dir, uint64_t ns, pid_t named)
{
	int pipefd[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char path[256], name[128];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		lock_name(name, sizeof(name), PREFIX, ns, named != 0 ? named : getpid());
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_CREAT | O_RDWR, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(pipefd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	left.child = pid;
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	close(pipefd[1]);
	return pid;
}

static void
stop_lock_holder(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	left.child = -1;
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
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, ns, (int)dead);
	make_page_file(dir, name);
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-1", PREFIX, ns, (int)dead);
	make_page_file(dir, name);
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, ns, (int)live);
	make_page_file(dir, name);
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
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, ns, (int)dead);
	assert_false(file_exists(dir, name));
	lock_name(name, sizeof(name), PREFIX, ns, live);
	assert_true(file_exists(dir, name));
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, ns, (int)live);
	assert_true(file_exists(dir, name));
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

/* ---- lock files shared between pid namespaces (containers) ---- */

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
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, other, (int)me);
	make_page_file(dir, name);
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d.new", PREFIX, other, (int)me);
	make_file(dir, name);
	/* Container "gone": exited, its lock free. */
	lock_name(name, sizeof(name), PREFIX, gone, me);
	make_file(dir, name);
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, gone, (int)me);
	make_page_file(dir, name);
	/* Ours: a dead namesake's segment, a dead process's unrenamed lock. */
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-7", PREFIX, ns, (int)me);
	make_page_file(dir, name);
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d.new", PREFIX, ns, (int)dead);
	make_file(dir, name);
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
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-0", PREFIX, other, (int)me);
	assert_true(file_exists(dir, name));
	snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d.new", PREFIX, other, (int)me);
	assert_true(file_exists(dir, name));
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
		T(test_hugepage_containers_sharing_a_dir_both_run_as_pid_1),
		T(test_hugepage_same_pid_in_another_namespace_is_judged_by_its_lock),
		T(test_hugepage_lock_file_is_a_regular_file_of_our_own),
	};
#undef T
	int fails;

	fails = cmocka_run_group_tests_name("eal_hugepage", tests, NULL, NULL);
	fails += cmocka_run_group_tests_name("eal_hugepage_pool", pool_tests,
					     huge_group_setup, huge_group_teardown);
	return fails;
}
