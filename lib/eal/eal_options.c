/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's command line, with DPDK's option names and meanings so that
 * existing command lines keep working.
 *
 * Parsing stops at "--" or at the first argument that is not an option,
 * and never reorders argv: what follows belongs to the app. Everything is
 * checked before anything takes effect, so a bad command line changes
 * nothing (log levels included) and init can be retried.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal_core_internal.h"
#include "eal_version.h"
#include "vdk_log.h"

struct eal_config eal_cfg;

#define EAL_DEFAULT_FILE_PREFIX "vdk"
#define EAL_MAX_LOG_OPTS 16
#define EAL_LOG_PATTERN_SIZE 32
/* Keeps MB -> bytes from overflowing size_t, with room to spare. */
#define EAL_MAX_MEM_MB ((size_t)1 << 30)

enum {
	OPT_MAIN_LCORE = 256,
	OPT_VDEV,
	OPT_NO_HUGE,
	OPT_SOCKET_MEM,
	OPT_HUGE_DIR,
	OPT_FILE_PREFIX,
	OPT_IOVA_MODE,
	OPT_NO_PCI,
	OPT_NO_TELEMETRY,
	OPT_LOG_LEVEL,
	OPT_VFIO_BACKEND,
};

/* '+': stop at the first non-option, never permute; ':': report a missing argument. */
static const char short_opts[] = "+:l:a:b:m:n:vh";

static const struct option long_opts[] = {
	{ "lcores", required_argument, NULL, 'l' },
	{ "main-lcore", required_argument, NULL, OPT_MAIN_LCORE },
	{ "allow", required_argument, NULL, 'a' },
	{ "block", required_argument, NULL, 'b' },
	{ "vdev", required_argument, NULL, OPT_VDEV },
	{ "no-huge", no_argument, NULL, OPT_NO_HUGE },
	{ "socket-mem", required_argument, NULL, OPT_SOCKET_MEM },
	{ "huge-dir", required_argument, NULL, OPT_HUGE_DIR },
	{ "file-prefix", required_argument, NULL, OPT_FILE_PREFIX },
	{ "iova-mode", required_argument, NULL, OPT_IOVA_MODE },
	{ "no-pci", no_argument, NULL, OPT_NO_PCI },
	{ "no-telemetry", no_argument, NULL, OPT_NO_TELEMETRY },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "vfio-backend", required_argument, NULL, OPT_VFIO_BACKEND },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void
eal_usage(FILE *f, const char *prgname)
{
	fprintf(f,
		"Usage: %s [EAL options] -- [app options]\n"
		"\n"
		"EAL options:\n"
		"  -l, --lcores LIST       lcores to use: CPU ids and ranges (0-3,5), or\n"
		"                          LCORE@CPU pairs (0@2,1@3); default: every CPU\n"
		"                          this process may run on\n"
		"  --main-lcore ID         lcore that runs main(); default: the first\n"
		"  -a, --allow BDF[,k=v]   use this PCI device (0000:00:04.0 or 00:04.0);\n"
		"                          repeat for more; the others are left alone\n"
		"  -b, --block BDF         do not use this PCI device; not with -a\n"
		"  --vdev NAME[,k=v]       add a virtual device (net_null0, net_ring0, ...)\n"
		"  --no-pci                do not touch the PCI bus\n"
		"  --no-telemetry          no telemetry socket (see vdk-telemetry)\n"
		"  --no-huge               use ordinary memory instead of hugepages\n"
		"  -m MB                   reserve MB megabytes up front\n"
		"  --socket-mem MB[,MB..]  reserve MB megabytes on each NUMA node\n"
		"  --huge-dir DIR          hugetlbfs mount to use\n"
		"  --file-prefix NAME      name for this process's files (default vdk)\n"
		"  --iova-mode pa|va       device addresses: physical or virtual\n"
		"  --vfio-backend auto|mainline|vdk\n"
		"                          what opens PCI devices: the kernel's vfio-pci\n"
		"                          (mainline), VDK's vdk_vfio module (vdk), or\n"
		"                          whichever the device is bound to (auto, default)\n"
		"  --log-level [TYPE:]LVL  log level, by number (1-8) or name (debug);\n"
		"                          TYPE may be a pattern (net.*); repeatable\n"
		"  -n N                    memory channels: accepted for DPDK command\n"
		"                          lines, ignored\n"
		"  -v, --version           print the version\n"
		"  -h, --help              print this help\n",
		prgname != NULL ? prgname : "app");
}

