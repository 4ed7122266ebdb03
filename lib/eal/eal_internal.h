/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the EAL's parts share inside libvdk: the parsed configuration and
 * the init/cleanup steps vdk_eal_init() runs in order.
 */
#ifndef EAL_INTERNAL_H
#define EAL_INTERNAL_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdk_eal.h"

#define EAL_MAX_NUMA_NODES 8
#define EAL_MAX_DEVARGS 64

/* --vfio-backend: what opens PCI devices (eal_vfio_select.c). */
enum eal_vfio_choice {
	EAL_VFIO_AUTO = 0,	/* by each device's kernel driver */
	EAL_VFIO_MAINLINE,	/* the kernel's vfio-pci */
	EAL_VFIO_VDK,		/* VDK's vdk_vfio module */
};

/* The options as parsed; defaults filled in by eal_config_defaults(). */
struct eal_config {
	bool lcore_enabled[VDK_MAX_LCORE];
	unsigned int lcore_cpu[VDK_MAX_LCORE];	/* lcore id -> CPU */
	unsigned int main_lcore;
	bool no_huge;
	bool no_pci;
	bool no_telemetry;			/* --no-telemetry */
	size_t mem_mb;				/* -m: reserve up front; 0 = grow on demand */
	size_t socket_mem_mb[EAL_MAX_NUMA_NODES]; /* --socket-mem */
	bool socket_mem_set;
	char huge_dir[PATH_MAX];		/* --huge-dir, "" = find a mount */
	char file_prefix[64];			/* --file-prefix, default "vdk" */
	enum vdk_iova_mode iova_mode;
	enum eal_vfio_choice vfio_backend;
	struct vdk_devargs devargs[EAL_MAX_DEVARGS];
	unsigned int nb_devargs;
};

extern struct eal_config eal_cfg;

/* eal_options.c: parse into @cfg; returns args consumed or -EINVAL/-ECANCELED. */
void eal_config_defaults(struct eal_config *cfg);
int eal_parse_args(struct eal_config *cfg, int argc, char **argv);
void eal_config_release(struct eal_config *cfg);

/* eal_memory.c: segments, hugepage backing, pagemap. */
int eal_memory_init(const struct eal_config *cfg);
void eal_memory_cleanup(void);

/*
 * Add a segment of at least @len bytes on @socket_id for the heap, calling
 * the ALLOC callbacks. Returns the segment or NULL with errno ENOMEM (no
 * pages, or a callback vetoed), EINVAL (bad node or length), EACCES (PA
 * mode without access to pagemap) or ENODEV (memory not initialised).
 */
const struct vdk_memseg *eal_memseg_alloc(size_t len, int socket_id);
/* Remove a segment the heap no longer uses, calling the FREE callbacks. */
void eal_memseg_free(const struct vdk_memseg *ms);

/* eal_malloc.c and eal_memzone.c. */
int eal_malloc_init(void);
void eal_malloc_cleanup(void);
int eal_memzone_init(void);
void eal_memzone_cleanup(void);

/* eal_lcore.c: start and stop the worker threads. */
int eal_lcore_init(const struct eal_config *cfg);
void eal_lcore_cleanup(void);
/*
 * The CPUs for control threads (telemetry): those the process could run on
 * before the EAL pinned it, less the lcores' CPUs; the main lcore's CPU if
 * none is left. Valid between eal_lcore_init() and eal_lcore_cleanup().
 */
void eal_lcore_ctrl_cpuset(cpu_set_t *set);

/* eal_telemetry.c: the telemetry server, unless --no-telemetry. */
void eal_telemetry_start(const struct eal_config *cfg);
void eal_telemetry_stop(void);

/* eal_log.c: forget per-type levels set by options. */
void eal_log_reset(void);

/* eal_pci.c, eal_vfio.c: the PCI bus over VFIO, unless --no-pci. */
int eal_pci_init(void);
void eal_pci_cleanup(void);
enum vdk_iova_mode eal_vfio_iova_mode_hint(void);

#endif /* EAL_INTERNAL_H */
