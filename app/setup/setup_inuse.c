/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the host still uses on a PCI device, so that bind never pulls a
 * disk out from under a mounted filesystem or a NIC out from under the
 * network: block devices below the device in sysfs (their partitions and
 * the dm/md devices that hold them) against /proc/mounts and /proc/swaps,
 * and network interfaces below it that are up, addressed or routed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup_internal.h"

#define MAX_BLOCKS 64
#define IFF_UP_FLAG 0x1	/* from linux/if.h; the flags file is hex */

struct blockset {
	char name[MAX_BLOCKS][SETUP_NAME_LEN];
	unsigned int nb;
};

static void
users_add(struct setup_users *u, const char *fmt, ...)
{
	va_list ap;

	if (u->nb >= sizeof(u->what) / sizeof(u->what[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(u->what[u->nb++], sizeof(u->what[0]), fmt, ap);
	va_end(ap);
}

static bool
blockset_has(const struct blockset *s, const char *name)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (strcmp(s->name[i], name) == 0)
			return true;
	return false;
}

static void
blockset_add(struct blockset *s, const char *name)
{
	if (s->nb < MAX_BLOCKS && strlen(name) < SETUP_NAME_LEN && !blockset_has(s, name))
		strcpy(s->name[s->nb++], name);
}

/* True if @path resolves to somewhere below the device directory @devpath. */
static bool
below(const char *path, const char *devpath)
{
	char real[PATH_MAX];
	size_t n = strlen(devpath);

	if (realpath(path, real) == NULL)
		return false;
	return strncmp(real, devpath, n) == 0 && real[n] == '/';
}

/*
 * Names in class/<cls> whose device lives below @d. Partitions are listed
 * in class/block beside their disks, so they come along.
 */
static int
class_below(struct setup_ctx *ctx, const char *cls, const struct setup_dev *d,
	    struct blockset *out)
{
	char path[PATH_MAX];
	char **names;
	int n;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/%s", cls);
	n = setup_list_dir(path, &names);
	if (n == -ENOENT)
		return 0;	/* no block or net subsystem at all */
	if (n < 0) {
		setup_err(ctx, "cannot list %s: %s", path, setup_strerror(n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/%s/%s", cls,
			       names[i]) == 0 && below(path, d->path))
			blockset_add(out, names[i]);
	}
	setup_free_list(names, n);
	return 0;
}

/* Add dm and md devices stacked on the set, and what is stacked on those. */
static void
add_holders(struct setup_ctx *ctx, struct blockset *s)
{
	char path[PATH_MAX];
	char **names;
	int n;

	/* The set grows while we walk it: that is the transitive closure. */
	for (unsigned int i = 0; i < s->nb; i++) {
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s/holders",
			   s->name[i]);
		n = setup_list_dir(path, &names);
		if (n <= 0)
			continue;
		for (int k = 0; k < n; k++)
			blockset_add(s, names[k]);
		setup_free_list(names, n);
	}
}

/*
 * The block device a mount source names: "/dev/sda1" is sda1; for
 * "/dev/mapper/x", "/dev/md/y" or "/dev/disk/by-uuid/z" follow the link
 * under --dev, or failing that match a dm device's dm/name.
 */
static bool
source_in_set(struct setup_ctx *ctx, const char *src, const struct blockset *s,
	      char *hit, size_t len)
{
	char path[PATH_MAX], name[SETUP_NAME_LEN], dmname[256];
	const char *rel;

	if (strncmp(src, "/dev/", 5) != 0)
		return false;
	rel = src + 5;
	if (strchr(rel, '/') == NULL && blockset_has(s, rel)) {
		snprintf(hit, len, "%s", rel);
		return true;
	}
	if (setup_path(ctx, SETUP_ROOT_DEV, path, sizeof(path), "%s", rel) == 0 &&
	    setup_readlink_base(path, name, sizeof(name)) == 0 && blockset_has(s, name)) {
		snprintf(hit, len, "%s", name);
		return true;
	}
	if (strncmp(rel, "mapper/", 7) != 0)
		return false;
	for (unsigned int i = 0; i < s->nb; i++) {
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s/dm/name",
			   s->name[i]);
		if (setup_read_str(path, dmname, sizeof(dmname)) == 0 &&
		    strcmp(dmname, rel + 7) == 0) {
			snprintf(hit, len, "%s", s->name[i]);
			return true;
		}
	}
	return false;
}

