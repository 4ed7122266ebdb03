/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pages behind EAL memory segments: hugetlbfs files, memfd hugepages, or
 * with --no-huge ordinary locked memory, each placed on one NUMA node and
 * mapped (MAP_FIXED) where eal_memory.c chose in its address window.
 * Hugepages and PA-mode --no-huge pages are all present once mapped;
 * VA-mode --no-huge pages are locked as they fault in.
 *
 * Hugepages are allocated with fallocate() under a temporary MPOL_BIND task
 * policy before the file is mapped. A node without free pages then makes
 * fallocate fail with ENOSPC, where faulting the pages in through a mapping
 * would raise SIGBUS instead.
 *
 * Hugetlbfs files are named <prefix>-<ns>-<pid>-<seq> and unlinked right
 * after mmap, so only a crash between open and unlink can leave one behind.
 * <ns> is the inode of the process's pid namespace: containers that share
 * /dev/hugepages all run their app as pid 1, and the pair (ns, pid) is
 * unique among live processes on the machine where the pid alone is not.
 * Each process holds an flock on <prefix>-<ns>-<pid>.lock for its whole
 * life; the file is locked before it appears (made under a temporary name
 * and renamed), so a lock file whose flock is free belongs to a process
 * that has exited, in whatever namespace. At start-up the EAL removes those
 * and their segment files, which gives their hugepages back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <mntent.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>

#include "eal_memory_internal.h"
#include "vdk_log.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

/* 1024 nodes, the kernel's MAX_NUMNODES on x86-64 distributions. */
#define NODEMASK_LONGS 16
#define NODEMASK_BITS (NODEMASK_LONGS * 64)

enum backing_kind {
	BACKING_ANON = 0, /* --no-huge: memfd (VA mode) or anonymous memory, mlocked */
	BACKING_HUGETLBFS,
	BACKING_MEMFD,
};

static struct {
	enum backing_kind kind;
	uint64_t page_sz;
	char dir[PATH_MAX];
	char prefix[64];
	char lock_path[PATH_MAX + 80];
	int lock_fd;
	uint64_t ns;		/* pid namespace inode: part of every file name */
	pid_t pid;
	unsigned int seq;
	bool numa;
	bool iova_pa;
} bk = { .lock_fd = -1 };

static uint64_t
default_huge_page_sz(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Hugepagesize: %" SCNu64 " kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * 1024;
}

/* Page size of a hugetlbfs mount, or 0 if @dir is not one. */
static uint64_t
hugetlbfs_page_sz(const char *dir)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) != 0 || (unsigned long)sfs.f_type != HUGETLBFS_MAGIC)
		return 0;
	return (uint64_t)sfs.f_bsize;
}

/* Prefer a mount of the default hugepage size; else take any. */
static int
find_hugetlbfs_mount(uint64_t want, char *dir, size_t len, uint64_t *page_sz)
{
	struct mntent *m;
	bool found = false;
	FILE *f = setmntent("/proc/mounts", "r");

	if (f == NULL)
		return -errno;
	while ((m = getmntent(f)) != NULL) {
		uint64_t sz;

		if (strcmp(m->mnt_type, "hugetlbfs") != 0)
			continue;
		sz = hugetlbfs_page_sz(m->mnt_dir);
		if (sz == 0 || access(m->mnt_dir, W_OK | X_OK) != 0)
			continue;
		if (!found || sz == want) {
			snprintf(dir, len, "%s", m->mnt_dir);
			*page_sz = sz;
			found = true;
			if (sz == want)
				break;
		}
	}
	endmntent(f);
	return found ? 0 : -ENOENT;
}

static long
read_sysfs_long(const char *path)
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

/* Free hugepages of @page_sz on @node (-1: all nodes), reservations deducted. */
static long
free_hugepages(uint64_t page_sz, int node)
{
	char path[160];
	long nfree, resv;

	if (node < 0) {
		snprintf(path, sizeof(path),
			 "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/free_hugepages",
			 page_sz / 1024);
		nfree = read_sysfs_long(path);
		snprintf(path, sizeof(path),
			 "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/resv_hugepages",
			 page_sz / 1024);
		resv = read_sysfs_long(path);
		if (nfree >= 0 && resv > 0)
			nfree = nfree > resv ? nfree - resv : 0;
		return nfree;
	}
	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB/free_hugepages",
		 node, page_sz / 1024);
	return read_sysfs_long(path);
}

