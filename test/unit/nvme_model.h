/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An NVMe controller in the test process: its registers are an ordinary
 * 16 KiB buffer handed to the driver as BAR0, and nvme_model_step() does
 * what the hardware would do between two looks by the driver: follow
 * CC.EN and CC.SHN, fetch commands up to each SQ tail doorbell, execute
 * them on in-memory namespaces and post completions with the phase tag.
 * IOVAs are addresses (the EAL runs --no-huge --no-pci: IOVA = VA).
 *
 * Faults on demand: error statuses, swallowed commands (timeouts), aborts
 * that do not abort, a fatal controller (CSTS.CFS), a controller that
 * never gets ready, held I/O (a reset in the middle), and a hook that
 * mangles Identify data before the driver sees it. Every command is
 * recorded with the PRP entries it carried, so tests check what the
 * driver built.
 *
 * A device that breaks the rules, for the tests and the fuzzer that check
 * what the driver trusts: any CAP and BAR size (doorbells the BAR does not
 * hold are not served), a hook before each round of work that may write
 * any register or post completions nobody asked for, a hook that may
 * change or drop every completion (CID, SQHD, status, phase tag), and a
 * completion queue the device keeps writing past the host's head.
 */
#ifndef NVME_MODEL_H
#define NVME_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "nvme_internal.h"

#define MODEL_BAR_SIZE    0x4000u
#define MODEL_MAX_QUEUES  16u    /* I/O queues it grants at most */
#define MODEL_MAX_NS      4u
#define MODEL_REC_MAX     64u    /* commands remembered, newest last */
#define MODEL_REC_PRPS    520u
#define MODEL_HELD_MAX    256u
#define MODEL_ACL         3u     /* Identify ACL: 4 Aborts outstanding at most */

struct nvme_model;

/* Changes an Identify page (@cns, @nsid) before it is transferred. */
typedef void (*nvme_model_mangle_t)(struct nvme_model *m, uint8_t cns, uint32_t nsid,
				    void *page);
/*
 * Runs at the start of each nvme_model_step(), model locked: may write
 * registers and call nvme_model_post(). False: do no other work this round.
 */
typedef bool (*nvme_model_step_t)(struct nvme_model *m);
/*
 * Sees each completion, its phase tag set, before it is written to CQ
 * @cqid: may change any field. False: the completion is never written.
 */
typedef bool (*nvme_model_cpl_t)(struct nvme_model *m, uint16_t cqid, struct vdk_nvme_cpl *cpl);

struct nvme_model_ns {
	uint32_t nsid;
	uint64_t nsze;
	uint8_t lbads;
	uint16_t ms;
	bool ext;
	uint8_t *data;
};

/* One command as the model fetched it. */
struct nvme_model_rec {
	struct vdk_nvme_cmd cmd;
	uint16_t sqid;
	uint32_t nb_pages;                 /* data pages the PRPs named */
	uint64_t pages[MODEL_REC_PRPS];    /* their addresses, in order */
	uint32_t nb_sgl;                   /* data block descriptors used */
};

struct nvme_model_queue {
	bool exists;
	uint64_t base;
	uint32_t size;
	uint32_t head;      /* SQ: next to fetch; CQ: host's head from its doorbell */
	uint32_t tail;      /* CQ: next to post */
	uint16_t cqid;      /* SQ: its CQ */
	uint8_t phase;      /* CQ */
	bool ien;
	uint16_t iv;
};

struct nvme_model_held {
	struct vdk_nvme_cmd cmd;
	uint16_t sqid;
	uint16_t sqhd;
};

struct nvme_model {
	uint8_t *bar;
	size_t bar_size;               /* MODEL_BAR_SIZE unless set */
	bool foreign_bar;              /* nvme_model_use_bar(): not ours to free */
	/* Configuration: set before nvme_model_attach(). */
	uint64_t cap;
	uint32_t vs;
	uint8_t mdts;
	uint32_t sgls;
	uint16_t oncs;
	uint8_t vwc;
	uint32_t nn;
	uint32_t max_queues;
	struct nvme_model_ns ns[MODEL_MAX_NS];
	unsigned int nb_ns;
	nvme_model_mangle_t mangle;
	nvme_model_step_t step_hook;
	nvme_model_cpl_t cpl_hook;
	void *hook_arg;                /* for the hooks' own state */

