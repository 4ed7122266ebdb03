/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the host still uses on a PCI device, so that bind never pulls a
 * disk out from under a mounted filesystem or a NIC out from under the
 * network, as SPDK's setup.sh refuses mounted devices.
 *
 * Block devices are matched by major:minor, not by the names mounts give
 * them (/dev/root, a node a container made, another namespace's path):
 * each block device below the device in sysfs, NVMe multipath heads over
 * its controllers, their partitions and the dm/md devices stacked on them,
 * against the mountinfo of every mount namespace, against btrfs's own
 * list of each mounted filesystem's devices, and against the nodes
 * /proc/swaps names. A stacked device that nothing mounts is still open.
 * Network interfaces below the device count when up, addressed or routed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "setup_internal.h"

#define MAX_NAMES 64
#define MAX_BLOCKS 256
#define MAX_BTRFS 8
#define IFF_UP_FLAG 0x1	/* from linux/if.h; the flags file is hex */

/* Interface names, 9p tags, mount namespaces seen: short strings. */
struct nameset {
	char name[MAX_NAMES][SETUP_NAME_LEN];
	unsigned int nb;
};

/*
 * A block device the PCI device's removal would take away: one below it in
 * sysfs, an NVMe multipath head over its controller, a partition of one of
 * those, or a dm/md device stacked on any of them (holders/).
 */
struct block {
	char name[SETUP_NAME_LEN];
	unsigned int major, minor;
	bool has_devno;		/* sysfs "dev"; hidden NVMe path disks have none */
	int from;		/* the device it is part of or stacked on, -1 if none */
	bool holder;		/* stacked on @from (dm, md), not a partition of it */
	bool reported;		/* one sentence a device is enough */
};

/* A mounted btrfs with one of our devices among its own (sysfs fs/btrfs). */
struct btrfs_fs {
	char fsid[SETUP_NAME_LEN];
	int member;		/* our block device among its devices */
	struct nameset devs;	/* all its devices */
	bool reported;
};

struct blockset {
	struct block b[MAX_BLOCKS];
	unsigned int nb;
	bool overflow;
	struct btrfs_fs fs[MAX_BTRFS];
	unsigned int nb_fs;
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
nameset_has(const struct nameset *s, const char *name)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (strcmp(s->name[i], name) == 0)
			return true;
	return false;
}

static void
nameset_add(struct nameset *s, const char *name)
{
	if (s->nb < MAX_NAMES && strlen(name) < SETUP_NAME_LEN && !nameset_has(s, name))
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
	    struct nameset *out)
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
			nameset_add(out, names[i]);
	}
	setup_free_list(names, n);
	return 0;
}

/* "259:3" as the kernel writes dev files and mountinfo's third field. */
static bool
parse_devno(const char *s, unsigned int *major, unsigned int *minor)
{
	char tail;

	return sscanf(s, "%u:%u%c", major, minor, &tail) == 2;
}

static int
blocks_find(const struct blockset *s, const char *name)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (strcmp(s->b[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
blocks_find_devno(const struct blockset *s, unsigned int major, unsigned int minor)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (s->b[i].has_devno && s->b[i].major == major && s->b[i].minor == minor)
			return (int)i;
	return -1;
}

static void
blocks_add(struct setup_ctx *ctx, struct blockset *s, const char *name, int from, bool holder)
{
	char path[PATH_MAX], dev[32];
	struct block *b;

	if (blocks_find(s, name) >= 0)
		return;
	if (s->nb == MAX_BLOCKS || strlen(name) >= SETUP_NAME_LEN) {
		s->overflow = true;
		return;
	}
	b = &s->b[s->nb++];
	memset(b, 0, sizeof(*b));
	strcpy(b->name, name);
	b->from = from;
	b->holder = holder;
	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s/dev", name);
	b->has_devno = setup_read_str(path, dev, sizeof(dev)) == 0 &&
		       parse_devno(dev, &b->major, &b->minor);
}

/*
 * NVMe native multipath: the namespace's disk (nvme0n1) hangs below the
 * subsystem, not below the controller's PCI device, which holds only the
 * hidden path disk (nvme0c0n1). The subsystem directory links to each of
 * its controllers; a head disk of a subsystem with one of our controllers
 * goes with the device.
 */
static void
add_nvme_heads(struct setup_ctx *ctx, const struct setup_dev *d, struct blockset *s)
{
	char path[PATH_MAX];
	char **subs, **ents;
	int ns, ne;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/nvme-subsystem");
	ns = setup_list_dir(path, &subs);
	for (int i = 0; i < ns; i++) {
		bool ours = false;

		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/nvme-subsystem/%s",
			   subs[i]);
		ne = setup_list_dir(path, &ents);
		for (int k = 0; k < ne && !ours; k++)
			ours = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path),
					  "class/nvme-subsystem/%s/%s", subs[i], ents[k]) == 0 &&
			       below(path, d->path);
		for (int k = 0; k < ne && ours; k++) {
			setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s",
				   ents[k]);
			if (setup_exists(path))
				blocks_add(ctx, s, ents[k], -1, false);
		}
		if (ne > 0)
			setup_free_list(ents, ne);
	}
	if (ns > 0)
		setup_free_list(subs, ns);
}

