/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup hugepages`: reserve, free and mount hugepages, and report
 * what is reserved and free for each page size, globally and per NUMA
 * node. The kernel may give fewer pages than asked (memory fragmented or
 * short on a node); that is reported as a failure, not hidden.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "setup_internal.h"

struct hp_counts {
	unsigned long nr, free, surplus, resv;
	bool ok;
};

static void
read_counts(struct setup_ctx *ctx, const char *dir, struct hp_counts *c)
{
	char path[PATH_MAX + 32];
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	rc = setup_read_ulong(path, &c->nr);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/free_hugepages", dir);
		rc = setup_read_ulong(path, &c->free);
	}
	if (rc < 0) {
		setup_err(ctx, "cannot read %s: %s", path,
			  rc == -EINVAL ? "not a number" : setup_strerror(rc));
		return;
	}
	/* Optional: per-node directories have no resv_hugepages. */
	snprintf(path, sizeof(path), "%s/surplus_hugepages", dir);
	setup_read_ulong(path, &c->surplus);
	snprintf(path, sizeof(path), "%s/resv_hugepages", dir);
	setup_read_ulong(path, &c->resv);
	c->ok = true;
}

/* "2M", "2MB", "1G", "2048kB", "2048k": the size in kB; -EINVAL otherwise. */
int
setup_parse_size_kb(const char *s, unsigned long *kb)
{
	char num[32], unit[8];
	unsigned long v, mult;
	size_t nd = 0;

	while (s[nd] >= '0' && s[nd] <= '9')
		nd++;
	if (nd == 0 || nd >= sizeof(num) || strlen(s + nd) >= sizeof(unit))
		return -EINVAL;
	memcpy(num, s, nd);
	num[nd] = '\0';
	strcpy(unit, s + nd);
	if (setup_parse_ulong(num, 10, &v) < 0)
		return -EINVAL;
	if (strcasecmp(unit, "k") == 0 || strcasecmp(unit, "kb") == 0)
		mult = 1;
	else if (strcasecmp(unit, "m") == 0 || strcasecmp(unit, "mb") == 0)
		mult = 1024;
	else if (strcasecmp(unit, "g") == 0 || strcasecmp(unit, "gb") == 0)
		mult = 1024 * 1024;
	else
		return -EINVAL;
	if (v == 0 || v > ~0UL / mult)
		return -EINVAL;
	*kb = v * mult;
	return 0;
}

static void
size_str(unsigned long kb, char *buf, size_t len)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, len, "%luG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, len, "%luM", kb / 1024);
	else
		snprintf(buf, len, "%luk", kb);
}

/* Sizes the kernel offers, from kernel/mm/hugepages/hugepages-<kB>kB. */
static int
list_sizes(struct setup_ctx *ctx, unsigned long *sizes, int max)
{
	char path[PATH_MAX];
	char **names;
	int n, k = 0;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "kernel/mm/hugepages");
	n = setup_list_dir(path, &names);
	if (n < 0) {
		setup_err(ctx, "cannot list %s: %s%s", path, setup_strerror(n),
			  n == -ENOENT ? " (kernel built without hugetlbfs?)" : "");
		return n;
	}
	for (int i = 0; i < n && k < max; i++) {
		char num[32];
		unsigned long kb;
		size_t l;

		if (strncmp(names[i], "hugepages-", 10) != 0)
			continue;
		l = strlen(names[i] + 10);
		if (l < 3 || l - 2 >= sizeof(num) || strcmp(names[i] + 10 + l - 2, "kB") != 0)
			continue;
		memcpy(num, names[i] + 10, l - 2);
		num[l - 2] = '\0';
		if (setup_parse_ulong(num, 10, &kb) == 0)
			sizes[k++] = kb;
	}
	setup_free_list(names, n);
	/* Directory order is by name, so "1048576kB" sorts before "2048kB". */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && sizes[j - 1] > sizes[j]; j--) {
			unsigned long t = sizes[j];

			sizes[j] = sizes[j - 1];
			sizes[j - 1] = t;
		}
	return k;
}

static int
list_nodes(struct setup_ctx *ctx, int *nodes, int max)
{
	char path[PATH_MAX];
	char **names;
	int n, k = 0;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "devices/system/node");
	n = setup_list_dir(path, &names);
	if (n < 0)
		return 0;	/* kernel without NUMA: the global figures are all there is */
	for (int i = 0; i < n && k < max; i++) {
		unsigned long id;

		if (strncmp(names[i], "node", 4) == 0 &&
		    setup_parse_ulong(names[i] + 4, 10, &id) == 0 && id <= INT_MAX)
			nodes[k++] = (int)id;
	}
	setup_free_list(names, n);
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && nodes[j - 1] > nodes[j]; j--) {
			int t = nodes[j];

			nodes[j] = nodes[j - 1];
			nodes[j - 1] = t;
		}
	return k;
}

static void
size_dir(struct setup_ctx *ctx, int node, unsigned long kb, char *buf, size_t len)
{
	if (node < 0)
		setup_path(ctx, SETUP_ROOT_SYS, buf, len, "kernel/mm/hugepages/hugepages-%lukB", kb);
	else
		setup_path(ctx, SETUP_ROOT_SYS, buf, len,
			   "devices/system/node/node%d/hugepages/hugepages-%lukB", node, kb);
}

/* The default page size, from Hugepagesize in /proc/meminfo. */
static unsigned long
default_size_kb(struct setup_ctx *ctx, const unsigned long *sizes, int nsizes)
{
	char path[PATH_MAX], line[256];
	unsigned long kb = 0;
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "meminfo");
	f = fopen(path, "re");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
				break;
		fclose(f);
	}
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] == kb)
			return kb;
	/* 2 MiB where offered: it is the x86-64 default. */
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] == 2048)
			return 2048;
	return nsizes > 0 ? sizes[0] : 0;
}

/*
 * @path as realpath gives it where it resolves ("/dev/hugepages/",
 * "/dev//hugepages" and a link to it are the one directory), else as given.
 */
static void
canonical(const char *path, char *buf)
{
	if (realpath(path, buf) == NULL)
		snprintf(buf, PATH_MAX, "%s", path);
}

/* hugetlbfs mounts from /proc/mounts, printed or checked for @dir. */
static bool
hugetlbfs_mounts(struct setup_ctx *ctx, const char *dir, bool print)
{
	char path[PATH_MAX], line[4096], src[1024], dst[1024], type[64], opts[1024];
	char want[PATH_MAX], have[PATH_MAX];
	bool found = false;
	int shown = 0;
	FILE *f;

	if (dir != NULL)
		canonical(dir, want);

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "mounts");
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%1023s %1023s %63s %1023s", src, dst, type, opts) != 4 ||
		    strcmp(type, "hugetlbfs") != 0)
			continue;
		setup_unescape_octal(dst);
		if (dir != NULL) {
			canonical(dst, have);
			found |= strcmp(have, want) == 0;
		}
		if (print) {
			char *ps = strstr(opts, "pagesize=");
			char *comma = ps ? strchr(ps, ',') : NULL;

			if (comma)
				*comma = '\0';
			fprintf(ctx->out, "%s%s (%s)", shown++ ? ", " : "hugetlbfs mounted on: ", dst,
				ps ? ps : "default pagesize");
		}
	}
	fclose(f);
	if (print)
		fprintf(ctx->out, "%s\n", shown ? "" :
			"hugetlbfs: not mounted (vdk-setup hugepages --mount /dev/hugepages)");
	return found;
}

static int
report(struct setup_ctx *ctx, const unsigned long *sizes, int nsizes, const int *nodes,
       int nnodes)
{
	char dir[PATH_MAX], sz[32];
	struct hp_counts c;
	int failed = 0;

	fprintf(ctx->out, "%-6s %-5s %10s %10s %10s\n", "size", "node", "reserved", "free",
		"surplus");
	for (int i = 0; i < nsizes; i++) {
		size_str(sizes[i], sz, sizeof(sz));
		size_dir(ctx, -1, sizes[i], dir, sizeof(dir));
		read_counts(ctx, dir, &c);
		if (!c.ok)
			failed = 1;
		else
			fprintf(ctx->out, "%-6s %-5s %10lu %10lu %10lu\n", sz, "all", c.nr, c.free,
				c.surplus);
		for (int k = 0; k < nnodes; k++) {
			char node[16];

			size_dir(ctx, nodes[k], sizes[i], dir, sizeof(dir));
			if (!setup_is_dir(dir))
				continue;
			read_counts(ctx, dir, &c);
			snprintf(node, sizeof(node), "%d", nodes[k]);
			if (!c.ok)
				failed = 1;
			else
				fprintf(ctx->out, "%-6s %-5s %10lu %10lu %10lu\n", sz, node, c.nr,
					c.free, c.surplus);
		}
	}
	hugetlbfs_mounts(ctx, NULL, true);
	return failed;
}

static int
set_count(struct setup_ctx *ctx, unsigned long kb, int node, unsigned long want)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], val[32], sz[32], where[32];
	struct hp_counts c;
	int rc;

	size_str(kb, sz, sizeof(sz));
	if (node >= 0)
		snprintf(where, sizeof(where), " on node %d", node);
	else
		where[0] = '\0';
	size_dir(ctx, node, kb, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	snprintf(val, sizeof(val), "%lu", want);
	rc = setup_write(ctx, path, val);
	if (rc < 0) {
		setup_err(ctx, "cannot reserve %lu %s pages%s: writing %s: %s%s", want, sz, where,
			  path, setup_strerror(rc),
			  rc == -EACCES || rc == -EPERM ? " (run as root)" : "");
		return -1;
	}
	if (ctx->dry_run)
		return 0;
	read_counts(ctx, dir, &c);
	if (!c.ok)
		return -1;
	if (c.nr < want) {
		setup_err(ctx, "the kernel gave %lu of the %lu %s pages asked%s: memory is short "
			  "or fragmented; free memory (echo 3 > /proc/sys/vm/drop_caches), ask "
			  "for fewer, or reserve them at boot (hugepages=%lu on the kernel command "
			  "line)", c.nr, want, sz, where, want);
		return -1;
	}
	if (c.nr > want) {
		/* Pages in use (files in hugetlbfs, running processes) cannot be taken back. */
		setup_err(ctx, "%lu %s pages%s remain reserved, not %lu: %lu are in use by "
			  "processes or by files in a hugetlbfs mount; remove those files and "
			  "retry", c.nr, sz, where, want, c.nr - c.free);
		return -1;
	}
	fprintf(ctx->out, "%s pages%s: %lu reserved\n", sz, where, c.nr);
	return 0;
}

/*
 * hugetlbfs's own options: pagesize= (@with_size), and with --owner the
 * root directory's uid=, gid= and mode=, so that the mount is the user's
 * from the moment it appears. "" for none.
 */
static void
mount_opts(struct setup_ctx *ctx, unsigned long kb, bool with_size, char *opts, size_t len)
{
	const struct setup_owner *o = &ctx->owner;
	char sz[32];
	size_t n = 0;

	opts[0] = '\0';
	if (with_size) {
		size_str(kb, sz, sizeof(sz));
		n += (size_t)snprintf(opts, len, "pagesize=%s", sz);
	}
	if (!o->set)
		return;
	n += (size_t)snprintf(opts + n, len - n, "%suid=%u", n ? "," : "", (unsigned int)o->uid);
	if (o->group_given)
		n += (size_t)snprintf(opts + n, len - n, ",gid=%u", (unsigned int)o->gid);
	snprintf(opts + n, len - n, ",mode=%s", o->group_given ? "0770" : "0700");
}

static int
do_mount(struct setup_ctx *ctx, unsigned long kb)
{
	char opts[160];
	int rc;

	if (hugetlbfs_mounts(ctx, ctx->hp_mount, false)) {
		fprintf(ctx->out, "hugetlbfs already mounted on %s\n", ctx->hp_mount);
		/* Hand over the mount that is there rather than stack a second one on it. */
		return ctx->owner.set && setup_grant(ctx, ctx->hp_mount, true) < 0 ? -1 : 0;
	}
	if (ctx->dry_run) {
		/* The page size is shown even when the kernel's default goes unsaid. */
		mount_opts(ctx, kb, true, opts, sizeof(opts));
		/* What the real walk would refuse; a missing directory it would make. */
		rc = setup_open_dir_nofollow(ctx->hp_mount, false);
		if (rc >= 0)
			close(rc);
		else if (rc != -ENOENT)
			goto fail;
		fprintf(ctx->out, "would mount hugetlbfs on %s (%s)\n", ctx->hp_mount, opts);
		return 0;
	}
	mount_opts(ctx, kb, ctx->hp_size_kb != 0, opts, sizeof(opts));
	rc = ctx->ops->mount_hugetlbfs(ctx, ctx->hp_mount, opts[0] ? opts : NULL);
	if (rc < 0)
		goto fail;
	fprintf(ctx->out, "hugetlbfs mounted on %s%s%s\n", ctx->hp_mount,
		ctx->owner.set ? ", for " : "", ctx->owner.set ? ctx->owner.spec : "");
	return 0;
fail:
	if (rc == -ELOOP)
		setup_err(ctx, "cannot mount hugetlbfs on %s: the path goes through a symbolic "
			  "link, which --mount does not follow; give the directory's real path",
			  ctx->hp_mount);
	else
		setup_err(ctx, "cannot mount hugetlbfs on %s: %s%s", ctx->hp_mount,
			  setup_strerror(rc), rc == -EPERM ? " (run as root)" : "");
	return -1;
}

#define MAX_SIZES 8
#define MAX_NODES 64

int
setup_cmd_hugepages(struct setup_ctx *ctx)
{
	unsigned long sizes[MAX_SIZES], kb;
	int nodes[MAX_NODES], nsizes, nnodes, failed = 0;
	char dir[PATH_MAX], sz[32];

	nsizes = list_sizes(ctx, sizes, MAX_SIZES);
	if (nsizes < 0)
		return SETUP_EXIT_FAIL;
	nnodes = list_nodes(ctx, nodes, MAX_NODES);
	kb = ctx->hp_size_kb ? ctx->hp_size_kb : default_size_kb(ctx, sizes, nsizes);
	size_str(kb, sz, sizeof(sz));
	if (ctx->hp_size_kb || ctx->hp_count_set) {
		size_dir(ctx, -1, kb, dir, sizeof(dir));
		if (kb == 0 || !setup_is_dir(dir)) {
			setup_err(ctx, "%s pages are not offered here (%s missing); 1G pages need "
				  "the CPU's pdpe1gb flag and, on older kernels, hugepagesz=1G at "
				  "boot", sz, dir);
			return SETUP_EXIT_FAIL;
		}
	}
	if (ctx->hp_node >= 0) {
		size_dir(ctx, ctx->hp_node, kb, dir, sizeof(dir));
		if (!setup_is_dir(dir)) {
			char list[256] = "";

			for (int i = 0; i < nnodes; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), " %d",
					 nodes[i]);
			setup_err(ctx, "NUMA node %d has no %s hugepages (%s missing); nodes here:%s",
				  ctx->hp_node, sz, dir, nnodes ? list : " none listed");
			return SETUP_EXIT_FAIL;
		}
	}
	if (ctx->hp_clear) {
		/* With no --size, free every size: that is what "clear" means. */
		for (int i = 0; i < nsizes; i++)
			if (!ctx->hp_size_kb || sizes[i] == kb)
				failed |= set_count(ctx, sizes[i], ctx->hp_node, 0) < 0;
	}
	if (ctx->hp_count_set)
		failed |= set_count(ctx, kb, ctx->hp_node, ctx->hp_count) < 0;
	if (ctx->hp_mount[0] != '\0')
		failed |= do_mount(ctx, kb) < 0;
	failed |= report(ctx, sizes, nsizes, nodes, nnodes);
	return failed ? SETUP_EXIT_FAIL : SETUP_EXIT_OK;
}
