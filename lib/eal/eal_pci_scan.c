/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI scan: what the kernel says about each function under
 * ROOT/bus/pci/devices, read from the small text files and symlinks there.
 *
 * ROOT is "/sys" except under test, where a fake tree stands in; nothing
 * here opens a device or writes to sysfs. The kernel's files can be missing
 * (older kernels, devices going away mid-scan) or, in a fake tree, hold
 * anything, so every value is parsed strictly: a device whose vendor and
 * device IDs cannot be read is skipped, any other unreadable value falls
 * back to "unknown" with a warning.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eal_pci_internal.h"
#include "vdk_log.h"

/* Kernel resource flags (include/linux/ioport.h), as sysfs prints them. */
#define IORESOURCE_IO 0x00000100
#define IORESOURCE_MEM 0x00000200
#define IORESOURCE_PREFETCH 0x00002000
#define IORESOURCE_MEM_64 0x00100000

#define SYSFS_VALUE_MAX 256

static const char *sysfs_root_override;

void
eal_pci_set_sysfs_root(const char *root)
{
	sysfs_root_override = root;
}

const char *
eal_sysfs_root(void)
{
	const char *env;

	if (sysfs_root_override != NULL)
		return sysfs_root_override;
	/*
	 * Not in a set-user-ID or file-capability program: the invoking user
	 * would pick the tree whose "devices" a privileged process opens.
	 */
	env = secure_getenv("VDK_SYSFS_ROOT");
	if (env != NULL && env[0] != '\0')
		return env;
	return "/sys";
}

