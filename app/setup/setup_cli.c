/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-setup's command line: options may come before or after the command;
 * each option belongs to the commands listed for it, and anything else is
 * a usage error (exit status 2) before the tool reads or writes anything.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

#define MAX_MEM_MB (1ul << 32)			/* 4 PiB: far beyond any machine */
#define MAX_HUGEPAGES 0xfffffffful

enum opt_id {
	OPT_HELP, OPT_SYSFS, OPT_PROC, OPT_DEV, OPT_PCI_IDS, OPT_JSON, OPT_FORCE,
	OPT_DRY_RUN, OPT_DRIVER, OPT_SIZE, OPT_NODE, OPT_MOUNT, OPT_CLEAR, OPT_MEM, OPT_OWNER,
	OPT_USER,
};

#define CMD_BIT(c) (1u << (c))
#define ANY_CMD (~0u)

static const struct {
	const char *name;
	enum opt_id id;
	bool has_arg;
	unsigned int cmds;	/* commands that take it */
} options[] = {
	{ "help", OPT_HELP, false, ANY_CMD },
	{ "sysfs", OPT_SYSFS, true, ANY_CMD },
	{ "proc", OPT_PROC, true, ANY_CMD },
	{ "dev", OPT_DEV, true, ANY_CMD },
	{ "pci-ids", OPT_PCI_IDS, true, ANY_CMD },
	{ "json", OPT_JSON, false, CMD_BIT(SETUP_CMD_STATUS) },
	{ "force", OPT_FORCE, false, CMD_BIT(SETUP_CMD_BIND) | CMD_BIT(SETUP_CMD_UNBIND) },
	{ "dry-run", OPT_DRY_RUN, false,
	  CMD_BIT(SETUP_CMD_BIND) | CMD_BIT(SETUP_CMD_UNBIND) | CMD_BIT(SETUP_CMD_HUGEPAGES) },
	{ "driver", OPT_DRIVER, true, CMD_BIT(SETUP_CMD_BIND) },
	{ "size", OPT_SIZE, true, CMD_BIT(SETUP_CMD_HUGEPAGES) },
	{ "node", OPT_NODE, true, CMD_BIT(SETUP_CMD_HUGEPAGES) },
	{ "mount", OPT_MOUNT, true, CMD_BIT(SETUP_CMD_HUGEPAGES) },
	{ "clear", OPT_CLEAR, false, CMD_BIT(SETUP_CMD_HUGEPAGES) },
	{ "mem", OPT_MEM, true, CMD_BIT(SETUP_CMD_IOMMU) | CMD_BIT(SETUP_CMD_STATUS) },
	{ "owner", OPT_OWNER, true, CMD_BIT(SETUP_CMD_BIND) | CMD_BIT(SETUP_CMD_HUGEPAGES) },
	{ "user", OPT_USER, true, CMD_BIT(SETUP_CMD_STATUS) },
};

static const struct {
	const char *name;
	enum setup_cmd cmd;
} commands[] = {
	{ "status", SETUP_CMD_STATUS },
	{ "bind", SETUP_CMD_BIND },
	{ "unbind", SETUP_CMD_UNBIND },
	{ "hugepages", SETUP_CMD_HUGEPAGES },
	{ "iommu", SETUP_CMD_IOMMU },
	{ "help", SETUP_CMD_HELP },
};

