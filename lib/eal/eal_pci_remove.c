/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A device the kernel takes away while VDK holds it: an unbind from
 * vfio-pci or vdk-vfio-pci, a `remove` in sysfs, a surprise unplug. The
 * kernel cannot finish until the process lets go of the device, so it
 * signals the device's request eventfd (VFIO's REQ interrupt index, which
 * both backends number 4) and waits: mainline VFIO and vdk_vfio ask again
 * every 10 s and would otherwise wait until the process dies.
 *
 * The request is handled on the interrupt thread, in the order that keeps
 * the datapath safe:
 *
 * 1. the device is marked removed (vdk_pci_dev_is_removed());
 * 2. each mapped BAR is replaced, at the same address and in one step, by
 *    anonymous memory that reads all ones: an lcore in the middle of a
 *    burst keeps reading and writing ordinary memory instead of taking
 *    SIGBUS from a mapping the kernel revoked (what DPDK's hot-unplug
 *    handler does), and reads the value a vanished PCIe device returns;
 * 3. the driver's removed() marks its device failed;
 * 4. the VFIO device fd is replaced by /dev/null (dup2, so its number
 *    stays owned and a control thread's racing pread fails instead of
 *    reaching a reused fd) and the IOMMU group is put: with the BAR
 *    mappings gone too, nothing holds the device file, and the kernel's
 *    removal completes;
 * 5. the event callbacks run (ethdev's, then the app's), without the bus
 *    lock so that they may detach the device.
 *
 * The driver's remove() still runs when the app detaches the device (or
 * at cleanup) and frees what probe() allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "eal_pci_internal.h"
#include "vdk_log.h"

struct event_cb {
	vdk_pci_event_cb_t cb;
	void *arg;
	struct event_cb *next;
};

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ev_idle = PTHREAD_COND_INITIALIZER;
static struct event_cb *ev_list;	/* registration order */
static unsigned int ev_running;		/* dispatches in progress */
static __thread bool ev_in_callback;
/*
 * Requests past the bus lock that still log and run callbacks with the
 * device: cleanup and a fresh attach wait for them before freeing it.
 */
static unsigned int removals_in_flight;

bool
pci_dev_is_removed(const struct pci_dev *dev)
{
	return __atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE);
}

int
vdk_pci_dev_is_removed(const struct vdk_pci_device *d)
{
	return d != NULL && pci_dev_is_removed(vdk_container_of(d, const struct pci_dev, pub));
}

int
vdk_pci_event_callback_register(vdk_pci_event_cb_t cb, void *arg)
{
	struct event_cb **pp, *e;

	if (cb == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ev_lock);
	for (pp = &ev_list; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->cb == cb && (*pp)->arg == arg) {
			pthread_mutex_unlock(&ev_lock);
			return -EEXIST;
		}
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		pthread_mutex_unlock(&ev_lock);
		return -ENOMEM;
	}
	e->cb = cb;
	e->arg = arg;
	*pp = e;
	pthread_mutex_unlock(&ev_lock);
	return 0;
}

int
vdk_pci_event_callback_unregister(vdk_pci_event_cb_t cb, void *arg)
{
	struct event_cb **pp, *e;

	if (cb == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ev_lock);
	for (pp = &ev_list; (e = *pp) != NULL; pp = &e->next)
		if (e->cb == cb && e->arg == arg)
			break;
	if (e == NULL) {
		pthread_mutex_unlock(&ev_lock);
		return -ENOENT;
	}
	*pp = e->next;
	/* After this returns the caller may free @arg: wait out a dispatch. */
	while (ev_running > 0 && !ev_in_callback)
		pthread_cond_wait(&ev_idle, &ev_lock);
	pthread_mutex_unlock(&ev_lock);
	free(e);
	return 0;
}

/*
 * Run every callback for @event. The list is copied under the lock so
 * that a callback may register or unregister; ev_running keeps an
 * unregistered entry's argument alive until the dispatch is over.
 */
