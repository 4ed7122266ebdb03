/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-nvme-perf's two command lines. With "--" in it, the EAL form: EAL
 * options, "--", perf's options (perf_params.c). Without, spdk_nvme_perf's
 * command line as SPDK reads it, pasted as it is: its options that set up
 * the environment become EAL options (-c the lcores, -s the memory, -r and
 * -b the allow list, -i the file prefix), the rest are perf's; an SPDK
 * option VDK has no equivalent for is refused by name, never ignored.
 * doc/nvme.md has the table of what each form reads differently.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"
#include "vdk_common.h"
#include "vdk_pci.h"

/* What an spdk_nvme_perf option becomes. */
enum spdk_how {
	TO_PERF,         /* perf's option of the same meaning (@to) */
	TO_PERF_CORES,   /* -c: perf's -c, and the EAL's -l */
	TO_PERF_TARGET,  /* -r: perf's -r, and its address on the EAL's allow list */
	TO_ALLOW,        /* -b: the EAL's allow list */
	TO_EAL,          /* the EAL's option @to, with the value as it is */
	TO_EAL_MB,       /* -s MB: the EAL's -m */
	TO_PREFIX,       /* -i ID: --file-prefix spdkID, as SPDK names its files */
	TO_CONTINUE,     /* -Q N: --continue-on-error (every error is counted) */
	TO_HELP,
	REFUSED,         /* no VDK equivalent: @to says what it does in SPDK */
};

struct spdk_opt {
	int val;                  /* the short letter, or 256 and up for long only */
	const char *name;         /* the long name */
	int has_arg;
	enum spdk_how how;
	const char *to;
};