void
setup_usage(FILE *f)
{
	fputs(
"Usage: vdk-setup [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Prepare a Linux machine for VDK: hand PCI devices to vfio-pci, reserve\n"
"hugepages, and find out why VFIO does not work.\n"
"\n"
"Commands:\n"
"  status [--json]            every PCI device: IDs, names, driver, IOMMU group\n"
"                             and whether the group is viable for VFIO\n"
"  status --user USER[:GROUP] [--mem MB]\n"
"                             what USER still lacks to run VDK without root:\n"
"                             device nodes, hugepages, the locked-memory limit\n"
"  bind BDF... [--driver DRV] [--owner USER[:GROUP]] [--force] [--dry-run]\n"
"                             hand devices to DRV (default vfio-pci) through\n"
"                             driver_override; loads vfio-pci if needed;\n"
"                             --owner gives USER their group's device node\n"
"  unbind BDF... [--force] [--dry-run]\n"
"                             give devices back to their kernel drivers\n"
"  hugepages [N] [--size SZ] [--node ID] [--mount DIR] [--owner USER[:GROUP]]\n"
"            [--clear] [--dry-run]\n"
"                             reserve N pages of SZ (2M, 1G; default: the\n"
"                             kernel's), on one NUMA node or spread; mount\n"
"                             hugetlbfs on DIR (with --owner, for USER, by\n"
"                             default on /run/vdk-hugepages-UID); free reserved\n"
"                             pages; then report\n"
"  iommu [--mem MB]           diagnose why VFIO cannot work here; --mem checks\n"
"                             the locked-memory limit against MB of DMA memory\n"
"  help                       this text\n"
"\n"
"BDF is a PCI address, 0000:01:00.0 or 01:00.0. USER and GROUP are names or\n"
"numbers (a number needs no entry in /etc/passwd).\n"
"\n"
"Options:\n"
"  --force          bind even though another device of the IOMMU group stays\n"
"                   with a kernel driver, or the device has no IOMMU group;\n"
"                   bind/unbind a NIC whose interface is up, or a disk under\n"
"                   an active dm/md device. Never overrides a mounted\n"
"                   filesystem (in any mount namespace) or swap on it.\n"
"  --dry-run        check everything, print the writes, change nothing\n"
"  --sysfs DIR      sysfs root (default /sys)\n"
"  --proc DIR       procfs root (default /proc)\n"
"  --dev DIR        device root (default /dev)\n"
"  --pci-ids FILE   PCI ID database (default /usr/share/misc/pci.ids, then\n"
"                   /usr/share/hwdata/pci.ids); \"none\" leaves names out\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 success, 1 failure or refusal, 2 usage error.\n", f);
}

void
setup_ctx_init(struct setup_ctx *ctx, FILE *out, FILE *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = &setup_default_ops;
	ctx->out = out;
	ctx->err = err;
	strcpy(ctx->root[SETUP_ROOT_SYS], "/sys");
	strcpy(ctx->root[SETUP_ROOT_PROC], "/proc");
	strcpy(ctx->root[SETUP_ROOT_DEV], "/dev");
	ctx->settle_ms = SETUP_DEFAULT_SETTLE_MS;
	ctx->hp_node = -1;
}

static int
usage_error(struct setup_ctx *ctx, const char *fmt, const char *arg)
{
	fputs("vdk-setup: ", ctx->err);
	fprintf(ctx->err, fmt, arg);
	fputs("\n\n", ctx->err);
	setup_usage(ctx->err);
	return SETUP_EXIT_USAGE;
}

static int
copy_path(struct setup_ctx *ctx, char *dst, const char *val, const char *opt)
{
	if (val[0] == '\0' || strlen(val) >= PATH_MAX)
		return usage_error(ctx, "%s wants a path", opt);
	strcpy(dst, val);
	return SETUP_EXIT_OK;
}

