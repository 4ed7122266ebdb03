/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The EAL heap: malloc-style allocation from hugepage memory, per NUMA node.
 * Thread-safe; not for the datapath (use mempools there).
 *
 * Every block is IOVA-contiguous, so one IOVA (vdk_malloc_virt2iova() of
 * its start) lets a device reach all of it:
 * - IOVA mode VA (the default under an IOMMU): IOVA = VA, trivially so.
 * - IOVA mode PA (no IOMMU): a block never crosses a boundary between two
 *   pages of its segment unless the second page follows the first in
 *   physical memory. A block larger than a page therefore needs
 *   physically contiguous pages; if none are found the call fails with
 *   ENOMEM. Under --no-huge the EAL asks for transparent huge pages so that
 *   blocks up to 2 MiB usually work; where it got 4 KiB pages, anything
 *   above 4 KiB may fail.
 *
 * Without -m, the heap grows by adding segments (2 MiB at least, a page
 * at least) and gives a grown segment back as soon as it falls empty.
 */
#ifndef VDK_MALLOC_H
#define VDK_MALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/**
 * Allocate @p size bytes aligned to @p align (0: cache line; else a power of
 * two) on the caller's NUMA node, IOVA-contiguous. @p type names the user
 * for statistics and may be NULL.
 * @return the memory, or NULL with errno EINVAL (size 0, bad align) or ENOMEM
 *   (no memory, the EAL not initialised, or in IOVA mode PA no contiguous
 *   run of pages that long; the log says which).
 */
void *vdk_malloc(const char *type, size_t size, unsigned int align);

/** As vdk_malloc(), zero-filled. */
void *vdk_zmalloc(const char *type, size_t size, unsigned int align);

/** As vdk_zmalloc() for @p num elements of @p size; EINVAL on overflow. */
void *vdk_calloc(const char *type, size_t num, size_t size, unsigned int align);

/**
 * As vdk_malloc() on NUMA node @p socket_id (VDK_SOCKET_ID_ANY: the caller's
 * node first, then any other). errno EINVAL also for a node that does not
 * exist or has no memory.
 */
void *vdk_malloc_socket(const char *type, size_t size, unsigned int align, int socket_id);

/** As vdk_zmalloc() on NUMA node @p socket_id. */
void *vdk_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket_id);

/**
 * Free memory from this heap; NULL is ignored. A pointer the heap did not
 * give, or one freed already, is logged and left alone.
 */
void vdk_free(void *ptr);

/** IOVA of @p addr inside heap or memzone memory, or VDK_BAD_IOVA. */
uint64_t vdk_malloc_virt2iova(const void *addr);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_MALLOC_H */
