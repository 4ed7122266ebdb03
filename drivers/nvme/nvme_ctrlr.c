/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller bring-up, reset and shutdown, step by step as the NVM Express
 * Base Specification 1.4 lays them out (§7.6.1 Initialization, §7.3.2
 * Controller Level Reset, §7.6.2 Shutdown), and the I/O queue pairs a
 * controller hands out. Registers are reached only through the BAR
 * pointer and queues only through lib/dma memory, so the same code runs
 * over VFIO and over a unit test's in-memory model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvme_internal.h"
#include "vdk_dma.h"

/* Every controller that is up, in the order it came up. */
static pthread_mutex_t nvme_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vdk_nvme_ctrlr *nvme_list;

void
nvme_ctrlr_cfg_default(struct nvme_ctrlr_cfg *cfg)
{
	*cfg = (struct nvme_ctrlr_cfg){
		.io_queues = NVME_DEFAULT_IO_QUEUES,
		.io_timeout_ms = NVME_DEFAULT_IO_TIMEOUT_MS,
		.admin_timeout_ms = NVME_DEFAULT_ADMIN_TIMEOUT_MS,
		.admin_queue_size = NVME_ADMIN_QUEUE_SIZE,
		.no_sgl = false,
	};
}

void
nvme_ctrlr_wait_idle(struct vdk_nvme_ctrlr *c)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000 };

	if (c->tp->wait_idle != NULL)
		c->tp->wait_idle(c);
	else
		nanosleep(&ts, NULL);
}

static inline uint32_t
nvme_read32(const struct vdk_nvme_ctrlr *c, uint32_t reg)
{
	return vdk_reg_read32(c->bar, reg);
}

static inline void
nvme_write32(struct vdk_nvme_ctrlr *c, uint32_t reg, uint32_t val)
{
	vdk_reg_write32(c->bar, reg, val);
}

/* 64-bit registers as two dword writes, low first: every controller takes that. */
static inline void
nvme_write64(struct vdk_nvme_ctrlr *c, uint32_t reg, uint64_t val)
{
	vdk_reg_write32(c->bar, reg, (uint32_t)val);
	vdk_reg_write32(c->bar, reg + 4, (uint32_t)(val >> 32));
}

void
nvme_ctrlr_mark_failed(struct vdk_nvme_ctrlr *c, const char *why)
{
	if (!atomic_exchange(&c->failed, true))
		NVME_LOG(ERR, c, "controller failed: %s; its commands are aborted. Reset it "
			 "(vdk_nvme_ctrlr_reset) or detach it", why);
}

/*
 * CSTS (§3.1.6): all ones means the device no longer answers (removed, or
 * its link is down); CFS means the controller hit a fatal error.
 */
bool
nvme_ctrlr_check_fatal(struct vdk_nvme_ctrlr *c)
{
	uint32_t csts;

	if (atomic_load_explicit(&c->failed, memory_order_relaxed))
		return true;
	csts = nvme_read32(c, VDK_NVME_REG_CSTS);
	if (csts == UINT32_MAX)
		nvme_ctrlr_mark_failed(c, "its registers read all ones (removed or not responding)");
	else if (VDK_NVME_GET(csts, CSTS_CFS))
		nvme_ctrlr_mark_failed(c, "controller fatal status (CSTS.CFS) is set");
	return atomic_load_explicit(&c->failed, memory_order_relaxed);
}

/* Wait until (CSTS & mask) == want; CFS ends the wait early if @cfs_fails. */
static int
nvme_wait_csts(struct vdk_nvme_ctrlr *c, uint32_t mask, uint32_t want, uint32_t timeout_ms,
	       bool cfs_fails, const char *what)
{
	uint64_t deadline = vdk_rdtsc() + nvme_ms_to_tsc(timeout_ms);
	bool last = false;
	uint32_t csts;

	for (;;) {
		csts = nvme_read32(c, VDK_NVME_REG_CSTS);
		if (csts == UINT32_MAX) {
			NVME_LOG(ERR, c, "%s: the registers read all ones: the device is gone or "
				 "not responding", what);
			return -ENODEV;
		}
		if ((csts & mask) == want)
			return 0;
		if (cfs_fails && VDK_NVME_GET(csts, CSTS_CFS)) {
			NVME_LOG(ERR, c, "%s: the controller reports a fatal error (CSTS.CFS, CSTS = "
				 "%08xh)", what, csts);
			return -EIO;
		}
		if (last) {
			NVME_LOG(ERR, c, "%s: not done within %u ms (CSTS = %08xh)", what,
				 timeout_ms, csts);
			return -ETIMEDOUT;
		}
		/* Read once more at the deadline, so a slow thread does not time out falsely. */
		if (vdk_rdtsc() > deadline)
			last = true;
		else
			nvme_ctrlr_wait_idle(c);
	}
}

/*
 * §7.6.1 step 1 and §3.1.5 (CC.EN): clear CC.EN and wait for CSTS.RDY to
 * read 0, which resets the controller and deletes every queue. A
 * controller still enabling (EN 1, RDY 0) is let finish first: clearing
 * EN then has undefined results on some controllers.
 */
