/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-side fuzz target for the NVMe driver (drivers/nvme): the
 * controller model of test/unit/nvme_model.c takes its every decision
 * from the input, and the driver must stay memory-safe, bounded and true
 * to its word whatever the device does.
 *
 * Input: a header (CAP, VS, BAR size, the driver's settings, what the run
 * does, and how the rest is shared), then three streams of
 * device events, each read as the driver meets the device: one before
 * each round of device work (CSTS and other register values, a fatal
 * controller, completions nobody asked for, a stall, a CQ written past
 * the host's head, commands swallowed or failed), one for each completion
 * posted (CID, SQHD, status and phase tag changed, or the completion
 * dropped), one for each Identify page (controller, namespace, active
 * namespace list: fields changed, bytes flipped, lists out of order or
 * without end). When a stream runs out that part of the device behaves,
 * so every run ends quickly.
 *
 * Header, little-endian: CAP XOR (8 bytes, over the model's QEMU-like
 * CAP), VS XOR (4), BAR size index (1; bit 7 also turns SGLs off), I/O
 * queues asked (2; 0 is 16), admin queue size (1), I/O queue size (1),
 * RUN_* flags (1), commands (1), the step stream's share of the rest
 * (1, in 255ths), the completion stream's share of what is left after it
 * (1); the Identify stream is the rest. corpus_nvme/ holds
 * seeds and the reproducers of the bugs issue 14 fixed (repro_*).
 *
 * Besides the sanitizers, each run checks what the driver promises: a
 * poll returns at most the completion queue size less one; every command accepted
 * completes exactly once (at the latest when the controller is
 * detached); the queues granted have doorbells inside BAR0; every
 * namespace kept has a geometry the driver can use; a scan reads at most
 * NVME_MAX_NS namespace IDs and their list pages.
 *
 * Built with clang and -fsanitize=fuzzer this is a libFuzzer target; with
 * another compiler VDK_FUZZ_STANDALONE links the driver of
 * fuzz_standalone.c, which mutates the seed corpus at random for a bounded
 * number of runs.
 * FUZZ_NVME_LOG=1 shows the driver's messages while a reproducer runs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_model.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_log.h"

#define FUZZ_MAX_LEN   8192
#define FUZZ_HDR_LEN   21
#define FUZZ_MAX_CMDS  24      /* commands a run submits */
#define FUZZ_IO_BUF    (NVME_MAX_XFER + 4096)

/* What a run does, from the header's flags byte. */
#define RUN_RESET      0x01u   /* reset the controller with I/O outstanding */
#define RUN_ADMIN      0x02u   /* an admin command polled by hand */
#define RUN_TIMEOUTS   0xc4u   /* stay long enough for the timeout checks (all 3 bits) */
#define RUN_VECTOR     0x08u   /* vectored I/O: SGLs or PRPs of a vector */
#define RUN_RESUBMIT   0x10u   /* callbacks submit again, the device works meanwhile */
#define RUN_WRITE      0x20u

struct stream {
	const uint8_t *p;
	size_t n;
};

/* The header, then the streams of step, completion and Identify events. */
static struct stream hdr, st_step, st_cpl, st_id;
/* Device events of each kind: all, and those the input decided. */
enum { EV_STEP, EV_CPL, EV_ID, EV_KINDS };
static uint64_t nb_events[EV_KINDS], nb_fuzzed[EV_KINDS], nb_runs;

static FILE *devnull;
static uint8_t *io_buf;
static struct nvme_model *model;
static struct vdk_nvme_qpair *io_qp;
static unsigned int ns_identifies, list_pages, resubmits;
static bool recovered, endless_list;

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_nvme: invariant broken: %s\n", what);
		abort();
	}
}

/* The next @bytes of @s, little-endian; 0 once it has run out. */
static uint64_t
take_from(struct stream *s, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && s->n > 0; i++, s->n--)
		v |= (uint64_t)*s->p++ << (8 * i);
	return v;
}

