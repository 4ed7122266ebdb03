/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespaces: the active namespace list and Identify Namespace (§5.15.2),
 * checked before anything is built on it (a controller's data may be
 * malformed), and the NVM command set's I/O commands on a namespace:
 * Read (§6.9), Write (§6.15), Flush (§6.8), Write Zeroes (§6.17) and
 * Dataset Management (§6.7).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_internal.h"

/* NLB, the block count of one command, is 16 bits and 0's based. */
#define NVME_MAX_NLB 65536u

static int
nvme_identify_ns(struct vdk_nvme_ctrlr *c, uint32_t nsid)
{
	struct vdk_nvme_cmd cmd = {
		.opc = VDK_NVME_OPC_IDENTIFY,
		.nsid = nsid,
		.cdw10 = VDK_NVME_CNS_NS,
	};
	struct vdk_nvme_cpl cpl;
	int ret;

	memset(c->scratch, 0, 4096);
	ret = nvme_admin_sync_locked(c, &cmd, c->scratch, 4096, &cpl);
	if (ret < 0)
		NVME_LOG(ERR, c, "Identify Namespace %u failed: %s", nsid,
			 ret == -EIO ? vdk_nvme_cpl_status_str(&cpl) : strerror(-ret));
	return ret;
}

/*
 * Check Identify Namespace data and derive the block geometry. -ENOENT
 * for an inactive namespace (all zeroes, §5.15.2.1), -EINVAL for data the
 * driver cannot trust.
 */
int
nvme_ns_parse(struct vdk_nvme_ctrlr *c, struct vdk_nvme_ns *ns, const struct vdk_nvme_ns_data *d)
{
	uint32_t idx = VDK_NVME_GET(d->flbas, FLBAS_IDX_LO);
	const struct vdk_nvme_lbaf *f;
	uint32_t data, ext;

	if (d->nsze == 0)
		return -ENOENT;
	if (d->nlbaf > 63) {
		NVME_LOG(ERR, c, "namespace %u: NLBAF %u: more than 64 LBA formats; ignoring the "
			 "namespace", ns->id, d->nlbaf + 1u);
		return -EINVAL;
	}
	/* FLBAS bits 6:5 extend the index when there are more than 16 formats (2.0). */
	if (d->nlbaf >= 16)
		idx |= VDK_NVME_GET(d->flbas, FLBAS_IDX_HI) << 4;
	if (idx > d->nlbaf) {
		NVME_LOG(ERR, c, "namespace %u: FLBAS selects format %u of %u; ignoring the "
			 "namespace", ns->id, idx, d->nlbaf + 1u);
		return -EINVAL;
	}
	f = &d->lbaf[idx];
	if (f->lbads < 9 || f->lbads > 20) {
		NVME_LOG(ERR, c, "namespace %u: LBA format %u has blocks of 2^%u bytes (LBADS); "
			 "NVMe allows 512 bytes and up; ignoring the namespace", ns->id, idx,
			 f->lbads);
		return -EINVAL;
	}
	data = 1u << f->lbads;
	ext = data + (VDK_NVME_GET(d->flbas, FLBAS_EXT) ? f->ms : 0u);
	if (ext > c->max_xfer) {
		NVME_LOG(ERR, c, "namespace %u: a block of %u bytes exceeds the largest transfer "
			 "(%u bytes); ignoring the namespace", ns->id, ext, c->max_xfer);
		return -EINVAL;
	}
	if (d->nsze > UINT64_MAX >> f->lbads) {
		NVME_LOG(ERR, c, "namespace %u: NSZE %" PRIu64 " blocks of %u bytes overflows; "
			 "ignoring the namespace", ns->id, d->nsze, data);
		return -EINVAL;
	}
	if (d->ncap > d->nsze)
		NVME_LOG(WARNING, c, "namespace %u: capacity %" PRIu64 " exceeds size %" PRIu64
			 " blocks (NCAP > NSZE)", ns->id, d->ncap, d->nsze);
	ns->sector_size = data;
	ns->md_size = f->ms;
	ns->md_ext = VDK_NVME_GET(d->flbas, FLBAS_EXT) != 0;
	ns->ext_sector_size = ext;
	ns->num_sectors = d->nsze;
	ns->max_io_sectors = VDK_MIN(c->max_xfer / ext, NVME_MAX_NLB);
	memcpy(&ns->data, d, sizeof(ns->data));
	return 0;
}

