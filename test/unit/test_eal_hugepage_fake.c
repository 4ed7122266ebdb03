/* SPDX-License-Identifier: BSD-3-Clause */
/* The hugepage tests' fixture (test_eal_hugepage_fake.h). */
#include <mntent.h>
#include <sched.h>

#include "test_eal_hugepage_fake.h"

struct huge_pool huge;

/* ---- files, mounts, counters and the teardown ---- */

int
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

int
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

bool
file_exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

long
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

int
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

void
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

void
track_dir(const char *dir, bool mounted)
{
	assert_true(left.nb < 4);
	snprintf(left.dirs[left.nb], sizeof(left.dirs[0]), "%s", dir);
	left.mounted[left.nb++] = mounted;
}

void
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

void
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

void
umount_hugetlbfs(const char *dir)
{
	assert_int_equal(umount(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	untrack_dir(dir);
}

void
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

int
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

void
require_hugepages(void)
{
	if (!huge.usable)
		skip();
}

/* ---- the pool ---- */

/*
 * The hugepage pool is the machine's: the hugepage test programs, here and
 * in other build trees (CI, sanitizer builds), take turns through this lock.
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

int
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

int
huge_group_teardown(void **state)
{
	(void)state;
	if (huge.usable)
		write_long(NR_HUGEPAGES, huge.old_nr);
	if (huge.lock_fd >= 0)
		close(huge.lock_fd);
	return 0;
}

/* ---- what other processes leave in a hugetlbfs ---- */

uint64_t
pid_ns(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
	return (uint64_t)st.st_ino;
}

const char *
lock_name(char *buf, size_t len, const char *prefix, uint64_t ns, pid_t pid)
{
	snprintf(buf, len, "%s-%" PRIu64 "-%d.lock", prefix, ns, (int)pid);
	return buf;
}

const char *
file_name(char *buf, size_t len, uint64_t ns, pid_t pid, const char *suffix)
{
	snprintf(buf, len, "%s-%" PRIu64 "-%d%s", PREFIX, ns, (int)pid, suffix);
	return buf;
}

/* @dir/@name, made if missing, open for writing. */
static int
open_file(const char *dir, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	return fd;
}

void
make_page_file(const char *dir, const char *name)
{
	int fd = open_file(dir, name);

	assert_int_equal(fallocate(fd, 0, 0, HUGE_2M), 0);
	close(fd);
}

void
make_file(const char *dir, const char *name)
{
	close(open_file(dir, name));
}

pid_t
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

pid_t
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

void
stop_lock_holder(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	left.child = -1;
}