static void
event_dispatch(struct vdk_pci_device *d, enum vdk_pci_event event)
{
	struct event_cb *e, *copy = NULL, **tail = &copy;

	pthread_mutex_lock(&ev_lock);
	for (e = ev_list; e != NULL; e = e->next) {
		struct event_cb *c = malloc(sizeof(*c));

		if (c == NULL) {
			VDK_LOG(ERR, PCI, "%s: out of memory: an event callback is skipped",
				d->name);
			continue;
		}
		*c = *e;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
	ev_running++;
	pthread_mutex_unlock(&ev_lock);
	ev_in_callback = true;
	while ((e = copy) != NULL) {
		copy = e->next;
		e->cb(d, event, e->arg);
		free(e);
	}
	ev_in_callback = false;
	pthread_mutex_lock(&ev_lock);
	if (--ev_running == 0)
		pthread_cond_broadcast(&ev_idle);
	pthread_mutex_unlock(&ev_lock);
}

static size_t
page_ceil(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (len + pg - 1) & ~(pg - 1);
}

/*
 * Put memory that reads all ones where BAR @bar was mapped. It is filled
 * elsewhere and moved over the BAR with mremap(), which replaces the old
 * mapping in one step: a reader sees the device or all ones, never zeros
 * and never a hole. Writes land in that memory and are lost.
 */
static void
bar_neutralize(struct vdk_pci_device *d, struct pci_vfio_dev *v, unsigned int bar)
{
	size_t len = page_ceil(v->bar_len[bar]);
	void *fill, *p;

	fill = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fill != MAP_FAILED) {
		memset(fill, 0xff, len);
		p = mremap(fill, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, v->bar_addr[bar]);
		if (p != MAP_FAILED)
			return;
		munmap(fill, len);
	}
	/* Second best: zeros, but still no SIGBUS and no device file held. */
	VDK_LOG(WARNING, PCI, "%s: BAR %u: cannot place all-ones memory over it (%s): it "
		"reads zeros now", d->name, bar, strerror(errno));
	p = mmap(v->bar_addr[bar], len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		VDK_LOG(ERR, PCI, "%s: BAR %u is still mapped (%s): the kernel's removal waits "
			"until the process exits", d->name, bar, strerror(errno));
}

/*
 * Let go of the device's VFIO side but keep its bookkeeping, which the
 * driver's remove() and pci_vfio_close() still walk at detach.
 */
static void
vfio_release(struct pci_dev *dev)
{
	struct pci_vfio_dev *v = dev->vfio;
	int nullfd;

	pci_req_disarm(dev);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd < 0 || dup2(nullfd, v->fd) < 0) {
		/* No spare fd: close it outright; its number may be reused. */
		VDK_LOG(WARNING, PCI, "%s: cannot park the device fd on /dev/null (%s): "
			"closing it", dev->pub.name, strerror(errno));
		eal_vfio_get_backend()->device_close(v->fd);
		v->fd = -1;
	}
	if (nullfd >= 0)
		close(nullfd);
	v->released = true;
	eal_vfio_group_put(v->group);
	v->group = NULL;
}

/*
 * The request's state. The interrupt thread's callback may be waiting for
 * the bus lock while a control thread, holding it, closes the device; so
 * the callback never blocks on the lock, and the ticket outlives the
 * device's VFIO side until the callback that holds it has seen it dead.
 */
struct pci_req {
	struct pci_dev *dev;
	int efd;
	int slot;
	bool dead;		/* disarmed: atomic access */
};

static void
req_free(struct pci_req *r)
{
	close(r->efd);
	free(r);
}

