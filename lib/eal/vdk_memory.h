/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The EAL's memory: segments of hugepage (or, with --no-huge, ordinary
 * locked) memory from which memzones and the heap are carved.
 *
 * A segment is one contiguous virtual mapping of one page size on one NUMA
 * node. Segments are added as the heap grows and removed when they fall
 * empty. lib/dma registers a callback to map each into every IOMMU domain.
 *
 * All segments lie in one window of address space reserved at init, each
 * starting on a 2 MiB boundary (1 GiB for 1 GiB pages), so that finding
 * the segment of an address takes constant time and no lock.
 */
#ifndef VDK_MEMORY_H
#define VDK_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** One contiguous virtual mapping of EAL memory. */
struct vdk_memseg {
	void *addr;        /**< start, aligned to page_sz and to 2 MiB */
	size_t len;        /**< bytes, a multiple of page_sz */
	uint64_t page_sz;  /**< 4 KiB (--no-huge), 2 MiB or 1 GiB */
	uint64_t iova;     /**< IOVA of addr if the segment is IOVA-contiguous
	                        (always in VA mode), else VDK_BAD_IOVA */
	const uint64_t *page_iova; /**< IOVA of each page (len / page_sz entries),
	                                recorded when the segment was added (from
	                                /proc/self/pagemap in IOVA mode PA) */
	int socket_id;     /**< NUMA node the pages are on */
};

/** IOVA of @p addr inside segment @p ms, in constant time. */
static inline uint64_t
vdk_memseg_addr2iova(const struct vdk_memseg *ms, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)ms->addr;

	if (ms->iova != VDK_BAD_IOVA)
		return ms->iova + off;
	return ms->page_iova[off / ms->page_sz] + (off & (ms->page_sz - 1));
}

/**
 * The file behind segment @p ms, for sharing its pages with another
 * process (memif zero-copy, vhost-user): mapping @p ms->len bytes of it
 * from offset 0 shows the same memory. The descriptor is the EAL's, open
 * while the segment lives: dup() it to keep it longer (sending it over a
 * unix socket makes the receiver its own). Call it while memory in the
 * segment stays allocated, or from vdk_memseg_walk().
 * @return the descriptor; -ENOTSUP if the segment is anonymous memory
 *   (--no-huge in IOVA mode PA; in mode VA unless a share hook asked for
 *   a file when it was mapped, vdk_mem_share_hook_register(); a kernel
 *   without memfd_create);
 *   -EINVAL for a NULL @p ms.
 */
int vdk_memseg_fd(const struct vdk_memseg *ms);

/**
 * Asked whether this process will hand EAL memory to another
 * (vdk_memseg_fd()): @return true if it will.
 */
typedef bool (*vdk_mem_share_hook_t)(void);

/**
 * Register @p hook, which the EAL asks each time it maps --no-huge memory in
 * IOVA mode VA, from vdk_eal_init() on (so a hook may read the command
 * line's devices, vdk_devargs_next()). If any hook says yes the segment
 * comes from a memfd, which vdk_memseg_fd() can share; if none does it is
 * anonymous memory, which faults in at about half the cost (start-up),
 * and vdk_memseg_fd() says -ENOTSUP. Hugepages always have a file. net_memif
 * registers one for zero-copy. Meant for constructors; registrations
 * outlive vdk_eal_cleanup().
 * @return 0; -EINVAL for a NULL @p hook; -EEXIST if it is registered;
 *   -ENOSPC if 8 are.
 */
int vdk_mem_share_hook_register(vdk_mem_share_hook_t hook);

/** Called for every segment; non-zero stops the walk. */
typedef int (*vdk_memseg_walk_t)(const struct vdk_memseg *ms, void *arg);

/**
 * Call @p fn for every segment, holding the memory lock (so @p fn must not
 * allocate EAL memory). @return 0, the first non-zero value of @p fn, or
 *   -EINVAL for a NULL @p fn.
 */
int vdk_memseg_walk(vdk_memseg_walk_t fn, void *arg);

/**
 * The segment that holds @p addr, or NULL for memory the EAL did not give
 * (or gave and took back). Constant time, no lock, no system call: fit for
 * the datapath and for any thread, while other threads add and remove
 * segments. The segment stays valid as long as memory in it stays
 * allocated; the pointer of a segment that is removed may later describe
 * another one. For an IOVA that is right even if the segment goes away
 * during the call, use vdk_mem_virt2iova() (vdk_dma.h).
 */
const struct vdk_memseg *vdk_mem_virt2memseg(const void *addr);

/**
 * Physical address of @p addr from /proc/self/pagemap (needs root).
 * @return the address, or VDK_BAD_IOVA if it is unknown (no permission,
 *   page not present).
 */
uint64_t vdk_mem_virt2phy(const void *addr);

/** What happened to a segment. */
enum vdk_mem_event {
	VDK_MEM_EVENT_ALLOC = 0, /**< added: it may now be handed out */
	VDK_MEM_EVENT_FREE,      /**< about to be removed */
};

/**
 * Called when a segment is added or about to be removed. A callback that
 * returns non-zero for ALLOC vetoes the segment (the allocation that needed
 * it fails with ENOMEM, and the callbacks that had accepted it get FREE).
 * ALLOC runs the callbacks in registration order, once lookups find the
 * segment; FREE in reverse, once lookups no longer find it (so no thread
 * takes a new IOVA in it) but while its pages are still mapped. They run
 * with the memory lock held, from whichever thread grew or shrank the heap:
 * a callback may walk or look up segments but must not allocate or free
 * EAL memory (vdk_malloc, memzones).
 */
typedef int (*vdk_mem_event_cb_t)(enum vdk_mem_event event,
				  const struct vdk_memseg *ms, void *arg);

/**
 * Register a callback under a unique @p name (at most 63 characters). It is
 * not called for the segments that exist already: walk them with
 * vdk_memseg_walk(). Registrations outlive vdk_eal_cleanup().
 * @return 0; -EEXIST if @p name is taken; -EINVAL for a NULL or empty
 *   argument or a name too long; -ENOSPC if 16 are registered.
 */
int vdk_mem_event_callback_register(const char *name, vdk_mem_event_cb_t cb, void *arg);

/** Remove a callback. @return 0, or -ENOENT if no callback has that name. */
int vdk_mem_event_callback_unregister(const char *name);

/** Bytes of EAL memory in segments, and of those how many are in use. */
void vdk_memory_usage(size_t *total, size_t *in_use);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_MEMORY_H */
