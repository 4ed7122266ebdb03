/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL memory segments: the table of every mapping the EAL hands out, their
 * IOVAs, the callbacks lib/dma uses to map them for devices, and the
 * up-front reservation of -m / --socket-mem.
 *
 * Without -m the table starts empty and the heap adds segments as it needs
 * them (eal_memseg_alloc) and removes those that fall empty; with -m the
 * reserved segments are pinned and stay until cleanup.
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
#include <unistd.h>

#include "eal_memory_internal.h"
#include "vdk_log.h"
#include "vdk_memory.h"

#define MAX_MEM_CALLBACKS 16
#define CALLBACK_NAMESIZE 64

/* Pagemap entry: bit 63 page present, bits 0-54 page frame number. */
#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_PFN_MASK ((1ull << 55) - 1)

struct eal_seg {
	struct vdk_memseg ms; /* what callers see; first so the cast is free */
	uint64_t *page_iova;
	bool pinned;
};

struct mem_callback {
	char name[CALLBACK_NAMESIZE];
	vdk_mem_event_cb_t cb;
	void *arg;
};

static struct {
	/*
	 * Recursive, so that an event callback may walk the segments or look
	 * one up while the table is locked for the event.
	 */
	pthread_mutex_t lock;
	bool initialised;
	bool iova_pa;
	uint64_t page_sz;
	struct eal_seg **segs;
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

/* Record each page's IOVA; in PA mode read them from pagemap. */
static int
seg_fill_iova(struct eal_seg *s)
{
	size_t i, n = s->ms.len / s->ms.page_sz;
	bool contiguous = true;
	int fd = -1;

	s->page_iova = malloc(n * sizeof(*s->page_iova));
	if (s->page_iova == NULL) {
		VDK_LOG(ERR, MEMORY, "no memory for the page table of a %zu KiB segment",
			s->ms.len >> 10);
		return -ENOMEM;
	}
	if (mem.iova_pa)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < n; i++) {
		uintptr_t va = (uintptr_t)s->ms.addr + i * s->ms.page_sz;

		if (!mem.iova_pa) {
			s->page_iova[i] = (uint64_t)va;
			continue;
		}
		s->page_iova[i] = fd < 0 ? VDK_BAD_IOVA : pagemap_phys(fd, va);
		if (s->page_iova[i] == VDK_BAD_IOVA) {
			VDK_LOG(ERR, MEMORY, "cannot read the physical address of %p from "
				"/proc/self/pagemap (IOVA mode PA needs CAP_SYS_ADMIN): run "
				"as root or use --iova-mode va", (void *)va);
			if (fd >= 0)
				close(fd);
			free(s->page_iova);
			s->page_iova = NULL;
			return -EACCES;
		}
		if (i > 0 && s->page_iova[i] != s->page_iova[i - 1] + s->ms.page_sz)
			contiguous = false;
	}
	if (fd >= 0)
		close(fd);
	s->ms.iova = contiguous ? s->page_iova[0] : VDK_BAD_IOVA;
	s->ms.page_iova = s->page_iova;
	return 0;
}

static void
seg_destroy(struct eal_seg *s)
{
	eal_backing_unmap(s->ms.addr, s->ms.len);
	free(s->page_iova);
	free(s);
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

static struct eal_seg *
seg_alloc(size_t len, int socket_id, bool pinned, int *errp)
{
	struct eal_seg *s;
	unsigned int i;
	int ret;

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
	if (len == 0 || len > SIZE_MAX - mem.page_sz) {
		*errp = -EINVAL;
		return NULL;
	}
	len = VDK_ALIGN_CEIL(len, (size_t)mem.page_sz);

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		*errp = -ENOMEM;
		return NULL;
	}
	s->pinned = pinned;
	s->ms.len = len;
	s->ms.page_sz = mem.page_sz;
	s->ms.socket_id = socket_id;
	s->ms.addr = eal_backing_map(len, socket_id);
	if (s->ms.addr == NULL) {
		*errp = errno == ENOSPC ? -ENOMEM : -errno;
		free(s);
		return NULL;
	}
	ret = seg_fill_iova(s);
	if (ret < 0)
		goto unmap;

	mem_lock();
	ret = table_add(s);
	if (ret < 0) {
		mem_unlock();
		VDK_LOG(ERR, MEMORY, "no memory to grow the segment table");
		goto unmap;
	}
	for (i = 0; i < mem.nb_cbs; i++) {
		if (mem.cbs[i].cb(VDK_MEM_EVENT_ALLOC, &s->ms, mem.cbs[i].arg) != 0) {
			VDK_LOG(ERR, MEMORY, "memory callback \"%s\" refused a %zu KiB segment "
				"at %p", mem.cbs[i].name, len >> 10, s->ms.addr);
			notify_free(s, i);
			mem.nb_segs--;
			mem.total -= len;
			mem_unlock();
			ret = -ENOMEM;
			goto unmap;
		}
	}
	mem_unlock();
	VDK_LOG(DEBUG, MEMORY, "segment %p + %zu KiB on node %d, iova 0x%" PRIx64,
		s->ms.addr, len >> 10, socket_id, s->ms.iova);
	return s;
unmap:
	seg_destroy(s);
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

/* Take @s out of the table and tell the callbacks; false if it is not there. */
static bool
table_remove(struct eal_seg *s)
{
	unsigned int i;

	for (i = 0; i < mem.nb_segs; i++) {
		if (mem.segs[i] != s)
			continue;
		notify_free(s, mem.nb_cbs);
		mem.segs[i] = mem.segs[--mem.nb_segs];
		mem.total -= s->ms.len;
		return true;
	}
	return false;
}

void
eal_memseg_free(const struct vdk_memseg *ms)
{
	struct eal_seg *s = (struct eal_seg *)(uintptr_t)ms;
	bool found;

	if (ms == NULL)
		return;
	mem_lock();
	found = table_remove(s);
	mem_unlock();
	if (!found) {
		VDK_LOG(ERR, MEMORY, "segment %p is not an EAL segment", (const void *)ms);
		return;
	}
	seg_destroy(s);
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

const struct vdk_memseg *
vdk_mem_virt2memseg(const void *addr)
{
	const struct vdk_memseg *found = NULL;
	uintptr_t a = (uintptr_t)addr;
	unsigned int i;

	mem_lock();
	for (i = 0; i < mem.nb_segs; i++) {
		const struct vdk_memseg *ms = &mem.segs[i]->ms;

		if (a >= (uintptr_t)ms->addr && a - (uintptr_t)ms->addr < ms->len) {
			found = ms;
			break;
		}
	}
	mem_unlock();
	return found;
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
	while (mem.nb_segs > 0) {
		struct eal_seg *s = mem.segs[mem.nb_segs - 1];

		table_remove(s);
		seg_destroy(s);
	}
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
	size_t mb[EAL_MAX_NUMA_NODES];
	uint64_t page_sz = 0;
	char sz[16];
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
	ret = eal_backing_init(cfg, &page_sz);
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
	VDK_LOG(INFO, MEMORY, "%s pages%s, IOVA as %s, %zu MiB reserved", eal_page_sz_str(page_sz, sz, sizeof(sz)),
		cfg->no_huge ? " (--no-huge, locked)" : "", mem.iova_pa ? "PA" : "VA",
		mem.total >> 20);
	return 0;
fail:
	eal_memory_cleanup();
	return ret;
}

void
eal_memory_cleanup(void)
{
	free_all_segments();
	eal_backing_cleanup();
	mem_lock();
	mem.initialised = false;
	mem.page_sz = 0;
	mem.iova_pa = false;
	mem_unlock();
}
