/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process NVMe controller of nvme_model.h. It follows the same
 * NVMe 1.4 sections the driver does, from the device's side: §3.1 for the
 * registers, §4.1 and §4.6 for the queues and the phase tag, §4.3 and
 * §4.4 for PRPs and SGLs, §5 for the admin commands it knows and §6 for
 * Read, Write, Flush, Write Zeroes and Dataset Management.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "nvme_model.h"
#include "vdk_dma.h"

#define ST(sct, sc) ((uint16_t)(VDK_NVME_SET(STATUS_SCT, (sct)) | VDK_NVME_SET(STATUS_SC, (sc))))
#define ST_OK 0
#define ST_GEN(sc) ST(VDK_NVME_SCT_GENERIC, (sc))
#define ST_CS(sc)  ST(VDK_NVME_SCT_COMMAND_SPECIFIC, (sc))

/* A result of executing a command. */
struct exec {
	uint16_t status;
	uint32_t cdw0;
	bool held;      /* no completion now */
};

/* Host memory the command names: up to this many pieces. */
#define MAX_SEGS 600
struct segs {
	unsigned int n;
	struct {
		uint8_t *p;
		uint32_t len;
	} s[MAX_SEGS];
};

uint32_t
nvme_model_reg32(const struct nvme_model *m, uint32_t off)
{
	return *(volatile uint32_t *)(m->bar + off);
}

void
nvme_model_set_reg32(struct nvme_model *m, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(m->bar + off) = val;
}

/* Doorbell @idx, or NULL where a BAR of this size has none (any CAP goes). */
static volatile uint32_t *
doorbell(const struct nvme_model *m, unsigned int idx)
{
	uint64_t off = 0x1000 + (uint64_t)idx * (4u << VDK_NVME_GET(m->cap, CAP_DSTRD));

	return off + 4 <= m->bar_size ? (volatile uint32_t *)(m->bar + off) : NULL;
}

static uint32_t
db(const struct nvme_model *m, unsigned int idx)
{
	volatile uint32_t *d = doorbell(m, idx);

	return d != NULL ? *d : 0;
}

/*
 * A new queue starts at index 0 whatever its doorbell held before: the
 * model keeps doorbells in memory, so it clears them. Returns true so it
 * can sit in a chain of checks.
 */
static bool
set_doorbell(struct nvme_model *m, unsigned int idx, uint32_t val)
{
	volatile uint32_t *d = doorbell(m, idx);

	if (d != NULL)
		*d = val;
	return true;
}

/* Host memory at @iova, or NULL when it is not DMA memory. */
static void *
host(struct nvme_model *m, uint64_t iova, size_t len)
{
	if (iova == 0 || vdk_mem_virt2iova((void *)(uintptr_t)iova) != iova ||
	    (len > 1 && vdk_mem_virt2iova((void *)(uintptr_t)(iova + len - 1)) != iova + len - 1)) {
		m->nb_bad_dma++;
		return NULL;
	}
	return (void *)(uintptr_t)iova;
}

struct nvme_model *
nvme_model_create(void)
{
	struct nvme_model *m = calloc(1, sizeof(*m));
	unsigned int i;

	if (m == NULL || posix_memalign((void **)&m->bar, 4096, MODEL_BAR_SIZE) != 0)
		abort();
	m->bar_size = MODEL_BAR_SIZE;
	memset(m->bar, 0, MODEL_BAR_SIZE);
	/* MQES 2047, CQR, TO 1 (500 ms), DSTRD 0, CSS NVM, MPSMIN 0, MPSMAX 4. */
	m->cap = 0x7ffull | (1ull << 16) | (1ull << 24) | (1ull << 37) | (4ull << 52);
	m->vs = VDK_NVME_VERSION(1, 4, 0);
	m->mdts = 7;
	m->sgls = VDK_NVME_SGLS_ANY_ALIGN;
	m->oncs = VDK_NVME_ONCS_DSM | VDK_NVME_ONCS_WRITE_ZEROES;
	m->vwc = 1;
	m->max_queues = MODEL_MAX_QUEUES;
	m->fail_opc = -1;
	m->fail_sqid = -1;
	m->drop_opc = -1;
	for (i = 0; i <= MODEL_MAX_QUEUES; i++)
		m->efd[i] = -1;
	pthread_mutex_init(&m->lock, NULL);
	memcpy(m->bar, &m->cap, sizeof(m->cap));
	nvme_model_set_reg32(m, VDK_NVME_REG_VS, m->vs);
	return m;
}