static long
overcommit_hugepages(uint64_t page_sz)
{
	char path[160];

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_overcommit_hugepages",
		 page_sz / 1024);
	return read_sysfs_long(path);
}

static void
log_no_free_hugepages(size_t len, int node)
{
	char sz[32];
	long nfree = free_hugepages(bk.page_sz, node);

	eal_page_sz_str(bk.page_sz, sz, sizeof(sz));
	if (bk.kind == BACKING_HUGETLBFS && nfree >= 0 &&
	    (uint64_t)nfree * bk.page_sz >= len) {
		VDK_LOG(ERR, MEMORY, "hugetlbfs at %s is full (%zu MiB more were needed, "
			"%ld %s pages free on node %d): raise the mount's size= limit, "
			"or pass --no-huge", bk.dir, len >> 20, nfree, sz, node);
		return;
	}
	VDK_LOG(ERR, MEMORY, "no free %s hugepages: run `vdk-setup hugepages 512` or pass "
		"--no-huge (node %d has %ld free, %zu MiB more were needed)",
		sz, node, nfree < 0 ? 0 : nfree, len >> 20);
}

static int
check_prefix(const char *prefix)
{
	if (prefix[0] == '\0' || strchr(prefix, '/') != NULL ||
	    strlen(prefix) >= sizeof(bk.prefix)) {
		VDK_LOG(ERR, MEMORY, "file prefix \"%s\" is not usable: give a non-empty "
			"--file-prefix without '/'", prefix);
		return -EINVAL;
	}
	return 0;
}

/* The pid namespace's inode, which names this process's files with its pid. */
static int
read_pid_ns(uint64_t *ns)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) != 0) {
		int ret = -errno;

		VDK_LOG(ERR, MEMORY, "cannot read /proc/self/ns/pid (%s): hugepage file names "
			"need the pid namespace; mount /proc, or pass --no-huge", strerror(errno));
		return ret;
	}
	*ns = (uint64_t)st.st_ino;
	return 0;
}

enum lock_state {
	LOCK_ABSENT,	/* no such file */
	LOCK_HELD,	/* its owner lives */
	LOCK_FREE,	/* its owner has exited */
	LOCK_ODD,	/* a link or something else than a file: not ours to judge */
};

/*
 * Opened without following a link and without blocking (a FIFO or device
 * node planted under a lock file's name is neither opened for real nor
 * taken for a lock).
 */
static enum lock_state
lock_state(const char *path)
{
	enum lock_state st = LOCK_ODD;
	struct stat sb;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? LOCK_ABSENT : LOCK_ODD;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		st = flock(fd, LOCK_EX | LOCK_NB) == 0 ? LOCK_FREE : LOCK_HELD;
	close(fd);
	return st;
}

/* Digits up to @stop, as a number: no sign, no spaces, no overflow. */
static const char *
parse_u64(const char *s, char stop, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return NULL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || *p != stop)
		return NULL;
	*v = n;
	return p;
}

enum file_kind {
	FILE_OTHER = 0,
	FILE_LOCK,	/* <prefix>-<ns>-<pid>.lock */
	FILE_SEG,	/* <prefix>-<ns>-<pid>-<seq> */
	FILE_NEW,	/* <prefix>-<ns>-<pid>.new: a lock file before its rename */
};