/* Identify namespace @nsid and add it when it is usable. */
static int
nvme_ns_add(struct vdk_nvme_ctrlr *c, uint32_t nsid, uint32_t *cap)
{
	struct vdk_nvme_ns *ns, **grown;
	int ret;

	ret = nvme_identify_ns(c, nsid);
	if (ret < 0)
		return ret == -EIO ? 0 : ret;
	ns = calloc(1, sizeof(*ns));
	if (ns == NULL)
		return -ENOMEM;
	ns->ctrlr = c;
	ns->id = nsid;
	ret = nvme_ns_parse(c, ns, c->scratch);
	if (ret < 0) {
		free(ns);
		return 0;
	}
	if (c->nb_ns == *cap) {
		*cap = *cap == 0 ? 4 : *cap * 2;
		grown = realloc(c->ns, *cap * sizeof(*c->ns));
		if (grown == NULL) {
			free(ns);
			return -ENOMEM;
		}
		c->ns = grown;
	}
	ns->active = true;
	c->ns[c->nb_ns++] = ns;
	NVME_LOG(INFO, c, "namespace %u: %" PRIu64 " blocks of %u bytes%s (%" PRIu64 " MiB)",
		 nsid, ns->num_sectors, ns->sector_size,
		 ns->md_size != 0 ? (ns->md_ext ? " + extended metadata" : " + separate metadata")
				  : "",
		 (ns->num_sectors * ns->sector_size) >> 20);
	return 0;
}

/*
 * The active namespace IDs (CNS 02h, §5.15.2.3, NVMe 1.1 and later): up
 * to 1024 a page, ascending, greater than the NSID given, zero-padded.
 * Older controllers: every ID from 1 to NN, skipping inactive ones.
 * Either way at most NVME_MAX_NS IDs: NN and the list are the device's
 * word, and each ID costs an Identify and memory.
 */
int
nvme_ns_scan(struct vdk_nvme_ctrlr *c)
{
	uint32_t nn = c->cdata.nn, start = 0, cap = 0, listed = 0, i;
	uint32_t ids[VDK_NVME_NS_LIST_ENTRIES];
	struct vdk_nvme_cmd cmd = { .opc = VDK_NVME_OPC_IDENTIFY };
	int ret;

	if (nn == 0) {
		NVME_LOG(WARNING, c, "the controller has no namespaces (NN = 0)");
		return 0;
	}
	if (c->vs < VDK_NVME_VERSION(1, 1, 0)) {
		if (nn > NVME_MAX_NS)
			NVME_LOG(WARNING, c, "NN = %u: VDK looks at namespaces 1 to %u only", nn,
				 NVME_MAX_NS);
		for (i = 1; i <= VDK_MIN(nn, NVME_MAX_NS); i++) {
			ret = nvme_ns_add(c, i, &cap);
			if (ret < 0)
				return ret;
		}
		return 0;
	}
	for (;;) {
		bool full = false;
		uint32_t n = 0;

		cmd.nsid = start;
		cmd.cdw10 = VDK_NVME_CNS_ACTIVE_NS_LIST;
		memset(c->scratch, 0, 4096);
		ret = nvme_admin_sync_locked(c, &cmd, c->scratch, 4096, NULL);
		if (ret < 0) {
			NVME_LOG(ERR, c, "Identify (active namespace list) failed: %s", strerror(-ret));
			return ret;
		}
		/* Copied out: identifying each namespace reuses the scratch page. */
		memcpy(ids, c->scratch, sizeof(ids));
		bool malformed = false;

		for (i = 0; i < VDK_NVME_NS_LIST_ENTRIES && ids[i] != 0; i++) {
			if (ids[i] <= start || ids[i] > nn) {
				NVME_LOG(ERR, c, "active namespace list is malformed: ID %u after %u "
					 "(NN = %u); ignoring the rest of it", ids[i], start, nn);
				malformed = true;
				break;
			}
			if (listed == NVME_MAX_NS) {
				full = true;
				break;
			}
			start = ids[i];
			n++;
			listed++;
		}
		/* What came before a fault is still good. */
		for (i = 0; i < n; i++) {
			ret = nvme_ns_add(c, ids[i], &cap);
			if (ret < 0)
				return ret;
		}
		if (full)
			NVME_LOG(WARNING, c, "the active namespace list goes on past %u IDs (NN = "
				 "%u): VDK uses those up to namespace %u and ignores the rest",
				 NVME_MAX_NS, nn, start);
		if (full || malformed || n < VDK_NVME_NS_LIST_ENTRIES || start == nn)
			return 0;
	}
}

