/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ports' telemetry commands. They read counters through the same
 * calls `show port stats` makes: drivers keep totals the lcores only ever
 * add to, so reading them takes no lock an lcore takes.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "vdk_ethdev.h"
#include "vdk_telemetry.h"

/* The port in @params, or -ENODEV/-EINVAL with the client's message set. */
static int
port_param(const char *params, uint16_t *port_id)
{
	unsigned long v;
	int ret = vdk_telemetry_param_uint(params, VDK_ETH_MAX_PORTS - 1, &v);

	if (ret < 0)
		return ret;
	if (!vdk_eth_dev_is_valid_port((uint16_t)v)) {
		vdk_telemetry_error("port %lu: no such port: /ethdev/list lists them", v);
		return -ENODEV;
	}
	*port_id = (uint16_t)v;
	return 0;
}

static int
cmd_list(const char *cmd, const char *params, json_t **reply)
{
	struct vdk_eth_dev_info info;
	char name[VDK_ETH_NAME_SIZE];
	json_t *a = json_array();
	uint16_t p;

	(void)cmd;
	(void)params;
	if (a == NULL)
		return -ENOMEM;
	VDK_ETH_FOREACH_DEV(p) {
		if (vdk_eth_dev_get_name_by_port(p, name) != 0 ||
		    vdk_eth_dev_info_get(p, &info) != 0)
			continue;	/* closed meanwhile */
		json_array_append_new(a, json_pack("{sisssssb}", "port", (int)p, "name", name,
			"driver", info.driver_name != NULL ? info.driver_name : "",
			"started", vdk_eth_dev_is_started(p) == 1));
	}
	*reply = a;
	return 0;
}

/* @n counters of @v as a JSON array. */
static json_t *
queue_array(const uint64_t *v, unsigned int n)
{
	json_t *a = json_array();

	for (unsigned int i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static int
cmd_stats(const char *cmd, const char *params, json_t **reply)
{
	struct vdk_eth_stats s;
	uint16_t p, nb_rx = 0, nb_tx = 0;
	int ret;

	(void)cmd;
	ret = port_param(params, &p);
	if (ret == 0)
		ret = vdk_eth_stats_get(p, &s);
	if (ret < 0)
		return ret;
	vdk_eth_dev_get_nb_queues(p, &nb_rx, &nb_tx);
	nb_rx = VDK_MIN(nb_rx, VDK_ETH_QUEUE_STAT_CNTRS);
	nb_tx = VDK_MIN(nb_tx, VDK_ETH_QUEUE_STAT_CNTRS);
	*reply = json_pack("{sIsIsIsIsIsIsIsIsososososo}",
			   "ipackets", (json_int_t)s.ipackets, "opackets", (json_int_t)s.opackets,
			   "ibytes", (json_int_t)s.ibytes, "obytes", (json_int_t)s.obytes,
			   "imissed", (json_int_t)s.imissed, "ierrors", (json_int_t)s.ierrors,
			   "oerrors", (json_int_t)s.oerrors, "rx_nombuf", (json_int_t)s.rx_nombuf,
			   "q_ipackets", queue_array(s.q_ipackets, nb_rx),
			   "q_opackets", queue_array(s.q_opackets, nb_tx),
			   "q_ibytes", queue_array(s.q_ibytes, nb_rx),
			   "q_obytes", queue_array(s.q_obytes, nb_tx),
			   "q_errors", queue_array(s.q_errors, nb_rx));
	return *reply != NULL ? 0 : -ENOMEM;
}

static int
cmd_xstats(const char *cmd, const char *params, json_t **reply)
{
	struct vdk_eth_xstat_name *names = NULL;
	struct vdk_eth_xstat *vals = NULL;
	int n, ret;
	uint16_t p;
	json_t *o;

	(void)cmd;
	ret = port_param(params, &p);
	if (ret < 0)
		return ret;
	/* Names and values may change count in between (a queue set up): retry. */
	for (int tries = 0; tries < 3; tries++) {
		n = vdk_eth_xstats_get_names(p, NULL, 0);
		if (n < 0)
			return n;
		free(names);
		free(vals);
		names = calloc((size_t)n + 1, sizeof(*names));
		vals = calloc((size_t)n + 1, sizeof(*vals));
		if (names == NULL || vals == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		if (vdk_eth_xstats_get_names(p, names, (unsigned int)n) == n &&
		    (ret = vdk_eth_xstats_get(p, vals, (unsigned int)n)) == n)
			break;
		ret = ret < 0 ? ret : -EAGAIN;
	}
	if (ret < 0)
		goto out;
	o = json_object();
	for (int i = 0; o != NULL && i < n; i++)
		json_object_set_new(o, names[vals[i].id < (uint64_t)n ? vals[i].id : (uint64_t)i].name,
				    json_integer((json_int_t)vals[i].value));
	*reply = o;
	ret = o != NULL ? 0 : -ENOMEM;
out:
	free(names);
	free(vals);
	return ret;
}

static int
cmd_link_status(const char *cmd, const char *params, json_t **reply)
{
	struct vdk_eth_link link;
	uint16_t p;
	int ret;

	(void)cmd;
	ret = port_param(params, &p);
	if (ret == 0)
		ret = vdk_eth_link_get_nowait(p, &link);
	if (ret < 0)
		return ret;
	if (!link.link_status)
		*reply = json_pack("{ss}", "status", "DOWN");
	else
		*reply = json_pack("{sssIssss}", "status", "UP",
				   "speed", (json_int_t)link.link_speed,
				   "duplex", link.link_duplex == VDK_ETH_LINK_FULL_DUPLEX ?
					     "full-duplex" : "half-duplex",
				   "autoneg", link.link_autoneg ? "on" : "off");
	return *reply != NULL ? 0 : -ENOMEM;
}

__attribute__((constructor)) static void
ethdev_telemetry_register(void)
{
	vdk_telemetry_register_cmd("/ethdev/list", cmd_list,
		"The ports: id, name, driver, started.");
	vdk_telemetry_register_cmd("/ethdev/stats", cmd_stats,
		"A port's counters, as `show port stats` shows them: /ethdev/stats,PORT");
	vdk_telemetry_register_cmd("/ethdev/xstats", cmd_xstats,
		"A port's extended counters, by name: /ethdev/xstats,PORT");
	vdk_telemetry_register_cmd("/ethdev/link_status", cmd_link_status,
		"A port's link: status, speed, duplex: /ethdev/link_status,PORT");
}