/*
 * Partitions (subdirectories with a "partition" file) and holders (dm, md,
 * multipath heads, and what is stacked on those) of every device in the
 * set. The set grows while we walk it: that is the transitive closure.
 */
static void
add_partitions_and_holders(struct setup_ctx *ctx, struct blockset *s)
{
	char path[PATH_MAX];
	char **names;
	int n;

	for (unsigned int i = 0; i < s->nb; i++) {
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s", s->b[i].name);
		n = setup_list_dir(path, &names);
		for (int k = 0; k < n; k++) {
			setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path),
				   "class/block/%s/%s/partition", s->b[i].name, names[k]);
			if (setup_exists(path))
				blocks_add(ctx, s, names[k], (int)i, false);
		}
		if (n > 0)
			setup_free_list(names, n);
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s/holders",
			   s->b[i].name);
		n = setup_list_dir(path, &names);
		for (int k = 0; k < n; k++)
			blocks_add(ctx, s, names[k], (int)i, true);
		if (n > 0)
			setup_free_list(names, n);
	}
}

/*
 * Mounted btrfs filesystems with a device of ours: mountinfo shows a btrfs
 * mount with an anonymous major:minor and one member as its source, so a
 * second member would go unseen. sysfs fs/btrfs/FSID exists while it is
 * mounted and lists every member under devices/.
 */
static void
find_btrfs(struct setup_ctx *ctx, struct blockset *s)
{
	char path[PATH_MAX];
	char **fsids, **devs;
	int nf, nd;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "fs/btrfs");
	nf = setup_list_dir(path, &fsids);
	for (int i = 0; i < nf; i++) {
		struct btrfs_fs fs = { .member = -1 };

		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "fs/btrfs/%s/devices", fsids[i]);
		nd = setup_list_dir(path, &devs);
		for (int k = 0; k < nd; k++) {
			nameset_add(&fs.devs, devs[k]);
			if (fs.member < 0)
				fs.member = blocks_find(s, devs[k]);
		}
		if (nd > 0)
			setup_free_list(devs, nd);
		if (fs.member < 0 || strlen(fsids[i]) >= SETUP_NAME_LEN)
			continue;
		if (s->nb_fs == MAX_BTRFS) {
			s->overflow = true;
			break;
		}
		strcpy(fs.fsid, fsids[i]);
		s->fs[s->nb_fs++] = fs;
	}
	if (nf > 0)
		setup_free_list(fsids, nf);
}

/* Everything below @d, over it, and stacked on those. 0 or -errno. */
static int
collect_blocks(struct setup_ctx *ctx, const struct setup_dev *d, struct blockset *s)
{
	struct nameset below_dev = { .nb = 0 };
	int rc;

	rc = class_below(ctx, "block", d, &below_dev);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < below_dev.nb; i++)
		blocks_add(ctx, s, below_dev.name[i], -1, false);
	if (below_dev.nb == MAX_NAMES)
		s->overflow = true;
	add_nvme_heads(ctx, d, s);
	add_partitions_and_holders(ctx, s);
	if (s->nb > 0)
		find_btrfs(ctx, s);
	if (s->overflow) {
		setup_err(ctx, "%s: more block devices on and over it than this tool can "
			  "check (%u)", d->bdf, MAX_BLOCKS);
		return -E2BIG;
	}
	return 0;
}

