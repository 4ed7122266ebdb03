/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue pairs: the submission and completion queues of the admin queue
 * and of each I/O queue pair, their command slots (trackers), data
 * pointers (PRPs and SGLs), completion by polling with the phase tag, and
 * the datapath's checks for timeouts and a fatal controller.
 *
 * Queue mechanics follow NVMe 1.4 §4.1 (circular queues, one entry always
 * empty, the SQ head learnt from each completion's SQHD) and §4.6 (the
 * phase tag inverts on each pass over the completion queue).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvme_internal.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_memory.h"

/*
 * Each thread's address of this variable is its token in a queue pair's
 * busy word: a reset run by the same thread (from a callback, or from the
 * timeout path) can then tell its own calls from other threads'.
 */
static __thread char nvme_thread_token;

int
nvme_qpair_enter(struct vdk_nvme_qpair *qp, bool *nested)
{
	uintptr_t me = (uintptr_t)&nvme_thread_token;

	if (atomic_load_explicit(&qp->busy, memory_order_relaxed) == me) {
		*nested = true;
		return 0;
	}
	*nested = false;
	/*
	 * Publish "busy" before reading "resetting"; the reset stores
	 * "resetting" before reading "busy". With a full fence on both
	 * sides, at least one of them sees the other.
	 */
	atomic_store_explicit(&qp->busy, me, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (vdk_unlikely(atomic_load_explicit(&qp->ctrlr->resetting, memory_order_relaxed))) {
		atomic_store_explicit(&qp->busy, 0, memory_order_release);
		return -EAGAIN;
	}
	return 0;
}

void
nvme_qpair_leave(struct vdk_nvme_qpair *qp, bool nested)
{
	if (!nested)
		atomic_store_explicit(&qp->busy, 0, memory_order_release);
}

bool
nvme_qpair_held_by_me(const struct vdk_nvme_qpair *qp)
{
	return atomic_load_explicit(&qp->busy, memory_order_relaxed) ==
	       (uintptr_t)&nvme_thread_token;
}

/*
 * A queue pair of @entries submission entries (entries - 1 commands in
 * flight) and @cq_entries completion entries, at least as many: NVMe lets
 * the two sizes differ (§5.3, §5.4).
 */
struct vdk_nvme_qpair *
nvme_qpair_create(struct vdk_nvme_ctrlr *c, uint16_t qid, uint32_t entries, uint32_t cq_entries)
{
	struct vdk_nvme_qpair *qp;
	uint32_t i, nb_tr = entries - 1;

	if (posix_memalign((void **)&qp, VDK_CACHE_LINE_SIZE, sizeof(*qp)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(qp, 0, sizeof(*qp));
	qp->ctrlr = c;
	qp->qid = qid;
	qp->entries = entries;
	qp->cq_entries = cq_entries;
	qp->trackers = calloc(nb_tr, sizeof(*qp->trackers));
	qp->sq = vdk_dma_zmalloc((size_t)entries * sizeof(struct vdk_nvme_cmd), NVME_PAGE_SIZE,
				 &qp->sq_iova);
	qp->cq = vdk_dma_zmalloc((size_t)cq_entries * sizeof(struct vdk_nvme_cpl), NVME_PAGE_SIZE,
				 &qp->cq_iova);
	qp->areas = vdk_dma_zmalloc((size_t)nb_tr * NVME_CMD_AREA, NVME_PAGE_SIZE, NULL);
	if (qp->trackers == NULL || qp->sq == NULL || qp->cq == NULL || qp->areas == NULL) {
		NVME_LOG(ERR, c, "no memory for queue %u of %u entries (%zu bytes of DMA memory):"
			 " reserve more hugepages or pass a larger -m", qid, entries,
			 (size_t)entries * 64 + (size_t)cq_entries * 16 + (size_t)nb_tr * NVME_CMD_AREA);
		nvme_qpair_destroy(qp);
		errno = ENOMEM;
		return NULL;
	}
	/* Lowest command identifiers first, which keeps traces readable. */
	for (i = nb_tr; i > 0; i--) {
		struct nvme_tracker *tr = &qp->trackers[i - 1];

		tr->cid = (uint16_t)(i - 1);
		tr->area = (char *)qp->areas + (size_t)(i - 1) * NVME_CMD_AREA;
		tr->area_iova = vdk_mem_virt2iova(tr->area);
		tr->next_free = qp->free_trackers;
		qp->free_trackers = tr;
	}
	qp->sq_db = nvme_sq_doorbell(c, qid);
	qp->cq_db = nvme_cq_doorbell(c, qid);
	nvme_qpair_reset_state(qp);
	return qp;
}

void
nvme_qpair_destroy(struct vdk_nvme_qpair *qp)
{
	if (qp == NULL)
		return;
	vdk_dma_free(qp->areas);
	vdk_dma_free(qp->cq);
	vdk_dma_free(qp->sq);
	free(qp->trackers);
	free(qp);
}

/*
 * Empty queues, as the controller sees them after they are created (or
 * after a controller reset): all indices 0, and completion entries zeroed
 * so that phase 1 marks a new one (§4.6). Trackers keep their state: a
 * reset bumps the epoch so their owner aborts them.
 */
void
nvme_qpair_reset_state(struct vdk_nvme_qpair *qp)
{
	memset(qp->cq, 0, (size_t)qp->cq_entries * sizeof(struct vdk_nvme_cpl));
	qp->sq_tail = qp->sq_tail_rung = qp->sq_head = 0;
	qp->cq_head = qp->cq_head_rung = 0;
	qp->phase = 1;
	qp->next_check = 0;
}

static inline void
nvme_tracker_complete(struct vdk_nvme_qpair *qp, struct nvme_tracker *tr,
		      const struct vdk_nvme_cpl *cpl)
{
	vdk_nvme_cmd_cb cb = tr->cb;
	void *arg = tr->cb_arg;

	/* Free the slot first, so the callback can reuse it. */
	tr->active = 0;
	tr->cb = NULL;
	tr->next_free = qp->free_trackers;
	qp->free_trackers = tr;
	qp->outstanding--;
	__atomic_store_n(&qp->completed, qp->completed + 1, __ATOMIC_RELAXED);
	if (vdk_nvme_cpl_is_error(cpl))
		__atomic_store_n(&qp->errors, qp->errors + 1, __ATOMIC_RELAXED);
	if (cb != NULL)
		cb(arg, cpl);
}

/* Complete outstanding commands with a status of the driver's making. */
static void
nvme_qpair_abort_where(struct vdk_nvme_qpair *qp, uint8_t sct, uint8_t sc, bool old_only)
{
	uint32_t i, epoch = qp->epoch;

	for (i = 0; i < qp->entries - 1; i++) {
		struct nvme_tracker *tr = &qp->trackers[i];
		struct vdk_nvme_cpl cpl = {
			.sqid = qp->qid,
			.cid = tr->cid,
			.status = (uint16_t)(VDK_NVME_SET(STATUS_SCT, sct) |
					     VDK_NVME_SET(STATUS_SC, sc) |
					     VDK_NVME_SET(STATUS_DNR, 1)),
		};

		if (!tr->active || (old_only && tr->epoch == epoch))
			continue;
		nvme_tracker_complete(qp, tr, &cpl);
	}
}

void
nvme_qpair_abort_all(struct vdk_nvme_qpair *qp, uint8_t sct, uint8_t sc)
{
	nvme_qpair_abort_where(qp, sct, sc, false);
}

void
nvme_qpair_ring_sq(struct vdk_nvme_qpair *qp)
{
	if (qp->sq_tail == qp->sq_tail_rung)
		return;
	/* The entries must be in memory before the controller fetches them. */
	vdk_io_wmb();
	*qp->sq_db = qp->sq_tail;
	qp->sq_tail_rung = qp->sq_tail;
}

/*
 * PRPs (§4.3): PRP1 is the first byte, at any dword offset in its page;
 * the other entries are whole pages. Two pages fit in PRP1 and PRP2;
 * more take a PRP list in the command's area, pointed to by PRP2.
 */
int
nvme_build_prps(struct vdk_nvme_ctrlr *c, struct nvme_tracker *tr, struct vdk_nvme_cmd *cmd,
		void *buf, uint32_t len)
{
	uintptr_t va = (uintptr_t)buf, next;
	uint32_t pg = c->page_size, first, npages, i;
	uint64_t *list = tr->area;
	uint64_t iova;

	/* No data: the data pointer is the caller's (a queue's base address). */
	if (len == 0)
		return 0;
	cmd->flags &= (uint8_t)~(VDK_NVME_CMD_PSDT_MASK << VDK_NVME_CMD_PSDT_SHIFT);
	cmd->dptr.prp.prp2 = 0;
	if ((va & 3) != 0)
		return -EINVAL;
	iova = vdk_mem_virt2iova(buf);
	if (iova == VDK_BAD_IOVA)
		return -EFAULT;
	cmd->dptr.prp.prp1 = iova;
	first = pg - (uint32_t)(va & (pg - 1));
	if (len <= first)
		return 0;
	next = va + first;
	npages = (len - first + pg - 1) / pg;
	if (npages == 1) {
		iova = vdk_mem_virt2iova((void *)next);
		if (iova == VDK_BAD_IOVA)
			return -EFAULT;
		cmd->dptr.prp.prp2 = iova;
		return 0;
	}
	if (npages > NVME_CMD_AREA / sizeof(uint64_t))
		return -EINVAL;
	for (i = 0; i < npages; i++) {
		iova = vdk_mem_virt2iova((void *)(next + (uintptr_t)i * pg));
		if (iova == VDK_BAD_IOVA)
			return -EFAULT;
		list[i] = iova;
	}
	cmd->dptr.prp.prp2 = tr->area_iova;
	return 0;
}

/*
 * SGL (§4.4): one data block descriptor in the command for a single
 * IOVA-contiguous run, else a last-segment descriptor pointing at data
 * block descriptors in the command's area. A buffer is split where its
 * pages stop being IOVA-contiguous (physical-address mode).
 */
static int
nvme_build_sgl(struct vdk_nvme_ctrlr *c, struct nvme_tracker *tr, struct vdk_nvme_cmd *cmd,
	       const struct iovec *iov, int iovcnt)
{
	struct vdk_nvme_sgl_desc *d = tr->area;
	bool dword = (c->cdata.sgls & VDK_NVME_SGLS_SUPPORT_MASK) == VDK_NVME_SGLS_DWORD_ALIGN;
	uint32_t nd = 0, pg = c->page_size;
	int i;

	for (i = 0; i < iovcnt; i++) {
		uintptr_t va = (uintptr_t)iov[i].iov_base;
		size_t left = iov[i].iov_len;

		if (dword && ((va | left) & 3) != 0)
			return -EINVAL;
		while (left > 0) {
			uint64_t iova = vdk_mem_virt2iova((void *)va);
			size_t run = VDK_MIN(left, pg - (va & (pg - 1)));

			if (iova == VDK_BAD_IOVA)
				return -EFAULT;
			if (nd > 0 && d[nd - 1].addr + d[nd - 1].len == iova &&
			    (uint64_t)d[nd - 1].len + run <= UINT32_MAX) {
				d[nd - 1].len += (uint32_t)run;
			} else {
				if (nd == NVME_MAX_SGL_DESC)
					return -EINVAL;
				d[nd] = (struct vdk_nvme_sgl_desc){
					.addr = iova, .len = (uint32_t)run,
					.id = VDK_NVME_SGL_ID(VDK_NVME_SGL_TYPE_DATA_BLOCK),
				};
				nd++;
			}
			va += run;
			left -= run;
		}
	}
	if (nd == 0)
		return -EINVAL;
	cmd->flags = (uint8_t)((cmd->flags & ~(VDK_NVME_CMD_PSDT_MASK << VDK_NVME_CMD_PSDT_SHIFT)) |
			       VDK_NVME_SET(CMD_PSDT, VDK_NVME_PSDT_SGL_MPTR_CONTIG));
	if (nd == 1) {
		cmd->dptr.sgl1 = d[0];
	} else {
		cmd->dptr.sgl1 = (struct vdk_nvme_sgl_desc){
			.addr = tr->area_iova,
			.len = nd * (uint32_t)sizeof(*d),
			.id = VDK_NVME_SGL_ID(VDK_NVME_SGL_TYPE_LAST_SEGMENT),
		};
	}
	return 0;
}

/* PRPs for a vector: every boundary between two buffers on a page boundary. */
static int
nvme_build_prps_iov(struct vdk_nvme_ctrlr *c, struct nvme_tracker *tr,
		    struct vdk_nvme_cmd *cmd, const struct iovec *iov, int iovcnt)
{
	uint64_t *list = tr->area, iova;
	uint32_t pg = c->page_size, n = 0;
	bool have_prp1 = false;
	int i;

	cmd->flags &= (uint8_t)~(VDK_NVME_CMD_PSDT_MASK << VDK_NVME_CMD_PSDT_SHIFT);
	cmd->dptr.prp.prp2 = 0;
	for (i = 0; i < iovcnt; i++) {
		uintptr_t va = (uintptr_t)iov[i].iov_base, end = va + iov[i].iov_len;

		if (iov[i].iov_len == 0)
			return -EINVAL;
		if ((i > 0 && (va & (pg - 1)) != 0) || (i < iovcnt - 1 && (end & (pg - 1)) != 0) ||
		    (va & 3) != 0)
			return -EINVAL;
		while (va < end) {
			iova = vdk_mem_virt2iova((void *)va);
			if (iova == VDK_BAD_IOVA)
				return -EFAULT;
			if (!have_prp1) {
				cmd->dptr.prp.prp1 = iova;
				have_prp1 = true;
			} else {
				if (n == NVME_CMD_AREA / sizeof(uint64_t))
					return -EINVAL;
				list[n++] = iova;
			}
			va = (va & ~(uintptr_t)(pg - 1)) + pg;
		}
	}
	if (n == 1)
		cmd->dptr.prp.prp2 = list[0];
	else if (n > 1)
		cmd->dptr.prp.prp2 = tr->area_iova;
	return 0;
}

/* Take a free slot; NULL when none (or the SQ is full by our last view). */
static inline struct nvme_tracker *
nvme_tracker_get(struct vdk_nvme_qpair *qp)
{
	struct nvme_tracker *tr = qp->free_trackers;
	uint16_t next = (uint16_t)((uint32_t)qp->sq_tail + 1 == qp->entries ? 0 : qp->sq_tail + 1);

	if (vdk_unlikely(tr == NULL || next == qp->sq_head))
		return NULL;
	return tr;
}

/* Copy @cmd into the SQ as the command of @tr; ring now or later. */
static inline void
nvme_qpair_post(struct vdk_nvme_qpair *qp, struct nvme_tracker *tr, struct vdk_nvme_cmd *cmd,
		vdk_nvme_cmd_cb cb, void *cb_arg)
{
	struct vdk_nvme_ctrlr *c = qp->ctrlr;

	qp->free_trackers = tr->next_free;
	tr->cb = cb;
	tr->cb_arg = cb_arg;
	tr->epoch = qp->epoch;
	tr->active = 1;
	tr->abort_sent = 0;
	tr->opc = cmd->opc;
	tr->deadline = c->io_timeout_tsc != 0 && qp->qid != 0 ? vdk_rdtsc() + c->io_timeout_tsc : 0;
	cmd->cid = tr->cid;
	qp->sq[qp->sq_tail] = *cmd;
	qp->sq_tail = (uint16_t)((uint32_t)qp->sq_tail + 1 == qp->entries ? 0 : qp->sq_tail + 1);
	qp->outstanding++;
	__atomic_store_n(&qp->submitted, qp->submitted + 1, __ATOMIC_RELAXED);
	if (qp->doorbell_per_cmd)
		nvme_qpair_ring_sq(qp);
}

int
nvme_qpair_submit(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd, void *buf, uint32_t len,
		  void *md, vdk_nvme_cmd_cb cb, void *cb_arg)
{
	struct nvme_tracker *tr;
	int ret;

	if (vdk_unlikely(qp->gone))
		return -ENXIO;
	tr = nvme_tracker_get(qp);
	if (vdk_unlikely(tr == NULL))
		return -ENOMEM;
	ret = nvme_build_prps(qp->ctrlr, tr, cmd, buf, len);
	if (vdk_unlikely(ret < 0))
		return ret;
	if (md != NULL) {
		cmd->mptr = vdk_mem_virt2iova(md);
		if (cmd->mptr == VDK_BAD_IOVA)
			return -EFAULT;
	}
	nvme_qpair_post(qp, tr, cmd, cb, cb_arg);
	return 0;
}

int
nvme_qpair_submit_iov(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd,
		      const struct iovec *iov, int iovcnt, uint32_t len, vdk_nvme_cmd_cb cb,
		      void *cb_arg)
{
	struct nvme_tracker *tr;
	uint64_t total = 0;
	int i, ret;

	if (iovcnt <= 0 || iovcnt > NVME_MAX_IOV)
		return -EINVAL;
	for (i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total != len)
		return -EINVAL;
	if (vdk_unlikely(qp->gone))
		return -ENXIO;
	tr = nvme_tracker_get(qp);
	if (tr == NULL)
		return -ENOMEM;
	if (qp->ctrlr->sgl)
		ret = nvme_build_sgl(qp->ctrlr, tr, cmd, iov, iovcnt);
	else
		ret = nvme_build_prps_iov(qp->ctrlr, tr, cmd, iov, iovcnt);
	if (ret < 0)
		return ret;
	nvme_qpair_post(qp, tr, cmd, cb, cb_arg);
	return 0;
}

int
nvme_qpair_submit_dsm(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd,
		      const struct vdk_nvme_dsm_range *ranges, uint16_t nr, vdk_nvme_cmd_cb cb,
		      void *cb_arg)
{
	struct nvme_tracker *tr;

	if (vdk_unlikely(qp->gone))
		return -ENXIO;
	tr = nvme_tracker_get(qp);
	if (tr == NULL)
		return -ENOMEM;
	/* The ranges go to the command's own page: no user buffer to pin. */
	memcpy(tr->area, ranges, (size_t)nr * sizeof(*ranges));
	cmd->flags &= (uint8_t)~(VDK_NVME_CMD_PSDT_MASK << VDK_NVME_CMD_PSDT_SHIFT);
	cmd->dptr.prp.prp1 = tr->area_iova;
	cmd->dptr.prp.prp2 = 0;
	nvme_qpair_post(qp, tr, cmd, cb, cb_arg);
	return 0;
}

/*
 * Consume completions: a new entry is one whose phase tag equals the
 * phase of this pass (§4.6). The CQ head doorbell is written once for
 * the whole batch, and the SQ doorbell once for what callbacks queued.
 * At most cq_entries - 1 a call, all a well-behaved controller can post
 * before the head doorbell moves: one that overwrites entries it has not
 * been given back, or that completes at once what callbacks resubmit,
 * cannot keep the caller here (SPDK caps the same way).
 */
int
nvme_qpair_poll(struct vdk_nvme_qpair *qp, uint32_t max)
{
	uint32_t n = 0;

	if (max == 0 || max > qp->cq_entries - 1)
		max = qp->cq_entries - 1;
	nvme_qpair_ring_sq(qp);
	while (n < max) {
		volatile struct vdk_nvme_cpl *e = &qp->cq[qp->cq_head];
		struct vdk_nvme_cpl cpl;
		struct nvme_tracker *tr;

		if ((e->status & 1u) != qp->phase)
			break;
		/* Read the rest of the entry only after its phase tag. */
		vdk_io_rmb();
		memcpy(&cpl, (const void *)e, sizeof(cpl));
		if ((uint32_t)qp->cq_head + 1 == qp->cq_entries) {
			qp->cq_head = 0;
			qp->phase ^= 1;
		} else {
			qp->cq_head++;
		}
		n++;
		if (cpl.sqhd < qp->entries)
			qp->sq_head = cpl.sqhd;
		if (vdk_unlikely(cpl.cid >= qp->entries - 1 || !qp->trackers[cpl.cid].active)) {
			NVME_LOG(ERR, qp->ctrlr, "queue %u: completion for command %u, which is "
				 "not outstanding: ignored", qp->qid, cpl.cid);
			continue;
		}
		tr = &qp->trackers[cpl.cid];
		nvme_tracker_complete(qp, tr, &cpl);
	}
	if (qp->cq_head != qp->cq_head_rung) {
		*qp->cq_db = qp->cq_head;
		qp->cq_head_rung = qp->cq_head;
	}
	nvme_qpair_ring_sq(qp);
	return (int)n;
}

/*
 * Now and then, with commands outstanding: is the controller fatal or
 * gone, and has a command outlived its timeout? A command that times out
 * is aborted (§5.1); one that outlives a second timeout gets the
 * controller reset. Returns -ENXIO when the controller failed.
 */
static int
nvme_qpair_check(struct vdk_nvme_qpair *qp, uint64_t now)
{
	struct vdk_nvme_ctrlr *c = qp->ctrlr;
	bool reset = false;
	uint32_t i;

	qp->next_check = now + nvme_ms_to_tsc(NVME_CHECK_INTERVAL_MS);
	if (nvme_ctrlr_check_fatal(c))
		return -ENXIO;
	if (pthread_mutex_trylock(&c->admin_lock) == 0) {
		/* Collect the answers to our aborts. */
		nvme_qpair_poll(c->adminq, 0);
		pthread_mutex_unlock(&c->admin_lock);
	}
	if (c->io_timeout_tsc == 0)
		return 0;
	for (i = 0; i < qp->entries - 1; i++) {
		struct nvme_tracker *tr = &qp->trackers[i];

		if (!tr->active || tr->deadline == 0 || now < tr->deadline)
			continue;
		if (tr->abort_sent) {
			NVME_LOG(ERR, c, "queue %u: command %u (opcode %02xh) still outstanding after "
				 "an abort: resetting the controller", qp->qid, tr->cid, tr->opc);
			reset = true;
			break;
		}
		/*
		 * Said once, when the Abort goes: with the admin queue busy or
		 * ACL + 1 Aborts out, the next check (10 ms on) tries again.
		 */
		if (nvme_ctrlr_abort_cmd(c, qp->qid, tr->cid) == 0) {
			NVME_LOG(WARNING, c, "queue %u: command %u (opcode %02xh) timed out after %"
				 PRIu64 " ms: aborting it", qp->qid, tr->cid, tr->opc,
				 c->io_timeout_tsc / (vdk_get_tsc_hz() / 1000));
			tr->abort_sent = 1;
			tr->deadline = now + c->io_timeout_tsc;
		}
	}
	if (reset)
		nvme_ctrlr_reset_from(c, false);
	return 0;
}

/* What a queue pair owes its user first: aborts from a reset or failure. */
static inline int
nvme_qpair_settle(struct vdk_nvme_qpair *qp)
{
	if (vdk_unlikely(qp->seen_epoch != qp->epoch)) {
		nvme_qpair_abort_where(qp, VDK_NVME_SCT_GENERIC, VDK_NVME_SC_ABORTED_SQ_DELETION,
				       true);
		qp->seen_epoch = qp->epoch;
	}
	if (vdk_unlikely(atomic_load_explicit(&qp->ctrlr->failed, memory_order_relaxed) ||
			 qp->gone)) {
		nvme_qpair_abort_all(qp, VDK_NVME_SCT_PATH, VDK_NVME_SC_ABORTED_BY_HOST);
		return -ENXIO;
	}
	return 0;
}

int
vdk_nvme_qpair_process_completions(struct vdk_nvme_qpair *qp, uint32_t max)
{
	bool nested;
	int n, ret;

	if (qp == NULL)
		return -EINVAL;
	ret = nvme_qpair_enter(qp, &nested);
	if (ret < 0)
		return ret;
	ret = nvme_qpair_settle(qp);
	if (ret < 0)
		goto leave;
	n = nvme_qpair_poll(qp, max);
	if (qp->outstanding > 0) {
		uint64_t now = vdk_rdtsc();

		if (qp->next_check == 0)
			qp->next_check = now + nvme_ms_to_tsc(NVME_CHECK_INTERVAL_MS);
		else if (now >= qp->next_check && nvme_qpair_check(qp, now) < 0)
			n = -ENXIO;
		if (qp->seen_epoch != qp->epoch || n < 0) {
			ret = nvme_qpair_settle(qp);
			if (ret < 0)
				goto leave;
		}
	}
	ret = n;
leave:
	nvme_qpair_leave(qp, nested);
	return ret;
}

int
vdk_nvme_qpair_flush(struct vdk_nvme_qpair *qp)
{
	bool nested;
	int ret;

	if (qp == NULL)
		return -EINVAL;
	ret = nvme_qpair_enter(qp, &nested);
	if (ret < 0)
		return ret;
	if (atomic_load_explicit(&qp->ctrlr->failed, memory_order_relaxed) || qp->gone)
		ret = -ENXIO;
	else
		nvme_qpair_ring_sq(qp);
	nvme_qpair_leave(qp, nested);
	return ret;
}

uint32_t
vdk_nvme_qpair_outstanding(const struct vdk_nvme_qpair *qp)
{
	return qp == NULL ? 0 : qp->outstanding;
}

uint16_t
vdk_nvme_qpair_id(const struct vdk_nvme_qpair *qp)
{
	return qp == NULL ? 0 : qp->qid;
}

int
vdk_nvme_qpair_wait(struct vdk_nvme_qpair *qp, int timeout_ms)
{
	struct pollfd pfd;
	uint64_t count;
	int ret, efd;

	if (qp == NULL)
		return -EINVAL;
	if (!qp->interrupts)
		return -ENOTSUP;
	ret = vdk_nvme_qpair_flush(qp);
	if (ret < 0)
		return ret;
	efd = qp->ctrlr->tp->intr_efd(qp->ctrlr, qp->qid);
	if (efd < 0)
		return efd;
	pfd = (struct pollfd){ .fd = efd, .events = POLLIN };
	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	if (read(efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* Submit on an I/O queue pair from a public call: guard, state, submit. */
static int
nvme_io_submit(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd, void *buf, uint32_t len,
	       vdk_nvme_cmd_cb cb, void *cb_arg)
{
	bool nested;
	int ret;

	ret = nvme_qpair_enter(qp, &nested);
	if (ret < 0)
		return ret;
	if (atomic_load_explicit(&qp->ctrlr->failed, memory_order_relaxed))
		ret = -ENXIO;
	else
		ret = nvme_qpair_submit(qp, cmd, buf, len, NULL, cb, cb_arg);
	nvme_qpair_leave(qp, nested);
	return ret;
}

int
vdk_nvme_qpair_cmd_io_raw(struct vdk_nvme_qpair *qp, const struct vdk_nvme_cmd *cmd, void *buf,
			  uint32_t len, vdk_nvme_cmd_cb cb, void *cb_arg)
{
	struct vdk_nvme_cmd c;

	if (qp == NULL || cmd == NULL || (buf == NULL && len != 0) ||
	    len > qp->ctrlr->max_xfer)
		return -EINVAL;
	c = *cmd;
	return nvme_io_submit(qp, &c, len != 0 ? buf : NULL, len, cb, cb_arg);
}
