/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio 1.0 PCI transport ("Virtual I/O Device (VIRTIO) Version 1.0",
 * OASIS, §4.1 Virtio Over PCI Bus): the vendor-specific capabilities that
 * locate the common, notification, ISR and device configuration
 * structures, and the operations on them that net_virtio needs.
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "vdk_pci.h"

/* §4.1.4 Virtio Structure PCI Capabilities: cfg_type values */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5
#define VIRTIO_PCI_CAP_VNDR       0x09 /* PCI capability ID: vendor-specific */

/* §4.1.4: struct virtio_pci_cap, as it sits in config space */
struct virtio_pci_cap {
	uint8_t cap_vndr;
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;
	uint8_t bar;
	uint8_t padding[3];
	uint32_t offset;
	uint32_t length;
};
static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap is 16 bytes");

/* §4.1.4.3 Common configuration structure layout */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint32_t queue_desc_lo;
	uint32_t queue_desc_hi;
	uint32_t queue_avail_lo;
	uint32_t queue_avail_hi;
	uint32_t queue_used_lo;
	uint32_t queue_used_hi;
};
static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "common cfg is 56 bytes");

/* §2.1 Device Status Field */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

/* §6 Reserved Feature Bits */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32
#define VIRTIO_F_ACCESS_PLATFORM    33

/* §4.1.4.3: "no vector" for msix_config and queue_msix_vector */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* The four structures of one device, mapped. */
struct virtio_pci {
	struct vdk_pci_device *pdev;
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *isr;
	volatile uint8_t *device;     /* device-specific configuration */
	uint32_t device_len;
	volatile uint8_t *notify_base;
	uint32_t notify_len;
	uint32_t notify_mult;         /* notify_off_multiplier */
};

/*
 * Walk the capability list, map the BARs the four structures live in.
 * Returns 0, -ENODEV if a structure is missing (not a modern virtio
 * device: the message says so), or a bus error.
 */
int virtio_pci_init(struct virtio_pci *vp, struct vdk_pci_device *pdev);

/* Write 0 to device_status and wait until it reads back 0 (§4.1.4.3.2). */
int virtio_pci_reset(struct virtio_pci *vp);
uint8_t virtio_pci_get_status(struct virtio_pci *vp);
/* OR @bits into device_status. */
void virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits);

uint64_t virtio_pci_device_features(struct virtio_pci *vp);
void virtio_pci_driver_features(struct virtio_pci *vp, uint64_t features);

/*
 * Read @len bytes of device configuration at @off, consistently
 * (§4.1.4.3.1). Returns 0; -ERANGE if they lie beyond the structure;
 * -EIO if config_generation changed on every one of a bounded number of
 * tries. On error @buf holds zeros.
 */
int virtio_pci_read_dev_cfg(struct virtio_pci *vp, size_t off, void *buf, size_t len);

uint16_t virtio_pci_num_queues(struct virtio_pci *vp);
/* The largest size of queue @idx, 0 if the queue does not exist. */
uint16_t virtio_pci_queue_max(struct virtio_pci *vp, uint16_t idx);
/*
 * Program queue @idx (§4.1.5.1.3 Virtqueue Configuration): its size, ring
 * addresses and MSI-X vector, then enable it. Returns its notification
 * address through @notify, or -EIO if the device kept another vector than
 * asked, -ERANGE if the notification address lies outside its capability.
 */
int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t idx, uint16_t size,
			   uint64_t desc, uint64_t avail, uint64_t used, uint16_t vector,
			   volatile uint16_t **notify);
/* Route configuration changes to MSI-X @vector; -EIO if the device refused it. */
int virtio_pci_config_vector(struct virtio_pci *vp, uint16_t vector);

#endif /* VIRTIO_PCI_H */
