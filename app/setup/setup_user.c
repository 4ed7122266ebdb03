/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup status --user USER[:GROUP] [--mem MB]`: what that user still
 * lacks to run a VDK application without root, one line a permission,
 * each missing one with the command (run as root) that grants it:
 *
 * - every IOMMU group whose devices are on a VFIO driver: read-write on
 *   its node (/dev/vfio/N for vfio-pci, /dev/vdk-vfio/N for vdk_vfio),
 *   and for vfio-pci the container /dev/vfio/vfio;
 * - hugepages: free ones at all, and a hugetlbfs mount the user may
 *   write (without one the EAL takes memfd hugepages, which need no mount);
 * - the locked-memory limit, against --mem MB: VFIO pins every byte the
 *   application maps for DMA and charges it to RLIMIT_MEMLOCK.
 *
 * Exit status 1 when something is missing, so a script can ask.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

struct user_report {
	struct setup_ctx *ctx;
	char who[48];		/* the ids, for the commands printed */
	int missing;
};

static void
line(struct user_report *r, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
line(struct user_report *r, bool ok, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->ctx->out, "%-8s ", ok ? "ok" : "MISSING");
	va_start(ap, fmt);
	vfprintf(r->ctx->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->ctx->out);
	r->missing += !ok;
}

static void
user_node_desc(const struct stat *st, char *buf, size_t len)
{
	snprintf(buf, len, "owner %u:%u, mode %04o", (unsigned int)st->st_uid,
		 (unsigned int)st->st_gid, (unsigned int)(st->st_mode & 07777));
}

/* One line a group: the devices in it that are on a VFIO driver. */
static int
user_check_devices(struct user_report *r, bool *mainline)
{
	struct setup_ctx *ctx = r->ctx;
	int groups_seen[SETUP_MAX_BDFS];
	unsigned int nb_seen = 0;
	char **bdfs;
	int n, shown = 0;

	n = setup_list_devices(ctx, &bdfs);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char node[PATH_MAX], desc[64], closed[PATH_MAX];
		struct setup_dev d;
		struct stat st;
		bool seen = false;

		if (setup_dev_load(ctx, bdfs[i], &d) < 0 || !setup_driver_is_vfio(d.driver) ||
		    d.group < 0)
			continue;
		for (unsigned int k = 0; k < nb_seen; k++)
			seen |= groups_seen[k] == d.group;
		if (seen)
			continue;
		if (nb_seen < SETUP_MAX_BDFS)
			groups_seen[nb_seen++] = d.group;
		*mainline |= strcmp(d.driver, SETUP_VDK_VFIO_DRIVER) != 0;
		shown++;
		setup_group_node(ctx, d.driver, d.group, node, sizeof(node));
		if (stat(node, &st) < 0) {
			line(r, false, "%s (%s, IOMMU group %d): %s: %s; rebind it: vdk-setup "
			     "bind %s --driver %s --owner %s", node, d.bdf, d.group, node,
			     setup_strerror(-errno), d.bdf, d.driver, r->who);
			continue;
		}
		user_node_desc(&st, desc, sizeof(desc));
		if (!setup_owner_may_reach(&ctx->owner, node, closed, sizeof(closed)))
			line(r, false, "%s (%s, IOMMU group %d): out of reach: the user may not "
			     "search %s; open it (chmod o+x %s)", node, d.bdf, d.group, closed,
			     closed);
		else if (setup_owner_may(&ctx->owner, &st, 6))
			line(r, true, "%s (%s, IOMMU group %d): read-write (%s)", node, d.bdf,
			     d.group, desc);
		else
			line(r, false, "%s (%s, IOMMU group %d): no read-write access (%s); "
			     "grant: vdk-setup bind %s%s%s --owner %s", node, d.bdf, d.group, desc,
			     d.bdf, strcmp(d.driver, SETUP_DEFAULT_DRIVER) ? " --driver " : "",
			     strcmp(d.driver, SETUP_DEFAULT_DRIVER) ? d.driver : "", r->who);
	}
	setup_free_list(bdfs, n);
	if (shown == 0)
		line(r, false, "devices: none is on a VFIO driver; grant one: vdk-setup bind BDF "
		     "--owner %s", r->who);
	return 0;
}

static void
user_check_container(struct user_report *r)
{
	char path[PATH_MAX], desc[64];
	struct stat st;

	setup_path(r->ctx, SETUP_ROOT_DEV, path, sizeof(path), "vfio/vfio");
	if (stat(path, &st) < 0) {
		line(r, false, "%s: %s; the vfio modules are not loaded: vdk-setup bind loads "
		     "them", path, setup_strerror(-errno));
		return;
	}
	user_node_desc(&st, desc, sizeof(desc));
	if (setup_owner_may(&r->ctx->owner, &st, 6))
		line(r, true, "%s: read-write (%s)", path, desc);
	else
		line(r, false, "%s: no read-write access (%s); the kernel makes it 0666: "
		     "chmod 0666 %s", path, desc, path);
}

/* Free pages of every size, from kernel/mm/hugepages; -1 if unreadable. */
static long
user_free_hugepages(struct setup_ctx *ctx)
{
	char path[PATH_MAX], file[PATH_MAX + 32];
	char **names;
	long total = -1;
	int n;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "kernel/mm/hugepages");
	n = setup_list_dir(path, &names);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		unsigned long v;

		snprintf(file, sizeof(file), "%s/%s/free_hugepages", path, names[i]);
		if (setup_read_ulong(file, &v) == 0)
			total = (total < 0 ? 0 : total) + (long)v;
	}
	setup_free_list(names, n);
	return total;
}

static void
user_check_hugepages(struct user_report *r)
{
	struct setup_ctx *ctx = r->ctx;
	char path[PATH_MAX], line_buf[4096], src[1024], dst[1024], type[64], desc[64];
	char closed[PATH_MAX];
	int writable = 0, other = 0;
	long nfree = user_free_hugepages(ctx);
	FILE *f;

	if (nfree <= 0)
		line(r, false, "hugepages: %s; reserve some: vdk-setup hugepages 64 --owner %s",
		     nfree < 0 ? "the kernel offers none (no hugetlbfs?)" : "none free", r->who);
	else
		line(r, true, "hugepages: %ld free (any user may map them)", nfree);
	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "mounts");
	f = fopen(path, "re");
	while (f != NULL && fgets(line_buf, sizeof(line_buf), f) != NULL) {
		struct stat st;

		if (sscanf(line_buf, "%1023s %1023s %63s", src, dst, type) != 3 ||
		    strcmp(type, "hugetlbfs") != 0)
			continue;
		setup_unescape_octal(dst);
		if (stat(dst, &st) < 0)
			continue;
		user_node_desc(&st, desc, sizeof(desc));
		if (!setup_owner_may_reach(&ctx->owner, dst, closed, sizeof(closed))) {
			fprintf(ctx->out, "%-8s hugetlbfs %s: out of reach: the user may not search "
				"%s\n", "note", dst, closed);
			other++;
		} else if (setup_owner_may(&ctx->owner, &st, 3)) {
			line(r, true, "hugetlbfs %s: writable (%s)", dst, desc);
			writable++;
		} else {
			fprintf(ctx->out, "%-8s hugetlbfs %s: not writable (%s)\n", "note", dst,
				desc);
			other++;
		}
	}
	if (f != NULL)
		fclose(f);
	/* Not missing: the EAL then takes memfd hugepages, which need no mount. */
	if (writable == 0)
		fprintf(ctx->out, "%-8s hugetlbfs: no mount this user may write%s; the EAL uses "
			"memfd hugepages instead; for --huge-dir: vdk-setup hugepages --owner %s\n",
			"note", other ? " (see above)" : "", r->who);
}

/* "Max locked memory" of this process: what the application started from here inherits. */
static int
user_memlock_limit(struct setup_ctx *ctx, uint64_t *bytes, bool *unlimited)
{
	char path[PATH_MAX], buf[256], soft[32];
	int rc = -ENOENT;
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "self/limits");
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		unsigned long v;

		if (sscanf(buf, "Max locked memory %31s", soft) != 1)
			continue;
		*unlimited = strcmp(soft, "unlimited") == 0;
		rc = *unlimited ? 0 : setup_parse_ulong(soft, 10, &v);
		if (rc == 0 && !*unlimited)
			*bytes = v;
		break;
	}
	fclose(f);
	return rc;
}

static void
user_check_memlock(struct user_report *r)
{
	struct setup_ctx *ctx = r->ctx;
	uint64_t limit = 0, need = (uint64_t)ctx->mem_mb << 20;
	bool unlimited = false;
	char domain[SETUP_NAME_LEN + 2];

	if (ctx->owner.uid == 0) {
		line(r, true, "memlock: root has CAP_IPC_LOCK, which VFIO lets pin past the limit");
		return;
	}
	if (user_memlock_limit(ctx, &limit, &unlimited) < 0) {
		line(r, false, "memlock: cannot read the locked-memory limit from %s/self/limits",
		     ctx->root[SETUP_ROOT_PROC]);
		return;
	}
	if (unlimited) {
		line(r, true, "memlock: unlimited (this shell's limit, which a process "
		     "started from it inherits)");
		return;
	}
	if (need == 0) {
		fprintf(ctx->out, "%-8s memlock: %" PRIu64 " KiB (this shell's limit): VFIO pins "
			"all the memory an application maps for DMA; give --mem MB to check it\n",
			"note", limit >> 10);
		return;
	}
	/* pam_limits names a user, or a uid as the range UID:UID. */
	if (ctx->owner.name[0] != '\0')
		snprintf(domain, sizeof(domain), "%s", ctx->owner.name);
	else
		snprintf(domain, sizeof(domain), "%u:%u", (unsigned int)ctx->owner.uid,
			 (unsigned int)ctx->owner.uid);
	if (limit >= need)
		line(r, true, "memlock: %" PRIu64 " KiB, enough for %lu MiB (this shell's "
		     "limit)", limit >> 10, ctx->mem_mb);
	else
		line(r, false, "memlock: %" PRIu64 " KiB, but VFIO pins the %lu MiB the "
		     "application maps: raise it for the user (`ulimit -l %lu` in the shell "
		     "that starts it, `%s - memlock %lu` in /etc/security/limits.d/, "
		     "LimitMEMLOCK=%luM for a service)", limit >> 10, ctx->mem_mb,
		     ctx->mem_mb << 10, domain,
		     ctx->mem_mb << 10, ctx->mem_mb);
}

int
setup_cmd_status_user(struct setup_ctx *ctx)
{
	struct user_report r = { .ctx = ctx };
	bool mainline = false;

	setup_owner_str(&ctx->owner, r.who, sizeof(r.who));
	fprintf(ctx->out, "what user %s needs to run VDK without root:\n", ctx->owner.spec);
	if (user_check_devices(&r, &mainline) < 0)
		return SETUP_EXIT_FAIL;
	if (mainline)
		user_check_container(&r);
	user_check_hugepages(&r);
	user_check_memlock(&r);
	if (r.missing > 0)
		fprintf(ctx->out, "%d missing: run the commands above as root\n", r.missing);
	else
		fprintf(ctx->out, "nothing missing\n");
	return r.missing > 0 ? SETUP_EXIT_FAIL : SETUP_EXIT_OK;
}