/* spdk_nvme_perf's options (its app/spdk_nvme_perf/perf.c), and VDK's own long ones. */
static const struct spdk_opt spdk_opts[] = {
	{ 'q', "io-depth", required_argument, TO_PERF, "-q" },
	{ 'o', "io-size", required_argument, TO_PERF, "-o" },
	{ 'w', "io-pattern", required_argument, TO_PERF, "-w" },
	{ 'M', "rwmixread", required_argument, TO_PERF, "-M" },
	{ 't', "time", required_argument, TO_PERF, "-t" },
	{ 'a', "warmup-time", required_argument, TO_PERF, "-a" },
	{ 'P', "num-qpairs", required_argument, TO_PERF, "-P" },
	{ 'L', "enable-sw-latency-tracking", no_argument, TO_PERF, "-L" },
	{ 'E', "enable-interrupt", no_argument, TO_PERF, "--intr" },
	{ 'c', "core-mask", required_argument, TO_PERF_CORES, "-c" },
	{ 'r', "transport", required_argument, TO_PERF_TARGET, "-r" },
	{ 'b', "allowed-pci-addr", required_argument, TO_ALLOW, "-a" },
	{ 's', "hugemem-size", required_argument, TO_EAL_MB, "-m" },
	{ 'i', "shmem-grp-id", required_argument, TO_PREFIX, "--file-prefix" },
	{ 'Q', "continue-on-error", required_argument, TO_CONTINUE, "--continue-on-error" },
	{ 'h', "help", no_argument, TO_HELP, "-h" },
	{ 256, "no-huge", no_argument, TO_EAL, "--no-huge" },
	{ 257, "iova-mode", required_argument, TO_EAL, "--iova-mode" },
	/* VDK's own, in either form. */
	{ 258, "transport-id", required_argument, TO_PERF_TARGET, "-r" },
	{ 259, "json", required_argument, TO_PERF, "--json" },
	{ 260, "plot", required_argument, TO_PERF, "--plot" },
	{ 261, "verify", no_argument, TO_PERF, "--verify" },
	{ 262, "intr", no_argument, TO_PERF, "--intr" },
	/* spdk_nvme_perf's that VDK has no equivalent for. */
	{ 'd', "number-ios", required_argument, REFUSED, "stop after a number of I/Os" },
	{ 'e', "metadata", required_argument, REFUSED, "protection information" },
	{ 'g', "mem-single-seg", no_argument, REFUSED, "DPDK single-file memory segments" },
	{ 'l', "enable-ssd-latency-tracking", no_argument, REFUSED,
	  "latency tracking by the SSD, from Intel log pages" },
	{ 'm', "cpu-usage", no_argument, REFUSED, "CPU usage of the cores" },
	{ 'k', "keepalive", required_argument, REFUSED, "NVMe-oF keep-alive" },
	{ 'z', "disable-zcopy", required_argument, REFUSED, "socket zero-copy" },
	{ 'Z', "enable-zcopy", required_argument, REFUSED, "socket zero-copy" },
	{ 'A', "buffer-alignment", required_argument, REFUSED, "buffer alignment" },
	{ 'C', "max-completion-per-poll", required_argument, REFUSED,
	  "a cap on completions per poll" },
	{ 'D', "disable-sq-cmb", no_argument, REFUSED, "submission queues in the CMB" },
	{ 'F', "zipf", required_argument, REFUSED, "a zipf distribution of random I/O" },
	{ 'G', "enable-debug", no_argument, REFUSED, "debug logging; VDK: --log-level in the EAL form" },
	{ 'H', "enable-tcp-hdgst", no_argument, REFUSED, "NVMe/TCP header digests" },
	{ 'I', "enable-tcp-ddgst", no_argument, REFUSED, "NVMe/TCP data digests" },
	{ 'N', "no-shst-notification", no_argument, REFUSED,
	  "no shutdown notification; VDK always notifies the controller" },
	{ 'O', "io-unit-size", required_argument, REFUSED, "the I/O unit size of SGLs" },
	{ 'R', "enable-uring", no_argument, REFUSED, "io_uring for kernel devices" },
	{ 'S', "default-sock-impl", required_argument, REFUSED, "the socket layer" },
	{ 'T', "logflag", required_argument, REFUSED, "SPDK log flags; VDK: --log-level in the EAL form" },
	{ 'U', "num-unused-qpairs", required_argument, REFUSED, "unused queue pairs" },
	{ 'V', "enable-vmd", no_argument, REFUSED, "Intel VMD" },
	{ 'y', "tpoint-group-mask", required_argument, REFUSED, "SPDK trace points" },
	{ 'v', "help-full", no_argument, REFUSED, "the full help of every SPDK library" },
	{ 263, "transport-stats", no_argument, REFUSED, "transport statistics" },
	{ 264, "io-queue-size", required_argument, REFUSED,
	  "the I/O queue size; VDK sizes the queue from -q" },
};

/* Room in the output: each word of argv gives at most two, plus the EAL's -l and "--". */
static int
out_room(int argc)
{
	return 2 * argc + 8;
}

/* Parse an spdk_nvme_perf number for -s, -i, -Q: decimal, not negative. */
static int
spdk_num(const char *opt, const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (*s == '\0' || !isdigit((unsigned char)*s) || *end != '\0' || errno != 0 || *v > max) {
		fprintf(stderr, "%s %s: want a whole number, 0..%lu\n", opt, s, max);
		return -EINVAL;
	}
	return 0;
}

/* Put @bdf on the EAL's allow list once (-r twice on one controller is one device). */
static int
allow(struct perf_cmdline *c, char **eal, int *nb_eal, const char *bdf)
{
	for (unsigned int i = 0; i < c->nb_allow; i++)
		if (strcmp(c->allow[i], bdf) == 0)
			return 0;
	if (c->nb_allow == VDK_DIM(c->allow)) {
		fprintf(stderr, "-r/-b: more than %zu controllers\n", VDK_DIM(c->allow));
		return -EINVAL;
	}
	snprintf(c->allow[c->nb_allow], sizeof(c->allow[0]), "%s", bdf);
	eal[(*nb_eal)++] = "-a";
	eal[(*nb_eal)++] = c->allow[c->nb_allow++];
	return 0;
}

