/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What pci_vm (the EAL on vfio-pci) and test/vm/vdkbackend's vdkb_vm (on
 * vdk_vfio) both need around their checks: one line a check, the EAL's log
 * kept to look for what users read, what the process holds, and a test
 * driver that maps BAR 0 of the devices it is given. One copy, so that the
 * two backends are checked the same way. Each program defines vm_prog (its
 * argv[0] for the EAL) and vm_driver_name (the test driver's name, which
 * its messages and -a ...,driver= name).
 */
#ifndef PCI_VM_HARNESS_H
#define PCI_VM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vdk_intr.h"
#include "vdk_pci.h"

extern const char vm_prog[];
extern const char vm_driver_name[];

/* ---- one line a check ---- */

extern unsigned int passed, failed;

/* "ok - ..." or "FAIL - ...", counted. */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the EAL's log, kept to look for the messages users read ---- */

/* Capture the EAL's log from now on (what an earlier capture kept is dropped). */
void log_capture(void);
/* Stop capturing, show what was logged, indented, and keep it for log_has(). */
void log_release(void);
bool log_has(const char *s);
void log_forget(void);

/* vdk_eal_init with vm_prog and the NULL-terminated arguments. */
int eal_init(const char *first, ...);

/*
 * "BDF,driver=<vm_driver_name>": libvdk's own PMDs (net_e1000e, nvme)
 * register before the program's driver and would claim the devices first.
 */
const char *ours(const char *bdf);

/* ---- what the process holds ---- */

/* Open fds whose target starts with @which ("/dev/vfio/", "anon_inode:[vdk-vfio-iommu]"). */
unsigned int fds_of(const char *which);
/* Mapped device regions: BARs mmapped through either VFIO. */
unsigned int region_mappings(void);
/* A "Field: N kB" line of /proc/self/status (VmLck, VmPin), 0 if absent. */
unsigned long status_kb(const char *field);
/* A hexadecimal attribute of the device in sysfs, 0xffffffff if unreadable. */
unsigned int sysfs_hex(const char *bdf, const char *attr);

/* ---- the test driver ---- */

struct tdev {
	struct vdk_pci_device *dev;
	void *bar0;
	size_t bar0_len;
	unsigned int removed;
};

/* Devices probed so far; a scenario that inits the EAL again sets it to 0. */
extern unsigned int nb_tdevs;
extern const struct vdk_pci_driver t_drv;

struct tdev *tdev_of(const char *bdf);

/* ---- e1000e interrupts ---- */

/* What the last e1000e interrupt callback saw, and when. */
extern struct vm_irq {
	unsigned int calls;
	unsigned int vector;
	uint32_t icr;
	struct timespec when;
} irq;

/* The callback (@arg: the e1000e's struct tdev): clears ICR, records it in irq. */
void on_e1000e_irq(struct vdk_pci_device *dev, unsigned int vector, void *arg);
const char *mode_str(enum vdk_intr_mode m);

/*
 * With interrupts in @mode enabled and on_e1000e_irq registered: mask and
 * clear every cause, route "other" to vector 0 in MSI-X mode (IVAR), unmask
 * LSC, and let a cause left from the device's start fire. Returns the
 * callback count an ICS write is to go beyond.
 */
unsigned int e1000e_arm_lsc(struct tdev *en, enum vdk_intr_mode mode);

/* ---- NVMe ---- */

/* vdk_pci_reset's result; *cc, *csts: the controller's CC and CSTS after, *cmd: PCI command. */
int nvme_reset_and_read(struct tdev *nv, uint32_t *cc, uint32_t *csts, uint16_t *cmd);

#endif /* PCI_VM_HARNESS_H */
