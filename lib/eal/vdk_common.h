/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Macros and small inline helpers every VDK component uses: cache-line
 * alignment, branch hints, memory barriers named for what they order.
 */
#ifndef VDK_COMMON_H
#define VDK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Size of a CPU cache line on the targets VDK builds for (x86-64). */
#define VDK_CACHE_LINE_SIZE 64

/** Give a type or variable its own cache line, to avoid false sharing. */
#define vdk_cache_aligned __attribute__((aligned(VDK_CACHE_LINE_SIZE)))

/** Tell the compiler @p x is almost always true: lay out that path first. */
#define vdk_likely(x)   __builtin_expect(!!(x), 1)
/** Tell the compiler @p x is almost always false (error paths). */
#define vdk_unlikely(x) __builtin_expect(!!(x), 0)

/** Inline this function even where the compiler's heuristics would not. */
#define vdk_always_inline inline __attribute__((always_inline))
/** A parameter or variable left unused on purpose. */
#define vdk_unused __attribute__((unused))

/** Any NUMA node: let the allocator choose. */
#define VDK_SOCKET_ID_ANY (-1)

/** An address that no device can use: "no IOVA known". */
#define VDK_BAD_IOVA ((uint64_t)-1)

/** Number of elements of a fixed array. */
#define VDK_DIM(a) (sizeof(a) / sizeof((a)[0]))

/** The smaller of @p a and @p b (each evaluated twice). */
#define VDK_MIN(a, b) ((a) < (b) ? (a) : (b))
/** The larger of @p a and @p b (each evaluated twice). */
#define VDK_MAX(a, b) ((a) > (b) ? (a) : (b))

/** True if @p n is a power of two (zero is not). */
#define VDK_IS_POWER_OF_2(n) ((n) != 0 && (((n) & ((n) - 1)) == 0))

/** Round @p v up to a multiple of @p a, a power of two. */
#define VDK_ALIGN_CEIL(v, a) (((v) + ((__typeof__(v))(a) - 1)) & ~((__typeof__(v))(a) - 1))
/** Round @p v down to a multiple of @p a, a power of two. */
#define VDK_ALIGN_FLOOR(v, a) ((v) & ~((__typeof__(v))(a) - 1))

/** The struct that embeds @p member at @p ptr. */
#define vdk_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/** Run @p fn when libvdk (or the program) is loaded: driver registration. */
#define VDK_INIT(fn) \
	static void __attribute__((constructor, used)) fn(void)

/** Smallest power of two >= @p v; 0 for 0 and for v above 2^31. */
static inline uint32_t
vdk_align32pow2(uint32_t v)
{
	if (v == 0 || v > (1u << 31))
		return 0;
	return v == 1 ? 1 : 1u << (32 - __builtin_clz(v - 1));
}

/** Tell a hyper-threaded core that this thread spins. */
static inline void
vdk_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/** Keep the compiler from moving memory accesses across this point. */
#define vdk_compiler_barrier() __asm__ volatile("" ::: "memory")

/*
 * Barriers between CPU memory and device memory. On x86-64 ordinary stores
 * are not reordered with other stores, and uncached (MMIO) accesses are
 * ordered with all earlier ones, so the io_ variants only need to stop the
 * compiler; the full ones also cover write-combining and non-temporal stores.
 */
#if defined(__x86_64__)
/** Full barrier: every earlier load and store before any later one. */
#define vdk_mb()  __asm__ volatile("mfence" ::: "memory")
/** Store barrier: earlier stores (write-combining ones too) before later ones. */
#define vdk_wmb() __asm__ volatile("sfence" ::: "memory")
/** Load barrier: earlier loads before later ones. */
#define vdk_rmb() __asm__ volatile("lfence" ::: "memory")
/** Order descriptor writes in DMA memory before a doorbell write. */
#define vdk_io_wmb() vdk_compiler_barrier()
/** Order a device-status read before reads of the data it announces. */
#define vdk_io_rmb() vdk_compiler_barrier()
#else
/* Other CPUs: a full fence for each, correct if slower than needed. */
/** Full barrier (other CPUs: a sequentially consistent fence). */
#define vdk_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
/** Store barrier (other CPUs: a full fence). */
#define vdk_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/** Load barrier (other CPUs: a full fence). */
#define vdk_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/** Descriptors before the doorbell (other CPUs: a full fence). */
#define vdk_io_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/** Device status before its data (other CPUs: a full fence). */
#define vdk_io_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_COMMON_H */
