/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the two vdk_vfio.ko host-safety programs share (doc/vdk_vfio.md,
 * "Safety"): test_vdk_vfio_safety_mmio.c (what reaches the device's
 * registers) and test_vdk_vfio_safety_lifetime.c (locks, removal, pins,
 * ownership, state left to the next user). A device opened whole (group,
 * IOMMU and device fd) and its BAR0 mapped, the tracking of what a test
 * started so that its teardown can undo it after a failed assertion, and
 * the programs' main (cmocka asserts: include after cmocka.h,
 * kmod_util.h and kmod_cfg.h). Compiled once (kmod_safety.c), in the
 * kmod test helpers' archive.
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

extern const char *nvme_bdf;
extern const char *nic_bdf;
extern long foll_pins_at_start;

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
 * the device open; kept in kmod_safety.c), and every fd above stderr.
 */
extern pid_t children[8];
extern unsigned int nchildren;

pid_t track_child(pid_t pid);

void *track_map(void *addr, size_t len);

void dev_open(struct dev *d, const char *bdf);

/* BAR0 from its start, up to the MSI-X table's pages. */
void bar_map(struct dev *d);

void dev_close(struct dev *d);

/* Every test leaves nothing pinned, by the module's and the kernel's count. */
int teardown(void **state);

void set_command(int fd, uint16_t set, uint16_t clear);

/* The kernel's pin count before any test: 0, or -1 if it cannot be read. */
int kmod_safety_pins_at_start(void);

/* main's body: run the array @tests (each with teardown()) as @name. */
#define KMOD_SAFETY_MAIN(name, tests, argc, argv)			\
	(kmod_args(argc, argv, &nvme_bdf, &nic_bdf) ? 2 :		\
	 kmod_safety_pins_at_start() ? 2 :				\
	 cmocka_run_group_tests_name(name, tests, NULL, NULL))

#endif /* KMOD_SAFETY_H */