static enum file_kind
parse_name(const char *name, uint64_t *ns, pid_t *pid)
{
	size_t plen = strlen(bk.prefix);
	uint64_t p, seq;
	const char *c;

	if (strncmp(name, bk.prefix, plen) != 0 || name[plen] != '-')
		return FILE_OTHER;
	c = parse_u64(name + plen + 1, '-', ns);
	if (c == NULL)
		return FILE_OTHER;
	c++;
	if (strcmp(c + strcspn(c, ".-"), ".lock") == 0 || strcmp(c + strcspn(c, ".-"), ".new") == 0) {
		c = parse_u64(c, '.', &p);
		if (c == NULL || p == 0 || p > INT_MAX)
			return FILE_OTHER;
		*pid = (pid_t)p;
		return strcmp(c, ".lock") == 0 ? FILE_LOCK : FILE_NEW;
	}
	c = parse_u64(c, '-', &p);
	if (c == NULL || p == 0 || p > INT_MAX || parse_u64(c + 1, '\0', &seq) == NULL)
		return FILE_OTHER;
	*pid = (pid_t)p;
	return FILE_SEG;
}

/*
 * Called with our own lock held. A name with our namespace and pid is a
 * leftover of the process that had our pid before us, which has exited:
 * no live process but us can hold that name.
 */
static bool
file_is_stale(enum file_kind kind, const char *path, uint64_t ns, pid_t pid)
{
	char lock[PATH_MAX + 300];

	if (ns == bk.ns && pid == bk.pid)
		return kind != FILE_LOCK;
	switch (kind) {
	case FILE_LOCK:
		return lock_state(path) == LOCK_FREE;
	case FILE_SEG:
		/* The owner takes its lock before it makes any segment file. */
		snprintf(lock, sizeof(lock), "%s/%s-%" PRIu64 "-%d.lock", bk.dir, bk.prefix, ns,
			 (int)pid);
		switch (lock_state(lock)) {
		case LOCK_ABSENT:
		case LOCK_FREE:
			return true;
		default:
			return false;
		}
	case FILE_NEW:
		/*
		 * Between its creation and its flock the file is free though
		 * its owner lives: only a pid of our own namespace can be asked.
		 */
		return ns == bk.ns && kill(pid, 0) != 0 && errno == ESRCH &&
		       lock_state(path) == LOCK_FREE;
	default:
		return false;
	}
}

static void
reclaim_stale_files(void)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	unsigned int removed = 0;
	DIR *d;

	d = opendir(bk.dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		enum file_kind kind;
		uint64_t ns;
		pid_t pid;

		kind = parse_name(de->d_name, &ns, &pid);
		if (kind == FILE_OTHER)
			continue;
		snprintf(path, sizeof(path), "%s/%s", bk.dir, de->d_name);
		if (file_is_stale(kind, path, ns, pid) && unlink(path) == 0)
			removed++;
	}
	closedir(d);
	if (removed > 0)
		VDK_LOG(INFO, MEMORY, "removed %u hugepage files of dead processes from %s",
			removed, bk.dir);
}

/*
 * Make <prefix>-<ns>-<pid>.lock appear already locked: create and flock it
 * under a temporary name, then rename it into place. Opened with O_EXCL and
 * O_NOFOLLOW: a link planted under either name in a shared hugetlbfs is
 * removed or replaced, never followed.
 */
static int
take_lock_file(void)
{
	char tmp[PATH_MAX + 80];
	int fd, ret;

	snprintf(bk.lock_path, sizeof(bk.lock_path), "%s/%s-%" PRIu64 "-%d.lock",
		 bk.dir, bk.prefix, bk.ns, (int)bk.pid);
	snprintf(tmp, sizeof(tmp), "%s/%s-%" PRIu64 "-%d.new", bk.dir, bk.prefix, bk.ns,
		 (int)bk.pid);
	if (lock_state(bk.lock_path) == LOCK_HELD) {
		/* Only this process can hold a name with its namespace and pid. */
		VDK_LOG(ERR, MEMORY, "lock file %s is held by another EAL in this process",
			bk.lock_path);
		return -EBUSY;
	}
	fd = open(tmp, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		VDK_LOG(ERR, MEMORY, "cannot create lock file %s: %s", tmp, strerror(errno));
		return ret;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 || rename(tmp, bk.lock_path) != 0) {
		ret = -errno;
		VDK_LOG(ERR, MEMORY, "cannot take lock file %s: %s", bk.lock_path,
			strerror(errno));
		unlink(tmp);
		close(fd);
		return ret;
	}
	bk.lock_fd = fd;
	return 0;
}

