/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-nvme-perf's own options, after the EAL's: spdk_nvme_perf's names and
 * meanings (-q -o -w -M -t -c -r -P -a -L/-LL, --continue-on-error), plus
 * --json, --verify and --intr. Every refusal says which option and why.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "perf.h"
#include "vdk_pci.h"

void
perf_params_defaults(struct perf_params *p)
{
	memset(p, 0, sizeof(*p));
	p->depth = 1;
	p->io_size = 4096;
	p->pattern = PERF_RANDREAD;
	p->rwmixread = -1;
	p->time_s = 10;
	p->qpairs = 1;
}

void
perf_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [options]                   spdk_nvme_perf's command line, as it is\n"
		"       %s [EAL options] -- [options]  the EAL form: EAL options, \"--\", perf's\n"
		"\n"
		"  -q, --io-depth N           I/Os in flight per namespace per core (default 1)\n"
		"  -o, --io-size BYTES        size of each I/O, a multiple of the block size (default 4096)\n"
		"  -w, --io-pattern PATTERN   read, write, randread, randwrite, rw, randrw (default randread)\n"
		"  -M, --rwmixread PERCENT    reads among the I/Os of rw and randrw, 0..100\n"
		"  -t, --time SECONDS         measured run time (default 10)\n"
		"  -a, --warmup-time SECONDS  I/O before the measurement starts (default 0)\n"
		"  -c, --core-mask MASK       lcores that do I/O, a hexadecimal mask with or without\n"
		"                             0x, as SPDK reads it (-c 10 is lcore 4; default: the\n"
		"                             main lcore)\n"
		"  -r, --transport-id STRING  'trtype:PCIe traddr:0000:00:04.0 [ns:N]'; repeatable;\n"
		"                             default: every NVMe controller on vfio-pci\n"
		"  -P, --num-qpairs N         queue pairs per namespace per core (default 1, max %u)\n"
		"  -L, --enable-sw-latency-tracking   latency percentiles; -LL adds a histogram\n"
		"      --json FILE            write the results as JSON to FILE\n"
		"      --plot FILE.svg        draw the latency histogram and CDF and IOPS over time\n"
		"                             into FILE.svg (a picture for a browser)\n"
		"      --verify               write a pattern and check it when reading back\n"
		"      --intr                 sleep on interrupts instead of polling (one queue pair a core)\n"
		"      --continue-on-error    count failed I/Os by status and go on (default: the\n"
		"                             first failed I/O stops its namespace and exits 1)\n"
		"  -h, --help                 this text\n"
		"\n"
		"Without \"--\" the line is read as spdk_nvme_perf reads it: -c also starts the\n"
		"lcores, -r also puts the controller on the EAL's allow list, and\n"
		"  -s, --hugemem-size MB      memory to reserve (the EAL's -m)\n"
		"  -b, --allowed-pci-addr BDF a controller to probe (the EAL's -a)\n"
		"  -i, --shmem-grp-id ID      the EAL's --file-prefix spdkID\n"
		"  -Q, --continue-on-error N  as --continue-on-error (every error is counted)\n"
		"  -E, --enable-interrupt     as --intr\n"
		"      --transport STRING     as -r\n"
		"      --no-huge, --iova-mode MODE   the EAL's\n"
		"In the EAL form -a is the EAL's allow list before \"--\", perf's warm-up after.\n"
		"\n"
		"Examples: %s -q 32 -o 4096 -w randread -t 10 -r 'trtype:PCIe traddr:0000:00:04.0'\n"
		"          %s -l 0-1 -- -q 32 -o 4096 -w randread -t 10 -c 0x2 -L\n",
		prog, prog, PERF_MAX_QPAIRS, prog, prog);
}

static const char *const pattern_names[] = {
	[PERF_READ] = "read", [PERF_WRITE] = "write", [PERF_RANDREAD] = "randread",
	[PERF_RANDWRITE] = "randwrite", [PERF_RW] = "rw", [PERF_RANDRW] = "randrw",
};

const char *
perf_pattern_name(enum perf_pattern pat)
{
	return (unsigned int)pat < 6 ? pattern_names[pat] : "?";
}

