/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL heap: one heap a NUMA node over the memory segments of that node.
 *
 * Every block starts with a one-cache-line header holding its own size and
 * the size of the block before it (boundary tags), so that a freed block
 * merges with both neighbours in constant time. Free blocks sit in lists
 * by power-of-two size class; allocation takes the first block that fits,
 * alignment and IOVA contiguity included. A segment that falls wholly free
 * goes back to eal_memory.c unless it was reserved up front.
 *
 * This is a control-path allocator behind one mutex; the datapath uses
 * mempools.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eal_memory_internal.h"
#include "vdk_common.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"

#define HDR_SZ VDK_CACHE_LINE_SIZE
#define NB_BUCKETS 48
/* Smallest segment the heap asks for: fewer, larger IOMMU mappings. */
#define GROW_MIN ((size_t)2 << 20)

#define MAGIC_FREE 0x76646b46u /* "vdkF" */
#define MAGIC_USED 0x76646b55u /* "vdkU" */

struct heap;

/* A segment handed to the heap. Lives in libc memory, not in the segment. */
struct heap_seg {
	const struct vdk_memseg *ms;
	struct heap_seg *next;
	struct heap *heap;
	bool pinned;
};

struct blk {
	size_t size;       /* whole block, header included; multiple of HDR_SZ */
	size_t prev_size;  /* size of the block before; 0 for a segment's first */
	struct heap_seg *seg;
	uint32_t magic;
	uint32_t unused;
	struct blk *next;  /* free list links, when free */
	struct blk *prev;
	size_t req;        /* bytes asked for, when in use */
};
_Static_assert(sizeof(struct blk) <= HDR_SZ, "block header must fit a cache line");

struct heap {
	struct blk *free[NB_BUCKETS];
	struct heap_seg *segs;
};

static struct {
	pthread_mutex_t lock;
	struct heap heaps[EAL_MAX_NUMA_NODES];
	size_t used; /* bytes in used blocks, headers included */
} H = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uintptr_t
seg_end(const struct heap_seg *hs)
{
	return (uintptr_t)hs->ms->addr + hs->ms->len;
}

static unsigned int
bucket_of(size_t size)
{
	size_t units = size / HDR_SZ;
	unsigned int b = 63 - (unsigned int)__builtin_clzll(units);

	return b < NB_BUCKETS ? b : NB_BUCKETS - 1;
}

static struct blk *
blk_next(const struct blk *b)
{
	uintptr_t n = (uintptr_t)b + b->size;

	return n < seg_end(b->seg) ? (struct blk *)n : NULL;
}

static struct blk *
blk_prev(const struct blk *b)
{
	return b->prev_size ? (struct blk *)((uintptr_t)b - b->prev_size) : NULL;
}

/* Set @b's size and keep the next block's boundary tag in step. */
static void
blk_set_size(struct blk *b, size_t size)
{
	struct blk *n;

	b->size = size;
	n = blk_next(b);
	if (n != NULL)
		n->prev_size = size;
}

static void
free_insert(struct heap *h, struct blk *b)
{
	unsigned int k = bucket_of(b->size);

	b->magic = MAGIC_FREE;
	b->prev = NULL;
	b->next = h->free[k];
	if (b->next != NULL)
		b->next->prev = b;
	h->free[k] = b;
}

static void
free_remove(struct heap *h, struct blk *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		h->free[bucket_of(b->size)] = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	b->next = b->prev = NULL;
}

/*
 * First address at or after @data where @len bytes do not cross a page
 * boundary between pages that are not IOVA-contiguous; 0 if @data is fine.
 */
static uintptr_t
iova_break(const struct vdk_memseg *ms, uintptr_t data, size_t len)
{
	uintptr_t base = (uintptr_t)ms->addr;
	size_t i, first, last;

	if (ms->iova != VDK_BAD_IOVA)
		return 0;
	first = (data - base) / ms->page_sz;
	last = (data + len - 1 - base) / ms->page_sz;
	for (i = first; i < last; i++)
		if (ms->page_iova[i + 1] != ms->page_iova[i] + ms->page_sz)
			return base + (i + 1) * ms->page_sz;
	return 0;
}

