/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fuzzer for vdk_vfio.ko: random requests with random arguments on
 * group, IOMMU and device fds (and on fds of the wrong kind), fds opened
 * and closed along the way, from several threads sharing one pool of fds
 * (4 by default), with mmap and touch of BARs, pread and pwrite of regions,
 * and fork()ed children that use the inherited fds (their MAP_DMA and
 * unmaps must fail with EPERM) and close them. It passes when no call hangs, the
 * kernel stays up, and nothing is left pinned once every fd is closed, by
 * the module's count and by the kernel's (/proc/vmstat nr_foll_pin_*);
 * the vm test around it checks dmesg for oopses and warnings.
 *
 * usage: fuzz_vdk_vfio [-n CALLS] [-t THREADS] [-s SEED] [-f PERCENT]
 *                      NVME_BDF NIC_BDF
 *
 * CALLS (100,000 by default) are shared by the threads, each drawing from
 * its own sequence derived from SEED: with one thread (-t 1) a seed
 * replays exactly; with more the interleaving differs from run to run.
 *
 * The process drops CAP_IPC_LOCK and caps RLIMIT_MEMLOCK, so a random
 * MAP_DMA over a large valid range fails instead of pinning the guest.
 *
 * -f PERCENT (a kernel with FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC:
 * the vm-debug tier's): kernel allocations fail at that rate, slab and
 * page allocations alike, but only in the fuzzer's threads and only
 * inside their ioctls (a thread's make-it-fail is on around each), so
 * the module's error paths run while the fuzzer's own page faults, mmaps
 * and forks go on. GET_DEVICE_FD, DEVICE_RESET and SET_IRQ_EVENTFDS run
 * without faults, and no file is released with faults on: they reach
 * kernel error paths that break on their own (ACPICA's reference counts,
 * /proc/irq entries; see one_call()). The end checks (nothing pinned,
 * kmemleak by the debug tier) then show that every error path unwound.
 * Two failures in one call can still reach a kernel path that cannot
 * fail and WARNs (fault-injection.tolerate). It prints how many
 * allocations were made to fail. fuzz_vdk_vfio_faults is this program
 * built with a default of KMOD_FUZZ_FAULT_PERCENT.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "kmod_util.h"

#define POOL		48
#define PAGE		4096ull
#define BUF_PAGES	64
#define MEMLOCK		(16u << 20)
#define MAX_THREADS	16
#ifndef KMOD_FUZZ_FAULT_PERCENT
#define KMOD_FUZZ_FAULT_PERCENT	0
#endif
#define FAULT_DIR	"/sys/kernel/debug/"
#define FAULT_TIMES	1000000000L	/* counts down as faults are made */

/* What a request is: an ioctl, or one of the other calls on the fds. */
enum op { OP_IOCTL, OP_MMAP, OP_RW, OP_FORK };

enum kind { FD_NONE, FD_GROUP, FD_IOMMU, FD_DEVICE, FD_EVENT, FD_OTHER };

struct slot {
	int fd;
	enum kind kind;
	int dev;	/* FD_DEVICE: index into bdfs */
};

struct request {
	const char *name;
	enum op op;
	unsigned long req;
	unsigned int weight;
	unsigned long calls;
	unsigned long ok;
	unsigned long errs[134];	/* by errno */
};

/* Weights: how often each request is drawn. */
#define REQ(n, w) { .name = #n, .req = VDK_VFIO_##n, .weight = w }
static struct request requests[] = {
	REQ(GROUP_GET_INFO, 5),
	REQ(GROUP_MERGE, 5),
	REQ(GROUP_UNMERGE, 4),
	REQ(GROUP_GET_IOMMU_FD, 2),
	REQ(GROUP_GET_DEVICE_FD, 3),
	REQ(IOMMU_GET_INFO, 5),
	REQ(IOMMU_MAP_DMA, 24),
	REQ(DEVICE_GET_INFO, 5),
	REQ(DEVICE_GET_REGION_INFO, 6),
	REQ(DEVICE_GET_IRQ_INFO, 6),
	REQ(DEVICE_SET_IRQ_EVENTFDS, 6),
	REQ(DEVICE_UNMASK_IRQ, 5),
	REQ(DEVICE_SET_UNMASK_IRQ_EVENTFD, 5),
	REQ(DEVICE_RESET, 1),
	{ .name = "(random request)", .req = 0, .weight = 5 },
	{ .name = "(mmap and touch a region)", .op = OP_MMAP, .weight = 4 },
	{ .name = "(pread/pwrite a region)", .op = OP_RW, .weight = 6 },
	{ .name = "(fork: child uses, closes)", .op = OP_FORK, .weight = 1 },
};
#define NREQ (sizeof(requests) / sizeof(requests[0]))

/* One thread; the watchdog reads started_ms and name. */
struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t seed;
	unsigned long calls;
	volatile long started_ms;	/* 0: not in a call */
	const char *volatile name;
};

static const char *bdfs[2];
/* The fds every thread uses: slots change under pool_lock only. */
static struct slot pool[POOL];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker workers[MAX_THREADS];
static unsigned int nworkers = 4;
static unsigned long sigbus_count, fork_failures;
static __thread uint64_t rng;
static __thread unsigned long iteration;
static __thread uint64_t last_reset;
static __thread struct worker *self;
static __thread int make_it_fail = -1;	/* -f: this thread's switch */
static unsigned int fault_percent = KMOD_FUZZ_FAULT_PERCENT;
static __thread sigjmp_buf bus_jmp;
static uint8_t *buf;		/* BUF_PAGES valid pages */
static uint8_t *ro_page;	/* readable only */
static uint8_t *hole;		/* unmapped */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A call that does not return within 10 s is a hang: the run fails. */
static void *watchdog(void *arg)
{
	unsigned int i;

	(void)arg;
	for (;;) {
		usleep(500000);
		for (i = 0; i < nworkers; i++) {
			long t = workers[i].started_ms;

			if (t && now_ms() - t > 10000) {
				fprintf(stderr, "fuzz: thread %u: %s did not return within 10 s: hang\n",
					i, workers[i].name);
				_exit(3);
			}
		}
	}
	return NULL;
}

static __thread volatile int in_touch;

/* A touch of a BAR mapping while the device does not decode memory. */
static void on_sigbus(int sig)
{
	if (in_touch)
		siglongjmp(bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int pool_add(int fd, enum kind kind, int dev)
{
	int i;

	if (fd < 0)
		return -1;
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL; i++)
		if (pool[i].kind == FD_NONE)
			break;
	if (i == POOL) {
		/*
		 * Full: let a random IOMMU fd go (a close is a test too).
		 * Device fds are spared: each release resets the device,
		 * which takes a 100 ms FLR on the NVMe.
		 */
		do
			i = (int)below(POOL);
		while (pool[i].kind == FD_DEVICE || pool[i].kind == FD_EVENT);
		close(pool[i].fd);
	}
	pool[i].fd = fd;
	pool[i].kind = kind;
	pool[i].dev = dev;
	pthread_mutex_unlock(&pool_lock);
	return i;
}

/*
 * Another thread may be in a call on the fd: the kernel must cope with a
 * close under it, and the number may come back as another kind of fd.
 */
static void pool_close(int i)
{
	pthread_mutex_lock(&pool_lock);
	if (pool[i].kind != FD_NONE) {
		close(pool[i].fd);
		pool[i].kind = FD_NONE;
	}
	pthread_mutex_unlock(&pool_lock);
}

static int pool_pick(enum kind want)
{
	int i, tries, fd = -1;

	pthread_mutex_lock(&pool_lock);
	for (tries = 0; tries < 4 * POOL; tries++) {
		i = (int)below(POOL);
		if (pool[i].kind != FD_NONE &&
		    (want == FD_NONE || pool[i].kind == want)) {
			fd = pool[i].fd;
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return fd;
}

static void reopen_groups(void)
{
	int i, fd;

	/* a group opens once at a time: another thread's copy may be open */
	for (i = 0; i < 2; i++) {
		fd = kmod_group_open(bdfs[i]);
		if (fd >= 0)
			pool_add(fd, FD_GROUP, -1);
	}
}

/* An IOMMU or device fd from a random group, when the pool has none. */
static int make_fd(enum kind kind)
{
	int i = (int)below(2), group = pool_pick(FD_GROUP);
	long fd;

	if (group < 0)
		return -1;
	if (kind == FD_IOMMU)
		fd = kmod_ioctl(group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	else if (kind == FD_DEVICE)
		fd = kmod_ioctl(group, VDK_VFIO_GROUP_GET_DEVICE_FD,
				(void *)bdfs[i]);
	else
		return group;
	if (fd < 0)
		return -1;
	pool_add((int)fd, kind, i);
	return (int)fd;
}

static enum kind kind_for(const struct request *r)
{
	switch (r->req) {
	case VDK_VFIO_GROUP_GET_INFO:
	case VDK_VFIO_GROUP_MERGE:
	case VDK_VFIO_GROUP_UNMERGE:
	case VDK_VFIO_GROUP_GET_IOMMU_FD:
	case VDK_VFIO_GROUP_GET_DEVICE_FD:
		return FD_GROUP;
	case VDK_VFIO_IOMMU_GET_INFO:
	case VDK_VFIO_IOMMU_MAP_DMA:
		return FD_IOMMU;
	default:
		return FD_DEVICE;
	}
}

static uint32_t pick_argsz(uint32_t real)
{
	static const uint32_t odd[] = { 0, 4, 8, 12, 16, 24, 1000, 4096 };

	switch (below(8)) {
	case 0:
		return odd[below(8)];
	case 1:
		return real - 1 - (uint32_t)below(real);
	case 2:
		return (uint32_t)rnd();
	default:
		return real + (uint32_t)below(3) * 8;
	}
}

static uint32_t pick_flags(uint32_t known)
{
	switch (below(6)) {
	case 0:
		return 1u << below(32);
	case 1:
		return (uint32_t)rnd();
	case 2:
		return 0;
	default:
		return known & (uint32_t)rnd();
	}
}

static uint64_t pick_page_count(void)
{
	static const uint64_t odd[] = { 0, 1ull << 20, 1ull << 36, ~0ull };

	if (!below(10))
		return odd[below(4)];
	return 1 + below(BUF_PAGES);
}

static uint64_t pick_vaddr(void)
{
	switch (below(10)) {
	case 0:
		return (uintptr_t)ro_page;
	case 1:
		return (uintptr_t)hole;
	case 2:
		return rnd() & ~(PAGE - 1);
	case 3:
		return rnd();
	default:
		return (uintptr_t)buf + below(BUF_PAGES) * PAGE;
	}
}

static uint64_t pick_iova(void)
{
	static const uint64_t odd[] = { 0xfee00000ull, 0xfedff000ull,
					(1ull << 48) - PAGE, 1ull << 48,
					-PAGE, 0 };

	switch (below(10)) {
	case 0:
		return odd[below(6)];
	case 1:
		return rnd();
	default:
		/* a small window, so that maps overlap and unmaps hit */
		return (1ull << 32) + below(256) * PAGE;
	}
}

static int32_t pick_fd(void)
{
	switch (below(6)) {
	case 0:
		return -1;
	case 1:
		return (int32_t)rnd();
	case 2:
		return pool_pick(FD_NONE);
	default:
		return pool_pick(FD_EVENT);
	}
}

/* Fill @arg for @r, or return another pointer to pass instead. */
static void *make_arg(const struct request *r, uint8_t *arg, size_t len)
{
	static char name[VDK_VFIO_DEVICE_NAME_MAX + 32];
	uint32_t *w = (uint32_t *)arg;
	uint64_t *q = (uint64_t *)arg;
	unsigned int i;

	switch (below(20)) {
	case 0:
		return NULL;
	case 1:
		return (void *)8;
	case 2:
		return hole;
	case 3:
		return (void *)0xffff888000000000ull;	/* kernel memory */
	}
	for (i = 0; i < len; i++)
		arg[i] = (uint8_t)rnd();

	switch (r->req) {
	case VDK_VFIO_GROUP_MERGE:
		w[0] = (uint32_t)(below(2) ? pool_pick(FD_GROUP) : pick_fd());
		break;
	case VDK_VFIO_GROUP_GET_DEVICE_FD:
		switch (below(4)) {
		case 0:
			memset(name, 'a' + (int)below(26), sizeof(name));
			name[below(sizeof(name))] = '\0';
			return name;
		case 1:
			return (void *)"";
		default:
			return (void *)bdfs[below(2)];
		}
	case VDK_VFIO_GROUP_GET_INFO:
	case VDK_VFIO_DEVICE_GET_INFO:
		w[0] = pick_argsz(r->req == VDK_VFIO_GROUP_GET_INFO ? 8 : 16);
		w[1] = pick_flags(0);
		break;
	case VDK_VFIO_IOMMU_GET_INFO:
		w[0] = pick_argsz(sizeof(struct vdk_vfio_iommu_info));
		w[1] = pick_flags(0);
		break;
	case VDK_VFIO_IOMMU_MAP_DMA:
		w[0] = pick_argsz(sizeof(struct vdk_vfio_dma_map));
		/* half the time well formed, so that maps and unmaps land */
		w[1] = below(2) ? pick_flags(7) : (uint32_t)below(2) * 7;
		q[1] = pick_vaddr();
		q[2] = pick_iova();
		q[3] = below(10) ? pick_page_count() * PAGE : rnd();
		break;
	case VDK_VFIO_DEVICE_GET_REGION_INFO:
	case VDK_VFIO_DEVICE_GET_IRQ_INFO:
	case VDK_VFIO_DEVICE_UNMASK_IRQ:
		w[0] = pick_argsz(r->req == VDK_VFIO_DEVICE_GET_REGION_INFO ?
				  32 : 16);
		w[1] = pick_flags(0);
		w[2] = (uint32_t)(below(2) ? 0 : below(4) ? below(10) : rnd());
		w[3] = (uint32_t)(below(2) ? 0 : below(4));
		break;
	case VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS:
	case VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD: {
		uint32_t count = (uint32_t)(below(8) ? below(7) : rnd());

		w[2] = (uint32_t)(below(8) ? below(4) : rnd());
		w[3] = count;
		if (below(2) && r->req == VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD)
			w[2] = 0;
		w[0] = below(4) ? 16 + 4 * (count < 64 ? count : 64) :
				  pick_argsz(16);
		w[1] = pick_flags(0);
		for (i = 0; i < 64 && 16 + 4 * i + 4 <= len; i++)
			w[4 + i] = (uint32_t)pick_fd();
		break;
	}
	}
	return arg;
}

static void count_result(struct request *r, long ret)
{
	if (ret >= 0)
		__atomic_add_fetch(&r->ok, 1, __ATOMIC_RELAXED);
	else if (-ret < (long)(sizeof(r->errs) / sizeof(r->errs[0])))
		__atomic_add_fetch(&r->errs[-ret], 1, __ATOMIC_RELAXED);
}

/* A random page range of a random region, from a device fd mostly. */
static uint64_t pick_region_offset(void)
{
	uint64_t index = below(4) ? below(2) * 3 : below(VDK_VFIO_PCI_NUM_REGIONS + 1);

	return (index << 40) + below(8) * PAGE;
}

/* mmap a region, read its first word, unmap: SIGBUS is an outcome too. */
static long mmap_touch(int fd)
{
	size_t len = (1 + below(4)) * PAGE;
	volatile uint32_t *p;
	volatile long ret = 0;

	if (below(4))
		fd = pool_pick(FD_DEVICE);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)pick_region_offset());
	if (p == MAP_FAILED)
		return -errno;
	if (sigsetjmp(bus_jmp, 1)) {
		__atomic_add_fetch(&sigbus_count, 1, __ATOMIC_RELAXED);
		ret = -EFAULT;
	} else {
		in_touch = 1;
		(void)p[below(len / 4)];
	}
	in_touch = 0;
	munmap((void *)p, len);
	return ret;
}

/*
 * pread of any region; pwrite of config space only (filtered by the
 * module): random writes to BARs could start DMA to random addresses.
 */
static long region_rw(int fd)
{
	static const size_t lens[] = { 1, 2, 4, 8, 3, 64 };
	uint8_t data[64];
	uint64_t off = pick_region_offset() + below(PAGE);
	size_t len = lens[below(6)];
	ssize_t n;
	unsigned int i;

	if (below(4))
		fd = pool_pick(FD_DEVICE);
	if (below(2)) {
		n = pread(fd, data, len, (off_t)off);
	} else {
		for (i = 0; i < len; i++)
			data[i] = (uint8_t)rnd();
		off = ((uint64_t)VDK_VFIO_PCI_CONFIG_REGION_INDEX << 40) +
		      below(below(4) ? 64 : 4096);
		n = pwrite(fd, data, len, (off_t)off);
	}
	return n < 0 ? -errno : n;
}

/*
 * A child of fork() inherits every fd: it uses a few of them, as another
 * process could, then closes them all. It is not the set's process, so a
 * map or unmap it makes must fail with EPERM; anything else fails the run.
 * It makes system calls only (another thread may hold a lock of libc).
 */
static long fork_child(void)
{
	struct slot copy[POOL];
	int status, i, k;
	pid_t pid;

	pthread_mutex_lock(&pool_lock);
	memcpy(copy, pool, sizeof(copy));
	pid = fork();
	pthread_mutex_unlock(&pool_lock);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int bad = 0;

		for (k = 0; k < 16; k++) {
			struct slot *sl = &copy[below(POOL)];
			struct vdk_vfio_group_info gi = { .argsz = sizeof(gi) };
			uint32_t v;

			switch (sl->kind) {
			case FD_GROUP:
				ioctl(sl->fd, VDK_VFIO_GROUP_GET_INFO, &gi);
				break;
			case FD_IOMMU:
				if (kmod_unmap(sl->fd, (1ull << 32) + below(256) * PAGE,
					       PAGE) != -EPERM ||
				    kmod_map(sl->fd, (uintptr_t)buf,
					     (1ull << 32) + below(256) * PAGE,
					     PAGE, 7) != -EPERM)
					bad = 1;
				break;
			case FD_DEVICE:
				if (pread(sl->fd, &v, 4, (off_t)((uint64_t)
					  VDK_VFIO_PCI_CONFIG_REGION_INDEX << 40)) < 0)
					v = 0;
				break;
			default:
				break;
			}
		}
		for (i = 0; i < POOL; i++)
			if (copy[i].kind != FD_NONE)
				close(copy[i].fd);
		_exit(bad);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		__atomic_add_fetch(&fork_failures, 1, __ATOMIC_RELAXED);
		return -EPERM;
	}
	return 0;
}

/* -f: make this thread's kernel allocations fail, or stop. */
static void fault_inject(bool on)
{
	if (make_it_fail >= 0 && write(make_it_fail, on ? "1" : "0", 1) != 1)
		abort();	/* a switch stuck on would fail the fuzzer itself */
}

/* Write each "file=value" under FAULT_DIR@attr: 0 or -errno. */
static int fault_attrs(const char *attr, const char *const *set)
{
	char path[128];
	int ret;

	for (; *set; set += 2) {
		snprintf(path, sizeof(path), FAULT_DIR "%s/%s", attr, set[0]);
		ret = kmod_sysfs_write(path, set[1]);
		if (ret) {
			fprintf(stderr, "fuzz: -f: cannot write %s to %s: %s (a kernel with FAULT_INJECTION_DEBUG_FS, FAILSLAB and FAIL_PAGE_ALLOC?)\n",
				set[1], path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * failslab and fail_page_alloc at fault_percent for tasks whose
 * make-it-fail is on, GFP_KERNEL included (ignore-gfp-wait off), order-0
 * pages included; user pages (highmem) are left alone. Quiet: each
 * report would be a stack dump in the kernel log. With @on false,
 * nothing fails any more.
 */
static int fault_setup(bool on)
{
	char pct[16], times[24];
	const char *const slab[] = {
		"probability", on ? pct : "0", "interval", "1",
		"times", times, "verbose", "0", "task-filter", "Y",
		"ignore-gfp-wait", "N", NULL };
	const char *const page[] = {
		"probability", on ? pct : "0", "interval", "1",
		"times", times, "verbose", "0", "task-filter", "Y",
		"ignore-gfp-wait", "N", "ignore-gfp-highmem", "Y",
		"min-order", "0", NULL };

	snprintf(pct, sizeof(pct), "%u", fault_percent);
	snprintf(times, sizeof(times), "%ld", FAULT_TIMES);
	return fault_attrs("failslab", slab) ||
	       fault_attrs("fail_page_alloc", page);
}

/* How many allocations fault_setup()'s counters let fail, or -1. */
static long faults_made(const char *attr)
{
	char path[128], buf[32];
	long left = -1;
	FILE *f;

	snprintf(path, sizeof(path), FAULT_DIR "%s/times", attr);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f))
		left = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	return left < 0 ? -1 : FAULT_TIMES - left;
}

static const struct request *pick_request(void)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < NREQ; i++)
		total += requests[i].weight;
	for (;;) {
		x = (unsigned int)below(total);
		for (i = 0; x >= requests[i].weight; i++)
			x -= requests[i].weight;
		/* a reset takes milliseconds: keep them rare */
		if (requests[i].req == VDK_VFIO_DEVICE_RESET &&
		    iteration - last_reset < 2000)
			continue;
		return &requests[i];
	}
}

static void one_call(void)
{
	uint64_t argbuf[64];
	struct request *r = (struct request *)pick_request();
	unsigned long req = r->req;
	int fd, held = -1, held_arg = -1;
	bool inject;
	void *arg;
	long ret;

	if (!req && r->op == OP_IOCTL)
		req = below(2) ? _IO(VDK_VFIO_TYPE, VDK_VFIO_BASE + below(32)) :
				 (unsigned long)(uint32_t)rnd();
	if (req == VDK_VFIO_DEVICE_RESET)
		last_reset = iteration;
	/*
	 * Merging needs an idle group: now and then let the NIC's go idle
	 * (its reset is quick; the NVMe keeps its device fd and stays busy).
	 */
	if (req == VDK_VFIO_GROUP_MERGE && !below(32))
		for (fd = 0; fd < POOL; fd++)
			if (pool[fd].kind == FD_IOMMU ||
			    (pool[fd].kind == FD_DEVICE && pool[fd].dev == 1))
				pool_close(fd);
	/* mostly the right kind of fd, sometimes any, sometimes none */
	switch (below(10)) {
	case 0:
		fd = pool_pick(FD_NONE);
		break;
	case 1:
		fd = below(2) ? -1 : 1000;
		break;
	default:
		fd = pool_pick(kind_for(r));
		if (fd < 0)
			fd = make_fd(kind_for(r));
		break;
	}
	arg = make_arg(r, (uint8_t *)argbuf, sizeof(argbuf));

	self->name = r->name;
	self->started_ms = now_ms();
	switch (r->op) {
	case OP_MMAP:
		ret = mmap_touch(fd);
		break;
	case OP_RW:
		ret = region_rw(fd);
		break;
	case OP_FORK:
		ret = fork_child();
		break;
	default:
		/*
		 * Not where the kernel's own error paths are known to break
		 * (a kernel bug outside the module, reported by the debug
		 * kernel): the PCI core's enable and reset, where ACPICA's
		 * reference counts do not survive a failed allocation
		 * ("AE_NO_MEMORY, Could not update object reference count",
		 * then KASAN use-after-free reports), and the allocation of
		 * interrupt vectors, whose /proc/irq entries are made
		 * ignoring failures and removed with a WARN ("name
		 * 'smp_affinity_list'" in remove_proc_entry).
		 */
		inject = make_it_fail >= 0 &&
			 req != VDK_VFIO_GROUP_GET_DEVICE_FD &&
			 req != VDK_VFIO_DEVICE_RESET &&
			 req != VDK_VFIO_DEVICE_SET_IRQ_EVENTFDS;
		/*
		 * The call's own reference to its file, or to a file its
		 * argument names (the group to merge, the unmask eventfd:
		 * any fd of the pool), may be the last one, another thread
		 * having closed the fd meanwhile. The file's release would
		 * then run as the call returns, faults still on: a device's
		 * reaches pci_disable_device(), whose ACPI _PRT evaluation
		 * breaks ACPICA's reference counts when an allocation in
		 * it fails (KASAN: use-after-free in
		 * acpi_ns_get_attached_object at the next enable, which
		 * taints B and turns lockdep off). The call goes through
		 * duplicates, closed once the faults are off.
		 */
		if (inject) {
			int32_t *named = arg != (void *)argbuf ? NULL :
				req == VDK_VFIO_GROUP_MERGE ? (int32_t *)arg :
				req == VDK_VFIO_DEVICE_SET_UNMASK_IRQ_EVENTFD ?
				(int32_t *)arg + 4 : NULL;

			held = dup(fd);
			if (named && (held_arg = dup(*named)) >= 0)
				*named = held_arg;
		}
		fault_inject(inject);
		ret = kmod_ioctl(held >= 0 ? held : fd, req, arg);
		fault_inject(false);
		if (held >= 0)
			close(held);
		if (held_arg >= 0)
			close(held_arg);
		break;
	}
	self->started_ms = 0;
	self->calls++;

	__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
	if (r->op != OP_IOCTL) {
		count_result(r, ret);
	} else if (ret >= 0) {
		__atomic_add_fetch(&r->ok, 1, __ATOMIC_RELAXED);
		if (req == VDK_VFIO_GROUP_GET_IOMMU_FD)
			pool_add((int)ret, FD_IOMMU, -1);
		else if (req == VDK_VFIO_GROUP_GET_DEVICE_FD)
			pool_add((int)ret, FD_DEVICE, arg == bdfs[1]);
		else if (ret > 2 && r->req == 0)
			close((int)ret);	/* a random request made an fd */
	} else {
		count_result(r, ret);
	}

	/* now and then close something; groups come back when missing */
	if (!below(1000))
		pool_close((int)below(POOL));
	if (pool_pick(FD_GROUP) < 0 || !below(500))
		reopen_groups();
}

static void report(double secs, unsigned long calls)
{
	unsigned int i, e;

	printf("fuzz: %lu calls in %.1f s (%.0f calls/s) from %u threads:",
	       calls, secs, calls / secs, nworkers);
	for (i = 0; i < nworkers; i++)
		printf(" %lu", workers[i].calls);
	printf("; %lu SIGBUS on touch\n", sigbus_count);
	for (i = 0; i < NREQ; i++) {
		const struct request *r = &requests[i];

		printf("  %-30s %7lu calls, %6lu ok", r->name, r->calls, r->ok);
		for (e = 1; e < sizeof(r->errs) / sizeof(r->errs[0]); e++)
			if (r->errs[e])
				printf(", %s %lu", strerrorname_np(e) ?
				       strerrorname_np(e) : "?", r->errs[e]);
		printf("\n");
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long n = w->calls;

	self = w;
	rng = w->seed | 1;
	w->calls = 0;
	if (fault_percent) {
		make_it_fail = open("/proc/thread-self/make-it-fail",
				    O_WRONLY | O_CLOEXEC);
		if (make_it_fail < 0)
			fprintf(stderr, "fuzz: -f: no /proc/thread-self/make-it-fail (%s): thread %u runs without faults\n",
				strerror(errno), w->id);
	}
	for (iteration = 0; iteration < n; iteration++)
		one_call();
	if (make_it_fail >= 0)
		close(make_it_fail);
	return NULL;
}

static int setup(void)
{
	struct rlimit lim = { MEMLOCK, MEMLOCK };
	int i;

	buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || ro_page == MAP_FAILED || hole == MAP_FAILED)
		return -ENOMEM;
	munmap(hole, PAGE);
	if (kmod_drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &lim))
		return -EPERM;
	for (i = 0; i < 4; i++)
		pool_add(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), FD_EVENT, -1);
	pool_add(open("/dev/null", O_RDWR | O_CLOEXEC), FD_OTHER, -1);
	reopen_groups();
	return pool_pick(FD_GROUP) < 0 ? -ENODEV : 0;
}

