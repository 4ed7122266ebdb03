/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio 1.0 PCI transport: find the structures, reset, status,
 * features, device configuration and queue set-up. Section numbers are
 * those of "Virtual I/O Device (VIRTIO) Version 1.0" (OASIS, 2016).
 */
#include <errno.h>
#include <string.h>

#include "vdk_cycles.h"
#include "virtio_internal.h"

#define VIRTIO_RESET_TIMEOUT_US 1000000
/* Guards the capability walk against a looped list. */
#define VIRTIO_MAX_CAPS 48
/* Reads of the device configuration before it counts as never settling. */
#define VIRTIO_CFG_TRIES 64

static void *
cap_map(struct virtio_pci *vp, const struct virtio_pci_cap *cap, uint32_t min_len)
{
	struct vdk_pci_device *pdev = vp->pdev;
	size_t bar_len;
	void *bar;
	int ret;

	if (cap->bar >= VDK_PCI_MAX_BARS || cap->length < min_len) {
		VIRTIO_LOG(ERR, "%s: capability of type %u names BAR %u with %u bytes: unusable",
			   pdev->name, cap->cfg_type, cap->bar, cap->length);
		return NULL;
	}
	ret = vdk_pci_map_bar(pdev, cap->bar, &bar, &bar_len);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: cannot map BAR %u: %s", pdev->name, cap->bar, strerror(-ret));
		return NULL;
	}
	if ((uint64_t)cap->offset + cap->length > bar_len) {
		VIRTIO_LOG(ERR, "%s: capability of type %u reaches past the end of BAR %u",
			   pdev->name, cap->cfg_type, cap->bar);
		return NULL;
	}
	return (uint8_t *)bar + cap->offset;
}

/*
 * §4.1.4 Virtio Structure PCI Capabilities: every structure is named by a
 * vendor-specific capability; take the first of each type (§4.1.4.1: the
 * device lists its preferred one first).
 */
int
virtio_pci_init(struct virtio_pci *vp, struct vdk_pci_device *pdev)
{
	struct virtio_pci_cap cap;
	uint8_t pos = 0, status = 0;
	unsigned int n;
	int ret;

	memset(vp, 0, sizeof(*vp));
	vp->pdev = pdev;
	ret = vdk_pci_cfg_read(pdev, &status, 1, 0x06);
	if (ret == 0 && !(status & 0x10)) {
		VIRTIO_LOG(ERR, "%s: no PCI capability list: not a virtio 1.0 device", pdev->name);
		return -EIO;
	}
	if (ret == 0)
		ret = vdk_pci_cfg_read(pdev, &pos, 1, 0x34);
	for (n = 0; ret == 0 && pos >= 0x40 && n < VIRTIO_MAX_CAPS; n++) {
		pos &= 0xfc;
		ret = vdk_pci_cfg_read(pdev, &cap, sizeof(cap), pos);
		if (ret != 0)
			break;
		if (cap.cap_vndr == VIRTIO_PCI_CAP_VNDR && cap.cap_len >= sizeof(cap)) {
			switch (cap.cfg_type) {
			case VIRTIO_PCI_CAP_COMMON_CFG:
				if (vp->common == NULL)
					vp->common = cap_map(vp, &cap,
							     sizeof(struct virtio_pci_common_cfg));
				break;
			case VIRTIO_PCI_CAP_NOTIFY_CFG:
				/* §4.1.4.4: notify_off_multiplier follows the capability. */
				if (vp->notify_base == NULL && cap.cap_len >= sizeof(cap) + 4) {
					ret = vdk_pci_cfg_read(pdev, &vp->notify_mult, 4,
							       pos + sizeof(cap));
					vp->notify_base = cap_map(vp, &cap, 2);
					vp->notify_len = cap.length;
				}
				break;
			case VIRTIO_PCI_CAP_ISR_CFG:
				if (vp->isr == NULL)
					vp->isr = cap_map(vp, &cap, 1);
				break;
			case VIRTIO_PCI_CAP_DEVICE_CFG:
				if (vp->device == NULL) {
					vp->device = cap_map(vp, &cap, 1);
					vp->device_len = cap.length;
				}
				break;
			default:
				break;
			}
		}
		pos = cap.cap_next;
	}
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: reading the capability list failed: %s", pdev->name,
			   strerror(-ret));
		return ret == -ENODEV ? -EIO : ret;
	}
	if (vp->common == NULL || vp->notify_base == NULL || vp->isr == NULL ||
	    vp->device == NULL) {
		VIRTIO_LOG(ERR, "%s: missing virtio structures (common %s, notify %s, isr %s, "
			   "device %s): not a modern (1.0) virtio device, or a legacy-only one; "
			   "give QEMU disable-legacy=on", pdev->name,
			   vp->common ? "yes" : "no", vp->notify_base ? "yes" : "no",
			   vp->isr ? "yes" : "no", vp->device ? "yes" : "no");
		return -EIO;
	}
	return 0;
}

uint8_t
virtio_pci_get_status(struct virtio_pci *vp)
{
	return vp->common->device_status;
}

void
virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits)
{
	vp->common->device_status = (uint8_t)(vp->common->device_status | bits);
}

/*
 * How device_status is read while a reset completes. A test that compiles
 * this file into itself may define it to model a device whose reset never
 * completes: plain memory reads back the 0 just written.
 */