void
nvme_model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint8_t lbads, uint16_t ms,
		  bool ext)
{
	struct nvme_model_ns *ns = &m->ns[m->nb_ns++];
	size_t blk = ((size_t)1 << lbads) + (ext ? ms : 0);

	ns->nsid = nsid;
	ns->nsze = nsze;
	ns->lbads = lbads;
	ns->ms = ms;
	ns->ext = ext;
	ns->data = calloc(nsze, blk);
	if (ns->data == NULL)
		abort();
	if (nsid > m->nn)
		m->nn = nsid;
}

void
nvme_model_free(struct nvme_model *m)
{
	unsigned int i;

	if (m == NULL)
		return;
	nvme_model_stop(m);
	for (i = 0; i < m->nb_ns; i++)
		free(m->ns[i].data);
	for (i = 0; i <= MODEL_MAX_QUEUES; i++)
		if (m->efd[i] >= 0)
			close(m->efd[i]);
	pthread_mutex_destroy(&m->lock);
	if (!m->foreign_bar)
		free(m->bar);
	free(m);
}

void
nvme_model_use_bar(struct nvme_model *m, uint8_t *bar)
{
	if (!m->foreign_bar)
		free(m->bar);
	m->bar = bar;
	m->bar_size = MODEL_BAR_SIZE;
	m->foreign_bar = true;
	memset(m->bar, 0, MODEL_BAR_SIZE);
	memcpy(m->bar, &m->cap, sizeof(m->cap));
	nvme_model_set_reg32(m, VDK_NVME_REG_VS, m->vs);
	m->enabled = false;
}

void
nvme_model_set_bar_size(struct nvme_model *m, size_t size)
{
	if (size < 0x1000 || m->foreign_bar)
		abort();
	free(m->bar);
	/* Exactly @size: the sanitizer sees any access past the BAR's end. */
	if (posix_memalign((void **)&m->bar, 4096, size) != 0)
		abort();
	m->bar_size = size;
	memset(m->bar, 0, size);
}

static struct nvme_model_ns *
find_ns(struct nvme_model *m, uint32_t nsid)
{
	for (unsigned int i = 0; i < m->nb_ns; i++)
		if (m->ns[i].nsid == nsid)
			return &m->ns[i];
	return NULL;
}

static uint32_t
page_size(const struct nvme_model *m)
{
	return 4096u << VDK_NVME_GET(nvme_model_reg32(m, VDK_NVME_REG_CC), CC_MPS);
}

static uint16_t
add_seg(struct nvme_model *m, struct segs *sg, uint64_t iova, uint32_t len)
{
	uint8_t *p = host(m, iova, len);

	if (p == NULL)
		return ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
	if (sg->n == MAX_SEGS)
		return ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
	sg->s[sg->n].p = p;
	sg->s[sg->n].len = len;
	sg->n++;
	return ST_OK;
}

/* PRP1/PRP2 and PRP lists (§4.3), with list chaining. */
static uint16_t
walk_prps(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, uint32_t len, struct segs *sg,
	  struct nvme_model_rec *rec)
{
	uint32_t pg = page_size(m), first, rem, chunk;
	uint64_t p1 = cmd->dptr.prp.prp1, p2 = cmd->dptr.prp.prp2, *list;
	uint32_t slot, slots;
	uint16_t st;

	if ((p1 & 3) != 0)
		return ST_GEN(0x13);   /* PRP offset invalid */
	first = pg - (uint32_t)(p1 & (pg - 1));
	if (first > len)
		first = len;
	st = add_seg(m, sg, p1, first);
	if (st != ST_OK)
		return st;
	rec->pages[rec->nb_pages++] = p1;
	rem = len - first;
	if (rem == 0)
		return ST_OK;
	if (rem <= pg) {
		if ((p2 & (pg - 1)) != 0)
			return ST_GEN(0x13);
		rec->pages[rec->nb_pages++] = p2;
		return add_seg(m, sg, p2, rem);
	}
	if ((p2 & 7) != 0)
		return ST_GEN(0x13);
	list = host(m, p2, 8);
	if (list == NULL)
		return ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
	slot = (uint32_t)((p2 & (pg - 1)) / 8);
	slots = pg / 8;
	while (rem > 0) {
		uint64_t e = list[0];

		/* The last entry of a list page points to the next list page. */
		if (slot == slots - 1 && rem > pg) {
			if ((e & (pg - 1)) != 0)
				return ST_GEN(0x13);
			list = host(m, e, pg);
			if (list == NULL)
				return ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
			slot = 0;
			continue;
		}
		if ((e & (pg - 1)) != 0)
			return ST_GEN(0x13);
		chunk = rem < pg ? rem : pg;
		if (rec->nb_pages < MODEL_REC_PRPS)
			rec->pages[rec->nb_pages++] = e;
		st = add_seg(m, sg, e, chunk);
		if (st != ST_OK)
			return st;
		rem -= chunk;
		list++;
		slot++;
	}
	return ST_OK;
}

