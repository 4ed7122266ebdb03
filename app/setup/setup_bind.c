/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vdk-setup bind` and `unbind`, through driver_override: the override
 * names the driver that may take the device, an unbind releases it from
 * the current one, and drivers_probe makes the kernel match it again.
 * Unbind clears the override first so the re-probe hands the device back
 * to its own kernel driver.
 *
 * Every device is checked before anything is written: a refusal of one
 * leaves all of them as they were.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

#define POLL_STEP_MS 10

static bool
noiommu_enabled(struct setup_ctx *ctx)
{
	char path[PATH_MAX], v[16];

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path),
		   "module/vfio/parameters/enable_unsafe_noiommu_mode");
	return setup_read_str(path, v, sizeof(v)) == 0 && (v[0] == 'Y' || v[0] == '1');
}

static void
print_users(struct setup_ctx *ctx, const char *bdf, const struct setup_users *u)
{
	for (unsigned int i = 0; i < u->nb; i++)
		setup_err(ctx, "%s:   %s", bdf, u->what[i]);
}

/* Refuse what would take a device from under a user; 0 if it may go. */
static int
check_users(struct setup_ctx *ctx, const struct setup_dev *d, const char *verb)
{
	struct setup_users u;
	int rc;

	rc = setup_dev_users(ctx, d, &u);
	if (rc < 0) {
		setup_err(ctx, "%s: refusing to %s: cannot tell whether the host uses it", d->bdf,
			  verb);
		return rc;
	}
	if (u.mounted) {
		setup_err(ctx, "%s: refusing to %s: it backs a mounted filesystem or swap "
			  "(--force does not override this); unmount first:", d->bdf, verb);
		print_users(ctx, d->bdf, &u);
		return -EBUSY;
	}
	if (u.held && !ctx->force) {
		setup_err(ctx, "%s: refusing to %s: it is part of an active device-mapper or md "
			  "device (LVM, RAID, multipath, dm-crypt); stop that device first "
			  "(vgchange -an, mdadm --stop, multipath -f, cryptsetup close) or pass "
			  "--force:", d->bdf, verb);
		print_users(ctx, d->bdf, &u);
		return -EBUSY;
	}
	if (u.net_active && !ctx->force) {
		setup_err(ctx, "%s: refusing to %s: it carries an active network interface; "
			  "take it down first (ip link set IFACE down, remove its addresses) "
			  "or pass --force:", d->bdf, verb);
		print_users(ctx, d->bdf, &u);
		return -EBUSY;
	}
	if (u.held)
		fprintf(ctx->out, "%s: --force: taking it although a dm/md device uses it\n",
			d->bdf);
	if (u.net_active)
		fprintf(ctx->out, "%s: --force: taking it although an interface is active\n",
			d->bdf);
	return 0;
}

/* A vfio-bound device whose group is open: unbinding would hang. */
static int
check_vfio_open(struct setup_ctx *ctx, const struct setup_dev *d, const char *verb)
{
	struct setup_users u = { .nb = 0 };

	if (!setup_driver_is_vfio(d->driver) || d->group < 0)
		return 0;
	setup_vfio_group_users(ctx, d->group, &u);
	if (!u.vfio_open)
		return 0;
	setup_err(ctx, "%s: refusing to %s: a process uses it through VFIO, and the kernel "
		  "would wait for it to let go; stop it first:", d->bdf, verb);
	print_users(ctx, d->bdf, &u);
	return -EBUSY;
}

static int
check_group(struct setup_ctx *ctx, const struct setup_dev *d)
{
	char **blockers;
	int nb;

	if (d->group < 0) {
		if (noiommu_enabled(ctx))
			return 0;	/* vfio-pci makes a no-IOMMU group itself */
		if (ctx->force) {
			fprintf(ctx->out, "%s: --force: no IOMMU group; vfio-pci will not take it "
				"unless no-IOMMU mode is on\n", d->bdf);
			return 0;
		}
		setup_err(ctx, "%s: refusing to bind: it has no IOMMU group, so VFIO cannot "
			  "isolate it (IOMMU off?); run `vdk-setup iommu` to see why", d->bdf);
		return -ENODEV;
	}
	nb = setup_group_blockers(ctx, d->group, ctx->bdfs, ctx->nb_bdfs, &blockers);
	if (nb < 0)
		return nb;
	if (nb > 0 && !ctx->force) {
		setup_err(ctx, "%s: refusing to bind: IOMMU group %d also holds devices still "
			  "bound to kernel drivers, and VFIO can only take a whole group:",
			  d->bdf, d->group);
		for (int i = 0; i < nb; i++) {
			struct setup_dev m;

			setup_dev_load(ctx, blockers[i], &m);
			setup_err(ctx, "%s:   %s (driver %s)", d->bdf, blockers[i],
				  m.driver[0] ? m.driver : "?");
		}
		fprintf(ctx->err, "vdk-setup: %s: bind them together (vdk-setup bind %s", d->bdf,
			d->bdf);
		for (int i = 0; i < nb; i++)
			fprintf(ctx->err, " %s", blockers[i]);
		fprintf(ctx->err, ") or pass --force to bind this one alone\n");
		setup_free_list(blockers, nb);
		return -EBUSY;
	}
	if (nb > 0)
		fprintf(ctx->out, "%s: --force: group %d stays blocked by %d other device(s)\n",
			d->bdf, d->group, nb);
	setup_free_list(blockers, nb);
	return 0;
}

static int
drv_path(struct setup_ctx *ctx, char *buf, size_t len, const char *driver, const char *attr)
{
	if (attr == NULL)
		return setup_path(ctx, SETUP_ROOT_SYS, buf, len, "bus/pci/drivers/%s", driver);
	return setup_path(ctx, SETUP_ROOT_SYS, buf, len, "bus/pci/drivers/%s/%s", driver, attr);
}

/* Load the driver's module when its sysfs directory is missing. */
static int
ensure_driver(struct setup_ctx *ctx, const char *driver)
{
	char path[PATH_MAX];
	int rc;

	drv_path(ctx, path, sizeof(path), driver, NULL);
	if (setup_is_dir(path))
		return 0;
	if (ctx->dry_run) {
		fprintf(ctx->out, "would run: modprobe %s (%s is missing)\n", driver, path);
		return 0;
	}
	fprintf(ctx->out, "%s is not loaded: running modprobe %s\n", driver, driver);
	rc = ctx->ops->modprobe(ctx, driver);
	if (rc != 0) {
		if (rc < 0)
			setup_err(ctx, "cannot run modprobe %s: %s; install kmod, or load the "
				  "module by hand", driver, setup_strerror(rc));
		else
			setup_err(ctx, "modprobe %s failed (exit status %d): the module is not "
				  "installed for this kernel, or loading needs root", driver, rc);
		return -ENOENT;
	}
	if (!setup_is_dir(path)) {
		setup_err(ctx, "modprobe %s succeeded but %s is still missing: is the driver "
			  "named differently from its module? pass --driver NAME", driver, path);
		return -ENOENT;
	}
	return 0;
}

/*
 * Wait for the device's driver link to name @want (NULL: any driver).
 * Probing runs in the writer's context for PCI, but drivers that probe
 * asynchronously take a moment, hence the poll.
 */
static bool
wait_driver(struct setup_ctx *ctx, const char *bdf, const char *want, char *got, size_t len)
{
	char path[PATH_MAX];
	unsigned int waited = 0;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/driver", bdf);
	for (;;) {
		if (setup_readlink_base(path, got, len) < 0)
			got[0] = '\0';
		if (want ? strcmp(got, want) == 0 : got[0] != '\0')
			return true;
		if (waited >= ctx->settle_ms)
			return false;
		ctx->ops->sleep_ms(ctx, POLL_STEP_MS);
		waited += POLL_STEP_MS;
	}
}

static int
write_dev_attr(struct setup_ctx *ctx, const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int rc;

	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/%s", bdf,
			attr);
	if (rc == 0)
		rc = setup_write(ctx, path, val);
	if (rc < 0)
		setup_err(ctx, "%s: cannot write '%s' to %s: %s%s", bdf, val, path,
			  setup_strerror(rc), rc == -EACCES || rc == -EPERM ? " (run as root)" : "");
	return rc;
}

static int
write_unbind(struct setup_ctx *ctx, const char *bdf, const char *driver)
{
	char path[PATH_MAX];
	int rc;

	rc = drv_path(ctx, path, sizeof(path), driver, "unbind");
	if (rc == 0)
		rc = setup_write(ctx, path, bdf);
	if (rc < 0)
		setup_err(ctx, "%s: cannot unbind from %s through %s: %s", bdf, driver, path,
			  setup_strerror(rc));
	return rc;
}

static int
write_probe(struct setup_ctx *ctx, const char *bdf)
{
	char path[PATH_MAX];
	int rc;

	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/drivers_probe");
	if (rc == 0)
		rc = setup_write(ctx, path, bdf);
	/* A probe that no driver accepts still returns success; this is a real error. */
	if (rc < 0)
		setup_err(ctx, "%s: cannot write to %s: %s", bdf, path, setup_strerror(rc));
	return rc;
}

static int
bind_one(struct setup_ctx *ctx, const struct setup_dev *d, const char *driver)
{
	char got[SETUP_NAME_LEN];
	const char *old_override = d->override[0] ? d->override : "\n";

	if (write_dev_attr(ctx, d->bdf, "driver_override", driver) < 0)
		return -1;
	if (d->driver[0] != '\0' && write_unbind(ctx, d->bdf, d->driver) < 0)
		goto restore_override;
	if (write_probe(ctx, d->bdf) < 0)
		goto reprobe_old;
	if (ctx->dry_run)
		return 0;
	if (!wait_driver(ctx, d->bdf, driver, got, sizeof(got))) {
		setup_err(ctx, "%s: %s did not take it after drivers_probe (now %s); the "
			  "kernel log (dmesg) says why", d->bdf, driver,
			  got[0] ? got : "without a driver");
		if (got[0] == '\0' && d->driver[0] != '\0')
			goto reprobe_old;
		return -1;
	}
	fprintf(ctx->out, "%s: bound to %s (was %s)\n", d->bdf, driver,
		d->driver[0] ? d->driver : "unbound");
	return 0;

reprobe_old:
	/* Give the device back to the driver it had, rather than leave it idle. */
	write_dev_attr(ctx, d->bdf, "driver_override", old_override);
	write_probe(ctx, d->bdf);
	return -1;
restore_override:
	write_dev_attr(ctx, d->bdf, "driver_override", old_override);
	return -1;
}

/*
 * The group node appears when the VFIO driver takes the first device of
 * the group; devtmpfs makes it before the probe returns, but a udev rule
 * may still be renaming or re-moding it: wait as for the driver link.
 */
static int
grant_group(struct setup_ctx *ctx, const struct setup_dev *d, const char *driver)
{
	char node[PATH_MAX];
	unsigned int waited = 0;

	if (setup_group_node(ctx, driver, d->group, node, sizeof(node)) < 0)
		return -ENAMETOOLONG;
	while (!ctx->dry_run && !setup_exists(node) && waited < ctx->settle_ms) {
		ctx->ops->sleep_ms(ctx, POLL_STEP_MS);
		waited += POLL_STEP_MS;
	}
	if (!ctx->dry_run && !setup_exists(node)) {
		setup_err(ctx, "%s: %s did not appear for IOMMU group %d: is %s the group's "
			  "driver? (dmesg)", d->bdf, node, d->group, driver);
		return -ENOENT;
	}
	return setup_grant(ctx, node, false);
}

/* The mainline container: the kernel makes it 0666; a user cannot do without it. */
static void
bind_check_container(struct setup_ctx *ctx, const char *driver)
{
	char path[PATH_MAX];
	struct stat st;

	if (strcmp(driver, SETUP_VDK_VFIO_DRIVER) == 0 ||
	    setup_path(ctx, SETUP_ROOT_DEV, path, sizeof(path), "vfio/vfio") < 0 ||
	    stat(path, &st) < 0 || setup_owner_may(&ctx->owner, &st, 6))
		return;
	fprintf(ctx->out, "note: %s is mode %04o, owner %u:%u: the user cannot open it; the "
		"kernel makes it 0666 (a udev rule or a chmod changed that)\n", path,
		(unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
		(unsigned int)st.st_gid);
}

static int
grant_all(struct setup_ctx *ctx, const struct setup_dev *devs, const char *driver)
{
	int failed = 0;

	for (unsigned int i = 0; i < ctx->nb_bdfs; i++) {
		bool seen = false;

		for (unsigned int k = 0; k < i; k++)
			seen |= devs[k].group == devs[i].group;
		if (!seen)
			failed |= grant_group(ctx, &devs[i], driver) < 0;
	}
	bind_check_container(ctx, driver);
	return failed;
}

/* A user can only open a group with an IOMMU behind it: no-IOMMU needs CAP_SYS_RAWIO. */
static int
check_owner(struct setup_ctx *ctx, const struct setup_dev *d)
{
	if (!ctx->owner.set || d->group >= 0)
		return 0;
	setup_err(ctx, "%s: refusing --owner: the device has no IOMMU group, and VFIO's "
		  "no-IOMMU mode is for root only (CAP_SYS_RAWIO)", d->bdf);
	return -EPERM;
}

static void
report_groups(struct setup_ctx *ctx, const struct setup_dev *devs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		char **blockers;
		bool seen = false;
		int nb;

		for (unsigned int k = 0; k < i; k++)
			seen |= devs[k].group == devs[i].group;
		if (seen || devs[i].group < 0)
			continue;
		nb = setup_group_blockers(ctx, devs[i].group, NULL, 0, &blockers);
		if (nb == 0)
			fprintf(ctx->out, "IOMMU group %d: viable for VFIO\n", devs[i].group);
		else if (nb > 0)
			fprintf(ctx->out, "IOMMU group %d: still blocked by %d device(s), "
				"first %s\n", devs[i].group, nb, blockers[0]);
		if (nb >= 0)
			setup_free_list(blockers, nb);
	}
}

static int
load_all(struct setup_ctx *ctx, struct setup_dev *devs)
{
	int refused = 0;

	for (unsigned int i = 0; i < ctx->nb_bdfs; i++)
		if (setup_dev_load(ctx, ctx->bdfs[i], &devs[i]) < 0) {
			setup_err(ctx, "%s: refusing to touch a device whose state cannot be read",
				  ctx->bdfs[i]);
			refused++;
		}
	return refused;
}

int
setup_cmd_bind(struct setup_ctx *ctx)
{
	const char *driver = ctx->driver[0] ? ctx->driver : SETUP_DEFAULT_DRIVER;
	bool vfio = setup_driver_is_vfio(driver);
	struct setup_dev *devs;
	int refused, failed = 0;

	devs = calloc(ctx->nb_bdfs, sizeof(*devs));
	if (devs == NULL) {
		setup_err(ctx, "out of memory");
		return SETUP_EXIT_FAIL;
	}
	refused = load_all(ctx, devs);
	for (unsigned int i = 0; i < ctx->nb_bdfs && refused == 0; i++) {
		const struct setup_dev *d = &devs[i];

		if (check_owner(ctx, d) < 0) {
			refused++;
			continue;
		}
		if (strcmp(d->driver, driver) == 0)
			continue;
		if (check_users(ctx, d, "bind") < 0 || check_vfio_open(ctx, d, "rebind") < 0 ||
		    (vfio && check_group(ctx, d) < 0))
			refused++;
	}
	if (refused > 0) {
		setup_err(ctx, "nothing changed");
		free(devs);
		return SETUP_EXIT_FAIL;
	}
	if (ensure_driver(ctx, driver) < 0) {
		free(devs);
		return SETUP_EXIT_FAIL;
	}
	for (unsigned int i = 0; i < ctx->nb_bdfs; i++) {
		if (strcmp(devs[i].driver, driver) == 0) {
			fprintf(ctx->out, "%s: already bound to %s\n", devs[i].bdf, driver);
			continue;
		}
		failed |= bind_one(ctx, &devs[i], driver) < 0;
	}
	if (vfio && !ctx->dry_run)
		report_groups(ctx, devs, ctx->nb_bdfs);
	/* Only once every device is on the driver: a half-bound group is no use to anyone. */
	if (ctx->owner.set && !failed)
		failed |= grant_all(ctx, devs, driver);
	free(devs);
	return failed ? SETUP_EXIT_FAIL : SETUP_EXIT_OK;
}

static int
unbind_one(struct setup_ctx *ctx, const struct setup_dev *d)
{
	char got[SETUP_NAME_LEN];

	if (write_dev_attr(ctx, d->bdf, "driver_override", "\n") < 0)
		return -1;
	if (d->driver[0] != '\0' && write_unbind(ctx, d->bdf, d->driver) < 0)
		return -1;
	if (write_probe(ctx, d->bdf) < 0)
		return -1;
	if (ctx->dry_run)
		return 0;
	if (!wait_driver(ctx, d->bdf, NULL, got, sizeof(got))) {
		fprintf(ctx->out, "%s: unbound from %s; no kernel driver took it (load its "
			"module, then write %s to /sys/bus/pci/drivers_probe)\n", d->bdf,
			d->driver[0] ? d->driver : "nothing", d->bdf);
		return 0;
	}
	if (setup_driver_is_vfio(got)) {
		setup_err(ctx, "%s: %s took it again: its ID is in %s's ID table (new_id or "
			  "ids=); remove it there", d->bdf, got, got);
		return -1;
	}
	fprintf(ctx->out, "%s: unbound from %s, now bound to %s\n", d->bdf,
		d->driver[0] ? d->driver : "nothing", got);
	return 0;
}

int
setup_cmd_unbind(struct setup_ctx *ctx)
{
	struct setup_dev *devs;
	int refused, failed = 0;

	devs = calloc(ctx->nb_bdfs, sizeof(*devs));
	if (devs == NULL) {
		setup_err(ctx, "out of memory");
		return SETUP_EXIT_FAIL;
	}
	refused = load_all(ctx, devs);
	for (unsigned int i = 0; i < ctx->nb_bdfs && refused == 0; i++)
		if (check_users(ctx, &devs[i], "unbind") < 0 ||
		    check_vfio_open(ctx, &devs[i], "unbind") < 0)
			refused++;
	if (refused > 0) {
		setup_err(ctx, "nothing changed");
		free(devs);
		return SETUP_EXIT_FAIL;
	}
	for (unsigned int i = 0; i < ctx->nb_bdfs; i++)
		failed |= unbind_one(ctx, &devs[i]) < 0;
	free(devs);
	return failed ? SETUP_EXIT_FAIL : SETUP_EXIT_OK;
}