/* Cut @len bytes off the front of @from as a stream of their own. */
static struct stream
split(struct stream *from, size_t len)
{
	struct stream s = { from->p, VDK_MIN(len, from->n) };

	from->p += s.n;
	from->n -= s.n;
	return s;
}

/* One device event of @kind: true when its stream decides it. */
static bool
event(const struct stream *s, unsigned int kind)
{
	nb_events[kind]++;
	if (s->n == 0)
		return false;
	nb_fuzzed[kind]++;
	return true;
}

/* ---- The device ---- */

static bool
fz_step(struct nvme_model *m)
{
	/* What the driver reads besides CC, which is the host's to write. */
	static const uint32_t regs[] = {
		VDK_NVME_REG_CAP, VDK_NVME_REG_CAP + 4, VDK_NVME_REG_VS, VDK_NVME_REG_CSTS,
	};
	struct vdk_nvme_cpl cpl;
	uint8_t op;

	if (!event(&st_step, EV_STEP)) {
		/*
		 * Out of input: the device behaves from here on, once healed
		 * of what would last (one-shot drops and failures run out).
		 */
		if (!recovered) {
			recovered = true;
			m->fatal = false;
			m->stall_admin = false;
			m->overrun_cq = false;
			nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, m->enabled ? 1u : 0u);
		}
		return true;
	}
	/* One round in 16 breaks a rule; the others are plain work. */
	op = (uint8_t)take_from(&st_step, 1);
	if (op < 0xf0)
		return true;
	switch (op & 0x0f) {
	case 0:
		/* Any CSTS: RDY, CFS, SHST as they come. */
		nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, (uint32_t)take_from(&st_step, 4));
		return false;
	case 1:
		nvme_model_set_reg32(m, VDK_NVME_REG_CSTS, UINT32_MAX);
		return false;
	case 2:
		m->fatal = true;
		return true;
	case 3:
		cpl = (struct vdk_nvme_cpl){
			.cdw0 = (uint32_t)take_from(&st_step, 4),
			.sqhd = (uint16_t)take_from(&st_step, 2),
			.sqid = (uint16_t)take_from(&st_step, 2),
			.cid = (uint16_t)take_from(&st_step, 2),
			.status = (uint16_t)take_from(&st_step, 2),
		};
		(void)nvme_model_post(m, (uint16_t)(take_from(&st_step, 1) % (MODEL_MAX_QUEUES + 1)),
				      &cpl);
		return true;
	case 4:
		m->overrun_cq = !m->overrun_cq;
		return true;
	case 5:
		m->stall_admin = !m->stall_admin;
		return true;
	case 6:
		m->abort_ignored = !m->abort_ignored;
		return true;
	case 7:
		m->drop_opc = (int)take_from(&st_step, 1);
		m->drop_count = 1;
		return true;
	case 8:
	case 9:
		m->fail_opc = (int)take_from(&st_step, 1);
		m->fail_sqid = (op & 1) ? 0 : -1;
		m->fail_status = (uint16_t)take_from(&st_step, 2);
		m->fail_count = 1;
		return true;
	case 10:
		nvme_model_set_reg32(m, regs[take_from(&st_step, 1) % (sizeof(regs) / sizeof(regs[0]))],
				     (uint32_t)take_from(&st_step, 4));
		return false;
	default:
		/* Nothing done this round. */
		return false;
	}
}

static bool
fz_cpl(struct nvme_model *m, uint16_t cqid, struct vdk_nvme_cpl *cpl)
{
	uint8_t op;

	(void)m;
	(void)cqid;
	if (!event(&st_cpl, EV_CPL))
		return true;
	/* One completion in 8 is changed: bits 0-3 pick the fields; 0xff drops it. */
	op = (uint8_t)take_from(&st_cpl, 1);
	if (op < 0xe0)
		return true;
	if (op & 0x01)
		cpl->cid ^= (uint16_t)take_from(&st_cpl, 2);
	if (op & 0x02)
		cpl->sqhd ^= (uint16_t)take_from(&st_cpl, 2);
	if (op & 0x04)
		cpl->status ^= (uint16_t)take_from(&st_cpl, 2);    /* the phase tag too */
	if (op & 0x08)
		cpl->cdw0 ^= (uint32_t)take_from(&st_cpl, 4);
	return op != 0xff;
}

