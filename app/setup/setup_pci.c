/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI devices as sysfs shows them, their IOMMU groups, and which members
 * keep a group from being usable through VFIO.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "setup_internal.h"

/* Parse @len hex digits at @s (1..@max_digits of them) into @val. */
static int
parse_hex_field(const char *s, size_t len, size_t max_digits, unsigned long *val)
{
	char buf[16];

	if (len == 0 || len > max_digits)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return setup_parse_ulong(buf, 16, val);
}

/* Accept "DDDD:BB:DD.F" or "BB:DD.F" (domain 0); write the kernel's form. */
int
setup_bdf_normalize(const char *in, char *out, size_t len)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *dot, *c1, *c2;
	int n;

	if (in == NULL)
		return -EINVAL;
	dot = strchr(in, '.');
	if (dot == NULL || strchr(dot + 1, '.') || strchr(dot, ':'))
		return -EINVAL;
	c2 = memrchr(in, ':', dot - in);
	if (c2 == NULL)
		return -EINVAL;
	c1 = memrchr(in, ':', c2 - in);
	if (c1 != NULL && memchr(in, ':', c1 - in) != NULL)
		return -EINVAL;
	if (c1 != NULL && parse_hex_field(in, c1 - in, 8, &dom) < 0)
		return -EINVAL;
	if (parse_hex_field(c1 ? c1 + 1 : in, c2 - (c1 ? c1 + 1 : in), 2, &bus) < 0 ||
	    parse_hex_field(c2 + 1, dot - c2 - 1, 2, &dev) < 0 ||
	    parse_hex_field(dot + 1, strlen(dot + 1), 1, &fn) < 0)
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	n = snprintf(out, len, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

bool
setup_driver_is_vfio(const char *driver)
{
	/* vfio-pci and its variants, and vdk_vfio's PCI bus driver. */
	return driver[0] != '\0' && strstr(driver, "vfio") != NULL;
}

/*
 * A group is usable through VFIO when no member is driven by a kernel
 * driver that does its own DMA. Since Linux 5.19 the rule is the driver's
 * driver_managed_dma flag: set by vfio-pci, pci-stub and pcieport (bridge
 * ports do no DMA of their own), so those and unbound devices are fine.
 */
bool
setup_driver_keeps_group_viable(const char *driver)
{
	return driver[0] == '\0' || setup_driver_is_vfio(driver) ||
	       strcmp(driver, "pci-stub") == 0 || strcmp(driver, "pcieport") == 0;
}

static int
load_id(struct setup_ctx *ctx, const char *bdf, const char *attr, unsigned long max,
	unsigned long *val)
{
	char path[PATH_MAX];
	int rc;

	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/%s",
			bdf, attr);
	if (rc == 0)
		rc = setup_read_hex(path, val);
	if (rc == 0 && *val > max)
		rc = -ERANGE;
	if (rc < 0)
		setup_err(ctx, "%s: cannot read %s: %s", bdf, path,
			  rc == -EINVAL || rc == -ERANGE ? "not a hex number" : setup_strerror(rc));
	return rc;
}

/*
 * Fill @d from sysfs. Fills what it can even when one attribute is
 * unreadable or garbage (status still shows the rest), reports each
 * problem, and returns the first error: -ENODEV if there is no such device.
 */