static int
nvme_ctrlr_disable(struct vdk_nvme_ctrlr *c)
{
	uint32_t cc = nvme_read32(c, VDK_NVME_REG_CC);
	uint32_t csts = nvme_read32(c, VDK_NVME_REG_CSTS);
	uint32_t rdy = VDK_NVME_CSTS_RDY_MASK << VDK_NVME_CSTS_RDY_SHIFT;

	if (csts == UINT32_MAX) {
		NVME_LOG(ERR, c, "the registers read all ones: the device is gone or not responding");
		return -ENODEV;
	}
	if (VDK_NVME_GET(cc, CC_EN) && !VDK_NVME_GET(csts, CSTS_RDY) &&
	    !VDK_NVME_GET(csts, CSTS_CFS))
		(void)nvme_wait_csts(c, rdy, rdy, c->ready_timeout_ms, true,
				     "waiting for an earlier enable");
	cc &= ~(uint32_t)(VDK_NVME_SET(CC_EN, 1) | VDK_NVME_SET(CC_SHN, VDK_NVME_CC_SHN_MASK));
	nvme_write32(c, VDK_NVME_REG_CC, cc);
	return nvme_wait_csts(c, rdy, 0, c->ready_timeout_ms, false,
			      "disable (waiting for CSTS.RDY = 0)");
}

