/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI bus: the registered drivers, the devices the scan found, and
 * which device goes to which driver.
 *
 * The rule that keeps the build machine safe lives here: without -a, only
 * devices already bound to a VFIO driver are offered to drivers, and a
 * device is opened through VFIO only once a driver's ID table matches it.
 * Nothing here binds, unbinds or resets a device that VDK was not given.
 *
 * One recursive lock guards the device list and the driver table: a
 * driver's probe() may look devices up or register another driver.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eal_internal.h"
#include "eal_pci_internal.h"
#include "vdk_cycles.h"
#include "vdk_log.h"

#define PCI_MAX_DRIVERS 64

static pthread_mutex_t bus_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static struct pci_dev_list bus_devs = TAILQ_HEAD_INITIALIZER(bus_devs);
static const struct vdk_pci_driver *drivers[PCI_MAX_DRIVERS];
static unsigned int nb_drivers;
static bool bus_ready;

void
eal_pci_lock(void)
{
	pthread_mutex_lock(&bus_lock);
}

int
eal_pci_trylock(void)
{
	return pthread_mutex_trylock(&bus_lock);
}

void
eal_pci_unlock(void)
{
	pthread_mutex_unlock(&bus_lock);
}

int
vdk_pci_driver_register(const struct vdk_pci_driver *drv)
{
	int ret = 0;

	if (drv == NULL || drv->name == NULL || drv->id_table == NULL || drv->probe == NULL) {
		VDK_LOG(ERR, PCI, "driver %s: name, id_table and probe are required",
			drv != NULL && drv->name != NULL ? drv->name : "(null)");
		return -EINVAL;
	}
	pthread_mutex_lock(&bus_lock);
	for (unsigned int i = 0; i < nb_drivers; i++) {
		if (drivers[i] == drv || strcmp(drivers[i]->name, drv->name) == 0) {
			VDK_LOG(ERR, PCI, "driver %s is registered already", drv->name);
			ret = -EEXIST;
			goto out;
		}
	}
	if (nb_drivers == PCI_MAX_DRIVERS) {
		VDK_LOG(ERR, PCI, "driver %s: the table of %d drivers is full",
			drv->name, PCI_MAX_DRIVERS);
		ret = -ENOSPC;
		goto out;
	}
	drivers[nb_drivers++] = drv;
out:
	pthread_mutex_unlock(&bus_lock);
	return ret;
}

int
vdk_pci_driver_unregister(const struct vdk_pci_driver *drv)
{
	struct pci_dev *dev;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&bus_lock);
	for (i = 0; i < nb_drivers; i++)
		if (drivers[i] == drv)
			break;
	if (i == nb_drivers) {
		ret = -ENOENT;
		goto out;
	}
	TAILQ_FOREACH(dev, &bus_devs, next) {
		if (dev->pub.driver == drv) {
			VDK_LOG(ERR, PCI, "driver %s still drives %s: detach it first",
				drv->name, dev->pub.name);
			ret = -EBUSY;
			goto out;
		}
	}
	memmove(&drivers[i], &drivers[i + 1], (nb_drivers - i - 1) * sizeof(drivers[0]));
	drivers[--nb_drivers] = NULL;
out:
	pthread_mutex_unlock(&bus_lock);
	return ret;
}

unsigned int
eal_pci_driver_list(const struct vdk_pci_driver **out, unsigned int max)
{
	unsigned int n;

	pthread_mutex_lock(&bus_lock);
	for (n = 0; n < nb_drivers && n < max; n++)
		out[n] = drivers[n];
	pthread_mutex_unlock(&bus_lock);
	return n;
}

static bool
id_matches(const struct vdk_pci_id *t, const struct vdk_pci_id *id)
{
	return (t->vendor_id == VDK_PCI_ANY_ID || t->vendor_id == id->vendor_id) &&
	       (t->device_id == VDK_PCI_ANY_ID || t->device_id == id->device_id) &&
	       (t->subsystem_vendor_id == VDK_PCI_ANY_ID ||
		t->subsystem_vendor_id == id->subsystem_vendor_id) &&
	       (t->subsystem_device_id == VDK_PCI_ANY_ID ||
		t->subsystem_device_id == id->subsystem_device_id) &&
	       (t->class_id == VDK_PCI_CLASS_ANY || t->class_id == id->class_id);
}

