/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The EAL heap: malloc-style allocation from hugepage memory, per NUMA node.
 * Thread-safe; not for the datapath (use mempools there).
 */
#ifndef VDK_MALLOC_H
#define VDK_MALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Allocate @p size bytes aligned to @p align (0: cache line; else a power of
 * two) on the caller's NUMA node, IOVA-contiguous. @p type names the user
 * for statistics and may be NULL.
 * @return the memory, or NULL with errno EINVAL (size 0, bad align) or ENOMEM.
 */
void *vdk_malloc(const char *type, size_t size, unsigned int align);

/** As vdk_malloc(), zero-filled. */
void *vdk_zmalloc(const char *type, size_t size, unsigned int align);

/** As vdk_zmalloc() for @p num elements of @p size; EINVAL on overflow. */
void *vdk_calloc(const char *type, size_t num, size_t size, unsigned int align);

/** As vdk_malloc() on NUMA node @p socket_id (VDK_SOCKET_ID_ANY: any). */
void *vdk_malloc_socket(const char *type, size_t size, unsigned int align, int socket_id);

/** As vdk_zmalloc() on NUMA node @p socket_id. */
void *vdk_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket_id);

/** Free memory from this heap; NULL is ignored. */
void vdk_free(void *ptr);

/** IOVA of @p addr inside heap or memzone memory, or VDK_BAD_IOVA. */
uint64_t vdk_malloc_virt2iova(const void *addr);

#ifdef __cplusplus
}
#endif

#endif /* VDK_MALLOC_H */