/* SGL (§4.4): data blocks, segments and a last segment. */
static uint16_t
walk_sgl(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, uint32_t len, struct segs *sg,
	 struct nvme_model_rec *rec)
{
	struct vdk_nvme_sgl_desc d = cmd->dptr.sgl1;
	const struct vdk_nvme_sgl_desc *list = NULL;
	uint32_t n = 0, i = 0, total = 0;
	uint16_t st;

	for (;;) {
		uint8_t type = d.id >> 4;

		if (type == VDK_NVME_SGL_TYPE_DATA_BLOCK) {
			st = add_seg(m, sg, d.addr, d.len);
			if (st != ST_OK)
				return st;
			total += d.len;
			rec->nb_sgl++;
		} else if (type == VDK_NVME_SGL_TYPE_SEGMENT ||
			   type == VDK_NVME_SGL_TYPE_LAST_SEGMENT) {
			if (list != NULL && i < n && type == VDK_NVME_SGL_TYPE_LAST_SEGMENT)
				return ST_GEN(0x0d);
			if (d.len == 0 || d.len % 16 != 0)
				return ST_GEN(0x0d);
			list = host(m, d.addr, d.len);
			if (list == NULL)
				return ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
			n = d.len / 16;
			i = 0;
		} else {
			return ST_GEN(0x11);   /* SGL descriptor type invalid */
		}
		if (list == NULL || i == n)
			break;
		d = list[i++];
	}
	if (total != len)
		return ST_GEN(0x0f);   /* data SGL length invalid */
	return ST_OK;
}

static uint16_t
data_segs(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, uint32_t len, struct segs *sg,
	  struct nvme_model_rec *rec)
{
	sg->n = 0;
	if (VDK_NVME_GET(cmd->flags, CMD_PSDT) != VDK_NVME_PSDT_PRP) {
		if ((m->sgls & 3) == 0)
			return ST_GEN(VDK_NVME_SC_INVALID_FIELD);
		return walk_sgl(m, cmd, len, sg, rec);
	}
	return walk_prps(m, cmd, len, sg, rec);
}

/* Copy between host pieces and a flat buffer; @to_host picks the way. */
static void
copy_segs(const struct segs *sg, uint8_t *flat, bool to_host)
{
	for (unsigned int i = 0; i < sg->n; i++) {
		if (to_host)
			memcpy(sg->s[i].p, flat, sg->s[i].len);
		else
			memcpy(flat, sg->s[i].p, sg->s[i].len);
		flat += sg->s[i].len;
	}
}

static void
build_identify(struct nvme_model *m, uint8_t cns, uint32_t nsid, uint8_t *page)
{
	memset(page, 0, 4096);
	if (cns == VDK_NVME_CNS_CTRLR) {
		struct vdk_nvme_ctrlr_data *d = (void *)page;

		d->vid = 0x1b36;
		d->ssvid = 0x1af4;
		memcpy(d->sn, "model-serial        ", sizeof(d->sn));
		memcpy(d->mn, "VDK NVMe Model                          ", sizeof(d->mn));
		memcpy(d->fr, "1.0     ", sizeof(d->fr));
		d->mdts = m->mdts;
		d->cntlid = 1;
		d->ver = m->vs;
		d->acl = MODEL_ACL;
		d->sqes = 0x66;
		d->cqes = 0x44;
		d->nn = m->nn;
		d->oncs = m->oncs;
		d->vwc = m->vwc;
		d->sgls = m->sgls;
		snprintf(d->subnqn, sizeof(d->subnqn), "nqn.2019-08.org.qemu:model");
	} else if (cns == VDK_NVME_CNS_NS) {
		struct vdk_nvme_ns_data *d = (void *)page;
		struct nvme_model_ns *ns = find_ns(m, nsid);

		if (ns != NULL) {
			d->nsze = d->ncap = d->nuse = ns->nsze;
			d->nlbaf = 1;
			d->flbas = (uint8_t)(ns->ext ? 0x10 : 0);
			d->lbaf[0].lbads = ns->lbads;
			d->lbaf[0].ms = ns->ms;
			d->lbaf[1].lbads = 12;
		}
	} else if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST) {
		uint32_t *ids = (void *)page, n = 0, want = 0;

		/* Ascending order, as the list must be. */
		for (;;) {
			uint32_t best = 0;

			for (unsigned int i = 0; i < m->nb_ns; i++)
				if (m->ns[i].nsid > nsid && m->ns[i].nsid > want &&
				    (best == 0 || m->ns[i].nsid < best))
					best = m->ns[i].nsid;
			if (best == 0 || n == 1024)
				break;
			ids[n++] = best;
			want = best;
		}
	}
	if (m->mangle != NULL)
		m->mangle(m, cns, nsid, page);
}