const char *
vdk_version(void)
{
	return "VDK " VDK_VERSION;
}

void
eal_config_defaults(struct eal_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "%s", EAL_DEFAULT_FILE_PREFIX);
	cfg->iova_mode = VDK_IOVA_DC;
}

void
eal_config_release(struct eal_config *cfg)
{
	eal_devargs_release(cfg);
}

/* A decimal number with nothing after it. */
static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parse a decimal number at *p, advancing past it. */
static int
parse_num(const char **p, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno != 0 || *v > max)
		return -EINVAL;
	*p = end;
	return 0;
}

/* Parse "N" or "N-M" at *p, advancing past it. */
static int
parse_range(const char **p, unsigned long max, unsigned long *lo, unsigned long *hi)
{
	const char *s = *p;

	if (parse_num(&s, max, lo) < 0)
		return -EINVAL;
	*hi = *lo;
	if (*s == '-') {
		s++;
		if (parse_num(&s, max, hi) < 0 || *hi < *lo)
			return -EINVAL;
	}
	*p = s;
	return 0;
}

int
eal_parse_cpulist(const char *s, cpu_set_t *set)
{
	unsigned long lo, hi;
	const char *p = s;

	CPU_ZERO(set);
	while (*p != '\0' && *p != '\n') {
		if (parse_range(&p, CPU_SETSIZE - 1, &lo, &hi) < 0)
			return -EINVAL;
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (*p == ',')
			p++;
		else if (*p != '\0' && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

void
eal_format_cpulist(const cpu_set_t *set, char *buf, size_t len)
{
	size_t off = 0;
	int c = 0;

	buf[0] = '\0';
	while (c < CPU_SETSIZE && off < len) {
		int lo;

		if (!CPU_ISSET(c, set)) {
			c++;
			continue;
		}
		lo = c;
		while (c + 1 < CPU_SETSIZE && CPU_ISSET(c + 1, set))
			c++;
		if (lo == c)
			off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? "," : "", lo);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "",
						lo, c);
		c++;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

/* Explain why @cpu cannot host an lcore. */
static void
log_bad_cpu(const char *arg, unsigned long cpu, const cpu_set_t *allowed,
	    const cpu_set_t *online)
{
	char list[256];

	eal_format_cpulist(allowed, list, sizeof(list));
	if (cpu < CPU_SETSIZE && CPU_ISSET(cpu, online))
		VDK_LOG(ERR, EAL, "-l %s: CPU %lu is online but not in this process's "
			"CPU affinity mask (allowed CPUs: %s): pick lcores from %s or "
			"widen the mask (taskset)", arg, cpu, list, list);
	else
		VDK_LOG(ERR, EAL, "-l %s: CPU %lu does not exist or is offline "
			"(allowed CPUs: %s): pick lcores from %s", arg, cpu, list, list);
}

int
eal_parse_lcores(struct eal_config *cfg, const char *arg,
		 const cpu_set_t *allowed, const cpu_set_t *online)
{
	bool seen[VDK_MAX_LCORE] = { false };
	unsigned int cpu_of[VDK_MAX_LCORE];
	unsigned long lo, hi, cpu;
	const char *p = arg;

	if (*p == '\0')
		goto syntax;
	while (*p != '\0') {
		if (parse_range(&p, ULONG_MAX, &lo, &hi) < 0)
			goto syntax;
		if (hi >= VDK_MAX_LCORE) {
			VDK_LOG(ERR, EAL, "-l %s: lcore %lu is too large: lcore ids go "
				"up to %d; map a higher CPU with LCORE@CPU (0@%lu)",
				arg, hi, VDK_MAX_LCORE - 1, hi);
			return -EINVAL;
		}
		if (*p == '@') {
			/* LCORE@CPU: only for a single lcore. */
			p++;
			if (lo != hi || parse_num(&p, ULONG_MAX, &cpu) < 0)
				goto syntax;
			if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, allowed)) {
				log_bad_cpu(arg, cpu, allowed, online);
				return -EINVAL;
			}
			if (seen[lo])
				goto twice;
			seen[lo] = true;
			cpu_of[lo] = (unsigned int)cpu;
		} else {
			for (unsigned long l = lo; l <= hi; l++) {
				if (!CPU_ISSET(l, allowed)) {
					log_bad_cpu(arg, l, allowed, online);
					return -EINVAL;
				}
				if (seen[l]) {
					lo = l;
					goto twice;
				}
				seen[l] = true;
				cpu_of[l] = (unsigned int)l;
			}
		}
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			goto syntax;
	}

	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		cfg->lcore_enabled[l] = seen[l];
		cfg->lcore_cpu[l] = seen[l] ? cpu_of[l] : 0;
	}
	return 0;

syntax:
	VDK_LOG(ERR, EAL, "-l '%s': not a list of lcores: use CPU ids and ranges "
		"separated by commas (0-3,5) or LCORE@CPU pairs (0@2,1@3)", arg);
	return -EINVAL;
twice:
	VDK_LOG(ERR, EAL, "-l %s: lcore %lu is listed twice; list each lcore once",
		arg, lo);
	return -EINVAL;
}

