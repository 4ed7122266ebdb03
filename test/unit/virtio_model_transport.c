/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio-net model's feature negotiation (virtio 1.0 §3.1.1 steps 4-6,
 * §4.1.4.3), for a program linked with
 * -Wl,--wrap=virtio_pci_device_features,--wrap=virtio_pci_driver_features,
 * --wrap=virtio_pci_add_status (and --wrap=virtio_pci_reset, for a reset
 * that never completes): the driver's calls come here, the model answers
 * as a device whose registers have side effects would. Calls for a
 * virtio_pci that is not the model's go through unchanged.
 */
#include <errno.h>
#include <string.h>

#include "virtio_model.h"

uint64_t __real_virtio_pci_device_features(struct virtio_pci *vp);
void __real_virtio_pci_driver_features(struct virtio_pci *vp, uint64_t features);
void __real_virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits);
uint64_t __wrap_virtio_pci_device_features(struct virtio_pci *vp);
void __wrap_virtio_pci_driver_features(struct virtio_pci *vp, uint64_t features);
void __wrap_virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits);
int __real_virtio_pci_reset(struct virtio_pci *vp);
int __wrap_virtio_pci_reset(struct virtio_pci *vp);

/* The model whose port @vp is, or NULL: its name says so ("model<port>"). */
static struct virtio_model *
model_of(struct virtio_pci *vp)
{
	struct virtio_model *m;

	if (strncmp(vp->pdev->name, "model", 5) != 0)
		return NULL;
	m = vdk_container_of(vp->pdev, struct virtio_model, pci.pub);
	return m->port != NULL && &m->port->vp == vp ? m : NULL;
}

/* Both halves of device_feature, as device_feature_select would give them. */
uint64_t
__wrap_virtio_pci_device_features(struct virtio_pci *vp)
{
	struct virtio_model *m = model_of(vp);

	return m != NULL ? m->dev_features : __real_virtio_pci_device_features(vp);
}

void
__wrap_virtio_pci_driver_features(struct virtio_pci *vp, uint64_t features)
{
	struct virtio_model *m = model_of(vp);

	__real_virtio_pci_driver_features(vp, features);
	if (m != NULL)
		m->drv_features = features;
}

/* §2.2.1: the device clears FEATURES_OK if it does not accept the driver's features. */
void
__wrap_virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits)
{
	struct virtio_model *m = model_of(vp);

	__real_virtio_pci_add_status(vp, bits);
	if (m == NULL || !(bits & VIRTIO_STATUS_FEATURES_OK))
		return;
	if ((m->drv_features & ~m->dev_features) != 0 ||
	    (m->drv_features & m->required) != m->required) {
		m->common->device_status = (uint8_t)(m->common->device_status &
						     ~VIRTIO_STATUS_FEATURES_OK);
		m->nb_refused++;
	}
}

/* §4.1.4.3.2: a device stuck in its reset never lets device_status read 0. */
int
__wrap_virtio_pci_reset(struct virtio_pci *vp)
{
	struct virtio_model *m = model_of(vp);

	if (m != NULL)
		m->nb_resets++;
	if (m == NULL || !m->reset_stuck)
		return __real_virtio_pci_reset(vp);
	vp->common->device_status = 0;
	return -ETIMEDOUT;
}