static void
fz_list(uint32_t nsid, uint32_t *ids)
{
	uint32_t n = (uint32_t)take_from(&st_id, 2) % (VDK_NVME_NS_LIST_ENTRIES + 1), id = nsid;

	memset(ids, 0, 4096);
	for (uint32_t i = 0; i < n; i++) {
		/* A step of 0 repeats an ID; a wrap goes backwards. */
		id += (uint32_t)take_from(&st_id, 1);
		ids[i] = id;
	}
}

static void
fz_identify(struct nvme_model *m, uint8_t cns, uint32_t nsid, void *page)
{
	struct vdk_nvme_ctrlr_data *cd = page;
	struct vdk_nvme_ns_data *nd = page;
	uint8_t *b = page, op;

	(void)m;
	if (cns == VDK_NVME_CNS_CTRLR) {
		ns_identifies = 0;
		list_pages = 0;
	} else if (cns == VDK_NVME_CNS_NS) {
		check(++ns_identifies <= NVME_MAX_NS, "a scan identifies at most NVME_MAX_NS");
	} else if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST) {
		check(++list_pages <= NVME_MAX_NS / VDK_NVME_NS_LIST_ENTRIES + 1,
		      "a scan reads at most NVME_MAX_NS IDs of list pages");
	}
	if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST && endless_list)
		/* Without end: every page full of the next IDs. */
		for (uint32_t i = 0; i < VDK_NVME_NS_LIST_ENTRIES; i++)
			((uint32_t *)page)[i] = nsid + 1 + i;
	if (!event(&st_id, EV_ID))
		return;
	/* One page in 4 is changed: bit 0 fields, bit 1 bytes, 3Ch a list without end. */
	op = (uint8_t)take_from(&st_id, 1);
	if (op < 0xc0)
		return;
	if (op & 0x01) {
		if (cns == VDK_NVME_CNS_CTRLR) {
			cd->nn ^= (uint32_t)take_from(&st_id, 4);
			cd->mdts ^= (uint8_t)take_from(&st_id, 1);
			cd->sqes ^= (uint8_t)take_from(&st_id, 1);
			cd->cqes ^= (uint8_t)take_from(&st_id, 1);
			cd->sgls ^= (uint32_t)take_from(&st_id, 4);
			cd->oncs ^= (uint16_t)take_from(&st_id, 2);
			cd->rtd3e ^= (uint32_t)take_from(&st_id, 4);
		} else if (cns == VDK_NVME_CNS_NS) {
			nd->nsze ^= take_from(&st_id, 8);
			nd->ncap ^= take_from(&st_id, 8);
			nd->nlbaf ^= (uint8_t)take_from(&st_id, 1);
			nd->flbas ^= (uint8_t)take_from(&st_id, 1);
			nd->lbaf[take_from(&st_id, 1) % 64].ms ^= (uint16_t)take_from(&st_id, 2);
			nd->lbaf[take_from(&st_id, 1) % 64].lbads ^= (uint8_t)take_from(&st_id, 1);
		} else if (cns == VDK_NVME_CNS_ACTIVE_NS_LIST) {
			fz_list(nsid, page);
		}
	}
	if ((op & 0x3c) == 0x3c)
		endless_list = true;
	if (op & 0x02)
		for (unsigned int k = (unsigned int)take_from(&st_id, 1) % 16; k > 0; k--)
			b[take_from(&st_id, 2) % 4096] ^= (uint8_t)take_from(&st_id, 1);
}

