/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring control path: sizing, initialisation, and rings that live in named
 * memzones. The datapath is inline in vdk_ring.h.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vdk_log.h"
#include "vdk_memzone.h"
#include "vdk_ring.h"

/* A ring's memzone is its name behind this prefix, so rings have a namespace. */
#define RING_MZ_PREFIX "RG_"

#define RING_KNOWN_FLAGS (VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ | VDK_RING_F_EXACT_SZ)

static_assert(sizeof(struct vdk_ring) % VDK_CACHE_LINE_SIZE == 0,
	      "the slots must start on a cache line");
/*
 * Header, producer head, producer tail, consumer head, consumer tail: one
 * aligned 128-byte pair each (vdk_ring.h says why).
 */
#define RING_PAIR (2 * VDK_CACHE_LINE_SIZE)
static_assert(offsetof(struct vdk_ring, prod.head) >= RING_PAIR &&
	      offsetof(struct vdk_ring, prod.tail) - offsetof(struct vdk_ring, prod.head) >= RING_PAIR &&
	      offsetof(struct vdk_ring, cons.head) - offsetof(struct vdk_ring, prod.tail) >= RING_PAIR &&
	      offsetof(struct vdk_ring, cons.tail) - offsetof(struct vdk_ring, cons.head) >= RING_PAIR &&
	      sizeof(struct vdk_ring) - offsetof(struct vdk_ring, cons.tail) >= RING_PAIR,
	      "each head and tail needs a 128-byte pair of its own");
static_assert(sizeof(RING_MZ_PREFIX) - 1 + VDK_RING_NAMESIZE == VDK_MEMZONE_NAMESIZE,
	      "a ring name must fit in a memzone name after the prefix");

/* Slots for @count with @flags, or 0 (and a log line) if they are invalid. */
static uint32_t
ring_slots_for(unsigned int count, unsigned int flags, const char *name)
{
	if (flags & ~RING_KNOWN_FLAGS) {
		VDK_LOG(ERR, RING, "ring %s: unknown flags 0x%x", name, flags & ~RING_KNOWN_FLAGS);
		return 0;
	}
	if (count == 0 || count > VDK_RING_SZ_MAX) {
		VDK_LOG(ERR, RING, "ring %s: count %u out of range 1..%u", name, count,
			VDK_RING_SZ_MAX);
		return 0;
	}
	if (flags & VDK_RING_F_EXACT_SZ)
		return vdk_align32pow2(count);
	if (!VDK_IS_POWER_OF_2(count)) {
		VDK_LOG(ERR, RING, "ring %s: count %u is not a power of two; "
			"round it up or pass VDK_RING_F_EXACT_SZ", name, count);
		return 0;
	}
	return count;
}

ssize_t
vdk_ring_get_memsize(unsigned int count, unsigned int flags)
{
	uint32_t slots = ring_slots_for(count, flags, "(size)");

	if (slots == 0)
		return -EINVAL;
	return (ssize_t)(sizeof(struct vdk_ring) + (size_t)slots * sizeof(void *));
}