static int
init_hugetlbfs_dir(const char *dir, bool given)
{
	bk.page_sz = hugetlbfs_page_sz(dir);
	if (bk.page_sz == 0) {
		int err = access(dir, F_OK) != 0 ? errno : 0;

		if (err == EACCES) {
			/* A mount under a directory closed to us: statfs cannot reach it. */
			VDK_LOG(ERR, MEMORY, "--huge-dir %s is out of reach for this user (uid %u): "
				"a directory above it is not searchable; as root, open it or mount "
				"hugetlbfs elsewhere with `vdk-setup hugepages --owner %u`", dir,
				(unsigned int)getuid(), (unsigned int)getuid());
			return -EACCES;
		}
		VDK_LOG(ERR, MEMORY, "hugetlbfs not mounted: --huge-dir %s %s: as root, run "
			"`vdk-setup hugepages --mount %s%s`, or pass --no-huge", dir,
			err != 0 ? "does not exist" : "is not a hugetlbfs mount",
			dir, getuid() != 0 ? " --owner UID" : "");
		return -ENOENT;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		VDK_LOG(ERR, MEMORY, "hugetlbfs %s is not writable by this user (uid %u, gid "
			"%u): as root, give it to the user with `vdk-setup hugepages --mount %s "
			"--owner %u:%u`, or run as root", dir, (unsigned int)getuid(),
			(unsigned int)getgid(), dir, (unsigned int)getuid(),
			(unsigned int)getgid());
		return -EACCES;
	}
	snprintf(bk.dir, sizeof(bk.dir), "%s", dir);
	bk.kind = BACKING_HUGETLBFS;
	VDK_LOG(DEBUG, MEMORY, "hugepage files in %s (%s)", dir,
		given ? "--huge-dir" : "found in /proc/mounts");
	return 0;
}

static unsigned int
page_shift(uint64_t page_sz)
{
	return (unsigned int)__builtin_ctzll(page_sz);
}

static int
memfd_open(const char *name)
{
	return memfd_create(name, MFD_CLOEXEC | MFD_HUGETLB |
			    (page_shift(bk.page_sz) << MFD_HUGE_SHIFT));
}

int
eal_backing_init(const struct eal_config *cfg, uint64_t *page_sz)
{
	char sz[32];
	long nfree;
	int ret, fd;

	ret = check_prefix(cfg->file_prefix);
	if (ret < 0)
		return ret;
	memset(&bk, 0, sizeof(bk));
	bk.lock_fd = -1;
	bk.pid = getpid();
	bk.numa = numa_available() >= 0;
	bk.iova_pa = cfg->iova_mode == VDK_IOVA_PA;
	snprintf(bk.prefix, sizeof(bk.prefix), "%s", cfg->file_prefix);

	if (cfg->no_huge) {
		bk.kind = BACKING_ANON;
		bk.page_sz = (uint64_t)sysconf(_SC_PAGESIZE);
		*page_sz = bk.page_sz;
		return 0;
	}

	if (cfg->huge_dir[0] != '\0') {
		ret = init_hugetlbfs_dir(cfg->huge_dir, true);
		if (ret < 0)
			return ret;
	} else {
		char dir[PATH_MAX];
		uint64_t want = default_huge_page_sz(), found_sz = 0;

		if (find_hugetlbfs_mount(want, dir, sizeof(dir), &found_sz) == 0) {
			ret = init_hugetlbfs_dir(dir, false);
			if (ret < 0)
				return ret;
		} else {
			/* No mount: memfd hugepages need none and leave no files. */
			bk.kind = BACKING_MEMFD;
			bk.page_sz = want;
			fd = want != 0 ? memfd_open("vdk-probe") : -1;
			if (fd < 0) {
				VDK_LOG(ERR, MEMORY, "hugetlbfs not mounted and this kernel "
					"has no memfd hugepages: run `vdk-setup hugepages 512` "
					"(which mounts /dev/hugepages), or pass --no-huge");
				return -ENOENT;
			}
			close(fd);
		}
	}

	/*
	 * Fail now rather than at the first allocation when the pool is empty:
	 * the start-up message is the one a user reads.
	 */
	nfree = free_hugepages(bk.page_sz, -1);
	if (nfree == 0 && overcommit_hugepages(bk.page_sz) <= 0) {
		VDK_LOG(ERR, MEMORY, "no free %s hugepages: run `vdk-setup hugepages 512` or "
			"pass --no-huge", eal_page_sz_str(bk.page_sz, sz, sizeof(sz)));
		return -ENOMEM;
	}

	if (bk.kind == BACKING_HUGETLBFS) {
		ret = read_pid_ns(&bk.ns);
		if (ret < 0)
			return ret;
		/* Ours first: a leftover under our own name is then surely stale. */
		ret = take_lock_file();
		if (ret < 0)
			return ret;
		reclaim_stale_files();
	}
	VDK_LOG(DEBUG, MEMORY, "%s hugepages from %s", eal_page_sz_str(bk.page_sz, sz, sizeof(sz)),
		bk.kind == BACKING_MEMFD ? "memfd" : bk.dir);
	*page_sz = bk.page_sz;
	return 0;
}

