/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the option parser, devargs, lcores, log and cycles code of the EAL
 * share with each other and with their unit tests. Memory and the heap
 * do not need any of it: they use eal_internal.h.
 */
#ifndef EAL_CORE_INTERNAL_H
#define EAL_CORE_INTERNAL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eal_internal.h"

/* eal_options.c */

/* Print the option summary that -h shows. */
void eal_usage(FILE *f, const char *prgname);

/*
 * Parse a CPU list in the kernel's format ("0-3,5") into @set.
 * Returns 0 or -EINVAL. Used for /sys/devices/system/cpu/online.
 */
int eal_parse_cpulist(const char *s, cpu_set_t *set);

/* Write @set as a CPU list ("0-1,4") into @buf; "none" if empty. */
void eal_format_cpulist(const cpu_set_t *set, char *buf, size_t len);

/*
 * Parse an -l argument ("0-3,5", "0@2,1@3") into @cfg's lcore table,
 * checking every CPU against @allowed (the process affinity mask) and,
 * for a clearer message, @online. Returns 0 or -EINVAL with a log line.
 */
int eal_parse_lcores(struct eal_config *cfg, const char *arg,
		     const cpu_set_t *allowed, const cpu_set_t *online);

/* eal_devargs.c */

/*
 * Parse a PCI address, full ("0000:00:04.0") or short ("00:04.0"), and
 * write its full form to @out (at least 13 bytes). Returns 0 or -EINVAL.
 * Nothing is logged: callers say in what context the address was bad.
 */
int eal_parse_bdf(const char *s, char *out, size_t len);

/*
 * Add a device given as -a, -b or --vdev ("BDF[,k=v...]", "NAME[,k=v...]")
 * to @cfg. Returns 0 or -EINVAL with a log line naming the option.
 */
int eal_devargs_add(struct eal_config *cfg, enum vdk_devtype type, const char *arg);

/* Free what eal_devargs_add() allocated and forget the devices. */
void eal_devargs_release(struct eal_config *cfg);

/* eal_log.c */

/* Id of the registered type called @name, or -ENOENT. */
int eal_log_type_lookup(const char *name);

/* eal_cycles.c */

/*
 * Measure the TSC against CLOCK_MONOTONIC_RAW for @ms milliseconds.
 * Returns ticks per second, 0 if the clock failed.
 */
uint64_t eal_tsc_measure_hz(unsigned int ms);

/*
 * Take the first readings of the TSC measurement now (vdk_eal_init() does,
 * as it starts), so that the first vdk_get_tsc_hz() waits only for what is
 * left of the measurement's 10 ms. Does nothing once the frequency is known.
 */
void eal_tsc_calibrate_start(void);

/* eal_bus.c */

/*
 * Probe every registered bus in registration order; on a failure remove
 * those probed before it and return the failure's negative errno.
 */
int eal_bus_probe_all(void);

/* Remove every registered bus's devices, newest bus first. */
void eal_bus_remove_all(void);

#endif /* EAL_CORE_INTERNAL_H */
