/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commands that change a port's settings (`port config`, `set
 * link-up|link-down`, `set allmulti`, `mac_addr set`), `read reg` and
 * `write reg`, and `show port summary`. What they print on success and failure follows DPDK's
 * testpmd, so that scripts reading its output read ours; a refusal leaves
 * the port as it was.
 */
#include <errno.h>
#include <string.h>

#include "testpmd.h"

int
tp_set_link(struct testpmd *t, uint16_t port, bool up)
{
	int ret = up ? vdk_eth_dev_set_link_up(port) : vdk_eth_dev_set_link_down(port);

	/* DPDK's words; ethdev's log line says why. */
	if (ret != 0)
		fprintf(t->out, "\nSet link %s fail.\n", up ? "up" : "down");
	return ret;
}

int
tp_set_allmulti(struct testpmd *t, uint16_t port, bool on)
{
	int ret = on ? vdk_eth_allmulticast_enable(port) : vdk_eth_allmulticast_disable(port);

	if (ret != 0)
		fprintf(t->out, "Error during %s all-multicast mode for port %u: %s - ignore\n",
			on ? "enabling" : "disabling", port, strerror(-ret));
	return ret;
}

int
tp_set_mac(struct testpmd *t, uint16_t port, const struct vdk_ether_addr *mac)
{
	int ret = vdk_eth_dev_default_mac_addr_set(port, mac);

	if (ret != 0) {
		fprintf(t->out, "mac_addr_cmd error: (%s)\n", strerror(-ret));
		return ret;
	}
	/* mac and csum engines write the tx port's own address. */
	return t->forwarding ? tp_fwd_publish(t) : 0;
}

int
tp_port_config_mtu(struct testpmd *t, uint16_t port, unsigned int mtu)
{
	struct vdk_eth_dev_info info;
	int ret;

	if (mtu > UINT16_MAX)
		ret = -EINVAL;
	else
		ret = vdk_eth_dev_set_mtu(port, (uint16_t)mtu);
	if (ret != 0) {
		if (vdk_eth_dev_info_get(port, &info) == 0)
			fprintf(t->out, "Set MTU failed. diag=%d (port %u takes %u..%u)\n", ret,
				port, info.min_mtu, info.max_mtu);
		else
			fprintf(t->out, "Set MTU failed. diag=%d\n", ret);
	}
	return ret;
}

static int
reg_error(struct testpmd *t, uint16_t port, uint32_t off, int ret)
{
	if (ret == -ENOTSUP)
		fprintf(t->out, "Port %u: not a PCI port: it has no registers to show\n", port);
	else if (ret == -EINVAL && off % 4 != 0)
		fprintf(t->out, "Port %u: register offset %u (0x%X) is not 32-bit aligned\n", port,
			off, off);
	else if (ret == -EINVAL)
		fprintf(t->out, "Port %u: register offset %u (0x%X) out of port PCI resource\n",
			port, off, off);
	else
		fprintf(t->out, "Port %u: register at 0x%X: %s\n", port, off, strerror(-ret));
	return ret;
}

/* DPDK's line for a register's value. */
static void
reg_show(struct testpmd *t, uint16_t port, uint32_t off, uint32_t v)
{
	fprintf(t->out, "port %u PCI register at offset 0x%X: 0x%08X (%u)\n", port, off, v, v);
}

int
tp_read_reg(struct testpmd *t, uint16_t port, uint32_t off)
{
	uint32_t v;
	int ret = vdk_eth_dev_reg_read(port, off, &v);

	if (ret != 0)
		return reg_error(t, port, off, ret);
	reg_show(t, port, off, v);
	return 0;
}

int
tp_write_reg(struct testpmd *t, uint16_t port, uint32_t off, uint32_t v)
{
	int ret = vdk_eth_dev_reg_write(port, off, v);

	if (ret != 0)
		return reg_error(t, port, off, ret);
	/* What the device holds now, which is not always what was written. */
	ret = vdk_eth_dev_reg_read(port, off, &v);
	if (ret != 0)
		return reg_error(t, port, off, ret);
	reg_show(t, port, off, v);
	return 0;
}

static bool
all_ports_stopped(struct testpmd *t)
{
	uint16_t p;

	(void)t;
	VDK_ETH_FOREACH_DEV(p)
		if (vdk_eth_dev_is_started(p))
			return false;
	return true;
}

/*
 * `port config all rxq|txq|rxd|txd N`: checked against every port's
 * limits, applied at each port's next `port start`.
 */
int
tp_port_config_all(struct testpmd *t, const char *what, unsigned int n)
{
	struct vdk_eth_dev_info info;
	bool rxq = strcmp(what, "rxq") == 0, txq = strcmp(what, "txq") == 0;
	bool rxd = strcmp(what, "rxd") == 0, txd = strcmp(what, "txd") == 0;
	unsigned int max;
	uint16_t p;

	if (!rxq && !txq && !rxd && !txd) {
		fprintf(t->out, "Bad arguments: usage: port config all rxq|txq|rxd|txd <n>\n");
		return -EINVAL;
	}
	if (t->forwarding || !all_ports_stopped(t)) {
		fprintf(t->out, "Please stop all ports first\n");
		return -EBUSY;
	}
	if (n == 0 || ((rxq || txq) && n > TP_MAX_QUEUES) || n > UINT16_MAX) {
		fprintf(t->out, "Invalid %s %u: queues 1..%u, descriptors 1..65535\n", what, n,
			TP_MAX_QUEUES);
		return -EINVAL;
	}
	VDK_ETH_FOREACH_DEV(p) {
		if (vdk_eth_dev_info_get(p, &info) != 0)
			continue;
		max = rxq ? info.max_rx_queues : txq ? info.max_tx_queues :
		      rxd ? info.rx_desc_lim.nb_max : info.tx_desc_lim.nb_max;
		if (n > max) {
			fprintf(t->out, "Fail: input %s (%u) can't be greater than %s (%u) of port "
				"%u\n", what, n,
				rxq ? "max_rx_queues" : txq ? "max_tx_queues" :
				rxd ? "max_rxds" : "max_txds", max, p);
			return -EINVAL;
		}
	}
	if (rxq)
		t->params.nb_rxq = (uint16_t)n;
	else if (txq)
		t->params.nb_txq = (uint16_t)n;
	else if (rxd)
		t->params.nb_rxd = (uint16_t)n;
	else
		t->params.nb_txd = (uint16_t)n;
	VDK_ETH_FOREACH_DEV(p)
		t->ports[p].need_reconfig = true;
	return 0;
}

void
tp_show_port_summary(struct testpmd *t)
{
	struct vdk_eth_dev_info info;
	struct vdk_eth_link link;
	struct vdk_ether_addr mac;
	char name[VDK_ETH_NAME_SIZE], addr[VDK_ETHER_ADDR_FMT_SIZE], speed[32];
	uint16_t p;

	fprintf(t->out, "Number of available ports: %u\n", vdk_eth_dev_count_avail());
	fprintf(t->out, "Port MAC Address       Name         Driver         Status   Link\n");
	VDK_ETH_FOREACH_DEV(p) {
		if (vdk_eth_dev_info_get(p, &info) != 0 || vdk_eth_dev_get_name_by_port(p, name))
			continue;
		vdk_eth_macaddr_get(p, &mac);
		vdk_ether_format_addr(addr, sizeof(addr), &mac);
		if (vdk_eth_link_get_nowait(p, &link) != 0)
			memset(&link, 0, sizeof(link));
		if (link.link_speed == VDK_ETH_SPEED_NUM_UNKNOWN)
			snprintf(speed, sizeof(speed), "Unknown");
		else if (link.link_speed == VDK_ETH_SPEED_NUM_NONE)
			snprintf(speed, sizeof(speed), "None");
		else if (link.link_speed >= 1000 && link.link_speed % 1000 == 0)
			snprintf(speed, sizeof(speed), "%u Gbps", link.link_speed / 1000);
		else
			snprintf(speed, sizeof(speed), "%u Mbps", link.link_speed);
		fprintf(t->out, "%-4u %s %-12s %-14s %-8s %s\n", p, addr, name, info.driver_name,
			link.link_status ? "up" : "down", speed);
	}
}
