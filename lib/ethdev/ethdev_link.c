/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's link: the state drivers publish (one atomic word, so lcores and
 * the interrupt thread read it without a lock; a change of up/down is the
 * port's LINK_CHANGE event), what apps read, and setting the link up or
 * down, which goes through the port's kernel interface where it has one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ethdev_internal.h"
#include "vdk_ethdev.h"

_Static_assert(sizeof(struct vdk_eth_link) == sizeof(uint64_t), "link fits a word");

void
vdk_eth_dev_link_read(const struct vdk_eth_dev *dev, struct vdk_eth_link *link)
{
	uint64_t v = __atomic_load_n(&dev->link, __ATOMIC_ACQUIRE);

	memcpy(link, &v, sizeof(*link));
}

int
vdk_eth_dev_link_set(struct vdk_eth_dev *dev, const struct vdk_eth_link *link)
{
	struct vdk_eth_link cur = *link;
	uint64_t v = 0, old;

	memcpy(&v, &cur, sizeof(cur));
	old = __atomic_exchange_n(&dev->link, v, __ATOMIC_ACQ_REL);
	if (old == v)
		return 0;
	memcpy(&cur, &old, sizeof(cur));
	if (cur.link_status != link->link_status)
		vdk_eth_dev_event_notify(dev, VDK_ETH_EVENT_LINK_CHANGE);
	return 1;
}

static int
link_get(uint16_t port_id, struct vdk_eth_link *link, int wait)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "link get");
	int ret;

	if (dev == NULL)
		return -ENODEV;
	if (link == NULL)
		return -EINVAL;
	ret = eth_dev_link_removed(dev) ? 0 : dev->ops->link_update(dev, wait);
	if (ret < 0)
		return eth_driver_error(dev, "link update", ret);
	vdk_eth_dev_link_read(dev, link);
	return 0;
}

int
vdk_eth_link_get(uint16_t port_id, struct vdk_eth_link *link)
{
	return link_get(port_id, link, 1);
}

int
vdk_eth_link_get_nowait(uint16_t port_id, struct vdk_eth_link *link)
{
	return link_get(port_id, link, 0);
}

int
vdk_eth_link_to_str(char *buf, size_t len, const struct vdk_eth_link *link)
{
	char speed[24];

	if (buf == NULL || link == NULL)
		return -EINVAL;
	if (link->link_status == VDK_ETH_LINK_DOWN)
		return snprintf(buf, len, "Link down");
	if (link->link_speed == VDK_ETH_SPEED_NUM_UNKNOWN ||
	    link->link_speed == VDK_ETH_SPEED_NUM_NONE)
		snprintf(speed, sizeof(speed), "unknown speed");
	else if (link->link_speed >= 1000 && link->link_speed % 1000 == 0)
		snprintf(speed, sizeof(speed), "%u Gbps", link->link_speed / 1000);
	else
		snprintf(speed, sizeof(speed), "%u Mbps", link->link_speed);
	return snprintf(buf, len, "Link up at %s, %s duplex, %s", speed,
			link->link_duplex ? "full" : "half",
			link->link_autoneg ? "autoneg" : "fixed");
}


/*
 * The link of a port with a kernel interface behind it (af_packet) is
 * that interface's IFF_UP: down, its veth or wire peer loses carrier.
 * Done here, on dev_info's if_name, so that drivers need no operation for it.
 */
static int
set_link(uint16_t port_id, bool up)
{
	const char *what = up ? "set the link up" : "set the link down";
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, what);
	struct vdk_eth_dev_info info;
	struct ifreq ifr;
	int fd, ret;

	if (dev == NULL)
		return -ENODEV;
	ret = eth_dev_info_get(dev, &info);
	if (ret != 0)
		return ret;
	if (info.if_name == NULL) {
		ETH_LOG(ERR, "port %u: driver %s cannot %s: only ports on a kernel interface can",
			port_id, dev->driver_name, what);
		return -ENOTSUP;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", info.if_name);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (ret == 0) {
		ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	ret = ret < 0 ? -errno : 0;
	close(fd);
	if (ret != 0)
		ETH_LOG(ERR, "port %u: cannot %s of %s: %s (needs CAP_NET_ADMIN)", port_id, what,
			info.if_name, strerror(-ret));
	return ret;
}

int
vdk_eth_dev_set_link_up(uint16_t port_id)
{
	return set_link(port_id, true);
}

int
vdk_eth_dev_set_link_down(uint16_t port_id)
{
	return set_link(port_id, false);
}
