/* SPDX-License-Identifier: BSD-3-Clause */
/* What kmod_safety.h declares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kmod_util.h"
#include "kmod_cfg.h"
#include "kmod_safety.h"

const char *nvme_bdf;
const char *nic_bdf;
long foll_pins_at_start;
pid_t children[8];
unsigned int nchildren;
static struct { void *addr; size_t len; } maps[8];
static unsigned int nmaps;
pid_t track_child(pid_t pid)
{
	if (pid > 0 && nchildren < 8)
		children[nchildren++] = pid;
	return pid;
}

void *track_map(void *addr, size_t len)
{
	if (addr != MAP_FAILED && nmaps < 8) {
		maps[nmaps].addr = addr;
		maps[nmaps++].len = len;
	}
	return addr;
}

void dev_open(struct dev *d, const char *bdf)
{
	memset(d, 0, sizeof(*d));
	d->group = kmod_group_open(bdf);
	assert_true(d->group >= 0);
	d->iommu = (int)kmod_ioctl(d->group, VDK_VFIO_GROUP_GET_IOMMU_FD, NULL);
	assert_true(d->iommu >= 0);
	d->fd = (int)kmod_ioctl(d->group, VDK_VFIO_GROUP_GET_DEVICE_FD,
				(void *)bdf);
	assert_true(d->fd >= 0);
}

void bar_map(struct dev *d)
{
	struct kmod_region r;
	size_t len;
	void *p;

	assert_int_equal(kmod_region(d->fd, 0, &r), 0);
	len = kmod_region_map_len(&r);
	assert_true(len > 0);
	p = track_map(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   d->fd, r.info.offset), len);
	assert_true(p != MAP_FAILED);
	/*
	 * A mapping holds the device open: an unbinding child must not
	 * inherit it (the module refuses to copy it; older modules did not).
	 */
	assert_int_equal(madvise(p, len, MADV_DONTFORK), 0);
	d->bar = p;
	d->bar_len = len;
}

void dev_close(struct dev *d)
{
	if (d->bar)
		munmap((void *)d->bar, d->bar_len);
	if (d->fd > 0)
		close(d->fd);
	if (d->iommu > 0)
		close(d->iommu);
	if (d->group > 0)
		close(d->group);
	memset(d, 0, sizeof(*d));
}

int teardown(void **state)
{
	char path[128];
	unsigned int i;
	int fd;

	(void)state;
	kmod_param("test_fault", "0");
	/* an unbinding child waits for these: let them go before reaping */
	for (i = 0; i < nchildren; i++)
		kill(children[i], SIGKILL);
	for (i = 0; i < nmaps; i++)
		munmap(maps[i].addr, maps[i].len);
	nmaps = 0;
	for (fd = 3; fd < 256; fd++)
		close(fd);
	for (i = 0; i < nchildren; i++)
		waitpid(children[i], NULL, 0);
	nchildren = 0;
	/* an unbind test that failed half-way: the device comes back */
	snprintf(path, sizeof(path), DRV "%s", nvme_bdf);
	if (access(path, F_OK))
		kmod_sysfs_write("/sys/bus/pci/drivers_probe", nvme_bdf);
	if (kmod_pinned_pages() != 0 || kmod_debugfs("dma_mappings") != 0) {
		fprintf(stderr, "teardown: the module still counts pins\n");
		return -1;
	}
	if (kmod_foll_pins() != foll_pins_at_start) {
		fprintf(stderr, "teardown: /proc/vmstat counts %ld pages pinned and not released\n",
			kmod_foll_pins() - foll_pins_at_start);
		return -1;
	}
	return 0;
}

void set_command(int fd, uint16_t set, uint16_t clear)
{
	uint16_t cmd = cfg_read(fd, PCI_COMMAND, 2);

	assert_int_equal(cfg_write(fd, PCI_COMMAND, (cmd | set) & ~clear, 2),
			 2);
}

int kmod_safety_pins_at_start(void)
{
	foll_pins_at_start = kmod_foll_pins();
	if (foll_pins_at_start == LONG_MIN) {
		fprintf(stderr, "cannot read nr_foll_pin_* from /proc/vmstat\n");
		return -1;
	}
	return 0;
}