int
perf_parse_pattern(const char *s, enum perf_pattern *out)
{
	for (unsigned int i = 0; i < 6; i++) {
		if (strcmp(s, pattern_names[i]) == 0) {
			*out = (enum perf_pattern)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* A whole number in [min, max], decimal or 0x hexadecimal. */
static int
parse_num(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0' || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * A core mask as spdk_nvme_perf reads it: hexadecimal, "0x" optional, so
 * "10" is lcore 4 (strtoull's base 0 would read it as decimal 10, lcores 1
 * and 3, and "010" as octal). Nothing but hex digits after the prefix.
 */
int
perf_parse_core_mask(const char *s, uint64_t *out)
{
	const char *digits = s;
	unsigned long long v;
	char *end;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		digits += 2;
	if (*digits == '\0')
		return -EINVAL;
	for (const char *c = digits; *c != '\0'; c++)
		if (!isxdigit((unsigned char)*c))
			return -EINVAL;
	errno = 0;
	v = strtoull(digits, &end, 16);
	if (errno != 0 || *end != '\0' || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * "trtype:PCIe traddr:0000:00:04.0 ns:1": key:value words; a value may
 * itself hold colons (the address). SPDK's dotted form 0000.00.04.0 and
 * '=' in place of ':' after a key are accepted.
 */
int
perf_parse_target(const char *s, struct perf_target *t)
{
	char buf[256], *word, *save = NULL;
	bool have_addr = false;

	memset(t, 0, sizeof(*t));
	if (s == NULL || strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "-r: transport ID too long\n");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (word = strtok_r(buf, " \t", &save); word != NULL; word = strtok_r(NULL, " \t", &save)) {
		char *sep = strpbrk(word, ":="), *val;
		unsigned long long v;

		if (sep == NULL || sep[1] == '\0') {
			fprintf(stderr, "-r '%s': \"%s\" is not key:value\n", s, word);
			return -EINVAL;
		}
		*sep = '\0';
		val = sep + 1;
		if (strcasecmp(word, "trtype") == 0) {
			if (strcasecmp(val, "PCIe") != 0) {
				fprintf(stderr, "-r '%s': trtype %s: only PCIe is supported\n", s, val);
				return -EINVAL;
			}
		} else if (strcasecmp(word, "traddr") == 0) {
			struct vdk_pci_addr a;
			char addr[32];

			if (strlen(val) >= sizeof(addr)) {
				fprintf(stderr, "-r '%s': traddr %s is too long\n", s, val);
				return -EINVAL;
			}
			snprintf(addr, sizeof(addr), "%s", val);
			/* SPDK's 0000.00.04.0: every dot but the last was a colon. */
			for (char *c = addr, *last = strrchr(addr, '.'); c < last; c++)
				if (*c == '.')
					*c = ':';
			if (vdk_pci_addr_parse(addr, &a) < 0) {
				fprintf(stderr, "-r '%s': traddr %s is not a PCI address (0000:00:04.0)\n",
					s, val);
				return -EINVAL;
			}
			vdk_pci_addr_format(&a, t->traddr, sizeof(t->traddr));
			have_addr = true;
		} else if (strcasecmp(word, "ns") == 0) {
			if (parse_num(val, 1, 0xfffffffe, &v) < 0) {
				fprintf(stderr, "-r '%s': ns %s: want a namespace ID, 1 and up\n", s, val);
				return -EINVAL;
			}
			t->nsid = (uint32_t)v;
		} else {
			fprintf(stderr, "-r '%s': unknown key \"%s\" (trtype, traddr, ns)\n", s, word);
			return -EINVAL;
		}
	}
	if (!have_addr) {
		fprintf(stderr, "-r '%s': no traddr: give the controller's PCI address\n", s);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_JSON = 256,
	OPT_PLOT,
	OPT_VERIFY,
	OPT_INTR,
	OPT_CONTINUE_ON_ERROR,
};

static const struct option long_opts[] = {
	{ "io-depth", required_argument, NULL, 'q' },
	{ "io-size", required_argument, NULL, 'o' },
	{ "io-pattern", required_argument, NULL, 'w' },
	{ "rwmixread", required_argument, NULL, 'M' },
	{ "time", required_argument, NULL, 't' },
	{ "warmup-time", required_argument, NULL, 'a' },
	{ "core-mask", required_argument, NULL, 'c' },
	{ "transport-id", required_argument, NULL, 'r' },
	{ "num-qpairs", required_argument, NULL, 'P' },
	{ "enable-sw-latency-tracking", no_argument, NULL, 'L' },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "intr", no_argument, NULL, OPT_INTR },
	{ "continue-on-error", no_argument, NULL, OPT_CONTINUE_ON_ERROR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define SHORT_OPTS "q:o:w:M:t:a:c:r:P:Lh"

static int
bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "%s %s: %s\n", opt, val, want);
	return -EINVAL;
}

int
perf_params_parse(struct perf_params *p, int argc, char **argv)
{
	unsigned long long v;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+" SHORT_OPTS, long_opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			if (parse_num(optarg, 1, 65535, &v) < 0)
				return bad("-q", optarg, "want an I/O depth, 1..65535");
			p->depth = (uint32_t)v;
			break;
		case 'o':
			if (parse_num(optarg, 1, 64u << 20, &v) < 0)
				return bad("-o", optarg, "want an I/O size in bytes, 1..64 MiB");
			p->io_size = (uint32_t)v;
			break;
		case 'w':
			if (perf_parse_pattern(optarg, &p->pattern) < 0)
				return bad("-w", optarg,
					   "want read, write, randread, randwrite, rw or randrw");
			break;
		case 'M':
			if (parse_num(optarg, 0, 100, &v) < 0)
				return bad("-M", optarg, "want a read percentage, 0..100");
			p->rwmixread = (int)v;
			break;
		case 't':
			if (parse_num(optarg, 1, 86400, &v) < 0)
				return bad("-t", optarg, "want seconds, 1..86400");
			p->time_s = (uint32_t)v;
			break;
		case 'a':
			if (parse_num(optarg, 0, 3600, &v) < 0)
				return bad("-a", optarg, "want warm-up seconds, 0..3600");
			p->warmup_s = (uint32_t)v;
			break;
		case 'c':
			if (perf_parse_core_mask(optarg, &p->core_mask) < 0)
				return bad("-c", optarg,
					   "want a non-zero hexadecimal core mask such as 0x3 or 3");
			p->core_mask_set = true;
			break;
		case 'r':
			if (p->nb_targets == PERF_MAX_TARGETS)
				return bad("-r", optarg, "too many -r (at most 16)");
			if (perf_parse_target(optarg, &p->targets[p->nb_targets]) < 0)
				return -EINVAL;
			p->nb_targets++;
			break;
		case 'P':
			if (parse_num(optarg, 1, PERF_MAX_QPAIRS, &v) < 0)
				return bad("-P", optarg, "want queue pairs per namespace, 1..16");
			p->qpairs = (uint32_t)v;
			break;
		case 'L':
			p->latency++;
			break;
		case OPT_JSON:
			p->json = optarg;
			break;
		case OPT_PLOT:
			p->plot = optarg;
			break;
		case OPT_VERIFY:
			p->verify = true;
			break;
		case OPT_INTR:
			p->intr = true;
			break;
		case OPT_CONTINUE_ON_ERROR:
			p->continue_on_error = true;
			break;
		case 'h':
			return -ECANCELED;
		case '?':
		default:
			if (optopt != 0 && strchr(SHORT_OPTS, optopt) != NULL)
				fprintf(stderr, "-%c needs a value (see -h)\n", optopt);
			else
				fprintf(stderr, "unknown option %s (see -h)\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument %s (see -h)\n", argv[optind]);
		return -EINVAL;
	}
	if ((p->pattern == PERF_RW || p->pattern == PERF_RANDRW) && p->rwmixread < 0) {
		fprintf(stderr, "-w %s mixes reads and writes: give the read percentage with -M\n",
			perf_pattern_name(p->pattern));
		return -EINVAL;
	}
	if (p->pattern != PERF_RW && p->pattern != PERF_RANDRW && p->rwmixread >= 0) {
		fprintf(stderr, "-M is for -w rw and randrw, not %s\n", perf_pattern_name(p->pattern));
		return -EINVAL;
	}
	if (p->intr && p->qpairs > 1) {
		fprintf(stderr, "--intr sleeps on one queue pair a core: drop -P %u\n", p->qpairs);
		return -EINVAL;
	}
	if (p->qpairs > p->depth) {
		fprintf(stderr, "-P %u is more queue pairs than I/Os in flight (-q %u)\n", p->qpairs,
			p->depth);
		return -EINVAL;
	}
	return 0;
}

/* -c among perf's options, found before the EAL starts (it picks the lcores). */
int
perf_find_core_mask(int argc, char **argv, uint64_t *mask)
{
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;

		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--core-mask") == 0)
			val = i + 1 < argc ? argv[i + 1] : NULL;
		else if (strncmp(argv[i], "--core-mask=", 12) == 0)
			val = argv[i] + 12;
		else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] != '\0')
			val = argv[i] + 2;
		if (val != NULL && perf_parse_core_mask(val, mask) == 0)
			return 1;
	}
	return 0;
}

int
perf_core_mask_to_list(uint64_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < 64; i++) {
		int w;

		if ((mask & (1ull << i)) == 0)
			continue;
		w = snprintf(buf + n, len - n, "%s%u", n == 0 ? "" : ",", i);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return n == 0 ? -EINVAL : 0;
}