static bool
driver_matches(const struct vdk_pci_driver *drv, const struct vdk_pci_id *id)
{
	for (const struct vdk_pci_id *t = drv->id_table; t->vendor_id != 0; t++)
		if (id_matches(t, id))
			return true;
	return false;
}

/*
 * May @drv have @d? Its ID table must match, and "driver=NAME" in the
 * device's arguments narrows the choice to the driver of that name (two
 * drivers for one device: a PMD and a test or diagnostic driver).
 */
static bool
driver_wants(const struct vdk_pci_driver *drv, const struct vdk_pci_device *d)
{
	char only[64];

	if (vdk_devargs_get(d->devargs, "driver", only, sizeof(only)) == 0 &&
	    strcmp(only, drv->name) != 0)
		return false;
	return driver_matches(drv, &d->id);
}

static bool
any_driver_wants(const struct vdk_pci_device *d)
{
	for (unsigned int i = 0; i < nb_drivers; i++)
		if (driver_wants(drivers[i], d))
			return true;
	return false;
}

/* probe_dev(): nobody matched, or every matching driver declined. */
#define PROBE_UNCLAIMED 1

/*
 * Offer @dev to the matching drivers in registration order. @explicit: the
 * user named it (-a or attach), so a refusal is an error, not a note.
 * Returns 0 once claimed, PROBE_UNCLAIMED, or the first real failure
 * (which may be -ENODEV from VFIO: hence the separate code).
 */
static int
probe_dev(struct pci_dev *dev, bool explicit)
{
	struct vdk_pci_device *d = &dev->pub;
	int ret;

	if (!any_driver_wants(d)) {
		if (explicit)
			VDK_LOG(WARNING, PCI, "%s (%04x:%04x class %06x): no registered driver "
				"matches it%s%s", d->name, d->id.vendor_id, d->id.device_id,
				d->id.class_id, strstr(d->devargs, "driver=") != NULL ?
				" with " : "", strstr(d->devargs, "driver=") != NULL ?
				d->devargs : "");
		return PROBE_UNCLAIMED;
	}
	if (d->kdrv != VDK_PCI_KDRV_VFIO && d->kdrv != VDK_PCI_KDRV_VDK_VFIO) {
		/* Its advice depends on --vfio-backend: vfio-pci, vdk-vfio-pci or both. */
		eal_vfio_explain_driver(d->name, d->kdrv_name);
		return -EACCES;
	}
	ret = pci_vfio_open(dev);
	if (ret < 0)
		return ret;

	ret = PROBE_UNCLAIMED;
	for (unsigned int i = 0; i < nb_drivers; i++) {
		const struct vdk_pci_driver *drv = drivers[i];

		if (!driver_wants(drv, d))
			continue;
		d->driver = drv;
		ret = drv->probe(d);
		if (ret == 0) {
			VDK_LOG(INFO, PCI, "%s (%04x:%04x) claimed by %s", d->name,
				d->id.vendor_id, d->id.device_id, drv->name);
			return 0;
		}
		d->driver = NULL;
		d->driver_data = NULL;
		if (ret != -ENODEV) {
			VDK_LOG(ERR, PCI, "%s: driver %s failed to probe it: %s", d->name,
				drv->name, strerror(-ret));
			break;
		}
		ret = PROBE_UNCLAIMED;
	}
	if (ret == PROBE_UNCLAIMED)
		vdk_log(explicit ? VDK_LOG_WARNING : VDK_LOG_INFO, VDK_LOGTYPE_PCI,
			"pci: %s: every matching driver declined it\n", d->name);
	pci_vfio_close(dev);
	return ret;
}

static struct pci_dev *
find_dev(const struct vdk_pci_addr *addr)
{
	struct pci_dev *dev;

	TAILQ_FOREACH(dev, &bus_devs, next)
		if (vdk_pci_addr_cmp(&dev->pub.addr, addr) == 0)
			return dev;
	return NULL;
}

