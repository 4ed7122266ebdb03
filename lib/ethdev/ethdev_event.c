/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port events (link change, removal, destroy): the apps' callbacks, for
 * one port or every port, and their calls from the thread that saw the
 * event.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ethdev_internal.h"
#include "vdk_ethdev.h"

struct eth_callback {
	struct eth_callback *next;
	uint16_t port_id;	/* or VDK_ETH_ALL_PORTS */
	enum vdk_eth_event_type event;
	vdk_eth_event_cb_t cb;
	void *arg;
};

static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct eth_callback *callbacks;

int
vdk_eth_dev_callback_register(uint16_t port_id, enum vdk_eth_event_type event,
			      vdk_eth_event_cb_t cb, void *cb_arg)
{
	struct eth_callback *c;

	if (cb == NULL || (unsigned int)event >= VDK_ETH_EVENT_MAX) {
		ETH_LOG(ERR, "callback register: need a function and a known event");
		return -EINVAL;
	}
	if (port_id != VDK_ETH_ALL_PORTS && eth_dev_lookup(port_id, "callback register") == NULL)
		return -ENODEV;
	pthread_mutex_lock(&cb_lock);
	for (c = callbacks; c != NULL; c = c->next) {
		if (c->port_id == port_id && c->event == event && c->cb == cb &&
		    c->arg == cb_arg) {
			pthread_mutex_unlock(&cb_lock);
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		pthread_mutex_unlock(&cb_lock);
		ETH_LOG(ERR, "callback register: out of memory");
		return -ENOMEM;
	}
	c->port_id = port_id;
	c->event = event;
	c->cb = cb;
	c->arg = cb_arg;
	c->next = callbacks;
	callbacks = c;
	pthread_mutex_unlock(&cb_lock);
	return 0;
}

int
vdk_eth_dev_callback_unregister(uint16_t port_id, enum vdk_eth_event_type event,
				vdk_eth_event_cb_t cb, void *cb_arg)
{
	struct eth_callback **pp, *c;

	if (cb == NULL || (unsigned int)event >= VDK_ETH_EVENT_MAX)
		return -EINVAL;
	pthread_mutex_lock(&cb_lock);
	for (pp = &callbacks; (c = *pp) != NULL; pp = &c->next) {
		if (c->port_id == port_id && c->event == event && c->cb == cb &&
		    c->arg == cb_arg) {
			*pp = c->next;
			pthread_mutex_unlock(&cb_lock);
			free(c);
			return 0;
		}
	}
	pthread_mutex_unlock(&cb_lock);
	return -ENOENT;
}

/* Callbacks run without cb_lock held, so that they may take their time. */
#define EVENT_MAX_CALLS 32

void
vdk_eth_dev_event_notify(struct vdk_eth_dev *dev, enum vdk_eth_event_type event)
{
	struct {
		vdk_eth_event_cb_t cb;
		void *arg;
	} calls[EVENT_MAX_CALLS];
	struct eth_callback *c;
	unsigned int i, n = 0;

	pthread_mutex_lock(&cb_lock);
	for (c = callbacks; c != NULL && n < EVENT_MAX_CALLS; c = c->next) {
		if (c->event == event &&
		    (c->port_id == dev->port_id || c->port_id == VDK_ETH_ALL_PORTS)) {
			calls[n].cb = c->cb;
			calls[n].arg = c->arg;
			n++;
		}
	}
	pthread_mutex_unlock(&cb_lock);
	for (i = 0; i < n; i++)
		calls[i].cb(dev->port_id, event, calls[i].arg);
}

void
eth_callbacks_drop_port(uint16_t port_id)
{
	struct eth_callback **pp, *c;

	pthread_mutex_lock(&cb_lock);
	for (pp = &callbacks; (c = *pp) != NULL;) {
		if (c->port_id == port_id) {
			*pp = c->next;
			free(c);
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&cb_lock);
}