/* The default lcore set: every CPU we may run on, lcore id = CPU id. */
static int
default_lcores(struct eal_config *cfg, const cpu_set_t *allowed)
{
	unsigned int n = 0;

	for (unsigned int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, allowed))
			continue;
		if (c >= VDK_MAX_LCORE) {
			VDK_LOG(NOTICE, EAL, "CPU %u and above are not used by default: "
				"lcore ids go up to %d; use -l LCORE@CPU to reach them",
				c, VDK_MAX_LCORE - 1);
			break;
		}
		cfg->lcore_enabled[c] = true;
		cfg->lcore_cpu[c] = c;
		n++;
	}
	if (n == 0) {
		VDK_LOG(ERR, EAL, "no CPU in this process's affinity mask can be an "
			"lcore; give lcores with -l LCORE@CPU");
		return -EINVAL;
	}
	return 0;
}

static int
read_cpu_sets(cpu_set_t *allowed, cpu_set_t *online)
{
	char buf[1024];
	FILE *f;

	if (sched_getaffinity(0, sizeof(*allowed), allowed) < 0) {
		int err = errno;

		VDK_LOG(ERR, EAL, "cannot read this process's CPU affinity: %s",
			strerror(err));
		return -err;
	}
	/* Only used to word a message, so a failure to read it is no error. */
	CPU_ZERO(online);
	f = fopen("/sys/devices/system/cpu/online", "re");
	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL && eal_parse_cpulist(buf, online) < 0)
			CPU_ZERO(online);
		fclose(f);
	}
	return 0;
}

static int
parse_mem_mb(const char *opt, const char *arg, size_t *mb)
{
	unsigned long v;

	if (parse_uint(arg, EAL_MAX_MEM_MB, &v) < 0 || v == 0) {
		VDK_LOG(ERR, EAL, "%s '%s': not a memory size: give a whole number of "
			"megabytes above 0, for example %s 512", opt, arg, opt);
		return -EINVAL;
	}
	*mb = v;
	return 0;
}

