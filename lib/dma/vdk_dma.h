/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Memory a device can reach by DMA, and the addresses (IOVAs) to give it.
 *
 * Everything the EAL allocates (heap, memzones, mempools) is mapped into
 * every IOMMU domain of the process as soon as it exists, at IOVA = VA
 * under an IOMMU, or at its physical address in no-IOMMU mode
 * (--iova-mode pa). Memory the app got elsewhere (mmap, a buffer of
 * another library) must be registered with vdk_dma_register() before a
 * device touches it; it is then mapped into every IOMMU domain, those of
 * devices attached later included.
 *
 * Page-crossing rules, which every driver must follow:
 * - A buffer from vdk_dma_zmalloc() is IOVA-contiguous over its whole
 *   length, whatever pages it spans: one IOVA and a length describe it.
 * - Other EAL memory (vdk_malloc, a memzone, one mempool object) is
 *   IOVA-contiguous within one allocation; two allocations are not
 *   contiguous with each other even when their addresses are.
 * - Registered memory is IOVA-contiguous over the registered range in VA
 *   mode (an IOMMU). In PA mode it is contiguous only within each page:
 *   translate it page by page with vdk_mem_virt2iova() and never hand a
 *   device a buffer that crosses a page boundary.
 *
 * Thread-safety: every function may be called from any thread; only
 * vdk_mem_virt2iova() of EAL memory is meant for the datapath.
 */
#ifndef VDK_DMA_H
#define VDK_DMA_H

#include <stddef.h>
#include <stdint.h>

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/**
 * Allocate @p size zeroed bytes from the EAL heap on the caller's NUMA
 * node, aligned to @p align (0: a cache line; else a power of two), for a
 * device to read or write: descriptor rings, queues, command buffers.
 * @param[out] iova  the buffer's IOVA, which the device uses (may be NULL)
 * @return the buffer, or NULL with errno EINVAL (size 0, bad align),
 *   ENOMEM (no memory), EFAULT (no IOVA known: PA mode without permission
 *   to read /proc/self/pagemap).
 */
void *vdk_dma_zmalloc(size_t size, size_t align, uint64_t *iova);

/** As vdk_dma_zmalloc() on NUMA node @p socket_id (VDK_SOCKET_ID_ANY: any). */
void *vdk_dma_zmalloc_socket(size_t size, size_t align, int socket_id, uint64_t *iova);

/**
 * Free a buffer of vdk_dma_zmalloc(); NULL is ignored. The device must
 * have stopped using it.
 */
void vdk_dma_free(void *ptr);

/**
 * The IOVA of @p addr. For EAL memory (heap, memzones, mempools): constant
 * time, no lock, no system call, so fit for the datapath; safe while other
 * threads add and remove segments: the answer is the IOVA @p addr had in a
 * segment that existed during the call, or VDK_BAD_IOVA if its memory was
 * given back. For registered memory: a lookup in the DMA table, under its
 * lock; in PA mode a read of /proc/self/pagemap (slow: translate once, at
 * set-up).
 * @return the IOVA, or VDK_BAD_IOVA for memory that is neither EAL
 *   memory nor registered.
 */
uint64_t vdk_mem_virt2iova(const void *addr);

/**
 * Make [@p vaddr, @p vaddr + @p len) reachable by every device of the
 * process: it is mapped (IOVA = VA) into every IOMMU domain that exists
 * and recorded for domains created later. Without any device open yet it
 * is only recorded. The pages stay pinned until vdk_dma_unregister(); do
 * not unmap them before. vdk_eal_cleanup() forgets every registration.
 * @p vaddr and @p len must be multiples of the page size.
 * @return 0; -EINVAL for NULL, length 0, an unaligned range or one that
 *   wraps; -EEXIST if it overlaps EAL memory or a registered range;
 *   -ERANGE if an IOMMU cannot translate these addresses (the message
 *   gives its ranges); -ENOMEM when RLIMIT_MEMLOCK is too low (the message
 *   gives the numbers) or memory runs out; -ENOTSUP in PA mode when an
 *   IOMMU domain exists; another errno from VFIO. On error nothing is
 *   recorded or mapped.
 */
int vdk_dma_register(void *vaddr, size_t len);

/**
 * Undo vdk_dma_register() of exactly this range: unmapped from every
 * IOMMU domain. Devices must no longer use it.
 * @return 0; -EINVAL for NULL or length 0; -ENOENT if this exact range is
 *   not registered.
 */
int vdk_dma_unregister(void *vaddr, size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_DMA_H */
