/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL memory segments: the table of every mapping the EAL hands out, their
 * IOVAs, the callbacks lib/dma uses to map them for devices, and the
 * up-front reservation of -m / --socket-mem.
 *
 * Without -m the table starts empty and the heap adds segments as it needs
 * them (eal_memseg_alloc) and removes those that fall empty; with -m the
 * reserved segments are pinned and stay until cleanup.
 *
 * Drivers translate addresses on the datapath, so finding the segment of an
 * address must take neither a lock nor time that grows with the number of
 * segments. All segments therefore live in one window of address space
 * reserved at init (PROT_NONE, so virtual only), each starting on a 2 MiB
 * granule; a flat table holds one entry a granule, pointing to the segment
 * that covers it. A lookup is a bounds check, a shift and one load.
 *
 * Segment descriptors sit in a fixed array, one slot a granule, indexed by
 * the segment's first granule, and are never freed while the EAL runs: a
 * reader holding a stale pointer reads a slot, never freed memory. A slot
 * can be reused by a later segment at the same place, so each carries a
 * sequence number, odd while it holds a live segment and bumped on every
 * add and removal; vdk_mem_virt2iova() reads it before and after its
 * reads and answers VDK_BAD_IOVA when it changed (the range was freed
 * while it looked). Writers hold the memory lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "eal_memory_internal.h"
#include "vdk_log.h"
#include "vdk_memory.h"

#define MAX_MEM_CALLBACKS 16
#define CALLBACK_NAMESIZE 64

/* Pagemap entry: bit 63 page present, bits 0-54 page frame number. */
#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_PFN_MASK ((1ull << 55) - 1)

/*
 * One lookup entry covers a granule. 2 MiB: the smallest hugepage, and the
 * size of a transparent huge page, which --no-huge segments in PA mode
 * want to be aligned to.
 */
#define GRANULE_SHIFT 21
#define GRANULE ((uint64_t)1 << GRANULE_SHIFT)
#define GIB ((uint64_t)1 << 30)
/*
 * The window: at least 64 GiB, twice the machine's memory if that is more,
 * so that the heap can grow to whatever pages the machine has, whatever
 * the fragmentation. Address space only; a smaller window is tried when
 * the address-space limit (ulimit -v) refuses, down to what -m needs.
 */
#define WINDOW_DEFAULT (64 * GIB)
#define WINDOW_MAX (1ull << 46)

/* Relaxed loads and stores of what readers read while writers change it. */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

struct eal_seg {
	struct vdk_memseg ms; /* what callers see; first so the cast is free */
	uint32_t seq;         /* odd while live; changes on every add and removal */
	uint32_t nb_granules;
	bool pinned;
	int fd;               /* the file behind it (vdk_memseg_fd()), or -1 */
};

struct mem_callback {
	char name[CALLBACK_NAMESIZE];
	vdk_mem_event_cb_t cb;
	void *arg;
};

/*
 * The address window. base, len, page_shift and lookup are read without the
 * lock; they change only in eal_memory_init() and eal_memory_cleanup(),
 * when no lookup may run.
 */
static struct {
	uintptr_t base;
	size_t len;                /* 0: no window */
	unsigned int page_shift;   /* of every segment's pages */
	struct eal_seg **lookup;   /* one entry a granule: the segment there */
	struct eal_seg *slots;     /* one a granule: the segment starting there */
	uint64_t *page_iova;       /* one a page of the window: its IOVA */
	uint64_t *taken;           /* bitmap of granules in use or being mapped */
	size_t nb_granules;
	void *tables;              /* one mapping holding the four arrays above */
	size_t tables_len;
} win;

static struct {
	/*
	 * Recursive, so that an event callback may walk the segments or look
	 * one up while the table is locked for the event.
	 */
	pthread_mutex_t lock;
	bool initialised;
	bool iova_pa;
	uint64_t page_sz;
	struct eal_seg **segs; /* live segments, in the order the walk gives */
	unsigned int nb_segs;
	unsigned int cap_segs;
	size_t total;
	size_t in_use;
	struct mem_callback cbs[MAX_MEM_CALLBACKS];
	unsigned int nb_cbs;
} mem;

