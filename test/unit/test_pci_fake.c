/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCI tests' fake sysfs tree and fake VFIO backend (test_pci_fake.h). */
#include "test_pci_fake.h"

/* ---- fake sysfs ---- */

char fake_root[PATH_MAX];

/* snprintf that must fit: a test path that does not is a bug in the test. */
void
fake_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "test path too long: %s\n", fmt);
		abort();
	}
}

void
fake_mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	fake_fmt(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
	mkdir(tmp, 0755);
}

/* Write @content to ROOT/@rel, making its folders. */
void
fake_write(const char *rel, const char *content)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	fake_fmt(path, sizeof(path), "%s/%s", fake_root, rel);
	fake_fmt(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	fake_mkdirs(dir);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		abort();
	}
	fputs(content, f);
	fclose(f);
}

void
fake_symlink(const char *rel, const char *target)
{
	char path[PATH_MAX], dir[PATH_MAX];

	fake_fmt(path, sizeof(path), "%s/%s", fake_root, rel);
	fake_fmt(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	fake_mkdirs(dir);
	unlink(path);
	if (symlink(target, path) != 0) {
		perror(path);
		abort();
	}
}

void
fake_unlink(const char *rel)
{
	char path[PATH_MAX];

	fake_fmt(path, sizeof(path), "%s/%s", fake_root, rel);
	unlink(path);
}

void
fake_dev_file(const char *bdf, const char *name, const char *content)
{
	char rel[PATH_MAX];

	fake_fmt(rel, sizeof(rel), "bus/pci/devices/%s/%s", bdf, name);
	fake_write(rel, content);
}

/* Bind @bdf to @driver in the fake tree ("" unbinds). */
void
fake_dev_bind(const char *bdf, const char *driver)
{
	char rel[PATH_MAX], target[PATH_MAX];

	fake_fmt(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
	if (driver[0] == '\0') {
		fake_unlink(rel);
		return;
	}
	fake_fmt(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
	fake_symlink(rel, target);
}

/*
 * A complete device: IDs, class, NUMA node 0, BAR0 of 16 KiB (64-bit,
 * prefetchable off), BAR4 as 32 bytes of I/O ports, IOMMU group @group
 * (-1: none) and kernel driver @driver ("" for none).
 */
void
fake_dev(const char *bdf, unsigned int vendor, unsigned int device, unsigned int class_code,
	 int group, const char *driver)
{
	char buf[512], rel[PATH_MAX], target[PATH_MAX];

	fake_fmt(buf, sizeof(buf), "0x%04x\n", vendor);
	fake_dev_file(bdf, "vendor", buf);
	fake_fmt(buf, sizeof(buf), "0x%04x\n", device);
	fake_dev_file(bdf, "device", buf);
	fake_dev_file(bdf, "subsystem_vendor", "0x1af4\n");
	fake_dev_file(bdf, "subsystem_device", "0x1100\n");
	fake_fmt(buf, sizeof(buf), "0x%06x\n", class_code);
	fake_dev_file(bdf, "class", buf);
	fake_dev_file(bdf, "numa_node", "0\n");
	fake_dev_file(bdf, "resource",
		"0x00000000fe000000 0x00000000fe003fff 0x0000000000140204\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x000000000000c000 0x000000000000c01f 0x0000000000040101\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	if (group >= 0) {
		fake_fmt(rel, sizeof(rel), "bus/pci/devices/%s/iommu_group", bdf);
		fake_fmt(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
		fake_symlink(rel, target);
		fake_fmt(rel, sizeof(rel), "kernel/iommu_groups/%d/devices/%s", group, bdf);
		fake_fmt(target, sizeof(target), "../../../../bus/pci/devices/%s", bdf);
		fake_symlink(rel, target);
	}
	fake_dev_bind(bdf, driver);
}

static int
fake_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh empty tree with an empty bus/pci/devices. */
void
fake_sysfs_create(void)
{
	char path[PATH_MAX];

	fake_fmt(fake_root, sizeof(fake_root), "%s/vdk-pci-test.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fake_root) == NULL) {
		perror("mkdtemp");
		abort();
	}
	fake_fmt(path, sizeof(path), "%s/bus/pci/devices", fake_root);
	fake_mkdirs(path);
}

void
fake_sysfs_destroy(void)
{
	if (fake_root[0] != '\0')
		nftw(fake_root, fake_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fake_root[0] = '\0';
}

/* ---- fake VFIO backend ---- */

struct fake_state fake;

static int
fk_open(void)
{
	if (fake.open_err)
		return fake.open_err;
	fake.container_open = true;
	return 0;
}

static void
fk_close(void)
{
	fake.container_open = false;
}

static int
fk_group_open(int num, const char *bdf, bool *noiommu)
{
	int fd;

	(void)num;
	(void)bdf;
	if (fake.group_open_err)
		return fake.group_open_err;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*noiommu = fake.group_noiommu;
	fake.groups_open++;
	return fd;
}

static int
fk_group_viable(int fd)
{
	(void)fd;
	return fake.viable;
}

static int
fk_group_attach(int fd, bool noiommu, int *domain)
{
	(void)fd;
	(void)noiommu;
	if (fake.attach_err)
		return fake.attach_err;
	fake.groups_attached++;
	*domain = FAKE_DOMAIN;
	return 0;
}

static void
fk_group_detach(int fd)
{
	(void)fd;
	fake.groups_attached--;
}

static void
fk_group_close(int fd)
{
	close(fd);
	fake.groups_open--;
}

static int
fk_iommu_info(int domain, struct eal_vfio_range *r, unsigned int *nb, uint64_t *pgsizes)
{
	(void)domain;
	if (*nb > fake.nb_ranges)
		*nb = fake.nb_ranges;
	memcpy(r, fake.ranges, *nb * sizeof(*r));
	*pgsizes = 0x40201000;
	return 0;
}

static int
fk_dma_map(int domain, uint64_t va, uint64_t iova, uint64_t len)
{
	(void)domain;
	fake.map_calls++;
	if (fake.map_err)
		return fake.map_err;
	if (fake.map_fail_at != 0 && fake.map_calls == fake.map_fail_at)
		return -EFAULT;
	if (fake.nb_maps == FAKE_MAX_MAPS)
		return -ENOSPC;
	fake.maps[fake.nb_maps++] = (struct fake_map){ va, iova, len };
	fake.maps_total++;
	return 0;
}

static int
fk_dma_unmap(int domain, uint64_t iova, uint64_t len)
{
	(void)domain;
	for (unsigned int i = 0; i < fake.nb_maps; i++) {
		if (fake.maps[i].iova == iova && fake.maps[i].len == len) {
			fake.maps[i] = fake.maps[--fake.nb_maps];
			return 0;
		}
	}
	fake.unmap_misses++;
	return -ENOENT;
}

bool
fake_is_mapped(uint64_t va, uint64_t len)
{
	for (unsigned int i = 0; i < fake.nb_maps; i++)
		if (fake.maps[i].va == va && fake.maps[i].len == len)
			return true;
	return false;
}

static struct fake_device *
fake_dev_by_fd(int fd)
{
	for (unsigned int i = 0; i < fake.nb_devs; i++)
		if (fake.devs[i].fd == fd)
			return &fake.devs[i];
	return NULL;
}

/*
 * Config space of the fake device: IDs from the sysfs tree are not
 * needed here, so one fixed layout: 8086:10d3, a capability list
 * PM (0x40) -> MSI-X (0x50) -> PCIe (0x60).
 */
static void
fake_fill_config(uint8_t *cfg)
{
	memset(cfg, 0, 256);
	cfg[0x00] = 0x86; cfg[0x01] = 0x80;
	cfg[0x02] = 0xd3; cfg[0x03] = 0x10;
	cfg[0x06] = 0x10;			/* status: capability list */
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x01; cfg[0x41] = 0x50;
	cfg[0x50] = 0x11; cfg[0x51] = 0x60;
	cfg[0x60] = 0x10; cfg[0x61] = 0x00;
}

static int
fk_device_open(int group_fd, const char *bdf)
{
	struct fake_device *d = NULL;
	uint8_t cfg[256];
	int fd;

	(void)group_fd;
	if (fake.device_open_err)
		return fake.device_open_err;
	for (unsigned int i = 0; i < fake.nb_devs; i++)
		if (strcmp(fake.devs[i].bdf, bdf) == 0)
			d = &fake.devs[i];
	if (d == NULL) {
		if (fake.nb_devs == FAKE_MAX_DEVS)
			return -ENOSPC;
		d = &fake.devs[fake.nb_devs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	}
	if (d->fd > 0)
		return -EBUSY;
	fd = memfd_create("fake-vfio-device", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)(EAL_VFIO_REGION_COUNT * FAKE_REGION_STRIDE)) != 0)
		return -errno;
	fake_fill_config(cfg);
	if (pwrite(fd, cfg, sizeof(cfg), (off_t)(EAL_VFIO_REGION_CONFIG * FAKE_REGION_STRIDE)) !=
	    (ssize_t)sizeof(cfg))
		return -EIO;
	d->fd = fd;
	fake.devices_open++;
	return fd;
}

static void
fk_device_close(int fd)
{
	struct fake_device *d = fake_dev_by_fd(fd);

	close(fd);
	if (d != NULL)
		d->fd = -1;
	fake.devices_open--;
}

static int
fk_device_info(int fd, uint32_t *flags, uint32_t *nb_regions, uint32_t *nb_irqs)
{
	(void)fd;
	if (fake.device_info_err)
		return fake.device_info_err;
	*flags = fake.no_reset ? 0 : EAL_VFIO_DEV_F_RESET;
	*nb_regions = EAL_VFIO_REGION_COUNT;
	*nb_irqs = FAKE_IRQ_INDEXES;
	return 0;
}

static int
fk_region_info(int fd, unsigned int index, struct eal_vfio_region *r)
{
	(void)fd;
	memset(r, 0, sizeof(*r));
	r->offset = index * FAKE_REGION_STRIDE;
	r->flags = EAL_VFIO_REGION_F_READ | EAL_VFIO_REGION_F_WRITE;
	switch (index) {
	case 0:
		r->size = FAKE_BAR0_SIZE;
		r->flags |= EAL_VFIO_REGION_F_MMAP;
		return 0;
	case 2:
		/* The second page holds the MSI-X table: not mappable. */
		r->size = FAKE_BAR2_SIZE;
		r->flags |= EAL_VFIO_REGION_F_MMAP;
		r->nb_areas = 1;
		r->areas[0].offset = 0;
		r->areas[0].size = 0x1000;
		return 0;
	case 4:
		r->size = FAKE_BAR4_SIZE;
		return 0;
	case EAL_VFIO_REGION_CONFIG:
		if (fake.no_config)
			return -EINVAL;
		r->size = 256;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
fk_irq_info(int fd, unsigned int index, uint32_t *count, uint32_t *flags)
{
	(void)fd;
	*flags = EAL_VFIO_IRQ_F_EVENTFD;
	switch (index) {
	case EAL_VFIO_IRQ_MSIX:
		*count = 5;
		return 0;
	case EAL_VFIO_IRQ_MSI:
		*count = 1;
		return 0;
	case EAL_VFIO_IRQ_INTX:
		*count = 1;
		*flags |= EAL_VFIO_IRQ_F_MASKABLE | EAL_VFIO_IRQ_F_AUTOMASKED;
		return 0;
	case EAL_VFIO_IRQ_REQ:
		*count = fake.no_req ? 0 : 1;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
fk_irq_set(int fd, unsigned int index, enum eal_vfio_irq_action action, unsigned int start,
	   unsigned int count, const int *efds)
{
	struct fake_device *d = fake_dev_by_fd(fd);

	if (d == NULL || index >= FAKE_IRQ_INDEXES)
		return -EINVAL;
	if (d->irq_set_err)
		return d->irq_set_err;
	switch (action) {
	case EAL_VFIO_IRQ_TRIGGER:
		if (start + count > 8)
			return -EINVAL;
		memcpy(&d->irq_efd[index][start], efds, count * sizeof(int));
		d->irq_nb[index] = (int)(start + count);
		return 0;
	case EAL_VFIO_IRQ_DISABLE:
		d->irq_nb[index] = 0;
		return 0;
	case EAL_VFIO_IRQ_UNMASK:
		d->unmasks++;
		return 0;
	}
	return -EINVAL;
}

static int
fk_reset(int fd)
{
	struct fake_device *d = fake_dev_by_fd(fd);
	uint8_t cfg[256];

	if (d == NULL)
		return -EINVAL;
	d->resets++;
	fake_fill_config(cfg);
	if (pwrite(fd, cfg, sizeof(cfg), (off_t)(EAL_VFIO_REGION_CONFIG * FAKE_REGION_STRIDE)) !=
	    (ssize_t)sizeof(cfg))
		return -EIO;
	return 0;
}

const struct eal_vfio_backend fake_backend = {
	.name = "fake",
	.open = fk_open,
	.close = fk_close,
	.group_open = fk_group_open,
	.group_viable = fk_group_viable,
	.group_attach = fk_group_attach,
	.group_detach = fk_group_detach,
	.group_close = fk_group_close,
	.iommu_info = fk_iommu_info,
	.dma_map = fk_dma_map,
	.dma_unmap = fk_dma_unmap,
	.device_open = fk_device_open,
	.device_close = fk_device_close,
	.device_info = fk_device_info,
	.region_info = fk_region_info,
	.irq_info = fk_irq_info,
	.irq_set = fk_irq_set,
	.reset = fk_reset,
};

/* Forget every injected failure and record; one full IOVA range. */
void
fake_backend_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.viable = 1;
	fake.nb_ranges = 1;
	fake.ranges[0].start = 0;
	fake.ranges[0].end = (1ull << 48) - 1;
}

/* ---- keeping libvdk's own drivers (net_e1000e, nvme) out of the way ---- */

static const struct vdk_pci_driver *fake_set_aside[64];
static unsigned int fake_nb_set_aside;

/*
 * Unregister every driver but @keep (NULL: all), so that a test's driver
 * is the only one the fake devices are offered to.
 */
void
fake_drivers_set_aside(const struct vdk_pci_driver *keep)
{
	const struct vdk_pci_driver *all[64];
	unsigned int n = eal_pci_driver_list(all, 64);

	fake_nb_set_aside = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (all[i] == keep || vdk_pci_driver_unregister(all[i]) != 0)
			continue;
		fake_set_aside[fake_nb_set_aside++] = all[i];
	}
}

void
fake_drivers_restore(void)
{
	for (unsigned int i = 0; i < fake_nb_set_aside; i++)
		vdk_pci_driver_register(fake_set_aside[i]);
	fake_nb_set_aside = 0;
}