void
eal_backing_cleanup(void)
{
	if (bk.lock_fd >= 0) {
		unlink(bk.lock_path);
		close(bk.lock_fd);
		bk.lock_fd = -1;
	}
	bk.page_sz = 0;
}

const char *
eal_backing_dir(void)
{
	return bk.kind == BACKING_HUGETLBFS && bk.page_sz != 0 ? bk.dir : NULL;
}

static void
node_mask(unsigned long *mask, int node)
{
	memset(mask, 0, NODEMASK_LONGS * sizeof(*mask));
	mask[node / 64] = 1ul << (node % 64);
}

/* Bind the anonymous range to @node before its pages are touched. */
static int
bind_range(void *addr, size_t len, int node)
{
	unsigned long mask[NODEMASK_LONGS];
	int ret;

	if (!bk.numa)
		return 0;
	node_mask(mask, node);
	if (mbind(addr, len, MPOL_BIND, mask, NODEMASK_BITS + 1, 0) != 0) {
		ret = -errno;
		VDK_LOG(ERR, MEMORY, "cannot bind %zu KiB to NUMA node %d: %s",
			len >> 10, node, strerror(errno));
		return ret;
	}
	return 0;
}

/* VmLck of this process in bytes, or 0 if unknown. */
static uint64_t
locked_bytes(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmLck: %" SCNu64 " kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * 1024;
}

static void
log_mlock_failure(size_t len, int err)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (err == ENOMEM || err == EPERM || err == EAGAIN)) {
		VDK_LOG(ERR, MEMORY, "cannot lock %zu KiB of --no-huge memory: RLIMIT_MEMLOCK "
			"is %llu KiB and %" PRIu64 " KiB are locked already: raise it "
			"(ulimit -l, LimitMEMLOCK= in a systemd unit) or run with "
			"CAP_IPC_LOCK", len >> 10, (unsigned long long)rl.rlim_cur >> 10,
			locked_bytes() >> 10);
		return;
	}
	VDK_LOG(ERR, MEMORY, "cannot lock %zu KiB of --no-huge memory: %s", len >> 10,
		strerror(err));
}

/* vdk_mem_share_hook_register(): asked before each --no-huge segment in VA mode. */
#define SHARE_HOOKS_MAX 8
static vdk_mem_share_hook_t share_hooks[SHARE_HOOKS_MAX];
static unsigned int nb_share_hooks;

int
vdk_mem_share_hook_register(vdk_mem_share_hook_t hook)
{
	unsigned int i;

	if (hook == NULL)
		return -EINVAL;
	for (i = 0; i < nb_share_hooks; i++)
		if (share_hooks[i] == hook)
			return -EEXIST;
	if (nb_share_hooks == SHARE_HOOKS_MAX)
		return -ENOSPC;
	share_hooks[nb_share_hooks++] = hook;
	return 0;
}

static bool
share_wanted(void)
{
	unsigned int i;

	for (i = 0; i < nb_share_hooks; i++)
		if (share_hooks[i]())
			return true;
	return false;
}

/*
 * The segment's address comes from eal_memory.c's window, aligned to 2 MiB:
 * in PA mode that lets its pages be faulted in as transparent huge pages.
 */