/* After a reset: read each namespace again; one that fails goes inactive. */
int
nvme_ns_refresh(struct vdk_nvme_ctrlr *c)
{
	uint32_t i;
	int ret;

	for (i = 0; i < c->nb_ns; i++) {
		struct vdk_nvme_ns *ns = c->ns[i];

		ret = nvme_identify_ns(c, ns->id);
		if (ret < 0 && ret != -EIO)
			return ret;
		ns->active = ret == 0 && nvme_ns_parse(c, ns, c->scratch) == 0;
		if (!ns->active)
			NVME_LOG(WARNING, c, "namespace %u is no longer usable after the reset", ns->id);
	}
	return 0;
}

void
nvme_ns_free_all(struct vdk_nvme_ctrlr *c)
{
	uint32_t i;

	for (i = 0; i < c->nb_ns; i++)
		free(c->ns[i]);
	free(c->ns);
	c->ns = NULL;
	c->nb_ns = 0;
}

static struct vdk_nvme_ns *
nvme_ns_lookup(const struct vdk_nvme_ctrlr *c, uint32_t nsid)
{
	uint32_t lo = 0, hi = c->nb_ns;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->ns[mid]->id == nsid)
			return c->ns[mid];
		if (c->ns[mid]->id < nsid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct vdk_nvme_ns *
vdk_nvme_ctrlr_get_ns(struct vdk_nvme_ctrlr *c, uint32_t nsid)
{
	struct vdk_nvme_ns *ns;

	if (c == NULL || nsid == 0) {
		errno = EINVAL;
		return NULL;
	}
	ns = nvme_ns_lookup(c, nsid);
	if (ns == NULL || !ns->active) {
		errno = ENOENT;
		return NULL;
	}
	return ns;
}

uint32_t
vdk_nvme_ctrlr_next_active_ns(const struct vdk_nvme_ctrlr *c, uint32_t nsid)
{
	uint32_t i;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->nb_ns; i++)
		if (c->ns[i]->id > nsid && c->ns[i]->active)
			return c->ns[i]->id;
	return 0;
}

uint32_t
vdk_nvme_ctrlr_first_active_ns(const struct vdk_nvme_ctrlr *c)
{
	return vdk_nvme_ctrlr_next_active_ns(c, 0);
}

uint32_t
vdk_nvme_ns_get_id(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->id;
}

struct vdk_nvme_ctrlr *
vdk_nvme_ns_get_ctrlr(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? NULL : ns->ctrlr;
}

const struct vdk_nvme_ns_data *
vdk_nvme_ns_get_data(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? NULL : &ns->data;
}

uint64_t
vdk_nvme_ns_get_num_sectors(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->num_sectors;
}

uint32_t
vdk_nvme_ns_get_sector_size(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->sector_size;
}

uint32_t
vdk_nvme_ns_get_extended_sector_size(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->ext_sector_size;
}

uint32_t
vdk_nvme_ns_get_md_size(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->md_size;
}

bool
vdk_nvme_ns_md_extended(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? false : ns->md_ext;
}

uint64_t
vdk_nvme_ns_get_size(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->num_sectors * ns->sector_size;
}

uint32_t
vdk_nvme_ns_get_max_io_sectors(const struct vdk_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->max_io_sectors;
}

/* Arguments every namespace command shares; logs what is wrong. */
static int
nvme_ns_check(const struct vdk_nvme_ns *ns, const struct vdk_nvme_qpair *qp, uint64_t lba,
	      uint32_t count, uint32_t max, const char *what)
{
	if (ns == NULL || qp == NULL)
		return -EINVAL;
	if (qp->ctrlr != ns->ctrlr || qp->qid == 0) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: %s on a queue pair of another controller",
			 ns->id, what);
		return -EINVAL;
	}
	if (count == 0 || count > max) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: %s of %u blocks: one command moves 1 to %u",
			 ns->id, what, count, max);
		return -EINVAL;
	}
	if (lba >= ns->num_sectors || count > ns->num_sectors - lba) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: %s of blocks %" PRIu64 "..%" PRIu64
			 " lies beyond its %" PRIu64 " blocks", ns->id, what, lba,
			 lba + count - 1, ns->num_sectors);
		return -EINVAL;
	}
	return 0;
}

