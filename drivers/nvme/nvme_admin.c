/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin queue: synchronous commands for bring-up and tools, raw
 * passthrough, and the admin commands the driver itself issues (Identify,
 * Set Features, Create/Delete I/O queues, Abort). Every use of the admin
 * queue holds admin_lock; no holder ever waits for an I/O queue pair, so
 * an lcore that needs the admin queue from the datapath can only be
 * delayed, never deadlocked (and it uses trylock anyway).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "nvme_internal.h"

struct nvme_sync {
	bool done;
	struct vdk_nvme_cpl cpl;
};

static void
nvme_sync_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct nvme_sync *s = arg;

	s->cpl = *cpl;
	s->done = true;
}

int
nvme_admin_sync_locked(struct vdk_nvme_ctrlr *c, struct vdk_nvme_cmd *cmd, void *buf,
		       uint32_t len, struct vdk_nvme_cpl *cpl)
{
	struct vdk_nvme_qpair *aq = c->adminq;
	struct nvme_sync s = { .done = false };
	uint64_t deadline;
	int ret;

	ret = nvme_qpair_submit(aq, cmd, buf, len, NULL, nvme_sync_done, &s);
	if (ret < 0)
		return ret;
	nvme_qpair_ring_sq(aq);
	deadline = vdk_rdtsc() + nvme_ms_to_tsc(c->admin_timeout_ms);
	for (;;) {
		nvme_qpair_poll(aq, 0);
		if (s.done)
			break;
		if (nvme_ctrlr_check_fatal(c) || vdk_rdtsc() > deadline) {
			struct nvme_tracker *tr = &aq->trackers[cmd->cid];

			/* Our frame goes away: a late completion must not reach it. */
			if (tr->active && tr->cb_arg == &s)
				tr->cb = NULL;
			if (atomic_load(&c->failed))
				return -ENXIO;
			NVME_LOG(ERR, c, "admin command %02xh got no completion within %u ms: the "
				 "controller may need a reset", cmd->opc, c->admin_timeout_ms);
			return -ETIMEDOUT;
		}
		nvme_ctrlr_wait_idle(c);
	}
	if (cpl != NULL)
		*cpl = s.cpl;
	if (vdk_nvme_cpl_is_error(&s.cpl)) {
		NVME_LOG(DEBUG, c, "admin command %02xh failed: %s (sct %u, sc %02xh)", cmd->opc,
			 vdk_nvme_cpl_status_str(&s.cpl), vdk_nvme_cpl_sct(&s.cpl),
			 vdk_nvme_cpl_sc(&s.cpl));
		return -EIO;
	}
	return 0;
}

int
vdk_nvme_ctrlr_admin_sync(struct vdk_nvme_ctrlr *c, const struct vdk_nvme_cmd *cmd, void *buf,
			  uint32_t len, struct vdk_nvme_cpl *cpl)
{
	struct vdk_nvme_cmd copy;
	int ret;

	if (c == NULL || cmd == NULL || (buf == NULL && len != 0))
		return -EINVAL;
	if (len > c->max_xfer) {
		NVME_LOG(ERR, c, "admin command %02xh: %u bytes exceed the largest transfer (%u)",
			 cmd->opc, len, c->max_xfer);
		return -EINVAL;
	}
	copy = *cmd;
	pthread_mutex_lock(&c->admin_lock);
	if (atomic_load(&c->failed))
		ret = -ENXIO;
	else
		ret = nvme_admin_sync_locked(c, &copy, len != 0 ? buf : NULL, len, cpl);
	pthread_mutex_unlock(&c->admin_lock);
	if (ret == -EFAULT)
		NVME_LOG(ERR, c, "admin command %02xh: the buffer %p is not DMA memory: use "
			 "vdk_dma_zmalloc()", cmd->opc, buf);
	return ret;
}