static pthread_once_t mem_once = PTHREAD_ONCE_INIT;

static void
mem_lock_init(void)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&mem.lock, &attr);
	pthread_mutexattr_destroy(&attr);
}

static void
mem_lock(void)
{
	pthread_once(&mem_once, mem_lock_init);
	pthread_mutex_lock(&mem.lock);
}

static void
mem_unlock(void)
{
	pthread_mutex_unlock(&mem.lock);
}

const char *
eal_page_sz_str(uint64_t page_sz, char *buf, size_t len)
{
	if (page_sz >= (1ull << 30) && page_sz % (1ull << 30) == 0)
		snprintf(buf, len, "%" PRIu64 " GiB", page_sz >> 30);
	else if (page_sz >= (1ull << 20) && page_sz % (1ull << 20) == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", page_sz >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", page_sz >> 10);
	return buf;
}

uint64_t
eal_memory_page_sz(void)
{
	return mem.page_sz;
}

bool
eal_memory_iova_pa(void)
{
	return mem.iova_pa;
}

bool
eal_memseg_pinned(const struct vdk_memseg *ms)
{
	return ((const struct eal_seg *)ms)->pinned;
}

void
eal_memory_in_use_add(ptrdiff_t delta)
{
	mem_lock();
	mem.in_use += (size_t)delta;
	mem_unlock();
}

bool
eal_numa_node_valid(int node)
{
	if (node < 0 || node >= EAL_MAX_NUMA_NODES)
		return false;
	if (numa_available() < 0)
		return node == 0;
	return node <= numa_max_node() && numa_bitmask_isbitset(numa_all_nodes_ptr, node);
}

int
eal_numa_caller_node(void)
{
	int cpu = sched_getcpu(), node = -1, n;

	if (cpu >= 0 && numa_available() >= 0)
		node = numa_node_of_cpu(cpu);
	if (eal_numa_node_valid(node))
		return node;
	for (n = 0; n < EAL_MAX_NUMA_NODES; n++)
		if (eal_numa_node_valid(n))
			return n;
	return 0;
}

/*
 * Physical address of the page holding @va from the open pagemap @fd, or
 * VDK_BAD_IOVA. Without CAP_SYS_ADMIN the kernel reports frame 0 for every
 * page, which is never a real frame here.
 */
static uint64_t
pagemap_phys(int fd, uintptr_t va)
{
	uint64_t entry, page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (pread(fd, &entry, sizeof(entry), (off_t)(va / page * sizeof(entry))) !=
	    sizeof(entry) || !(entry & PAGEMAP_PRESENT) || (entry & PAGEMAP_PFN_MASK) == 0)
		return VDK_BAD_IOVA;
	return (entry & PAGEMAP_PFN_MASK) * page + (va % page);
}

uint64_t
vdk_mem_virt2phy(const void *addr)
{
	uint64_t pa;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VDK_BAD_IOVA;
	pa = pagemap_phys(fd, (uintptr_t)addr);
	close(fd);
	return pa;
}

/* ---- the address window ---- */

static size_t
granules_of(size_t len)
{
	return (size_t)((len + GRANULE - 1) >> GRANULE_SHIFT);
}

static size_t
granule_of(const void *addr)
{
	return ((uintptr_t)addr - win.base) >> GRANULE_SHIFT;
}

static bool
taken_test(size_t g)
{
	return (win.taken[g / 64] >> (g % 64)) & 1;
}

static void
taken_set(size_t first, size_t n, bool on)
{
	size_t g;

	for (g = first; g < first + n; g++) {
		if (on)
			win.taken[g / 64] |= 1ull << (g % 64);
		else
			win.taken[g / 64] &= ~(1ull << (g % 64));
	}
}

/*
 * First granule of a free run of @n granules that starts on a multiple of
 * @align granules (1 GiB pages must be 1 GiB-aligned), or SIZE_MAX. First
 * fit keeps the used part of the window compact. Called locked.
 */