/* /proc/mounts escapes space, tab, newline and backslash as \ooo. */
static void
unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/*
 * 9p mount tags of virtio devices on the PCI device ("virtioN/mount_tag"):
 * a 9p mount names its tag as the source, not a block device.
 */
static void
virtio_9p_tags(const struct setup_dev *d, struct blockset *tags)
{
	char path[PATH_MAX + 64], tag[SETUP_NAME_LEN];
	char **names;
	int n;

	n = setup_list_dir(d->path, &names);
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++) {
		if (strncmp(names[i], "virtio", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/mount_tag", d->path, names[i]);
		if (setup_read_str(path, tag, sizeof(tag)) == 0 && tag[0] != '\0')
			blockset_add(tags, tag);
	}
	setup_free_list(names, n);
}

static int
check_mounts(struct setup_ctx *ctx, const struct setup_dev *d, const struct blockset *s,
	     const struct blockset *tags, struct setup_users *u)
{
	char path[PATH_MAX], line[4096], src[2048], dst[2048], type[64], hit[SETUP_NAME_LEN];
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "mounts");
	f = fopen(path, "re");
	if (f == NULL) {
		/* Cannot prove the disk is unused: refuse rather than guess. */
		setup_err(ctx, "%s: cannot read %s to check for mounted filesystems: %s",
			  d->bdf, path, setup_strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%2047s %2047s %63s", src, dst, type) != 3)
			continue;
		unescape_octal(src);
		unescape_octal(dst);
		if (source_in_set(ctx, src, s, hit, sizeof(hit))) {
			u->mounted = true;
			users_add(u, "%s (%s) is mounted on %s", src, hit, dst);
		} else if (strcmp(type, "9p") == 0 && blockset_has(tags, src)) {
			u->mounted = true;
			users_add(u, "9p share '%s' is mounted on %s", src, dst);
		}
	}
	fclose(f);

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "swaps");
	f = fopen(path, "re");
	if (f == NULL)
		return 0;	/* no swap support compiled in */
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%2047s", src) != 1)
			continue;
		unescape_octal(src);
		if (source_in_set(ctx, src, s, hit, sizeof(hit))) {
			u->mounted = true;
			users_add(u, "%s (%s) is in use as swap", src, hit);
		}
	}
	fclose(f);
	return 0;
}

/* Does a /proc/net table list @ifname in column @col (0-based)? */
static bool
net_table_has(struct setup_ctx *ctx, const char *table, const char *ifname, int col,
	      bool default_only)
{
	char path[PATH_MAX], line[512];
	bool found = false;
	FILE *f;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "net/%s", table);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *tok[12], *save = NULL;
		int nt = 0;

		for (char *t = strtok_r(line, " \t\n", &save); t && nt < 12;
		     t = strtok_r(NULL, " \t\n", &save))
			tok[nt++] = t;
		if (nt <= col || strcmp(tok[col], ifname) != 0)
			continue;
		if (!default_only) {
			found = true;
		} else if (strcmp(table, "route") == 0) {
			/* Iface Destination Gateway Flags RefCnt Use Metric Mask */
			found = nt >= 8 && strcmp(tok[1], "00000000") == 0 &&
				strcmp(tok[7], "00000000") == 0;
		} else {
			/* ipv6_route: dest dest_len ... iface last */
			found = strcmp(tok[0], "00000000000000000000000000000000") == 0 &&
				strcmp(tok[1], "00") == 0;
		}
	}
	fclose(f);
	return found;
}

static void
append(char *buf, size_t len, const char *part)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", part);
}

