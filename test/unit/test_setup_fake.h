/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the vdk-setup unit tests, which link the tool's static
 * library (app/setup/meson.build): a
 * fake sysfs/procfs/dev tree built in a temp dir, and a small model of
 * the kernel behind the tool's write operations (drivers_probe binds the
 * override or the device's own driver, unbind drops the driver link,
 * nr_hugepages gives at most what the "machine" has).
 *
 * The model refuses, and flags, any write outside the temp dir: a bug in
 * the tool under test can never reach the real /sys.
 */
#ifndef TEST_SETUP_FAKE_H
#define TEST_SETUP_FAKE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "setup_internal.h"

#define FAKE_MAX_WRITES 64
#define FAKE_MAX_NATIVE 16

struct fake_write {
	char path[PATH_MAX];	/* relative to the fake root, "sys/bus/pci/drivers_probe" */
	char val[128];
};

struct fake {
	char root[256];		/* mkdtemp under $TMPDIR: short */
	char sys[280], proc[280], dev[280], ids[280];

	struct fake_write writes[FAKE_MAX_WRITES];
	unsigned int nb_writes;
	bool escaped;			/* a write outside root was attempted */

	/* The model. */
	struct { char bdf[SETUP_BDF_LEN]; char drv[SETUP_NAME_LEN]; } native[FAKE_MAX_NATIVE];
	unsigned int nb_native;
	bool probe_refuses;		/* no driver takes a device on drivers_probe */
	int fail_write_errno;		/* every write fails with this, 0 = none */
	unsigned long hp_max;		/* most pages the kernel gives per write */
	unsigned long hp_in_use;	/* pages that cannot be freed */
	int mount_rc;
	unsigned int nb_mounts;
	char mount_dir[PATH_MAX], mount_opts[64];
	int modprobe_rc;
	bool modprobe_creates;		/* a successful modprobe makes the driver dir */
	unsigned int nb_modprobes;
	char modprobe_mod[64];
	unsigned int nb_sleeps;
	/* set_owner: the last call, how many, and what it returns. */
	unsigned int nb_owner_sets;
	char owner_path[PATH_MAX];
	unsigned int owner_uid, owner_gid, owner_mode;
	int owner_rc;
	bool no_group_nodes;		/* a VFIO driver's probe makes no /dev node */
	unsigned int next_minor;	/* block devices get distinct major:minor */

	/* Output of the last fake_run. */
	char *out, *err;
	size_t out_len, err_len;
};

/*
 * The kernel behind the tool's writes, mounts, module loads and chowns, for
 * a test that makes its own setup_ctx (fake_ctx() sets it).
 */
extern const struct setup_ops fake_ops;

/* root/@fmt... into @buf (PATH_MAX bytes). */
void fake_path(struct fake *f, char *buf, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* root/@rel with @content, its folders made; fake_append() adds to it. */
void fake_file(struct fake *f, const char *rel, const char *content);
void fake_append(struct fake *f, const char *rel, const char *content);
void fake_dir(struct fake *f, const char *rel);
/* root/@rel becomes a symlink to @target (taken literally). */
void fake_link(struct fake *f, const char *target, const char *rel);
void fake_unlink(struct fake *f, const char *rel);
/* A loaded kernel driver @drv (bus/pci/drivers/@drv). */
void fake_add_driver(struct fake *f, const char *drv);
/* Point @bdf's driver link at @drv, as binding does. */
void fake_bind_link(struct fake *f, const char *bdf, const char *drv);
/*
 * A device laid out as the kernel does: the directory under
 * devices/pci0000:00, bus/pci/devices/BDF a link to it, the driver and
 * iommu_group links inside it. @drv NULL: unbound; @group < 0: none.
 * The device's own kernel driver (what a re-probe gives back) is @drv.
 */
void fake_add_device(struct fake *f, const char *bdf, unsigned int vendor, unsigned int device,
		     unsigned int class_code, const char *drv, int group);
/* The next free "MAJOR:MINOR" of @major. */
const char *fake_next_devno(struct fake *f, unsigned int major, char *buf, size_t len);
/* A block device's "MAJOR:MINOR" as its sysfs dev file has it (static buffer). */
const char *fake_devno(struct fake *f, const char *name);
/* A block device (and its class/block link) below a PCI device. */
void fake_add_block(struct fake *f, const char *bdf, const char *subpath, const char *name);
/* Partition @part inside @disk's directory, wherever the disk lives. */
void fake_add_part(struct fake *f, const char *disk, const char *part, unsigned int partno);
/* A virtual block device (dm-0, md0) holding @lower. */
void fake_add_holder(struct fake *f, const char *lower, const char *name, const char *dm_name);
/*
 * A mount as the kernel lists it in mountinfo (with @devno, "259:1") and,
 * for readers of the older table, in /proc/mounts.
 */
void fake_add_mount(struct fake *f, const char *devno, const char *src, const char *dst,
		    const char *type);
/* A mount only process @pid's mount namespace @ns ("4026532500") has. */
void fake_add_ns_mount(struct fake *f, const char *pid, const char *comm, const char *ns,
		       const char *devno, const char *src, const char *dst, const char *type);
/* A network interface below a PCI device with the given flags. */
void fake_add_netdev(struct fake *f, const char *bdf, const char *ifname, const char *flags,
		     const char *operstate);
/* @path below the fake root, relative to it; NULL for a path outside it. */
const char *fake_rel(struct fake *f, const char *path);
/* The kernel driver a re-probe of @bdf binds, NULL for none. */
const char *fake_native_driver(struct fake *f, const char *bdf);
/* A VFIO driver @drv taking @bdf makes its group's node, as devtmpfs does. */
void fake_group_node(struct fake *f, const char *bdf, const char *drv);
/* cmocka set-up and teardown: a fresh fake machine in *state, and its removal. */
int fake_setup(void **state);
int fake_teardown(void **state);
/* A context over the fake tree, for tests that call one function. */
void fake_ctx(struct fake *f, struct setup_ctx *ctx, FILE *out, FILE *err);
/* Run the tool over the fake tree with @args (NULL-terminated); its exit status. */
int fake_run_argv(struct fake *f, int nargs, char **args);
/* The n-th write, as "path=value" for easy comparison. */
const char *fake_write_str(struct fake *f, unsigned int n);
/* The driver a device's link names now, "" for none. */
const char *fake_driver_of(struct fake *f, const char *bdf);

#define fake_run(f, ...) ({ \
	char *fake_args_[] = { __VA_ARGS__ }; \
	fake_run_argv((f), (int)(sizeof(fake_args_) / sizeof(fake_args_[0])), fake_args_); \
})

#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		fail_msg("expected \"%s\" in:\n%s", n_, h_ ? h_ : "(null)"); \
} while (0)

#define assert_not_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ != NULL && strstr(h_, n_) != NULL) \
		fail_msg("did not expect \"%s\" in:\n%s", n_, h_); \
} while (0)

#endif /* TEST_SETUP_FAKE_H */
