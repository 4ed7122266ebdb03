/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup iommu`: find out why VFIO cannot work on this machine, one
 * finding at a time, each problem with its fix. From the bottom up:
 * firmware (DMAR/IVRS ACPI tables), kernel command line, active IOMMU
 * units, groups, modules, no-IOMMU mode, the locked-memory limit that
 * MAP_DMA charges, and the IOMMU's address width against the addresses
 * a process maps with IOVA = VA.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

#define CAP_IPC_LOCK_BIT 14	/* linux/capability.h */
/* x86-64 user space with 4-level paging ends below 2^47. */
#define USER_VA_BITS_DEFAULT 47

enum severity { SEV_OK, SEV_NOTE, SEV_WARN, SEV_PROBLEM };

struct diag {
	struct setup_ctx *ctx;
	unsigned int problems;
	unsigned int warnings;
};

static void
finding(struct diag *dg, enum severity sev, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
finding(struct diag *dg, enum severity sev, const char *fix, const char *fmt, ...)
{
	static const char *const tag[] = { "ok", "note", "warning", "PROBLEM" };
	FILE *f = dg->ctx->out;
	va_list ap;

	fprintf(f, "%-8s ", tag[sev]);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	if (fix != NULL)
		fprintf(f, "%-8s fix: %s\n", "", fix);
	dg->problems += sev == SEV_PROBLEM;
	dg->warnings += sev == SEV_WARN;
}

struct cmdline {
	bool intel_on, intel_off, amd_off, iommu_off, passthrough;
	bool read;
};

static void
parse_cmdline(struct setup_ctx *ctx, struct cmdline *c)
{
	char path[PATH_MAX], buf[4096], *save = NULL;

	memset(c, 0, sizeof(*c));
	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "cmdline");
	if (setup_read_str(path, buf, sizeof(buf)) < 0)
		return;
	c->read = true;
	for (char *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(t, "intel_iommu=", 12) == 0) {
			/* A comma list: "on,sm_on", "off", "igfx_off". */
			char *opts = t + 12, *s2 = NULL;

			for (char *o = strtok_r(opts, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
				if (strcmp(o, "on") == 0)
					c->intel_on = true, c->intel_off = false;
				else if (strcmp(o, "off") == 0)
					c->intel_off = true, c->intel_on = false;
			}
		} else if (strcmp(t, "amd_iommu=off") == 0) {
			c->amd_off = true;
		} else if (strcmp(t, "iommu=off") == 0) {
			c->iommu_off = true;
		} else if (strcmp(t, "iommu=pt") == 0 || strcmp(t, "iommu.passthrough=1") == 0) {
			c->passthrough = true;
		}
	}
}

static bool
sys_exists(struct setup_ctx *ctx, const char *rel)
{
	char path[PATH_MAX];

	return setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "%s", rel) == 0 &&
	       setup_exists(path);
}

static int
count_dir(struct setup_ctx *ctx, enum setup_root root, const char *rel, char ***names)
{
	char path[PATH_MAX];

	setup_path(ctx, root, path, sizeof(path), "%s", rel);
	return setup_list_dir(path, names);
}

static void
check_hardware(struct diag *dg, const struct cmdline *cl, char **units, int nunits)
{
	struct setup_ctx *ctx = dg->ctx;
	bool dmar = sys_exists(ctx, "firmware/acpi/tables/DMAR");
	bool ivrs = sys_exists(ctx, "firmware/acpi/tables/IVRS");
	bool acpi = sys_exists(ctx, "firmware/acpi/tables");

	if (cl->intel_off)
		finding(dg, SEV_PROBLEM, "remove intel_iommu=off from the kernel command line "
			"(GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)",
			"the kernel command line turns Intel VT-d off (intel_iommu=off)");
	if (cl->amd_off)
		finding(dg, SEV_PROBLEM, "remove amd_iommu=off from the kernel command line",
			"the kernel command line turns AMD-Vi off (amd_iommu=off)");
	if (cl->iommu_off)
		finding(dg, SEV_PROBLEM, "remove iommu=off from the kernel command line",
			"the kernel command line turns the IOMMU off (iommu=off)");
	if (cl->passthrough)
		finding(dg, SEV_NOTE, NULL, "iommu=pt: the host's own devices bypass translation; "
			"devices given to VFIO still get their own isolated domain");

	if (nunits > 0) {
		char list[256] = "";

		for (int i = 0; i < nunits; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? " " : "", units[i]);
		finding(dg, SEV_OK, NULL, "IOMMU units active: %s", list);
		return;
	}
	if (dmar && !cl->intel_off)
		finding(dg, SEV_PROBLEM, "add intel_iommu=on to the kernel command line "
			"(GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)",
			"the firmware announces Intel VT-d (ACPI DMAR table) but the kernel did "
			"not enable it%s", cl->intel_on ? " although intel_iommu=on is given "
			"(see dmesg | grep -i dmar)" : "");
	else if (ivrs && !cl->amd_off && !cl->iommu_off)
		finding(dg, SEV_PROBLEM, "check dmesg | grep -i AMD-Vi; update the firmware",
			"the firmware announces AMD-Vi (ACPI IVRS table) but no IOMMU unit is active");
	else if (!dmar && !ivrs)
		finding(dg, SEV_PROBLEM, "enable VT-d or AMD-Vi (\"IOMMU\") in the firmware setup; "
			"in a QEMU guest: -machine q35,kernel-irqchip=split -device "
			"intel-iommu,intremap=on,caching-mode=on,aw-bits=48 and intel_iommu=on",
			"no IOMMU: %s, and /sys/class/iommu is empty",
			acpi ? "the firmware announces none (no DMAR or IVRS ACPI table)"
			     : "no ACPI tables to look at");
}

static void
check_groups(struct diag *dg, int nunits)
{
	char **names;
	int n;

	n = count_dir(dg->ctx, SETUP_ROOT_SYS, "kernel/iommu_groups", &names);
	if (n > 0) {
		finding(dg, SEV_OK, NULL, "%d IOMMU group(s) in /sys/kernel/iommu_groups", n);
		setup_free_list(names, n);
		return;
	}
	if (n == 0)
		setup_free_list(names, 0);
	finding(dg, SEV_PROBLEM, nunits > 0 ? "see dmesg for IOMMU errors; the kernel may lack "
		"CONFIG_IOMMU_SUPPORT for this bus" : "fix the IOMMU above first",
		"no IOMMU groups (/sys/kernel/iommu_groups %s): VFIO has nothing to hand out",
		n == 0 ? "is empty" : "is missing");
}

static bool
check_modules(struct diag *dg)
{
	static const char *const mods[] = { "vfio", "vfio_iommu_type1", "vfio_pci" };
	struct setup_ctx *ctx = dg->ctx;
	char rel[64], missing[128] = "";
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(rel, sizeof(rel), "module/%s", mods[i]);
		if (!sys_exists(ctx, rel))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
				 missing[0] ? " " : "", mods[i]);
	}
	if (missing[0] != '\0') {
		finding(dg, SEV_PROBLEM, "modprobe vfio-pci (it loads vfio and vfio_iommu_type1 "
			"too; package kmod)", "VFIO modules not loaded: %s", missing);
		return false;
	}
	finding(dg, SEV_OK, NULL, "VFIO modules loaded: vfio vfio_iommu_type1 vfio_pci");
	setup_path(ctx, SETUP_ROOT_DEV, path, sizeof(path), "vfio/vfio");
	if (!setup_exists(path))
		finding(dg, SEV_PROBLEM, "mount devtmpfs on /dev, or check udev",
			"%s is missing although vfio is loaded", path);
	return true;
}

static void
check_noiommu(struct diag *dg, bool loaded, int nunits)
{
	char path[PATH_MAX], v[16];

	setup_path(dg->ctx, SETUP_ROOT_SYS, path, sizeof(path),
		   "module/vfio/parameters/enable_unsafe_noiommu_mode");
	if (setup_read_str(path, v, sizeof(v)) < 0)
		return;	/* kernel built without CONFIG_VFIO_NOIOMMU */
	if (v[0] == 'Y' || v[0] == '1')
		finding(dg, SEV_WARN, nunits > 0 ? "echo N > "
			"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode" : NULL,
			"no-IOMMU mode is on: devices DMA to any physical address, only root may "
			"use them, IOVAs are physical (--iova-mode=pa) and the kernel is tainted; "
			"never on a shared host");
	else if (loaded && nunits == 0)
		finding(dg, SEV_NOTE, NULL, "without an IOMMU, VFIO's unsafe no-IOMMU mode still "
			"works for testing: echo Y > %s, then run as root with --iova-mode=pa", path);
}

/* "Max locked memory  8388608  8388608  bytes" from /proc/self/limits. */
static int
read_memlock(struct setup_ctx *ctx, unsigned long long *bytes, bool *unlimited)
{
	char path[PATH_MAX], line[256], soft[64];
	int rc = -ENOENT;
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "self/limits");
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long v;

		if (strncmp(line, "Max locked memory", 17) != 0)
			continue;
		rc = -EINVAL;
		if (sscanf(line + 17, "%63s", soft) != 1)
			break;
		*unlimited = strcmp(soft, "unlimited") == 0;
		if (*unlimited || setup_parse_ulong(soft, 10, &v) == 0) {
			*bytes = *unlimited ? 0 : v;
			rc = 0;
		}
		break;
	}
	fclose(f);
	return rc;
}

static bool
has_cap_ipc_lock(struct setup_ctx *ctx)
{
	char path[PATH_MAX], line[256];
	unsigned long long eff;
	bool has = false;
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "self/status");
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			has = (eff >> CAP_IPC_LOCK_BIT) & 1;
			break;
		}
	fclose(f);
	return has;
}

static void
check_memlock(struct diag *dg)
{
	struct setup_ctx *ctx = dg->ctx;
	unsigned long long limit = 0, need = (unsigned long long)ctx->mem_mb << 20;
	bool unlimited = false;
	char fix[256];
	int rc;

	rc = read_memlock(ctx, &limit, &unlimited);
	if (rc < 0) {
		finding(dg, SEV_WARN, NULL, "cannot read the locked-memory limit from "
			"%s/self/limits: %s", ctx->root[SETUP_ROOT_PROC],
			rc == -EINVAL ? "garbage in the file" : setup_strerror(rc));
		return;
	}
	if (has_cap_ipc_lock(ctx)) {
		finding(dg, SEV_OK, NULL, "CAP_IPC_LOCK held (root): the locked-memory limit "
			"does not apply to VFIO mappings");
		return;
	}
	if (unlimited) {
		finding(dg, SEV_OK, NULL, "locked-memory limit: unlimited");
		return;
	}
	if (ctx->mem_mb == 0) {
		finding(dg, SEV_NOTE, NULL, "locked-memory limit (RLIMIT_MEMLOCK) is %llu MB: "
			"VFIO can map at most that much for a process started from this shell; "
			"pass --mem MB to check a size", limit >> 20);
		return;
	}
	if (limit >= need) {
		finding(dg, SEV_OK, NULL, "locked-memory limit %llu MB covers the %lu MB asked",
			limit >> 20, ctx->mem_mb);
		return;
	}
	snprintf(fix, sizeof(fix), "ulimit -l %llu in this shell (as root), or '<user> - memlock "
		 "%llu' in /etc/security/limits.conf, or LimitMEMLOCK= for a systemd unit; or "
		 "run as root", (need >> 10) + 1024, (need >> 10) + 1024);
	finding(dg, SEV_PROBLEM, fix, "locked-memory limit (RLIMIT_MEMLOCK) is %llu MB, below "
		"the %lu MB asked: VFIO_IOMMU_MAP_DMA fails with ENOMEM", limit >> 20, ctx->mem_mb);
}

/* Bits a user address needs here: the top of the highest mapping in self/maps. */
static unsigned int
user_va_bits(struct setup_ctx *ctx)
{
	char path[PATH_MAX], line[512];
	unsigned long long lo, hi, top = 0;
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "self/maps");
	f = fopen(path, "re");
	if (f == NULL)
		return USER_VA_BITS_DEFAULT;
	while (fgets(line, sizeof(line), f) != NULL)
		/* Skip the kernel-half vsyscall page: no DMA goes there. */
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && !(hi >> 63) && hi > top)
			top = hi;
	fclose(f);
	if (top <= 1)
		return USER_VA_BITS_DEFAULT;
	return 64 - __builtin_clzll(top - 1);
}

/*
 * Intel VT-d capability register: MGAW (bits 21:16) is the widest guest
 * address minus one; SAGAW (bits 12:8) lists the page-table depths the
 * unit walks: bit 1 = 39 bits, bit 2 = 48 bits, bit 3 = 57 bits.
 */
static unsigned int
vtd_width(unsigned long long cap)
{
	unsigned int mgaw = (unsigned int)((cap >> 16) & 0x3f) + 1;
	unsigned int sagaw = (unsigned int)((cap >> 8) & 0x1f);
	unsigned int walk = 0;

	for (int bit = 4; bit >= 0 && walk == 0; bit--)
		if (sagaw & (1u << bit))
			walk = 30 + 9 * (unsigned int)bit;
	return walk && walk < mgaw ? walk : mgaw;
}

static void
check_width(struct diag *dg, char **units, int nunits)
{
	struct setup_ctx *ctx = dg->ctx;
	unsigned int need = user_va_bits(ctx);

	for (int i = 0; i < nunits; i++) {
		char path[PATH_MAX];
		unsigned long cap;
		unsigned int w;
		int rc;

		if (setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path),
			       "class/iommu/%s/intel-iommu/cap", units[i]) < 0 || !setup_exists(path))
			continue;	/* AMD-Vi and others: 48 bits and more in practice */
		rc = setup_read_hex(path, &cap);
		if (rc < 0) {
			finding(dg, SEV_WARN, NULL, "%s: cannot read %s: %s", units[i], path,
				rc == -EINVAL ? "not a hex number" : setup_strerror(rc));
			continue;
		}
		w = vtd_width(cap);
		if (w >= need)
			finding(dg, SEV_OK, NULL, "%s: %u-bit DMA addresses cover this process's "
				"%u-bit ones (IOVA = VA works)", units[i], w, need);
		else
			finding(dg, SEV_PROBLEM, "in a QEMU guest, add aw-bits=48 to -device "
				"intel-iommu; otherwise run with --iova-mode=pa",
				"%s: the IOMMU translates only %u-bit addresses, below this process's "
				"%u-bit ones: VFIO_IOMMU_MAP_DMA of ordinary memory fails with EINVAL",
				units[i], w, need);
	}
}

int
setup_cmd_iommu(struct setup_ctx *ctx)
{
	struct diag dg = { .ctx = ctx };
	struct cmdline cl;
	char **units = NULL;
	int nunits;
	bool loaded;

	parse_cmdline(ctx, &cl);
	if (!cl.read)
		finding(&dg, SEV_WARN, NULL, "cannot read %s/cmdline", ctx->root[SETUP_ROOT_PROC]);
	nunits = count_dir(ctx, SETUP_ROOT_SYS, "class/iommu", &units);
	if (nunits < 0)
		nunits = 0;
	check_hardware(&dg, &cl, units, nunits);
	check_groups(&dg, nunits);
	loaded = check_modules(&dg);
	check_noiommu(&dg, loaded, nunits);
	check_memlock(&dg);
	check_width(&dg, units, nunits);
	setup_free_list(units, nunits);
	if (dg.problems > 0)
		fprintf(ctx->out, "%u problem(s): VFIO will not work until they are fixed\n",
			dg.problems);
	else
		fprintf(ctx->out, "VFIO should work here%s\n",
			dg.warnings ? " (see the warnings above)" : "");
	return dg.problems > 0 ? SETUP_EXIT_FAIL : SETUP_EXIT_OK;
}
