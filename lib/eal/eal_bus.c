/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The buses registered with the EAL (vdk_bus.h). Registration runs in
 * constructors, before main(); probe and remove run in vdk_eal_init() and
 * vdk_eal_cleanup(), which are not thread-safe: no lock.
 */
#include <errno.h>
#include <string.h>

#include "eal_core_internal.h"
#include "vdk_bus.h"
#include "vdk_log.h"

#define EAL_MAX_BUSES 8

static const struct vdk_bus *eal_buses[EAL_MAX_BUSES];
static unsigned int eal_nb_buses;

int
vdk_bus_register(const struct vdk_bus *bus)
{
	unsigned int i;

	if (bus == NULL || bus->name == NULL || bus->probe == NULL || bus->remove == NULL) {
		VDK_LOG(ERR, EAL, "bus register: a bus needs a name, probe and remove");
		return -EINVAL;
	}
	for (i = 0; i < eal_nb_buses; i++)
		if (strcmp(eal_buses[i]->name, bus->name) == 0) {
			VDK_LOG(ERR, EAL, "bus register %s: a bus of that name exists", bus->name);
			return -EEXIST;
		}
	if (eal_nb_buses == EAL_MAX_BUSES) {
		VDK_LOG(ERR, EAL, "bus register %s: too many buses (%d)", bus->name,
			EAL_MAX_BUSES);
		return -ENOSPC;
	}
	eal_buses[eal_nb_buses++] = bus;
	return 0;
}

int
eal_bus_probe_all(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < eal_nb_buses; i++) {
		ret = eal_buses[i]->probe();
		if (ret < 0) {
			VDK_LOG(ERR, EAL, "bus %s: probe failed: %s", eal_buses[i]->name,
				strerror(-ret));
			/* All or nothing: the buses probed before go down again. */
			while (i-- > 0)
				eal_buses[i]->remove();
			return ret;
		}
	}
	return 0;
}

void
eal_bus_remove_all(void)
{
	unsigned int i = eal_nb_buses;

	while (i-- > 0)
		eal_buses[i]->remove();
}
