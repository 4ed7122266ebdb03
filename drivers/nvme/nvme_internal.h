/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the NVMe driver's files share: the controller, queue pair and
 * namespace structures, and the seam between the controller logic and the
 * bus under it (a BAR pointer, interrupts, and a hook for control-path
 * waits), which lets a unit test run the driver over a controller model
 * whose registers are ordinary memory.
 */
#ifndef NVME_INTERNAL_H
#define NVME_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vdk_common.h"
#include "vdk_cycles.h"
#include "vdk_log.h"
#include "vdk_nvme.h"
#include "vdk_pci.h"

/* Every message names the controller. */
#define NVME_LOG(level, c, fmt, ...) \
	VDK_LOG(level, NVME, "%s: " fmt, (c)->name, ##__VA_ARGS__)

/* Defaults; -a device arguments override them (vdk_nvme.h). */
#define NVME_ADMIN_QUEUE_SIZE     32u
#define NVME_DEFAULT_IO_QUEUES    64u
#define NVME_DEFAULT_QUEUE_SIZE   256u
#define NVME_DEFAULT_IO_TIMEOUT_MS    30000u
#define NVME_DEFAULT_ADMIN_TIMEOUT_MS 10000u
/* A shutdown may take this long when Identify RTD3E does not say. */
#define NVME_DEFAULT_SHUTDOWN_MS  10000u
/* The driver's memory page (CC.MPS = 0) unless CAP.MPSMIN asks for more. */
#define NVME_PAGE_SIZE            4096u
/* One PRP list page holds 512 entries: 2 MiB of 4 KiB pages. */
#define NVME_MAX_XFER             (2u << 20)
/* Per-command DMA area for its PRP list, SGL segment or DSM ranges. */
#define NVME_CMD_AREA             4096u
/* Most SGL descriptors in the one segment a command gets. */
#define NVME_MAX_SGL_DESC         (NVME_CMD_AREA / sizeof(struct vdk_nvme_sgl_desc))
/* Vectored I/O takes at most this many buffers. */
#define NVME_MAX_IOV              256
/*
 * Most namespace IDs a scan takes: NN may claim 2^32 - 1 and an active
 * list may page on for ever; four list pages are more than any PCIe
 * controller has.
 */
#define NVME_MAX_NS               4096u
/* How often a queue pair looks for timed-out commands and CSTS.CFS. */
#define NVME_CHECK_INTERVAL_MS    10u

struct vdk_nvme_ctrlr;

/*
 * What the controller needs from the bus it sits on. The PCI backend
 * (nvme_pci.c) uses VFIO; a unit test hands in its model.
 */
struct nvme_transport {
	const char *name;
	/* Enable @nb interrupt vectors (MSI-X); -ENOTSUP where there are none. */
	int (*intr_enable)(struct vdk_nvme_ctrlr *c, unsigned int nb);
	/* The eventfd of vector @vector, or a negative errno. */
	int (*intr_efd)(struct vdk_nvme_ctrlr *c, unsigned int vector);
	/*
	 * Called on each turn of a control-path wait (ready bit, admin
	 * command). NULL: sleep a little. A model advances here.
	 */
	void (*wait_idle)(struct vdk_nvme_ctrlr *c);
};

/* Controller settings taken at creation. */
struct nvme_ctrlr_cfg {
	uint32_t io_queues;         /* asked with Set Features, Number of Queues */
	uint32_t io_timeout_ms;     /* 0: none */
	uint32_t admin_timeout_ms;
	uint32_t admin_queue_size;
	bool no_sgl;
};

/* One command slot of a queue; its index is the command identifier. */
struct nvme_tracker {
	vdk_nvme_cmd_cb cb;
	void *cb_arg;
	uint64_t deadline;      /* TSC; 0: no timeout */
	uint32_t epoch;         /* the queue pair's reset epoch at submission */
	uint16_t cid;
	uint8_t active;
	uint8_t abort_sent;
	uint8_t opc;
	struct nvme_tracker *next_free;
	void *area;             /* NVME_CMD_AREA bytes of DMA memory */
	uint64_t area_iova;
};

/*
 * A submission queue and its completion queue: the admin queue (qid 0)
 * or an I/O queue pair.
 */
struct vdk_nvme_qpair {
	/* Datapath state, touched by the owning thread only. */
	struct vdk_nvme_cmd *sq;
	struct vdk_nvme_cpl *cq;
	volatile uint32_t *sq_db;
	volatile uint32_t *cq_db;
	struct vdk_nvme_ctrlr *ctrlr;
	struct nvme_tracker *free_trackers;
	struct nvme_tracker *trackers;
	uint32_t entries;       /* of the SQ; entries - 1 trackers */
	uint32_t cq_entries;    /* of the CQ: entries + 1 where CAP.MQES allows */
	uint32_t outstanding;
	uint16_t sq_tail;
	uint16_t sq_tail_rung;  /* last value written to the SQ doorbell */
	uint16_t sq_head;       /* from the last completion's SQHD */
	uint16_t cq_head;
	uint16_t cq_head_rung;
	uint8_t phase;
	bool doorbell_per_cmd;
	uint32_t seen_epoch;
	uint64_t next_check;    /* TSC of the next timeout / CFS check */
	/*
	 * Counted by the owner, read by telemetry: relaxed stores of the
	 * owner's own sums, so a reader sees whole values and no lock is taken.
	 */
	uint64_t submitted;
	uint64_t completed;
	uint64_t errors;        /* completions with an error status */

	/*
	 * Held (the owner's token) while a thread is inside a call on this
	 * queue pair, so that a reset can wait for the call to return.
	 */
	_Atomic(uintptr_t) busy vdk_cache_aligned;
	/* Bumped by a reset: trackers of older epochs are aborted. */
	uint32_t epoch;

	uint16_t qid;
	bool interrupts;
	bool gone;              /* the controller no longer has this queue */
	uint64_t sq_iova;
	uint64_t cq_iova;
	void *areas;
	struct vdk_nvme_qpair *next;   /* in the controller's list */
};

/* An active namespace. */
struct vdk_nvme_ns {
	struct vdk_nvme_ctrlr *ctrlr;
	uint32_t id;
	bool active;
	uint32_t sector_size;
	uint32_t ext_sector_size;
	uint32_t md_size;
	bool md_ext;
	uint64_t num_sectors;
	uint32_t max_io_sectors;
	struct vdk_nvme_ns_data data;
};

struct vdk_nvme_ctrlr {
	char name[VDK_PCI_NAME_LEN];
	void *bar;
	size_t bar_len;
	const struct nvme_transport *tp;
	void *tp_ctx;                 /* the transport's (a PCI device, a model) */
	struct nvme_ctrlr_cfg cfg;

	uint64_t cap;
	uint32_t vs;
	uint32_t db_stride;           /* bytes: 4 << CAP.DSTRD */
	uint32_t page_size;
	uint32_t min_page_size;       /* 2^(12 + CAP.MPSMIN): MDTS's unit */
	uint32_t max_xfer;
	uint32_t max_entries;         /* CAP.MQES + 1 */
	uint32_t ready_timeout_ms;    /* CAP.TO */
	uint32_t max_io_qpairs;
	bool sgl;
	bool intr_enabled;

	struct vdk_nvme_ctrlr_data cdata;
	void *scratch;                /* 4 KiB of DMA memory for Identify */
	uint64_t scratch_iova;

	/* Serialises admin queue use; never held while waiting for a qpair. */
	pthread_mutex_t admin_lock;
	struct vdk_nvme_qpair *adminq;

	/* Serialises reset, qpair allocation and free, detach. */
	pthread_mutex_t ctrl_lock;
	struct vdk_nvme_qpair *qpairs;
	struct vdk_nvme_qpair **qid_map;  /* [1..max_io_qpairs] */

	atomic_int resetting;
	atomic_bool failed;
	/* Aborts submitted and not completed; at most Identify ACL + 1 (§5.1). */
	uint32_t aborts_outstanding;  /* under admin_lock */
	uint64_t io_timeout_tsc;      /* 0: none */
	uint32_t admin_timeout_ms;

	struct vdk_nvme_ns **ns;      /* active namespaces, by ascending id */
	uint32_t nb_ns;

	struct vdk_nvme_ctrlr *next;  /* the list of controllers */
};

/* nvme_ctrlr.c */
struct vdk_nvme_ctrlr *nvme_ctrlr_create(const char *name, void *bar, size_t bar_len,
					 const struct nvme_transport *tp, void *tp_ctx,
					 const struct nvme_ctrlr_cfg *cfg);
void nvme_ctrlr_destroy(struct vdk_nvme_ctrlr *c, bool shutdown);
void nvme_ctrlr_cfg_default(struct nvme_ctrlr_cfg *cfg);
struct vdk_nvme_ctrlr *nvme_ctrlr_find(const char *name);
/*
 * Call @cb on every controller, holding the list lock so that none is
 * detached meanwhile; stops at the first nonzero return, which it returns.
 */
int nvme_ctrlr_walk(int (*cb)(struct vdk_nvme_ctrlr *c, void *arg), void *arg);
void nvme_ctrlr_wait_idle(struct vdk_nvme_ctrlr *c);
void nvme_ctrlr_mark_failed(struct vdk_nvme_ctrlr *c, const char *why);
uint32_t nvme_shutdown_timeout_ms(uint32_t rtd3e_us);
bool nvme_ctrlr_check_fatal(struct vdk_nvme_ctrlr *c);
int nvme_ctrlr_reset_from(struct vdk_nvme_ctrlr *c, bool block);
int nvme_ctrlr_abort_cmd(struct vdk_nvme_ctrlr *c, uint16_t sqid, uint16_t cid);
int nvme_admin_sync_locked(struct vdk_nvme_ctrlr *c, struct vdk_nvme_cmd *cmd, void *buf,
			   uint32_t len, struct vdk_nvme_cpl *cpl);

/* nvme_qpair.c */
struct vdk_nvme_qpair *nvme_qpair_create(struct vdk_nvme_ctrlr *c, uint16_t qid,
					 uint32_t entries, uint32_t cq_entries);
void nvme_qpair_destroy(struct vdk_nvme_qpair *qp);
void nvme_qpair_reset_state(struct vdk_nvme_qpair *qp);
void nvme_qpair_abort_all(struct vdk_nvme_qpair *qp, uint8_t sct, uint8_t sc);
int nvme_qpair_submit(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd, void *buf,
		      uint32_t len, void *md, vdk_nvme_cmd_cb cb, void *cb_arg);
int nvme_qpair_submit_iov(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd,
			  const struct iovec *iov, int iovcnt, uint32_t len,
			  vdk_nvme_cmd_cb cb, void *cb_arg);
int nvme_qpair_submit_dsm(struct vdk_nvme_qpair *qp, struct vdk_nvme_cmd *cmd,
			  const struct vdk_nvme_dsm_range *ranges, uint16_t nr,
			  vdk_nvme_cmd_cb cb, void *cb_arg);
int nvme_qpair_poll(struct vdk_nvme_qpair *qp, uint32_t max);
void nvme_qpair_ring_sq(struct vdk_nvme_qpair *qp);
int nvme_qpair_enter(struct vdk_nvme_qpair *qp, bool *nested);
void nvme_qpair_leave(struct vdk_nvme_qpair *qp, bool nested);
bool nvme_qpair_held_by_me(const struct vdk_nvme_qpair *qp);
int nvme_build_prps(struct vdk_nvme_ctrlr *c, struct nvme_tracker *tr,
		    struct vdk_nvme_cmd *cmd, void *buf, uint32_t len);

/* nvme_ns.c */
int nvme_ns_scan(struct vdk_nvme_ctrlr *c);
int nvme_ns_refresh(struct vdk_nvme_ctrlr *c);
void nvme_ns_free_all(struct vdk_nvme_ctrlr *c);
int nvme_ns_parse(struct vdk_nvme_ctrlr *c, struct vdk_nvme_ns *ns,
		  const struct vdk_nvme_ns_data *nsd);

/* Doorbell of SQ @qid's tail (§3.1.25) and CQ @qid's head (§3.1.26). */
static inline volatile uint32_t *
nvme_sq_doorbell(const struct vdk_nvme_ctrlr *c, uint16_t qid)
{
	return (volatile uint32_t *)((char *)c->bar + VDK_NVME_REG_DBS +
				     (size_t)(2u * qid) * c->db_stride);
}

static inline volatile uint32_t *
nvme_cq_doorbell(const struct vdk_nvme_ctrlr *c, uint16_t qid)
{
	return (volatile uint32_t *)((char *)c->bar + VDK_NVME_REG_DBS +
				     (size_t)(2u * qid + 1) * c->db_stride);
}

static inline uint64_t
nvme_ms_to_tsc(uint64_t ms)
{
	return ms * (vdk_get_tsc_hz() / 1000);
}

#endif /* NVME_INTERNAL_H */