int
setup_dev_load(struct setup_ctx *ctx, const char *bdf, struct setup_dev *d)
{
	char path[PATH_MAX], buf[PATH_MAX];
	unsigned long group;
	int rc, first = 0;

	memset(d, 0, sizeof(*d));
	d->group = -1;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s", bdf);
	if (rc < 0)
		return rc;
	if (!setup_is_dir(path)) {
		setup_err(ctx, "%s: no such PCI device (%s missing); `vdk-setup status` lists them",
			  bdf, path);
		return -ENODEV;
	}
	if (realpath(path, d->path) == NULL)
		snprintf(d->path, sizeof(d->path), "%s", path);

	d->ids_ok = true;
	if ((rc = load_id(ctx, bdf, "vendor", 0xffff, &d->vendor)) < 0) {
		first = first ? first : rc;
		d->ids_ok = false;
	}
	if ((rc = load_id(ctx, bdf, "device", 0xffff, &d->device)) < 0) {
		first = first ? first : rc;
		d->ids_ok = false;
	}
	/* Older kernels and fake trees may lack class; it only feeds names. */
	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/class", bdf);
	if (rc == 0 && setup_exists(path) &&
	    load_id(ctx, bdf, "class", 0xffffff, &d->class_code) < 0)
		first = first ? first : -EINVAL;

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/driver", bdf);
	rc = setup_readlink_base(path, d->driver, sizeof(d->driver));
	if (rc < 0 && rc != -ENOENT) {
		setup_err(ctx, "%s: cannot read driver link %s: %s", bdf, path, setup_strerror(rc));
		first = first ? first : rc;
		d->driver[0] = '\0';
	}

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/driver_override",
		   bdf);
	rc = setup_read_str(path, buf, sizeof(buf));
	if (rc == 0 && strcmp(buf, "(null)") != 0) {
		if (strlen(buf) >= sizeof(d->override)) {
			setup_err(ctx, "%s: driver_override too long in %s", bdf, path);
			first = first ? first : -EINVAL;
		} else {
			strcpy(d->override, buf);
		}
	} else if (rc < 0 && rc != -ENOENT) {
		setup_err(ctx, "%s: cannot read %s: %s", bdf, path, setup_strerror(rc));
		first = first ? first : rc;
	}

	setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/iommu_group", bdf);
	rc = setup_readlink_base(path, buf, sizeof(buf));
	if (rc == 0) {
		if (setup_parse_ulong(buf, 10, &group) < 0 || group > INT_MAX) {
			setup_err(ctx, "%s: iommu_group link %s names '%s', not a group number",
				  bdf, path, buf);
			first = first ? first : -EINVAL;
		} else {
			d->group = (int)group;
		}
	} else if (rc != -ENOENT) {
		setup_err(ctx, "%s: cannot read %s: %s", bdf, path, setup_strerror(rc));
		first = first ? first : rc;
	}
	return first;
}

int
setup_group_blockers(struct setup_ctx *ctx, int group, char skip[][SETUP_BDF_LEN],
		     unsigned int nb_skip, char ***blockers)
{
	char path[PATH_MAX], drv[SETUP_NAME_LEN];
	char **members, **out;
	int n, nb = 0, rc;

	*blockers = NULL;
	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "kernel/iommu_groups/%d/devices",
			group);
	if (rc < 0)
		return rc;
	n = setup_list_dir(path, &members);
	if (n < 0) {
		setup_err(ctx, "IOMMU group %d: cannot list %s: %s", group, path, setup_strerror(n));
		return n;
	}
	out = calloc(n > 0 ? n : 1, sizeof(*out));
	if (out == NULL) {
		setup_free_list(members, n);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		bool skipped = false;

		for (unsigned int k = 0; k < nb_skip; k++)
			skipped |= strcmp(skip[k], members[i]) == 0;
		if (skipped)
			continue;
		setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices/%s/driver",
			   members[i]);
		rc = setup_readlink_base(path, drv, sizeof(drv));
		if (rc == -ENOENT)
			continue;
		/* Unknown is not viable: we cannot prove the member does no DMA. */
		if (rc == 0 && setup_driver_keeps_group_viable(drv))
			continue;
		out[nb++] = members[i];
		members[i] = NULL;
	}
	setup_free_list(members, n);
	*blockers = out;
	return nb;
}

static bool
looks_like_bdf(const char *name)
{
	char norm[SETUP_BDF_LEN];

	return setup_bdf_normalize(name, norm, sizeof(norm)) == 0 && strcmp(norm, name) == 0;
}

/* BDFs under bus/pci/devices, sorted; count or -errno. */
int
setup_list_devices(struct setup_ctx *ctx, char ***bdfs)
{
	char path[PATH_MAX];
	int n, k = 0, rc;

	rc = setup_path(ctx, SETUP_ROOT_SYS, path, sizeof(path), "bus/pci/devices");
	if (rc < 0)
		return rc;
	n = setup_list_dir(path, bdfs);
	if (n < 0) {
		setup_err(ctx, "cannot list PCI devices in %s: %s%s", path, setup_strerror(n),
			  n == -ENOENT ? " (is sysfs mounted there? see --sysfs)" : "");
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (looks_like_bdf((*bdfs)[i])) {
			(*bdfs)[k++] = (*bdfs)[i];
		} else {
			setup_err(ctx, "ignoring '%s' in %s: not a PCI address", (*bdfs)[i], path);
			free((*bdfs)[i]);
		}
	}
	return k;
}