/* Where in free block @b a block for @size bytes aligned to @align can start, or 0. */
static uintptr_t
blk_fit(const struct blk *b, size_t size, size_t align)
{
	uintptr_t end = (uintptr_t)b + b->size;
	size_t need = HDR_SZ + VDK_ALIGN_CEIL(size, (size_t)HDR_SZ);
	uintptr_t h = VDK_ALIGN_CEIL((uintptr_t)b + HDR_SZ, align) - HDR_SZ;

	for (;;) {
		uintptr_t brk;

		if (h < (uintptr_t)b || h > end || end - h < need)
			return 0;
		brk = iova_break(b->seg->ms, h + HDR_SZ, size);
		if (brk == 0)
			return h;
		/* Start the data on the page after the break. */
		h = VDK_ALIGN_CEIL(brk, align) - HDR_SZ;
	}
}

/* Cut a used block for @size bytes out of free block @b at @h. */
static struct blk *
blk_carve(struct heap *h, struct blk *b, uintptr_t at, size_t size)
{
	size_t need = HDR_SZ + VDK_ALIGN_CEIL(size, (size_t)HDR_SZ);
	uintptr_t end = (uintptr_t)b + b->size;
	struct heap_seg *hs = b->seg;
	struct blk *u = b;

	free_remove(h, b);
	if (at != (uintptr_t)b) {
		/* The gap before an aligned block stays free on its own. */
		u = (struct blk *)at;
		u->seg = hs;
		u->prev_size = at - (uintptr_t)b;
		blk_set_size(b, at - (uintptr_t)b);
		free_insert(h, b);
	}
	blk_set_size(u, end - at);
	if (u->size - need >= HDR_SZ) {
		struct blk *t = (struct blk *)(at + need);

		t->seg = hs;
		blk_set_size(u, need);
		t->prev_size = need;
		blk_set_size(t, end - (at + need));
		free_insert(h, t);
	}
	u->magic = MAGIC_USED;
	u->next = u->prev = NULL;
	u->req = size;
	H.used += u->size;
	eal_memory_in_use_add((ptrdiff_t)u->size);
	return u;
}

static void *
heap_take(struct heap *h, size_t size, size_t align)
{
	unsigned int k;

	for (k = bucket_of(HDR_SZ + VDK_ALIGN_CEIL(size, (size_t)HDR_SZ)); k < NB_BUCKETS; k++) {
		struct blk *b;

		for (b = h->free[k]; b != NULL; b = b->next) {
			uintptr_t at = blk_fit(b, size, align);

			if (at != 0)
				return (char *)blk_carve(h, b, at, size) + HDR_SZ;
		}
	}
	return NULL;
}

static struct heap_seg *
heap_add_seg(struct heap *h, const struct vdk_memseg *ms, bool pinned)
{
	struct heap_seg *hs = calloc(1, sizeof(*hs));
	struct blk *b = ms->addr;

	if (hs == NULL)
		return NULL;
	hs->ms = ms;
	hs->heap = h;
	hs->pinned = pinned;
	hs->next = h->segs;
	h->segs = hs;
	b->seg = hs;
	b->prev_size = 0;
	b->size = ms->len;
	b->req = 0;
	free_insert(h, b);
	return hs;
}

/* Give an empty segment back; @b is its one free block, not in a list. */
static void
heap_drop_seg(struct heap *h, struct heap_seg *hs)
{
	struct heap_seg **pp;

	for (pp = &h->segs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == hs) {
			*pp = hs->next;
			break;
		}
	}
	((struct blk *)hs->ms->addr)->magic = 0;
	eal_memseg_free(hs->ms);
	free(hs);
}

