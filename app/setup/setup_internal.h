/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of vdk-setup share: the run context (file-system roots,
 * output streams, parsed options) and the operations that change the
 * machine, which tests replace with a small model of the kernel.
 *
 * Every path the tool touches is built from one of three roots (--sysfs,
 * --proc, --dev), so the whole tool runs over a fake tree in a temp dir.
 */
#ifndef SETUP_INTERNAL_H
#define SETUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Exit statuses: 1 for any failure or refusal, 2 for bad usage. */
#define SETUP_EXIT_OK 0
#define SETUP_EXIT_FAIL 1
#define SETUP_EXIT_USAGE 2

#define SETUP_MAX_BDFS 64
#define SETUP_BDF_LEN 24	/* "ffffffff:ff:1f.7" and a NUL, with room */
#define SETUP_NAME_LEN 64	/* driver, interface and block device names */
#define SETUP_DEFAULT_SETTLE_MS 3000
#define SETUP_DEFAULT_DRIVER "vfio-pci"
#define SETUP_VDK_VFIO_DRIVER "vdk-vfio-pci"	/* its groups are /dev/vdk-vfio/N */

struct setup_ctx;

/*
 * Everything that changes the machine goes through these, so that a dry
 * run prints instead and a unit test can model how the kernel reacts
 * (drivers_probe makes a driver link appear; nr_hugepages gives fewer
 * pages than asked). Each returns 0 or a negative errno.
 */
struct setup_ops {
	/* Write @val to an existing attribute file (sysfs never creates). */
	int (*write_attr)(struct setup_ctx *ctx, const char *path, const char *val);
	/* Create @dir if needed and mount hugetlbfs there with @opts (or NULL). */
	int (*mount_hugetlbfs)(struct setup_ctx *ctx, const char *dir, const char *opts);
	/* Run `modprobe @module`; its exit status, or a negative errno. */
	int (*modprobe)(struct setup_ctx *ctx, const char *module);
	/* Sleep between polls of a driver link. */
	void (*sleep_ms)(struct setup_ctx *ctx, unsigned int ms);
	/*
	 * Give @path (a device node or a directory, never followed if a
	 * symlink) to @uid and @gid ((gid_t)-1: keep the group), mode @mode.
	 */
	int (*set_owner)(struct setup_ctx *ctx, const char *path, uid_t uid, gid_t gid,
			 unsigned int mode);
};

/* The default operations: real writes, mount(2), fork+exec modprobe. */
extern const struct setup_ops setup_default_ops;

enum setup_root {
	SETUP_ROOT_SYS,
	SETUP_ROOT_PROC,
	SETUP_ROOT_DEV,
};

enum setup_cmd {
	SETUP_CMD_NONE,
	SETUP_CMD_HELP,
	SETUP_CMD_STATUS,
	SETUP_CMD_BIND,
	SETUP_CMD_UNBIND,
	SETUP_CMD_HUGEPAGES,
	SETUP_CMD_IOMMU,
};

/* A user given as USER[:GROUP], by name or number (--owner, --user). */
struct setup_owner {
	bool set;
	uid_t uid;
	gid_t gid;		/* the group given, else the user's primary group */
	bool has_gid;		/* false: a bare uid the user database does not know */
	bool group_given;	/* USER:GROUP: the group gets access too */
	char name[SETUP_NAME_LEN];	/* from the user database, "" if unknown */
	char spec[2 * SETUP_NAME_LEN];	/* as given */
};

struct setup_ctx {
	const struct setup_ops *ops;
	void *model;			/* for tests' ops */
	FILE *out;			/* results */
	FILE *err;			/* errors and refusals */
	char root[3][PATH_MAX];		/* indexed by enum setup_root */
	char pci_ids[PATH_MAX];		/* "" = search the usual places */
	unsigned int settle_ms;		/* wait for a driver to take a device */

	/* Parsed command line. */
	enum setup_cmd cmd;
	bool json;
	bool force;
	bool dry_run;
	char driver[SETUP_NAME_LEN];	/* bind --driver */
	char bdfs[SETUP_MAX_BDFS][SETUP_BDF_LEN];
	unsigned int nb_bdfs;
	bool hp_count_set;		/* hugepages N */
	unsigned long hp_count;
	unsigned long hp_size_kb;	/* --size, 0 = default */
	int hp_node;			/* --node, -1 = all */
	bool hp_clear;
	char hp_mount[PATH_MAX];	/* --mount, "" = none */
	unsigned long mem_mb;		/* iommu and status --mem, 0 = not given */
	struct setup_owner owner;	/* bind/hugepages --owner, status --user */
};

/* setup_cli.c */
void setup_ctx_init(struct setup_ctx *ctx, FILE *out, FILE *err);
/* Parse argv into @ctx; SETUP_EXIT_OK or SETUP_EXIT_USAGE (usage printed). */
int setup_parse_args(struct setup_ctx *ctx, int argc, char **argv);
void setup_usage(FILE *f);
/* Parse and run; the tool's exit status. */
int setup_run(struct setup_ctx *ctx, int argc, char **argv);