static int
map_anon(void *at, size_t len, int node, int *fdp)
{
	char name[sizeof(bk.prefix) + 32];
	void *addr;
	int err, fd = -1;

	/*
	 * In VA mode the pages come from a memfd when another process is to
	 * map them too (vdk_memseg_fd(): memif's zero-copy, vhost-user), as
	 * a share hook says. Otherwise, and always in PA mode (for the
	 * transparent huge pages below), anonymous memory, whose faults
	 * cost about half a shared page's: an 18.6 MiB pool took 9 ms of
	 * CPU to fault in (median of 10) where a memfd's took 17. A kernel
	 * without memfd gets anonymous memory, unshared.
	 */
	if (!bk.iova_pa && share_wanted()) {
		snprintf(name, sizeof(name), "%s-nohuge-%d", bk.prefix, (int)bk.pid);
		fd = memfd_create(name, MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, (off_t)len) != 0) {
			close(fd);
			fd = -1;
		}
	}
	addr = mmap(at, len, PROT_READ | PROT_WRITE,
		    fd >= 0 ? MAP_SHARED | MAP_FIXED : MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, fd, 0);
	if (addr == MAP_FAILED) {
		err = errno;
		VDK_LOG(ERR, MEMORY, "cannot map %zu KiB at %p: %s", len >> 10, at, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	*fdp = fd;
	/*
	 * In IOVA mode PA, transparent huge pages where the kernel has them:
	 * 4 KiB pages are scattered over physical memory, so no block above
	 * 4 KiB would be IOVA-contiguous, while a 2 MiB THP is. Not in VA
	 * mode (eal_backing_populate() says why). No fork inheritance: a
	 * copy-on-write fault in the parent would move a page the device
	 * still reads.
	 */
	if (bk.iova_pa)
		madvise(addr, len, MADV_HUGEPAGE);
	madvise(addr, len, MADV_DONTFORK);
	err = bind_range(addr, len, node);
	if (err < 0)
		goto close_file;
	/*
	 * In PA mode mlock faults every page in now, on the bound node: the
	 * caller reads their physical addresses next. In VA mode the IOVA is
	 * the address, so pages are locked as they fault in (MLOCK_ONFAULT):
	 * -m 64 costs 64 MiB of RLIMIT_MEMLOCK at once but only the pages
	 * the heap's users touch, and start-up does not zero what nobody
	 * uses. A device reaches the memory only through an IOMMU mapping,
	 * and MAP_DMA pins (so faults in) the whole segment. Called through
	 * syscall() because sanitizer runtimes replace mlock() with a no-op,
	 * and a sanitized build must lock the same pages.
	 */
	if ((bk.iova_pa ? syscall(SYS_mlock, addr, len) :
	     syscall(SYS_mlock2, addr, len, MLOCK_ONFAULT)) != 0) {
		log_mlock_failure(len, errno);
		err = -ENOMEM;
		goto close_file;
	}
	/*
	 * Now that the pages are in, keep khugepaged from collapsing 4 KiB
	 * ones into new huge pages later: that copies them to new frames, and
	 * physical addresses recorded for PA mode would go stale.
	 */
	if (bk.iova_pa)
		madvise(addr, len, MADV_NOHUGEPAGE);
	return 0;
close_file:
	/* The caller maps its reservation over the range, which drops the pages. */
	if (fd >= 0)
		close(fd);
	*fdp = -1;
	return err;
}

int
eal_backing_populate(void *addr, size_t len)
{
	uintptr_t pg = (uintptr_t)bk.page_sz, lo, hi;

	/* Only VA-mode --no-huge memory is mapped without its pages. */
	if (bk.kind != BACKING_ANON || bk.iova_pa || pg == 0 || len == 0)
		return 0;
	lo = (uintptr_t)addr & ~(pg - 1);
	hi = ((uintptr_t)addr + len + pg - 1) & ~(pg - 1);
	/*
	 * 4 KiB pages, not transparent huge ones (MADV_HUGEPAGE), though
	 * those take one fault a 2 MiB run: in a VM whose balloon reports
	 * free memory to the host (free page reporting, which reports free
	 * 2 MiB blocks), a huge page is often such a block, and its first
	 * touch makes the host fault in 512 pages. On the 2-vCPU build VM
	 * an 18.6 MiB pool took 2-3 ms of CPU as huge pages when they were
	 * backed and 29-49 ms when not (6 of 10 starts); as 4 KiB pages
	 * 4-11 ms (9 ms median).
	 */
	if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0)
		return 0;
	/* Before Linux 5.14: the pages come, locked, at first touch instead. */
	if (errno == EINVAL)
		return 0;
	VDK_LOG(ERR, MEMORY, "cannot fault in %zu KiB of --no-huge memory at %p: %s",
		(size_t)(hi - lo) >> 10, (void *)lo, strerror(errno));
	return -ENOMEM;
}

