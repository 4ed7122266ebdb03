/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual-device bus: drivers register a name prefix by constructor;
 * devices are made from the --vdev options once the EAL is up (it calls
 * vdk_vdev_probe_all()), or by an app at run time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ethdev_internal.h"
#include "vdk_bus.h"
#include "vdk_eal.h"
#include "vdk_vdev.h"

#define VDEV_LOG(level, fmt, ...) VDK_LOG(level, ETHDEV, "vdev: " fmt, ##__VA_ARGS__)

#define VDEV_MAX_DRIVERS 32
#define VDEV_MAX_DEVICES 64
#define VDEV_NAME_SIZE 64

struct vdev_device {
	char name[VDEV_NAME_SIZE];
	const struct vdk_vdev_driver *drv;
};

/* Drivers register from constructors, before main(): no thread races them. */
static const struct vdk_vdev_driver *vdev_drivers[VDEV_MAX_DRIVERS];
static unsigned int vdev_nb_drivers;

/* Devices in the order they were made; removal goes newest first. */
static pthread_mutex_t vdev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vdev_device vdev_devices[VDEV_MAX_DEVICES];
static unsigned int vdev_nb_devices;

int
vdk_vdev_register(const struct vdk_vdev_driver *drv)
{
	unsigned int i;

	if (drv == NULL || drv->name == NULL || drv->name[0] == '\0' || drv->probe == NULL ||
	    drv->remove == NULL) {
		VDEV_LOG(ERR, "register: a driver needs a name, probe and remove");
		return -EINVAL;
	}
	for (i = 0; i < vdev_nb_drivers; i++) {
		if (strcmp(vdev_drivers[i]->name, drv->name) == 0) {
			VDEV_LOG(ERR, "register %s: a driver of that name exists", drv->name);
			return -EEXIST;
		}
	}
	if (vdev_nb_drivers == VDEV_MAX_DRIVERS) {
		VDEV_LOG(ERR, "register %s: too many drivers (%d)", drv->name, VDEV_MAX_DRIVERS);
		return -ENOSPC;
	}
	vdev_drivers[vdev_nb_drivers++] = drv;
	return 0;
}

/* The driver with the longest prefix of @name. */
static const struct vdk_vdev_driver *
driver_find(const char *name)
{
	const struct vdk_vdev_driver *best = NULL;
	size_t best_len = 0, len;
	unsigned int i;

	for (i = 0; i < vdev_nb_drivers; i++) {
		len = strlen(vdev_drivers[i]->name);
		if (len > best_len && strncmp(name, vdev_drivers[i]->name, len) == 0) {
			best = vdev_drivers[i];
			best_len = len;
		}
	}
	return best;
}