int
vdk_pci_addr_parse(const char *s, struct vdk_pci_addr *addr)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *p = s;
	char *end;

	if (s == NULL || addr == NULL)
		return -EINVAL;
	/* Hex fields only: strtoul would also take signs and spaces. */
	for (const char *c = s; *c != '\0'; c++)
		if (!(*c == ':' || *c == '.' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F')))
			return -EINVAL;
	if (strchr(s, ':') != strrchr(s, ':')) {
		dom = strtoul(p, &end, 16);
		if (end == p || *end != ':' || end - p > 8)
			return -EINVAL;
		p = end + 1;
	}
	bus = strtoul(p, &end, 16);
	if (end == p || *end != ':' || end - p > 2)
		return -EINVAL;
	p = end + 1;
	dev = strtoul(p, &end, 16);
	if (end == p || *end != '.' || end - p > 2 || dev > 31)
		return -EINVAL;
	p = end + 1;
	fn = strtoul(p, &end, 16);
	if (end == p || *end != '\0' || end - p > 1 || fn > 7)
		return -EINVAL;
	addr->domain = (uint32_t)dom;
	addr->bus = (uint8_t)bus;
	addr->devid = (uint8_t)dev;
	addr->function = (uint8_t)fn;
	return 0;
}

int
vdk_pci_addr_format(const struct vdk_pci_addr *addr, char *buf, size_t len)
{
	int n;

	if (addr == NULL || buf == NULL || len == 0)
		return -EINVAL;
	n = snprintf(buf, len, "%04" PRIx32 ":%02x:%02x.%x", addr->domain, addr->bus,
		     addr->devid, addr->function);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

int
vdk_pci_addr_cmp(const struct vdk_pci_addr *a, const struct vdk_pci_addr *b)
{
	uint64_t ka = ((uint64_t)a->domain << 24) | ((uint32_t)a->bus << 16) |
		      ((uint32_t)a->devid << 8) | a->function;
	uint64_t kb = ((uint64_t)b->domain << 24) | ((uint32_t)b->bus << 16) |
		      ((uint32_t)b->devid << 8) | b->function;

	return ka < kb ? -1 : ka > kb;
}

/*
 * Read a small sysfs file into @buf without its trailing newline.
 * Returns 0, -ENOENT (or another errno) if it cannot be read.
 */
static int
sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* Parse "0x..." hexadecimal, the whole string, at most @max. */
static int
parse_hex(const char *s, uint64_t max, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (strncmp(s, "0x", 2) != 0 || s[2] == '\0')
		return -EINVAL;
	for (const char *c = s + 2; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
		      (*c >= 'A' && *c <= 'F')))
			return -EINVAL;
	errno = 0;
	v = strtoull(s + 2, &end, 16);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

/*
 * Read a hex ID file of @dir. Returns 0, -ENOENT when missing, -EINVAL
 * (logged, naming the file and its contents) when it holds garbage.
 */
static int
read_hex_file(const char *dir, const char *name, uint64_t max, uint64_t *val)
{
	char path[PATH_MAX], buf[SYSFS_VALUE_MAX];
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	ret = sysfs_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (parse_hex(buf, max, val) < 0) {
		VDK_LOG(WARNING, PCI, "%s holds \"%.32s\", not a hex value up to 0x%" PRIx64,
			path, buf, max);
		return -EINVAL;
	}
	return 0;
}

static int
read_numa_node(const char *dir, const char *bdf)
{
	char path[PATH_MAX], buf[SYSFS_VALUE_MAX];
	char *end;
	long v;

	if ((size_t)snprintf(path, sizeof(path), "%s/numa_node", dir) >= sizeof(path))
		return -1;
	if (sysfs_read(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (buf[0] == '\0' || *end != '\0' || errno != 0 || v < -1 || v > 1023) {
		VDK_LOG(WARNING, PCI, "%s: numa_node holds \"%.32s\": NUMA node unknown",
			bdf, buf);
		return -1;
	}
	return (int)v;
}

/* Final path component of the symlink @dir/@name into @buf; "" if none. */
static int
read_link_name(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

static int
read_iommu_group(const char *dir, const char *bdf)
{
	char name[64];
	char *end;
	long v;

	if (read_link_name(dir, "iommu_group", name, sizeof(name)) < 0)
		return -1;
	errno = 0;
	v = strtol(name, &end, 10);
	if (name[0] == '\0' || *end != '\0' || errno != 0 || v < 0 || v > INT_MAX) {
		VDK_LOG(WARNING, PCI, "%s: iommu_group links to \"%s\", not a group number",
			bdf, name);
		return -1;
	}
	return (int)v;
}

static uint32_t
bar_flags(uint64_t res_flags)
{
	uint32_t f = 0;

	if (res_flags & IORESOURCE_IO)
		f |= VDK_PCI_BAR_IO;
	if (res_flags & IORESOURCE_MEM)
		f |= VDK_PCI_BAR_MEM;
	if (res_flags & IORESOURCE_PREFETCH)
		f |= VDK_PCI_BAR_PREFETCH;
	if (res_flags & IORESOURCE_MEM_64)
		f |= VDK_PCI_BAR_MEM64;
	return f;
}

/*
 * `resource`: one "start end flags" line of 0x-numbers a resource, BARs
 * first. A line that does not parse leaves every BAR unknown rather than
 * half-filled: the driver learns sizes from VFIO anyway.
 */
static void
read_resources(const char *dir, const char *bdf, struct vdk_pci_bar *bars)
{
	char path[PATH_MAX], line[SYSFS_VALUE_MAX];
	struct vdk_pci_bar tmp[VDK_PCI_MAX_BARS];
	unsigned int i;
	FILE *f;

	memset(bars, 0, sizeof(*bars) * VDK_PCI_MAX_BARS);
	if ((size_t)snprintf(path, sizeof(path), "%s/resource", dir) >= sizeof(path))
		return;
	f = fopen(path, "re");
	if (f == NULL)
		return;
	memset(tmp, 0, sizeof(tmp));
	for (i = 0; i < VDK_PCI_MAX_BARS; i++) {
		uint64_t v[3];
		char *p, *save = NULL;
		unsigned int k;

		if (fgets(line, sizeof(line), f) == NULL)
			break;
		line[strcspn(line, "\n")] = '\0';
		p = strtok_r(line, " \t", &save);
		for (k = 0; k < 3 && p != NULL; k++) {
			if (parse_hex(p, UINT64_MAX, &v[k]) < 0)
				break;
			p = strtok_r(NULL, " \t", &save);
		}
		if (k < 3 || p != NULL || v[1] < v[0]) {
			VDK_LOG(WARNING, PCI, "%s: line %u of resource does not read as "
				"\"start end flags\": BAR sizes unknown", bdf, i + 1);
			fclose(f);
			return;
		}
		if (v[0] == 0 && v[1] == 0)
			continue;
		tmp[i].phys_addr = v[0];
		tmp[i].len = v[1] - v[0] + 1;
		tmp[i].flags = bar_flags(v[2]);
	}
	fclose(f);
	memcpy(bars, tmp, sizeof(tmp));
}

enum vdk_pci_kdrv
pci_kdrv_from_name(const char *name)
{
	if (name[0] == '\0')
		return VDK_PCI_KDRV_NONE;
	if (strcmp(name, PCI_KDRV_NAME_VFIO) == 0)
		return VDK_PCI_KDRV_VFIO;
	if (strcmp(name, PCI_KDRV_NAME_VDK_VFIO) == 0)
		return VDK_PCI_KDRV_VDK_VFIO;
	return VDK_PCI_KDRV_OTHER;
}

int
pci_sysfs_driver(const char *root, const char *bdf, char *buf, size_t len)
{
	char dir[PATH_MAX];
	int ret;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, bdf) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (access(dir, F_OK) != 0)
		return -errno;
	ret = read_link_name(dir, "driver", buf, len);
	if (ret == -ENOENT)
		ret = 0;
	return ret;
}

int
pci_scan_one(const char *root, const char *bdf, struct pci_dev *dev)
{
	struct vdk_pci_device *d = &dev->pub;
	char dir[PATH_MAX];
	uint64_t v;
	int ret;

	memset(dev, 0, sizeof(*dev));
	d->devargs = "";
	if (vdk_pci_addr_parse(bdf, &d->addr) < 0)
		return -EINVAL;
	vdk_pci_addr_format(&d->addr, d->name, sizeof(d->name));
	if ((size_t)snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, bdf) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (access(dir, F_OK) != 0)
		return -errno;

	/* Without vendor and device no driver could match: skip it. */
	ret = read_hex_file(dir, "vendor", 0xffff, &v);
	if (ret < 0)
		goto unidentified;
	d->id.vendor_id = (uint16_t)v;
	ret = read_hex_file(dir, "device", 0xffff, &v);
	if (ret < 0)
		goto unidentified;
	d->id.device_id = (uint16_t)v;

	d->id.subsystem_vendor_id = read_hex_file(dir, "subsystem_vendor", 0xffff, &v) == 0 ?
				    (uint16_t)v : 0;
	d->id.subsystem_device_id = read_hex_file(dir, "subsystem_device", 0xffff, &v) == 0 ?
				    (uint16_t)v : 0;
	d->id.class_id = read_hex_file(dir, "class", 0xffffff, &v) == 0 ? (uint32_t)v : 0;
	d->numa_node = read_numa_node(dir, d->name);
	read_resources(dir, d->name, d->bars);
	d->iommu_group = read_iommu_group(dir, d->name);
	if (read_link_name(dir, "driver", d->kdrv_name, sizeof(d->kdrv_name)) < 0)
		d->kdrv_name[0] = '\0';
	d->kdrv = pci_kdrv_from_name(d->kdrv_name);
	return 0;

unidentified:
	if (ret == -ENOENT)
		VDK_LOG(WARNING, PCI, "%s: no vendor or device file in %s: skipped", bdf, dir);
	else
		VDK_LOG(WARNING, PCI, "%s: vendor/device ID unreadable: skipped", bdf);
	return -EINVAL;
}

void
pci_dev_free(struct pci_dev *dev)
{
	if (dev == NULL)
		return;
	free(dev->devargs);
	free(dev);
}

static int
cmp_dev_ptr(const void *a, const void *b)
{
	const struct pci_dev *da = *(struct pci_dev *const *)a;
	const struct pci_dev *db = *(struct pci_dev *const *)b;

	return vdk_pci_addr_cmp(&da->pub.addr, &db->pub.addr);
}

int
pci_scan_all(const char *root, struct pci_dev_list *list)
{
	struct pci_dev **found = NULL;
	size_t nb = 0, cap = 0;
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/bus/pci/devices", root) >= sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (d == NULL) {
		ret = -errno;
		VDK_LOG(ERR, PCI, "cannot read %s: %s", dir, strerror(-ret));
		return ret;
	}
	while ((e = readdir(d)) != NULL) {
		struct vdk_pci_addr addr;
		struct pci_dev *dev;

		if (e->d_name[0] == '.')
			continue;
		if (vdk_pci_addr_parse(e->d_name, &addr) < 0) {
			VDK_LOG(DEBUG, PCI, "%s/%s is not a PCI address: ignored", dir, e->d_name);
			continue;
		}
		dev = malloc(sizeof(*dev));
		if (dev == NULL) {
			ret = -ENOMEM;
			break;
		}
		if (pci_scan_one(root, e->d_name, dev) < 0) {
			free(dev);
			continue;
		}
		if (nb == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct pci_dev **n = realloc(found, ncap * sizeof(*n));

			if (n == NULL) {
				free(dev);
				ret = -ENOMEM;
				break;
			}
			found = n;
			cap = ncap;
		}
		found[nb++] = dev;
	}
	closedir(d);
	if (ret < 0) {
		VDK_LOG(ERR, PCI, "out of memory scanning %s after %zu devices", dir, nb);
		for (size_t i = 0; i < nb; i++)
			pci_dev_free(found[i]);
		free(found);
		return ret;
	}
	if (nb > 0)
		qsort(found, nb, sizeof(*found), cmp_dev_ptr);
	for (size_t i = 0; i < nb; i++)
		TAILQ_INSERT_TAIL(list, found[i], next);
	free(found);
	return (int)nb;
}