static int
parse_socket_mem(struct eal_config *cfg, const char *arg)
{
	size_t total = 0;
	unsigned int node = 0;
	const char *p = arg;

	memset(cfg->socket_mem_mb, 0, sizeof(cfg->socket_mem_mb));
	for (;;) {
		size_t n = strcspn(p, ",");
		char num[24];
		unsigned long v;

		if (node == EAL_MAX_NUMA_NODES) {
			VDK_LOG(ERR, EAL, "--socket-mem %s: more than %d NUMA nodes",
				arg, EAL_MAX_NUMA_NODES);
			return -EINVAL;
		}
		if (n == 0 || n >= sizeof(num))
			goto bad;
		memcpy(num, p, n);
		num[n] = '\0';
		if (parse_uint(num, EAL_MAX_MEM_MB, &v) < 0)
			goto bad;
		cfg->socket_mem_mb[node++] = v;
		total += v;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (total == 0) {
		VDK_LOG(ERR, EAL, "--socket-mem %s: asks for no memory at all: give "
			"megabytes for at least one node, or leave the option out", arg);
		return -EINVAL;
	}
	cfg->socket_mem_set = true;
	return 0;
bad:
	VDK_LOG(ERR, EAL, "--socket-mem '%s': use megabytes per NUMA node separated "
		"by commas, for example --socket-mem 512,0", arg);
	return -EINVAL;
}

static int
parse_file_prefix(struct eal_config *cfg, const char *arg)
{
	size_t len = strlen(arg);
	bool ok = len > 0 && len < sizeof(cfg->file_prefix);

	/* It becomes part of file names: no '/', no spaces, nothing odd. */
	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)arg[i]) || arg[i] == '_' ||
		     arg[i] == '-' || arg[i] == '.';
	if (!ok) {
		VDK_LOG(ERR, EAL, "--file-prefix '%s': use 1 to %zu letters, digits, "
			"'_', '-' or '.'", arg, sizeof(cfg->file_prefix) - 1);
		return -EINVAL;
	}
	memcpy(cfg->file_prefix, arg, len + 1);
	return 0;
}

/* A --log-level option, checked while parsing and applied at the end. */
struct log_opt {
	char pattern[EAL_LOG_PATTERN_SIZE];	/* "" for the global form */
	uint32_t level;
};

static int
parse_log_level(const char *arg, struct log_opt *lo)
{
	const char *colon = strrchr(arg, ':');
	const char *lvl = colon != NULL ? colon + 1 : arg;
	int level = vdk_log_parse_level(lvl);
	size_t plen = colon != NULL ? (size_t)(colon - arg) : 0;

	if (level < 0) {
		VDK_LOG(ERR, EAL, "--log-level %s: unknown level '%s': use 1-8 or "
			"emerg, alert, crit, err, warning, notice, info, debug", arg, lvl);
		return -EINVAL;
	}
	if (colon != NULL && (plen == 0 || plen >= sizeof(lo->pattern))) {
		VDK_LOG(ERR, EAL, "--log-level %s: give a log type or pattern of 1 to "
			"%zu characters before ':', for example pci:debug", arg,
			sizeof(lo->pattern) - 1);
		return -EINVAL;
	}
	memcpy(lo->pattern, arg, plen);
	lo->pattern[plen] = '\0';
	lo->level = (uint32_t)level;
	return 0;
}

/*
 * The global form sets the cap and every type; the per-type forms come
 * after it whatever the order on the command line, so that
 * "--log-level=warning --log-level=pci:debug" means what it says.
 */
static void
apply_log_levels(const struct log_opt *opts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (opts[i].pattern[0] != '\0')
			continue;
		vdk_log_set_global_level(opts[i].level);
		vdk_log_set_level_pattern("*", opts[i].level);
	}
	for (unsigned int i = 0; i < n; i++) {
		const char *pat = opts[i].pattern;

		if (pat[0] == '\0')
			continue;
		vdk_log_set_level_pattern(pat, opts[i].level);
		/* A type asked to be louder than the cap would stay silent. */
		if (opts[i].level > vdk_log_get_global_level())
			vdk_log_set_global_level(opts[i].level);
		if (strpbrk(pat, "*?[") == NULL && eal_log_type_lookup(pat) < 0)
			VDK_LOG(NOTICE, EAL, "--log-level %s: no log type '%s' is registered "
				"yet; the level applies if one registers later", pat, pat);
	}
}

static void
log_bad_option(char **argv, int c)
{
	/* For a long option (and a short one ending its word) getopt has moved past it. */
	const char *word = argv[optind - 1];
	bool long_opt = strncmp(word, "--", 2) == 0;

	if (c == ':') {
		if (long_opt)
			VDK_LOG(ERR, EAL, "option %s needs an argument; see -h", word);
		else
			VDK_LOG(ERR, EAL, "option -%c needs an argument; see -h", optopt);
	} else if (optopt == 0) {
		VDK_LOG(ERR, EAL, "unknown or ambiguous option %s: EAL options are "
			"listed by -h; put the app's own options after '--'", word);
	} else if (optopt > UCHAR_MAX || strchr(short_opts + 2, optopt) != NULL) {
		/* A known long option that was given "=value". */
		VDK_LOG(ERR, EAL, "option %s takes no argument", word);
	} else {
		VDK_LOG(ERR, EAL, "unknown option -%c: EAL options are listed by -h; "
			"put the app's own options after '--'", optopt);
	}
}