/* ---- The driver's side ---- */

struct sub {
	unsigned int done;
	struct vdk_nvme_ns *ns;
};

static struct sub subs[FUZZ_MAX_CMDS + 1];

static void
sub_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct sub *s = arg;

	(void)cpl;
	check(++s->done == 1, "a command completes once");
}

static void
resubmit_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct sub *s = arg;

	sub_done(arg, cpl);
	/* Closed loop, as vdk-nvme-perf runs: the next command from the callback. */
	if (resubmits == 0 || io_qp == NULL)
		return;
	resubmits--;
	s->done = 0;
	if (vdk_nvme_ns_cmd_read(s->ns, io_qp, io_buf, 0, 1, resubmit_done, s, 0) != 0) {
		s->done = 1;
		return;
	}
	/* The device works while the host polls: it sees the command at once. */
	(void)vdk_nvme_qpair_flush(io_qp);
	nvme_model_step(model);
}

/* What the controller promises once it is up. */
static void
check_ctrlr(const struct vdk_nvme_ctrlr *c)
{
	const uint8_t *end = (const uint8_t *)c->bar + c->bar_len;
	uint32_t prev = 0;

	check(c->max_io_qpairs >= 1 && c->max_io_qpairs <= c->cfg.io_queues,
	      "I/O queues granted within those asked");
	check((const uint8_t *)nvme_cq_doorbell(c, (uint16_t)c->max_io_qpairs) + 4 <= end,
	      "every granted queue's doorbells inside BAR0");
	check(c->max_xfer >= 4096 && c->max_xfer <= NVME_MAX_XFER, "max transfer in range");
	check(c->nb_ns <= NVME_MAX_NS, "at most NVME_MAX_NS namespaces");
	for (uint32_t i = 0; i < c->nb_ns; i++) {
		const struct vdk_nvme_ns *ns = c->ns[i];

		check(ns->id > prev && ns->id <= c->cdata.nn, "namespace IDs ascending, <= NN");
		prev = ns->id;
		if (!ns->active)
			continue;
		check(ns->sector_size >= 512 && ns->sector_size <= (1u << 20) &&
		      (ns->sector_size & (ns->sector_size - 1)) == 0, "block size usable");
		check(ns->ext_sector_size <= c->max_xfer, "a block fits one transfer");
		check(ns->max_io_sectors >= 1 && (uint64_t)ns->max_io_sectors *
		      ns->ext_sector_size <= c->max_xfer, "max I/O within max transfer");
		check(ns->num_sectors > 0, "namespace not empty");
	}
}

/* Poll as an app does, @rounds times; every return within the bound. */
static void
drive(struct vdk_nvme_qpair *qp, unsigned int rounds)
{
	for (unsigned int r = 0; r < rounds && vdk_nvme_qpair_outstanding(qp) > 0; r++) {
		int n;

		nvme_model_step(model);
		n = vdk_nvme_qpair_process_completions(qp, 0);
		check(n < (int)qp->cq_entries, "a poll takes at most the completion queue size less one");
		if (n == -ENXIO)
			return;
	}
}

