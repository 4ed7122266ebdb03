/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Time in CPU cycles: the TSC, its calibrated frequency, busy-wait delays.
 */
#ifndef VDK_CYCLES_H
#define VDK_CYCLES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Read the time-stamp counter. Not serialising; cheap enough for the datapath. */
static inline uint64_t
vdk_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
#error "vdk_rdtsc: no cycle counter for this architecture"
#endif
}

/**
 * TSC ticks per second, found once: from the kernel's tsc_freq_khz, CPUID
 * leaf 0x15 or the hypervisor's timing leaf where one tells, else measured
 * for 10 ms against CLOCK_MONOTONIC_RAW. Valid after vdk_eal_init();
 * calibrates on first use otherwise. Thread-safe.
 */
uint64_t vdk_get_tsc_hz(void);

/** Busy-wait at least @p us microseconds, polling the TSC. */
void vdk_delay_us(unsigned int us);

/** Busy-wait at least @p ms milliseconds. */
void vdk_delay_ms(unsigned int ms);

/**
 * Sleep at least @p us microseconds, giving the CPU up (nanosleep,
 * resumed after a signal): for control paths that wait for a device,
 * never the datapath.
 */
void vdk_sleep_us(unsigned int us);

/**
 * A moment on the TSC for a bounded wait: every wait for hardware reads
 * this one clock, rather than counting its own sleeps (which run long on a
 * loaded machine, and so wait far longer than the bound they name).
 *
 * @code
 * struct vdk_deadline d = vdk_deadline_in_us(100000);
 *
 * while (!ready(dev)) {
 *	if (vdk_deadline_passed(d))
 *		return ready(dev) ? 0 : -ETIMEDOUT;	// one last look
 *	vdk_sleep_us(10);
 * }
 * @endcode
 */
struct vdk_deadline {
	uint64_t tsc; /**< vdk_rdtsc() value at which the wait ends */
};

/** The deadline @p us microseconds from now. Thread-safe. */
static inline struct vdk_deadline
vdk_deadline_in_us(uint64_t us)
{
	struct vdk_deadline d;

	d.tsc = vdk_rdtsc() + (uint64_t)((unsigned __int128)vdk_get_tsc_hz() * us / 1000000);
	return d;
}

/** True once @p d has come. */
static inline bool
vdk_deadline_passed(struct vdk_deadline d)
{
	return (int64_t)(vdk_rdtsc() - d.tsc) >= 0;
}

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_CYCLES_H */