int main(int argc, char **argv)
{
	unsigned long calls = 100000;
	struct timespec t0, t1;
	uint64_t seed = 0;
	pthread_t dog;
	double secs;
	long pinned, foll0, foll;
	int opt, i;

	while ((opt = getopt(argc, argv, "f:n:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			calls = strtoul(optarg, NULL, 0);
			break;
		case 't':
			nworkers = (unsigned int)strtoul(optarg, NULL, 0);
			if (!nworkers || nworkers > MAX_THREADS)
				goto usage;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			fault_percent = (unsigned int)strtoul(optarg, NULL, 0);
			if (fault_percent > 100)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	bdfs[0] = argv[optind];
	bdfs[1] = argv[optind + 1];
	if (!seed)
		seed = (uint64_t)time(NULL) * 2654435761u | 1;
	rng = seed;
	printf("fuzz: seed %" PRIu64 " (rerun with -s %" PRIu64 " -t %u)\n",
	       seed, seed, nworkers);
	fflush(stdout);
	signal(SIGBUS, on_sigbus);
	if (setup()) {
		fprintf(stderr, "fuzz: cannot open the groups of %s and %s (module loaded, devices bound to vdk-vfio-pci?)\n",
			bdfs[0], bdfs[1]);
		return 2;
	}

	if (fault_percent) {
		if (fault_setup(true))
			return 2;
		printf("fuzz: kernel allocations in the fuzzer's ioctls fail at %u%%\n",
		       fault_percent);
		fflush(stdout);
	}
	foll0 = kmod_foll_pins();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pthread_create(&dog, NULL, watchdog, NULL))
		return 2;
	for (i = 0; i < (int)nworkers; i++) {
		workers[i].id = i;
		/* apart by an even constant: after rng = seed | 1 they still differ */
		workers[i].seed = seed + i * 0x9e3779b97f4a7c16ull;
		workers[i].calls = calls / nworkers +
				   (i < (int)(calls % nworkers));
		if (pthread_create(&workers[i].thread, NULL, worker_fn,
				   &workers[i]))
			return 2;
	}
	for (i = 0; i < (int)nworkers; i++)
		pthread_join(workers[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (fault_percent) {
		printf("fuzz: %ld slab and %ld page allocations made to fail\n",
		       faults_made("failslab"), faults_made("fail_page_alloc"));
		if (fault_setup(false))
			return 2;
	}
	report(secs, calls);

	for (i = 0; i < POOL; i++)
		pool_close(i);
	if (fork_failures) {
		printf("fuzz: FAILED: %lu fork children could map or unmap through an inherited IOMMU fd\n",
		       fork_failures);
		return 1;
	}
	pinned = kmod_pinned_pages();
	if (pinned != 0 || kmod_debugfs("dma_mappings") != 0) {
		printf("fuzz: FAILED: %ld pages still pinned after every fd was closed\n",
		       pinned);
		return 1;
	}
	foll = kmod_foll_pins();
	if (foll0 == LONG_MIN || foll != foll0) {
		printf("fuzz: FAILED: /proc/vmstat counts %ld pages pinned and not released after every fd was closed\n",
		       foll - foll0);
		return 1;
	}
	printf("fuzz: passed: no hang, nothing left pinned\n");
	return 0;

usage:
	fprintf(stderr, "usage: %s [-n CALLS] [-t THREADS (1-%d)] [-s SEED] [-f PERCENT] NVME_BDF NIC_BDF\n",
		argv[0], MAX_THREADS);
	return 2;
}