#ifndef VIRTIO_PCI_RESET_STATUS
#define VIRTIO_PCI_RESET_STATUS(vp) ((vp)->common->device_status)
#endif

/* §4.1.4.3.2: after writing 0, wait until device_status reads 0. */
int
virtio_pci_reset(struct virtio_pci *vp)
{
	struct vdk_deadline deadline = vdk_deadline_in_us(VIRTIO_RESET_TIMEOUT_US);

	vp->common->device_status = 0;
	while (VIRTIO_PCI_RESET_STATUS(vp) != 0) {
		if (vdk_deadline_passed(deadline)) {
			if (VIRTIO_PCI_RESET_STATUS(vp) == 0)
				break;
			VIRTIO_LOG(ERR, "%s: device_status did not read 0 within %u ms of a reset: "
				   "the device is stuck; reset the function (write 1 to "
				   "/sys/bus/pci/devices/%s/reset) or reboot", vp->pdev->name,
				   VIRTIO_RESET_TIMEOUT_US / 1000, vp->pdev->name);
			return -ETIMEDOUT;
		}
		vdk_sleep_us(1000);
	}
	return 0;
}

uint64_t
virtio_pci_device_features(struct virtio_pci *vp)
{
	uint64_t lo, hi;

	vp->common->device_feature_select = 0;
	lo = vp->common->device_feature;
	vp->common->device_feature_select = 1;
	hi = vp->common->device_feature;
	return lo | hi << 32;
}

void
virtio_pci_driver_features(struct virtio_pci *vp, uint64_t features)
{
	vp->common->driver_feature_select = 0;
	vp->common->driver_feature = (uint32_t)features;
	vp->common->driver_feature_select = 1;
	vp->common->driver_feature = (uint32_t)(features >> 32);
}

/*
 * How config_generation is read. A test that compiles this file into
 * itself may define it to model a device whose configuration never
 * settles: plain memory cannot change between two reads.
 */
#ifndef VIRTIO_PCI_CONFIG_GENERATION
#define VIRTIO_PCI_CONFIG_GENERATION(vp) ((vp)->common->config_generation)
#endif

/*
 * §4.1.4.3.1: config_generation changes when the device changes its
 * configuration; read until it is the same before and after. A device
 * that changes it every time is not waited for forever: a configuration
 * changes rarely (a link going up or down), so VIRTIO_CFG_TRIES reads that
 * all saw a change mean the device is broken.
 */
int
virtio_pci_read_dev_cfg(struct virtio_pci *vp, size_t off, void *buf, size_t len)
{
	uint8_t gen, *out = buf;
	unsigned int tries;
	size_t i;

	if (off + len > vp->device_len) {
		memset(buf, 0, len);
		return -ERANGE;
	}
	for (tries = 0; tries < VIRTIO_CFG_TRIES; tries++) {
		gen = VIRTIO_PCI_CONFIG_GENERATION(vp);
		for (i = 0; i < len; i++)
			out[i] = vp->device[off + i];
		if (gen == VIRTIO_PCI_CONFIG_GENERATION(vp))
			return 0;
	}
	VIRTIO_LOG(ERR, "%s: config_generation changed on each of %u reads of the device "
		   "configuration: the device is broken; reset the port", vp->pdev->name,
		   VIRTIO_CFG_TRIES);
	memset(buf, 0, len);
	return -EIO;
}

uint16_t
virtio_pci_num_queues(struct virtio_pci *vp)
{
	return vp->common->num_queues;
}

uint16_t
virtio_pci_queue_max(struct virtio_pci *vp, uint16_t idx)
{
	vp->common->queue_select = idx;
	return vp->common->queue_size;
}

int
virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t idx, uint16_t size, uint64_t desc,
		       uint64_t avail, uint64_t used, uint16_t vector,
		       volatile uint16_t **notify)
{
	volatile struct virtio_pci_common_cfg *c = vp->common;
	uint64_t off;

	c->queue_select = idx;
	c->queue_size = size;
	c->queue_desc_lo = (uint32_t)desc;
	c->queue_desc_hi = (uint32_t)(desc >> 32);
	c->queue_avail_lo = (uint32_t)avail;
	c->queue_avail_hi = (uint32_t)(avail >> 32);
	c->queue_used_lo = (uint32_t)used;
	c->queue_used_hi = (uint32_t)(used >> 32);
	c->queue_msix_vector = vector;
	if (c->queue_msix_vector != vector) {
		VIRTIO_LOG(ERR, "%s: queue %u: the device refused MSI-X vector %u",
			   vp->pdev->name, idx, vector);
		return -EIO;
	}
	/* §4.1.4.4: queue_notify_off times the multiplier, within the capability. */
	off = (uint64_t)c->queue_notify_off * vp->notify_mult;
	if (off + 2 > vp->notify_len) {
		VIRTIO_LOG(ERR, "%s: queue %u: notification offset %llu outside the %u-byte "
			   "notify structure", vp->pdev->name, idx, (unsigned long long)off,
			   vp->notify_len);
		return -ERANGE;
	}
	*notify = (volatile uint16_t *)(vp->notify_base + off);
	c->queue_enable = 1;
	return 0;
}

int
virtio_pci_config_vector(struct virtio_pci *vp, uint16_t vector)
{
	vp->common->msix_config = vector;
	return vp->common->msix_config == vector ? 0 : -EIO;
}