/*
 * A use of a device accounts for what it is part of or stacked on too: a
 * mounted dm-3 over dm-2 over the disk needs no second sentence for dm-2.
 */
static void
mark_reported(struct blockset *s, int i)
{
	for (; i >= 0 && !s->b[i].reported; i = s->b[i].from)
		s->b[i].reported = true;
}

/* "dm-0 over nvme0n1p1" for a stacked device, the bare name otherwise. */
static const char *
describe(const struct blockset *s, int i, char *buf, size_t len)
{
	const struct block *b = &s->b[i];

	if (b->holder)
		snprintf(buf, len, "%s over %s", b->name, s->b[b->from].name);
	else
		snprintf(buf, len, "%s", b->name);
	return buf;
}

/*
 * The name a /dev path ends at under --dev: links followed to the node
 * ("/dev/disk/by-uuid/X" -> "nvme0n1p3"), or the last link's target when
 * the chain ends nowhere, or the path's own last component.
 */
static void
dev_node_name(struct setup_ctx *ctx, const char *rel, char *name, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

	if (setup_path(ctx, SETUP_ROOT_DEV, path, sizeof(path), "%s", rel) == 0) {
		if (realpath(path, real) != NULL) {
			base = strrchr(real, '/') + 1;
		} else if (setup_readlink_base(path, name, len) == 0) {
			return;
		}
	}
	snprintf(name, len, "%s", base);
}

/*
 * The block device a /dev path names: by the major:minor of the node it
 * reaches, whatever its name; else by name ("/dev/sda1", through the links
 * under --dev: "/dev/disk/by-uuid/...", "/dev/mapper/x"), or by a dm
 * device's own name. The index in @s, or -1.
 */
static int
source_index(struct setup_ctx *ctx, const char *src, const struct blockset *s)
{
	char path[PATH_MAX], name[SETUP_NAME_LEN], dmname[256];
	const char *rel;
	struct stat st;
	int i;

	if (strncmp(src, "/dev/", 5) != 0)
		return -1;
	rel = src + 5;
	if (setup_path(ctx, SETUP_ROOT_DEV, path, sizeof(path), "%s", rel) < 0)
		return -1;
	if (stat(path, &st) == 0 && S_ISBLK(st.st_mode))
		return blocks_find_devno(s, major(st.st_rdev), minor(st.st_rdev));
	dev_node_name(ctx, rel, name, sizeof(name));
	if ((i = blocks_find(s, name)) >= 0)
		return i;
	if (strncmp(rel, "mapper/", 7) != 0)
		return -1;
	for (unsigned int k = 0; k < s->nb; k++) {
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s/dm/name",
			   s->b[k].name);
		if (setup_read_str(path, dmname, sizeof(dmname)) == 0 &&
		    strcmp(dmname, rel + 7) == 0)
			return (int)k;
	}
	return -1;
}

/*
 * 9p mount tags of virtio devices on the PCI device ("virtioN/mount_tag"):
 * a 9p mount names its tag as the source, not a block device.
 */
static void
virtio_9p_tags(const struct setup_dev *d, struct nameset *tags)
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
			nameset_add(tags, tag);
	}
	setup_free_list(names, n);
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER". */
struct mnt {
	unsigned int major, minor;
	char *point, *type, *source;
};

static bool
parse_mountinfo(char *line, struct mnt *m)
{
	char *tok[64], *save = NULL;
	int n = 0, dash = -1;

	for (char *t = strtok_r(line, " \n", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " \n", &save)) {
		if (dash < 0 && n >= 6 && strcmp(t, "-") == 0)
			dash = n;
		tok[n++] = t;
	}
	if (dash < 0 || n < dash + 3 || !parse_devno(tok[2], &m->major, &m->minor))
		return false;
	m->point = tok[4];
	m->type = tok[dash + 1];
	m->source = tok[dash + 2];
	setup_unescape_octal(m->point);
	setup_unescape_octal(m->source);
	return true;
}