/* Submit, poll, maybe reset and time out; the number of commands tried. */
static unsigned int
run_io(struct vdk_nvme_ctrlr *c, uint32_t qsize, uint8_t flags, unsigned int nb_cmds)
{
	struct vdk_nvme_qpair_opts o;
	struct vdk_nvme_ns *ns;
	struct iovec iov[2];
	unsigned int i;

	ns = vdk_nvme_ctrlr_get_ns(c, vdk_nvme_ctrlr_first_active_ns(c));
	if (ns == NULL)
		return 0;
	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	o.queue_size = VDK_MAX(VDK_MIN(qsize, c->max_entries), 2u);
	io_qp = vdk_nvme_ctrlr_alloc_io_qpair(c, &o);
	if (io_qp == NULL)
		return 0;
	resubmits = (flags & RUN_RESUBMIT) ? 4 * o.queue_size : 0;
	for (i = 0; i < nb_cmds; i++) {
		uint32_t blk = vdk_nvme_ns_get_extended_sector_size(ns);
		uint64_t lba = i % vdk_nvme_ns_get_num_sectors(ns);
		int ret;

		subs[i] = (struct sub){ .ns = ns };
		if (flags & RUN_VECTOR) {
			/* Two pieces joined on a page boundary, as PRPs need. */
			int cnt = blk > 4096 ? 2 : 1;

			iov[0] = (struct iovec){ io_buf, VDK_MIN(blk, 4096u) };
			iov[1] = (struct iovec){ io_buf + 4096, blk - iov[0].iov_len };
			ret = (flags & RUN_WRITE)
				? vdk_nvme_ns_cmd_writev(ns, io_qp, iov, cnt, lba, 1, sub_done,
							 &subs[i], 0)
				: vdk_nvme_ns_cmd_readv(ns, io_qp, iov, cnt, lba, 1, sub_done,
							&subs[i], 0);
		} else if (flags & RUN_WRITE) {
			ret = vdk_nvme_ns_cmd_write(ns, io_qp, io_buf, lba, 1, sub_done, &subs[i], 0);
		} else {
			ret = vdk_nvme_ns_cmd_read(ns, io_qp, io_buf, lba, 1,
						   resubmits ? resubmit_done : sub_done, &subs[i], 0);
		}
		/* Refused: no callback will come. */
		if (ret != 0)
			subs[i].done = 1;
	}
	drive(io_qp, 64);
	if (flags & RUN_RESET) {
		(void)vdk_nvme_ctrlr_reset(c);
		drive(io_qp, 64);
	}
	if ((flags & RUN_TIMEOUTS) == RUN_TIMEOUTS) {
		/* Past the 10 ms check and the 1 ms timeout: abort, then reset. */
		uint64_t end = vdk_rdtsc() + vdk_get_tsc_hz() / 40;

		while (vdk_rdtsc() < end && vdk_nvme_qpair_outstanding(io_qp) > 0)
			drive(io_qp, 1);
	}
	vdk_nvme_ctrlr_free_io_qpair(io_qp);
	io_qp = NULL;
	return nb_cmds;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_nvme", "--no-huge", "-l", "0", "--no-pci", "--log-level",
			"nvme:debug", NULL };

	(void)argc;
	(void)argv;
	/* FUZZ_NVME_LOG=1 shows the driver's messages, to read a reproducer's run. */
	devnull = fopen("/dev/null", "w");
	if (getenv("FUZZ_NVME_LOG") == NULL)
		vdk_log_set_stream(devnull);
	if (vdk_eal_init(7, eal) < 0)
		abort();
	io_buf = vdk_dma_zmalloc(FUZZ_IO_BUF, 4096, NULL);
	if (io_buf == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nvme_ctrlr_cfg cfg;
	struct vdk_nvme_ctrlr *c;
	static const size_t bars[] = {
		MODEL_BAR_SIZE, 0x1000, 0x1004, 0x1008, 0x100c, 0x2000, 0x3000, 0x4004,
		0x8000, 0x10000, 0x41000, 0x61004, 0x81000, 0x101000,
	};
	struct nvme_model *m;
	unsigned int nb_cmds, i;
	unsigned int share_step, share_cpl;
	uint32_t qsize;
	uint8_t flags, bar;

	if (size > FUZZ_MAX_LEN)
		return 0;
	hdr = (struct stream){ data, size };
	recovered = false;
	endless_list = false;
	nb_runs++;

	m = model = nvme_model_create();
	nvme_model_add_ns(m, 1, 64, 9, 0, false);
	nvme_model_add_ns(m, 3, 16, 12, 8, true);
	m->cap ^= take_from(&hdr, 8);
	m->vs ^= (uint32_t)take_from(&hdr, 4);
	bar = (uint8_t)take_from(&hdr, 1);
	if (bars[bar % (sizeof(bars) / sizeof(bars[0]))] != MODEL_BAR_SIZE)
		nvme_model_set_bar_size(m, bars[bar % (sizeof(bars) / sizeof(bars[0]))]);
	nvme_ctrlr_cfg_default(&cfg);
	cfg.io_queues = (uint32_t)take_from(&hdr, 2);
	if (cfg.io_queues == 0)
		cfg.io_queues = MODEL_MAX_QUEUES;
	cfg.admin_queue_size = 2 + (uint32_t)take_from(&hdr, 1) % 63;
	cfg.admin_timeout_ms = 2;
	cfg.io_timeout_ms = 1;
	cfg.no_sgl = (bar & 0x80) != 0;
	qsize = 2 + (uint32_t)take_from(&hdr, 1) % 63;
	flags = (uint8_t)take_from(&hdr, 1);
	nb_cmds = (unsigned int)take_from(&hdr, 1) % (FUZZ_MAX_CMDS + 1);
	/* Shares of what follows, so any input feeds all three streams. */
	share_step = (unsigned int)take_from(&hdr, 1);
	share_cpl = (unsigned int)take_from(&hdr, 1);
	st_step = split(&hdr, hdr.n * share_step / 255);
	st_cpl = split(&hdr, hdr.n * share_cpl / 255);
	st_id = hdr;
	m->mangle = fz_identify;
	m->step_hook = fz_step;
	m->cpl_hook = fz_cpl;

	c = nvme_model_attach(m, "fuzz0", &cfg);
	if (c != NULL) {
		check_ctrlr(c);
		nb_cmds = run_io(c, qsize, flags, nb_cmds);
		if (flags & RUN_ADMIN) {
			struct vdk_nvme_cmd cmd = { .opc = VDK_NVME_OPC_IDENTIFY, .cdw10 = 1 };
			struct sub s = { 0 };

			if (vdk_nvme_ctrlr_cmd_admin_raw(c, &cmd, io_buf, 4096, sub_done, &s) != 0)
				s.done = 1;
			for (i = 0; i < 16 && s.done == 0; i++) {
				int n;

				nvme_model_step(m);
				n = vdk_nvme_ctrlr_process_admin_completions(c);
				check(n < (int)c->adminq->entries, "an admin poll is bounded");
			}
			nvme_ctrlr_destroy(c, !vdk_nvme_ctrlr_is_failed(c));
			check(s.done == 1, "the admin command completes once, at detach at the latest");
		} else {
			nvme_ctrlr_destroy(c, !vdk_nvme_ctrlr_is_failed(c));
		}
		for (i = 0; i < nb_cmds; i++)
			check(subs[i].done == 1, "every accepted command completed once");
	}
	model = NULL;
	nvme_model_free(m);
	return 0;
}

