/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts: eventfds handed to VFIO_DEVICE_SET_IRQS, and one thread per
 * process that waits on them with epoll and runs the callbacks.
 *
 * The thread and the control threads share a table of sources. An epoll
 * event carries a source's slot and generation rather than a pointer:
 * epoll_wait() may return an event for a source that a control thread
 * removed a moment later, and the stale generation tells the thread to
 * drop it. A control thread that removes the source whose callback is
 * running waits for it on a condition variable, so after unregister
 * returns the callback's argument may be freed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "eal_pci_internal.h"
#include "vdk_intr.h"
#include "vdk_log.h"

#define INTR_EPOLL_BATCH 16
#define INTR_WAKE_KEY UINT64_MAX

struct pci_intr {
	enum vdk_intr_mode mode;
	unsigned int nb;
	int *efds;
	int *slots;		/* per vector: slot in the table, -1 for none */
};

struct intr_source {
	bool used;
	uint32_t gen;
	int fd;
	struct vdk_pci_device *dev;
	unsigned int vector;
	vdk_intr_callback_t cb;
	void *arg;
};

static pthread_mutex_t intr_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t intr_done = PTHREAD_COND_INITIALIZER;
static struct intr_source *sources;
static unsigned int nb_sources;
static int running = -1;		/* slot whose callback runs now */
static bool thread_up;
static bool thread_stop;
static pthread_t intr_thread;
static int epfd = -1;
static int wake_fd = -1;

static const char *
mode_name(enum vdk_intr_mode m)
{
	switch (m) {
	case VDK_INTR_MODE_INTX: return "INTx";
	case VDK_INTR_MODE_MSI: return "MSI";
	case VDK_INTR_MODE_MSIX: return "MSI-X";
	default: return "none";
	}
}

static unsigned int
mode_index(enum vdk_intr_mode m)
{
	return m == VDK_INTR_MODE_MSIX ? EAL_VFIO_IRQ_MSIX :
	       m == VDK_INTR_MODE_MSI ? EAL_VFIO_IRQ_MSI : EAL_VFIO_IRQ_INTX;
}

static void
dispatch(uint64_t key)
{
	unsigned int slot = (unsigned int)(key >> 32);
	uint32_t gen = (uint32_t)key;
	struct intr_source *s;
	vdk_intr_callback_t cb;
	uint64_t count;
	void *arg;

	pthread_mutex_lock(&intr_lock);
	if (slot >= nb_sources || !sources[slot].used || sources[slot].gen != gen) {
		pthread_mutex_unlock(&intr_lock);
		return;
	}
	s = &sources[slot];
	/* Non-blocking: a second event for the same firing finds it empty. */
	if (read(s->fd, &count, sizeof(count)) != sizeof(count)) {
		pthread_mutex_unlock(&intr_lock);
		return;
	}
	cb = s->cb;
	arg = s->arg;
	running = (int)slot;
	{
		struct vdk_pci_device *dev = s->dev;
		unsigned int vector = s->vector;

		pthread_mutex_unlock(&intr_lock);
		cb(dev, vector, arg);
	}
	pthread_mutex_lock(&intr_lock);
	running = -1;
	pthread_cond_broadcast(&intr_done);
	pthread_mutex_unlock(&intr_lock);
}

static void *
intr_thread_main(void *unused)
{
	struct epoll_event ev[INTR_EPOLL_BATCH];

	(void)unused;
	for (;;) {
		int n = epoll_wait(epfd, ev, INTR_EPOLL_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			VDK_LOG(ERR, INTR, "epoll_wait: %s: interrupt thread stops",
				strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == INTR_WAKE_KEY) {
				uint64_t v;

				if (read(wake_fd, &v, sizeof(v)) < 0)
					VDK_LOG(DEBUG, INTR, "wake read: %s", strerror(errno));
				continue;
			}
			dispatch(ev[i].data.u64);
		}
		pthread_mutex_lock(&intr_lock);
		if (thread_stop) {
			pthread_mutex_unlock(&intr_lock);
			return NULL;
		}
		pthread_mutex_unlock(&intr_lock);
	}
}