/* Add a segment big enough for @size at @align, then allocate from it. */
static void *
heap_grow(struct heap *h, int node, size_t size, size_t align)
{
	const struct vdk_memseg *ms;
	struct heap_seg *hs;
	struct blk *b;
	size_t len;
	void *p;

	if (size > SIZE_MAX / 2 - align - 2 * HDR_SZ) {
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * A fresh segment starts page-aligned: the data lands at its first
	 * aligned address past one header, so header and gap fit in
	 * max(align, header). A 2 MiB - 64 block then needs one 2 MiB page.
	 */
	len = VDK_MAX(VDK_ALIGN_CEIL(size, (size_t)HDR_SZ) + VDK_MAX(align, (size_t)HDR_SZ),
		      GROW_MIN);
	ms = eal_memseg_alloc(len, node);
	if (ms == NULL)
		return NULL;
	hs = heap_add_seg(h, ms, false);
	if (hs == NULL) {
		eal_memseg_free(ms);
		errno = ENOMEM;
		return NULL;
	}
	b = ms->addr;
	if (blk_fit(b, size, align) != 0) {
		p = heap_take(h, size, align);
		if (p != NULL)
			return p;
	}
	/* Only PA mode gets here: no run of IOVA-contiguous pages is that long. */
	VDK_LOG(ERR, MALLOC, "no %zu IOVA-contiguous bytes in a fresh segment of %" PRIu64
		" KiB pages (IOVA mode PA): use larger hugepages or IOVA mode VA",
		size, ms->page_sz >> 10);
	free_remove(h, b);
	heap_drop_seg(h, hs);
	errno = ENOMEM;
	return NULL;
}

/* Allocate on one node, growing its heap if needed; called locked. */
static void *
alloc_on_node(int node, size_t size, size_t align)
{
	struct heap *h = &H.heaps[node];
	void *p = heap_take(h, size, align);

	if (p == NULL)
		p = heap_grow(h, node, size, align);
	return p;
}

void *
eal_malloc_alloc(size_t size, size_t align, int socket_id)
{
	int node, first;
	void *p = NULL;

	if (align == 0)
		align = VDK_CACHE_LINE_SIZE;
	if (size == 0 || !VDK_IS_POWER_OF_2(align) ||
	    (socket_id != VDK_SOCKET_ID_ANY && !eal_numa_node_valid(socket_id))) {
		errno = EINVAL;
		return NULL;
	}
	if (align < HDR_SZ)
		align = HDR_SZ;
	if (size > SIZE_MAX / 4 || align > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	if (eal_memory_page_sz() == 0) {
		VDK_LOG(ERR, MALLOC, "no EAL memory: call vdk_eal_init() first");
		errno = ENOMEM;
		return NULL;
	}

	first = socket_id == VDK_SOCKET_ID_ANY ? eal_numa_caller_node() : socket_id;
	pthread_mutex_lock(&H.lock);
	p = alloc_on_node(first, size, align);
	/* Any node will do: try the others before giving up. */
	for (node = 0; p == NULL && socket_id == VDK_SOCKET_ID_ANY &&
	     node < EAL_MAX_NUMA_NODES; node++) {
		if (node != first && eal_numa_node_valid(node))
			p = alloc_on_node(node, size, align);
	}
	pthread_mutex_unlock(&H.lock);
	/*
	 * VA-mode --no-huge segments get their pages as they are touched;
	 * a block is resident when handed out, so that its user takes no
	 * page fault later, in the datapath.
	 */
	if (p != NULL && eal_backing_populate(p, size) != 0) {
		vdk_free(p);
		p = NULL;
	}
	if (p == NULL) {
		VDK_LOG(DEBUG, MALLOC, "cannot allocate %zu bytes aligned to %zu on node %d",
			size, align, socket_id);
		errno = ENOMEM;
	}
	return p;
}

void *
vdk_malloc_socket(const char *type, size_t size, unsigned int align, int socket_id)
{
	(void)type;
	return eal_malloc_alloc(size, align, socket_id);
}

void *
vdk_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket_id)
{
	void *p = vdk_malloc_socket(type, size, align, socket_id);

	/* Blocks are reused, so fresh zeroed pages cannot be relied on. */
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void *
vdk_malloc(const char *type, size_t size, unsigned int align)
{
	return vdk_malloc_socket(type, size, align, VDK_SOCKET_ID_ANY);
}

void *
vdk_zmalloc(const char *type, size_t size, unsigned int align)
{
	return vdk_zmalloc_socket(type, size, align, VDK_SOCKET_ID_ANY);
}

void *
vdk_calloc(const char *type, size_t num, size_t size, unsigned int align)
{
	size_t total;

	if (__builtin_mul_overflow(num, size, &total)) {
		errno = EINVAL;
		return NULL;
	}
	return vdk_zmalloc(type, total, align);
}

/* The heap's record of segment @ms, or NULL if the heap does not own it. */
static struct heap_seg *
heap_seg_of(const struct vdk_memseg *ms)
{
	struct heap_seg *hs;
	int node;

	for (node = 0; node < EAL_MAX_NUMA_NODES; node++)
		for (hs = H.heaps[node].segs; hs != NULL; hs = hs->next)
			if (hs->ms == ms)
				return hs;
	return NULL;
}

/* The used block of @ptr, or NULL (logged) if @ptr is not a live heap block. */
static struct blk *
blk_of(void *ptr)
{
	struct blk *b = (struct blk *)((uintptr_t)ptr - HDR_SZ);
	const struct vdk_memseg *ms = vdk_mem_virt2memseg(b);

	if (ms == NULL || ((uintptr_t)ptr & (HDR_SZ - 1)) != 0) {
		VDK_LOG(ERR, MALLOC, "vdk_free(%p): not memory from vdk_malloc", ptr);
		return NULL;
	}
	if (b->magic == MAGIC_FREE) {
		VDK_LOG(ERR, MALLOC, "vdk_free(%p): freed twice", ptr);
		return NULL;
	}
	if (b->magic != MAGIC_USED || b->seg != heap_seg_of(ms)) {
		VDK_LOG(ERR, MALLOC, "vdk_free(%p): not the start of a heap block, or its "
			"header was overwritten", ptr);
		return NULL;
	}
	return b;
}

void
vdk_free(void *ptr)
{
	struct blk *b, *n, *p;
	struct heap_seg *hs;
	struct heap *h;

	if (ptr == NULL)
		return;
	pthread_mutex_lock(&H.lock);
	b = blk_of(ptr);
	if (b == NULL)
		goto out;
	hs = b->seg;
	h = hs->heap;
	H.used -= b->size;
	eal_memory_in_use_add(-(ptrdiff_t)b->size);
	b->magic = MAGIC_FREE;
	b->req = 0;

	n = blk_next(b);
	if (n != NULL && n->magic == MAGIC_FREE) {
		free_remove(h, n);
		n->magic = 0;
		blk_set_size(b, b->size + n->size);
	}
	p = blk_prev(b);
	if (p != NULL && p->magic == MAGIC_FREE) {
		free_remove(h, p);
		b->magic = 0;
		blk_set_size(p, p->size + b->size);
		b = p;
	}
	if (b->size == hs->ms->len && !hs->pinned)
		heap_drop_seg(h, hs);
	else
		free_insert(h, b);
out:
	pthread_mutex_unlock(&H.lock);
}

uint64_t
vdk_malloc_virt2iova(const void *addr)
{
	const struct vdk_memseg *ms = vdk_mem_virt2memseg(addr);

	if (ms == NULL)
		return VDK_BAD_IOVA;
	return vdk_memseg_addr2iova(ms, addr);
}

static int
adopt_seg(const struct vdk_memseg *ms, void *arg)
{
	(void)arg;
	if (!eal_memseg_pinned(ms))
		return 0;
	if (heap_add_seg(&H.heaps[ms->socket_id], ms, true) == NULL) {
		VDK_LOG(ERR, MALLOC, "no memory to set up the heap");
		return -ENOMEM;
	}
	return 0;
}

static void
heaps_forget(void)
{
	int node;

	for (node = 0; node < EAL_MAX_NUMA_NODES; node++) {
		struct heap *h = &H.heaps[node];

		while (h->segs != NULL) {
			struct heap_seg *hs = h->segs;

			h->segs = hs->next;
			/*
			 * Grown segments go back now if eal_memory_cleanup() has not
			 * taken them already; reserved ones stay with eal_memory.c.
			 */
			if (!hs->pinned && vdk_mem_virt2memseg(hs->ms->addr) == hs->ms)
				eal_memseg_free(hs->ms);
			free(hs);
		}
		memset(h->free, 0, sizeof(h->free));
	}
	eal_memory_in_use_add(-(ptrdiff_t)H.used);
	H.used = 0;
}

int
eal_malloc_init(void)
{
	int ret;

	pthread_mutex_lock(&H.lock);
	heaps_forget();
	/* The segments reserved up front (-m) are the heap's first memory. */
	ret = vdk_memseg_walk(adopt_seg, NULL);
	if (ret != 0)
		heaps_forget();
	pthread_mutex_unlock(&H.lock);
	return ret;
}

void
eal_malloc_cleanup(void)
{
	size_t in_use = 0;

	vdk_memory_usage(NULL, &in_use);
	if (in_use > 0)
		VDK_LOG(DEBUG, MALLOC, "%zu bytes still allocated at cleanup", in_use);
	pthread_mutex_lock(&H.lock);
	heaps_forget();
	pthread_mutex_unlock(&H.lock);
}
