/* SPDX-License-Identifier: BSD-3-Clause */
/* The vdk-setup tests' fake machine (test_setup_fake.h). */
#include "test_setup_fake.h"

static struct fake *fake_cur;

/* ---- building the tree ---- */


void
fake_path(struct fake *f, char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(buf, PATH_MAX, "%s/", f->root);
	va_start(ap, fmt);
	vsnprintf(buf + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
}

static void
fake_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

/* Write (@mode "w") or append ("a") @content to root/@rel, making parent directories. */
static void
fake_put(struct fake *f, const char *rel, const char *content, const char *mode)
{
	char path[PATH_MAX], *slash;
	FILE *fp;

	fake_path(f, path, "%s", rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	fake_mkdir_p(path);
	*slash = '/';
	fp = fopen(path, mode);
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

void
fake_file(struct fake *f, const char *rel, const char *content)
{
	fake_put(f, rel, content, "w");
}

void
fake_dir(struct fake *f, const char *rel)
{
	char path[PATH_MAX];

	fake_path(f, path, "%s", rel);
	fake_mkdir_p(path);
}

/* root/@rel becomes a symlink to @target (taken literally). */
void
fake_link(struct fake *f, const char *target, const char *rel)
{
	char path[PATH_MAX], *slash;

	fake_path(f, path, "%s", rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	fake_mkdir_p(path);
	*slash = '/';
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

void
fake_unlink(struct fake *f, const char *rel)
{
	char path[PATH_MAX];

	fake_path(f, path, "%s", rel);
	unlink(path);
}

void
fake_add_driver(struct fake *f, const char *drv)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", drv);
	fake_file(f, rel, "");
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", drv);
	fake_file(f, rel, "");
}

void
fake_bind_link(struct fake *f, const char *bdf, const char *drv)
{
	char rel[PATH_MAX], target[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/driver", bdf);
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", drv);
	fake_link(f, target, rel);
}

/*
 * A device laid out as the kernel does: the directory under
 * devices/pci0000:00, bus/pci/devices/BDF a link to it, the driver and
 * iommu_group links inside it. @drv NULL: unbound; @group < 0: none.
 * The device's own kernel driver (what a re-probe gives back) is @drv.
 */
void
fake_add_device(struct fake *f, const char *bdf, unsigned int vendor, unsigned int device,
		unsigned int class_code, const char *drv, int group)
{
	char rel[PATH_MAX], val[64], target[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/vendor", bdf);
	snprintf(val, sizeof(val), "0x%04x\n", vendor);
	fake_file(f, rel, val);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/device", bdf);
	snprintf(val, sizeof(val), "0x%04x\n", device);
	fake_file(f, rel, val);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/class", bdf);
	snprintf(val, sizeof(val), "0x%06x\n", class_code);
	fake_file(f, rel, val);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/driver_override", bdf);
	fake_file(f, rel, "(null)\n");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	fake_link(f, target, rel);
	if (drv != NULL) {
		fake_add_driver(f, drv);
		fake_bind_link(f, bdf, drv);
		assert_true(f->nb_native < FAKE_MAX_NATIVE);
		snprintf(f->native[f->nb_native].bdf, SETUP_BDF_LEN, "%s", bdf);
		snprintf(f->native[f->nb_native].drv, SETUP_NAME_LEN, "%s", drv);
		f->nb_native++;
	}
	if (group >= 0) {
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/iommu_group", bdf);
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
		fake_link(f, target, rel);
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
		snprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", bdf);
		fake_link(f, target, rel);
	}
}

void
fake_append(struct fake *f, const char *rel, const char *content)
{
	fake_put(f, rel, content, "a");
}

/* The next free "MAJOR:MINOR" of @major. */
const char *
fake_next_devno(struct fake *f, unsigned int major, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u\n", major, f->next_minor++);
	return buf;
}

/* A block device's "MAJOR:MINOR" as its sysfs dev file has it (static buffer). */
const char *
fake_devno(struct fake *f, const char *name)
{
	static char buf[32];
	char path[PATH_MAX];

	fake_path(f, path, "sys/class/block/%s/dev", name);
	assert_int_equal(setup_read_str(path, buf, sizeof(buf)), 0);
	return buf;
}

/* A block device (and its class/block link) below a PCI device. */
void
fake_add_block(struct fake *f, const char *bdf, const char *subpath, const char *name)
{
	char rel[PATH_MAX], target[PATH_MAX], devno[32];

	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/%s/%s/dev", bdf, subpath, name);
	fake_file(f, rel, fake_next_devno(f, 259, devno, sizeof(devno)));
	snprintf(rel, sizeof(rel), "sys/class/block/%s", name);
	snprintf(target, sizeof(target), "../../devices/pci0000:00/%s/%s/%s", bdf, subpath, name);
	fake_link(f, target, rel);
}

/* Partition @part inside @disk's directory, wherever the disk lives. */
void
fake_add_part(struct fake *f, const char *disk, const char *part, unsigned int partno)
{
	char path[PATH_MAX], real[PATH_MAX], rel[PATH_MAX], devno[32], num[16];
	const char *r;

	fake_path(f, path, "sys/class/block/%s", disk);
	assert_non_null(realpath(path, real));
	r = fake_rel(f, real);
	assert_non_null(r);
	snprintf(rel, sizeof(rel), "%s/%s/dev", r, part);
	fake_file(f, rel, fake_next_devno(f, 259, devno, sizeof(devno)));
	snprintf(rel, sizeof(rel), "%s/%s/partition", r, part);
	snprintf(num, sizeof(num), "%u\n", partno);
	fake_file(f, rel, num);
	snprintf(rel, sizeof(rel), "sys/class/block/%s", part);
	snprintf(path, sizeof(path), "../../%s/%s", r + strlen("sys/"), part);
	fake_link(f, path, rel);
}

/* A virtual block device (dm-0, md0) holding @lower. */
void
fake_add_holder(struct fake *f, const char *lower, const char *name, const char *dm_name)
{
	char rel[PATH_MAX], target[PATH_MAX], devno[32];

	snprintf(rel, sizeof(rel), "sys/devices/virtual/block/%s/dev", name);
	fake_file(f, rel, fake_next_devno(f, 253, devno, sizeof(devno)));
	if (dm_name != NULL) {
		snprintf(rel, sizeof(rel), "sys/devices/virtual/block/%s/dm/name", name);
		fake_file(f, rel, dm_name);
	}
	snprintf(rel, sizeof(rel), "sys/class/block/%s", name);
	snprintf(target, sizeof(target), "../../devices/virtual/block/%s", name);
	fake_link(f, target, rel);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/holders/%s", lower, name);
	snprintf(target, sizeof(target), "../../%s", name);
	fake_link(f, target, rel);
	snprintf(rel, sizeof(rel), "sys/devices/virtual/block/%s/slaves/%s", name, lower);
	snprintf(target, sizeof(target), "../../%s", lower);
	fake_link(f, target, rel);
}

/*
 * A mount as the kernel lists it in mountinfo (with @devno, "259:1") and,
 * for readers of the older table, in /proc/mounts.
 */
void
fake_add_mount(struct fake *f, const char *devno, const char *src, const char *dst,
	       const char *type)
{
	char line[PATH_MAX * 2 + 128];
	char dn[32];

	snprintf(dn, sizeof(dn), "%s", devno);
	dn[strcspn(dn, "\n")] = '\0';
	snprintf(line, sizeof(line), "%u 1 %s / %s rw,relatime shared:1 - %s %s rw\n",
		 30 + f->next_minor++, dn, dst, type, src);
	fake_append(f, "proc/self/mountinfo", line);
	snprintf(line, sizeof(line), "%s %s %s rw,relatime 0 0\n", src, dst, type);
	fake_append(f, "proc/mounts", line);
}

/* A mount only process @pid's mount namespace @ns ("4026532500") has. */
void
fake_add_ns_mount(struct fake *f, const char *pid, const char *comm, const char *ns,
		  const char *devno, const char *src, const char *dst, const char *type)
{
	char rel[PATH_MAX], line[PATH_MAX * 2 + 128], target[64], dn[32];

	snprintf(rel, sizeof(rel), "proc/%s/ns/mnt", pid);
	snprintf(target, sizeof(target), "mnt:[%s]", ns);
	fake_link(f, target, rel);
	snprintf(rel, sizeof(rel), "proc/%s/comm", pid);
	snprintf(line, sizeof(line), "%s\n", comm);
	fake_file(f, rel, line);
	snprintf(dn, sizeof(dn), "%s", devno);
	dn[strcspn(dn, "\n")] = '\0';
	snprintf(line, sizeof(line), "%u 1 %s / %s rw - %s %s rw\n", 900 + f->next_minor++, dn,
		 dst, type, src);
	snprintf(rel, sizeof(rel), "proc/%s/mountinfo", pid);
	fake_append(f, rel, line);
}

/* A network interface below a PCI device with the given flags. */
void
fake_add_netdev(struct fake *f, const char *bdf, const char *ifname, const char *flags,
		const char *operstate)
{
	char rel[PATH_MAX], target[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/net/%s/flags", bdf, ifname);
	fake_file(f, rel, flags);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/net/%s/operstate", bdf, ifname);
	fake_file(f, rel, operstate);
	snprintf(rel, sizeof(rel), "sys/class/net/%s", ifname);
	snprintf(target, sizeof(target), "../../devices/pci0000:00/%s/net/%s", bdf, ifname);
	fake_link(f, target, rel);
}

/* ---- the kernel model behind the ops ---- */

const char *
fake_rel(struct fake *f, const char *path)
{
	size_t n = strlen(f->root);

	if (strncmp(path, f->root, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

const char *
fake_native_driver(struct fake *f, const char *bdf)
{
	for (unsigned int i = 0; i < f->nb_native; i++)
		if (strcmp(f->native[i].bdf, bdf) == 0)
			return f->native[i].drv;
	return NULL;
}

static bool
fake_driver_loaded(struct fake *f, const char *drv)
{
	char path[PATH_MAX];

	fake_path(f, path, "sys/bus/pci/drivers/%s", drv);
	return setup_is_dir(path);
}

/* A VFIO driver taking a device makes its group's node, as devtmpfs does. */
void
fake_group_node(struct fake *f, const char *bdf, const char *drv)
{
	char path[PATH_MAX], group[16], rel[PATH_MAX];

	if (strstr(drv, "vfio") == NULL || f->no_group_nodes)
		return;
	fake_path(f, path, "sys/devices/pci0000:00/%s/iommu_group", bdf);
	if (setup_readlink_base(path, group, sizeof(group)) < 0)
		return;
	snprintf(rel, sizeof(rel), "dev/%s/%s", strcmp(drv, SETUP_VDK_VFIO_DRIVER) == 0 ?
		 "vdk-vfio" : "vfio", group);
	fake_path(f, path, "%s", rel);
	if (!setup_exists(path)) {
		fake_file(f, rel, "");
		chmod(path, 0600);
	}
}

/* drivers_probe: the override if set, else the device's own driver. */
static void
fake_probe(struct fake *f, const char *bdf)
{
	char path[PATH_MAX], ovr[64], drvlink[PATH_MAX];
	const char *drv = NULL;

	fake_path(f, drvlink, "sys/devices/pci0000:00/%s/driver", bdf);
	if (setup_exists(drvlink) || f->probe_refuses)
		return;
	fake_path(f, path, "sys/devices/pci0000:00/%s/driver_override", bdf);
	if (setup_read_str(path, ovr, sizeof(ovr)) == 0 && ovr[0] != '\0' &&
	    strcmp(ovr, "(null)") != 0)
		drv = ovr;	/* with an override, only that driver may bind */
	else
		drv = fake_native_driver(f, bdf);
	if (drv != NULL && fake_driver_loaded(f, drv)) {
		fake_bind_link(f, bdf, drv);
		fake_group_node(f, bdf, drv);
	}
}

static void
fake_hugepages(struct fake *f, const char *path, const char *val)
{
	char dir[PATH_MAX], buf[32];
	unsigned long want, got;
	FILE *fp;

	if (setup_parse_ulong(val, 10, &want) < 0)
		return;
	got = want > f->hp_max ? f->hp_max : want;
	if (got < f->hp_in_use)
		got = f->hp_in_use;
	fp = fopen(path, "w");
	fprintf(fp, "%lu\n", got);
	fclose(fp);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	strcat(dir, "/free_hugepages");
	fp = fopen(dir, "w");
	snprintf(buf, sizeof(buf), "%lu\n", got - f->hp_in_use);
	fputs(buf, fp);
	fclose(fp);
}

static int
fake_write_attr(struct setup_ctx *ctx, const char *path, const char *val)
{
	struct fake *f = ctx->model;
	const char *rel = fake_rel(f, path);
	struct fake_write *w;
	size_t n;
	int rc;

	if (rel == NULL) {
		f->escaped = true;
		return -EPERM;
	}
	if (f->fail_write_errno)
		return -f->fail_write_errno;
	rc = setup_default_ops.write_attr(ctx, path, val);
	if (rc < 0)
		return rc;
	assert_true(f->nb_writes < FAKE_MAX_WRITES);
	w = &f->writes[f->nb_writes++];
	snprintf(w->path, sizeof(w->path), "%s", rel);
	snprintf(w->val, sizeof(w->val), "%s", val);

	n = strlen(rel);
	if (n > 7 && strcmp(rel + n - 7, "/unbind") == 0) {
		char link[PATH_MAX];

		fake_path(f, link, "sys/devices/pci0000:00/%s/driver", val);
		unlink(link);
	} else if (strcmp(rel, "sys/bus/pci/drivers_probe") == 0) {
		fake_probe(f, val);
	} else if (n > 13 && strcmp(rel + n - 13, "/nr_hugepages") == 0) {
		fake_hugepages(f, path, val);
	}
	return 0;
}

static int
fake_mount(struct setup_ctx *ctx, const char *dir, const char *opts)
{
	struct fake *f = ctx->model;

	f->nb_mounts++;
	snprintf(f->mount_dir, sizeof(f->mount_dir), "%s", dir);
	snprintf(f->mount_opts, sizeof(f->mount_opts), "%s", opts ? opts : "(none)");
	return f->mount_rc;
}

static int
fake_modprobe(struct setup_ctx *ctx, const char *mod)
{
	struct fake *f = ctx->model;

	f->nb_modprobes++;
	snprintf(f->modprobe_mod, sizeof(f->modprobe_mod), "%s", mod);
	if (f->modprobe_rc == 0 && f->modprobe_creates)
		fake_add_driver(f, mod);
	return f->modprobe_rc;
}

static void
fake_sleep(struct setup_ctx *ctx, unsigned int ms)
{
	struct fake *f = ctx->model;

	(void)ms;
	f->nb_sleeps++;
}

/* Records the change and makes the mode real; a test cannot chown as a user. */
static int
fake_set_owner(struct setup_ctx *ctx, const char *path, uid_t uid, gid_t gid,
	       unsigned int mode)
{
	struct fake *f = ctx->model;

	if (fake_rel(f, path) == NULL) {
		f->escaped = true;
		return -EPERM;
	}
	f->nb_owner_sets++;
	snprintf(f->owner_path, sizeof(f->owner_path), "%s", fake_rel(f, path));
	f->owner_uid = (unsigned int)uid;
	f->owner_gid = (unsigned int)gid;
	f->owner_mode = mode;
	if (f->owner_rc < 0)
		return f->owner_rc;
	return chmod(path, mode) < 0 ? -errno : 0;
}

const struct setup_ops fake_ops = {
	.write_attr = fake_write_attr,
	.mount_hugetlbfs = fake_mount,
	.modprobe = fake_modprobe,
	.sleep_ms = fake_sleep,
	.set_owner = fake_set_owner,
};

/* ---- setup, teardown, running the tool ---- */

static int
fake_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true((size_t)snprintf(f->root, sizeof(f->root), "%s/vdk-setup-test-XXXXXX",
				     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") < sizeof(f->root));
	assert_non_null(mkdtemp(f->root));
	{
		/* Canonical, so that paths the tool resolves compare with it. */
		char real[PATH_MAX];

		assert_non_null(realpath(f->root, real));
		assert_true(strlen(real) < sizeof(f->root));
		strcpy(f->root, real);
	}
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
	snprintf(f->dev, sizeof(f->dev), "%s/dev", f->root);
	snprintf(f->ids, sizeof(f->ids), "%s/pci.ids", f->root);
	fake_dir(f, "sys/bus/pci/devices");
	fake_dir(f, "sys/bus/pci/drivers");
	fake_file(f, "sys/bus/pci/drivers_probe", "");
	fake_dir(f, "sys/kernel/iommu_groups");
	fake_dir(f, "sys/class/block");
	fake_dir(f, "sys/class/net");
	fake_file(f, "proc/mounts", "sysfs /sys sysfs rw 0 0\n");
	fake_file(f, "proc/self/mountinfo",
		  "22 1 0:21 / /sys rw,nosuid,nodev,noexec shared:7 - sysfs sysfs rw\n");
	fake_link(f, "mnt:[4026531841]", "proc/self/ns/mnt");
	fake_file(f, "proc/swaps", "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n");
	fake_dir(f, "dev");
	fake_file(f, "pci.ids",
		  "# test database\n"
		  "1af4  Red Hat, Inc.\n"
		  "\t1041  Virtio 1.0 network device\n"
		  "1b36  Red Hat, Inc.\n"
		  "\t0010  QEMU NVM Express Controller\n"
		  "8086  Intel Corporation\n"
		  "\t10d3  82574L Gigabit Network Connection\n"
		  "\t\t8086 a01f  Gigabit CT Desktop Adapter\n"
		  "\t2922  82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]\n"
		  "C 01  Mass storage controller\n"
		  "\t08  Non-Volatile memory controller\n"
		  "C 02  Network controller\n"
		  "\t00  Ethernet controller\n"
		  "C 06  Bridge\n");
	f->hp_max = ~0UL;
	f->next_minor = 1;
	fake_cur = f;
	*state = f;
	return 0;
}

int
fake_teardown(void **state)
{
	struct fake *f = *state;

	/* Checked in teardown so that no test can forget it. */
	assert_false(f->escaped);
	nftw(f->root, fake_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f->out);
	free(f->err);
	free(f);
	fake_cur = NULL;
	return 0;
}

/* A context over the fake tree, for tests that call one function. */
void
fake_ctx(struct fake *f, struct setup_ctx *ctx, FILE *out, FILE *err)
{
	setup_ctx_init(ctx, out, err);
	snprintf(ctx->root[SETUP_ROOT_SYS], sizeof(ctx->root[0]), "%s", f->sys);
	snprintf(ctx->root[SETUP_ROOT_PROC], sizeof(ctx->root[0]), "%s", f->proc);
	snprintf(ctx->root[SETUP_ROOT_DEV], sizeof(ctx->root[0]), "%s", f->dev);
	snprintf(ctx->pci_ids, sizeof(ctx->pci_ids), "%s", f->ids);
	ctx->ops = &fake_ops;
	ctx->model = f;
	ctx->settle_ms = 0;
}

/* Run the tool over the fake tree with @args (NULL-terminated); its exit status. */
int
fake_run_argv(struct fake *f, int nargs, char **args)
{
	char *argv[64];
	struct setup_ctx ctx;
	FILE *out, *err;
	int argc = 0, rc;

	free(f->out);
	free(f->err);
	f->out = f->err = NULL;
	out = open_memstream(&f->out, &f->out_len);
	err = open_memstream(&f->err, &f->err_len);
	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = (char *)"vdk-setup";
	argv[argc++] = (char *)"--sysfs";
	argv[argc++] = f->sys;
	argv[argc++] = (char *)"--proc";
	argv[argc++] = f->proc;
	argv[argc++] = (char *)"--dev";
	argv[argc++] = f->dev;
	argv[argc++] = (char *)"--pci-ids";
	argv[argc++] = f->ids;
	assert_true(nargs + argc < 63);
	for (int i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	setup_ctx_init(&ctx, out, err);
	ctx.ops = &fake_ops;
	ctx.model = f;
	ctx.settle_ms = 0;
	rc = setup_run(&ctx, argc, argv);
	fclose(out);
	fclose(err);
	return rc;
}


/* The n-th write, as "path=value" for easy comparison. */
const char *
fake_write_str(struct fake *f, unsigned int n)
{
	static char buf[PATH_MAX + 160];

	if (n >= f->nb_writes)
		return "(none)";
	snprintf(buf, sizeof(buf), "%s=%s", f->writes[n].path, f->writes[n].val);
	return buf;
}

/* The driver a device's link names now, "" for none. */
const char *
fake_driver_of(struct fake *f, const char *bdf)
{
	static char buf[SETUP_NAME_LEN];
	char path[PATH_MAX];

	fake_path(f, path, "sys/devices/pci0000:00/%s/driver", bdf);
	if (setup_readlink_base(path, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}