static void
report(void)
{
	fprintf(stderr, "fuzz_nvme: %llu runs; device events decided by the input: %llu (%llu "
		"rounds of device work, %llu completions, %llu Identify pages), %llu more as a "
		"well-behaved device; no invariant broken\n", (unsigned long long)nb_runs,
		(unsigned long long)(nb_fuzzed[EV_STEP] + nb_fuzzed[EV_CPL] + nb_fuzzed[EV_ID]),
		(unsigned long long)nb_fuzzed[EV_STEP], (unsigned long long)nb_fuzzed[EV_CPL],
		(unsigned long long)nb_fuzzed[EV_ID],
		(unsigned long long)(nb_events[EV_STEP] + nb_events[EV_CPL] + nb_events[EV_ID] -
				     nb_fuzzed[EV_STEP] - nb_fuzzed[EV_CPL] - nb_fuzzed[EV_ID]));
}

#ifdef VDK_FUZZ_STANDALONE
/*
 * Mutations for the standalone driver: now and then a fresh input, then a
 * few changed bytes (at random, to values devices like to report, or
 * spliced from another seed), inserted runs of events, or a cut.
 */
#include "fuzz_standalone.h"

/*
 * A new input: a header mostly at the defaults (CAP, VS, BAR size and
 * queue count each changed now and then, one byte at a time, as a broken
 * register would be), and up to 4 KiB of random device events.
 */