int
vdk_nvme_ctrlr_cmd_admin_raw(struct vdk_nvme_ctrlr *c, const struct vdk_nvme_cmd *cmd, void *buf,
			     uint32_t len, vdk_nvme_cmd_cb cb, void *cb_arg)
{
	struct vdk_nvme_cmd copy;
	int ret;

	if (c == NULL || cmd == NULL || (buf == NULL && len != 0))
		return -EINVAL;
	if (len > c->max_xfer) {
		NVME_LOG(ERR, c, "admin command %02xh: %u bytes exceed the largest transfer (%u)",
			 cmd->opc, len, c->max_xfer);
		return -EINVAL;
	}
	copy = *cmd;
	pthread_mutex_lock(&c->admin_lock);
	if (atomic_load(&c->failed)) {
		ret = -ENXIO;
	} else {
		ret = nvme_qpair_submit(c->adminq, &copy, len != 0 ? buf : NULL, len, NULL, cb,
					cb_arg);
		if (ret == 0)
			nvme_qpair_ring_sq(c->adminq);
		else if (ret == -ENOMEM)
			ret = -EAGAIN;
	}
	pthread_mutex_unlock(&c->admin_lock);
	if (ret == -EFAULT)
		NVME_LOG(ERR, c, "admin command %02xh: the buffer %p is not DMA memory: use "
			 "vdk_dma_zmalloc()", cmd->opc, buf);
	return ret;
}

int
vdk_nvme_ctrlr_process_admin_completions(struct vdk_nvme_ctrlr *c)
{
	int n;

	if (c == NULL)
		return -EINVAL;
	pthread_mutex_lock(&c->admin_lock);
	if (nvme_ctrlr_check_fatal(c)) {
		nvme_qpair_abort_all(c->adminq, VDK_NVME_SCT_PATH, VDK_NVME_SC_ABORTED_BY_HOST);
		n = -ENXIO;
	} else {
		n = nvme_qpair_poll(c->adminq, 0);
	}
	pthread_mutex_unlock(&c->admin_lock);
	return n;
}

static void
nvme_abort_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct vdk_nvme_ctrlr *c = arg;

	/* Under admin_lock, as every admin completion; a reset's abort_all comes here too. */
	if (c->aborts_outstanding > 0)
		c->aborts_outstanding--;
	/* CDW0 bit 0 set: the command was not aborted (§5.1). */
	if (vdk_nvme_cpl_is_error(cpl))
		NVME_LOG(WARNING, c, "abort failed: %s", vdk_nvme_cpl_status_str(cpl));
	else
		NVME_LOG(INFO, c, "abort: the command was %saborted",
			 (cpl->cdw0 & 1u) != 0 ? "not " : "");
}

/*
 * Abort (§5.1) command @cid of SQ @sqid, without waiting: the datapath
 * calls this. Fails with -EBUSY when the admin queue is in use right now,
 * or when Identify ACL + 1 Aborts are already outstanding (the controller
 * would complete one more with ABORT COMMAND LIMIT EXCEEDED, and Linux
 * keeps the same count); the caller tries again at its next check.
 */
int
nvme_ctrlr_abort_cmd(struct vdk_nvme_ctrlr *c, uint16_t sqid, uint16_t cid)
{
	struct vdk_nvme_cmd cmd = {
		.opc = VDK_NVME_OPC_ABORT,
		.cdw10 = ((uint32_t)cid << 16) | sqid,
	};
	int ret;

	if (pthread_mutex_trylock(&c->admin_lock) != 0)
		return -EBUSY;
	if (c->aborts_outstanding > c->cdata.acl) {
		pthread_mutex_unlock(&c->admin_lock);
		return -EBUSY;
	}
	ret = nvme_qpair_submit(c->adminq, &cmd, NULL, 0, NULL, nvme_abort_done, c);
	if (ret == 0) {
		c->aborts_outstanding++;
		nvme_qpair_ring_sq(c->adminq);
	}
	pthread_mutex_unlock(&c->admin_lock);
	return ret;
}
