/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Device interrupts through VFIO: MSI-X, MSI or legacy INTx, each vector
 * delivered to an eventfd.
 *
 * A driver enables a mode with some vectors, then either registers a
 * callback per vector, which the process's one interrupt thread runs
 * (link changes, admin completions: the control path), or takes the
 * vector's eventfd to wait on itself (an lcore that sleeps when idle).
 * The datapath never waits on an interrupt.
 *
 * @code
 * vdk_pci_set_bus_master(dev, 1);	// MSI and MSI-X are DMA writes
 * vdk_intr_enable(dev, VDK_INTR_MODE_MSIX, 1);
 * vdk_intr_callback_register(dev, 0, link_changed, port);
 * @endcode
 *
 * Callbacks run on the interrupt thread ("vdk-intr") one at a time, so a
 * slow callback delays every other one. An INTx callback must clear the
 * cause in the device and then call vdk_intr_unmask(), or no further
 * INTx arrives.
 *
 * Thread-safety: enable, disable and register/unregister for one device
 * must not race each other (they are the device driver's control path);
 * different devices may be handled from different threads.
 */
#ifndef VDK_INTR_H
#define VDK_INTR_H

#include "vdk_pci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** How a device signals. */
enum vdk_intr_mode {
	VDK_INTR_MODE_NONE = 0, /**< off */
	VDK_INTR_MODE_INTX,     /**< legacy pin, level-triggered, one vector */
	VDK_INTR_MODE_MSI,      /**< message signalled */
	VDK_INTR_MODE_MSIX,     /**< message signalled, per-vector table */
	VDK_INTR_MODE_AUTO,     /**< the best the device has: MSI-X, MSI, INTx */
};

/** Runs on the interrupt thread when @p vector fired. */
typedef void (*vdk_intr_callback_t)(struct vdk_pci_device *dev, unsigned int vector,
				    void *arg);

/**
 * Enable interrupts in @p mode with @p nb_vectors vectors (0..n-1). With
 * VDK_INTR_MODE_AUTO, @p nb_vectors is an upper bound: ask
 * vdk_intr_vector_count() what was granted.
 * @return 0; -EINVAL for a NULL device, no vectors or a bad mode; -ENODEV
 *   if the device is not open; -EBUSY if interrupts are enabled already
 *   (disable first); -ENOTSUP if the device lacks the mode; -ERANGE if it
 *   has fewer vectors than asked; another errno from eventfd() or VFIO.
 */
int vdk_intr_enable(struct vdk_pci_device *dev, enum vdk_intr_mode mode,
		    unsigned int nb_vectors);

/**
 * Disable interrupts: every callback is unregistered (waiting for one
 * that runs on another thread), the device stops signalling and the
 * eventfds are closed. Detach does this too.
 * @return 0 (also when nothing was enabled); -EINVAL for NULL.
 */
int vdk_intr_disable(struct vdk_pci_device *dev);

/** The mode in force, VDK_INTR_MODE_NONE when off or for NULL. */
enum vdk_intr_mode vdk_intr_mode_get(struct vdk_pci_device *dev);

/** Number of vectors enabled; 0 when off. */
unsigned int vdk_intr_vector_count(struct vdk_pci_device *dev);

/**
 * The eventfd of @p vector, to wait on with poll()/epoll. Reading it
 * returns the number of interrupts since the last read. Do not use it
 * while a callback is registered for the vector (the interrupt thread
 * reads it). The fd stays owned by VDK: do not close it.
 * @return the fd; -EINVAL for NULL; -ENOENT if interrupts are off or
 *   @p vector is out of range.
 */
int vdk_intr_efd(struct vdk_pci_device *dev, unsigned int vector);

/**
 * Run @p cb on the interrupt thread whenever @p vector fires. Starts the
 * interrupt thread on first use.
 * @return 0; -EINVAL for NULL @p dev or @p cb; -ENOENT if interrupts are
 *   off or @p vector is out of range; -EEXIST if the vector has a
 *   callback; -ENOMEM or an errno from epoll or pthread_create.
 */
int vdk_intr_callback_register(struct vdk_pci_device *dev, unsigned int vector,
			       vdk_intr_callback_t cb, void *arg);

/**
 * Stop running the callback of @p vector. When it runs right now on the
 * interrupt thread this waits for it to return, except when called from
 * that callback itself. Afterwards the callback is never called again.
 * @return 0; -EINVAL for NULL; -ENOENT if no callback is registered.
 */
int vdk_intr_callback_unregister(struct vdk_pci_device *dev, unsigned int vector);

/**
 * Unmask INTx after handling it: VFIO masks the line when it fires, since
 * it stays asserted until the driver clears the cause in the device.
 * @return 0; -EINVAL for NULL; -ENOTSUP unless the mode is INTx; an errno
 *   of VFIO_DEVICE_SET_IRQS.
 */
int vdk_intr_unmask(struct vdk_pci_device *dev);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_INTR_H */