static void
fresh(struct fuzz_input *in)
{
	memset(in->d, 0, FUZZ_HDR_LEN);
	if (fuzz_rnd() % 4 == 0)                                /* CAP */
		in->d[fuzz_rnd() % 8] = (uint8_t)fuzz_rnd();
	if (fuzz_rnd() % 8 == 0)                                /* VS */
		in->d[8 + fuzz_rnd() % 4] = (uint8_t)fuzz_rnd();
	if (fuzz_rnd() % 4 == 0)                                /* BAR size */
		in->d[12] = (uint8_t)fuzz_rnd();
	if (fuzz_rnd() % 4 == 0)                                /* I/O queues */
		in->d[13 + fuzz_rnd() % 2] = (uint8_t)fuzz_rnd();
	for (size_t k = 15; k < FUZZ_HDR_LEN; k++)              /* sizes, flags, shares */
		in->d[k] = (uint8_t)fuzz_rnd();
	in->n = FUZZ_HDR_LEN + (size_t)(fuzz_rnd() % (4096 + 1));
	for (size_t k = FUZZ_HDR_LEN; k < in->n; k++)
		in->d[k] = (uint8_t)fuzz_rnd();
}

static void
mutate(struct fuzz_input *in)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x02, 0x07, 0x08, 0x0f, 0x10, 0x3f, 0x40,
					  0x7f, 0x80, 0xfe, 0xff };
	unsigned int edits = 1 + (unsigned int)(fuzz_rnd() % 8);

	for (unsigned int e = 0; e < edits; e++) {
		size_t at = in->n ? (size_t)(fuzz_rnd() % in->n) : 0;

		switch (fuzz_rnd() % 5) {
		case 0:
			if (in->n)
				in->d[at] = (uint8_t)fuzz_rnd();
			break;
		case 1:
			if (in->n)
				in->d[at] = values[fuzz_rnd() % sizeof(values)];
			break;
		case 2: {	/* insert random bytes: more device events */
			size_t len = 1 + (size_t)(fuzz_rnd() % 256);

			if (in->n + len > FUZZ_MAX_LEN)
				break;
			memmove(in->d + at + len, in->d + at, in->n - at);
			for (size_t k = 0; k < len; k++)
				in->d[at + k] = (uint8_t)fuzz_rnd();
			in->n += len;
			break;
		}
		case 3:	/* cut */
			if (in->n)
				in->n = at;
			break;
		case 4: {	/* splice a piece of another seed over this one */
			const struct fuzz_input *o = &fuzz_seeds[fuzz_rnd() % fuzz_nb_seeds];

			if (o->n && in->n) {
				size_t from = (size_t)(fuzz_rnd() % o->n);
				size_t len = VDK_MIN(o->n - from, in->n - at);

				memcpy(in->d + at, o->d + from, len);
			}
			break;
		}
		}
	}
}

/* Now and then a fresh input; otherwise a seed; then a few edits. */
static void
make_input(struct fuzz_input *in)
{
	if (fuzz_rnd() % 4 == 0)
		fresh(in);
	else
		*in = fuzz_seeds[fuzz_rnd() % fuzz_nb_seeds];
	mutate(in);
}

static void
done(void)
{
	report();
	vdk_dma_free(io_buf);
	vdk_eal_cleanup();
}

const struct fuzz_target fuzz_target = {
	.name = "fuzz_nvme",
	.max_len = FUZZ_MAX_LEN,
	.make = make_input,
	.done = done,
};
#else
__attribute__((constructor)) static void
report_at_exit(void)
{
	atexit(report);
}
#endif