/* One option of spdk_nvme_perf's command line, into EAL and perf words. */
static int
spdk_one(struct perf_cmdline *c, const struct spdk_opt *o, char *arg, char **eal, int *nb_eal,
	 char **perf, int *nb_perf)
{
	struct perf_target t;
	struct vdk_pci_addr a;
	unsigned long v;
	uint64_t mask;
	char bdf[32];

	switch (o->how) {
	case TO_PERF:
		perf[(*nb_perf)++] = (char *)o->to;
		if (arg != NULL)
			perf[(*nb_perf)++] = arg;
		return 0;
	case TO_PERF_CORES:
		if (perf_parse_core_mask(arg, &mask) < 0 ||
		    perf_core_mask_to_list(mask, c->lcores, sizeof(c->lcores)) < 0) {
			fprintf(stderr, "-c %s: want a non-zero hexadecimal core mask such as 0x3 "
				"or 3\n", arg);
			return -EINVAL;
		}
		perf[(*nb_perf)++] = "-c";
		perf[(*nb_perf)++] = arg;
		return 0;
	case TO_PERF_TARGET:
		if (perf_parse_target(arg, &t) < 0)
			return -EINVAL;
		perf[(*nb_perf)++] = "-r";
		perf[(*nb_perf)++] = arg;
		return allow(c, eal, nb_eal, t.traddr);
	case TO_ALLOW:
		if (vdk_pci_addr_parse(arg, &a) < 0) {
			fprintf(stderr, "-b %s: not a PCI address (0000:00:04.0)\n", arg);
			return -EINVAL;
		}
		vdk_pci_addr_format(&a, bdf, sizeof(bdf));
		return allow(c, eal, nb_eal, bdf);
	case TO_EAL_MB:
		if (spdk_num("-s", arg, 1ul << 30, &v) < 0)
			return -EINVAL;
		if (v == 0) {
			fprintf(stderr, "-s 0: want the memory in MB, 1 and up\n");
			return -EINVAL;
		}
		/* fallthrough */
	case TO_EAL:
		eal[(*nb_eal)++] = (char *)o->to;
		if (arg != NULL)
			eal[(*nb_eal)++] = arg;
		return 0;
	case TO_PREFIX:
		if (spdk_num("-i", arg, 65535, &v) < 0)
			return -EINVAL;
		snprintf(c->file_prefix, sizeof(c->file_prefix), "spdk%lu", v);
		eal[(*nb_eal)++] = "--file-prefix";
		eal[(*nb_eal)++] = c->file_prefix;
		return 0;
	case TO_CONTINUE:
		if (spdk_num("-Q", arg, 1ul << 31, &v) < 0)
			return -EINVAL;
		perf[(*nb_perf)++] = "--continue-on-error";
		return 0;
	case TO_HELP:
		eal[(*nb_eal)++] = "-h";
		return 0;
	case REFUSED:
		break;
	}
	if (o->val < 256)
		fprintf(stderr, "spdk_nvme_perf's -%c (--%s: %s) has no equivalent in "
			"vdk-nvme-perf: leave it out (doc/nvme.md lists what VDK reads)\n", o->val,
			o->name, o->to);
	else
		fprintf(stderr, "spdk_nvme_perf's --%s (%s) has no equivalent in vdk-nvme-perf: "
			"leave it out (doc/nvme.md lists what VDK reads)\n", o->name, o->to);
	return -EINVAL;
}

