/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handing VFIO device nodes and hugetlbfs mounts to a user who is not
 * root (`--owner USER[:GROUP]`), and telling whether a user may use a
 * node: the part of running without root that only root can do.
 *
 * Users and groups are given by name or by number. A number needs no
 * entry in /etc/passwd: a machine whose users come from elsewhere, or a
 * test that runs as a bare uid, still works.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "setup_internal.h"

/* A uid or gid as a decimal number; -1 is the kernel's "no change", never an id. */
static int
parse_id(const char *s, unsigned long *id)
{
	unsigned long v;

	if (!isdigit((unsigned char)s[0]) || setup_parse_ulong(s, 10, &v) < 0 ||
	    v >= 0xfffffffful)
		return -EINVAL;
	*id = v;
	return 0;
}

static bool
valid_name(const char *s, size_t len)
{
	/* What useradd accepts, roughly; a name never holds '/', ':' or spaces. */
	if (len == 0 || len >= SETUP_NAME_LEN || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.' &&
		    !(s[i] == '$' && i == len - 1))
			return false;
	return true;
}

int
setup_parse_owner(const char *spec, struct setup_owner *o, char *why, size_t why_len)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	char user[SETUP_NAME_LEN], group[SETUP_NAME_LEN];
	unsigned long id;

	memset(o, 0, sizeof(*o));
	if (!valid_name(spec, ulen)) {
		snprintf(why, why_len, "give a user name or number, then optionally :GROUP");
		return -EINVAL;
	}
	memcpy(user, spec, ulen);
	user[ulen] = '\0';
	if (colon != NULL && !valid_name(colon + 1, strlen(colon + 1))) {
		snprintf(why, why_len, "the group after ':' is empty or not a group name or number");
		return -EINVAL;
	}
	if (parse_id(user, &id) == 0) {
		struct passwd *pw = getpwuid((uid_t)id);

		o->uid = (uid_t)id;
		/* A known uid brings its primary group and name (for supplementary groups). */
		if (pw != NULL) {
			o->gid = pw->pw_gid;
			o->has_gid = true;
			snprintf(o->name, sizeof(o->name), "%s", pw->pw_name);
		}
	} else {
		struct passwd *pw = getpwnam(user);

		if (pw == NULL) {
			snprintf(why, why_len, "no user '%s' in the user database; a number works "
				 "without one", user);
			return -ENOENT;
		}
		o->uid = pw->pw_uid;
		o->gid = pw->pw_gid;
		o->has_gid = true;
		snprintf(o->name, sizeof(o->name), "%s", pw->pw_name);
	}
	if (colon != NULL) {
		snprintf(group, sizeof(group), "%s", colon + 1);
		if (parse_id(group, &id) == 0) {
			o->gid = (gid_t)id;
		} else {
			struct group *gr = getgrnam(group);

			if (gr == NULL) {
				snprintf(why, why_len, "no group '%s' in the group database; a "
					 "number works without one", group);
				return -ENOENT;
			}
			o->gid = gr->gr_gid;
		}
		o->has_gid = true;
		o->group_given = true;
	}
	o->set = true;
	snprintf(o->spec, sizeof(o->spec), "%s", spec);
	return 0;
}

/*
 * The groups the user's processes carry: the primary one and, for a user
 * the database knows, its supplementary groups. A bare uid started with
 * its gid only (setpriv --clear-groups) has just that one.
 */
static int
owner_groups(const struct setup_owner *o, gid_t *groups, int max)
{
	int n = max;

	if (!o->has_gid)
		return 0;
	if (o->name[0] != '\0' && getgrouplist(o->name, o->gid, groups, &n) >= 0)
		return n;
	groups[0] = o->gid;
	return 1;
}

/*
 * Whether @o may open a file of @st for @want (bits of 4 read, 2 write,
 * 1 search/execute), by the permission bits as the kernel checks them:
 * the owner's bits for the owner, else the group's for a member, else the
 * others'. ACLs and capabilities are not looked at: a root who set an ACL
 * knows it is there.
 */
bool
setup_owner_may(const struct setup_owner *o, const struct stat *st, unsigned int want)
{
	gid_t groups[64];
	int n;

	if (o->uid == 0)
		return true;
	if (st->st_uid == o->uid)
		return ((st->st_mode >> 6) & want) == want;
	n = owner_groups(o, groups, 64);
	for (int i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			return ((st->st_mode >> 3) & want) == want;
	return (st->st_mode & want) == want;
}

/*
 * Whether the user may search every directory above @path (a node or a
 * mount under a 0700 directory is out of reach whatever its own mode).
 * On false, @closed names the first directory in the way.
 */
bool
setup_owner_may_reach(const struct setup_owner *o, const char *path, char *closed,
		      size_t len)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);

	if (path[0] != '/' || n >= sizeof(dir))
		return true;	/* relative paths are this process's business */
	for (size_t i = 0; i < n; i++) {
		size_t l = i == 0 ? 1 : i;
		struct stat st;

		if (path[i] != '/')
			continue;
		memcpy(dir, path, l);
		dir[l] = '\0';
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && setup_owner_may(o, &st, 1))
			continue;
		snprintf(closed, len, "%s", dir);
		return false;
	}
	return true;
}

/* "1000" or "1000:1000": the ids as numbers, for the commands printed to the user. */
void
setup_owner_str(const struct setup_owner *o, char *buf, size_t len)
{
	if (o->group_given)
		snprintf(buf, len, "%u:%u", (unsigned int)o->uid, (unsigned int)o->gid);
	else
		snprintf(buf, len, "%u", (unsigned int)o->uid);
}

/*
 * Give @path to the owner: read-write for the user, and for the group when
 * one was given; nobody else. Device nodes get rw, directories rwx.
 */
int
setup_grant(struct setup_ctx *ctx, const char *path, bool dir)
{
	const struct setup_owner *o = &ctx->owner;
	gid_t gid = o->group_given ? o->gid : (gid_t)-1;
	unsigned int mode = dir ? (o->group_given ? 0770 : 0700) : (o->group_given ? 0660 : 0600);
	char who[48];
	int rc;

	setup_owner_str(o, who, sizeof(who));
	if (ctx->dry_run) {
		fprintf(ctx->out, "would give %s to %s (mode %04o)\n", path, who, mode);
		return 0;
	}
	rc = ctx->ops->set_owner(ctx, path, o->uid, gid, mode);
	if (rc < 0) {
		setup_err(ctx, "cannot give %s to %s: %s%s", path, who, setup_strerror(rc),
			  rc == -EPERM ? " (run as root)" : "");
		return rc;
	}
	fprintf(ctx->out, "%s: now owned by %s, mode %04o\n", path, who, mode);
	return 0;
}

/* The node through which a process opens IOMMU group @group of a device on @driver. */
int
setup_group_node(const struct setup_ctx *ctx, const char *driver, int group, char *buf,
		 size_t len)
{
	if (strcmp(driver, SETUP_VDK_VFIO_DRIVER) == 0)
		return setup_path(ctx, SETUP_ROOT_DEV, buf, len, "vdk-vfio/%d", group);
	return setup_path(ctx, SETUP_ROOT_DEV, buf, len, "vfio/%d", group);
}