/* Under intr_lock. */
static int
thread_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = INTR_WAKE_KEY };
	int ret;

	if (thread_up)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		goto sys_err;
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wake_fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev) != 0)
		goto sys_err;
	thread_stop = false;
	ret = pthread_create(&intr_thread, NULL, intr_thread_main, NULL);
	if (ret != 0) {
		errno = ret;
		goto sys_err;
	}
	pthread_setname_np(intr_thread, "vdk-intr");
	thread_up = true;
	return 0;
sys_err:
	ret = -errno;
	VDK_LOG(ERR, INTR, "cannot start the interrupt thread: %s", strerror(errno));
	if (wake_fd >= 0)
		close(wake_fd);
	if (epfd >= 0)
		close(epfd);
	wake_fd = epfd = -1;
	return ret;
}

void
eal_intr_cleanup(void)
{
	uint64_t one = 1;

	pthread_mutex_lock(&intr_lock);
	if (!thread_up) {
		pthread_mutex_unlock(&intr_lock);
		goto free_table;
	}
	thread_stop = true;
	pthread_mutex_unlock(&intr_lock);
	if (write(wake_fd, &one, sizeof(one)) != sizeof(one))
		VDK_LOG(WARNING, INTR, "cannot wake the interrupt thread: %s", strerror(errno));
	pthread_join(intr_thread, NULL);
	pthread_mutex_lock(&intr_lock);
	close(wake_fd);
	close(epfd);
	wake_fd = epfd = -1;
	thread_up = false;
	pthread_mutex_unlock(&intr_lock);
free_table:
	pthread_mutex_lock(&intr_lock);
	for (unsigned int i = 0; i < nb_sources; i++)
		if (sources[i].used)
			VDK_LOG(WARNING, INTR, "%s vector %u: callback still registered at cleanup",
				sources[i].dev->name, sources[i].vector);
	free(sources);
	sources = NULL;
	nb_sources = 0;
	pthread_mutex_unlock(&intr_lock);
}

static struct pci_intr *
dev_intr(struct vdk_pci_device *d)
{
	struct pci_vfio_dev *v = pci_dev_of(d)->vfio;

	return v != NULL ? v->intr : NULL;
}

static void
intr_free(struct pci_intr *in)
{
	for (unsigned int i = 0; i < in->nb; i++)
		if (in->efds[i] >= 0)
			close(in->efds[i]);
	free(in->efds);
	free(in->slots);
	free(in);
}

/* Settle AUTO and check @mode against what the device has. */
static int
pick_mode(struct vdk_pci_device *d, struct pci_vfio_dev *v, enum vdk_intr_mode *mode,
	  unsigned int *nb)
{
	const struct eal_vfio_backend *be = eal_vfio_get_backend();
	static const enum vdk_intr_mode order[] = {
		VDK_INTR_MODE_MSIX, VDK_INTR_MODE_MSI, VDK_INTR_MODE_INTX,
	};

	for (unsigned int i = 0; i < VDK_DIM(order); i++) {
		uint32_t count = 0, flags = 0;
		unsigned int idx = mode_index(order[i]);

		if (*mode != VDK_INTR_MODE_AUTO && *mode != order[i])
			continue;
		if (idx >= v->nb_irqs || be->irq_info(v->fd, idx, &count, &flags) < 0 ||
		    count == 0 || !(flags & EAL_VFIO_IRQ_F_EVENTFD)) {
			if (*mode == VDK_INTR_MODE_AUTO)
				continue;
			VDK_LOG(ERR, INTR, "%s has no %s interrupts", d->name, mode_name(*mode));
			return -ENOTSUP;
		}
		if (*mode == VDK_INTR_MODE_AUTO) {
			*nb = VDK_MIN(*nb, count);
		} else if (*nb > count) {
			VDK_LOG(ERR, INTR, "%s has %u %s vectors, %u asked", d->name, count,
				mode_name(*mode), *nb);
			return -ERANGE;
		}
		*mode = order[i];
		return 0;
	}
	VDK_LOG(ERR, INTR, "%s has no interrupts VFIO can deliver", d->name);
	return -ENOTSUP;
}

