/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: a table of component types with one level each, a global cap,
 * and level patterns that also apply to types registered later (drivers
 * register theirs from constructors, apps after vdk_eal_init()).
 *
 * Levels are read without a lock on every message, so they are plain
 * words accessed with relaxed atomics; the table's shape (names, count,
 * patterns) changes only under log_lock.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eal_core_internal.h"
#include "vdk_log.h"

#define LOG_TYPE_NAMESIZE 32
#define LOG_MAX_PATTERNS 32
#define LOG_DEFAULT_GLOBAL VDK_LOG_DEBUG
#define LOG_DEFAULT_TYPE VDK_LOG_INFO

/* Most messages fit; longer ones take one heap allocation. */
#define LOG_LINE_SIZE 512

struct log_type {
	char name[LOG_TYPE_NAMESIZE];
	uint32_t level;
	uint32_t default_level;	/* what eal_log_reset() returns to */
};

struct log_pattern {
	char pattern[LOG_TYPE_NAMESIZE];
	uint32_t level;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static struct log_type log_types[VDK_LOG_MAX_TYPES] = {
	[VDK_LOGTYPE_EAL] = { "eal", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_MEMORY] = { "memory", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_MALLOC] = { "malloc", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_RING] = { "ring", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_MEMPOOL] = { "mempool", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_MBUF] = { "mbuf", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_PCI] = { "pci", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_VFIO] = { "vfio", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_INTR] = { "intr", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_DMA] = { "dma", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_ETHDEV] = { "ethdev", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_NET] = { "net", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_NVME] = { "nvme", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_APP] = { "app", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
	[VDK_LOGTYPE_USER] = { "user", LOG_DEFAULT_TYPE, LOG_DEFAULT_TYPE },
};
static uint32_t log_nb_types = VDK_LOGTYPE_FIRST_DYNAMIC;

static struct log_pattern log_patterns[LOG_MAX_PATTERNS];
static unsigned int log_nb_patterns;

static uint32_t log_global_level = LOG_DEFAULT_GLOBAL;
static FILE *log_stream;	/* NULL: stderr */

static bool
level_valid(uint32_t level)
{
	return level >= VDK_LOG_EMERG && level <= VDK_LOG_DEBUG;
}

static uint32_t
type_count(void)
{
	return __atomic_load_n(&log_nb_types, __ATOMIC_ACQUIRE);
}

int
vdk_log_can_log(uint32_t level, uint32_t type)
{
	uint32_t type_level = LOG_DEFAULT_TYPE;

	if (level > __atomic_load_n(&log_global_level, __ATOMIC_RELAXED))
		return 0;
	/* An unknown type still gets its errors out, at the default level. */
	if (type < type_count())
		type_level = __atomic_load_n(&log_types[type].level, __ATOMIC_RELAXED);
	return level <= type_level;
}

void
vdk_log(uint32_t level, uint32_t type, const char *fmt, ...)
{
	char line[LOG_LINE_SIZE];
	char *buf = line;
	va_list ap;
	FILE *f;
	int n;

	if (!vdk_log_can_log(level, type))
		return;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL) {
			va_start(ap, fmt);
			vsnprintf(buf, (size_t)n + 1, fmt, ap);
			va_end(ap);
		} else {
			/* Better a cut message than none. */
			buf = line;
			n = sizeof(line) - 1;
		}
	}

	f = __atomic_load_n(&log_stream, __ATOMIC_ACQUIRE);
	if (f == NULL)
		f = stderr;
	/*
	 * One write under the stream's lock, so that lines from several
	 * lcores never interleave; the flush makes a memstream or a log file
	 * show the line at once, which tests and crash analysis rely on.
	 */
	flockfile(f);
	fwrite_unlocked(buf, 1, (size_t)n, f);
	fflush_unlocked(f);
	funlockfile(f);

	if (buf != line)
		free(buf);
}

void
vdk_log_set_stream(FILE *f)
{
	__atomic_store_n(&log_stream, f, __ATOMIC_RELEASE);
}

const char *
vdk_log_type_name(uint32_t type)
{
	if (type >= type_count())
		return "?";
	return log_types[type].name;
}

static bool
type_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= LOG_TYPE_NAMESIZE)
		return false;
	/* No ':' or glob characters, so --log-level=NAME:LEVEL stays parseable. */
	for (const char *p = name; *p != '\0'; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '.' && *p != '_' && *p != '-')
			return false;
	return true;
}