static void
on_request(struct vdk_pci_device *d, unsigned int vector, void *arg)
{
	struct pci_req *r = arg;
	struct pci_dev *dev = r->dev;
	struct timespec t0, t1, nap = { 0, 1000000 };
	struct pci_vfio_dev *v;

	(void)vector;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (eal_pci_trylock() != 0) {
		if (__atomic_load_n(&r->dead, __ATOMIC_ACQUIRE))
			goto free_req;
		nanosleep(&nap, NULL);
	}
	v = dev->vfio;
	if (__atomic_load_n(&r->dead, __ATOMIC_ACQUIRE) || v == NULL || d->driver == NULL) {
		eal_pci_unlock();
		goto free_req;
	}
	VDK_LOG(WARNING, PCI, "%s: the kernel asks for the device back (unbound, removed or "
		"unplugged): %s loses it now", d->name, d->driver->name);
	__atomic_store_n(&dev->removed, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < VDK_PCI_MAX_BARS; i++)
		if (v->bar_addr[i] != NULL)
			bar_neutralize(d, v, i);
	if (d->driver->removed != NULL)
		d->driver->removed(d);
	vfio_release(dev);	/* disarms: r is dead and ours to free */
	__atomic_add_fetch(&removals_in_flight, 1, __ATOMIC_ACQ_REL);
	eal_pci_unlock();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	VDK_LOG(NOTICE, PCI, "%s released to the kernel after %ld us", d->name,
		(long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000));
	event_dispatch(d, VDK_PCI_EVENT_REMOVED);
	__atomic_sub_fetch(&removals_in_flight, 1, __ATOMIC_ACQ_REL);
free_req:
	req_free(r);
}

bool
pci_removals_busy(void)
{
	return __atomic_load_n(&removals_in_flight, __ATOMIC_ACQUIRE) != 0;
}

int
pci_removals_wait(void)
{
	struct timespec nap = { 0, 1000000 };

	if (ev_in_callback)
		return __atomic_load_n(&removals_in_flight, __ATOMIC_ACQUIRE) ? -EBUSY : 0;
	while (__atomic_load_n(&removals_in_flight, __ATOMIC_ACQUIRE) != 0)
		nanosleep(&nap, NULL);
	return 0;
}

int
pci_req_arm(struct pci_dev *dev)
{
	const struct eal_vfio_backend *be = eal_vfio_get_backend();
	struct pci_vfio_dev *v = dev->vfio;
	uint32_t count = 0, flags = 0;
	struct pci_req *r;
	int ret;

	v->req = NULL;
	if (v->nb_irqs <= EAL_VFIO_IRQ_REQ ||
	    be->irq_info(v->fd, EAL_VFIO_IRQ_REQ, &count, &flags) < 0 || count == 0 ||
	    !(flags & EAL_VFIO_IRQ_F_EVENTFD)) {
		VDK_LOG(INFO, PCI, "%s: the kernel offers no device request interrupt: an "
			"unbind or unplug will wait until the process exits", dev->pub.name);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->dev = dev;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		ret = -errno;
		VDK_LOG(ERR, PCI, "%s: eventfd for the device request: %s", dev->pub.name,
			strerror(errno));
		free(r);
		return ret;
	}
	ret = be->irq_set(v->fd, EAL_VFIO_IRQ_REQ, EAL_VFIO_IRQ_TRIGGER, 0, 1, &r->efd);
	if (ret < 0) {
		VDK_LOG(ERR, PCI, "%s: cannot register the device request interrupt: %s",
			dev->pub.name, strerror(-ret));
		req_free(r);
		return ret;
	}
	r->slot = eal_intr_source_add(r->efd, &dev->pub, EAL_VFIO_IRQ_REQ, on_request, r);
	if (r->slot < 0) {
		ret = r->slot;
		be->irq_set(v->fd, EAL_VFIO_IRQ_REQ, EAL_VFIO_IRQ_DISABLE, 0, 0, NULL);
		req_free(r);
		return ret;
	}
	v->req = r;
	return 0;
}

/* Under the bus lock (pci_vfio_close(), or the request itself). */
void
pci_req_disarm(struct pci_dev *dev)
{
	struct pci_vfio_dev *v = dev->vfio;
	struct pci_req *r = v->req;

	if (r == NULL)
		return;
	v->req = NULL;
	if (!v->released)
		eal_vfio_get_backend()->irq_set(v->fd, EAL_VFIO_IRQ_REQ, EAL_VFIO_IRQ_DISABLE,
						0, 0, NULL);
	__atomic_store_n(&r->dead, true, __ATOMIC_RELEASE);
	/* A callback that runs now frees the ticket; otherwise it is ours. */
	if (!eal_intr_source_del(r->slot, false))
		req_free(r);
}
