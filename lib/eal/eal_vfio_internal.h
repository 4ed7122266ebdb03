/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO inside the EAL: the interface a backend implements (the kernel's
 * vfio-pci in eal_vfio_mainline.c, VDK's own vdk_vfio module in
 * eal_vfio_vdk.c, and the choice between them per device in
 * eal_vfio_select.c), and
 * what the backend-neutral layer in eal_vfio.c offers the rest of libvdk:
 * IOMMU groups and domains, and the table of memory mapped for DMA.
 *
 * A backend speaks in file descriptors and plain numbers so that a test
 * can stand in for the kernel with memfds. Region reads, writes and
 * mmaps go straight to the device fd at the region's offset in every
 * backend, so they are not part of the interface.
 */
#ifndef EAL_VFIO_INTERNAL_H
#define EAL_VFIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eal_dma_internal.h"
#include "vdk_eal.h"

/* Region and IRQ indices of a PCI device, as VFIO numbers them. */
#define EAL_VFIO_REGION_BAR0 0
#define EAL_VFIO_REGION_ROM 6
#define EAL_VFIO_REGION_CONFIG 7
#define EAL_VFIO_REGION_COUNT 9
#define EAL_VFIO_IRQ_INTX 0
#define EAL_VFIO_IRQ_MSI 1
#define EAL_VFIO_IRQ_MSIX 2
#define EAL_VFIO_IRQ_COUNT 3	/* the interrupt modes above */
/* Not a device interrupt: the kernel asks for the device back (unbind, removal). */
#define EAL_VFIO_IRQ_REQ 4

#define EAL_VFIO_REGION_F_READ (1u << 0)
#define EAL_VFIO_REGION_F_WRITE (1u << 1)
#define EAL_VFIO_REGION_F_MMAP (1u << 2)

#define EAL_VFIO_DEV_F_RESET (1u << 0)

#define EAL_VFIO_IRQ_F_EVENTFD (1u << 0)
#define EAL_VFIO_IRQ_F_MASKABLE (1u << 1)
#define EAL_VFIO_IRQ_F_AUTOMASKED (1u << 2)

#define EAL_VFIO_MAX_AREAS 8
#define EAL_VFIO_MAX_RANGES 16

/* One part of a region that may be mmapped, relative to the region. */
struct eal_vfio_area {
	uint64_t offset;
	uint64_t size;
};

struct eal_vfio_region {
	uint64_t size;		/* 0: the region does not exist */
	uint64_t offset;	/* of the region in the device fd */
	uint32_t flags;		/* EAL_VFIO_REGION_F_* */
	/*
	 * With F_MMAP: the parts that may be mapped. nb_areas 0 means the
	 * whole region (no sparse-mmap capability).
	 */
	unsigned int nb_areas;
	struct eal_vfio_area areas[EAL_VFIO_MAX_AREAS];
};

/* An IOVA range the IOMMU translates; end is inclusive. */
struct eal_vfio_range {
	uint64_t start;
	uint64_t end;
};

/* What an IRQ action does (VFIO_DEVICE_SET_IRQS). */
enum eal_vfio_irq_action {
	EAL_VFIO_IRQ_TRIGGER,	/* eventfds in efds[], -1 to unset one */
	EAL_VFIO_IRQ_DISABLE,	/* count 0: tear the whole index down */
	EAL_VFIO_IRQ_UNMASK,	/* INTx after the handler ran */
};

/*
 * A backend. Every function returns 0 (or a file descriptor) or a
 * negative errno, and logs what went wrong in terms the user can act on:
 * only the backend knows which module or device node was missing.
 */