static int
parse_one(struct eal_config *cfg, int c, const char *arg, const cpu_set_t *allowed,
	  const cpu_set_t *online, bool *lcores_given, bool *main_given)
{
	unsigned long v;

	switch (c) {
	case 'l':
		if (*lcores_given) {
			VDK_LOG(ERR, EAL, "-l given twice; give one list of lcores");
			return -EINVAL;
		}
		*lcores_given = true;
		return eal_parse_lcores(cfg, arg, allowed, online);
	case OPT_MAIN_LCORE:
		if (*main_given) {
			VDK_LOG(ERR, EAL, "--main-lcore given twice; give it once");
			return -EINVAL;
		}
		if (parse_uint(arg, VDK_MAX_LCORE - 1, &v) < 0) {
			VDK_LOG(ERR, EAL, "--main-lcore '%s': not an lcore id (0-%d)",
				arg, VDK_MAX_LCORE - 1);
			return -EINVAL;
		}
		*main_given = true;
		cfg->main_lcore = (unsigned int)v;
		return 0;
	case 'a':
		return eal_devargs_add(cfg, VDK_DEVTYPE_ALLOWED, arg);
	case 'b':
		return eal_devargs_add(cfg, VDK_DEVTYPE_BLOCKED, arg);
	case OPT_VDEV:
		return eal_devargs_add(cfg, VDK_DEVTYPE_VDEV, arg);
	case OPT_NO_HUGE:
		cfg->no_huge = true;
		return 0;
	case OPT_NO_PCI:
		cfg->no_pci = true;
		return 0;
	case OPT_NO_TELEMETRY:
		cfg->no_telemetry = true;
		return 0;
	case 'm':
		return parse_mem_mb("-m", arg, &cfg->mem_mb);
	case OPT_SOCKET_MEM:
		return parse_socket_mem(cfg, arg);
	case OPT_HUGE_DIR:
		if (arg[0] == '\0' || strlen(arg) >= sizeof(cfg->huge_dir)) {
			VDK_LOG(ERR, EAL, "--huge-dir: give the path of a hugetlbfs mount");
			return -EINVAL;
		}
		snprintf(cfg->huge_dir, sizeof(cfg->huge_dir), "%s", arg);
		return 0;
	case OPT_FILE_PREFIX:
		return parse_file_prefix(cfg, arg);
	case OPT_IOVA_MODE:
		if (strcmp(arg, "pa") == 0) {
			cfg->iova_mode = VDK_IOVA_PA;
		} else if (strcmp(arg, "va") == 0) {
			cfg->iova_mode = VDK_IOVA_VA;
		} else {
			VDK_LOG(ERR, EAL, "--iova-mode '%s': use pa (physical addresses, "
				"no IOMMU) or va (virtual addresses, needs an IOMMU)", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_VFIO_BACKEND:
		if (strcmp(arg, "auto") == 0) {
			cfg->vfio_backend = EAL_VFIO_AUTO;
		} else if (strcmp(arg, "mainline") == 0) {
			cfg->vfio_backend = EAL_VFIO_MAINLINE;
		} else if (strcmp(arg, "vdk") == 0) {
			cfg->vfio_backend = EAL_VFIO_VDK;
		} else {
			VDK_LOG(ERR, EAL, "--vfio-backend '%s': use auto (by the driver each "
				"device is bound to), mainline (the kernel's vfio-pci) or vdk "
				"(VDK's vdk_vfio module)", arg);
			return -EINVAL;
		}
		return 0;
	case 'n':
		/* DPDK's memory channel count: nothing here depends on it. */
		if (parse_uint(arg, 64, &v) < 0 || v == 0) {
			VDK_LOG(ERR, EAL, "-n '%s': not a memory channel count (1-64)", arg);
			return -EINVAL;
		}
		return 0;
	case 'v':
		printf("%s\n", vdk_version());
		return 0;
	}
	VDK_LOG(ERR, EAL, "option %d not handled: a bug in the EAL", c);
	return -EINVAL;
}

/* Cross-option rules, once every option is known. */
static int
check_config(struct eal_config *cfg, const cpu_set_t *allowed, bool lcores_given,
	     bool main_given)
{
	bool allow = false, block = false;

	if (!lcores_given && default_lcores(cfg, allowed) < 0)
		return -EINVAL;

	if (main_given) {
		if (!cfg->lcore_enabled[cfg->main_lcore]) {
			VDK_LOG(ERR, EAL, "--main-lcore %u is not in the lcore list: add "
				"it to -l or pick one of the listed lcores",
				cfg->main_lcore);
			return -EINVAL;
		}
	} else {
		unsigned int l = 0;

		while (!cfg->lcore_enabled[l])
			l++;
		cfg->main_lcore = l;
	}

	for (unsigned int i = 0; i < cfg->nb_devargs; i++) {
		allow |= cfg->devargs[i].type == VDK_DEVTYPE_ALLOWED;
		block |= cfg->devargs[i].type == VDK_DEVTYPE_BLOCKED;
	}
	if (allow && block) {
		VDK_LOG(ERR, EAL, "-a and -b cannot be used together: list the devices "
			"to use with -a, or the ones to avoid with -b");
		return -EINVAL;
	}
	if (cfg->mem_mb != 0 && cfg->socket_mem_set) {
		VDK_LOG(ERR, EAL, "-m and --socket-mem cannot be used together: give "
			"the total with -m or the amount per node with --socket-mem");
		return -EINVAL;
	}
	if (cfg->no_huge && cfg->socket_mem_set) {
		VDK_LOG(ERR, EAL, "--socket-mem needs hugepages: drop --no-huge, or "
			"size memory with -m");
		return -EINVAL;
	}
	return 0;
}

int
eal_parse_args(struct eal_config *cfg, int argc, char **argv)
{
	struct log_opt log_opts[EAL_MAX_LOG_OPTS];
	unsigned int nb_log_opts = 0;
	bool lcores_given = false, main_given = false;
	int saved_opterr = opterr;
	cpu_set_t allowed, online;
	int c, ret;

	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		VDK_LOG(ERR, EAL, "no program name in argv: pass main()'s argc and argv");
		return -EINVAL;
	}
	ret = read_cpu_sets(&allowed, &online);
	if (ret < 0)
		return ret;

	/* optind = 0 makes glibc forget an earlier (maybe failed) scan. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			eal_usage(stdout, argv[0]);
			ret = -ECANCELED;
			goto out;
		case '?':
		case ':':
			log_bad_option(argv, c);
			ret = -EINVAL;
			goto out;
		case OPT_LOG_LEVEL:
			if (nb_log_opts == EAL_MAX_LOG_OPTS) {
				VDK_LOG(ERR, EAL, "more than %d --log-level options; "
					"combine them with patterns", EAL_MAX_LOG_OPTS);
				ret = -EINVAL;
				goto out;
			}
			ret = parse_log_level(optarg, &log_opts[nb_log_opts]);
			if (ret < 0)
				goto out;
			nb_log_opts++;
			break;
		default:
			ret = parse_one(cfg, c, optarg, &allowed, &online,
					&lcores_given, &main_given);
			if (ret < 0)
				goto out;
		}
	}

	ret = check_config(cfg, &allowed, lcores_given, main_given);
	if (ret < 0)
		goto out;
	apply_log_levels(log_opts, nb_log_opts);

	/*
	 * Hand the app an argv that starts with the program name: the slot
	 * before its first argument (the last EAL option, or "--") takes it.
	 */
	ret = optind - 1;
	if (ret > 0)
		argv[ret] = argv[0];
out:
	/* The next getopt() anywhere (the app's own parser) starts afresh. */
	optind = 0;
	opterr = saved_opterr;
	return ret;
}