int
vdk_log_register_type(const char *name, uint32_t default_level)
{
	uint32_t level = default_level;
	uint32_t id;
	int ret;

	if (name == NULL || !type_name_valid(name) || !level_valid(default_level))
		return -EINVAL;

	pthread_mutex_lock(&log_lock);
	for (id = 0; id < log_nb_types; id++) {
		if (strcmp(log_types[id].name, name) == 0) {
			ret = (int)id;
			goto unlock;
		}
	}
	if (log_nb_types == VDK_LOG_MAX_TYPES) {
		ret = -ENOSPC;
		goto unlock;
	}
	/* Patterns given earlier (on the command line) win over the default. */
	for (unsigned int i = 0; i < log_nb_patterns; i++)
		if (fnmatch(log_patterns[i].pattern, name, 0) == 0)
			level = log_patterns[i].level;

	snprintf(log_types[id].name, sizeof(log_types[id].name), "%s", name);
	log_types[id].default_level = default_level;
	__atomic_store_n(&log_types[id].level, level, __ATOMIC_RELAXED);
	/* Publish the filled entry before the count that makes it visible. */
	__atomic_store_n(&log_nb_types, id + 1, __ATOMIC_RELEASE);
	ret = (int)id;
unlock:
	pthread_mutex_unlock(&log_lock);
	return ret;
}

int
eal_log_type_lookup(const char *name)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&log_lock);
	for (uint32_t id = 0; id < log_nb_types; id++) {
		if (strcmp(log_types[id].name, name) == 0) {
			ret = (int)id;
			break;
		}
	}
	pthread_mutex_unlock(&log_lock);
	return ret;
}

int
vdk_log_set_level(uint32_t type, uint32_t level)
{
	if (type >= type_count() || !level_valid(level))
		return -EINVAL;
	__atomic_store_n(&log_types[type].level, level, __ATOMIC_RELAXED);
	return 0;
}

int
vdk_log_set_level_pattern(const char *pattern, uint32_t level)
{
	unsigned int i;
	int ret = 0;

	if (pattern == NULL || pattern[0] == '\0' ||
	    strlen(pattern) >= LOG_TYPE_NAMESIZE || !level_valid(level))
		return -EINVAL;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < log_nb_patterns; i++)
		if (strcmp(log_patterns[i].pattern, pattern) == 0)
			break;
	if (i < log_nb_patterns) {
		/* Move it last: the newest setting wins for later types. */
		memmove(&log_patterns[i], &log_patterns[i + 1],
			(log_nb_patterns - i - 1) * sizeof(log_patterns[0]));
		log_nb_patterns--;
	} else if (log_nb_patterns == LOG_MAX_PATTERNS) {
		ret = -ENOSPC;
		goto unlock;
	}
	snprintf(log_patterns[log_nb_patterns].pattern,
		 sizeof(log_patterns[0].pattern), "%s", pattern);
	log_patterns[log_nb_patterns].level = level;
	log_nb_patterns++;

	for (uint32_t id = 0; id < log_nb_types; id++)
		if (fnmatch(pattern, log_types[id].name, 0) == 0)
			__atomic_store_n(&log_types[id].level, level, __ATOMIC_RELAXED);
unlock:
	pthread_mutex_unlock(&log_lock);
	return ret;
}

int
vdk_log_get_level(uint32_t type)
{
	if (type >= type_count())
		return -EINVAL;
	return (int)__atomic_load_n(&log_types[type].level, __ATOMIC_RELAXED);
}

int
vdk_log_set_global_level(uint32_t level)
{
	if (!level_valid(level))
		return -EINVAL;
	__atomic_store_n(&log_global_level, level, __ATOMIC_RELAXED);
	return 0;
}

uint32_t
vdk_log_get_global_level(void)
{
	return __atomic_load_n(&log_global_level, __ATOMIC_RELAXED);
}

static const char *const level_names[] = {
	[VDK_LOG_EMERG] = "emerg",
	[VDK_LOG_ALERT] = "alert",
	[VDK_LOG_CRIT] = "crit",
	[VDK_LOG_ERR] = "err",
	[VDK_LOG_WARNING] = "warning",
	[VDK_LOG_NOTICE] = "notice",
	[VDK_LOG_INFO] = "info",
	[VDK_LOG_DEBUG] = "debug",
};

int
vdk_log_parse_level(const char *s)
{
	char *end;
	long v;

	if (s == NULL || s[0] == '\0')
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || !level_valid((uint32_t)v) || v > VDK_LOG_DEBUG)
			return -EINVAL;
		return (int)v;
	}
	for (int l = VDK_LOG_EMERG; l <= VDK_LOG_DEBUG; l++)
		if (strcasecmp(s, level_names[l]) == 0)
			return l;
	/* The spellings people type as often as syslog's own. */
	if (strcasecmp(s, "error") == 0)
		return VDK_LOG_ERR;
	if (strcasecmp(s, "warn") == 0)
		return VDK_LOG_WARNING;
	if (strcasecmp(s, "critical") == 0)
		return VDK_LOG_CRIT;
	return -EINVAL;
}

void
eal_log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	log_nb_patterns = 0;
	for (uint32_t id = 0; id < log_nb_types; id++)
		__atomic_store_n(&log_types[id].level, log_types[id].default_level,
				 __ATOMIC_RELAXED);
	__atomic_store_n(&log_global_level, LOG_DEFAULT_GLOBAL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&log_lock);
}