static int
nvme_ns_submit(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd,
	       void *buf, void *md, uint32_t len, const struct iovec *iov, int iovcnt,
	       vdk_nvme_cmd_cb cb, void *cb_arg)
{
	bool nested;
	int ret;

	ret = nvme_qpair_enter(qp, &nested);
	if (ret < 0)
		return ret;
	if (atomic_load_explicit(&ns->ctrlr->failed, memory_order_relaxed) || !ns->active)
		ret = -ENXIO;
	else if (iov != NULL)
		ret = nvme_qpair_submit_iov(qp, cmd, iov, iovcnt, len, cb, cb_arg);
	else
		ret = nvme_qpair_submit(qp, cmd, buf, len, md, cb, cb_arg);
	nvme_qpair_leave(qp, nested);
	if (vdk_unlikely(ret == -EFAULT))
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: buffer %p is not DMA memory: allocate it "
			 "with vdk_dma_zmalloc() or register it with vdk_dma_register()", ns->id,
			 iov != NULL ? iov[0].iov_base : buf);
	else if (vdk_unlikely(ret == -EINVAL))
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: the data buffer cannot be described to "
			 "the controller (alignment, or too many pieces)", ns->id);
	return ret;
}

static int
nvme_ns_rw(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, uint8_t opc, void *buf, void *md,
	   const struct iovec *iov, int iovcnt, uint64_t lba, uint32_t count, vdk_nvme_cmd_cb cb,
	   void *cb_arg, uint32_t flags)
{
	const char *what = opc == VDK_NVME_OPC_READ ? "read" : "write";
	struct vdk_nvme_cmd cmd;
	int ret;

	ret = nvme_ns_check(ns, qp, lba, count, ns != NULL ? ns->max_io_sectors : 0, what);
	if (ret < 0)
		return ret;
	if ((buf == NULL && iov == NULL) ||
	    (flags & ~(VDK_NVME_IO_FLAG_FUA | VDK_NVME_IO_FLAG_LR)) != 0) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: %s without a buffer or with unknown flags "
			 "%08xh", ns->id, what, flags);
		return -EINVAL;
	}
	if (md != NULL && (ns->md_size == 0 || ns->md_ext)) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: %s with a separate metadata buffer, but "
			 "the format has %s", ns->id, what,
			 ns->md_size == 0 ? "no metadata" : "metadata inside each block");
		return -EINVAL;
	}
	cmd = (struct vdk_nvme_cmd){
		.opc = opc,
		.nsid = ns->id,
		.cdw10 = (uint32_t)lba,
		.cdw11 = (uint32_t)(lba >> 32),
		.cdw12 = (count - 1) | flags,
	};
	return nvme_ns_submit(ns, qp, &cmd, buf, md, count * ns->ext_sector_size, iov, iovcnt,
			      cb, cb_arg);
}

int
vdk_nvme_ns_cmd_read(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, void *buf, uint64_t lba,
		     uint32_t count, vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	return nvme_ns_rw(ns, qp, VDK_NVME_OPC_READ, buf, NULL, NULL, 0, lba, count, cb, cb_arg,
			  flags);
}

int
vdk_nvme_ns_cmd_write(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, void *buf, uint64_t lba,
		      uint32_t count, vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	return nvme_ns_rw(ns, qp, VDK_NVME_OPC_WRITE, buf, NULL, NULL, 0, lba, count, cb, cb_arg,
			  flags);
}

int
vdk_nvme_ns_cmd_read_with_md(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, void *buf,
			     void *md, uint64_t lba, uint32_t count, vdk_nvme_cmd_cb cb,
			     void *cb_arg, uint32_t flags)
{
	if (md == NULL)
		return -EINVAL;
	return nvme_ns_rw(ns, qp, VDK_NVME_OPC_READ, buf, md, NULL, 0, lba, count, cb, cb_arg,
			  flags);
}

int
vdk_nvme_ns_cmd_write_with_md(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, void *buf,
			      void *md, uint64_t lba, uint32_t count, vdk_nvme_cmd_cb cb,
			      void *cb_arg, uint32_t flags)
{
	if (md == NULL)
		return -EINVAL;
	return nvme_ns_rw(ns, qp, VDK_NVME_OPC_WRITE, buf, md, NULL, 0, lba, count, cb, cb_arg,
			  flags);
}

int
vdk_nvme_ns_cmd_readv(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, const struct iovec *iov,
		      int iovcnt, uint64_t lba, uint32_t count, vdk_nvme_cmd_cb cb, void *cb_arg,
		      uint32_t flags)
{
	if (iov == NULL)
		return -EINVAL;
	return nvme_ns_rw(ns, qp, VDK_NVME_OPC_READ, NULL, NULL, iov, iovcnt, lba, count, cb,
			  cb_arg, flags);
}

int
vdk_nvme_ns_cmd_writev(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp,
		       const struct iovec *iov, int iovcnt, uint64_t lba, uint32_t count,
		       vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	if (iov == NULL)
		return -EINVAL;
	return nvme_ns_rw(ns, qp, VDK_NVME_OPC_WRITE, NULL, NULL, iov, iovcnt, lba, count, cb,
			  cb_arg, flags);
}

