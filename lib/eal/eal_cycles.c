/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSC frequency. Asked of the platform first (a kernel that exports
 * tsc_freq_khz, the CPU's own TSC leaf, a hypervisor's timing leaf),
 * measured against CLOCK_MONOTONIC_RAW otherwise. Pairing each clock read
 * with two TSC reads keeps the error to a few parts in a million over
 * 10 ms. Start-up time counts, so the measurement does not wait on its
 * own: vdk_eal_init() takes the first pair of readings as it starts, and
 * the first vdk_get_tsc_hz() takes the second, waiting only for what is
 * left of the 10 ms (usually nothing: start-up took longer).
 */
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "eal_core_internal.h"
#include "vdk_cycles.h"
#include "vdk_log.h"

#define TSC_MEASURE_MS 10
#define NSEC_PER_SEC 1000000000ULL

static uint64_t tsc_hz;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;
/* The first readings of the measurement, from eal_tsc_calibrate_start(). */
static struct {
	uint64_t tsc;
	uint64_t ns;
	bool set; /* written once, before any other thread of the EAL exists */
} tsc_start;

/* Kernels with the tsc_freq_khz patch (common in clouds) export it here. */
static uint64_t
tsc_hz_from_sysfs(void)
{
	unsigned long long khz = 0;
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/tsc_freq_khz", "re");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &khz) != 1)
		khz = 0;
	fclose(f);
	return khz * 1000;
}

/* CPUID leaf 0x15: TSC = crystal * EBX / EAX (Intel; crystal may be unknown). */
static uint64_t
tsc_hz_from_cpuid(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid_max(0, NULL) < 0x15)
		return 0;
	__cpuid(0x15, a, b, c, d);
	if (a == 0 || b == 0 || c == 0)
		return 0;
	return (uint64_t)c * b / a;
}

/* Hypervisors that implement the 0x40000010 timing leaf give the TSC in kHz. */
static uint64_t
tsc_hz_from_hypervisor(void)
{
	unsigned int a, b, c, d;

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return 0;
	__cpuid(0x40000000, a, b, c, d);
	if (a < 0x40000010)
		return 0;
	__cpuid(0x40000010, a, b, c, d);
	return (uint64_t)a * 1000;
}

static uint64_t
ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

/* One clock read bracketed by TSC reads: the TSC at the read's midpoint. */
static int
paired_read(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	*tsc = 0;
	*ns = 0;
	/* Of a few tries, keep the tightest bracket: it had no interruption. */
	for (int i = 0; i < 5; i++) {
		struct timespec ts;
		uint64_t t0, t1;

		t0 = vdk_rdtsc();
		if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) < 0)
			return -errno;
		t1 = vdk_rdtsc();
		if (i == 0 || t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = ts_ns(&ts);
		}
	}
	return 0;
}

/* Ticks per second from readings (@tsc0, @ns0), once @ms have passed since. */
static uint64_t
measure_since(uint64_t tsc0, uint64_t ns0, unsigned int ms)
{
	uint64_t tsc1, ns1;

	for (;;) {
		uint64_t left;
		struct timespec sleep;

		if (paired_read(&tsc1, &ns1) < 0)
			return 0;
		if (ns1 >= ns0 + (uint64_t)ms * 1000000)
			break;
		left = ns0 + (uint64_t)ms * 1000000 - ns1;
		sleep.tv_sec = (time_t)(left / NSEC_PER_SEC);
		sleep.tv_nsec = (long)(left % NSEC_PER_SEC);
		nanosleep(&sleep, NULL); /* an EINTR loops back: the clock decides */
	}
	return (uint64_t)((unsigned __int128)(tsc1 - tsc0) * NSEC_PER_SEC / (ns1 - ns0));
}

uint64_t
eal_tsc_measure_hz(unsigned int ms)
{
	uint64_t tsc0, ns0;

	if (paired_read(&tsc0, &ns0) < 0)
		return 0;
	return measure_since(tsc0, ns0, ms);
}

void
eal_tsc_calibrate_start(void)
{
	if (tsc_start.set || __atomic_load_n(&tsc_hz, __ATOMIC_ACQUIRE) != 0)
		return;
	if (paired_read(&tsc_start.tsc, &tsc_start.ns) == 0)
		tsc_start.set = true;
}

static void
calibrate(void)
{
	const char *how = "kernel tsc_freq_khz";
	uint64_t hz = tsc_hz_from_sysfs();

	if (hz == 0) {
		how = "CPUID leaf 0x15";
		hz = tsc_hz_from_cpuid();
	}
	if (hz == 0) {
		how = "hypervisor timing leaf";
		hz = tsc_hz_from_hypervisor();
	}
	if (hz == 0) {
		how = "measured against CLOCK_MONOTONIC_RAW";
		hz = tsc_start.set ? measure_since(tsc_start.tsc, tsc_start.ns, TSC_MEASURE_MS) :
				     eal_tsc_measure_hz(TSC_MEASURE_MS);
		/* Round to 10 kHz: finer digits are noise. */
		hz = (hz + 5000) / 10000 * 10000;
	}
	if (hz == 0) {
		/* Delays must still end; 1 GHz keeps them the right order of size. */
		VDK_LOG(WARNING, EAL, "cannot find the TSC frequency; assuming 1 GHz, "
			"so delays and rates will be off");
		hz = NSEC_PER_SEC;
		how = "assumed";
	}
	VDK_LOG(DEBUG, EAL, "TSC runs at %llu Hz (%s)", (unsigned long long)hz, how);
	__atomic_store_n(&tsc_hz, hz, __ATOMIC_RELEASE);
}

uint64_t
vdk_get_tsc_hz(void)
{
	uint64_t hz = __atomic_load_n(&tsc_hz, __ATOMIC_ACQUIRE);

	if (vdk_likely(hz != 0))
		return hz;
	pthread_once(&tsc_once, calibrate);
	return __atomic_load_n(&tsc_hz, __ATOMIC_ACQUIRE);
}

static void
delay_ticks(uint64_t ticks)
{
	uint64_t start = vdk_rdtsc();

	while (vdk_rdtsc() - start < ticks)
		vdk_pause();
}

void
vdk_delay_us(unsigned int us)
{
	delay_ticks((uint64_t)((unsigned __int128)vdk_get_tsc_hz() * us / 1000000));
}

void
vdk_delay_ms(unsigned int ms)
{
	delay_ticks((uint64_t)((unsigned __int128)vdk_get_tsc_hz() * ms / 1000));
}

void
vdk_sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