static int
ring_check_name(const char *name)
{
	if (name == NULL || name[0] == '\0') {
		VDK_LOG(ERR, RING, "ring name is %s", name == NULL ? "NULL" : "empty");
		return -EINVAL;
	}
	if (strnlen(name, VDK_RING_NAMESIZE) >= VDK_RING_NAMESIZE) {
		VDK_LOG(ERR, RING, "ring name %.*s... is too long: at most %d characters",
			VDK_RING_NAMESIZE - 1, name, VDK_RING_NAMESIZE - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

int
vdk_ring_init(struct vdk_ring *r, const char *name, unsigned int count, unsigned int flags)
{
	uint32_t slots;
	int ret;

	ret = ring_check_name(name);
	if (ret < 0)
		return ret;
	if (r == NULL) {
		VDK_LOG(ERR, RING, "ring %s: NULL memory given to vdk_ring_init", name);
		return -EINVAL;
	}
	slots = ring_slots_for(count, flags, name);
	if (slots == 0)
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->flags = flags;
	r->size = slots;
	r->mask = slots - 1;
	r->capacity = count;
	r->prod.single = !!(flags & VDK_RING_F_SP_ENQ);
	r->cons.single = !!(flags & VDK_RING_F_SC_DEQ);
	return 0;
}

struct vdk_ring *
vdk_ring_create(const char *name, unsigned int count, int socket_id, unsigned int flags)
{
	char mz_name[VDK_MEMZONE_NAMESIZE];
	const struct vdk_memzone *mz;
	struct vdk_ring *r;
	ssize_t size;
	int ret;

	ret = ring_check_name(name);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	size = vdk_ring_get_memsize(count, flags);
	if (size < 0) {
		/* ring_slots_for() logged why, without the name: add it. */
		VDK_LOG(ERR, RING, "ring %s not created", name);
		errno = EINVAL;
		return NULL;
	}
	snprintf(mz_name, sizeof(mz_name), RING_MZ_PREFIX "%s", name);
	/* Two lines: the heads and tails each have an aligned 128-byte pair. */
	mz = vdk_memzone_reserve_aligned(mz_name, (size_t)size, socket_id, 0,
					 2 * VDK_CACHE_LINE_SIZE);
	if (mz == NULL) {
		ret = errno;
		if (ret == EEXIST)
			VDK_LOG(ERR, RING, "ring %s: the name is taken", name);
		else
			VDK_LOG(ERR, RING, "ring %s: cannot reserve %zd bytes on socket %d: %s",
				name, size, socket_id, strerror(ret));
		errno = ret;
		return NULL;
	}
	r = mz->addr;
	/* Cannot fail: name and size were checked above. */
	vdk_ring_init(r, name, count, flags);
	r->memzone = mz;
	return r;
}

int
vdk_ring_free(struct vdk_ring *r)
{
	if (r == NULL)
		return 0;
	if (r->memzone == NULL) {
		VDK_LOG(ERR, RING, "ring %s was not made by vdk_ring_create: "
			"its memory belongs to the caller", r->name);
		return -EINVAL;
	}
	return vdk_memzone_free(r->memzone);
}

struct vdk_ring *
vdk_ring_lookup(const char *name)
{
	char mz_name[VDK_MEMZONE_NAMESIZE];
	const struct vdk_memzone *mz;

	if (name == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (strnlen(name, VDK_RING_NAMESIZE) >= VDK_RING_NAMESIZE) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(mz_name, sizeof(mz_name), RING_MZ_PREFIX "%s", name);
	mz = vdk_memzone_lookup(mz_name);
	if (mz == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return mz->addr;
}

void
vdk_ring_reset(struct vdk_ring *r)
{
	r->prod.head = r->prod.tail = 0;
	r->cons.head = r->cons.tail = 0;
}

void
vdk_ring_dump(FILE *f, const struct vdk_ring *r)
{
	fprintf(f, "ring %s@%p: size %" PRIu32 " capacity %" PRIu32 " flags 0x%x\n"
		"  prod head %" PRIu32 " tail %" PRIu32 " %s\n"
		"  cons head %" PRIu32 " tail %" PRIu32 " %s\n"
		"  used %u free %u\n",
		r->name, (const void *)r, r->size, r->capacity, r->flags,
		__atomic_load_n(&r->prod.head, __ATOMIC_RELAXED),
		__atomic_load_n(&r->prod.tail, __ATOMIC_RELAXED),
		r->prod.single ? "single" : "multi",
		__atomic_load_n(&r->cons.head, __ATOMIC_RELAXED),
		__atomic_load_n(&r->cons.tail, __ATOMIC_RELAXED),
		r->cons.single ? "single" : "multi",
		vdk_ring_count(r), vdk_ring_free_count(r));
}