static struct exec
admin(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, struct nvme_model_rec *rec)
{
	struct exec r = { .status = ST_OK };
	uint16_t qid = (uint16_t)cmd->cdw10;
	uint32_t qsize = (cmd->cdw10 >> 16) + 1;
	uint32_t mqes = VDK_NVME_GET(m->cap, CAP_MQES) + 1;
	uint8_t page[4096];
	struct segs *sg;
	unsigned int i;

	switch (cmd->opc) {
	case VDK_NVME_OPC_IDENTIFY:
		sg = malloc(sizeof(*sg));
		build_identify(m, (uint8_t)cmd->cdw10, cmd->nsid, page);
		r.status = data_segs(m, cmd, 4096, sg, rec);
		if (r.status == ST_OK)
			copy_segs(sg, page, true);
		free(sg);
		return r;
	case VDK_NVME_OPC_SET_FEATURES:
		if ((cmd->cdw10 & 0xff) != VDK_NVME_FEAT_NUM_QUEUES) {
			r.status = ST_GEN(VDK_NVME_SC_INVALID_FIELD);
			return r;
		}
		for (i = 1; i <= MODEL_MAX_QUEUES; i++)
			if (m->sq[i].exists || m->cq[i].exists)
				r.status = ST_GEN(VDK_NVME_SC_COMMAND_SEQUENCE_ERROR);
		if (r.status == ST_OK) {
			uint32_t nsq = (cmd->cdw11 & 0xffff) + 1, ncq = (cmd->cdw11 >> 16) + 1;

			nsq = nsq < m->max_queues ? nsq : m->max_queues;
			ncq = ncq < m->max_queues ? ncq : m->max_queues;
			r.cdw0 = (nsq - 1) | ((ncq - 1) << 16);
		}
		return r;
	case VDK_NVME_OPC_CREATE_IO_CQ:
		if (qid == 0 || qid > m->max_queues || m->cq[qid].exists)
			r.status = ST_CS(VDK_NVME_SC_INVALID_QUEUE_ID);
		else if (qsize < 2 || qsize > mqes)
			r.status = ST_CS(VDK_NVME_SC_INVALID_QUEUE_SIZE);
		else if ((cmd->cdw11 & VDK_NVME_CREATE_CQ_PC) == 0)
			r.status = ST_GEN(VDK_NVME_SC_INVALID_FIELD);
		else if ((cmd->cdw11 & VDK_NVME_CREATE_CQ_IEN) && (cmd->cdw11 >> 16) >= m->nb_vectors)
			r.status = ST_CS(VDK_NVME_SC_INVALID_INTR_VECTOR);
		else if (host(m, cmd->dptr.prp.prp1, (size_t)qsize * 16) == NULL)
			r.status = ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
		else if (set_doorbell(m, 2u * qid + 1, 0))
			m->cq[qid] = (struct nvme_model_queue){
				.exists = true, .base = cmd->dptr.prp.prp1, .size = qsize,
				.phase = 1, .ien = (cmd->cdw11 & VDK_NVME_CREATE_CQ_IEN) != 0,
				.iv = (uint16_t)(cmd->cdw11 >> 16),
			};
		return r;
	case VDK_NVME_OPC_CREATE_IO_SQ:
		if (qid == 0 || qid > m->max_queues || m->sq[qid].exists)
			r.status = ST_CS(VDK_NVME_SC_INVALID_QUEUE_ID);
		else if (qsize < 2 || qsize > mqes)
			r.status = ST_CS(VDK_NVME_SC_INVALID_QUEUE_SIZE);
		else if ((cmd->cdw11 >> 16) > MODEL_MAX_QUEUES || !m->cq[cmd->cdw11 >> 16].exists)
			r.status = ST_CS(0x00);   /* completion queue invalid */
		else if (host(m, cmd->dptr.prp.prp1, (size_t)qsize * 64) == NULL)
			r.status = ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
		else if (set_doorbell(m, 2u * qid, 0))
			m->sq[qid] = (struct nvme_model_queue){
				.exists = true, .base = cmd->dptr.prp.prp1, .size = qsize,
				.cqid = (uint16_t)(cmd->cdw11 >> 16),
			};
		return r;
	case VDK_NVME_OPC_DELETE_IO_SQ:
		if (qid == 0 || qid > MODEL_MAX_QUEUES || !m->sq[qid].exists) {
			r.status = ST_CS(VDK_NVME_SC_INVALID_QUEUE_ID);
			return r;
		}
		m->sq[qid].exists = false;
		/* Its commands die with it. */
		for (i = 0; i < m->nb_held;) {
			if (m->held[i].sqid == qid)
				m->held[i] = m->held[--m->nb_held];
			else
				i++;
		}
		return r;
	case VDK_NVME_OPC_DELETE_IO_CQ:
		if (qid == 0 || qid > MODEL_MAX_QUEUES || !m->cq[qid].exists) {
			r.status = ST_CS(VDK_NVME_SC_INVALID_QUEUE_ID);
			return r;
		}
		for (i = 1; i <= MODEL_MAX_QUEUES; i++)
			if (m->sq[i].exists && m->sq[i].cqid == qid)
				r.status = ST_CS(0x0c);   /* invalid queue deletion */
		if (r.status == ST_OK)
			m->cq[qid].exists = false;
		return r;
	case VDK_NVME_OPC_ABORT:
		r.cdw0 = 1;   /* not aborted, unless found below */
		if (m->abort_ignored)
			return r;
		for (i = 0; i < m->nb_held; i++) {
			if (m->held[i].sqid == qid && m->held[i].cmd.cid == (cmd->cdw10 >> 16)) {
				/* Answered right after this abort's own completion. */
				m->aborted = m->held[i];
				m->has_aborted = true;
				m->held[i] = m->held[--m->nb_held];
				r.cdw0 = 0;
				break;
			}
		}
		return r;
	default:
		r.status = ST_GEN(VDK_NVME_SC_INVALID_OPCODE);
		return r;
	}
}