/* fallocate() with the calling thread bound to @node, its policy restored after. */
static int
fallocate_on_node(int fd, size_t len, int node)
{
	unsigned long old_mask[NODEMASK_LONGS], mask[NODEMASK_LONGS];
	int old_mode = MPOL_DEFAULT, ret = 0;
	bool bound = false;

	if (bk.numa && get_mempolicy(&old_mode, old_mask, NODEMASK_BITS + 1, NULL, 0) == 0) {
		node_mask(mask, node);
		if (set_mempolicy(MPOL_BIND, mask, NODEMASK_BITS + 1) == 0)
			bound = true;
		else
			VDK_LOG(WARNING, MEMORY, "cannot bind to NUMA node %d: %s",
				node, strerror(errno));
	}
	if (fallocate(fd, 0, 0, (off_t)len) != 0)
		ret = -errno;
	if (bound && set_mempolicy(old_mode, old_mask, NODEMASK_BITS + 1) != 0)
		VDK_LOG(WARNING, MEMORY, "cannot restore the thread's NUMA policy: %s",
			strerror(errno));
	return ret;
}

static int
map_hugepages(void *at, size_t len, int node, int *fdp)
{
	char path[PATH_MAX + 100], name[100];
	unsigned int seq = __atomic_fetch_add(&bk.seq, 1, __ATOMIC_RELAXED);
	int fd, err;

	if (bk.kind == BACKING_MEMFD) {
		/* A memfd's name only labels its mapping: no namespace needed. */
		snprintf(name, sizeof(name), "%s-%d-%u", bk.prefix, (int)bk.pid, seq);
		path[0] = '\0';
		fd = memfd_open(name);
	} else {
		snprintf(name, sizeof(name), "%s-%" PRIu64 "-%d-%u", bk.prefix, bk.ns, (int)bk.pid,
			 seq);
		snprintf(path, sizeof(path), "%s/%s", bk.dir, name);
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		err = errno;
		VDK_LOG(ERR, MEMORY, "cannot create hugepage file %s: %s",
			path[0] != '\0' ? path : name, strerror(err));
		return -err;
	}
	err = -fallocate_on_node(fd, len, node);
	if (err != 0) {
		if (err == ENOSPC || err == ENOMEM) {
			log_no_free_hugepages(len, node);
			err = ENOMEM;
		} else {
			VDK_LOG(ERR, MEMORY, "cannot allocate %zu MiB of hugepages in %s: %s",
				len >> 20, path[0] != '\0' ? path : name, strerror(err));
		}
		goto close_file;
	}
	if (mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		err = errno;
		VDK_LOG(ERR, MEMORY, "cannot map %zu MiB of hugepages at %p: %s", len >> 20, at,
			strerror(err));
	}
close_file:
	/* The mapping keeps the pages; nothing on disk must outlive the process. */
	if (path[0] != '\0')
		unlink(path);
	/* The segment keeps the file open, for vdk_memseg_fd(). */
	if (err == 0)
		*fdp = fd;
	else
		close(fd);
	return -err;
}

int
eal_backing_map(void *addr, size_t len, int node, int *fd)
{
	*fd = -1;
	if (bk.page_sz == 0)
		return -ENODEV;
	if (bk.kind == BACKING_ANON)
		return map_anon(addr, len, node, fd);
	return map_hugepages(addr, len, node, fd);
}
