/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What lib/dma needs of the EAL, and nothing more: the one EAL header it
 * may include besides the public ones (devtools/layers). The IOVA of the
 * EAL's own memory (eal_memory.c), and the VFIO layer's table of user
 * memory registered for DMA (eal_vfio.c).
 */
#ifndef EAL_DMA_INTERNAL_H
#define EAL_DMA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * For vdk_mem_virt2iova(): true if @addr is inside the EAL's address
 * window, with *iova its IOVA, or VDK_BAD_IOVA if no live segment holds it
 * (or the one that did was freed during the call); false if it is outside
 * (memory the EAL did not give, maybe registered for DMA). Constant time,
 * no lock, no system call.
 */
bool eal_mem_window_iova(const void *addr, uint64_t *iova);

/*
 * Record user memory [va, va + len) at @iova and map it into every live
 * domain (and every later one). @iova VDK_BAD_IOVA records memory whose
 * devices see physical addresses (no-IOMMU mode): it is never mapped, and
 * a real IOMMU domain refuses it. Returns 0, -EEXIST if it overlaps what
 * is recorded, -ERANGE if a domain cannot translate the IOVA, -ENOMEM for
 * RLIMIT_MEMLOCK or no memory, or the backend's error (then nothing stays
 * recorded or mapped).
 */
int eal_vfio_dma_map(uint64_t va, uint64_t iova, uint64_t len);
/* Unmap and forget exactly a range given to eal_vfio_dma_map(): -ENOENT if none. */
int eal_vfio_dma_unmap(uint64_t va, uint64_t len);
/*
 * Is @va inside recorded user memory? 0 with *iova (VDK_BAD_IOVA for
 * memory recorded without one), or -ENOENT.
 */
int eal_vfio_dma_lookup(uint64_t va, uint64_t *iova);

#endif /* EAL_DMA_INTERNAL_H */
