/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Logging with levels and component types.
 *
 * Every message names its component ("ring: ", "pci: "). Levels follow
 * syslog. A message is written if its level is at or below both its
 * type's level (default info) and the global cap (default debug).
 *
 * `--log-level=LEVEL` sets the cap and every type, including types
 * registered later; `--log-level=TYPE:LEVEL` and `--log-level='net.*:info'`
 * set the matching types and raise the cap if needed. Per-type options
 * apply after the global one whatever their order. vdk_eal_cleanup() and a
 * failed vdk_eal_init() return every level to its default.
 */
#ifndef VDK_LOG_H
#define VDK_LOG_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Levels, as in syslog: lower is more severe. */
enum vdk_log_level {
	VDK_LOG_EMERG = 1,
	VDK_LOG_ALERT,
	VDK_LOG_CRIT,
	VDK_LOG_ERR,
	VDK_LOG_WARNING,
	VDK_LOG_NOTICE,
	VDK_LOG_INFO,
	VDK_LOG_DEBUG,
};

/** Built-in component types; drivers and apps register more at run time. */
enum vdk_log_type {
	VDK_LOGTYPE_EAL = 0,
	VDK_LOGTYPE_MEMORY,
	VDK_LOGTYPE_MALLOC,
	VDK_LOGTYPE_RING,
	VDK_LOGTYPE_MEMPOOL,
	VDK_LOGTYPE_MBUF,
	VDK_LOGTYPE_PCI,
	VDK_LOGTYPE_VFIO,
	VDK_LOGTYPE_INTR,
	VDK_LOGTYPE_DMA,
	VDK_LOGTYPE_ETHDEV,
	VDK_LOGTYPE_NET,
	VDK_LOGTYPE_NVME,
	VDK_LOGTYPE_APP,
	VDK_LOGTYPE_USER,
	VDK_LOGTYPE_FIRST_DYNAMIC, /**< first id vdk_log_register_type() gives */
};

/** Most log types a process can have, built-in and registered. */
#define VDK_LOG_MAX_TYPES 64

/**
 * Write a message if @p level is enabled for @p type and globally.
 * The caller supplies the component prefix and the newline (VDK_LOG does).
 * A type that is not registered logs at the default level (info).
 * Safe from any thread: each message is one locked write, so lines from
 * several threads never mix. Not for the datapath.
 */
void vdk_log(uint32_t level, uint32_t type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** True if a message of @p level for @p type would be written. */
int vdk_log_can_log(uint32_t level, uint32_t type);

/**
 * Register a component type by name (for example "net.virtio": lower-case
 * letters, digits, '.', '_' and '-', at most 31 characters). Levels set
 * earlier by a matching pattern apply to it at once.
 * @return its id (>= VDK_LOGTYPE_FIRST_DYNAMIC), the existing id if the name
 *   is registered already, -EINVAL for an empty, too long or badly formed
 *   name or a level outside 1..8, -ENOSPC when VDK_LOG_MAX_TYPES are in use.
 */
int vdk_log_register_type(const char *name, uint32_t default_level);

/** Set the level of one type. @return 0, or -EINVAL for a bad type or level. */
int vdk_log_set_level(uint32_t type, uint32_t level);

/**
 * Set the level of every type whose name matches @p pattern (fnmatch
 * globbing, "net.*"), now and for types registered later. Setting a
 * pattern again replaces it; the newest matching pattern wins.
 * @return 0; -EINVAL for a bad level or an empty or over-31-character
 *   pattern; -ENOSPC when 32 different patterns are remembered already.
 */
int vdk_log_set_level_pattern(const char *pattern, uint32_t level);

/** Level of one type, or -EINVAL for an unknown type. */
int vdk_log_get_level(uint32_t type);

/** Set the global cap. @return 0, or -EINVAL for a level outside 1..8. */
int vdk_log_set_global_level(uint32_t level);

/** The global cap. */
uint32_t vdk_log_get_global_level(void);

/**
 * Parse a level given by number ("7") or name ("debug", "warning").
 * @return the level, or -EINVAL.
 */
int vdk_log_parse_level(const char *s);

/**
 * Send messages to @p f (NULL: back to stderr), for tests and apps. Each
 * message is flushed, so a memstream or log file shows it at once.
 */
void vdk_log_set_stream(FILE *f);

/** Log with the component's name as prefix and a newline added. */
#define VDK_LOG(level, type, fmt, ...) \
	vdk_log(VDK_LOG_##level, VDK_LOGTYPE_##type, "%s: " fmt "\n", \
		vdk_log_type_name(VDK_LOGTYPE_##type), ##__VA_ARGS__)

/** Name of a type ("eal", "pci"); "?" for an unknown one. */
const char *vdk_log_type_name(uint32_t type);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_LOG_H */
