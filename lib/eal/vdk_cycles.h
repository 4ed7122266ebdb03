/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Time in CPU cycles: the TSC, its calibrated frequency, busy-wait delays.
 */
#ifndef VDK_CYCLES_H
#define VDK_CYCLES_H

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

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_CYCLES_H */
