/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Buses: how device classes the EAL does not know hook into its start and
 * stop. The EAL knows no ports and no drivers' device kinds; a bus (the
 * vdev bus of lib/ethdev, say) registers by constructor, and
 * vdk_eal_init() calls each bus's probe last, once everything the EAL
 * brings up is up; vdk_eal_cleanup() calls each remove first, newest bus
 * first.
 *
 * @code
 * static const struct vdk_bus mybus = {
 *	.name = "mybus", .probe = mybus_probe_all, .remove = mybus_remove_all,
 * };
 * VDK_BUS_REGISTER(mybus);
 * @endcode
 */
#ifndef VDK_BUS_H
#define VDK_BUS_H

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** A bus: its devices come up at the end of vdk_eal_init(). */
struct vdk_bus {
	/** For messages: "vdev". */
	const char *name;
	/**
	 * Make the bus's devices the command line asks for (vdk_devargs_next()).
	 * @return 0, or a negative errno leaving none of them behind.
	 */
	int (*probe)(void);
	/** Remove every device of the bus. */
	void (*remove)(void);
};

/**
 * Add a bus. Meant for constructors (VDK_BUS_REGISTER).
 * @return 0; -EINVAL for a NULL bus or one without a name, probe or
 *   remove; -EEXIST if the name is taken; -ENOSPC when too many are
 *   registered.
 */
int vdk_bus_register(const struct vdk_bus *bus);

/** Register @p bus (a const struct vdk_bus) when libvdk loads. */
#define VDK_BUS_REGISTER(bus) \
	VDK_INIT(vdk_bus_register_##bus) { vdk_bus_register(&(bus)); }

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_BUS_H */