/* Printable copy of a space-padded identify string, for messages. */
static void
nvme_id_str(char *dst, const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		dst[n++] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* Identify Controller (§5.15.2.2) and what the driver takes from it. */
static int
nvme_ctrlr_identify(struct vdk_nvme_ctrlr *c)
{
	const struct vdk_nvme_ctrlr_data *d = c->scratch;
	struct vdk_nvme_cmd cmd = {
		.opc = VDK_NVME_OPC_IDENTIFY,
		.cdw10 = VDK_NVME_CNS_CTRLR,
	};
	uint8_t sq_min, sq_max, cq_min, cq_max, sgls;
	char mn[41], sn[21], fr[9];
	uint64_t mdts_bytes;
	bool first;
	int ret;

	memset(c->scratch, 0, 4096);
	ret = nvme_admin_sync_locked(c, &cmd, c->scratch, 4096, NULL);
	if (ret < 0) {
		NVME_LOG(ERR, c, "Identify Controller failed (%s)", strerror(-ret));
		return ret;
	}
	sq_min = d->sqes & 0xf;
	sq_max = d->sqes >> 4;
	cq_min = d->cqes & 0xf;
	cq_max = d->cqes >> 4;
	/* Zero: a controller older than 1.2 that does not say; 64/16 bytes is the norm. */
	if ((d->sqes != 0 && (sq_min > VDK_NVME_SQES_LOG2 || sq_max < VDK_NVME_SQES_LOG2)) ||
	    (d->cqes != 0 && (cq_min > VDK_NVME_CQES_LOG2 || cq_max < VDK_NVME_CQES_LOG2))) {
		NVME_LOG(ERR, c, "Identify Controller: queue entry sizes SQES %02xh, CQES %02xh "
			 "do not allow 64-byte submission and 16-byte completion entries",
			 d->sqes, d->cqes);
		return -ENOTSUP;
	}
	first = c->cdata.vid == 0 && c->cdata.sn[0] == '\0';
	memcpy(&c->cdata, d, sizeof(c->cdata));
	/* MDTS is in units of the minimum page size (CAP.MPSMIN); 0: no limit. */
	mdts_bytes = d->mdts == 0 || d->mdts > 20 ? UINT64_MAX
						   : (uint64_t)c->min_page_size << d->mdts;
	c->max_xfer = (uint32_t)VDK_MIN(mdts_bytes, (uint64_t)NVME_MAX_XFER);
	sgls = d->sgls & VDK_NVME_SGLS_SUPPORT_MASK;
	c->sgl = !c->cfg.no_sgl && (sgls == VDK_NVME_SGLS_ANY_ALIGN ||
				    sgls == VDK_NVME_SGLS_DWORD_ALIGN);
	nvme_id_str(mn, d->mn, sizeof(d->mn));
	nvme_id_str(sn, d->sn, sizeof(d->sn));
	nvme_id_str(fr, d->fr, sizeof(d->fr));
	/* Said once; a reset reads the same controller again. */
	vdk_log(first ? VDK_LOG_INFO : VDK_LOG_DEBUG, VDK_LOGTYPE_NVME,
		"nvme: %s: \"%s\" serial \"%s\" firmware \"%s\", NVMe %u.%u.%u, %u namespace%s, "
		"max transfer %u KiB, %s\n", c->name, mn, sn, fr, VDK_NVME_GET(c->vs, VS_MJR),
		VDK_NVME_GET(c->vs, VS_MNR), VDK_NVME_GET(c->vs, VS_TER), d->nn,
		d->nn == 1 ? "" : "s", c->max_xfer / 1024, c->sgl ? "SGLs" : "PRPs only");
	return 0;
}

/* Set Features, Number of Queues (§5.21.1.7): both counts 0's based. */
static int
nvme_ctrlr_set_num_queues(struct vdk_nvme_ctrlr *c)
{
	uint32_t want = c->cfg.io_queues - 1;
	struct vdk_nvme_cmd cmd = {
		.opc = VDK_NVME_OPC_SET_FEATURES,
		.cdw10 = VDK_NVME_FEAT_NUM_QUEUES,
		.cdw11 = (want << 16) | want,
	};
	struct vdk_nvme_cpl cpl;
	uint32_t nsqa, ncqa;
	int ret;

	ret = nvme_admin_sync_locked(c, &cmd, NULL, 0, &cpl);
	if (ret < 0) {
		NVME_LOG(ERR, c, "Set Features (Number of Queues, %u) failed: %s", want + 1,
			 ret == -EIO ? vdk_nvme_cpl_status_str(&cpl) : strerror(-ret));
		return ret;
	}
	nsqa = (cpl.cdw0 & 0xffffu) + 1;
	ncqa = (cpl.cdw0 >> 16) + 1;
	c->max_io_qpairs = VDK_MIN(VDK_MIN(nsqa, ncqa), c->cfg.io_queues);
	NVME_LOG(DEBUG, c, "%u I/O queue pairs granted (asked %u, controller has %u SQs and %u CQs)",
		 c->max_io_qpairs, want + 1, nsqa, ncqa);
	return 0;
}

/*
 * Create I/O Completion Queue (§5.3) then I/O Submission Queue (§5.4):
 * the CQ must exist before an SQ names it.
 */
static int
nvme_ctrlr_create_io_queues(struct vdk_nvme_ctrlr *c, struct vdk_nvme_qpair *qp)
{
	struct vdk_nvme_cmd cq = {
		.opc = VDK_NVME_OPC_CREATE_IO_CQ,
		.dptr.prp.prp1 = qp->cq_iova,
		.cdw10 = (qp->cq_entries - 1) << 16 | qp->qid,
		.cdw11 = VDK_NVME_CREATE_CQ_PC |
			 (qp->interrupts ? VDK_NVME_CREATE_CQ_IEN |
					   ((uint32_t)qp->qid << VDK_NVME_CREATE_CQ_IV_SHIFT) : 0),
	};
	struct vdk_nvme_cmd sq = {
		.opc = VDK_NVME_OPC_CREATE_IO_SQ,
		.dptr.prp.prp1 = qp->sq_iova,
		.cdw10 = (qp->entries - 1) << 16 | qp->qid,
		.cdw11 = ((uint32_t)qp->qid << VDK_NVME_CREATE_SQ_CQID_SHIFT) |
			 VDK_NVME_CREATE_SQ_PC,
	};
	struct vdk_nvme_cmd del = { .opc = VDK_NVME_OPC_DELETE_IO_CQ, .cdw10 = qp->qid };
	struct vdk_nvme_cpl cpl;
	int ret;

	ret = nvme_admin_sync_locked(c, &cq, NULL, 0, &cpl);
	if (ret < 0) {
		NVME_LOG(ERR, c, "Create I/O Completion Queue %u (%u entries) failed: %s", qp->qid,
			 qp->cq_entries, ret == -EIO ? vdk_nvme_cpl_status_str(&cpl) : strerror(-ret));
		return ret;
	}
	ret = nvme_admin_sync_locked(c, &sq, NULL, 0, &cpl);
	if (ret < 0) {
		NVME_LOG(ERR, c, "Create I/O Submission Queue %u (%u entries) failed: %s", qp->qid,
			 qp->entries, ret == -EIO ? vdk_nvme_cpl_status_str(&cpl) : strerror(-ret));
		(void)nvme_admin_sync_locked(c, &del, NULL, 0, NULL);
		return ret;
	}
	return 0;
}

/* Delete I/O Submission Queue (§5.6) before its Completion Queue (§5.5). */
static int
nvme_ctrlr_delete_io_queues(struct vdk_nvme_ctrlr *c, struct vdk_nvme_qpair *qp)
{
	struct vdk_nvme_cmd sq = { .opc = VDK_NVME_OPC_DELETE_IO_SQ, .cdw10 = qp->qid };
	struct vdk_nvme_cmd cq = { .opc = VDK_NVME_OPC_DELETE_IO_CQ, .cdw10 = qp->qid };
	struct vdk_nvme_cpl cpl;
	int ret;

	ret = nvme_admin_sync_locked(c, &sq, NULL, 0, &cpl);
	if (ret == 0)
		ret = nvme_admin_sync_locked(c, &cq, NULL, 0, &cpl);
	if (ret < 0)
		NVME_LOG(WARNING, c, "deleting I/O queue %u failed: %s", qp->qid,
			 ret == -EIO ? vdk_nvme_cpl_status_str(&cpl) : strerror(-ret));
	return ret;
}

/*
 * Queue memory is about to be freed while the controller may still own
 * it (a Delete that failed, a failed controller, a shutdown that did not
 * finish): clear CC.EN, which deletes every queue (§7.3.2), so that the
 * device cannot write into memory that has gone back to the heap. A
 * device reading all ones is gone and is left alone.
 */
static void
nvme_ctrlr_stop_dma(struct vdk_nvme_ctrlr *c)
{
	if (nvme_read32(c, VDK_NVME_REG_CSTS) != UINT32_MAX)
		nvme_write32(c, VDK_NVME_REG_CC, 0);
}

/*
 * The initialization sequence of §7.6.1, with the admin lock held. Used
 * at creation and by every reset.
 */
static int
nvme_ctrlr_bring_up(struct vdk_nvme_ctrlr *c)
{
	struct vdk_nvme_qpair *aq = c->adminq;
	uint32_t css = VDK_NVME_GET(c->cap, CAP_CSS), cc, mps;
	uint32_t rdy = VDK_NVME_CSTS_RDY_MASK << VDK_NVME_CSTS_RDY_SHIFT;
	int ret;

	/* 1. Wait for any previous reset: CC.EN = 0, CSTS.RDY = 0. */
	ret = nvme_ctrlr_disable(c);
	if (ret < 0)
		return ret;
	nvme_qpair_abort_all(aq, VDK_NVME_SCT_GENERIC, VDK_NVME_SC_ABORTED_SQ_DELETION);
	nvme_qpair_reset_state(aq);

	/* 2. Admin queue: AQA sizes (0's based), ASQ and ACQ base addresses (§3.1.8-10). */
	nvme_write32(c, VDK_NVME_REG_AQA,
		     (uint32_t)(VDK_NVME_SET(AQA_ASQS, aq->entries - 1) |
				VDK_NVME_SET(AQA_ACQS, aq->cq_entries - 1)));
	nvme_write64(c, VDK_NVME_REG_ASQ, aq->sq_iova);
	nvme_write64(c, VDK_NVME_REG_ACQ, aq->cq_iova);

	/*
	 * 3. Command set (§3.1.5 CC.CSS from CAP.CSS): NVM, or "all I/O
	 * command sets" where the controller has that bit (2.0), which
	 * includes NVM.
	 */
	if (css & VDK_NVME_CAP_CSS_IOCS) {
		css = VDK_NVME_CC_CSS_IOCS;
	} else if (css & VDK_NVME_CAP_CSS_NVM) {
		css = VDK_NVME_CC_CSS_NVM;
	} else {
		NVME_LOG(ERR, c, "the controller does not support the NVM command set (CAP.CSS "
			 "= %02xh)", css);
		return -ENOTSUP;
	}

	/*
	 * 4. Arbitration (round robin, which every controller has) and the
	 * memory page size; 5. I/O queue entry sizes (64 and 16 bytes);
	 * 6. CC.EN = 1.
	 */
	mps = (uint32_t)__builtin_ctz(c->page_size) - 12;
	cc = (uint32_t)(VDK_NVME_SET(CC_CSS, css) | VDK_NVME_SET(CC_MPS, mps) |
			VDK_NVME_SET(CC_AMS, VDK_NVME_CC_AMS_RR) |
			VDK_NVME_SET(CC_IOSQES, VDK_NVME_SQES_LOG2) |
			VDK_NVME_SET(CC_IOCQES, VDK_NVME_CQES_LOG2));
	nvme_write32(c, VDK_NVME_REG_CC, cc);
	nvme_write32(c, VDK_NVME_REG_CC, cc | (uint32_t)VDK_NVME_SET(CC_EN, 1));

	/* 7. Wait for CSTS.RDY = 1, at most CAP.TO. */
	ret = nvme_wait_csts(c, rdy, rdy, c->ready_timeout_ms, true,
			     "enable (waiting for CSTS.RDY = 1)");
	if (ret < 0)
		return ret;

	/* 8. Identify Controller; 9. the number of I/O queues. */
	ret = nvme_ctrlr_identify(c);
	if (ret < 0)
		return ret;
	return nvme_ctrlr_set_num_queues(c);
}

/* What CAP (§3.1.1) fixes for the controller's life. */
static int
nvme_ctrlr_read_cap(struct vdk_nvme_ctrlr *c)
{
	uint32_t mpsmin, mpsmax, to;

	c->cap = vdk_reg_read64(c->bar, VDK_NVME_REG_CAP);
	c->vs = nvme_read32(c, VDK_NVME_REG_VS);
	if (c->cap == UINT64_MAX) {
		NVME_LOG(ERR, c, "CAP reads all ones: the device is gone or not responding");
		return -ENODEV;
	}
	c->max_entries = VDK_NVME_GET(c->cap, CAP_MQES) + 1;
	if (c->max_entries < VDK_NVME_QUEUE_MIN) {
		NVME_LOG(ERR, c, "CAP.MQES = 0 is invalid: queues need at least 2 entries");
		return -ENOTSUP;
	}
	c->db_stride = 4u << VDK_NVME_GET(c->cap, CAP_DSTRD);
	to = VDK_NVME_GET(c->cap, CAP_TO);
	c->ready_timeout_ms = (to == 0 ? 1 : to) * 500u;
	mpsmin = VDK_NVME_GET(c->cap, CAP_MPSMIN);
	mpsmax = VDK_NVME_GET(c->cap, CAP_MPSMAX);
	if (mpsmin > mpsmax || mpsmin > 4) {
		NVME_LOG(ERR, c, "CAP allows memory pages of 2^(12+%u) to 2^(12+%u) bytes: VDK needs "
			 "one between 4 KiB and 64 KiB", mpsmin, mpsmax);
		return -ENOTSUP;
	}
	c->min_page_size = 1u << (12 + mpsmin);
	c->page_size = VDK_MAX(NVME_PAGE_SIZE, c->min_page_size);
	return 0;
}

/*
 * Doorbells (§3.1.25, §3.1.26): queue y's CQ head doorbell, the higher of
 * its two, is the dword at 1000h + (2y + 1) * (4 << CAP.DSTRD). CAP.DSTRD
 * and the BAR's size both come from the device, and a stride of up to
 * 128 KiB times a queue count overflows 32 bits: the room is counted in
 * 64 bits, the admin queue's pair must fit, and the I/O queues asked for
 * are cut to the pairs that fit. Set Features then grants at most that
 * many, so no doorbell a queue pair is given lies outside BAR0.
 */
static int
nvme_ctrlr_fit_doorbells(struct vdk_nvme_ctrlr *c)
{
	uint64_t stride = c->db_stride, need = VDK_NVME_REG_DBS + stride + 4, room;

	if ((uint64_t)c->bar_len < need) {
		NVME_LOG(ERR, c, "BAR0 of %zu bytes is too small for the admin queue's doorbells: "
			 "CAP.DSTRD %u puts them %" PRIu64 " bytes apart, which needs %" PRIu64
			 " bytes; the device or its CAP register is broken", c->bar_len,
			 VDK_NVME_GET(c->cap, CAP_DSTRD), stride, need);
		return -ENODEV;
	}
	/* The highest queue ID whose pair fits. */
	room = ((uint64_t)c->bar_len - need) / (2 * stride);
	if (room == 0) {
		NVME_LOG(ERR, c, "BAR0 of %zu bytes leaves no room for I/O queue doorbells "
			 "(CAP.DSTRD %u: %" PRIu64 " bytes apart)", c->bar_len,
			 VDK_NVME_GET(c->cap, CAP_DSTRD), stride);
		return -ENODEV;
	}
	if (room < c->cfg.io_queues) {
		NVME_LOG(NOTICE, c, "BAR0 of %zu bytes has room for the doorbells of %" PRIu64
			 " I/O queue%s (CAP.DSTRD %u): asking for that many, not %u", c->bar_len,
			 room, room == 1 ? "" : "s", VDK_NVME_GET(c->cap, CAP_DSTRD),
			 c->cfg.io_queues);
		c->cfg.io_queues = (uint32_t)room;
	}
	return 0;
}

struct vdk_nvme_ctrlr *
nvme_ctrlr_create(const char *name, void *bar, size_t bar_len, const struct nvme_transport *tp,
		  void *tp_ctx, const struct nvme_ctrlr_cfg *cfg)
{
	struct vdk_nvme_ctrlr *c, **pp;
	uint32_t aq_entries;
	int ret = -ENOMEM;

	if (name == NULL || bar == NULL || tp == NULL || cfg == NULL || cfg->io_queues == 0 ||
	    cfg->io_queues > 65535 || cfg->admin_timeout_ms == 0) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->bar = bar;
	c->bar_len = bar_len;
	c->tp = tp;
	c->tp_ctx = tp_ctx;
	c->cfg = *cfg;
	c->admin_timeout_ms = cfg->admin_timeout_ms;
	c->max_xfer = NVME_PAGE_SIZE;
	pthread_mutex_init(&c->admin_lock, NULL);
	pthread_mutex_init(&c->ctrl_lock, NULL);
	if (bar_len < VDK_NVME_REG_DBS + 8) {
		NVME_LOG(ERR, c, "BAR0 of %zu bytes is too small for the registers and doorbells",
			 bar_len);
		ret = -ENODEV;
		goto free_ctrlr;
	}
	ret = nvme_ctrlr_read_cap(c);
	if (ret < 0)
		goto free_ctrlr;
	ret = nvme_ctrlr_fit_doorbells(c);
	if (ret < 0)
		goto free_ctrlr;
	c->io_timeout_tsc = nvme_ms_to_tsc(cfg->io_timeout_ms);
	c->qid_map = calloc(c->cfg.io_queues + 1, sizeof(*c->qid_map));
	c->scratch = vdk_dma_zmalloc(4096, 4096, &c->scratch_iova);
	aq_entries = VDK_MIN(VDK_MAX(cfg->admin_queue_size, VDK_NVME_QUEUE_MIN),
			     VDK_MIN(c->max_entries, VDK_NVME_ADMIN_QUEUE_MAX));
	c->adminq = nvme_qpair_create(c, 0, aq_entries, aq_entries);
	if (c->qid_map == NULL || c->scratch == NULL || c->adminq == NULL) {
		NVME_LOG(ERR, c, "no memory for the admin queue");
		ret = -ENOMEM;
		goto free_queues;
	}
	pthread_mutex_lock(&c->admin_lock);
	ret = nvme_ctrlr_bring_up(c);
	if (ret == 0)
		ret = nvme_ns_scan(c);
	pthread_mutex_unlock(&c->admin_lock);
	if (ret < 0)
		goto disable;

	pthread_mutex_lock(&nvme_list_lock);
	for (pp = &nvme_list; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
	pthread_mutex_unlock(&nvme_list_lock);
	return c;

disable:
	/* Leave no DMA running into memory about to be freed. */
	nvme_write32(c, VDK_NVME_REG_CC, 0);
	nvme_ns_free_all(c);
free_queues:
	nvme_qpair_destroy(c->adminq);
	vdk_dma_free(c->scratch);
	free(c->qid_map);
free_ctrlr:
	pthread_mutex_destroy(&c->ctrl_lock);
	pthread_mutex_destroy(&c->admin_lock);
	free(c);
	errno = -ret;
	return NULL;
}

/* Take a queue pair out of the controller's books. ctrl_lock held. */
static void
nvme_ctrlr_unlink_qpair(struct vdk_nvme_ctrlr *c, struct vdk_nvme_qpair *qp)
{
	struct vdk_nvme_qpair **pp;

	for (pp = &c->qpairs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == qp) {
			*pp = qp->next;
			break;
		}
	}
	c->qid_map[qp->qid] = NULL;
}

/*
 * RTD3E (§5.15.2.2) is in microseconds, up to 2^32 - 1: rounded up to
 * milliseconds in 64 bits (in 32, a latency near 2^32 us wraps to the
 * 1 s floor instead of reaching the 60 s cap), and kept between 1 s and 60 s.
 */
uint32_t
nvme_shutdown_timeout_ms(uint32_t rtd3e_us)
{
	return (uint32_t)VDK_MIN(VDK_MAX(((uint64_t)rtd3e_us + 999) / 1000, 1000u), 60000u);
}

/*
 * §7.6.2: delete the I/O queues, write CC.SHN = 01b (normal shutdown) and
 * wait for CSTS.SHST = 10b, at most RTD3E when the controller gives it.
 */
static int
nvme_ctrlr_shutdown(struct vdk_nvme_ctrlr *c)
{
	uint32_t shst = VDK_NVME_CSTS_SHST_MASK << VDK_NVME_CSTS_SHST_SHIFT;
	uint32_t timeout_ms = NVME_DEFAULT_SHUTDOWN_MS, cc;

	if (c->cdata.rtd3e != 0)
		timeout_ms = nvme_shutdown_timeout_ms(c->cdata.rtd3e);
	cc = nvme_read32(c, VDK_NVME_REG_CC);
	cc &= ~(uint32_t)VDK_NVME_SET(CC_SHN, VDK_NVME_CC_SHN_MASK);
	cc |= (uint32_t)VDK_NVME_SET(CC_SHN, VDK_NVME_CC_SHN_NORMAL);
	nvme_write32(c, VDK_NVME_REG_CC, cc);
	if (nvme_wait_csts(c, shst, (uint32_t)VDK_NVME_SET(CSTS_SHST, VDK_NVME_CSTS_SHST_COMPLETE),
			   timeout_ms, false, "shutdown (waiting for CSTS.SHST = complete)") < 0)
		return -ETIMEDOUT;
	NVME_LOG(DEBUG, c, "shut down");
	return 0;
}

void
nvme_ctrlr_destroy(struct vdk_nvme_ctrlr *c, bool shutdown)
{
	struct vdk_nvme_ctrlr **pp;
	struct vdk_nvme_qpair *qp;

	if (c == NULL)
		return;
	pthread_mutex_lock(&nvme_list_lock);
	for (pp = &nvme_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&nvme_list_lock);

	pthread_mutex_lock(&c->ctrl_lock);
	pthread_mutex_lock(&c->admin_lock);
	while ((qp = c->qpairs) != NULL) {
		if (shutdown && !atomic_load(&c->failed) && !qp->gone)
			(void)nvme_ctrlr_delete_io_queues(c, qp);
		nvme_ctrlr_unlink_qpair(c, qp);
		nvme_qpair_abort_all(qp, VDK_NVME_SCT_GENERIC, VDK_NVME_SC_ABORTED_SQ_DELETION);
		nvme_qpair_destroy(qp);
	}
	/* A controller that shut down processes no queue; any other is stopped. */
	if (!shutdown || nvme_read32(c, VDK_NVME_REG_CSTS) == UINT32_MAX ||
	    nvme_ctrlr_shutdown(c) < 0)
		nvme_ctrlr_stop_dma(c);
	nvme_qpair_abort_all(c->adminq, VDK_NVME_SCT_GENERIC, VDK_NVME_SC_ABORTED_SQ_DELETION);
	pthread_mutex_unlock(&c->admin_lock);
	pthread_mutex_unlock(&c->ctrl_lock);

	nvme_ns_free_all(c);
	nvme_qpair_destroy(c->adminq);
	vdk_dma_free(c->scratch);
	free(c->qid_map);
	pthread_mutex_destroy(&c->ctrl_lock);
	pthread_mutex_destroy(&c->admin_lock);
	free(c);
}

/*
 * Controller level reset (§7.3.2): CC.EN to 0 deletes every queue; the
 * bring-up runs again, and each queue pair is created anew on its own
 * memory with its indices at 0. Callers inside a queue pair call pass
 * block = false and give up if another reset is under way.
 */
int
nvme_ctrlr_reset_from(struct vdk_nvme_ctrlr *c, bool block)
{
	struct vdk_nvme_qpair *qp;
	int ret;

	if (block)
		pthread_mutex_lock(&c->ctrl_lock);
	else if (pthread_mutex_trylock(&c->ctrl_lock) != 0)
		return -EBUSY;
	atomic_store(&c->resetting, 1);
	atomic_thread_fence(memory_order_seq_cst);
	/* Let calls in progress on other threads' queue pairs return. */
	for (qp = c->qpairs; qp != NULL; qp = qp->next)
		while (!nvme_qpair_held_by_me(qp) &&
		       atomic_load_explicit(&qp->busy, memory_order_acquire) != 0)
			vdk_pause();

	NVME_LOG(NOTICE, c, "resetting the controller");
	pthread_mutex_lock(&c->admin_lock);
	atomic_store(&c->failed, false);
	ret = nvme_ctrlr_bring_up(c);
	for (qp = c->qpairs; qp != NULL; qp = qp->next) {
		nvme_qpair_reset_state(qp);
		qp->epoch++;
		if (ret < 0)
			continue;
		if (qp->qid > c->max_io_qpairs) {
			NVME_LOG(ERR, c, "after the reset the controller grants only %u I/O queues: "
				 "queue %u is gone", c->max_io_qpairs, qp->qid);
			qp->gone = true;
			continue;
		}
		ret = nvme_ctrlr_create_io_queues(c, qp);
	}
	if (ret == 0)
		ret = nvme_ns_refresh(c);
	if (ret < 0)
		nvme_ctrlr_mark_failed(c, "the reset did not bring it back");
	else
		NVME_LOG(NOTICE, c, "reset done");
	pthread_mutex_unlock(&c->admin_lock);
	atomic_store_explicit(&c->resetting, 0, memory_order_release);
	pthread_mutex_unlock(&c->ctrl_lock);
	return ret < 0 && ret != -ETIMEDOUT ? -EIO : ret;
}

int
vdk_nvme_ctrlr_reset(struct vdk_nvme_ctrlr *c)
{
	if (c == NULL)
		return -EINVAL;
	return nvme_ctrlr_reset_from(c, true);
}

bool
vdk_nvme_ctrlr_is_failed(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL || atomic_load(&((struct vdk_nvme_ctrlr *)c)->failed);
}

int
vdk_nvme_ctrlr_set_timeouts(struct vdk_nvme_ctrlr *c, uint32_t io_ms, uint32_t admin_ms)
{
	if (c == NULL || admin_ms == 0)
		return -EINVAL;
	c->io_timeout_tsc = nvme_ms_to_tsc(io_ms);
	c->admin_timeout_ms = admin_ms;
	return 0;
}

void
vdk_nvme_qpair_opts_default(struct vdk_nvme_qpair_opts *opts, size_t size)
{
	struct vdk_nvme_qpair_opts d = {
		.opts_size = sizeof(d),
		.queue_size = NVME_DEFAULT_QUEUE_SIZE,
		.interrupts = false,
		.doorbell_per_cmd = false,
	};

	if (opts == NULL)
		return;
	memcpy(opts, &d, VDK_MIN(size, sizeof(d)));
	if (size >= sizeof(opts->opts_size))
		opts->opts_size = VDK_MIN(size, sizeof(d));
}

struct vdk_nvme_qpair *
vdk_nvme_ctrlr_alloc_io_qpair(struct vdk_nvme_ctrlr *c, const struct vdk_nvme_qpair_opts *user)
{
	struct vdk_nvme_qpair_opts opts;
	struct vdk_nvme_qpair *qp;
	uint32_t qid;
	int ret;

	if (c == NULL) {
		errno = EINVAL;
		return NULL;
	}
	vdk_nvme_qpair_opts_default(&opts, sizeof(opts));
	if (user != NULL)
		memcpy(&opts, user, VDK_MIN(user->opts_size, sizeof(opts)));
	if (opts.queue_size < VDK_NVME_QUEUE_MIN || opts.queue_size > c->max_entries) {
		NVME_LOG(ERR, c, "queue size %u is out of range: the controller takes 2 to %u "
			 "entries (CAP.MQES + 1), so at most %u commands outstanding",
			 opts.queue_size, c->max_entries, c->max_entries - 1);
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&c->ctrl_lock);
	if (atomic_load(&c->failed)) {
		ret = -ENXIO;
		goto unlock;
	}
	for (qid = 1; qid <= c->max_io_qpairs && c->qid_map[qid] != NULL; qid++)
		;
	if (qid > c->max_io_qpairs) {
		NVME_LOG(ERR, c, "all %u I/O queue pairs the controller granted are in use",
			 c->max_io_qpairs);
		ret = -ENOSPC;
		goto unlock;
	}
	if (opts.interrupts && !c->intr_enabled) {
		ret = c->tp->intr_enable != NULL ? c->tp->intr_enable(c, c->max_io_qpairs + 1)
						 : -ENOTSUP;
		if (ret < 0) {
			NVME_LOG(ERR, c, "cannot enable interrupts (%s): use polled queue pairs",
				 strerror(-ret));
			goto unlock;
		}
		c->intr_enabled = true;
	}
	if (opts.interrupts && c->tp->intr_efd(c, qid) < 0) {
		NVME_LOG(ERR, c, "no interrupt vector for queue %u: use a polled queue pair", qid);
		ret = -ENOTSUP;
		goto unlock;
	}
	/*
	 * The completion queue one entry larger than the submission queue
	 * (NVMe lets them differ), so that it never fills: at most entries - 1
	 * commands are on the controller or completed and not yet given back
	 * with the head doorbell, and a queue of entries + 1 is full only at
	 * entries of them. A full completion queue is legal but slow on
	 * QEMU's model (7.2): the head doorbell that un-fills it wakes its
	 * main loop (15 us an I/O at QD1 under TCG, doc/nvme.md). At CAP.MQES
	 * + 1 entries there is no larger size to take.
	 */
	qp = nvme_qpair_create(c, (uint16_t)qid, opts.queue_size,
			       VDK_MIN(opts.queue_size + 1, c->max_entries));
	if (qp == NULL) {
		ret = -errno;
		goto unlock;
	}
	qp->interrupts = opts.interrupts;
	qp->doorbell_per_cmd = opts.doorbell_per_cmd;
	pthread_mutex_lock(&c->admin_lock);
	ret = nvme_ctrlr_create_io_queues(c, qp);
	pthread_mutex_unlock(&c->admin_lock);
	if (ret < 0) {
		nvme_qpair_destroy(qp);
		ret = ret == -ENXIO ? -ENXIO : -EIO;
		goto unlock;
	}
	c->qid_map[qid] = qp;
	qp->next = c->qpairs;
	c->qpairs = qp;
	pthread_mutex_unlock(&c->ctrl_lock);
	return qp;

unlock:
	pthread_mutex_unlock(&c->ctrl_lock);
	errno = -ret;
	return NULL;
}

int
vdk_nvme_ctrlr_free_io_qpair(struct vdk_nvme_qpair *qp)
{
	struct vdk_nvme_ctrlr *c;

	if (qp == NULL || qp->qid == 0)
		return -EINVAL;
	c = qp->ctrlr;
	pthread_mutex_lock(&c->ctrl_lock);
	nvme_ctrlr_unlink_qpair(c, qp);
	pthread_mutex_lock(&c->admin_lock);
	if (!qp->gone && (atomic_load(&c->failed) || nvme_ctrlr_delete_io_queues(c, qp) < 0)) {
		nvme_ctrlr_stop_dma(c);
		nvme_ctrlr_mark_failed(c, "an I/O queue pair was freed that the controller may still "
				       "use, so it was disabled (CC.EN = 0) first");
	}
	pthread_mutex_unlock(&c->admin_lock);
	pthread_mutex_unlock(&c->ctrl_lock);
	qp->gone = true;
	nvme_qpair_abort_all(qp, VDK_NVME_SCT_GENERIC, VDK_NVME_SC_ABORTED_SQ_DELETION);
	nvme_qpair_destroy(qp);
	return 0;
}

int
nvme_ctrlr_walk(int (*cb)(struct vdk_nvme_ctrlr *c, void *arg), void *arg)
{
	struct vdk_nvme_ctrlr *c;
	int ret = 0;

	pthread_mutex_lock(&nvme_list_lock);
	for (c = nvme_list; c != NULL && ret == 0; c = c->next)
		ret = cb(c, arg);
	pthread_mutex_unlock(&nvme_list_lock);
	return ret;
}

struct vdk_nvme_ctrlr *
vdk_nvme_ctrlr_next(const struct vdk_nvme_ctrlr *prev)
{
	struct vdk_nvme_ctrlr *c;

	pthread_mutex_lock(&nvme_list_lock);
	if (prev == NULL) {
		c = nvme_list;
	} else {
		for (c = nvme_list; c != NULL && c != prev; c = c->next)
			;
		c = c != NULL ? c->next : NULL;
	}
	pthread_mutex_unlock(&nvme_list_lock);
	return c;
}

/* By name: the PCI address, in either form the EAL accepts. */
struct vdk_nvme_ctrlr *
nvme_ctrlr_find(const char *name)
{
	struct vdk_pci_addr want, have;
	struct vdk_nvme_ctrlr *c;
	bool pci = vdk_pci_addr_parse(name, &want) == 0;

	pthread_mutex_lock(&nvme_list_lock);
	for (c = nvme_list; c != NULL; c = c->next) {
		if (strcmp(c->name, name) == 0)
			break;
		if (pci && vdk_pci_addr_parse(c->name, &have) == 0 &&
		    vdk_pci_addr_cmp(&want, &have) == 0)
			break;
	}
	pthread_mutex_unlock(&nvme_list_lock);
	return c;
}

const char *
vdk_nvme_ctrlr_name(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? "" : c->name;
}

const struct vdk_nvme_ctrlr_data *
vdk_nvme_ctrlr_get_data(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? NULL : &c->cdata;
}

uint64_t
vdk_nvme_ctrlr_get_cap(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? 0 : c->cap;
}

uint32_t
vdk_nvme_ctrlr_get_vs(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? 0 : c->vs;
}

uint32_t
vdk_nvme_ctrlr_get_max_queue_entries(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? 0 : c->max_entries;
}

uint32_t
vdk_nvme_ctrlr_get_max_io_qpairs(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? 0 : c->max_io_qpairs;
}

uint32_t
vdk_nvme_ctrlr_get_max_xfer_size(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? 0 : c->max_xfer;
}

bool
vdk_nvme_ctrlr_sgl_supported(const struct vdk_nvme_ctrlr *c)
{
	return c != NULL && c->sgl;
}

uint32_t
vdk_nvme_ctrlr_get_num_ns(const struct vdk_nvme_ctrlr *c)
{
	return c == NULL ? 0 : c->cdata.nn;
}