static bool
valid_driver_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SETUP_NAME_LEN)
		return false;
	/* It reaches modprobe as a module name: never one that reads as an option. */
	if (!isalnum((unsigned char)s[0]))
		return false;
	/* It becomes a path component under bus/pci/drivers: no '/' or "..". */
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static int
apply_option(struct setup_ctx *ctx, enum opt_id id, const char *val, const char *opt)
{
	unsigned long v;

	switch (id) {
	case OPT_HELP:
		ctx->cmd = SETUP_CMD_HELP;
		return SETUP_EXIT_OK;
	case OPT_SYSFS:
		return copy_path(ctx, ctx->root[SETUP_ROOT_SYS], val, opt);
	case OPT_PROC:
		return copy_path(ctx, ctx->root[SETUP_ROOT_PROC], val, opt);
	case OPT_DEV:
		return copy_path(ctx, ctx->root[SETUP_ROOT_DEV], val, opt);
	case OPT_PCI_IDS:
		return copy_path(ctx, ctx->pci_ids, val, opt);
	case OPT_JSON:
		ctx->json = true;
		return SETUP_EXIT_OK;
	case OPT_FORCE:
		ctx->force = true;
		return SETUP_EXIT_OK;
	case OPT_DRY_RUN:
		ctx->dry_run = true;
		return SETUP_EXIT_OK;
	case OPT_CLEAR:
		ctx->hp_clear = true;
		return SETUP_EXIT_OK;
	case OPT_DRIVER:
		if (!valid_driver_name(val))
			return usage_error(ctx, "--driver '%s': not a driver name", val);
		strcpy(ctx->driver, val);
		return SETUP_EXIT_OK;
	case OPT_SIZE:
		if (setup_parse_size_kb(val, &ctx->hp_size_kb) < 0)
			return usage_error(ctx, "--size '%s': give a page size like 2M or 1G", val);
		return SETUP_EXIT_OK;
	case OPT_NODE:
		if (setup_parse_ulong(val, 10, &v) < 0 || v > INT_MAX)
			return usage_error(ctx, "--node '%s': not a NUMA node number", val);
		ctx->hp_node = (int)v;
		return SETUP_EXIT_OK;
	case OPT_MOUNT:
		return copy_path(ctx, ctx->hp_mount, val, opt);
	case OPT_MEM:
		if (setup_parse_ulong(val, 10, &v) < 0 || v == 0 || v > MAX_MEM_MB)
			return usage_error(ctx, "--mem '%s': give megabytes, like 1024", val);
		ctx->mem_mb = v;
		return SETUP_EXIT_OK;
	case OPT_OWNER:
	case OPT_USER: {
		char why[160], msg[320];

		if (setup_parse_owner(val, &ctx->owner, why, sizeof(why)) == 0)
			return SETUP_EXIT_OK;
		snprintf(msg, sizeof(msg), "%s '%.64s': %s", opt, val, why);
		return usage_error(ctx, "%s", msg);
	}
	}
	return usage_error(ctx, "internal: unhandled option %s", opt);
}

static int
add_bdf(struct setup_ctx *ctx, const char *arg)
{
	char bdf[SETUP_BDF_LEN];

	if (setup_bdf_normalize(arg, bdf, sizeof(bdf)) < 0)
		return usage_error(ctx, "'%s' is not a PCI address (like 0000:01:00.0)", arg);
	for (unsigned int i = 0; i < ctx->nb_bdfs; i++)
		if (strcmp(ctx->bdfs[i], bdf) == 0)
			return SETUP_EXIT_OK;
	if (ctx->nb_bdfs >= SETUP_MAX_BDFS)
		return usage_error(ctx, "too many devices at once (%s and more)", arg);
	strcpy(ctx->bdfs[ctx->nb_bdfs++], bdf);
	return SETUP_EXIT_OK;
}

static int
positional(struct setup_ctx *ctx, const char *arg)
{
	unsigned long v;

	if (ctx->cmd == SETUP_CMD_NONE) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(arg, commands[i].name) == 0) {
				ctx->cmd = commands[i].cmd;
				return SETUP_EXIT_OK;
			}
		return usage_error(ctx, "unknown command '%s'", arg);
	}
	switch (ctx->cmd) {
	case SETUP_CMD_BIND:
	case SETUP_CMD_UNBIND:
		return add_bdf(ctx, arg);
	case SETUP_CMD_HUGEPAGES:
		if (ctx->hp_count_set)
			return usage_error(ctx, "hugepages takes one count; '%s' is one too many", arg);
		if (setup_parse_ulong(arg, 10, &v) < 0 || v > MAX_HUGEPAGES)
			return usage_error(ctx, "hugepages: '%s' is not a page count", arg);
		ctx->hp_count = v;
		ctx->hp_count_set = true;
		return SETUP_EXIT_OK;
	default:
		return usage_error(ctx, "unexpected argument '%s'", arg);
	}
}

/*
 * Options are checked against the command once it is known, so that
 * `vdk-setup --json status` and `vdk-setup status --json` both work.
 */
