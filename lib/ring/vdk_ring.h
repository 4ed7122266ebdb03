/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Rings: fixed-size lockless FIFOs of pointers.
 *
 * A ring has a producer side and a consumer side, each with a head (how far
 * threads on that side have claimed slots) and a tail (how far they have
 * finished with them). Producers move prod.head to claim free slots, write
 * them, then move prod.tail to hand them to consumers; consumers do the same
 * with cons.head and cons.tail. The indices run freely over all 32-bit values
 * and are masked only to address a slot, so a ring of size N holds N objects
 * (DPDK's rings keep one slot empty; these do not need to).
 *
 * Each side is single-threaded (SP, SC: plain stores) or multi-threaded (MP,
 * MC: a compare-and-swap on the head, then each thread waits for the threads
 * that claimed before it to publish). The _sp_/_mp_/_sc_/_mc_ functions pick
 * the mode explicitly; the plain ones follow the ring's flags.
 *
 * _bulk functions move all @p n objects or none; _burst functions move as
 * many as they can. The datapath functions are inline, take no locks and
 * make no system calls; they are safe on any thread, but a side used with
 * the single-thread functions must be used by one thread at a time.
 *
 * @code
 * struct vdk_ring *r = vdk_ring_create("rx0", 1024, VDK_SOCKET_ID_ANY,
 *					VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ);
 * if (r == NULL)
 *	return -errno;
 * n = vdk_ring_enqueue_burst(r, (void **)pkts, nb, NULL);
 * @endcode
 */
#ifndef VDK_RING_H
#define VDK_RING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vdk_common.h"
#include "vdk_memzone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Longest ring name, NUL included ("RG_" + name names its memzone). */
#define VDK_RING_NAMESIZE (VDK_MEMZONE_NAMESIZE - 3)

/** The default enqueue is single-producer. */
#define VDK_RING_F_SP_ENQ 0x0001u
/** The default dequeue is single-consumer. */
#define VDK_RING_F_SC_DEQ 0x0002u
/**
 * The ring holds exactly @p count objects for any @p count; the slot array
 * is rounded up to the next power of two. Without it @p count must be a
 * power of two.
 */
#define VDK_RING_F_EXACT_SZ 0x0004u

/** Largest ring size (slots). */
#define VDK_RING_SZ_MAX 0x80000000u

/**
 * One side of a ring. Its head and its tail each sit on a cache line of
 * their own, in an aligned 128-byte pair of their own (see struct vdk_ring).
 */
struct vdk_ring_headtail {
	uint32_t head;   /**< slots claimed by this side (atomic) */
	uint32_t single; /**< non-zero: the default functions use the single-thread mode */
	/** slots this side has finished with (atomic); the other side polls it */
	uint32_t tail __attribute__((aligned(2 * VDK_CACHE_LINE_SIZE)));
};

/**
 * A ring. The slots follow the structure in memory. Fields other than the
 * head/tail pairs are read-only after vdk_ring_init().
 */
struct vdk_ring {
	char name[VDK_RING_NAMESIZE];      /**< as given at creation, for logs and lookup */
	unsigned int flags;                /**< VDK_RING_F_* given at creation */
	const struct vdk_memzone *memzone; /**< NULL for vdk_ring_init() memory */
	uint32_t size;                     /**< slots, a power of two */
	uint32_t mask;                     /**< size - 1 */
	uint32_t capacity;                 /**< objects it holds: count asked for */

	/*
	 * Each head, each tail and the header above has an aligned 128-byte
	 * pair to itself: a core that misses on one line of a pair may have
	 * the other fetched with it (the adjacent-line prefetcher), and the
	 * other line must not be one that another core writes.
	 * A side's tail is apart from its head because the other side polls
	 * the tail: on a shared line, every poll would take the head away
	 * from the MP/MC claim's compare-and-swap, which would then stall on
	 * fetching it back (test/bench/ring, mpmc two-core cases; DPDK keeps
	 * them together). The head line is written and read by its own side
	 * only, and so is its single flag.
	 */
	/** Producers' head and tail: enqueue moves them. */
	struct vdk_ring_headtail prod __attribute__((aligned(2 * VDK_CACHE_LINE_SIZE)));
	/** Consumers' head and tail: dequeue moves them. */
	struct vdk_ring_headtail cons __attribute__((aligned(2 * VDK_CACHE_LINE_SIZE)));
};

/**
 * Bytes a ring of @p count objects with @p flags needs (structure and slots),
 * for vdk_ring_init() on the caller's memory.
 * @return the size, or -EINVAL if @p count is 0, above VDK_RING_SZ_MAX, or
 *   not a power of two without VDK_RING_F_EXACT_SZ, or @p flags has unknown
 *   bits.
 */
ssize_t vdk_ring_get_memsize(unsigned int count, unsigned int flags);

/**
 * Initialise a ring in @p r, which has vdk_ring_get_memsize(count, flags)
 * bytes, aligned to 128 bytes (the alignment of struct vdk_ring: its heads
 * and tails each have a pair of cache lines). The ring is not registered:
 * it cannot be found by vdk_ring_lookup() and is not given to vdk_ring_free().
 * Not thread-safe with respect to users of @p r.
 * @return 0; -EINVAL for NULL @p r or @p name, an empty name, or a count
 *   or flags vdk_ring_get_memsize() rejects; -ENAMETOOLONG if @p name has
 *   VDK_RING_NAMESIZE characters or more.
 */
int vdk_ring_init(struct vdk_ring *r, const char *name, unsigned int count,
		  unsigned int flags);

/**
 * Create a ring of @p count objects in a memzone on NUMA node @p socket_id
 * (VDK_SOCKET_ID_ANY: any). Thread-safe.
 * @return the ring, or NULL with errno: EINVAL (as vdk_ring_init(), or bad
 *   socket), ENAMETOOLONG, EEXIST (a ring or memzone of that name exists),
 *   ENOMEM (no EAL memory: the log says what to do).
 */
struct vdk_ring *vdk_ring_create(const char *name, unsigned int count,
				 int socket_id, unsigned int flags);

/**
 * Free a ring made by vdk_ring_create(). Nobody may use it any more.
 * @return 0 (also for NULL); -EINVAL if @p r was not made by
 *   vdk_ring_create() (vdk_ring_init() memory belongs to its caller).
 */
int vdk_ring_free(struct vdk_ring *r);

/**
 * The ring vdk_ring_create() made under @p name. Thread-safe.
 * @return the ring, or NULL with errno ENOENT (no such ring) or EINVAL
 *   (NULL name).
 */
struct vdk_ring *vdk_ring_lookup(const char *name);

/**
 * Empty the ring. Not thread-safe: nobody may enqueue or dequeue meanwhile.
 */
void vdk_ring_reset(struct vdk_ring *r);

/** Print the ring's geometry and indices to @p f, for debugging. */
void vdk_ring_dump(FILE *f, const struct vdk_ring *r);

/** @cond internal */

/* How a call claims slots on its side: alone, or against other threads. */
enum vdk_ring_sync {
	VDK_RING_SYNC_MT, /* other threads of this side may claim at once */
	VDK_RING_SYNC_ST, /* this thread is the only one on this side */
};

/* How many of the n objects a call moves. */
enum vdk_ring_amount {
	VDK_RING_BULK,  /* all n or none */
	VDK_RING_BURST, /* as many as there are, up to n */
};

/* The mode of a side's default calls, as the ring's flags chose it. */
static vdk_always_inline enum vdk_ring_sync
vdk_ring_default_sync(const struct vdk_ring_headtail *ht)
{
	return ht->single ? VDK_RING_SYNC_ST : VDK_RING_SYNC_MT;
}

/* The slots follow the structure, whose size is a multiple of a cache line. */
static vdk_always_inline void **
vdk_ring_slots(const struct vdk_ring *r)
{
	return (void **)(uintptr_t)(r + 1);
}

/*
 * Claim up to @n slots on side @ht against the other side's tail @other.
 * @room is what the ring can hold from the other side's tail: the capacity
 * for producers (who need free slots), 0 for consumers (who need filled
 * ones). VDK_RING_BULK claims all @n or nothing. Returns what was claimed and
 * gives the old head, its slot index (the old head masked with @mask) and
 * what was there to claim before.
 */
static vdk_always_inline unsigned int
vdk_ring_move_head(struct vdk_ring_headtail *ht, const struct vdk_ring_headtail *other,
		   uint32_t room, uint32_t mask, unsigned int n, enum vdk_ring_sync sync,
		   enum vdk_ring_amount amount, uint32_t *old_head, uint32_t *idx,
		   uint32_t *entries)
{
	const unsigned int max = n;
	uint32_t other_tail, new_head, expected;

	if (sync == VDK_RING_SYNC_ST) {
		/* Only this thread writes this head. */
		*old_head = __atomic_load_n(&ht->head, __ATOMIC_RELAXED);
		/*
		 * Acquire, pairs with the release of that tail in
		 * vdk_ring_update_tail(): what the other side did to the slots
		 * (producers wrote them, consumers read them) happens before we
		 * touch them.
		 */
		other_tail = __atomic_load_n(&other->tail, __ATOMIC_ACQUIRE);
		*entries = room + other_tail - *old_head;
		if (vdk_unlikely(n > *entries))
			n = amount == VDK_RING_BULK ? 0 : *entries;
		*idx = *old_head & mask;
		/*
		 * The head is stored with the tail, in vdk_ring_update_tail():
		 * no other thread reads it in this mode, and a store now would
		 * take the line from the other core, which polls our tail,
		 * only for the tail store to take it back again.
		 */
		return n;
	}

	/*
	 * Acquire: the other side's tail below must be read after our head.
	 * Read the other way round, a stale tail beside a fresh head would
	 * claim slots the other side has not finished with.
	 */
	*old_head = __atomic_load_n(&ht->head, __ATOMIC_ACQUIRE);
	for (;;) {
		n = max;
		/* Acquire, as in the single case above. */
		other_tail = __atomic_load_n(&other->tail, __ATOMIC_ACQUIRE);
		*entries = room + other_tail - *old_head;
		if (vdk_unlikely(n > *entries))
			n = amount == VDK_RING_BULK ? 0 : *entries;
		if (vdk_unlikely(n == 0))
			return 0;
		new_head = *old_head + n;
		/*
		 * The slot index before the CAS, for the single-object calls:
		 * after the locked instruction their slot access then waits
		 * for no load of the mask (doc/ring.md, Performance). The bulk
		 * calls do not use it and compile as before.
		 */
		*idx = *old_head & mask;
		/*
		 * The CAS only decides which thread owns the slots; their
		 * contents are ordered by the tails. Acquire is for the failure
		 * case, which reloads the head: the tail read on the next pass
		 * must come after it, as above. (C11 forbids a success order
		 * weaker than the failure order, and on x86 both are free.)
		 * The CAS updates a copy of the old head, taken back only on
		 * failure: handed *old_head itself, the compiler takes the old
		 * head after a success from the CAS's output register, which
		 * puts the locked instruction's latency in front of the slot
		 * addresses, the wait for earlier claimers and the tail store
		 * (doc/ring.md, Performance).
		 */
		expected = *old_head;
		if (vdk_likely(__atomic_compare_exchange_n(&ht->head, &expected, new_head,
							   0 /* strong */, __ATOMIC_ACQUIRE,
							   __ATOMIC_ACQUIRE)))
			return n;
		*old_head = expected;
	}
}

/* Publish slots [old, new) of side @ht to the other side. */
static vdk_always_inline void
vdk_ring_update_tail(struct vdk_ring_headtail *ht, uint32_t old, uint32_t new_tail,
		     enum vdk_ring_sync sync)
{
	/*
	 * The tail says "everything below me is done", so threads of this
	 * side that claimed earlier slots must publish first. Acquire makes
	 * their slot accesses happen before our release below, so the other
	 * side sees theirs too.
	 */
	if (sync == VDK_RING_SYNC_MT)
		while (vdk_unlikely(__atomic_load_n(&ht->tail, __ATOMIC_ACQUIRE) != old))
			vdk_pause();
	else
		__atomic_store_n(&ht->head, new_tail, __ATOMIC_RELAXED);
	/*
	 * Release: our slot writes (producer) or reads (consumer) happen
	 * before the other side sees the slots change hands.
	 */
	__atomic_store_n(&ht->tail, new_tail, __ATOMIC_RELEASE);
}

/*
 * Copy @n pointers, four at a time: all four loads before the four stores,
 * so that the compiler may pair them into 16-byte moves without having to
 * prove the arrays apart. (A plain index loop over 32-bit slot numbers must
 * honour their wrap-around and gets neither unrolled nor vectorised.)
 */
static vdk_always_inline void
vdk_ring_copy_ptrs(void **dst, void * const *src, unsigned int n)
{
	unsigned int i = 0;

	for (; i + 4 <= n; i += 4) {
		void *a = src[i], *b = src[i + 1], *c = src[i + 2], *d = src[i + 3];

		dst[i] = a;
		dst[i + 1] = b;
		dst[i + 2] = c;
		dst[i + 3] = d;
	}
	switch (n - i) {
	case 3:
		dst[i + 2] = src[i + 2];
		/* fall through */
	case 2:
		dst[i + 1] = src[i + 1];
		/* fall through */
	case 1:
		dst[i] = src[i];
		/* fall through */
	default:
		break;
	}
}

static vdk_always_inline void
vdk_ring_copy_in(const struct vdk_ring *r, uint32_t head, void * const *objs,
		 unsigned int n)
{
	void **slots = vdk_ring_slots(r);
	const uint32_t idx = head & r->mask;

	if (vdk_likely(idx + n <= r->size)) {
		vdk_ring_copy_ptrs(&slots[idx], objs, n);
	} else {
		const unsigned int first = r->size - idx;

		vdk_ring_copy_ptrs(&slots[idx], objs, first);
		vdk_ring_copy_ptrs(slots, objs + first, n - first);
	}
}

static vdk_always_inline void
vdk_ring_copy_out(const struct vdk_ring *r, uint32_t head, void **objs, unsigned int n)
{
	void * const *slots = vdk_ring_slots(r);
	const uint32_t idx = head & r->mask;

	if (vdk_likely(idx + n <= r->size)) {
		vdk_ring_copy_ptrs(objs, &slots[idx], n);
	} else {
		const unsigned int first = r->size - idx;

		vdk_ring_copy_ptrs(objs, &slots[idx], first);
		vdk_ring_copy_ptrs(objs + first, slots, n - first);
	}
}

static vdk_always_inline unsigned int
vdk_ring_do_enqueue(struct vdk_ring *r, void * const *objs, unsigned int n,
		    enum vdk_ring_sync sync, enum vdk_ring_amount amount,
		    unsigned int *free_space)
{
	uint32_t head, idx, free_entries;

	/* idx unused: the copy takes its index from head, after the claim. */
	n = vdk_ring_move_head(&r->prod, &r->cons, r->capacity, r->mask, n, sync, amount,
			       &head, &idx, &free_entries);
	if (n != 0) {
		vdk_ring_copy_in(r, head, objs, n);
		vdk_ring_update_tail(&r->prod, head, head + n, sync);
	}
	if (free_space != NULL)
		*free_space = free_entries - n;
	return n;
}

static vdk_always_inline unsigned int
vdk_ring_do_dequeue(struct vdk_ring *r, void **objs, unsigned int n,
		    enum vdk_ring_sync sync, enum vdk_ring_amount amount,
		    unsigned int *available)
{
	uint32_t head, idx, entries;

	/* idx unused, as in vdk_ring_do_enqueue(). */
	n = vdk_ring_move_head(&r->cons, &r->prod, 0, r->mask, n, sync, amount, &head, &idx,
			       &entries);
	if (n != 0) {
		vdk_ring_copy_out(r, head, objs, n);
		vdk_ring_update_tail(&r->cons, head, head + n, sync);
	}
	if (available != NULL)
		*available = entries - n;
	return n;
}

/* One object: a single slot never wraps, so no copy loop. */
static vdk_always_inline int
vdk_ring_do_enqueue_one(struct vdk_ring *r, void *obj, enum vdk_ring_sync sync)
{
	uint32_t head, idx, free_entries;

	if (vdk_ring_move_head(&r->prod, &r->cons, r->capacity, r->mask, 1, sync,
			       VDK_RING_BULK, &head, &idx, &free_entries) == 0)
		return -ENOBUFS;
	vdk_ring_slots(r)[idx] = obj;
	vdk_ring_update_tail(&r->prod, head, head + 1, sync);
	return 0;
}

static vdk_always_inline int
vdk_ring_do_dequeue_one(struct vdk_ring *r, void **obj, enum vdk_ring_sync sync)
{
	uint32_t head, idx, entries;

	if (vdk_ring_move_head(&r->cons, &r->prod, 0, r->mask, 1, sync, VDK_RING_BULK,
			       &head, &idx, &entries) == 0)
		return -ENOENT;
	*obj = vdk_ring_slots(r)[idx];
	vdk_ring_update_tail(&r->cons, head, head + 1, sync);
	return 0;
}

/** @endcond */

/**
 * Enqueue all @p n objects or none, single-producer.
 * @param free_space if not NULL, set to the free slots left afterwards.
 * @return @p n, or 0 if there was not room for all of them.
 */
static inline unsigned int
vdk_ring_sp_enqueue_bulk(struct vdk_ring *r, void * const *objs, unsigned int n,
			 unsigned int *free_space)
{
	return vdk_ring_do_enqueue(r, objs, n, VDK_RING_SYNC_ST,
				   VDK_RING_BULK, free_space);
}

/** As vdk_ring_sp_enqueue_bulk(), safe with other producers (MP). */
static inline unsigned int
vdk_ring_mp_enqueue_bulk(struct vdk_ring *r, void * const *objs, unsigned int n,
			 unsigned int *free_space)
{
	return vdk_ring_do_enqueue(r, objs, n, VDK_RING_SYNC_MT,
				   VDK_RING_BULK, free_space);
}

/** As vdk_ring_sp_enqueue_bulk(), SP or MP as the ring's flags say. */
static inline unsigned int
vdk_ring_enqueue_bulk(struct vdk_ring *r, void * const *objs, unsigned int n,
		      unsigned int *free_space)
{
	return vdk_ring_do_enqueue(r, objs, n, vdk_ring_default_sync(&r->prod),
				   VDK_RING_BULK, free_space);
}

/**
 * Enqueue as many of the @p n objects as fit, single-producer.
 * @param free_space if not NULL, set to the free slots left afterwards.
 * @return the number enqueued, 0 to @p n.
 */
static inline unsigned int
vdk_ring_sp_enqueue_burst(struct vdk_ring *r, void * const *objs, unsigned int n,
			  unsigned int *free_space)
{
	return vdk_ring_do_enqueue(r, objs, n, VDK_RING_SYNC_ST,
				   VDK_RING_BURST, free_space);
}

/** As vdk_ring_sp_enqueue_burst(), safe with other producers (MP). */
static inline unsigned int
vdk_ring_mp_enqueue_burst(struct vdk_ring *r, void * const *objs, unsigned int n,
			  unsigned int *free_space)
{
	return vdk_ring_do_enqueue(r, objs, n, VDK_RING_SYNC_MT,
				   VDK_RING_BURST, free_space);
}

/** As vdk_ring_sp_enqueue_burst(), SP or MP as the ring's flags say. */
static inline unsigned int
vdk_ring_enqueue_burst(struct vdk_ring *r, void * const *objs, unsigned int n,
		       unsigned int *free_space)
{
	return vdk_ring_do_enqueue(r, objs, n, vdk_ring_default_sync(&r->prod),
				   VDK_RING_BURST, free_space);
}

/** Enqueue one object, single-producer. @return 0, or -ENOBUFS if full. */
static inline int
vdk_ring_sp_enqueue(struct vdk_ring *r, void *obj)
{
	return vdk_ring_do_enqueue_one(r, obj, VDK_RING_SYNC_ST);
}

/** Enqueue one object, multi-producer. @return 0, or -ENOBUFS if full. */
static inline int
vdk_ring_mp_enqueue(struct vdk_ring *r, void *obj)
{
	return vdk_ring_do_enqueue_one(r, obj, VDK_RING_SYNC_MT);
}

/** Enqueue one object as the ring's flags say. @return 0, or -ENOBUFS if full. */
static inline int
vdk_ring_enqueue(struct vdk_ring *r, void *obj)
{
	return vdk_ring_do_enqueue_one(r, obj, vdk_ring_default_sync(&r->prod));
}

/**
 * Dequeue exactly @p n objects or none, single-consumer.
 * @param available if not NULL, set to the objects left afterwards.
 * @return @p n, or 0 if fewer than @p n were there.
 */
static inline unsigned int
vdk_ring_sc_dequeue_bulk(struct vdk_ring *r, void **objs, unsigned int n,
			 unsigned int *available)
{
	return vdk_ring_do_dequeue(r, objs, n, VDK_RING_SYNC_ST,
				   VDK_RING_BULK, available);
}

/** As vdk_ring_sc_dequeue_bulk(), safe with other consumers (MC). */
static inline unsigned int
vdk_ring_mc_dequeue_bulk(struct vdk_ring *r, void **objs, unsigned int n,
			 unsigned int *available)
{
	return vdk_ring_do_dequeue(r, objs, n, VDK_RING_SYNC_MT,
				   VDK_RING_BULK, available);
}

/** As vdk_ring_sc_dequeue_bulk(), SC or MC as the ring's flags say. */
static inline unsigned int
vdk_ring_dequeue_bulk(struct vdk_ring *r, void **objs, unsigned int n,
		      unsigned int *available)
{
	return vdk_ring_do_dequeue(r, objs, n, vdk_ring_default_sync(&r->cons),
				   VDK_RING_BULK, available);
}

/**
 * Dequeue up to @p n objects, single-consumer.
 * @param available if not NULL, set to the objects left afterwards.
 * @return the number dequeued, 0 to @p n.
 */
static inline unsigned int
vdk_ring_sc_dequeue_burst(struct vdk_ring *r, void **objs, unsigned int n,
			  unsigned int *available)
{
	return vdk_ring_do_dequeue(r, objs, n, VDK_RING_SYNC_ST,
				   VDK_RING_BURST, available);
}

/** As vdk_ring_sc_dequeue_burst(), safe with other consumers (MC). */
static inline unsigned int
vdk_ring_mc_dequeue_burst(struct vdk_ring *r, void **objs, unsigned int n,
			  unsigned int *available)
{
	return vdk_ring_do_dequeue(r, objs, n, VDK_RING_SYNC_MT,
				   VDK_RING_BURST, available);
}

/** As vdk_ring_sc_dequeue_burst(), SC or MC as the ring's flags say. */
static inline unsigned int
vdk_ring_dequeue_burst(struct vdk_ring *r, void **objs, unsigned int n,
		       unsigned int *available)
{
	return vdk_ring_do_dequeue(r, objs, n, vdk_ring_default_sync(&r->cons),
				   VDK_RING_BURST, available);
}

/** Dequeue one object, single-consumer. @return 0, or -ENOENT if empty. */
static inline int
vdk_ring_sc_dequeue(struct vdk_ring *r, void **obj)
{
	return vdk_ring_do_dequeue_one(r, obj, VDK_RING_SYNC_ST);
}

/** Dequeue one object, multi-consumer. @return 0, or -ENOENT if empty. */
static inline int
vdk_ring_mc_dequeue(struct vdk_ring *r, void **obj)
{
	return vdk_ring_do_dequeue_one(r, obj, VDK_RING_SYNC_MT);
}

/** Dequeue one object as the ring's flags say. @return 0, or -ENOENT if empty. */
static inline int
vdk_ring_dequeue(struct vdk_ring *r, void **obj)
{
	return vdk_ring_do_dequeue_one(r, obj, vdk_ring_default_sync(&r->cons));
}

/**
 * Objects in the ring. A snapshot: with threads at work it may be out of
 * date when it returns, but it is never above the capacity.
 */
static inline unsigned int
vdk_ring_count(const struct vdk_ring *r)
{
	/*
	 * Acquire orders the two loads: the consumer tail is read first, so it
	 * can only be older than the producer tail and the difference never
	 * goes negative; it can overshoot, hence the clamp.
	 */
	uint32_t cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t count = __atomic_load_n(&r->prod.tail, __ATOMIC_RELAXED) - cons_tail;

	return count > r->capacity ? r->capacity : count;
}

/** Free slots: capacity minus vdk_ring_count(). A snapshot, as that is. */
static inline unsigned int
vdk_ring_free_count(const struct vdk_ring *r)
{
	return r->capacity - vdk_ring_count(r);
}

/** True if the ring holds its capacity. A snapshot. */
static inline int
vdk_ring_full(const struct vdk_ring *r)
{
	return vdk_ring_free_count(r) == 0;
}

/** True if the ring holds nothing. A snapshot. */
static inline int
vdk_ring_empty(const struct vdk_ring *r)
{
	return vdk_ring_count(r) == 0;
}

/** Slots in the ring (a power of two, >= the capacity). */
static inline unsigned int
vdk_ring_get_size(const struct vdk_ring *r)
{
	return r->size;
}

/** Objects the ring can hold: the count it was created with. */
static inline unsigned int
vdk_ring_get_capacity(const struct vdk_ring *r)
{
	return r->capacity;
}

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_RING_H */