static struct exec
io(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, struct nvme_model_rec *rec)
{
	struct exec r = { .status = ST_OK };
	struct nvme_model_ns *ns = find_ns(m, cmd->nsid);
	uint64_t slba = cmd->cdw10 | ((uint64_t)cmd->cdw11 << 32);
	uint32_t nlb = (cmd->cdw12 & 0xffff) + 1, blk, len, i;
	struct vdk_nvme_dsm_range *ranges;
	struct segs *sg;

	if (ns == NULL) {
		r.status = ST_GEN(VDK_NVME_SC_INVALID_NAMESPACE);
		return r;
	}
	blk = (1u << ns->lbads) + (ns->ext ? ns->ms : 0);
	m->nb_io_opc[cmd->opc]++;
	switch (cmd->opc) {
	case VDK_NVME_OPC_READ:
	case VDK_NVME_OPC_WRITE:
		if (slba >= ns->nsze || nlb > ns->nsze - slba) {
			r.status = ST_GEN(VDK_NVME_SC_LBA_OUT_OF_RANGE);
			return r;
		}
		if (cmd->mptr != 0 && host(m, cmd->mptr, (size_t)nlb * ns->ms) == NULL) {
			r.status = ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
			return r;
		}
		len = nlb * blk;
		sg = malloc(sizeof(*sg));
		r.status = data_segs(m, cmd, len, sg, rec);
		if (r.status == ST_OK) {
			copy_segs(sg, ns->data + slba * blk, cmd->opc == VDK_NVME_OPC_READ);
			if (cmd->opc == VDK_NVME_OPC_READ && m->corrupt_reads && sg->n > 0)
				sg->s[0].p[0] ^= 0x40;
		}
		free(sg);
		return r;
	case VDK_NVME_OPC_FLUSH:
		return r;
	case VDK_NVME_OPC_WRITE_ZEROES:
		if (slba >= ns->nsze || nlb > ns->nsze - slba)
			r.status = ST_GEN(VDK_NVME_SC_LBA_OUT_OF_RANGE);
		else
			memset(ns->data + slba * blk, 0, (size_t)nlb * blk);
		return r;
	case VDK_NVME_OPC_DSM:
		nlb = (cmd->cdw10 & 0xff) + 1;
		ranges = host(m, cmd->dptr.prp.prp1, (size_t)nlb * sizeof(*ranges));
		if (ranges == NULL) {
			r.status = ST_GEN(VDK_NVME_SC_DATA_TRANSFER_ERROR);
			return r;
		}
		rec->nb_pages = 1;
		rec->pages[0] = cmd->dptr.prp.prp1;
		for (i = 0; i < nlb; i++)
			if (ranges[i].slba >= ns->nsze || ranges[i].length > ns->nsze - ranges[i].slba)
				r.status = ST_GEN(VDK_NVME_SC_LBA_OUT_OF_RANGE);
		if (r.status == ST_OK && (cmd->cdw11 & VDK_NVME_DSM_ATTR_AD))
			for (i = 0; i < nlb; i++)
				memset(ns->data + ranges[i].slba * blk, 0,
				       (size_t)ranges[i].length * blk);
		return r;
	default:
		r.status = ST_GEN(VDK_NVME_SC_INVALID_OPCODE);
		return r;
	}
}

