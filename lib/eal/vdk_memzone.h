/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Memzones: named, aligned, IOVA-contiguous blocks of EAL memory, for rings,
 * pools and device queues that must be found by name or handed to a device.
 */
#ifndef VDK_MEMZONE_H
#define VDK_MEMZONE_H

#include <stddef.h>
#include <stdint.h>

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Longest memzone name, terminating NUL included. */
#define VDK_MEMZONE_NAMESIZE 32

/** A reserved zone. Read-only to users. */
struct vdk_memzone {
	char name[VDK_MEMZONE_NAMESIZE]; /**< unique among live zones; vdk_memzone_lookup() key */
	void *addr;        /**< start, aligned as asked (cache line at least) */
	uint64_t iova;     /**< device address of addr; the zone is IOVA-contiguous */
	size_t len;        /**< bytes asked for */
	uint64_t page_sz;  /**< page size of the memory under it */
	int socket_id;     /**< NUMA node */
};

/**
 * Reserve @p len bytes named @p name on @p socket_id (VDK_SOCKET_ID_ANY for
 * any), aligned to the cache line. The zone comes from the heap, so the
 * IOVA-contiguity rule of vdk_malloc.h holds for it. @p flags must be 0
 * (none are defined yet). Thread-safe.
 * @return the zone, or NULL with errno: EINVAL (len 0, NULL or empty name,
 *   bad socket), ENAMETOOLONG, EEXIST (name taken), ENOMEM (no memory: the
 *   log says what to do).
 */
const struct vdk_memzone *vdk_memzone_reserve(const char *name, size_t len,
					      int socket_id, unsigned int flags);

/**
 * As vdk_memzone_reserve(), aligned to @p align (a power of two; 0 means
 * the cache line).
 * @return as vdk_memzone_reserve(); errno EINVAL also for a bad @p align.
 */
const struct vdk_memzone *vdk_memzone_reserve_aligned(const char *name, size_t len,
						      int socket_id, unsigned int flags,
						      size_t align);

/** The zone named @p name, or NULL with errno ENOENT. */
const struct vdk_memzone *vdk_memzone_lookup(const char *name);

/** Release a zone. @return 0, or -EINVAL for NULL or a zone not reserved. */
int vdk_memzone_free(const struct vdk_memzone *mz);

/** Call @p fn for every zone, under the zone lock: @p fn must not reserve or free. */
void vdk_memzone_walk(void (*fn)(const struct vdk_memzone *mz, void *arg), void *arg);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_MEMZONE_H */
