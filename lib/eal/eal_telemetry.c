/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's telemetry: its commands (/info, /eal/lcore/list) and starting
 * and stopping the server. The EAL knows no ports or devices: ethdev,
 * mempool and nvme register their own commands.
 */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "eal_core_internal.h"
#include "telemetry_internal.h"
#include "vdk_eal.h"
#include "vdk_log.h"
#include "vdk_telemetry.h"

static const char *
iova_name(enum vdk_iova_mode m)
{
	return m == VDK_IOVA_PA ? "PA" : m == VDK_IOVA_VA ? "VA" : "DC";
}

static int
cmd_info(const char *cmd, const char *params, json_t **reply)
{
	(void)cmd;
	(void)params;
	*reply = json_pack("{sssssIsssssbsbsisi}",
			   "version", vdk_version(),
			   "app", program_invocation_short_name,
			   "pid", (json_int_t)getpid(),
			   "file_prefix", vdk_eal_file_prefix(),
			   "iova_mode", iova_name(vdk_eal_iova_mode()),
			   "hugepages", vdk_eal_has_hugepages() != 0,
			   "pci", vdk_eal_has_pci() != 0,
			   "lcores", (int)vdk_lcore_count(),
			   "main_lcore", (int)vdk_get_main_lcore());
	return *reply != NULL ? 0 : -ENOMEM;
}

static const char *
state_name(enum vdk_lcore_state s)
{
	return s == VDK_LCORE_RUNNING ? "running" : s == VDK_LCORE_FINISHED ? "finished" : "wait";
}

static int
cmd_lcore_list(const char *cmd, const char *params, json_t **reply)
{
	unsigned int main_lcore = vdk_get_main_lcore();
	json_t *a = json_array();

	(void)cmd;
	(void)params;
	if (a == NULL)
		return -ENOMEM;
	for (unsigned int l = 0; l < VDK_MAX_LCORE; l++) {
		if (!vdk_lcore_is_enabled(l))
			continue;
		json_array_append_new(a, json_pack("{sisisiss}", "lcore", (int)l,
			"cpu", vdk_lcore_to_cpu_id(l), "socket", vdk_lcore_to_socket_id(l),
			"role", l == main_lcore ? "main" : "worker"));
		if (l != main_lcore)
			json_object_set_new(json_array_get(a, json_array_size(a) - 1), "state",
					    json_string(state_name(vdk_eal_get_lcore_state(l))));
	}
	*reply = a;
	return 0;
}

__attribute__((constructor)) static void
eal_telemetry_register(void)
{
	vdk_telemetry_register_cmd("/info", cmd_info,
		"The process: version, pid, file prefix, memory and IOVA mode, lcores.");
	vdk_telemetry_register_cmd("/eal/lcore/list", cmd_lcore_list,
		"The lcores: id, CPU, NUMA node, main or worker and its state.");
}

/* Telemetry sits below the EAL: its messages come here to be logged. */
static void
telemetry_msg(const char *msg)
{
	VDK_LOG(ERR, EAL, "telemetry: %s", msg);
}

void
eal_telemetry_start(const struct eal_config *cfg)
{
	char base[PATH_MAX];
	cpu_set_t cpus;
	int ret;

	if (cfg->no_telemetry)
		return;
	eal_lcore_ctrl_cpuset(&cpus);
	ret = vdk_telemetry_runtime_dir(base, sizeof(base));
	if (ret == 0)
		ret = telemetry_start(base, vdk_eal_file_prefix(), &cpus, vdk_version(),
				      telemetry_msg);
	/* Telemetry is for looking in from outside: the app runs without it. */
	if (ret < 0)
		VDK_LOG(WARNING, EAL, "no telemetry socket (%s): the app runs without it; "
			"--no-telemetry says so quietly", strerror(-ret));
}

void
eal_telemetry_stop(void)
{
	telemetry_stop();
}