/* Where a check is: "" for ours, " in the mount namespace of process N (comm)". */
struct mnt_scope {
	char where[128];
};

static void
report_mount(struct setup_ctx *ctx, struct blockset *s, const struct nameset *tags,
	     const struct mnt *m, const struct mnt_scope *sc, struct setup_users *u)
{
	char desc[2 * SETUP_NAME_LEN + 8], name[SETUP_NAME_LEN];
	int i;

	i = blocks_find_devno(s, m->major, m->minor);
	if (i < 0)
		i = source_index(ctx, m->source, s);
	if (i >= 0) {
		u->mounted = true;
		if (!s->b[i].reported)
			users_add(u, "%s (%s) is mounted on %s%s", m->source,
				  describe(s, i, desc, sizeof(desc)), m->point, sc->where);
		mark_reported(s, i);
		return;
	}
	if (strcmp(m->type, "9p") == 0 && nameset_has(tags, m->source)) {
		u->mounted = true;
		users_add(u, "9p share '%s' is mounted on %s%s", m->source, m->point, sc->where);
		return;
	}
	if (strcmp(m->type, "btrfs") != 0 || strncmp(m->source, "/dev/", 5) != 0)
		return;
	dev_node_name(ctx, m->source + 5, name, sizeof(name));
	for (unsigned int f = 0; f < s->nb_fs; f++) {
		struct btrfs_fs *fs = &s->fs[f];

		if (fs->reported || !nameset_has(&fs->devs, name))
			continue;
		u->mounted = true;
		users_add(u, "btrfs on %s is mounted on %s%s, and %s is one of its devices",
			  m->source, m->point, sc->where, s->b[fs->member].name);
		fs->reported = true;
		mark_reported(s, fs->member);
	}
}

/* Check one mountinfo file. 0, or -errno when it cannot be read. */
static int
check_mount_table(struct setup_ctx *ctx, const char *path, struct blockset *s,
		  const struct nameset *tags, const struct mnt_scope *sc, struct setup_users *u)
{
	char *line = NULL;
	size_t cap = 0;
	struct mnt m;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (getline(&line, &cap, f) > 0)
		if (parse_mountinfo(line, &m))
			report_mount(ctx, s, tags, &m, sc, u);
	free(line);
	fclose(f);
	return 0;
}

/* The inode in a namespace link's target, "mnt:[4026531841]"; 0 if none. */
static unsigned long long
ns_inode(struct setup_ctx *ctx, const char *pid)
{
	char path[PATH_MAX], link[64];
	unsigned long long ino = 0;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "%s/ns/mnt", pid);
	if (setup_readlink_base(path, link, sizeof(link)) < 0 ||
	    sscanf(link, "mnt:[%llu]", &ino) != 1)
		return 0;
	return ino;
}

/*
 * Mounts in other mount namespaces (containers, systemd's private mounts):
 * one process a namespace, through its mountinfo. A process we may not
 * inspect is passed over; vdk-setup runs as root, which may.
 */
static void
check_other_namespaces(struct setup_ctx *ctx, struct blockset *s, const struct nameset *tags,
		       struct setup_users *u)
{
	char path[PATH_MAX], comm[64];
	unsigned long long *seen = NULL, ino;
	size_t nb_seen = 0;
	struct mnt_scope sc;
	char **pids;
	int np;

	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), ".");
	np = setup_list_dir(path, &pids);
	if (np > 0)
		seen = calloc((size_t)np + 1, sizeof(*seen));
	if (seen == NULL)
		goto out;
	seen[nb_seen++] = ns_inode(ctx, "self");
	for (int i = 0; i < np; i++) {
		bool known = false;

		if (!isdigit((unsigned char)pids[i][0]) || (ino = ns_inode(ctx, pids[i])) == 0)
			continue;
		for (size_t k = 0; k < nb_seen && !known; k++)
			known = seen[k] == ino;
		if (known)
			continue;
		seen[nb_seen++] = ino;
		setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "%s/comm", pids[i]);
		if (setup_read_str(path, comm, sizeof(comm)) < 0)
			strcpy(comm, "?");
		snprintf(sc.where, sizeof(sc.where), " in the mount namespace of process %s (%s)",
			 pids[i], comm);
		setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "%s/mountinfo", pids[i]);
		check_mount_table(ctx, path, s, tags, &sc, u);
	}
