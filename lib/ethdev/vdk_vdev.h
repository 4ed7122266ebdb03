/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Virtual devices: drivers that need no bus device (net_null, net_ring,
 * net_af_packet) and are instantiated by name, from `--vdev NAME[,k=v...]`
 * on the EAL command line or from an app at run time.
 *
 * A driver registers by constructor under a name prefix; a device name
 * matches the driver whose prefix is the longest that starts it
 * ("net_ring0" and "net_ring_a" both go to "net_ring").
 *
 * @code
 * static int mydrv_probe(const char *name, const char *args) { ... }
 * static int mydrv_remove(const char *name) { ... }
 * static const struct vdk_vdev_driver mydrv = {
 *	.name = "net_mydrv", .probe = mydrv_probe, .remove = mydrv_remove,
 *	.args_help = "size=<bytes>",
 * };
 * VDK_VDEV_REGISTER(mydrv);
 * @endcode
 */
#ifndef VDK_VDEV_H
#define VDK_VDEV_H

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** A virtual-device driver. */
struct vdk_vdev_driver {
	/** Prefix of the device names it takes, "net_null". */
	const char *name;
	/**
	 * Make device @p name with @p args ("k1=v1,k2=v2" or ""): typically
	 * attach one ethdev port. Reject unknown keys (vdk_vdev_args_check()).
	 * @return 0 or a negative errno, leaving nothing behind.
	 */
	int (*probe)(const char *name, const char *args);
	/** Undo probe. @return 0, or -ENODEV if there is no such device. */
	int (*remove)(const char *name);
	/** The arguments it takes, for messages: "size=<bytes>,copy=0|1". */
	const char *args_help;
};

/**
 * Add a driver. Meant for constructors (VDK_VDEV_REGISTER).
 * @return 0; -EINVAL for a NULL or nameless driver; -EEXIST if the name is
 *   taken; -ENOSPC when too many are registered.
 */
int vdk_vdev_register(const struct vdk_vdev_driver *drv);

/** Register @p drv (a const struct vdk_vdev_driver) when libvdk loads. */
#define VDK_VDEV_REGISTER(drv) \
	VDK_INIT(vdk_vdev_register_##drv) { vdk_vdev_register(&(drv)); }

/**
 * Make the device @p name with arguments @p args (NULL: none).
 * @return 0; -EINVAL for a NULL or empty name; -ENODEV if no driver takes
 *   that name (the message lists those that exist); -EEXIST if the device
 *   exists; the driver's negative errno.
 */
int vdk_vdev_probe(const char *name, const char *args);

/**
 * Remove the device @p name made by vdk_vdev_probe().
 * @return 0; -ENODEV if there is none.
 */
int vdk_vdev_remove(const char *name);

/**
 * Make every --vdev device of the command line (vdk_devargs_next()), in
 * order. The EAL calls it at the end of vdk_eal_init() (the vdev bus,
 * vdk_bus.h); devices already
 * made are skipped, so calling it again is harmless.
 * @return 0, or the first failure's negative errno (the devices made
 *   before it are removed again).
 */
int vdk_vdev_probe_all(void);

/** Remove every device made by the calls above, newest first. vdk_eal_cleanup() calls it. */
void vdk_vdev_remove_all(void);

/**
 * vdk_devargs_check_keys() under the name vdev drivers called it first
 * (kept for the ABI): @p args uses only the keys in @p known (NULL
 * terminated). Logs the unknown key and the driver's @p help.
 * @return 0, or -EINVAL.
 */
int vdk_vdev_args_check(const char *devname, const char *args,
			const char *const known[], const char *help);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_VDEV_H */