static void
insert_sorted(struct pci_dev *dev)
{
	struct pci_dev *pos;

	TAILQ_FOREACH(pos, &bus_devs, next) {
		if (vdk_pci_addr_cmp(&dev->pub.addr, &pos->pub.addr) < 0) {
			TAILQ_INSERT_BEFORE(pos, dev, next);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&bus_devs, dev, next);
}

static int
set_devargs(struct pci_dev *dev, const char *args)
{
	char *copy = strdup(args != NULL ? args : "");

	if (copy == NULL)
		return -ENOMEM;
	free(dev->devargs);
	dev->devargs = copy;
	dev->pub.devargs = copy;
	return 0;
}

static int
detach_locked(struct pci_dev *dev)
{
	struct vdk_pci_device *d = &dev->pub;
	int ret;

	if (d->driver == NULL)
		return -EINVAL;
	if (d->driver->remove != NULL) {
		ret = d->driver->remove(d);
		if (ret < 0)
			VDK_LOG(WARNING, PCI, "%s: driver %s's remove failed: %s; releasing "
				"the device anyway", d->name, d->driver->name, strerror(-ret));
	}
	d->driver = NULL;
	d->driver_data = NULL;
	pci_vfio_close(dev);
	return 0;
}

static void
bus_release(void)
{
	struct pci_dev *dev;

	TAILQ_FOREACH_REVERSE(dev, &bus_devs, pci_dev_list, next)
		if (dev->pub.driver != NULL)
			detach_locked(dev);
	/*
	 * A removal the interrupt thread handled may still be running its
	 * callbacks with a device: they need no bus lock, and no new one
	 * starts now that every device is closed.
	 */
	pthread_mutex_unlock(&bus_lock);
	pci_removals_wait();
	pthread_mutex_lock(&bus_lock);
	while ((dev = TAILQ_FIRST(&bus_devs)) != NULL) {
		TAILQ_REMOVE(&bus_devs, dev, next);
		pci_dev_free(dev);
	}
	eal_intr_cleanup();
	eal_vfio_cleanup();
	bus_ready = false;
}

/*
 * Apply -a/-b to the scanned list. -a for a device the scan did not find
 * is an error: the user will otherwise wait for a port that never comes.
 */
static int
apply_devargs(unsigned int *nb_allowed)
{
	const struct vdk_devargs *da = NULL;
	bool have_block = false;

	*nb_allowed = 0;
	while ((da = vdk_devargs_next(da)) != NULL) {
		struct vdk_pci_addr addr;
		struct pci_dev *dev;
		int ret;

		if (da->type == VDK_DEVTYPE_VDEV)
			continue;
		if (vdk_pci_addr_parse(da->name, &addr) < 0) {
			VDK_LOG(ERR, PCI, "%s %s: not a PCI address (want dddd:bb:dd.f)",
				da->type == VDK_DEVTYPE_ALLOWED ? "-a" : "-b", da->name);
			return -EINVAL;
		}
		dev = find_dev(&addr);
		if (da->type == VDK_DEVTYPE_BLOCKED) {
			have_block = true;
			if (dev != NULL)
				dev->blocked = true;
			continue;
		}
		if (dev == NULL) {
			VDK_LOG(ERR, PCI, "-a %s: no such PCI device in %s/bus/pci/devices "
				"(see `vdk-setup status`)", da->name, eal_sysfs_root());
			return -ENODEV;
		}
		ret = set_devargs(dev, da->args);
		if (ret < 0)
			return ret;
		(*nb_allowed)++;
	}
	if (*nb_allowed > 0 && have_block) {
		VDK_LOG(ERR, PCI, "-a and -b together: give either an allow list or a block list");
		return -EINVAL;
	}
	return 0;
}

static bool
is_allowed(const struct pci_dev *dev)
{
	/* set_devargs() ran for exactly the -a devices. */
	return dev->devargs != NULL;
}

static unsigned int
dev_count(void)
{
	struct pci_dev *dev;
	unsigned int n = 0;

	TAILQ_FOREACH(dev, &bus_devs, next)
		n++;
	return n;
}

int
eal_pci_init(void)
{
	unsigned int nb_allowed, nb_vfio = 0, nb_claimed = 0;
	struct pci_dev *dev;
	int ret;

	pthread_mutex_lock(&bus_lock);
	if (bus_ready) {
		ret = -EALREADY;
		goto unlock;
	}
	ret = pci_scan_all(eal_sysfs_root(), &bus_devs);
	if (ret < 0) {
		/* A container without /sys/bus/pci can still run virtual ports. */
		if (vdk_devargs_next(NULL) == NULL) {
			VDK_LOG(WARNING, PCI, "no PCI bus to scan: continuing without PCI devices");
			ret = 0;
			bus_ready = true;
		}
		goto unlock;
	}
	bus_ready = true;
	ret = apply_devargs(&nb_allowed);
	if (ret < 0)
		goto fail;

	TAILQ_FOREACH(dev, &bus_devs, next) {
		bool explicit = nb_allowed > 0;

		if (dev->pub.kdrv == VDK_PCI_KDRV_VFIO || dev->pub.kdrv == VDK_PCI_KDRV_VDK_VFIO)
			nb_vfio++;
		if (dev->blocked || (explicit && !is_allowed(dev)))
			continue;
		if (!explicit && dev->pub.kdrv != VDK_PCI_KDRV_VFIO &&
		    dev->pub.kdrv != VDK_PCI_KDRV_VDK_VFIO)
			continue;
		ret = probe_dev(dev, explicit);
		if (ret == 0) {
			nb_claimed++;
		} else if (ret < 0 && explicit) {
			goto fail;
		} else if (ret < 0) {
			VDK_LOG(WARNING, PCI, "%s skipped: %s", dev->pub.name, strerror(-ret));
		}
	}
	VDK_LOG(INFO, PCI, "%u devices on the bus, %u on vfio, %u claimed by a driver",
		dev_count(), nb_vfio, nb_claimed);
	ret = 0;
	goto unlock;

fail:
	bus_release();
unlock:
	pthread_mutex_unlock(&bus_lock);
	return ret;
}

void
eal_pci_cleanup(void)
{
	pthread_mutex_lock(&bus_lock);
	if (bus_ready) {
		bus_release();
	} else {
		/* No bus (--no-pci), but vdk_dma_register() may have recorded ranges. */
		eal_intr_cleanup();
		eal_vfio_cleanup();
	}
	pthread_mutex_unlock(&bus_lock);
}

int
vdk_pci_dev_iterate(vdk_pci_dev_iter_t fn, void *arg)
{
	struct pci_dev *dev;
	int ret = 0;

	if (fn == NULL)
		return -EINVAL;
	pthread_mutex_lock(&bus_lock);
	TAILQ_FOREACH(dev, &bus_devs, next) {
		if (dev->blocked)
			continue;
		ret = fn(&dev->pub, arg);
		if (ret != 0)
			break;
	}
	pthread_mutex_unlock(&bus_lock);
	return ret;
}

struct vdk_pci_device *
vdk_pci_dev_lookup(const char *bdf)
{
	struct vdk_pci_addr addr;
	struct pci_dev *dev;

	if (vdk_pci_addr_parse(bdf, &addr) < 0) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&bus_lock);
	dev = find_dev(&addr);
	pthread_mutex_unlock(&bus_lock);
	if (dev == NULL || dev->blocked) {
		errno = ENOENT;
		return NULL;
	}
	return &dev->pub;
}