static size_t
window_find(size_t n, size_t align)
{
	size_t g = 0, end;

	while (g + n <= win.nb_granules) {
		if (g % 64 == 0 && win.taken[g / 64] == UINT64_MAX) {
			g = VDK_ALIGN_CEIL(g + 64, align);
			continue;
		}
		for (end = g; end < g + n && !taken_test(end); end++)
			;
		if (end == g + n)
			return g;
		g = VDK_ALIGN_CEIL(end + 1, align);
	}
	return SIZE_MAX;
}

/* Make [@addr, @addr + @len) inaccessible reserved address space again. */
static int
window_hold(void *addr, size_t len)
{
	if (mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

/*
 * Give the granules of a segment at @addr back to the window: whatever is
 * mapped there is replaced by the PROT_NONE reservation in one step (which
 * also unlocks and frees the pages), so no other mmap() of the process can
 * land in between. Called locked.
 */
static void
window_release(void *addr, size_t len)
{
	size_t n = granules_of(len);
	int ret;

	ret = window_hold(addr, n << GRANULE_SHIFT);
	if (ret < 0) {
		/*
		 * The range may now be a hole that another mmap() can take: it
		 * must never be mapped over again, so its granules stay taken.
		 */
		munmap(addr, n << GRANULE_SHIFT);
		VDK_LOG(WARNING, MEMORY, "cannot return %zu KiB at %p to the EAL's address window "
			"(%s): that address range stays unused", len >> 10, addr, strerror(-ret));
		return;
	}
	taken_set(granule_of(addr), n, false);
}

/*
 * Reserve a window of @len bytes aligned to @align and the tables that
 * describe it. Everything is address space only: PROT_NONE for the window,
 * MAP_NORESERVE for the tables, whose pages the kernel gives (zeroed) when
 * a segment first uses them.
 */
static int
window_map(size_t len, unsigned int page_shift, size_t align)
{
	size_t g = len >> GRANULE_SHIFT, lookup_sz, slots_sz, taken_sz, pages_sz, tables_len;
	uintptr_t raw, base;
	char *tables;
	void *p;
	int ret;

	lookup_sz = VDK_ALIGN_CEIL(g * sizeof(*win.lookup), (size_t)64);
	slots_sz = g * sizeof(*win.slots);
	taken_sz = VDK_ALIGN_CEIL(g, (size_t)64) / 8;
	pages_sz = (len >> page_shift) * sizeof(*win.page_iova);
	tables_len = VDK_ALIGN_CEIL(lookup_sz + slots_sz + taken_sz + pages_sz, (size_t)4096);
	tables = mmap(NULL, tables_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (tables == MAP_FAILED)
		return -errno;
	p = mmap(NULL, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		munmap(tables, tables_len);
		return ret;
	}
	raw = (uintptr_t)p;
	base = VDK_ALIGN_CEIL(raw, (uintptr_t)align);
	if (base > raw)
		munmap(p, base - raw);
	if (raw + align > base)
		munmap((void *)(base + len), raw + align - base);

	win.tables = tables;
	win.tables_len = tables_len;
	win.lookup = (struct eal_seg **)(void *)tables;
	win.slots = (struct eal_seg *)(void *)(tables + lookup_sz);
	win.taken = (uint64_t *)(void *)(tables + lookup_sz + slots_sz);
	win.page_iova = (uint64_t *)(void *)(tables + lookup_sz + slots_sz + taken_sz);
	win.nb_granules = g;
	win.page_shift = page_shift;
	win.base = base;
	/* Last: a lookup that sees the length sees the rest. */
	__atomic_store_n(&win.len, len, __ATOMIC_RELEASE);
	return 0;
}

/* Address-space limit for the message, in KiB, or "unlimited". */
static const char *
as_limit_str(char *buf, size_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)rl.rlim_cur >> 10);
	return buf;
}

/*
 * Reserve the window for segments of @page_sz pages, @upfront bytes of
 * which -m / --socket-mem take at once.
 */
static int
window_init(uint64_t page_sz, size_t upfront)
{
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t want, floor, len;
	size_t align = (size_t)VDK_MAX(page_sz, GRANULE);
	unsigned int shift = (unsigned int)__builtin_ctzll(page_sz);
	char lim[32];
	int ret;

	/* What -m takes, with room to grow and to align 1 GiB pages. */
	floor = VDK_ALIGN_CEIL((uint64_t)upfront, GIB) + GIB;
	want = VDK_MAX(WINDOW_DEFAULT, VDK_MAX(2 * ram, 2 * (uint64_t)upfront));
	want = VDK_MIN(VDK_ALIGN_CEIL(want, GIB), WINDOW_MAX);
	if (floor > want) {
		VDK_LOG(ERR, MEMORY, "-m / --socket-mem asks for %zu MiB, more than the address "
			"space of this machine can hold", upfront >> 20);
		return -EINVAL;
	}
	for (len = want;; len = VDK_MAX(len / 2, floor)) {
		ret = window_map((size_t)len, shift, align);
		if (ret == 0)
			break;
		if (len == floor) {
			VDK_LOG(ERR, MEMORY, "cannot reserve %" PRIu64 " GiB of address space for EAL "
				"memory (%s): the address-space limit is %s: raise it (ulimit -v, "
				"LimitAS= in a systemd unit)", len / GIB, strerror(-ret),
				as_limit_str(lim, sizeof(lim)));
			return ret == -ENOMEM ? -ENOMEM : ret;
		}
	}
	if (len < want)
		VDK_LOG(WARNING, MEMORY, "EAL memory is limited to %" PRIu64 " GiB: only that much "
			"address space could be reserved (%" PRIu64 " GiB wanted; the address-space "
			"limit is %s)", len / GIB, want / GIB, as_limit_str(lim, sizeof(lim)));
	VDK_LOG(DEBUG, MEMORY, "address window %p + %" PRIu64 " GiB, tables %zu KiB of address "
		"space", (void *)win.base, len / GIB, win.tables_len >> 10);
	return 0;
}

static void
window_fini(void)
{
	size_t len = win.len;

	if (len == 0)
		return;
	__atomic_store_n(&win.len, 0, __ATOMIC_RELAXED);
	munmap((void *)win.base, len);
	munmap(win.tables, win.tables_len);
	memset(&win, 0, sizeof(win));
}

/*
 * Make a filled-in segment visible to lookups. The release store of the
 * odd sequence orders every field written before it for a reader that
 * sees it; the release stores of the entries do so for a reader that
 * finds the segment through them. Called locked.
 */
static void
seg_publish(struct eal_seg *s)
{
	size_t g, first = granule_of(s->ms.addr);

	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
	for (g = first; g < first + s->nb_granules; g++)
		__atomic_store_n(&win.lookup[g], s, __ATOMIC_RELEASE);
}

/*
 * Take a segment out of the lookups before anything about it changes: a
 * reader that finds it from now on sees the sequence changed and answers
 * VDK_BAD_IOVA. The release fence orders the new sequence before every
 * later write to the slot and to its pages' IOVA entries, so a reader that
 * reads one of those writes also sees the change. Called locked.
 */
static void
seg_unpublish(struct eal_seg *s)
{
	size_t g, first = granule_of(s->ms.addr);

	for (g = first; g < first + s->nb_granules; g++)
		STORE(win.lookup[g], NULL);
	STORE(s->seq, s->seq + 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* ---- segments ---- */

/*
 * Record each page's IOVA in the window's page table; in PA mode read them
 * from pagemap. The segment is not published yet, but a stale reader of
 * the slot's previous segment may read these entries: hence the atomic
 * stores, which that reader's sequence check then discards.
 */
static int
seg_fill_iova(struct eal_seg *s)
{
	size_t i, n = s->ms.len / s->ms.page_sz;
	uint64_t *page_iova = &win.page_iova[((uintptr_t)s->ms.addr - win.base) >> win.page_shift];
	bool contiguous = true;
	int fd = -1;

	if (mem.iova_pa)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < n; i++) {
		uintptr_t va = (uintptr_t)s->ms.addr + i * s->ms.page_sz;
		uint64_t iova = (uint64_t)va;

		if (mem.iova_pa) {
			iova = fd < 0 ? VDK_BAD_IOVA : pagemap_phys(fd, va);
			if (iova == VDK_BAD_IOVA) {
				VDK_LOG(ERR, MEMORY, "cannot read the physical address of %p from "
					"/proc/self/pagemap (IOVA mode PA needs CAP_SYS_ADMIN): run "
					"as root or use --iova-mode va", (void *)va);
				if (fd >= 0)
					close(fd);
				return -EACCES;
			}
			if (i > 0 && iova != LOAD(page_iova[i - 1]) + s->ms.page_sz)
				contiguous = false;
		}
		STORE(page_iova[i], iova);
	}
	if (fd >= 0)
		close(fd);
	STORE(s->ms.iova, contiguous ? LOAD(page_iova[0]) : VDK_BAD_IOVA);
	STORE(s->ms.page_iova, (const uint64_t *)page_iova);
	return 0;
}

/* Call the FREE callbacks 0 .. @n-1, last registered first. */
static void
notify_free(const struct eal_seg *s, unsigned int n)
{
	while (n-- > 0)
		mem.cbs[n].cb(VDK_MEM_EVENT_FREE, &s->ms, mem.cbs[n].arg);
}

static int
table_add(struct eal_seg *s)
{
	if (mem.nb_segs == mem.cap_segs) {
		unsigned int cap = mem.cap_segs ? mem.cap_segs * 2 : 16;
		struct eal_seg **segs = realloc(mem.segs, cap * sizeof(*segs));

		if (segs == NULL)
			return -ENOMEM;
		mem.segs = segs;
		mem.cap_segs = cap;
	}
	mem.segs[mem.nb_segs++] = s;
	mem.total += s->ms.len;
	return 0;
}

/* Find room in the window for @len bytes and take it; NULL if there is none. */
static void *
seg_place(size_t len)
{
	size_t n = granules_of(len), g;
	size_t align = mem.page_sz > GRANULE ? (size_t)(mem.page_sz >> GRANULE_SHIFT) : 1;

	mem_lock();
	g = window_find(n, align);
	if (g != SIZE_MAX)
		taken_set(g, n, true);
	mem_unlock();
	if (g == SIZE_MAX) {
		VDK_LOG(ERR, MEMORY, "no room for a %zu KiB segment in the EAL's %zu GiB address "
			"window, which is full: free EAL memory, or raise the address-space limit "
			"(ulimit -v) that made the window small", len >> 10, win.len >> 30);
		return NULL;
	}
	return (void *)(win.base + ((uintptr_t)g << GRANULE_SHIFT));
}

static struct eal_seg *
seg_alloc(size_t len, int socket_id, bool pinned, int *errp)
{
	struct eal_seg *s;
	unsigned int i;
	void *addr;
	int ret, fd = -1;

	if (!mem.initialised) {
		VDK_LOG(ERR, MEMORY, "no EAL memory: vdk_eal_init() has not run");
		*errp = -ENODEV;
		return NULL;
	}
	if (socket_id == VDK_SOCKET_ID_ANY)
		socket_id = eal_numa_caller_node();
	if (!eal_numa_node_valid(socket_id)) {
		VDK_LOG(ERR, MEMORY, "NUMA node %d has no memory or does not exist", socket_id);
		*errp = -EINVAL;
		return NULL;
	}
	if (len == 0 || len > win.len) {
		*errp = len == 0 ? -EINVAL : -ENOMEM;
		if (len != 0)
			VDK_LOG(ERR, MEMORY, "a %zu MiB segment is larger than the EAL's %zu GiB "
				"address window", len >> 20, win.len >> 30);
		return NULL;
	}
	len = VDK_ALIGN_CEIL(len, (size_t)mem.page_sz);

	addr = seg_place(len);
	if (addr == NULL) {
		*errp = -ENOMEM;
		return NULL;
	}
	ret = eal_backing_map(addr, len, socket_id, &fd);
	if (ret < 0) {
		ret = ret == -ENOSPC ? -ENOMEM : ret;
		goto release;
	}
	/* Not published: only stale readers of its previous segment can look. */
	s = &win.slots[granule_of(addr)];
	STORE(s->ms.addr, addr);
	STORE(s->ms.len, len);
	STORE(s->ms.page_sz, mem.page_sz);
	STORE(s->ms.socket_id, socket_id);
	s->nb_granules = (uint32_t)granules_of(len);
	s->pinned = pinned;
	s->fd = fd;
	ret = seg_fill_iova(s);
	if (ret < 0)
		goto release;

	mem_lock();
	ret = table_add(s);
	if (ret < 0) {
		mem_unlock();
		VDK_LOG(ERR, MEMORY, "no memory to grow the segment table");
		goto release;
	}
	seg_publish(s);
	for (i = 0; i < mem.nb_cbs; i++) {
		if (mem.cbs[i].cb(VDK_MEM_EVENT_ALLOC, &s->ms, mem.cbs[i].arg) != 0) {
			VDK_LOG(ERR, MEMORY, "memory callback \"%s\" refused a %zu KiB segment "
				"at %p", mem.cbs[i].name, len >> 10, s->ms.addr);
			seg_unpublish(s);
			notify_free(s, i);
			mem.nb_segs--;
			mem.total -= len;
			mem_unlock();
			ret = -ENOMEM;
			goto release;
		}
	}
	mem_unlock();
	VDK_LOG(DEBUG, MEMORY, "segment %p + %zu KiB on node %d, iova 0x%" PRIx64,
		s->ms.addr, len >> 10, socket_id, s->ms.iova);
	return s;
release:
	mem_lock();
	window_release(addr, len);
	mem_unlock();
	if (fd >= 0)
		close(fd);
	*errp = ret;
	return NULL;
}

const struct vdk_memseg *
eal_memseg_alloc(size_t len, int socket_id)
{
	struct eal_seg *s;
	int err;

	s = seg_alloc(len, socket_id, false, &err);
	if (s == NULL) {
		errno = -err;
		return NULL;
	}
	return &s->ms;
}

/*
 * Take @s out of the lookups and the table, tell the callbacks and give
 * its range back; false if it is not a live segment. Called locked.
 */
static bool
seg_remove(struct eal_seg *s)
{
	unsigned int i;

	for (i = 0; i < mem.nb_segs; i++) {
		if (mem.segs[i] != s)
			continue;
		seg_unpublish(s);
		notify_free(s, mem.nb_cbs);
		mem.segs[i] = mem.segs[--mem.nb_segs];
		mem.total -= s->ms.len;
		window_release(s->ms.addr, s->ms.len);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		return true;
	}
	return false;
}

void
eal_memseg_free(const struct vdk_memseg *ms)
{
	bool found;

	if (ms == NULL)
		return;
	mem_lock();
	found = seg_remove((struct eal_seg *)(uintptr_t)ms);
	mem_unlock();
	if (!found)
		VDK_LOG(ERR, MEMORY, "segment %p is not an EAL segment", (const void *)ms);
}

int
vdk_memseg_fd(const struct vdk_memseg *ms)
{
	if (ms == NULL)
		return -EINVAL;
	/* The segment is the first member of its eal_seg. */
	return ((const struct eal_seg *)ms)->fd >= 0 ? ((const struct eal_seg *)ms)->fd
						     : -ENOTSUP;
}

int
vdk_memseg_walk(vdk_memseg_walk_t fn, void *arg)
{
	unsigned int i;
	int ret = 0;

	if (fn == NULL)
		return -EINVAL;
	mem_lock();
	for (i = 0; i < mem.nb_segs && ret == 0; i++)
		ret = fn(&mem.segs[i]->ms, arg);
	mem_unlock();
	return ret;
}

/*
 * The live segment whose granule holds @a, or NULL; *inside tells whether
 * @a is in the window at all. The acquire load of the window's length
 * pairs with its release store at init.
 */
static inline struct eal_seg *
window_lookup(uintptr_t a, bool *inside)
{
	size_t len = __atomic_load_n(&win.len, __ATOMIC_ACQUIRE);
	uintptr_t off = a - LOAD(win.base);

	*inside = off < len;
	if (!*inside)
		return NULL;
	return __atomic_load_n(&LOAD(win.lookup)[off >> GRANULE_SHIFT], __ATOMIC_ACQUIRE);
}

const struct vdk_memseg *
vdk_mem_virt2memseg(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	bool inside;
	struct eal_seg *s = window_lookup(a, &inside);

	/* The last granule of a --no-huge segment may hold only its head. */
	if (s == NULL || a - (uintptr_t)LOAD(s->ms.addr) >= LOAD(s->ms.len))
		return NULL;
	return &s->ms;
}

bool
eal_mem_window_iova(const void *addr, uint64_t *iova)
{
	uintptr_t a = (uintptr_t)addr, off;
	const uint64_t *page_iova;
	struct eal_seg *s;
	bool inside;
	uint64_t io;
	uint32_t seq;

	s = window_lookup(a, &inside);
	if (!inside)
		return false;
	*iova = VDK_BAD_IOVA;
	if (s == NULL)
		return true;
	seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if ((seq & 1) == 0)
		return true;
	off = a - (uintptr_t)LOAD(s->ms.addr);
	if (off >= LOAD(s->ms.len))
		return true;
	io = LOAD(s->ms.iova);
	if (io != VDK_BAD_IOVA) {
		io += off;
	} else {
		unsigned int shift = LOAD(win.page_shift);

		page_iova = LOAD(s->ms.page_iova);
		io = LOAD(page_iova[off >> shift]) + (off & ((1ull << shift) - 1));
	}
	/* Pairs with the release fence of seg_unpublish(). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (LOAD(s->seq) != seq)
		return true;	/* freed while we looked */
	*iova = io;
	return true;
}

int
vdk_mem_event_callback_register(const char *name, vdk_mem_event_cb_t cb, void *arg)
{
	unsigned int i;
	int ret = 0;

	if (name == NULL || cb == NULL || name[0] == '\0' ||
	    strlen(name) >= CALLBACK_NAMESIZE)
		return -EINVAL;
	mem_lock();
	for (i = 0; i < mem.nb_cbs; i++) {
		if (strcmp(mem.cbs[i].name, name) == 0) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (mem.nb_cbs == MAX_MEM_CALLBACKS) {
		VDK_LOG(ERR, MEMORY, "cannot register memory callback \"%s\": all %d slots "
			"are taken", name, MAX_MEM_CALLBACKS);
		ret = -ENOSPC;
		goto out;
	}
	snprintf(mem.cbs[i].name, sizeof(mem.cbs[i].name), "%s", name);
	mem.cbs[i].cb = cb;
	mem.cbs[i].arg = arg;
	mem.nb_cbs++;
out:
	mem_unlock();
	return ret;
}

int
vdk_mem_event_callback_unregister(const char *name)
{
	unsigned int i;
	int ret = -ENOENT;

	if (name == NULL)
		return -ENOENT;
	mem_lock();
	for (i = 0; i < mem.nb_cbs; i++) {
		if (strcmp(mem.cbs[i].name, name) != 0)
			continue;
		/* Keep the order: FREE events run last-registered first. */
		memmove(&mem.cbs[i], &mem.cbs[i + 1], (mem.nb_cbs - i - 1) * sizeof(mem.cbs[0]));
		mem.nb_cbs--;
		ret = 0;
		break;
	}
	mem_unlock();
	return ret;
}

void
vdk_memory_usage(size_t *total, size_t *in_use)
{
	mem_lock();
	if (total != NULL)
		*total = mem.total;
	if (in_use != NULL)
		*in_use = mem.in_use;
	mem_unlock();
}

/*
 * Bytes to reserve up front on each node: --socket-mem as given, -m split
 * evenly over the nodes of the enabled lcores (the caller's node if none).
 */
static int
upfront_sizes(const struct eal_config *cfg, size_t mb[EAL_MAX_NUMA_NODES])
{
	bool used[EAL_MAX_NUMA_NODES] = { false };
	unsigned int i, nb_nodes = 0;
	int n;

	memset(mb, 0, EAL_MAX_NUMA_NODES * sizeof(mb[0]));
	if (cfg->socket_mem_set) {
		for (n = 0; n < EAL_MAX_NUMA_NODES; n++) {
			if (cfg->socket_mem_mb[n] == 0)
				continue;
			if (!eal_numa_node_valid(n)) {
				VDK_LOG(ERR, MEMORY, "--socket-mem asks for %zu MiB on NUMA node "
					"%d, which has no memory or does not exist",
					cfg->socket_mem_mb[n], n);
				return -EINVAL;
			}
			mb[n] = cfg->socket_mem_mb[n];
		}
		return 0;
	}
	if (cfg->mem_mb == 0)
		return 0;
	for (i = 0; i < VDK_MAX_LCORE; i++) {
		if (!cfg->lcore_enabled[i] || numa_available() < 0)
			continue;
		n = numa_node_of_cpu((int)cfg->lcore_cpu[i]);
		if (eal_numa_node_valid(n) && !used[n]) {
			used[n] = true;
			nb_nodes++;
		}
	}
	if (nb_nodes == 0) {
		used[eal_numa_caller_node()] = true;
		nb_nodes = 1;
	}
	for (n = 0; n < EAL_MAX_NUMA_NODES; n++)
		if (used[n])
			mb[n] = (cfg->mem_mb + nb_nodes - 1) / nb_nodes;
	return 0;
}

static void
free_all_segments(void)
{
	mem_lock();
	while (mem.nb_segs > 0)
		seg_remove(mem.segs[mem.nb_segs - 1]);
	free(mem.segs);
	mem.segs = NULL;
	mem.cap_segs = 0;
	mem.total = 0;
	mem.in_use = 0;
	mem_unlock();
}

int
eal_memory_init(const struct eal_config *cfg)
{
	size_t mb[EAL_MAX_NUMA_NODES], upfront = 0;
	uint64_t page_sz = 0;
	char sz[32];
	int ret, n;

	if (cfg == NULL)
		return -EINVAL;
	mem_lock();
	if (mem.initialised) {
		mem_unlock();
		return -EALREADY;
	}
	mem_unlock();

	ret = upfront_sizes(cfg, mb);
	if (ret < 0)
		return ret;
	for (n = 0; n < EAL_MAX_NUMA_NODES; n++)
		upfront += mb[n] << 20;
	ret = eal_backing_init(cfg, &page_sz);
	if (ret == 0)
		ret = window_init(page_sz, upfront);
	if (ret < 0) {
		eal_backing_cleanup();
		return ret;
	}
	mem_lock();
	mem.page_sz = page_sz;
	mem.iova_pa = cfg->iova_mode == VDK_IOVA_PA;
	mem.initialised = true;
	mem_unlock();

	for (n = 0; n < EAL_MAX_NUMA_NODES; n++) {
		if (mb[n] == 0)
			continue;
		if (seg_alloc(mb[n] << 20, n, true, &ret) == NULL)
			goto fail;
	}
	VDK_LOG(INFO, MEMORY, "%s pages%s, IOVA as %s, %zu MiB reserved, room for %zu GiB",
		eal_page_sz_str(page_sz, sz, sizeof(sz)),
		!cfg->no_huge ? "" : mem.iova_pa ? " (--no-huge, locked)" :
		" (--no-huge, locked as they fault in)", mem.iova_pa ? "PA" : "VA",
		mem.total >> 20, win.len >> 30);
	return 0;
fail:
	eal_memory_cleanup();
	return ret;
}

void
eal_memory_cleanup(void)
{
	free_all_segments();
	mem_lock();
	window_fini();
	mem.initialised = false;
	mem.page_sz = 0;
	mem.iova_pa = false;
	mem_unlock();
	eal_backing_cleanup();
}
