/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pools' telemetry commands. Free counts come from the ring's indexes
 * and the caches' lengths, read without a lock; a pool cannot be freed
 * while vdk_mempool_walk() shows it.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "vdk_mempool.h"
#include "vdk_telemetry.h"

static int
add_name(const struct vdk_mempool *mp, void *arg)
{
	return json_array_append_new(arg, json_string(mp->name)) == 0 ? 0 : -ENOMEM;
}

static int
cmd_list(const char *cmd, const char *params, json_t **reply)
{
	json_t *a = json_array();
	int ret;

	(void)cmd;
	(void)params;
	if (a == NULL)
		return -ENOMEM;
	ret = vdk_mempool_walk(add_name, a);
	*reply = a;
	return ret;
}

struct info_arg {
	const char *name;
	json_t *info;
};

static int
pool_info(const struct vdk_mempool *mp, void *arg)
{
	struct info_arg *ia = arg;
	unsigned int avail;

	if (strcmp(mp->name, ia->name) != 0)
		return 0;
	avail = vdk_mempool_avail_count(mp);
	ia->info = json_pack("{sssisisisisisisisisisi}",
			     "name", mp->name, "size", (int)mp->size,
			     "cache_size", (int)mp->cache_size, "elt_size", (int)mp->elt_size,
			     "total_elt_size", (int)mp->total_elt_size,
			     "private_data_size", (int)mp->private_data_size,
			     "socket_id", mp->socket_id, "flags", (int)mp->flags,
			     "nb_caches", (int)mp->nb_caches,
			     "avail", (int)avail, "in_use", (int)(mp->size - avail));
	return ia->info != NULL ? 1 : -ENOMEM;
}

static int
find_pool(const char *name, void *arg, json_t **found)
{
	struct info_arg ia = { .name = name };
	int ret;

	(void)arg;
	ret = vdk_mempool_walk(pool_info, &ia);
	*found = ia.info;
	return ret < 0 ? ret : 0;
}

static int
cmd_info(const char *cmd, const char *params, json_t **reply)
{
	return vdk_telemetry_reply_named(cmd, params, "pool", "/mempool/list", find_pool, NULL,
					 reply);
}

__attribute__((constructor)) static void
mempool_telemetry_register(void)
{
	vdk_telemetry_register_cmd("/mempool/list", cmd_list, "The pools' names.");
	vdk_telemetry_register_cmd("/mempool/info", cmd_info,
		"A pool's geometry and its free and used objects: /mempool/info,NAME");
}
