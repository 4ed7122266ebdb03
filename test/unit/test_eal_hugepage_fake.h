/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the hugepage test programs share (test_eal_hugepage.c and
 * test_eal_hugepage_lock.c): the borrowed hugepage pool, hugetlbfs mounts
 * on temporary folders, files as other (dead or live) processes leave them
 * there, and a teardown that removes what a failed case left behind.
 * A compiled fixture (test_eal_hugepage_fake.c), linked by both.
 *
 * The pool's group set-up needs root: it reserves NR_TEST_HUGEPAGES 2 MiB
 * pages through /proc/sys/vm/nr_hugepages (restored by the group
 * teardown), under a lock that the programs of every build tree take in
 * turn, and moves the process into a mount namespace of its own without
 * the host's hugetlbfs mounts (systemd mounts /dev/hugepages), so that the
 * EAL finds only what a case mounted. Without root the pool is not usable
 * and require_hugepages() skips the case.
 */
#ifndef TEST_EAL_HUGEPAGE_FAKE_H
#define TEST_EAL_HUGEPAGE_FAKE_H

/* Its own file prefix: the programs count files and memfds by name while test_eal_memory may run. */
#define PREFIX "vdkhugetest"
#include "test_eal_memory_fixture.h"

#include <sys/stat.h>

#define HUGE_2M (2ull << 20)
#define NR_TEST_HUGEPAGES 8
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define FREE_HUGEPAGES "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/* State of the hugepage pool the tests borrow from. */
struct huge_pool {
	bool usable;
	long old_nr;  /* restored at the end */
	long test_nr; /* what the tests run with */
	int lock_fd;
};
extern struct huge_pool huge;

/* ---- files, mounts, counters and the teardown ---- */

/* Lines of /proc/self/maps that contain @needle. */
int maps_count(const char *needle);
/* Entries of @dir but "." and "..". */
int dir_count(const char *dir);
bool file_exists(const char *dir, const char *name);
/* The number a file holds (a sysfs or procfs counter); -1 if unreadable. */
long read_long(const char *path);
/* 0, or -1 if @path cannot be written. */
int write_long(const char *path, long v);
/* nr_hugepages to @nr, or fail the case. */
void set_hugepages(long nr);
/* Record @dir (@mounted: a hugetlbfs on it) for huge_teardown(); untrack_dir() forgets it. */
void track_dir(const char *dir, bool mounted);
void untrack_dir(const char *dir);
/* A hugetlbfs of 2 MiB pages on a new folder under /tmp, its path into @dir (64 bytes). */
void mount_hugetlbfs(char *dir);
/* Unmount and remove what mount_hugetlbfs() made; the case fails if either fails. */
void umount_hugetlbfs(const char *dir);
/* Remove the files of @dir. */
void empty_dir(const char *dir);
/*
 * The cases' teardown: EAL memory reset, and the lock holder, folders,
 * mounts and nr_hugepages a failed case left.
 */
int huge_teardown(void **state);
/* Skip the case unless the pool is usable. */
void require_hugepages(void);

/* ---- the pool ---- */

/* cmocka group set-up and teardown of the cases that need the pool. */
int huge_group_setup(void **state);
int huge_group_teardown(void **state);

/* ---- what other processes leave in a hugetlbfs ---- */

/* The inode of this process's pid namespace, which hugepage file names carry. */
uint64_t pid_ns(void);
/* "<prefix>-<ns>-<pid>.lock": the lock file of process @pid of namespace @ns. */
const char *lock_name(char *buf, size_t len, const char *prefix, uint64_t ns, pid_t pid);
/* "PREFIX-<ns>-<pid><suffix>": a file of that process ("-0" its first segment, ".new" its lock being made). */
const char *file_name(char *buf, size_t len, uint64_t ns, pid_t pid, const char *suffix);
/* @dir/@name holding one page, as a crashed process leaves; make_file(): empty. */
void make_page_file(const char *dir, const char *name);
void make_file(const char *dir, const char *name);
/* A pid that is certainly gone: a child that has exited and been reaped. */
pid_t dead_pid(void);
/*
 * A child holding the flock of lock file PREFIX-@ns-@named.lock in @dir
 * (made if missing; @named 0: the child's own pid) until
 * stop_lock_holder(), or huge_teardown() after a failed case.
 */
pid_t start_lock_holder(const char *dir, uint64_t ns, pid_t named);
void stop_lock_holder(pid_t pid);

#endif /* TEST_EAL_HUGEPAGE_FAKE_H */