int
setup_parse_args(struct setup_ctx *ctx, int argc, char **argv)
{
	unsigned int seen_opts = 0;	/* bit per option id given */
	bool only_positional = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *eq;
		char name[32];
		size_t len;
		size_t k;

		if (arg == NULL)
			break;
		if (only_positional || arg[0] != '-' || arg[1] == '\0') {
			rc = positional(ctx, arg);
			if (rc != SETUP_EXIT_OK)
				return rc;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_positional = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0) {
			ctx->cmd = SETUP_CMD_HELP;
			return SETUP_EXIT_OK;
		}
		if (arg[1] != '-')
			return usage_error(ctx, "unknown option '%s'", arg);
		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (len == 0 || len >= sizeof(name))
			return usage_error(ctx, "unknown option '%s'", arg);
		memcpy(name, arg + 2, len);
		name[len] = '\0';
		for (k = 0; k < sizeof(options) / sizeof(options[0]); k++)
			if (strcmp(options[k].name, name) == 0)
				break;
		if (k == sizeof(options) / sizeof(options[0]))
			return usage_error(ctx, "unknown option '%s'", arg);
		if (options[k].has_arg) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc && argv[i + 1] != NULL)
				val = argv[++i];
			else
				return usage_error(ctx, "option --%s wants a value", name);
		} else if (eq != NULL) {
			return usage_error(ctx, "option --%s takes no value", name);
		}
		rc = apply_option(ctx, options[k].id, val, arg);
		if (rc != SETUP_EXIT_OK)
			return rc;
		if (options[k].id == OPT_HELP)
			return SETUP_EXIT_OK;
		seen_opts |= 1u << k;
	}
	if (ctx->cmd == SETUP_CMD_NONE)
		return usage_error(ctx, "%s", "no command given");
	if (ctx->cmd == SETUP_CMD_HELP)
		return SETUP_EXIT_OK;
	for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++)
		if ((seen_opts & (1u << k)) && !(options[k].cmds & CMD_BIT(ctx->cmd)))
			return usage_error(ctx, "--%s does not apply to this command",
					   options[k].name);
	if ((ctx->cmd == SETUP_CMD_BIND || ctx->cmd == SETUP_CMD_UNBIND) && ctx->nb_bdfs == 0)
		return usage_error(ctx, "%s", "bind and unbind want at least one PCI address");
	if (ctx->cmd == SETUP_CMD_STATUS && ctx->owner.set && ctx->json)
		return usage_error(ctx, "%s", "status --user prints text only; leave out --json");
	if (ctx->cmd == SETUP_CMD_STATUS && ctx->mem_mb != 0 && !ctx->owner.set)
		return usage_error(ctx, "%s", "status --mem checks a user's limit: give --user too");
	if (ctx->cmd == SETUP_CMD_BIND && ctx->owner.set && ctx->driver[0] != '\0' &&
	    !setup_driver_is_vfio(ctx->driver))
		return usage_error(ctx, "--owner hands out VFIO group nodes; %s is not a VFIO "
				   "driver", ctx->driver);
	/* A mount of the user's own, where the EAL finds it among the writable ones. */
	if (ctx->cmd == SETUP_CMD_HUGEPAGES && ctx->owner.set && ctx->hp_mount[0] == '\0')
		snprintf(ctx->hp_mount, sizeof(ctx->hp_mount), "/run/vdk-hugepages-%u",
			 (unsigned int)ctx->owner.uid);
	if (ctx->cmd == SETUP_CMD_HUGEPAGES && ctx->owner.set && ctx->hp_clear)
		return usage_error(ctx, "%s", "--owner gives a mount to a user; --clear frees "
				   "pages: one at a time");
	return SETUP_EXIT_OK;
}

int
setup_run(struct setup_ctx *ctx, int argc, char **argv)
{
	int rc;

	rc = setup_parse_args(ctx, argc, argv);
	if (rc != SETUP_EXIT_OK)
		return rc;
	switch (ctx->cmd) {
	case SETUP_CMD_HELP:
		setup_usage(ctx->out);
		return SETUP_EXIT_OK;
	case SETUP_CMD_STATUS:
		return ctx->owner.set ? setup_cmd_status_user(ctx) : setup_cmd_status(ctx);
	case SETUP_CMD_BIND:
		return setup_cmd_bind(ctx);
	case SETUP_CMD_UNBIND:
		return setup_cmd_unbind(ctx);
	case SETUP_CMD_HUGEPAGES:
		return setup_cmd_hugepages(ctx);
	case SETUP_CMD_IOMMU:
		return setup_cmd_iommu(ctx);
	case SETUP_CMD_NONE:
		break;
	}
	return usage_error(ctx, "%s", "no command given");
}
