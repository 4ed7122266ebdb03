/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA memory for drivers: allocation from the EAL heap with its IOVA, the
 * IOVA of any address, and registration of memory the EAL did not give.
 *
 * What is mapped into which IOMMU domain is recorded in one place, the
 * VFIO layer's DMA table (lib/eal/eal_vfio.c), which also maps a range
 * into domains that appear later. This file checks what users hand in and
 * chooses the IOVA.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "eal_dma_internal.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memory.h"

void *
vdk_dma_zmalloc_socket(size_t size, size_t align, int socket_id, uint64_t *iova)
{
	uint64_t io;
	void *p;

	if (size == 0 || align > UINT_MAX || (align != 0 && !VDK_IS_POWER_OF_2(align))) {
		errno = EINVAL;
		return NULL;
	}
	p = vdk_zmalloc_socket("dma", size, (unsigned int)align, socket_id);
	if (p == NULL)
		return NULL;
	io = vdk_mem_virt2iova(p);
	if (io == VDK_BAD_IOVA) {
		VDK_LOG(ERR, DMA, "no IOVA for %zu bytes of heap memory at %p: in PA mode VDK "
			"reads physical addresses from /proc/self/pagemap, which needs root",
			size, p);
		vdk_free(p);
		errno = EFAULT;
		return NULL;
	}
	if (iova != NULL)
		*iova = io;
	return p;
}

void *
vdk_dma_zmalloc(size_t size, size_t align, uint64_t *iova)
{
	return vdk_dma_zmalloc_socket(size, align, VDK_SOCKET_ID_ANY, iova);
}

void
vdk_dma_free(void *ptr)
{
	vdk_free(ptr);
}

uint64_t
vdk_mem_virt2iova(const void *addr)
{
	uint64_t iova;

	/*
	 * EAL memory, or a hole in the EAL's window: lock-free. Registered
	 * memory cannot be inside the window, which is all the EAL's mapping.
	 */
	if (eal_mem_window_iova(addr, &iova))
		return iova;
	if (eal_vfio_dma_lookup((uintptr_t)addr, &iova) < 0)
		return VDK_BAD_IOVA;
	/* Registered in PA mode: the page's physical address is its IOVA. */
	return iova != VDK_BAD_IOVA ? iova : vdk_mem_virt2phy(addr);
}

struct overlap_arg {
	uintptr_t start;
	uintptr_t end;	/* exclusive */
	const struct vdk_memseg *hit;
};

static int
overlap_cb(const struct vdk_memseg *ms, void *arg)
{
	struct overlap_arg *o = arg;
	uintptr_t s = (uintptr_t)ms->addr, e = s + ms->len;

	if (s < o->end && o->start < e) {
		o->hit = ms;
		return 1;
	}
	return 0;
}

int
vdk_dma_register(void *vaddr, size_t len)
{
	uintptr_t va = (uintptr_t)vaddr, pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	struct overlap_arg o = { .start = va, .end = va + len };
	uint64_t iova;
	int ret;

	if (vaddr == NULL || len == 0 || va + len < va) {
		VDK_LOG(ERR, DMA, "register %p (%zu bytes): no memory given", vaddr, len);
		return -EINVAL;
	}
	if ((va & (pg - 1)) != 0 || (len & (pg - 1)) != 0) {
		VDK_LOG(ERR, DMA, "register %p (%zu bytes): address and length must be "
			"multiples of the page size (%zu): an IOMMU maps whole pages",
			vaddr, len, (size_t)pg);
		return -EINVAL;
	}
	if (vdk_memseg_walk(overlap_cb, &o) != 0) {
		VDK_LOG(ERR, DMA, "register %p (%zu bytes): overlaps EAL memory at %p, which "
			"is DMA-mapped already", vaddr, len, o.hit->addr);
		return -EEXIST;
	}
	/*
	 * IOVA = VA under an IOMMU. In PA mode devices see physical addresses,
	 * which are looked up per page when asked for.
	 */
	iova = vdk_eal_iova_mode() == VDK_IOVA_PA ? VDK_BAD_IOVA : (uint64_t)va;
	ret = eal_vfio_dma_map(va, iova, len);
	if (ret == -EEXIST)
		VDK_LOG(ERR, DMA, "register %p (%zu bytes): overlaps a registered range",
			vaddr, len);
	else if (ret < 0)
		VDK_LOG(ERR, DMA, "register %p (%zu bytes) failed: %s", vaddr, len, strerror(-ret));
	else
		VDK_LOG(DEBUG, DMA, "registered %p (%zu bytes) at IOVA %s", vaddr, len,
			iova == VDK_BAD_IOVA ? "= physical" : "= VA");
	return ret;
}

int
vdk_dma_unregister(void *vaddr, size_t len)
{
	int ret;

	if (vaddr == NULL || len == 0)
		return -EINVAL;
	ret = eal_vfio_dma_unmap((uintptr_t)vaddr, len);
	if (ret == -ENOENT)
		VDK_LOG(ERR, DMA, "unregister %p (%zu bytes): no registration with exactly this "
			"address and length", vaddr, len);
	return ret;
}