int
vdk_nvme_ns_cmd_flush(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, vdk_nvme_cmd_cb cb,
		      void *cb_arg)
{
	struct vdk_nvme_cmd cmd;

	if (ns == NULL || qp == NULL || qp->ctrlr != ns->ctrlr || qp->qid == 0)
		return -EINVAL;
	cmd = (struct vdk_nvme_cmd){ .opc = VDK_NVME_OPC_FLUSH, .nsid = ns->id };
	return nvme_ns_submit(ns, qp, &cmd, NULL, NULL, 0, NULL, 0, cb, cb_arg);
}

int
vdk_nvme_ns_cmd_write_zeroes(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp, uint64_t lba,
			     uint32_t count, vdk_nvme_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	struct vdk_nvme_cmd cmd;
	int ret;

	ret = nvme_ns_check(ns, qp, lba, count, NVME_MAX_NLB, "write zeroes");
	if (ret < 0)
		return ret;
	if ((flags & ~(VDK_NVME_IO_FLAG_DEAC | VDK_NVME_IO_FLAG_FUA | VDK_NVME_IO_FLAG_LR)) != 0) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: write zeroes with unknown flags %08xh",
			 ns->id, flags);
		return -EINVAL;
	}
	if ((ns->ctrlr->cdata.oncs & VDK_NVME_ONCS_WRITE_ZEROES) == 0) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: the controller has no Write Zeroes (ONCS)",
			 ns->id);
		return -ENOTSUP;
	}
	cmd = (struct vdk_nvme_cmd){
		.opc = VDK_NVME_OPC_WRITE_ZEROES,
		.nsid = ns->id,
		.cdw10 = (uint32_t)lba,
		.cdw11 = (uint32_t)(lba >> 32),
		.cdw12 = (count - 1) | flags,
	};
	return nvme_ns_submit(ns, qp, &cmd, NULL, NULL, 0, NULL, 0, cb, cb_arg);
}

int
vdk_nvme_ns_cmd_dsm(struct vdk_nvme_ns *ns, struct vdk_nvme_qpair *qp,
		    const struct vdk_nvme_dsm_range *ranges, uint16_t nr, uint32_t attributes,
		    vdk_nvme_cmd_cb cb, void *cb_arg)
{
	struct vdk_nvme_cmd cmd;
	bool nested;
	uint16_t i;
	int ret;

	if (ns == NULL || qp == NULL || ranges == NULL || qp->ctrlr != ns->ctrlr || qp->qid == 0)
		return -EINVAL;
	if (nr == 0 || nr > VDK_NVME_DSM_MAX_RANGES ||
	    (attributes & ~(VDK_NVME_DSM_ATTR_IDR | VDK_NVME_DSM_ATTR_IDW |
			    VDK_NVME_DSM_ATTR_AD)) != 0) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: dataset management with %u ranges and "
			 "attributes %08xh: 1 to 256 ranges, attributes IDR, IDW, AD", ns->id, nr,
			 attributes);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (ranges[i].slba >= ns->num_sectors ||
		    ranges[i].length > ns->num_sectors - ranges[i].slba) {
			NVME_LOG(ERR, ns->ctrlr, "namespace %u: dataset management range %u (%u "
				 "blocks at %" PRIu64 ") lies beyond its %" PRIu64 " blocks",
				 ns->id, i, ranges[i].length, ranges[i].slba, ns->num_sectors);
			return -EINVAL;
		}
	}
	if ((ns->ctrlr->cdata.oncs & VDK_NVME_ONCS_DSM) == 0) {
		NVME_LOG(ERR, ns->ctrlr, "namespace %u: the controller has no Dataset Management "
			 "(ONCS)", ns->id);
		return -ENOTSUP;
	}
	cmd = (struct vdk_nvme_cmd){
		.opc = VDK_NVME_OPC_DSM,
		.nsid = ns->id,
		.cdw10 = nr - 1u,
		.cdw11 = attributes,
	};
	ret = nvme_qpair_enter(qp, &nested);
	if (ret < 0)
		return ret;
	if (atomic_load_explicit(&ns->ctrlr->failed, memory_order_relaxed) || !ns->active)
		ret = -ENXIO;
	else
		ret = nvme_qpair_submit_dsm(qp, &cmd, ranges, nr, cb, cb_arg);
	nvme_qpair_leave(qp, nested);
	return ret;
}