/* setup_sysfs.c: paths under the roots and small file helpers. */
int setup_path(const struct setup_ctx *ctx, enum setup_root root, char *buf,
	       size_t len, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int setup_read_str(const char *path, char *buf, size_t len);
int setup_read_hex(const char *path, unsigned long *val);
int setup_read_ulong(const char *path, unsigned long *val);
int setup_parse_ulong(const char *s, int base, unsigned long *val);
int setup_readlink_base(const char *path, char *buf, size_t len);
/* Undo procfs's \ooo escapes of space, tab, newline and backslash, in place. */
void setup_unescape_octal(char *s);
/* Open (creating with @create) @dir without following any symlink: fd or -errno. */
int setup_open_dir_nofollow(const char *dir, bool create);
int setup_list_dir(const char *path, char ***names);
void setup_free_list(char **names, int n);
bool setup_is_dir(const char *path);
bool setup_exists(const char *path);
int setup_write(struct setup_ctx *ctx, const char *path, const char *val);
void setup_err(struct setup_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *setup_strerror(int err);

/* setup_pci.c: devices, IOMMU groups and who blocks a group. */
struct setup_dev {
	char bdf[SETUP_BDF_LEN];
	unsigned long vendor, device, class_code;
	bool ids_ok;
	char driver[SETUP_NAME_LEN];	/* "" = no driver */
	char override[SETUP_NAME_LEN];	/* "" = none */
	int group;			/* -1 = no IOMMU group */
	char path[PATH_MAX];		/* resolved device directory */
};

int setup_bdf_normalize(const char *in, char *out, size_t len);
int setup_dev_load(struct setup_ctx *ctx, const char *bdf, struct setup_dev *d);
bool setup_driver_is_vfio(const char *driver);
bool setup_driver_keeps_group_viable(const char *driver);
/*
 * Members of @group whose driver keeps the group from VFIO, skipping the
 * BDFs in @skip (devices about to be bound). Returns how many, or -errno;
 * fills @blockers (caller frees with setup_free_list).
 */
int setup_group_blockers(struct setup_ctx *ctx, int group, char skip[][SETUP_BDF_LEN],
			 unsigned int nb_skip, char ***blockers);
int setup_list_devices(struct setup_ctx *ctx, char ***bdfs);

/* setup_inuse.c: what on the host still uses a device. */
struct setup_users {
	char what[16][256];	/* one sentence each, for messages */
	unsigned int nb;
	bool mounted;		/* a filesystem or swap: never overridden */
	bool held;		/* part of an active dm/md device nothing mounts */
	bool net_active;	/* an interface up / addressed / routed */
	bool vfio_open;		/* a process holds the device's VFIO group */
};

int setup_dev_users(struct setup_ctx *ctx, const struct setup_dev *d,
		    struct setup_users *u);
int setup_vfio_group_users(struct setup_ctx *ctx, int group, struct setup_users *u);

/* setup_pciids.c: names from the pci.ids database. */
struct setup_pciids;
struct setup_pciids *setup_pciids_open(struct setup_ctx *ctx);
void setup_pciids_close(struct setup_pciids *db);
bool setup_pciids_vendor(struct setup_pciids *db, unsigned int vendor, char *buf, size_t len);
bool setup_pciids_device(struct setup_pciids *db, unsigned int vendor, unsigned int device,
			 char *buf, size_t len);
bool setup_pciids_class(struct setup_pciids *db, unsigned int class_code, char *buf, size_t len);

/* setup_hugepages.c */
int setup_parse_size_kb(const char *s, unsigned long *kb);

/* setup_owner.c: running without root. */
/* Parse USER[:GROUP]; 0, or -errno with the reason in @why. */
int setup_parse_owner(const char *spec, struct setup_owner *o, char *why, size_t why_len);
bool setup_owner_may(const struct setup_owner *o, const struct stat *st, unsigned int want);
bool setup_owner_may_reach(const struct setup_owner *o, const char *path, char *closed,
			   size_t len);
void setup_owner_str(const struct setup_owner *o, char *buf, size_t len);
int setup_grant(struct setup_ctx *ctx, const char *path, bool dir);
int setup_group_node(const struct setup_ctx *ctx, const char *driver, int group, char *buf,
		     size_t len);

/* One command each. */
int setup_cmd_status(struct setup_ctx *ctx);
int setup_cmd_status_user(struct setup_ctx *ctx);	/* status --user */
int setup_cmd_bind(struct setup_ctx *ctx);
int setup_cmd_unbind(struct setup_ctx *ctx);
int setup_cmd_hugepages(struct setup_ctx *ctx);
int setup_cmd_iommu(struct setup_ctx *ctx);

#endif /* SETUP_INTERNAL_H */