bool
nvme_model_post(struct nvme_model *m, uint16_t cqid, const struct vdk_nvme_cpl *cpl)
{
	struct nvme_model_queue *cq = &m->cq[cqid];
	volatile struct vdk_nvme_cpl *e;
	struct vdk_nvme_cpl c = *cpl;
	uint64_t one = 1;

	if (cqid > MODEL_MAX_QUEUES || !cq->exists)
		return false;
	c.status = (uint16_t)((c.status & 0xfffe) | cq->phase);
	if (m->cpl_hook != NULL && !m->cpl_hook(m, cqid, &c))
		return true;
	e = (volatile struct vdk_nvme_cpl *)(uintptr_t)(cq->base + (uint64_t)cq->tail * 16);
	e->cdw0 = c.cdw0;
	e->cdw1 = c.cdw1;
	e->sqhd = c.sqhd;
	e->sqid = c.sqid;
	e->cid = c.cid;
	/* The phase tag last: it tells the host the entry is whole. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->status = c.status;
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase ^= 1;
	}
	if (cq->ien && cq->iv < m->nb_vectors && m->efd[cq->iv] >= 0)
		(void)!write(m->efd[cq->iv], &one, sizeof(one));
	return true;
}

static void
post(struct nvme_model *m, uint16_t sqid, uint16_t cid, uint16_t sqhd, uint16_t status,
     uint32_t cdw0)
{
	struct vdk_nvme_cpl cpl = {
		.cdw0 = cdw0, .sqhd = sqhd, .sqid = sqid, .cid = cid, .status = status,
	};

	(void)nvme_model_post(m, m->sq[sqid].cqid, &cpl);
}

static bool
cq_full(const struct nvme_model *m, uint16_t sqid)
{
	const struct nvme_model_queue *cq = &m->cq[m->sq[sqid].cqid];

	return !m->overrun_cq && (cq->tail + 1) % cq->size == cq->head;
}

static void
record(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, uint16_t sqid,
       struct nvme_model_rec **rec)
{
	*rec = &m->rec[m->nb_rec % MODEL_REC_MAX];
	m->nb_rec++;
	memset(*rec, 0, offsetof(struct nvme_model_rec, pages));
	(*rec)->cmd = *cmd;
	(*rec)->sqid = sqid;
	m->nb_cmds++;
}

/*
 * An Abort the controller is still working on (hold_aborts): Identify's
 * ACL (0's based) bounds how many a host may have outstanding; one more
 * completes at once with ABORT COMMAND LIMIT EXCEEDED (§5.1).
 */
static struct exec
hold_abort(struct nvme_model *m)
{
	struct exec r = { .status = ST_OK };
	unsigned int i, n = 0;

	for (i = 0; i < m->nb_held; i++)
		n += m->held[i].sqid == 0 && m->held[i].cmd.opc == VDK_NVME_OPC_ABORT;
	if (n > MODEL_ACL) {
		m->nb_abort_limit++;
		r.status = ST_CS(VDK_NVME_SC_ABORT_LIMIT_EXCEEDED);
		return r;
	}
	if (n + 1 > m->max_aborts_held)
		m->max_aborts_held = n + 1;
	r.held = true;
	return r;
}

static struct exec
execute(struct nvme_model *m, const struct vdk_nvme_cmd *cmd, uint16_t sqid,
	struct nvme_model_rec *rec)
{
	struct exec r = { .status = ST_OK };

	if (m->fail_count > 0 && m->fail_opc == cmd->opc &&
	    ((m->fail_sqid < 0 && sqid != 0) || m->fail_sqid == sqid)) {
		m->fail_count--;
		r.status = m->fail_status;
		return r;
	}
	if (sqid == 0 && cmd->opc == VDK_NVME_OPC_ABORT && m->hold_aborts)
		return hold_abort(m);
	if (sqid != 0 && (m->hold_io || (m->drop_count > 0 && m->drop_opc == cmd->opc))) {
		if (!m->hold_io)
			m->drop_count--;
		r.held = true;
		return r;
	}
	return sqid == 0 ? admin(m, cmd, rec) : io(m, cmd, rec);
}

/* CC.EN 0 -> 1 (§3.1.5): take the admin queue from AQA, ASQ, ACQ. */
static void
enable(struct nvme_model *m)
{
	uint32_t aqa = nvme_model_reg32(m, VDK_NVME_REG_AQA);
	uint64_t asq, acq;

	memcpy(&asq, m->bar + VDK_NVME_REG_ASQ, 8);
	memcpy(&acq, m->bar + VDK_NVME_REG_ACQ, 8);
	memset(m->sq, 0, sizeof(m->sq));
	memset(m->cq, 0, sizeof(m->cq));
	m->sq[0] = (struct nvme_model_queue){
		.exists = true, .base = asq, .size = VDK_NVME_GET(aqa, AQA_ASQS) + 1, .cqid = 0,
	};
	m->cq[0] = (struct nvme_model_queue){
		.exists = true, .base = acq, .size = VDK_NVME_GET(aqa, AQA_ACQS) + 1, .phase = 1,
	};
	m->enabled = true;
	m->nb_enable++;
	nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, 1);
}