struct eal_vfio_backend {
	const char *name;
	/* Open the per-process IOMMU context (the container) and check the API. */
	int (*open)(void);
	void (*close)(void);
	/*
	 * Open IOMMU group @num, wanted for device @bdf: returns its fd and
	 * sets *noiommu for an unsafe no-IOMMU group. -ENOENT if the group
	 * has no node (device not bound to this backend's driver), -EBUSY if
	 * another process holds it, -EACCES without permission; the caller
	 * turns those into advice.
	 */
	int (*group_open)(int num, const char *bdf, bool *noiommu);
	/*
	 * Optional: log why group_open() failed with @err in this backend's
	 * terms (its device nodes, its kernel driver) and return true, or
	 * return false to leave it to the generic words, which speak of
	 * vfio-pci and /dev/vfio.
	 */
	bool (*explain_group_open)(int err, int num, const char *bdf);
	/* 1 if every device of the group is bound to a VFIO driver, else 0. */
	int (*group_viable)(int group_fd);
	/*
	 * Put the group into an IOMMU domain; *domain names it. The first
	 * group of a domain creates it: the caller then reads its info and
	 * maps all DMA memory into it.
	 */
	int (*group_attach)(int group_fd, bool noiommu, int *domain);
	/* Take the group out; the last group out destroys the domain. */
	void (*group_detach)(int group_fd);
	void (*group_close)(int group_fd);
	/* IOVA ranges (up to *nb_ranges on entry) and page sizes of a domain. */
	int (*iommu_info)(int domain, struct eal_vfio_range *ranges,
			  unsigned int *nb_ranges, uint64_t *pgsizes);
	int (*dma_map)(int domain, uint64_t va, uint64_t iova, uint64_t len);
	int (*dma_unmap)(int domain, uint64_t iova, uint64_t len);
	int (*device_open)(int group_fd, const char *bdf);
	void (*device_close)(int device_fd);
	int (*device_info)(int device_fd, uint32_t *flags, uint32_t *nb_regions,
			   uint32_t *nb_irqs);
	int (*region_info)(int device_fd, unsigned int index, struct eal_vfio_region *r);
	int (*irq_info)(int device_fd, unsigned int index, uint32_t *count, uint32_t *flags);
	int (*irq_set)(int device_fd, unsigned int index, enum eal_vfio_irq_action action,
		       unsigned int start, unsigned int count, const int *efds);
	int (*reset)(int device_fd);
};

extern const struct eal_vfio_backend eal_vfio_mainline;
extern const struct eal_vfio_backend eal_vfio_vdk;
/*
 * The default: picks mainline or vdk per device by --vfio-backend and the
 * device's kernel driver, then passes every call to the backend that made
 * the fd it is given.
 */
extern const struct eal_vfio_backend eal_vfio_select;

/*
 * Log why device @bdf, bound to kernel driver @drv ("" for none), cannot
 * be opened under the --vfio-backend in force, and the command that fixes
 * it (eal_vfio_select.c; the PCI bus calls it for a device it refuses).
 */
void eal_vfio_explain_driver(const char *bdf, const char *drv);
/*
 * Log that this process may not open group node @node of @bdf: who owns
 * it, who we are, and the vdk-setup command (with @setup_opts, such as
 * "--driver vdk-vfio-pci ") that gives it to us.
 */
void eal_vfio_explain_no_access(const char *node, const char *bdf, const char *setup_opts);

/* An IOMMU domain: every group in it shares one set of DMA mappings. */
struct eal_vfio_domain {
	int handle;		/* the backend's */
	unsigned int nb_groups;
	bool noiommu;		/* nothing to map: devices see physical addresses */
	unsigned int nb_ranges;
	struct eal_vfio_range ranges[EAL_VFIO_MAX_RANGES];
	uint64_t pgsizes;
};

struct eal_vfio_group {
	int num;
	int fd;
	unsigned int refcnt;	/* open devices */
	bool noiommu;
	struct eal_vfio_domain *domain;
};

/*
 * Use @be for the devices opened from now on; NULL returns to the
 * default, eal_vfio_select. Only while no group is open (tests install a
 * fake). Returns 0 or -EBUSY.
 */
int eal_vfio_set_backend(const struct eal_vfio_backend *be);
const struct eal_vfio_backend *eal_vfio_get_backend(void);

/*
 * Open (or take another reference on) IOMMU group @num for device @bdf:
 * the backend's container is opened on first use, the group's viability
 * checked (the message names what blocks it), the group attached, and a
 * new domain has all DMA memory mapped into it.
 */
int eal_vfio_group_get(int num, const char *bdf, struct eal_vfio_group **group);
void eal_vfio_group_put(struct eal_vfio_group *group);

/* Number of user ranges recorded, and how many domains are live (tests). */
unsigned int eal_vfio_dma_count(void);
unsigned int eal_vfio_domain_count(void);

/* True once a no-IOMMU group was opened. */
bool eal_vfio_noiommu(void);

/*
 * What IOVA mode fits this machine, without opening anything, for
 * vdk_eal_init() to decide before memory is set up: VDK_IOVA_PA when no
 * IOMMU is present and vfio's enable_unsafe_noiommu_mode is on, else
 * VDK_IOVA_VA.
 */
enum vdk_iova_mode eal_vfio_iova_mode_hint(void);

/* Close every group and the container; forget the DMA table. */
void eal_vfio_cleanup(void);

#endif /* EAL_VFIO_INTERNAL_H */