	/* Faults: tests set them at any time. */
	volatile bool never_ready;     /* CC.EN = 1 never sets CSTS.RDY */
	volatile bool fatal;           /* CSTS.CFS = 1; nothing is processed */
	volatile bool fatal_on_enable; /* CC.EN = 1 sets CSTS.CFS instead of RDY */
	volatile bool hold_io;         /* keep I/O commands without completing them */
	volatile bool stall_admin;     /* fetch nothing from the admin queue */
	volatile bool abort_ignored;   /* Abort answers "not aborted" */
	volatile bool hold_aborts;     /* Abort gets no completion (until a reset); past
					  ACL + 1 held, ABORT COMMAND LIMIT EXCEEDED */
	volatile int fail_opc;         /* -1: none; else fail that opcode... */
	volatile int fail_sqid;        /* ...on this SQ (-1: any) */
	volatile uint16_t fail_status; /* ...with this status field (SCT/SC, no phase) */
	volatile unsigned int fail_count; /* ...this many times */
	volatile bool corrupt_reads;   /* flip a byte of what each read returns */
	volatile int drop_opc;         /* swallow this opcode (-1: none)... */
	volatile unsigned int drop_count; /* ...this many times */
	volatile bool overrun_cq;      /* post even when the CQ is full (head ignored) */

	/* State. */
	bool enabled;
	struct nvme_model_queue sq[MODEL_MAX_QUEUES + 1];
	struct nvme_model_queue cq[MODEL_MAX_QUEUES + 1];
	struct nvme_model_held held[MODEL_HELD_MAX];
	unsigned int nb_held;
	struct nvme_model_held aborted;   /* to answer after an Abort's completion */
	bool has_aborted;
	int efd[MODEL_MAX_QUEUES + 1];
	unsigned int nb_vectors;

	/* What happened. */
	struct nvme_model_rec rec[MODEL_REC_MAX];
	unsigned int nb_rec;              /* total recorded (index = nb_rec % MAX) */
	unsigned int nb_enable;           /* times CC.EN went 0 -> 1 */
	unsigned int nb_shutdown;
	unsigned int nb_bad_dma;          /* addresses that were not DMA memory */
	unsigned int nb_bad_doorbell;
	unsigned int nb_cq_unfill;        /* head doorbells that un-filled a full CQ, which
					     QEMU 7.2 answers by waking its main loop */
	unsigned int max_aborts_held;     /* most Aborts outstanding at once (hold_aborts) */
	unsigned int nb_abort_limit;      /* Aborts refused: more than ACL + 1 outstanding */
	uint64_t nb_cmds;
	uint64_t nb_io_opc[256];          /* I/O commands executed, by opcode */

	pthread_mutex_t lock;
	pthread_t thread;
	volatile bool running;
};

/* A model like QEMU's: NVMe 1.4, MQES 2047, TO 1 (500 ms), 1 namespace. */
struct nvme_model *nvme_model_create(void);
/* Add namespace @nsid of @nsze blocks of 2^@lbads bytes (+@ms metadata). */
void nvme_model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint8_t lbads,
		       uint16_t ms, bool ext);
void nvme_model_free(struct nvme_model *m);
/* Serve registers in @bar (MODEL_BAR_SIZE bytes someone else owns): a BAR mapping. */
void nvme_model_use_bar(struct nvme_model *m, uint8_t *bar);
/* Make BAR0 @size bytes (0x1000 or more), before nvme_model_attach(). */
void nvme_model_set_bar_size(struct nvme_model *m, size_t size);

/*
 * Write @cpl to CQ @cqid at the device's tail with the current phase tag,
 * through cpl_hook, whether or not the driver issued it. Model locked
 * (from step_hook) or stopped. False when the CQ does not exist.
 */
bool nvme_model_post(struct nvme_model *m, uint16_t cqid, const struct vdk_nvme_cpl *cpl);

/* One round of device work. Safe to call from any thread (locked). */
void nvme_model_step(struct nvme_model *m);
/* Step in a thread of its own until nvme_model_stop(). */
void nvme_model_run(struct nvme_model *m);
void nvme_model_stop(struct nvme_model *m);

/* Complete every held command now (with success, data moved). */
void nvme_model_release_held(struct nvme_model *m);

/* The controller over the model, as the PCI probe would create it. */
struct vdk_nvme_ctrlr *nvme_model_attach(struct nvme_model *m, const char *name,
					 const struct nvme_ctrlr_cfg *cfg);

/* The @back-th most recent command (0: the last one), or NULL. */
const struct nvme_model_rec *nvme_model_last(const struct nvme_model *m, unsigned int back);
/* The most recent command with opcode @opc on SQ @sqid, or NULL. */
const struct nvme_model_rec *nvme_model_find(const struct nvme_model *m, uint16_t sqid,
					     uint8_t opc);

/* Register access for tests. */
uint32_t nvme_model_reg32(const struct nvme_model *m, uint32_t off);
void nvme_model_set_reg32(struct nvme_model *m, uint32_t off, uint32_t val);

#endif /* NVME_MODEL_H */