void
nvme_model_step(struct nvme_model *m)
{
	uint32_t cc, csts;
	unsigned int q;

	pthread_mutex_lock(&m->lock);
	if (m->step_hook != NULL && !m->step_hook(m))
		goto unlock;
	cc = nvme_model_reg32(m, VDK_NVME_REG_CC);
	csts = nvme_model_reg32(m, VDK_NVME_REG_CSTS);
	if (!VDK_NVME_GET(cc, CC_EN)) {
		/* Disabled: a controller reset, which also clears a fatal state. */
		if (m->enabled || csts != 0) {
			m->enabled = false;
			m->fatal = false;
			m->nb_held = 0;
			memset(m->sq, 0, sizeof(m->sq));
			memset(m->cq, 0, sizeof(m->cq));
			/* Doorbells are registers: a reset returns them to 0. */
			memset(m->bar + 0x1000, 0, m->bar_size - 0x1000);
			nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, 0);
		}
		goto unlock;
	}
	if (m->fatal) {
		nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, csts | 2u);
		goto unlock;
	}
	if (!m->enabled) {
		if (m->fatal_on_enable)
			m->fatal = true;
		else if (!m->never_ready)
			enable(m);
		goto unlock;
	}
	if (VDK_NVME_GET(cc, CC_SHN) != 0 && VDK_NVME_GET(csts, CSTS_SHST) != 2) {
		m->nb_shutdown++;
		nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, csts | (2u << 2));
		goto unlock;
	}
	for (q = 0; q <= MODEL_MAX_QUEUES; q++) {
		struct nvme_model_queue *sq = &m->sq[q];
		uint32_t tail;

		if (m->cq[q].exists) {
			uint32_t head = db(m, 2 * q + 1);

			if (head < m->cq[q].size) {
				if (head != m->cq[q].head &&
				    (m->cq[q].tail + 1) % m->cq[q].size == m->cq[q].head)
					m->nb_cq_unfill++;
				m->cq[q].head = head;
			} else
				m->nb_bad_doorbell++;
		}
		if (!sq->exists || (q == 0 && m->stall_admin))
			continue;
		tail = db(m, 2 * q);
		if (tail >= sq->size) {
			m->nb_bad_doorbell++;
			continue;
		}
		while (sq->exists && sq->head != tail && !cq_full(m, (uint16_t)q)) {
			struct vdk_nvme_cmd cmd;
			struct nvme_model_rec *rec;
			struct exec r;

			memcpy(&cmd, (void *)(uintptr_t)(sq->base + (uint64_t)sq->head * 64),
			       sizeof(cmd));
			sq->head = (sq->head + 1) % sq->size;
			record(m, &cmd, (uint16_t)q, &rec);
			r = execute(m, &cmd, (uint16_t)q, rec);
			if (r.held) {
				if (m->nb_held < MODEL_HELD_MAX)
					m->held[m->nb_held++] = (struct nvme_model_held){
						.cmd = cmd, .sqid = (uint16_t)q,
						.sqhd = (uint16_t)sq->head };
				continue;
			}
			post(m, (uint16_t)q, cmd.cid, (uint16_t)sq->head, r.status, r.cdw0);
			if (m->has_aborted) {
				struct nvme_model_held *h = &m->aborted;

				m->has_aborted = false;
				if (m->sq[h->sqid].exists)
					post(m, h->sqid, h->cmd.cid, h->sqhd,
					     ST_GEN(VDK_NVME_SC_ABORTED_BY_REQUEST), 0);
			}
		}
	}
