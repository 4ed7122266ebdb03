/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtio-net device (virtio 1.0, split virtqueues) in the test process,
 * as nvme_model is for NVMe. It owns a fake BAR holding the four virtio
 * PCI structures (common configuration, ISR, device configuration,
 * notifications) and hands net_virtio a port mapped over it, as
 * virtio_pci_init() would; its queues are the driver's own, set up by
 * virtio_pci_queue_setup() on the fake common configuration.
 *
 * The test is the device: it takes what the driver made available and
 * writes the used ring in DMA memory, either as a correct device does
 * (virtio_model_rx_frame(), virtio_model_tx_take()) or anything at all
 * (virtio_model_used_at(), virtio_model_used_idx(), any num_buffers, any
 * length), which is how the unit tests and fuzz_virtio_net reach the
 * driver's checks. IOVAs are addresses: the EAL runs --no-huge --no-pci.
 *
 * Feature negotiation: plain memory cannot give both halves of
 * device_feature through device_feature_select, nor clear FEATURES_OK
 * when the device refuses the driver's choice. A program that links
 * virtio_model_transport.c with -Wl,--wrap for virtio_pci_device_features,
 * virtio_pci_driver_features and virtio_pci_add_status (test_virtio_ethdev)
 * has the model answer those calls: it offers dev_features, records what
 * the driver wrote, and on FEATURES_OK keeps the bit only if the driver
 * asked for nothing it does not offer and for everything in required.
 *
 * config_generation: plain memory cannot change between two reads by the
 * driver, so a program that compiles virtio_pci.c into itself defines
 * VIRTIO_PCI_CONFIG_GENERATION(vp) as virtio_model_generation(vp) and sets
 * gen_hook to answer each read (see test_virtio_pci.c).
 *
 * A reset that never completes, for virtio_ethdev.c: with
 * -Wl,--wrap=virtio_pci_reset as well, set reset_stuck and each reset
 * fails at once with -ETIMEDOUT, the driver's answer after its 1 s bound
 * (test_virtio_pci times the bound itself on the real function).
 *
 * device_status after a reset: plain memory reads back the 0 the driver
 * wrote, so the same program defines VIRTIO_PCI_RESET_STATUS(vp) as
 * virtio_model_reset_status(vp): the first reset_busy_reads reads give
 * the status the device had before the reset (ULONG_MAX: a reset that
 * never completes).
 */
#ifndef VIRTIO_MODEL_H
#define VIRTIO_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "eal_pci_internal.h"
#include "vdk_mempool.h"
#include "virtio_internal.h"

#define VMODEL_BAR_SIZE   0x4000u
#define VMODEL_COMMON_OFF 0x0000u
#define VMODEL_ISR_OFF    0x1000u
#define VMODEL_DEVICE_OFF 0x2000u
#define VMODEL_DEVICE_LEN 0x20u   /* mac, status, max_virtqueue_pairs, mtu */
#define VMODEL_NOTIFY_OFF 0x3000u
#define VMODEL_MAX_VQS    8u

struct virtio_model;

/* The device's side of one split virtqueue. */
struct virtio_model_vq {
	struct virtio_model *m;
	struct virtq *vq;        /* the driver's, for the ring addresses */
	uint16_t last_avail;     /* next avail entry the device takes */
	uint16_t used_idx;       /* the device's used->idx */
};

struct virtio_model {
	uint8_t *bar;
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *device;
	/*
	 * Its name only: the model has no PCI function. The EAL's whole
	 * device, since the driver asks the EAL whether it was removed.
	 */
	struct pci_dev pci;
	struct virtio_port *port;
	struct virtio_model_vq vqs[VMODEL_MAX_VQS];
	/* Feature negotiation (virtio_model_transport.c, see above). */
	uint64_t dev_features;   /* offered */
	uint64_t required;       /* refused unless the driver takes all of these */
	uint64_t drv_features;   /* what the driver wrote */
	unsigned int nb_refused; /* FEATURES_OK writes the device cleared */
	bool reset_stuck;        /* resets never complete (virtio_model_transport.c) */
	unsigned int nb_resets;  /* resets the driver asked for there */
	/* Answers each read of config_generation (see above); NULL: the memory's. */
	uint8_t (*gen_hook)(struct virtio_model *m);
	void *gen_arg;
	unsigned long gen_reads;
	/* Reads of device_status during a reset that still see it busy (see above). */
	unsigned long reset_busy_reads;
	unsigned long reset_status_reads;
};

/*
 * A model whose port negotiated @features (VIRTIO_NET_F_* and
 * VIRTIO_F_* bits), with port id @port_id; NULL if out of memory.
 */
struct virtio_model *virtio_model_create(uint64_t features, uint16_t port_id);
/* Free the model, its port and the queues made by it. */
void virtio_model_free(struct virtio_model *m);

/*
 * Queue pair @qid over the model, as dev_start programs it: created,
 * filled (rx), programmed and published. 0 or a negative errno.
 */
int virtio_model_rxq(struct virtio_model *m, uint16_t qid, uint16_t nb_desc,
		     struct vdk_mempool *mp, struct virtio_rxq **out);
int virtio_model_txq(struct virtio_model *m, uint16_t qid, uint16_t nb_desc,
		     struct virtio_txq **out);
/* Reset a queue as dev_stop then dev_start do; 0 or a negative errno. */
int virtio_model_rxq_restart(struct virtio_model *m, struct virtio_rxq *q);
int virtio_model_txq_restart(struct virtio_model *m, struct virtio_txq *q);

/*
 * Program @vq (rx, tx or the control queue, numbered by its qidx) on the
 * fake common configuration as dev_start does, the device's side of it
 * starting afresh. 0 or a negative errno.
 */
int virtio_model_program(struct virtio_model *m, struct virtq *vq);

/* The device's side of @vq. */
struct virtio_model_vq *virtio_model_vq(struct virtio_model *m, const struct virtq *vq);

/* Avail entries the driver published and the device has not taken. */
uint16_t virtio_model_avail(const struct virtio_model_vq *d);
/* Take the next avail head: its id, or -ENOENT when there is none. */
int virtio_model_take(struct virtio_model_vq *d);
/* Post used entry {@id, @len} at the device's used_idx and publish it. */
void virtio_model_used(struct virtio_model_vq *d, uint32_t id, uint32_t len);
/* Write used entry @slot (taken modulo the size) without publishing. */
void virtio_model_used_at(struct virtio_model_vq *d, uint16_t slot, uint32_t id, uint32_t len);
/* Publish @idx as used->idx, whatever it is. */
void virtio_model_used_idx(struct virtio_model_vq *d, uint16_t idx);

/*
 * Receive @frame as a correct device does: take buffers as needed, write
 * the header (num_buffers) and the data, post them used. Returns the
 * buffers used, or -ENOSPC if too few were available (nothing posted).
 */
int virtio_model_rx_frame(struct virtio_model_vq *d, const void *frame, uint32_t len);

/*
 * Transmit the next avail chain: copy its data (the 12-byte header left
 * out) into @buf of @cap bytes and post it used. Returns the frame's
 * length, or -ENOENT when nothing is avail.
 */
int virtio_model_tx_take(struct virtio_model_vq *d, uint8_t *buf, uint32_t cap);

/* What config_generation reads give in a program that routes them here. */
uint8_t virtio_model_generation(struct virtio_pci *vp);
/* What device_status reads give during a reset, in a program that routes them here. */
uint8_t virtio_model_reset_status(struct virtio_pci *vp);

#endif /* VIRTIO_MODEL_H */
