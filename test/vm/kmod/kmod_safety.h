/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the two vdk_vfio.ko host-safety programs share (doc/vdk_vfio.md,
 * "Safety"): test_vdk_vfio_safety_mmio.c (what reaches the device's
 * registers) and test_vdk_vfio_safety_lifetime.c (locks, removal, pins,
 * ownership, state left to the next user). A device opened whole (group,
 * IOMMU and device fd) and its BAR0 mapped, the tracking of what a test
 * started so that its teardown can undo it after a failed assertion, and
 * the programs' main (cmocka asserts: include after cmocka.h,
 * kmod_util.h and kmod_cfg.h).
 *
 * usage of both: PROGRAM NVME_BDF NIC_BDF
 * (VDK_VM_NVME1, set by vm-run: a third NVMe, left driverless)
 */
#ifndef KMOD_SAFETY_H
#define KMOD_SAFETY_H

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE		4096ull
#define IOVA		0x100000000ull
#define DRV		"/sys/bus/pci/drivers/vdk-vfio-pci/"

/* NVMe 1.4 section 3.1 controller registers */
#define NVME_VS		0x08
#define NVME_CC		0x14
#define NVME_CSTS	0x1c
#define NVME_AQA	0x24
#define NVME_ASQ	0x28
#define NVME_ACQ	0x30
#define NVME_VERSION	0x00010400u

static const char *nvme_bdf;
static const char *nic_bdf;
static long foll_pins_at_start;

struct dev {
	int group;
	int iommu;
	int fd;
	volatile uint32_t *bar;
	size_t bar_len;
};

/*
 * What a test started, so that teardown can undo it when an assertion
 * ends the test early: children (killed), BAR mappings (a mapping keeps
 * the device open), and every fd above stderr.
 */
static pid_t children[8];
static unsigned int nchildren;
static struct { void *addr; size_t len; } maps[8];
static unsigned int nmaps;

static inline pid_t track_child(pid_t pid)
{
	if (pid > 0 && nchildren < 8)
		children[nchildren++] = pid;
	return pid;
}

static inline void *track_map(void *addr, size_t len)
{
	if (addr != MAP_FAILED && nmaps < 8) {
		maps[nmaps].addr = addr;
		maps[nmaps++].len = len;
	}
	return addr;
}

static inline void dev_open(struct dev *d, const char *bdf)
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

/* BAR0 from its start, up to the MSI-X table's pages. */
static inline void bar_map(struct dev *d)
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

static inline void dev_close(struct dev *d)
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

/* Every test leaves nothing pinned, by the module's and the kernel's count. */
static inline int teardown(void **state)
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

static inline void set_command(int fd, uint16_t set, uint16_t clear)
{
	uint16_t cmd = cfg_read(fd, PCI_COMMAND, 2);

	assert_int_equal(cfg_write(fd, PCI_COMMAND, (cmd | set) & ~clear, 2),
			 2);
}

/* The kernel's pin count before any test: 0, or -1 if it cannot be read. */
static inline int kmod_safety_pins_at_start(void)
{
	foll_pins_at_start = kmod_foll_pins();
	if (foll_pins_at_start == LONG_MIN) {
		fprintf(stderr, "cannot read nr_foll_pin_* from /proc/vmstat\n");
		return -1;
	}
	return 0;
}

/* main's body: run the array @tests (each with teardown()) as @name. */
#define KMOD_SAFETY_MAIN(name, tests, argc, argv)			\
	(kmod_args(argc, argv, &nvme_bdf, &nic_bdf) ? 2 :		\
	 kmod_safety_pins_at_start() ? 2 :				\
	 cmocka_run_group_tests_name(name, tests, NULL, NULL))

#endif /* KMOD_SAFETY_H */