unlock:
	pthread_mutex_unlock(&m->lock);
}

void
nvme_model_release_held(struct nvme_model *m)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nb_held; i++) {
		struct nvme_model_held *h = &m->held[i];
		struct nvme_model_rec *rec;
		struct exec r;

		/* Held Aborts stay unanswered: a reset by the host ends them. */
		if (!m->sq[h->sqid].exists || h->sqid == 0)
			continue;
		record(m, &h->cmd, h->sqid, &rec);
		r = io(m, &h->cmd, rec);
		post(m, h->sqid, h->cmd.cid, h->sqhd, r.status, r.cdw0);
	}
	m->nb_held = 0;
	pthread_mutex_unlock(&m->lock);
}

static void *
model_thread(void *arg)
{
	struct nvme_model *m = arg;
	struct timespec ts = { 0, 2000 };

	while (m->running) {
		nvme_model_step(m);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void
nvme_model_run(struct nvme_model *m)
{
	m->running = true;
	if (pthread_create(&m->thread, NULL, model_thread, m) != 0)
		abort();
}

void
nvme_model_stop(struct nvme_model *m)
{
	if (!m->running)
		return;
	m->running = false;
	pthread_join(m->thread, NULL);
}

const struct nvme_model_rec *
nvme_model_last(const struct nvme_model *m, unsigned int back)
{
	if (back >= m->nb_rec || back >= MODEL_REC_MAX)
		return NULL;
	return &m->rec[(m->nb_rec - 1 - back) % MODEL_REC_MAX];
}

const struct nvme_model_rec *
nvme_model_find(const struct nvme_model *m, uint16_t sqid, uint8_t opc)
{
	for (unsigned int back = 0; back < MODEL_REC_MAX; back++) {
		const struct nvme_model_rec *r = nvme_model_last(m, back);

		if (r == NULL)
			return NULL;
		if (r->sqid == sqid && r->cmd.opc == opc)
			return r;
	}
	return NULL;
}

static int
model_intr_enable(struct vdk_nvme_ctrlr *c, unsigned int nb)
{
	struct nvme_model *m = c->tp_ctx;
	unsigned int i;

	if (nb > MODEL_MAX_QUEUES + 1)
		nb = MODEL_MAX_QUEUES + 1;
	for (i = 0; i < nb; i++) {
		m->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (m->efd[i] < 0)
			return -errno;
	}
	m->nb_vectors = nb;
	return 0;
}

static int
model_intr_efd(struct vdk_nvme_ctrlr *c, unsigned int vector)
{
	struct nvme_model *m = c->tp_ctx;

	return vector < m->nb_vectors ? m->efd[vector] : -ENOENT;
}

static void
model_wait_idle(struct vdk_nvme_ctrlr *c)
{
	struct nvme_model *m = c->tp_ctx;
	struct timespec ts = { 0, 10000 };

	if (m->running)
		nanosleep(&ts, NULL);
	else
		nvme_model_step(m);
}

static const struct nvme_transport model_transport = {
	.name = "model",
	.intr_enable = model_intr_enable,
	.intr_efd = model_intr_efd,
	.wait_idle = model_wait_idle,
};

struct vdk_nvme_ctrlr *
nvme_model_attach(struct nvme_model *m, const char *name, const struct nvme_ctrlr_cfg *cfg)
{
	struct nvme_ctrlr_cfg def;

	if (cfg == NULL) {
		nvme_ctrlr_cfg_default(&def);
		def.io_queues = MODEL_MAX_QUEUES;
		cfg = &def;
	}
	memcpy(m->bar, &m->cap, sizeof(m->cap));
	nvme_model_set_reg32(m, VDK_NVME_REG_VS, m->vs);
	return nvme_ctrlr_create(name, m->bar, m->bar_size, &model_transport, m, cfg);
}
