/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the EAL's memory files share among themselves: eal_memory.c keeps
 * the segment table, eal_hugepage.c maps the pages behind each segment,
 * eal_malloc.c and eal_memzone.c carve segments up.
 */
#ifndef EAL_MEMORY_INTERNAL_H
#define EAL_MEMORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "eal_dma_internal.h"
#include "eal_internal.h"
#include "vdk_memory.h"

/* Heaps exist for NUMA nodes 0 .. EAL_MAX_NUMA_NODES - 1 only. */

/* eal_memory.c */

/* Page size of every segment of this process; 0 before eal_memory_init(). */
uint64_t eal_memory_page_sz(void);

/* True in IOVA PA mode: segments record physical addresses. */
bool eal_memory_iova_pa(void);

/* True if the segment was reserved up front (-m, --socket-mem) and stays. */
bool eal_memseg_pinned(const struct vdk_memseg *ms);

/* Heap bytes handed out, for vdk_memory_usage(); called under the heap lock. */
void eal_memory_in_use_add(ptrdiff_t delta);

/* True if @node can be allocated on (exists, has memory, < EAL_MAX_NUMA_NODES). */
bool eal_numa_node_valid(int node);

/* NUMA node of the CPU the caller runs on, or the first valid node. */
int eal_numa_caller_node(void);


/* Human form of a page size: "4 KiB", "2 MiB", "1 GiB". */
const char *eal_page_sz_str(uint64_t page_sz, char *buf, size_t len);

/* eal_hugepage.c: the backing of segments. */

/*
 * Choose and check the backing for @cfg: hugetlbfs in cfg->huge_dir or a
 * mount found in /proc/mounts, memfd_create(MFD_HUGETLB), or with
 * cfg->no_huge ordinary locked memory. Takes the lock file and removes the
 * hugepage files of dead processes. Sets *page_sz.
 * Returns 0 or a negative errno, having logged why.
 */
int eal_backing_init(const struct eal_config *cfg, uint64_t *page_sz);

/* Release the lock file; every mapping must be gone already. */
void eal_backing_cleanup(void);

/*
 * Map @len bytes (a multiple of the page size) at @addr (aligned to the
 * page size, inside eal_memory.c's reserved window) with MAP_FIXED, on NUMA
 * node @node: hugepages all present; --no-huge pages locked, and present
 * at once in IOVA mode PA, as they fault in in mode VA. *@fd gets the
 * file behind the mapping (the caller closes it when it unmaps), or -1 for
 * anonymous memory. Returns 0 or
 * a negative errno (-ENOMEM when the pages run out), having logged why. On
 * failure the range may hold anything, a hole included: the caller puts
 * its reservation back. eal_memory.c also undoes a mapping, by mapping its
 * reservation over it.
 */
int eal_backing_map(void *addr, size_t len, int node, int *fd);

/*
 * Make the pages under [@addr, @addr + @len) present (and so locked): the
 * heap calls it on each block it hands out, so that heap memory is
 * resident when a caller gets it, as in IOVA mode PA or on hugepages,
 * where every page is present from the start. Returns 0 or -ENOMEM,
 * having logged why.
 */
int eal_backing_populate(void *addr, size_t len);

/* Directory of the hugepage files, or NULL if none are used (memfd, no-huge). */
const char *eal_backing_dir(void);

/* eal_malloc.c */

/*
 * The heap's allocator behind vdk_malloc_socket() and memzones: @align is
 * a power of two (0: cache line). Returns NULL with errno EINVAL or ENOMEM.
 */
void *eal_malloc_alloc(size_t size, size_t align, int socket_id);

#endif /* EAL_MEMORY_INTERNAL_H */
