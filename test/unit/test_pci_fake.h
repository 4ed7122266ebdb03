/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the PCI tests share: a fake sysfs tree built in a temporary folder,
 * and a fake VFIO backend whose devices are memfds with config space and
 * BARs at fixed offsets, so that the bus, BAR mapping, DMA bookkeeping and
 * interrupts run their real code without a kernel that has VFIO.
 * A compiled fixture (test_pci_fake.c), linked by every test that uses it.
 */
#ifndef TEST_PCI_FAKE_H
#define TEST_PCI_FAKE_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eal_pci_internal.h"
#include "eal_vfio_internal.h"

/* ---- fake sysfs ---- */

/* The tree's root, made by fake_sysfs_create(). */
extern char fake_root[PATH_MAX];

/* snprintf that must fit: a test path that does not is a bug in the test. */
void fake_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* mkdir -p @path. */
void fake_mkdirs(const char *path);
/* Write @content to ROOT/@rel, making its folders. */
void fake_write(const char *rel, const char *content);
/* ROOT/@rel a symlink to @target, replacing what was there. */
void fake_symlink(const char *rel, const char *target);
void fake_unlink(const char *rel);
/* Write @content to the device's sysfs file @name. */
void fake_dev_file(const char *bdf, const char *name, const char *content);
/* Bind @bdf to @driver in the fake tree ("" unbinds). */
void fake_dev_bind(const char *bdf, const char *driver);
/*
 * A complete device: IDs, class, NUMA node 0, BAR0 of 16 KiB (64-bit,
 * prefetchable off), BAR4 as 32 bytes of I/O ports, IOMMU group @group
 * (-1: none) and kernel driver @driver ("" for none).
 */
void fake_dev(const char *bdf, unsigned int vendor, unsigned int device, unsigned int class_code,
	      int group, const char *driver);
/* A fresh empty tree with an empty bus/pci/devices. */
void fake_sysfs_create(void);
void fake_sysfs_destroy(void);

/* ---- fake VFIO backend ---- */

#define FAKE_REGION_STRIDE 0x100000ull
#define FAKE_MAX_DEVS 8
#define FAKE_MAX_MAPS 512
#define FAKE_BAR0_SIZE 0x4000
#define FAKE_BAR2_SIZE 0x2000
#define FAKE_BAR4_SIZE 0x20
#define FAKE_DOMAIN 42
/* INTx, MSI, MSI-X, ERR and REQ, as VFIO numbers a PCI device's IRQ indexes. */
#define FAKE_IRQ_INDEXES (EAL_VFIO_IRQ_REQ + 1)

struct fake_device {
	char bdf[32];
	int fd;		/* -1 while closed */
	unsigned int resets;
	unsigned int unmasks;
	/* Vectors with an eventfd set, per index; the REQ index included. */
	int irq_nb[FAKE_IRQ_INDEXES];
	int irq_efd[FAKE_IRQ_INDEXES][8];
	int irq_set_err;
};

struct fake_map {
	uint64_t va, iova, len;
};

/* The fake backend: failures to inject, and what it saw. */
struct fake_state {
	int open_err;		/* container */
	int group_open_err;
	bool group_noiommu;
	int viable;		/* 1 viable, 0 not, <0 error */
	int attach_err;
	int device_open_err;
	int device_info_err;
	bool no_reset;
	bool no_config;
	bool no_req;		/* a kernel without the device request interrupt */
	int map_err;
	unsigned int map_fail_at;	/* fail the n-th map call (1-based), 0: never */
	unsigned int map_calls;
	unsigned int nb_ranges;
	struct eal_vfio_range ranges[4];
	bool container_open;
	unsigned int groups_open;
	unsigned int groups_attached;
	unsigned int devices_open;
	unsigned int maps_total;
	unsigned int nb_maps;
	struct fake_map maps[FAKE_MAX_MAPS];
	unsigned int unmap_misses;
	struct fake_device devs[FAKE_MAX_DEVS];
	unsigned int nb_devs;
};
extern struct fake_state fake;

/* The backend: install it with eal_vfio_set_backend() or call its ops. */
extern const struct eal_vfio_backend fake_backend;

/* Whether the backend holds a DMA mapping of exactly @len bytes at @va. */
bool fake_is_mapped(uint64_t va, uint64_t len);
/* Forget every injected failure and record; one full IOVA range. */
void fake_backend_reset(void);
/*
 * Unregister every driver but @keep (NULL: all), so that a test's driver
 * is the only one the fake devices are offered to.
 */
void fake_drivers_set_aside(const struct vdk_pci_driver *keep);
void fake_drivers_restore(void);

#endif /* TEST_PCI_FAKE_H */