int
vdk_intr_enable(struct vdk_pci_device *d, enum vdk_intr_mode mode, unsigned int nb)
{
	struct pci_vfio_dev *v;
	struct pci_intr *in;
	int ret;

	if (d == NULL || nb == 0 || mode == VDK_INTR_MODE_NONE || mode > VDK_INTR_MODE_AUTO)
		return -EINVAL;
	v = pci_dev_of(d)->vfio;
	if (v == NULL) {
		VDK_LOG(ERR, INTR, "%s: interrupts need the device open (claimed by a driver)",
			d->name);
		return -ENODEV;
	}
	if (v->released) {
		VDK_LOG(DEBUG, INTR, "%s: the device was removed", d->name);
		return -ENODEV;
	}
	if (v->intr != NULL) {
		VDK_LOG(ERR, INTR, "%s: %s interrupts are enabled already: disable them first",
			d->name, mode_name(v->intr->mode));
		return -EBUSY;
	}
	ret = pick_mode(d, v, &mode, &nb);
	if (ret < 0)
		return ret;
	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return -ENOMEM;
	in->efds = malloc(nb * sizeof(int));
	in->slots = malloc(nb * sizeof(int));
	if (in->efds == NULL || in->slots == NULL) {
		free(in->efds);
		free(in->slots);
		free(in);
		return -ENOMEM;
	}
	in->mode = mode;
	for (in->nb = 0; in->nb < nb; in->nb++) {
		in->slots[in->nb] = -1;
		in->efds[in->nb] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (in->efds[in->nb] < 0) {
			ret = -errno;
			VDK_LOG(ERR, INTR, "%s: eventfd: %s", d->name, strerror(errno));
			goto free_intr;
		}
	}
	ret = eal_vfio_get_backend()->irq_set(v->fd, mode_index(mode), EAL_VFIO_IRQ_TRIGGER, 0,
					      nb, in->efds);
	if (ret < 0) {
		VDK_LOG(ERR, INTR, "%s: enabling %u %s vectors failed: %s", d->name, nb,
			mode_name(mode), strerror(-ret));
		goto free_intr;
	}
	v->intr = in;
	VDK_LOG(DEBUG, INTR, "%s: %u %s vectors enabled", d->name, nb, mode_name(mode));
	return 0;
free_intr:
	intr_free(in);
	return ret;
}

int
vdk_intr_disable(struct vdk_pci_device *d)
{
	struct pci_vfio_dev *v;
	struct pci_intr *in;
	int ret;

	if (d == NULL)
		return -EINVAL;
	v = pci_dev_of(d)->vfio;
	in = v != NULL ? v->intr : NULL;
	if (in == NULL)
		return 0;
	for (unsigned int i = 0; i < in->nb; i++)
		if (in->slots[i] >= 0)
			vdk_intr_callback_unregister(d, i);
	/* A released device's fd is no longer VFIO's: the kernel dropped its vectors. */
	ret = v->released ? 0 : eal_vfio_get_backend()->irq_set(v->fd, mode_index(in->mode),
								 EAL_VFIO_IRQ_DISABLE, 0, 0, NULL);
	if (ret < 0)
		VDK_LOG(WARNING, INTR, "%s: disabling %s failed: %s", d->name,
			mode_name(in->mode), strerror(-ret));
	v->intr = NULL;
	intr_free(in);
	return 0;
}

void
pci_intr_release(struct pci_dev *dev)
{
	vdk_intr_disable(&dev->pub);
}

enum vdk_intr_mode
vdk_intr_mode_get(struct vdk_pci_device *d)
{
	struct pci_intr *in = d != NULL ? dev_intr(d) : NULL;

	return in != NULL ? in->mode : VDK_INTR_MODE_NONE;
}

unsigned int
vdk_intr_vector_count(struct vdk_pci_device *d)
{
	struct pci_intr *in = d != NULL ? dev_intr(d) : NULL;

	return in != NULL ? in->nb : 0;
}