int
vdk_pci_dev_attach(const char *devargs)
{
	char bdf[VDK_PCI_NAME_LEN];
	struct vdk_pci_addr addr;
	const char *comma;
	struct pci_dev *dev;
	size_t n;
	int ret;

	if (devargs == NULL)
		return -EINVAL;
	comma = strchr(devargs, ',');
	n = comma != NULL ? (size_t)(comma - devargs) : strlen(devargs);
	if (n >= sizeof(bdf))
		goto bad;
	memcpy(bdf, devargs, n);
	bdf[n] = '\0';
	if (vdk_pci_addr_parse(bdf, &addr) < 0)
		goto bad;
	vdk_pci_addr_format(&addr, bdf, sizeof(bdf));

relock:
	pthread_mutex_lock(&bus_lock);
	if (!bus_ready) {
		VDK_LOG(ERR, PCI, "attach %s: the PCI bus is not initialised "
			"(vdk_eal_init() not run, or --no-pci given)", bdf);
		ret = -ENODEV;
		goto unlock;
	}
	dev = find_dev(&addr);
	if (dev != NULL && dev->blocked) {
		VDK_LOG(ERR, PCI, "attach %s: the device is blocked by -b", bdf);
		ret = -EPERM;
		goto unlock;
	}
	if (dev != NULL && dev->pub.driver != NULL) {
		VDK_LOG(ERR, PCI, "attach %s: already claimed by %s", bdf, dev->pub.driver->name);
		ret = -EEXIST;
		goto unlock;
	}
	if (dev != NULL && pci_dev_is_removed(dev)) {
		/* Unplugged and back (device_add): its BARs and group may differ now. */
		if (pci_removals_busy()) {
			/* Its callbacks may still use it, and may take the bus lock. */
			pthread_mutex_unlock(&bus_lock);
			if (pci_removals_wait() < 0) {
				VDK_LOG(ERR, PCI, "attach %s: not from a removal callback: its "
					"removal is still being reported", bdf);
				return -EBUSY;
			}
			goto relock;
		}
		TAILQ_REMOVE(&bus_devs, dev, next);
		pci_dev_free(dev);
		dev = NULL;
	}
	if (dev == NULL) {
		dev = malloc(sizeof(*dev));
		if (dev == NULL) {
			ret = -ENOMEM;
			goto unlock;
		}
		ret = pci_scan_one(eal_sysfs_root(), bdf, dev);
		if (ret < 0) {
			free(dev);
			if (ret == -ENOENT)
				VDK_LOG(ERR, PCI, "attach %s: no such PCI device in %s/bus/pci/devices",
					bdf, eal_sysfs_root());
			ret = -ENODEV;
			goto unlock;
		}
		insert_sorted(dev);
	} else {
		/* Bound or unbound since the scan: ask the kernel again. */
		ret = pci_sysfs_driver(eal_sysfs_root(), bdf, dev->pub.kdrv_name,
				       sizeof(dev->pub.kdrv_name));
		if (ret < 0) {
			VDK_LOG(ERR, PCI, "attach %s: the device is gone: %s", bdf, strerror(-ret));
			ret = -ENODEV;
			goto unlock;
		}
		dev->pub.kdrv = pci_kdrv_from_name(dev->pub.kdrv_name);
	}
	ret = set_devargs(dev, comma != NULL ? comma + 1 : "");
	if (ret == 0)
		ret = probe_dev(dev, true);
	if (ret == PROBE_UNCLAIMED)
		ret = -ENODEV;
unlock:
	pthread_mutex_unlock(&bus_lock);
	return ret;
bad:
	VDK_LOG(ERR, PCI, "attach \"%s\": want BDF[,key=value...] with BDF as dddd:bb:dd.f",
		devargs);
	return -EINVAL;
}

int
vdk_pci_dev_detach(struct vdk_pci_device *d)
{
	int ret;

	if (d == NULL)
		return -EINVAL;
	pthread_mutex_lock(&bus_lock);
	ret = detach_locked(pci_dev_of(d));
	pthread_mutex_unlock(&bus_lock);
	if (ret == 0)
		VDK_LOG(INFO, PCI, "%s detached", d->name);
	return ret;
}

int
vdk_reg_wait32(const void *base, uint32_t reg, uint32_t mask, uint32_t want,
	       uint64_t timeout_us)
{
	struct vdk_deadline deadline = vdk_deadline_in_us(timeout_us);

	while ((vdk_reg_read32(base, reg) & mask) != want) {
		if (vdk_deadline_passed(deadline))
			return (vdk_reg_read32(base, reg) & mask) == want ? 0 : -ETIMEDOUT;
		vdk_sleep_us(10);
	}
	return 0;
}