/* spdk_nvme_perf's command line: argv[1..] into @c->argv. */
static int
spdk_build(struct perf_cmdline *c, int argc, char **argv)
{
	struct option longs[VDK_DIM(spdk_opts) + 1];
	char shorts[2 + 2 * VDK_DIM(spdk_opts) + 1], **eal, **perf;
	int n = 0, nb_eal = 0, nb_perf = 0, opt, idx, saved_opterr = opterr, ret = 0;

	eal = calloc((size_t)out_room(argc), sizeof(*eal));
	perf = calloc((size_t)out_room(argc), sizeof(*perf));
	if (eal == NULL || perf == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	/* '+': stop at a word that is not an option, as the EAL does; ':': say a value is missing. */
	shorts[n++] = '+';
	shorts[n++] = ':';
	for (size_t i = 0; i < VDK_DIM(spdk_opts); i++) {
		longs[i] = (struct option){ spdk_opts[i].name, spdk_opts[i].has_arg, NULL,
					    spdk_opts[i].val };
		if (spdk_opts[i].val < 256) {
			shorts[n++] = (char)spdk_opts[i].val;
			if (spdk_opts[i].has_arg == required_argument)
				shorts[n++] = ':';
		}
	}
	shorts[n] = '\0';
	longs[VDK_DIM(spdk_opts)] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while (ret == 0 && (opt = getopt_long(argc, argv, shorts, longs, &idx)) != -1) {
		const struct spdk_opt *o = NULL;

		for (size_t i = 0; i < VDK_DIM(spdk_opts) && o == NULL; i++)
			if (spdk_opts[i].val == opt)
				o = &spdk_opts[i];
		if (opt == ':') {
			fprintf(stderr, "%s needs a value (see -h)\n", argv[optind - 1]);
			ret = -EINVAL;
		} else if (o == NULL) {
			char name[8];

			snprintf(name, sizeof(name), "-%c", optopt);
			fprintf(stderr, "unknown option %s: vdk-nvme-perf reads spdk_nvme_perf's "
				"options, or EAL options, \"--\", then perf's (see -h)\n",
				optopt > 0 && optopt < 256 ? name : argv[optind - 1]);
			ret = -EINVAL;
		} else {
			ret = spdk_one(c, o, o->has_arg == required_argument ? optarg : NULL, eal,
				       &nb_eal, perf, &nb_perf);
		}
	}
	if (ret == 0 && optind < argc) {
		fprintf(stderr, "unexpected argument %s (see -h)\n", argv[optind]);
		ret = -EINVAL;
	}
	optind = 0;
	opterr = saved_opterr;
	if (ret < 0)
		goto out;
	c->argv[c->argc++] = argv[0];
	if (c->lcores[0] != '\0') {
		c->argv[c->argc++] = "-l";
		c->argv[c->argc++] = c->lcores;
	}
	for (int i = 0; i < nb_eal; i++)
		c->argv[c->argc++] = eal[i];
	c->argv[c->argc++] = "--";
	for (int i = 0; i < nb_perf; i++)
		c->argv[c->argc++] = perf[i];
out:
	free(eal);
	free(perf);
	return ret;
}

/* Does the EAL part of argv (up to "--") choose lcores itself? */
static bool
eal_has_lcores(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], "-l", 2) == 0 || strncmp(argv[i], "--lcores", 8) == 0)
			return true;
	return false;
}

int
perf_cmdline_build(struct perf_cmdline *c, int argc, char **argv)
{
	uint64_t mask;
	int ret;

	memset(c, 0, sizeof(*c));
	c->argv = calloc((size_t)out_room(argc) + 1, sizeof(*c->argv));
	if (c->argv == NULL)
		return -ENOMEM;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			goto eal_form;
	c->spdk = true;
	ret = spdk_build(c, argc, argv);
	if (ret < 0)
		perf_cmdline_free(c);
	return ret;

eal_form:
	c->argv[c->argc++] = argv[0];
	/* perf's -c starts its lcores when the EAL options do not name them. */
	if (perf_find_core_mask(argc, argv, &mask) && !eal_has_lcores(argc, argv) &&
	    perf_core_mask_to_list(mask, c->lcores, sizeof(c->lcores)) == 0) {
		c->argv[c->argc++] = "-l";
		c->argv[c->argc++] = c->lcores;
	}
	for (int i = 1; i < argc; i++)
		c->argv[c->argc++] = argv[i];
	return 0;
}

void
perf_cmdline_free(struct perf_cmdline *c)
{
	free(c->argv);
	c->argv = NULL;
	c->argc = 0;
}