static int
check_net(struct setup_ctx *ctx, const struct setup_dev *d, struct setup_users *u)
{
	struct blockset ifs = { .nb = 0 };
	char path[PATH_MAX], state[64];
	unsigned long flags;
	int rc;

	rc = class_below(ctx, "net", d, &ifs);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < ifs.nb; i++) {
		const char *ifn = ifs.name[i];
		char why[128] = "";

		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/net/%s/flags", ifn);
		rc = setup_read_hex(path, &flags);
		/* Unknown state counts as up rather than risk the host's link. */
		if (rc < 0)
			append(why, sizeof(why), "flags unreadable");
		else if (flags & IFF_UP_FLAG)
			append(why, sizeof(why), "up");
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/net/%s/operstate", ifn);
		if ((rc == 0 && !(flags & IFF_UP_FLAG)) &&
		    setup_read_str(path, state, sizeof(state)) == 0 && strcmp(state, "up") == 0)
			append(why, sizeof(why), "up");
		/* IPv4 addresses show as connected routes; IPv6 ones are listed. */
		if (net_table_has(ctx, "route", ifn, 0, false))
			append(why, sizeof(why), "has IPv4 routes");
		if (net_table_has(ctx, "if_inet6", ifn, 5, false))
			append(why, sizeof(why), "has IPv6 addresses");
		if (net_table_has(ctx, "route", ifn, 0, true) ||
		    net_table_has(ctx, "ipv6_route", ifn, 9, true))
			append(why, sizeof(why), "carries the default route");
		if (why[0] != '\0') {
			u->net_active = true;
			users_add(u, "interface %s is active (%s)", ifn, why);
		}
	}
	return 0;
}

/*
 * Fill @u with what uses @d: mounted filesystems and swap on its block
 * devices, active interfaces. Returns 0, or -errno when it could not
 * check (the caller must then refuse, since it cannot prove safety).
 */
int
setup_dev_users(struct setup_ctx *ctx, const struct setup_dev *d, struct setup_users *u)
{
	struct blockset blocks = { .nb = 0 }, tags = { .nb = 0 };
	int rc;

	memset(u, 0, sizeof(*u));
	rc = class_below(ctx, "block", d, &blocks);
	if (rc < 0)
		return rc;
	virtio_9p_tags(d, &tags);
	if (blocks.nb > 0 || tags.nb > 0) {
		add_holders(ctx, &blocks);
		rc = check_mounts(ctx, d, &blocks, &tags, u);
		if (rc < 0)
			return rc;
	}
	return check_net(ctx, d, u);
}

/*
 * Processes that hold /dev/vfio/<group> open. Unbinding a device from
 * vfio-pci while its group is open blocks in the kernel until the
 * process lets go, so say who it is instead of hanging.
 */
int
setup_vfio_group_users(struct setup_ctx *ctx, int group, struct setup_users *u)
{
	char path[PATH_MAX], want[64], want_noiommu[64], comm[64];
	char **pids, **fds;
	int np, nf;

	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	snprintf(want_noiommu, sizeof(want_noiommu), "/dev/vfio/noiommu-%d", group);
	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), ".");
	np = setup_list_dir(path, &pids);
	if (np < 0)
		return 0;	/* no procfs: nothing to learn, unbind will tell */
	for (int i = 0; i < np; i++) {
		char target[PATH_MAX];
		bool holds = false;
		ssize_t n;

		if (!isdigit((unsigned char)pids[i][0]))
			continue;
		setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "%s/fd", pids[i]);
		nf = setup_list_dir(path, &fds);
		for (int k = 0; k < nf && !holds; k++) {
			if (setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "%s/fd/%s",
				       pids[i], fds[k]) < 0)
				continue;
			n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			holds = strcmp(target, want) == 0 || strcmp(target, want_noiommu) == 0;
		}
		if (nf > 0)
			setup_free_list(fds, nf);
		if (!holds)
			continue;
		setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "%s/comm", pids[i]);
		if (setup_read_str(path, comm, sizeof(comm)) < 0)
			strcpy(comm, "?");
		u->vfio_open = true;
		users_add(u, "VFIO group %d is open in process %s (%s)", group, pids[i], comm);
	}
	setup_free_list(pids, np);
	return 0;
}