static int
device_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < vdev_nb_devices; i++)
		if (strcmp(vdev_devices[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
log_unknown_driver(const char *name)
{
	char list[256] = "";
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < vdev_nb_drivers && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
				vdev_drivers[i]->name);
	VDEV_LOG(ERR, "%s: no virtual-device driver for that name; a name starts with one of: %s",
		 name, vdev_nb_drivers ? list : "(none registered)");
}

int
vdk_vdev_probe(const char *name, const char *args)
{
	const struct vdk_vdev_driver *drv;
	int ret;

	if (name == NULL || name[0] == '\0' || strlen(name) >= VDEV_NAME_SIZE) {
		VDEV_LOG(ERR, "probe: a device name of 1 to %d characters is needed",
			 VDEV_NAME_SIZE - 1);
		return -EINVAL;
	}
	if (args == NULL)
		args = "";
	drv = driver_find(name);
	if (drv == NULL) {
		log_unknown_driver(name);
		return -ENODEV;
	}
	pthread_mutex_lock(&vdev_lock);
	if (device_find(name) >= 0) {
		pthread_mutex_unlock(&vdev_lock);
		VDEV_LOG(ERR, "%s: device exists already", name);
		return -EEXIST;
	}
	if (vdev_nb_devices == VDEV_MAX_DEVICES) {
		pthread_mutex_unlock(&vdev_lock);
		VDEV_LOG(ERR, "%s: too many virtual devices (%d)", name, VDEV_MAX_DEVICES);
		return -ENOSPC;
	}
	ret = drv->probe(name, args);
	if (ret != 0) {
		pthread_mutex_unlock(&vdev_lock);
		VDEV_LOG(ERR, "%s: driver %s failed to make it: %s%s%s", name, drv->name,
			 strerror(ret < 0 ? -ret : ret), drv->args_help ? "; it takes " : "",
			 drv->args_help ? drv->args_help : "");
		return ret < 0 ? ret : -ret;
	}
	snprintf(vdev_devices[vdev_nb_devices].name, VDEV_NAME_SIZE, "%s", name);
	vdev_devices[vdev_nb_devices].drv = drv;
	vdev_nb_devices++;
	pthread_mutex_unlock(&vdev_lock);
	return 0;
}

/* With vdev_lock held. */
static int
remove_at(unsigned int i)
{
	struct vdev_device d = vdev_devices[i];
	int ret;

	memmove(&vdev_devices[i], &vdev_devices[i + 1],
		(vdev_nb_devices - i - 1) * sizeof(vdev_devices[0]));
	vdev_nb_devices--;
	ret = d.drv->remove(d.name);
	/* An app may have closed the port itself: that is not an error here. */
	if (ret != 0 && ret != -ENODEV)
		VDEV_LOG(WARNING, "%s: driver %s failed to remove it: %s", d.name, d.drv->name,
			 strerror(-ret));
	return 0;
}

int
vdk_vdev_remove(const char *name)
{
	int i;

	if (name == NULL)
		return -ENODEV;
	pthread_mutex_lock(&vdev_lock);
	i = device_find(name);
	if (i < 0) {
		pthread_mutex_unlock(&vdev_lock);
		VDEV_LOG(ERR, "remove %s: no such virtual device", name);
		return -ENODEV;
	}
	remove_at((unsigned int)i);
	pthread_mutex_unlock(&vdev_lock);
	return 0;
}

void
vdk_vdev_remove_all(void)
{
	pthread_mutex_lock(&vdev_lock);
	while (vdev_nb_devices > 0)
		remove_at(vdev_nb_devices - 1);
	pthread_mutex_unlock(&vdev_lock);
}

int
vdk_vdev_probe_all(void)
{
	const struct vdk_devargs *da = NULL;
	unsigned int before;
	bool exists;
	int ret;

	pthread_mutex_lock(&vdev_lock);
	before = vdev_nb_devices;
	pthread_mutex_unlock(&vdev_lock);
	while ((da = vdk_devargs_next(da)) != NULL) {
		if (da->type != VDK_DEVTYPE_VDEV)
			continue;
		pthread_mutex_lock(&vdev_lock);
		exists = device_find(da->name) >= 0;
		pthread_mutex_unlock(&vdev_lock);
		if (exists)
			continue;
		ret = vdk_vdev_probe(da->name, da->args);
		if (ret != 0) {
			/* All or nothing: undo the devices this call made. */
			pthread_mutex_lock(&vdev_lock);
			while (vdev_nb_devices > before)
				remove_at(vdev_nb_devices - 1);
			pthread_mutex_unlock(&vdev_lock);
			return ret;
		}
	}
	return 0;
}

/* The EAL probes the --vdev devices at the end of vdk_eal_init(). */
static const struct vdk_bus vdev_bus = {
	.name = "vdev",
	.probe = vdk_vdev_probe_all,
	.remove = vdk_vdev_remove_all,
};
VDK_BUS_REGISTER(vdev_bus);

int
vdk_vdev_args_check(const char *devname, const char *args, const char *const known[],
		    const char *help)
{
	return vdk_devargs_check_keys(devname, args, known, help);
}

int
vdk_eth_dev_vdev_remove(const char *name)
{
	uint16_t port;

	if (vdk_eth_dev_get_port_by_name(name, &port) != 0)
		return -ENODEV;
	return vdk_eth_dev_close(port);
}
