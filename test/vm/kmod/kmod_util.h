/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the vdk_vfio.ko test programs: finding a device's
 * group node, calling ioctls with the errno as the result, reading the
 * module's debugfs counters and the kernel's own pin counters, writing
 * sysfs files, and dropping CAP_IPC_LOCK so that RLIMIT_MEMLOCK applies to
 * a root test process. Compiled once (kmod_util.c), in the kmod test
 * helpers' archive.
 */
#ifndef KMOD_UTIL_H
#define KMOD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vdk_vfio.h>

#define KMOD_DEBUGFS "/sys/kernel/debug/vdk_vfio/"

/*
 * The test programs' command line, NVME_BDF NIC_BDF: 0 with both set, or
 * -EINVAL after the usage line.
 */
int kmod_args(int argc, char **argv, const char **nvme_bdf,
			    const char **nic_bdf);

/* The IOMMU group number of a PCI device, or -errno. */
int kmod_group_id(const char *bdf);

/* Open /dev/vdk-vfio/<group of bdf>; an fd or -errno. */
int kmod_group_open(const char *bdf);

/* ioctl(2) with the result or -errno, for assert_int_equal(). */
long kmod_ioctl(int fd, unsigned long req, void *arg);

long kmod_debugfs(const char *name);

long kmod_pinned_pages(void);

/* A region's info with its sparse-mmap areas, if it has that capability. */
struct kmod_region {
	struct vdk_vfio_region_info info;
	unsigned int nareas;	/* 0: no sparse-mmap capability */
	struct vdk_vfio_region_sparse_mmap_area areas[4];
};

/* GET_REGION_INFO of @index with room for its capabilities: 0 or -errno. */
int kmod_region(int fd, uint32_t index, struct kmod_region *r);

/* How much of a region mmap may take from its start (0: nothing). */
uint64_t kmod_region_map_len(const struct kmod_region *r);

/*
 * A struct vdk_vfio_irq_eventfds with room for KMOD_EVENTFDS_MAX eventfds
 * after it. A union, not a struct that embeds it: a structure ending in a
 * flexible array may only end another one, and clang refuses the GNU
 * extension under -Werror.
 */
#define KMOD_EVENTFDS_MAX 8
union kmod_irq_eventfds {
	struct vdk_vfio_irq_eventfds hdr;
	uint8_t raw[sizeof(struct vdk_vfio_irq_eventfds) +
		    KMOD_EVENTFDS_MAX * sizeof(int32_t)];
};

/* argsz of an irq_eventfds argument that carries @count eventfds */
#define KMOD_EVENTFDS_ARGSZ(count) \
	((uint32_t)(sizeof(struct vdk_vfio_irq_eventfds) + \
		    (count) * sizeof(int32_t)))

/* Write @value to a sysfs (or proc) file: 0 or -errno. */
int kmod_sysfs_write(const char *path, const char *value);

/*
 * Pages pinned with FOLL_PIN and not released yet, by the kernel's own
 * count (/proc/vmstat nr_foll_pin_acquired - nr_foll_pin_released): a
 * witness that does not take the module's word. Nothing else in the guest
 * pins, so it must come back to where a test started. The counters are
 * kept per CPU and folded now and then: stat_refresh folds them first.
 * LONG_MIN if they cannot be read.
 */
long kmod_foll_pins(void);

/* Set a parameter of the loaded module: 0 or -errno. */
int kmod_param(const char *name, const char *value);

/* A field of /proc/self/status in kB (VmPin, VmLck), or -errno. */
long kmod_status_kb(const char *field);

/* Make RLIMIT_MEMLOCK bind even as root. 0 or -errno. */
int kmod_drop_ipc_lock(void);

long kmod_map(int iommu, uint64_t vaddr, uint64_t iova,
			    uint64_t size, uint32_t flags);

#define KMOD_MAP_RW (VDK_VFIO_DMA_MAP_FLAG_MAP | VDK_VFIO_DMA_MAP_FLAG_READ | \
		     VDK_VFIO_DMA_MAP_FLAG_WRITE)

long kmod_unmap(int iommu, uint64_t iova, uint64_t size);

#endif /* KMOD_UTIL_H */