int
vdk_intr_efd(struct vdk_pci_device *d, unsigned int vector)
{
	struct pci_intr *in;

	if (d == NULL)
		return -EINVAL;
	in = dev_intr(d);
	if (in == NULL || vector >= in->nb)
		return -ENOENT;
	return in->efds[vector];
}

/* A free slot, growing the table; under intr_lock. */
static int
slot_alloc(void)
{
	unsigned int i, n;
	struct intr_source *t;

	for (i = 0; i < nb_sources; i++)
		if (!sources[i].used)
			return (int)i;
	n = nb_sources ? nb_sources * 2 : 16;
	t = realloc(sources, n * sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	memset(&t[nb_sources], 0, (n - nb_sources) * sizeof(*t));
	sources = t;
	nb_sources = n;
	return (int)i;
}

int
eal_intr_source_add(int fd, struct vdk_pci_device *d, unsigned int vector,
		    vdk_intr_callback_t cb, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct intr_source *s;
	int slot, ret;

	pthread_mutex_lock(&intr_lock);
	ret = thread_start();
	if (ret < 0)
		goto out;
	slot = slot_alloc();
	if (slot < 0) {
		ret = slot;
		goto out;
	}
	s = &sources[slot];
	s->gen++;
	s->fd = fd;
	s->dev = d;
	s->vector = vector;
	s->cb = cb;
	s->arg = arg;
	ev.data.u64 = ((uint64_t)slot << 32) | s->gen;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		ret = -errno;
		VDK_LOG(ERR, INTR, "%s vector %u: epoll_ctl: %s", d->name, vector, strerror(errno));
		goto out;
	}
	s->used = true;
	ret = slot;
out:
	pthread_mutex_unlock(&intr_lock);
	return ret;
}

bool
eal_intr_source_del(int slot, bool wait)
{
	bool busy;

	pthread_mutex_lock(&intr_lock);
	epoll_ctl(epfd, EPOLL_CTL_DEL, sources[slot].fd, NULL);
	sources[slot].used = false;
	sources[slot].gen++;
	while (wait && running == slot && !pthread_equal(pthread_self(), intr_thread))
		pthread_cond_wait(&intr_done, &intr_lock);
	busy = running == slot;
	pthread_mutex_unlock(&intr_lock);
	return busy;
}

int
vdk_intr_callback_register(struct vdk_pci_device *d, unsigned int vector,
			   vdk_intr_callback_t cb, void *arg)
{
	struct pci_intr *in;
	int slot;

	if (d == NULL || cb == NULL)
		return -EINVAL;
	in = dev_intr(d);
	if (in == NULL || vector >= in->nb) {
		VDK_LOG(ERR, INTR, "%s: no vector %u enabled (vdk_intr_enable first)", d->name,
			vector);
		return -ENOENT;
	}
	if (in->slots[vector] >= 0)
		return -EEXIST;
	slot = eal_intr_source_add(in->efds[vector], d, vector, cb, arg);
	if (slot < 0)
		return slot;
	in->slots[vector] = slot;
	return 0;
}

int
vdk_intr_callback_unregister(struct vdk_pci_device *d, unsigned int vector)
{
	struct pci_intr *in;

	if (d == NULL)
		return -EINVAL;
	in = dev_intr(d);
	if (in == NULL || vector >= in->nb || in->slots[vector] < 0)
		return -ENOENT;
	eal_intr_source_del(in->slots[vector], true);
	in->slots[vector] = -1;
	return 0;
}

int
vdk_intr_unmask(struct vdk_pci_device *d)
{
	struct pci_intr *in;
	int ret;

	if (d == NULL)
		return -EINVAL;
	in = dev_intr(d);
	if (in == NULL || in->mode != VDK_INTR_MODE_INTX)
		return -ENOTSUP;
	if (pci_dev_of(d)->vfio->released)
		return -ENODEV;
	ret = eal_vfio_get_backend()->irq_set(pci_dev_of(d)->vfio->fd, EAL_VFIO_IRQ_INTX,
					      EAL_VFIO_IRQ_UNMASK, 0, 1, NULL);
	if (ret < 0)
		VDK_LOG(ERR, INTR, "%s: INTx unmask failed: %s", d->name, strerror(-ret));
	return ret;
}
