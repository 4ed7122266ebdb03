/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe driver's telemetry commands. Queue pair counters are sums each
 * owner stores with relaxed atomics (nvme_qpair.c); they are read here
 * without the queue pair's busy token, so a poll loop never waits for
 * telemetry. The controller list lock and ctrl_lock keep controllers and
 * queue pairs alive while they are read; neither is taken on the datapath.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "nvme_internal.h"
#include "vdk_telemetry.h"

/* An identify string (space padded, not terminated) as JSON, trimmed. */
static json_t *
id_string(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	return json_stringn_nocheck(s, n);
}

static int
add_ctrlr(struct vdk_nvme_ctrlr *c, void *arg)
{
	unsigned int nb_qpairs = 0;
	struct vdk_nvme_qpair *qp;
	json_t *o;

	pthread_mutex_lock(&c->ctrl_lock);
	for (qp = c->qpairs; qp != NULL; qp = qp->next)
		nb_qpairs++;
	pthread_mutex_unlock(&c->ctrl_lock);
	o = json_pack("{sssosososIsisisb}", "name", c->name,
		      "model", id_string(c->cdata.mn, sizeof(c->cdata.mn)),
		      "serial", id_string(c->cdata.sn, sizeof(c->cdata.sn)),
		      "firmware", id_string(c->cdata.fr, sizeof(c->cdata.fr)),
		      "version", (json_int_t)c->vs, "namespaces", (int)c->nb_ns,
		      "io_qpairs", (int)nb_qpairs, "failed", atomic_load(&c->failed));
	return json_array_append_new(arg, o) == 0 ? 0 : -ENOMEM;
}

static int
cmd_ctrlrs(const char *cmd, const char *params, json_t **reply)
{
	json_t *a = json_array();
	int ret;

	(void)cmd;
	(void)params;
	if (a == NULL)
		return -ENOMEM;
	ret = nvme_ctrlr_walk(add_ctrlr, a);
	*reply = a;
	return ret;
}

struct qpairs_arg {
	const char *name;
	json_t *list;
};

static json_t *
qpair_json(const struct vdk_nvme_qpair *qp)
{
	return json_pack("{sisisisisIsIsIsbsb}", "qid", (int)qp->qid, "entries", (int)qp->entries,
		"cq_entries", (int)qp->cq_entries,
		"outstanding", (int)__atomic_load_n(&qp->outstanding, __ATOMIC_RELAXED),
		"submitted", (json_int_t)__atomic_load_n(&qp->submitted, __ATOMIC_RELAXED),
		"completed", (json_int_t)__atomic_load_n(&qp->completed, __ATOMIC_RELAXED),
		"errors", (json_int_t)__atomic_load_n(&qp->errors, __ATOMIC_RELAXED),
		"interrupts", qp->interrupts, "gone", qp->gone);
}

static int
add_qpairs(struct vdk_nvme_ctrlr *c, void *arg)
{
	struct qpairs_arg *qa = arg;
	struct vdk_nvme_qpair *qp;

	/* A BDF given short (00:04.0) matches the full name's tail. */
	if (strcmp(c->name, qa->name) != 0 &&
	    (strlen(qa->name) != 7 || strlen(c->name) != 12 || strcmp(c->name + 5, qa->name) != 0))
		return 0;
	qa->list = json_array();
	if (qa->list == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&c->ctrl_lock);
	for (qp = c->qpairs; qp != NULL; qp = qp->next)
		json_array_append_new(qa->list, qpair_json(qp));
	pthread_mutex_unlock(&c->ctrl_lock);
	return 1;
}

static int
find_qpairs(const char *name, void *arg, json_t **found)
{
	struct qpairs_arg qa = { .name = name };
	int ret;

	(void)arg;
	ret = nvme_ctrlr_walk(add_qpairs, &qa);
	*found = qa.list;
	return ret < 0 ? ret : 0;
}

static int
cmd_qpairs(const char *cmd, const char *params, json_t **reply)
{
	return vdk_telemetry_reply_named(cmd, params, "NVMe controller", "/nvme/ctrlrs",
					 find_qpairs, NULL, reply);
}

__attribute__((constructor)) static void
nvme_telemetry_register(void)
{
	vdk_telemetry_register_cmd("/nvme/ctrlrs", cmd_ctrlrs,
		"The NVMe controllers: BDF, model, serial, firmware, namespaces, queue pairs.");
	vdk_telemetry_register_cmd("/nvme/qpairs", cmd_qpairs,
		"A controller's I/O queue pairs and their counters: /nvme/qpairs,BDF");
}