out:
	free(seen);
	if (np > 0)
		setup_free_list(pids, np);
}

static int
check_mounts(struct setup_ctx *ctx, const struct setup_dev *d, struct blockset *s,
	     const struct nameset *tags, struct setup_users *u)
{
	char path[PATH_MAX], *line = NULL, desc[2 * SETUP_NAME_LEN + 8];
	struct mnt_scope here = { .where = "" };
	size_t cap = 0;
	FILE *f;
	int rc;

	/* mountinfo, not /proc/mounts: it has each mount's major:minor. */
	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "self/mountinfo");
	rc = check_mount_table(ctx, path, s, tags, &here, u);
	if (rc < 0) {
		/* Cannot prove the disk is unused: refuse rather than guess. */
		setup_err(ctx, "%s: cannot read %s to check for mounted filesystems: %s",
			  d->bdf, path, setup_strerror(rc));
		return rc;
	}
	check_other_namespaces(ctx, s, tags, u);
	for (unsigned int i = 0; i < s->nb_fs; i++) {
		if (s->fs[i].reported)
			continue;
		/* Mounted where this tool cannot look: still mounted. */
		u->mounted = true;
		users_add(u, "%s is one of the devices of btrfs %s, which is mounted",
			  s->b[s->fs[i].member].name, s->fs[i].fsid);
		mark_reported(s, s->fs[i].member);
	}

	/* Swap is global: /proc/swaps names each swap device's node. */
	setup_path(ctx, SETUP_ROOT_PROC, path, sizeof(path), "swaps");
	f = fopen(path, "re");
	if (f != NULL) {
		while (getline(&line, &cap, f) > 0) {
			char *src = strtok(line, " \t\n");
			int i;

			if (src == NULL)
				continue;
			setup_unescape_octal(src);
			i = source_index(ctx, src, s);
			if (i < 0)
				continue;
			u->mounted = true;
			users_add(u, "%s (%s) is in use as swap", src,
				  describe(s, i, desc, sizeof(desc)));
			mark_reported(s, i);
		}
		free(line);
		fclose(f);
	}	/* no /proc/swaps: no swap support compiled in */

	/* Stacked devices nothing mounts are still open in the kernel. */
	for (unsigned int i = 0; i < s->nb; i++) {
		const struct block *b = &s->b[i];
		char dmname[256] = "";

		if (b->reported || !b->holder)
			continue;
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "class/block/%s/dm/name",
			   b->name);
		if (setup_read_str(path, dmname + 2, sizeof(dmname) - 4) == 0) {
			dmname[0] = ' ';
			dmname[1] = '(';
			strcat(dmname, ")");
		}
		u->held = true;
		users_add(u, "%s is part of %s%s, which is active though not mounted",
			  s->b[b->from].name, b->name, dmname);
	}
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
	struct nameset ifs = { .nb = 0 };
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
 * devices, dm/md devices stacked on them, active interfaces. Returns 0, or
 * -errno when it could not check (the caller must then refuse, since it
 * cannot prove safety).
 */
int
setup_dev_users(struct setup_ctx *ctx, const struct setup_dev *d, struct setup_users *u)
{
	struct nameset tags = { .nb = 0 };
	struct blockset *blocks;
	int rc;

	memset(u, 0, sizeof(*u));
	blocks = calloc(1, sizeof(*blocks));
	if (blocks == NULL)
		return -ENOMEM;
	rc = collect_blocks(ctx, d, blocks);
	if (rc < 0)
		goto out;
	virtio_9p_tags(d, &tags);
	if (blocks->nb > 0 || tags.nb > 0) {
		rc = check_mounts(ctx, d, blocks, &tags, u);
		if (rc < 0)
			goto out;
	}
	rc = check_net(ctx, d, u);
out:
	free(blocks);
	return rc;
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
