/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run: namespaces found from -r (or every controller the EAL probed),
 * checked against what each controller takes, spread over the -c lcores
 * as spdk_nvme_perf spreads them, each lcore keeping -q I/Os in flight on
 * each of its namespaces through its own queue pairs. The window that is
 * measured is fixed before the lcores start (after the warm-up, -t long);
 * an I/O counts if it completes inside it. A controller that fails stops
 * only its own namespaces: the rest run on and the report shows both. An
 * I/O that fails stops its namespace on its core too (the I/Os in flight
 * complete first), unless --continue-on-error: then errors are counted by
 * status and the run goes on, through controller resets as well.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "perf.h"
#include "vdk_dma.h"
#include "vdk_eal.h"

/* How long the lcores wait for the last I/Os after the window closes. */
#define PERF_DRAIN_S 5

static struct perf_run *run;

static inline uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

void
perf_fill_pattern(void *buf, uint32_t len, uint64_t lba, uint32_t gen)
{
	uint64_t *w = buf, base = lba * 0x9e3779b97f4a7c15ull ^ ((uint64_t)gen << 32);

	for (uint32_t i = 0; i < len / 8; i++)
		w[i] = base ^ i;
}

static bool
pattern_matches(const void *buf, uint32_t len, uint64_t lba, uint32_t gen)
{
	const uint64_t *w = buf;
	uint64_t base = lba * 0x9e3779b97f4a7c15ull ^ ((uint64_t)gen << 32);

	for (uint32_t i = 0; i < len / 8; i++)
		if (w[i] != (base ^ i))
			return false;
	return true;
}

static void perf_io_done(void *arg, const struct vdk_nvme_cpl *cpl);

static void
perf_ctx_fail(struct perf_ns_ctx *ctx, int err)
{
	if (!ctx->failed) {
		ctx->failed = true;
		ctx->fail_errno = -err;
	}
}

/* Which blocks and which way the next I/O of @t goes. */
static void
perf_pick(struct perf_ns_ctx *ctx, struct perf_task *t)
{
	const struct perf_params *p = run->p;
	uint64_t unit;

	if (p->verify) {
		unit = t->region_lo + ((p->pattern == PERF_READ || p->pattern == PERF_WRITE ||
					p->pattern == PERF_RW) ? t->gen % t->region_n
							       : xorshift(&ctx->rng) % t->region_n);
		t->lba = unit * ctx->blocks_per_io;
		t->is_read = false;
		t->phase = 0;
		t->gen++;
		return;
	}
	switch (p->pattern) {
	case PERF_READ:
	case PERF_WRITE:
	case PERF_RW:
		unit = ctx->seq++;
		if (ctx->seq >= ctx->units)
			ctx->seq = 0;
		break;
	default:
		unit = xorshift(&ctx->rng) % ctx->units;
		break;
	}
	t->lba = unit * ctx->blocks_per_io;
	switch (p->pattern) {
	case PERF_READ:
	case PERF_RANDREAD:
		t->is_read = true;
		break;
	case PERF_WRITE:
	case PERF_RANDWRITE:
		t->is_read = false;
		break;
	default:
		t->is_read = (int)(xorshift(&ctx->rng) % 100) < p->rwmixread;
		break;
	}
}

/* Submit @t as it stands; on a full queue or a reset it waits its turn. */
static void
perf_issue(struct perf_ns_ctx *ctx, struct perf_task *t)
{
	struct vdk_nvme_qpair *qp;
	int ret;

	t->qp_idx = ctx->next_qp;
	ctx->next_qp = ctx->next_qp + 1 == ctx->nb_qp ? 0 : ctx->next_qp + 1;
	qp = ctx->qp[t->qp_idx];
	t->submit_tsc = vdk_rdtsc();
	if (t->is_read)
		ret = vdk_nvme_ns_cmd_read(ctx->ns, qp, t->buf, t->lba, ctx->blocks_per_io,
					   perf_io_done, t, 0);
	else
		ret = vdk_nvme_ns_cmd_write(ctx->ns, qp, t->buf, t->lba, ctx->blocks_per_io,
					    perf_io_done, t, 0);
	if (vdk_likely(ret == 0)) {
		ctx->in_flight++;
		return;
	}
	if (ret == -EAGAIN || ret == -ENOMEM)
		ctx->retry[ctx->pending_retry++] = t;
	else
		perf_ctx_fail(ctx, ret);
}

static void
perf_start_io(struct perf_ns_ctx *ctx, struct perf_task *t)
{
	perf_pick(ctx, t);
	if (run->p->verify)
		perf_fill_pattern(t->buf, run->p->io_size, t->lba, t->gen);
	perf_issue(ctx, t);
}

static inline bool
perf_window_closed(uint64_t now)
{
	return now >= atomic_load_explicit(&run->end_tsc, memory_order_relaxed) ||
	       atomic_load_explicit(&run->stop, memory_order_relaxed);
}

static void
perf_io_done(void *arg, const struct vdk_nvme_cpl *cpl)
{
	struct perf_task *t = arg;
	struct perf_ns_ctx *ctx = t->ctx;
	struct perf_stats *s = &ctx->stats;
	uint64_t now = vdk_rdtsc(), lat = now - t->submit_tsc;
	bool counted = now >= atomic_load_explicit(&run->start_tsc, memory_order_relaxed) &&
		       now < atomic_load_explicit(&run->end_tsc, memory_order_relaxed);

	ctx->in_flight--;
	if (vdk_unlikely(vdk_nvme_cpl_is_error(cpl))) {
		perf_stats_count_error(s, cpl->status);
		if (run->p->verify && t->phase == 1)
			s->verify_read_errors++;
		if (!run->p->continue_on_error)
			ctx->stopped = true;
	} else {
		if (run->p->verify && t->phase == 0)
			s->verify_writes++;
		if (run->p->verify && t->phase == 1) {
			s->verify_reads++;
			if (!pattern_matches(t->buf, run->p->io_size, t->lba, t->gen))
				s->verify_failures++;
		}
		if (counted) {
			atomic_store_explicit(&s->ios, atomic_load_explicit(&s->ios,
					      memory_order_relaxed) + 1, memory_order_relaxed);
			atomic_store_explicit(&s->bytes, atomic_load_explicit(&s->bytes,
					      memory_order_relaxed) + run->p->io_size,
					      memory_order_relaxed);
			s->lat_sum += lat;
			if (lat < s->lat_min)
				s->lat_min = lat;
			if (lat > s->lat_max)
				s->lat_max = lat;
			if (s->hist != NULL)
				perf_hist_add(s->hist, lat);
		}
	}
	if (ctx->failed || ctx->stopped)
		return;
	if (run->p->verify && t->phase == 0 && !vdk_nvme_cpl_is_error(cpl)) {
		/*
		 * Read back what was just written, into a cleared buffer: after
		 * the window too, so that every block written is checked.
		 */
		memset(t->buf, 0, run->p->io_size);
		t->phase = 1;
		t->is_read = true;
		perf_issue(ctx, t);
		return;
	}
	if (perf_window_closed(now))
		return;
	perf_start_io(ctx, t);
}

/* Poll every queue pair of @ctx once. Returns completions seen. */
static int
perf_poll(struct perf_ns_ctx *ctx)
{
	int total = 0;

	for (unsigned int i = 0; i < ctx->nb_qp; i++) {
		int n = vdk_nvme_qpair_process_completions(ctx->qp[i], 0);

		if (vdk_unlikely(n < 0)) {
			if (n == -ENXIO)
				perf_ctx_fail(ctx, n);
			continue;
		}
		total += n;
	}
	if (ctx->failed || ctx->stopped) {
		/*
		 * A failed controller's driver completed what was in flight; a
		 * stopped namespace lets it complete. What waited goes.
		 */
		ctx->pending_retry = 0;
		return total;
	}
	while (ctx->pending_retry > 0 && (run->p->verify || !perf_window_closed(vdk_rdtsc()))) {
		unsigned int before = ctx->pending_retry--;
		struct perf_task *t = ctx->retry[ctx->pending_retry];

		perf_issue(ctx, t);
		if (ctx->pending_retry == before)
			break;   /* still no room: try after the next poll */
	}
	return total;
}

static bool
perf_worker_busy(const struct perf_worker *w)
{
	for (const struct perf_ns_ctx *c = w->ctxs; c != NULL; c = c->next)
		if (!c->failed && (c->in_flight > 0 || c->pending_retry > 0))
			return true;
	return false;
}

/*
 * After the window: complete what is in flight. Only --verify still sends
 * what waited for room (its read-backs), so that every write is checked.
 */
static void
perf_drain(struct perf_worker *w)
{
	uint64_t drain_end = vdk_rdtsc() + PERF_DRAIN_S * run->tsc_hz;

	while (perf_worker_busy(w) && vdk_rdtsc() < drain_end) {
		for (struct perf_ns_ctx *c = w->ctxs; c != NULL; c = c->next) {
			if (!run->p->verify)
				c->pending_retry = 0;
			if (!c->failed)
				perf_poll(c);
		}
	}
}

/* Is @c finished: its controller failed, or an error stopped it and it drained? */
static inline bool
perf_ctx_done(const struct perf_ns_ctx *c)
{
	return c->failed || (c->stopped && c->in_flight == 0);
}

static bool
perf_worker_alive(const struct perf_worker *w)
{
	for (const struct perf_ns_ctx *c = w->ctxs; c != NULL; c = c->next)
		if (!perf_ctx_done(c))
			return true;
	return false;
}

static int
perf_worker_main(void *arg)
{
	struct perf_worker *w = arg;
	struct perf_ns_ctx *c;

	for (c = w->ctxs; c != NULL; c = c->next)
		for (unsigned int i = 0; i < c->nb_tasks && !c->failed; i++)
			perf_start_io(c, &c->tasks[i]);
	while (!perf_window_closed(vdk_rdtsc()) && perf_worker_alive(w)) {
		int n = 0;

		for (c = w->ctxs; c != NULL; c = c->next)
			if (!c->failed)
				n += perf_poll(c);
		if (run->p->intr && n == 0 && w->ctxs != NULL && !w->ctxs->failed &&
		    w->ctxs->next == NULL)
			(void)vdk_nvme_qpair_wait(w->ctxs->qp[0], 100);
	}
	perf_drain(w);
	return 0;
}

/* Namespaces of the run, in the order the targets name them. */
struct perf_ns_ref {
	struct vdk_nvme_ctrlr *ctrlr;
	struct vdk_nvme_ns *ns;
};

static int
perf_add_ns(struct perf_ns_ref *list, unsigned int *n, struct vdk_nvme_ctrlr *c,
	    struct vdk_nvme_ns *ns)
{
	for (unsigned int i = 0; i < *n; i++)
		if (list[i].ns == ns)
			return 0;
	if (*n == PERF_MAX_NS) {
		fprintf(stderr, "more than %u namespaces: name fewer with -r\n", PERF_MAX_NS);
		return -E2BIG;
	}
	list[(*n)++] = (struct perf_ns_ref){ c, ns };
	return 0;
}

static void
perf_list_active(FILE *f, struct vdk_nvme_ctrlr *c)
{
	uint32_t id = vdk_nvme_ctrlr_first_active_ns(c);

	if (id == 0)
		fprintf(f, "none");
	for (; id != 0; id = vdk_nvme_ctrlr_next_active_ns(c, id))
		fprintf(f, "%u%s", id, vdk_nvme_ctrlr_next_active_ns(c, id) != 0 ? ", " : "");
}

static int
perf_find_targets(const struct perf_params *p, struct perf_ns_ref *list, unsigned int *n)
{
	struct vdk_nvme_ctrlr *c;
	uint32_t id;
	int ret;

	*n = 0;
	if (p->nb_targets == 0) {
		for (c = vdk_nvme_ctrlr_next(NULL); c != NULL; c = vdk_nvme_ctrlr_next(c))
			for (id = vdk_nvme_ctrlr_first_active_ns(c); id != 0;
			     id = vdk_nvme_ctrlr_next_active_ns(c, id))
				if ((ret = perf_add_ns(list, n, c, vdk_nvme_ctrlr_get_ns(c, id))) < 0)
					return ret;
		if (*n == 0) {
			fprintf(stderr, "no NVMe controller found: bind one to vfio-pci with "
				"`vdk-setup bind BDF`, or name it with -r 'trtype:PCIe traddr:BDF'\n");
			return -ENODEV;
		}
		return 0;
	}
	for (unsigned int i = 0; i < p->nb_targets; i++) {
		const struct perf_target *t = &p->targets[i];

		ret = vdk_nvme_ctrlr_attach(t->traddr, &c);
		if (ret == -EACCES) {
			fprintf(stderr, "%s is not bound to vfio-pci: run `vdk-setup bind %s` "
				"first\n", t->traddr, t->traddr);
			return ret;
		}
		if (ret == -EPERM) {
			fprintf(stderr, "no NVMe controller found: %s cannot be attached (--no-pci, "
				"or -b)\n", t->traddr);
			return ret;
		}
		if (ret < 0) {
			fprintf(stderr, "no NVMe controller found at %s (%s)\n", t->traddr,
				strerror(-ret));
			return ret;
		}
		if (t->nsid != 0) {
			struct vdk_nvme_ns *ns = vdk_nvme_ctrlr_get_ns(c, t->nsid);

			if (ns == NULL) {
				fprintf(stderr, "namespace %u of %s does not exist or is not active "
					"(active: ", t->nsid, t->traddr);
				perf_list_active(stderr, c);
				fprintf(stderr, ")\n");
				return -ENOENT;
			}
			if ((ret = perf_add_ns(list, n, c, ns)) < 0)
				return ret;
			continue;
		}
		if (vdk_nvme_ctrlr_first_active_ns(c) == 0) {
			fprintf(stderr, "%s has no active namespace\n", t->traddr);
			return -ENOENT;
		}
		for (id = vdk_nvme_ctrlr_first_active_ns(c); id != 0;
		     id = vdk_nvme_ctrlr_next_active_ns(c, id))
			if ((ret = perf_add_ns(list, n, c, vdk_nvme_ctrlr_get_ns(c, id))) < 0)
				return ret;
	}
	return 0;
}

/* Can every namespace take this I/O size and depth? */
static int
perf_check_ns(const struct perf_params *p, const struct perf_ns_ref *ref)
{
	const char *name = vdk_nvme_ctrlr_name(ref->ctrlr);
	uint32_t id = vdk_nvme_ns_get_id(ref->ns);
	uint32_t blk = vdk_nvme_ns_get_extended_sector_size(ref->ns);
	uint32_t per_qp = (p->depth + p->qpairs - 1) / p->qpairs;
	uint32_t max = vdk_nvme_ctrlr_get_max_queue_entries(ref->ctrlr);
	uint64_t units;

	if (p->io_size % blk != 0) {
		fprintf(stderr, "-o %u is not a multiple of the block size of %s namespace %u "
			"(%u bytes)\n", p->io_size, name, id, blk);
		return -EINVAL;
	}
	if (p->io_size > vdk_nvme_ctrlr_get_max_xfer_size(ref->ctrlr) ||
	    p->io_size / blk > vdk_nvme_ns_get_max_io_sectors(ref->ns)) {
		fprintf(stderr, "-o %u exceeds the largest transfer of %s (%u bytes, MDTS)\n",
			p->io_size, name, vdk_nvme_ctrlr_get_max_xfer_size(ref->ctrlr));
		return -EINVAL;
	}
	if (per_qp + 1 > max) {
		fprintf(stderr, "-q %u puts %u I/Os on a queue pair, above what %s takes: CAP.MQES "
			"= %u allows at most %u in flight a queue pair; lower -q or raise -P\n",
			p->depth, per_qp, name, max - 1, max - 1);
		return -EINVAL;
	}
	units = vdk_nvme_ns_get_num_sectors(ref->ns) / (p->io_size / blk);
	if (units == 0 || (p->verify && units < p->depth)) {
		fprintf(stderr, "%s namespace %u is too small for %u I/Os of %u bytes\n", name, id,
			p->verify ? p->depth : 1, p->io_size);
		return -EINVAL;
	}
	return 0;
}

static int
perf_ctx_init(struct perf_ns_ctx *ctx, const struct perf_params *p, const struct perf_ns_ref *ref,
	      unsigned int lcore)
{
	struct vdk_nvme_qpair_opts o;
	uint32_t per_qp = (p->depth + p->qpairs - 1) / p->qpairs;
	uint32_t blk = vdk_nvme_ns_get_extended_sector_size(ref->ns);

	ctx->ns = ref->ns;
	ctx->ctrlr = ref->ctrlr;
	ctx->lcore = lcore;
	snprintf(ctx->name, sizeof(ctx->name), "PCIE (%s) NSID %u", vdk_nvme_ctrlr_name(ref->ctrlr),
		 vdk_nvme_ns_get_id(ref->ns));
	ctx->blocks_per_io = p->io_size / blk;
	ctx->units = vdk_nvme_ns_get_num_sectors(ref->ns) / ctx->blocks_per_io;
	ctx->rng = 0x2545f4914f6cdd1dull ^ ((uint64_t)lcore << 32) ^ vdk_nvme_ns_get_id(ref->ns);
	ctx->stats.lat_min = UINT64_MAX;
	if (p->latency > 0 || p->plot != NULL) {
		ctx->stats.hist = calloc(1, sizeof(*ctx->stats.hist));
		if (ctx->stats.hist == NULL)
			return -ENOMEM;
	}
	vdk_nvme_qpair_opts_default(&o, sizeof(o));
	/*
	 * The depth's commands in flight. The driver makes the completion
	 * queue one entry larger, so that it never fills (QEMU's model wakes
	 * its main loop on a head doorbell that un-fills one: doc/nvme.md).
	 */
	o.queue_size = per_qp + 1;
	o.interrupts = p->intr;
	for (ctx->nb_qp = 0; ctx->nb_qp < p->qpairs; ctx->nb_qp++) {
		ctx->qp[ctx->nb_qp] = vdk_nvme_ctrlr_alloc_io_qpair(ref->ctrlr, &o);
		if (ctx->qp[ctx->nb_qp] == NULL) {
			fprintf(stderr, "%s: no queue pair for lcore %u (%s)%s\n", ctx->name, lcore,
				strerror(errno), errno == ENOSPC ? ": lower -P or use fewer cores" : "");
			return -errno;
		}
	}
	ctx->tasks = calloc(p->depth, sizeof(*ctx->tasks));
	ctx->retry = calloc(p->depth, sizeof(*ctx->retry));
	if (ctx->tasks == NULL || ctx->retry == NULL)
		return -ENOMEM;
	for (ctx->nb_tasks = 0; ctx->nb_tasks < p->depth; ctx->nb_tasks++) {
		struct perf_task *t = &ctx->tasks[ctx->nb_tasks];

		t->ctx = ctx;
		t->buf = vdk_dma_zmalloc(p->io_size, 4096, NULL);
		if (t->buf == NULL) {
			fprintf(stderr, "%s: no DMA memory for %u buffers of %u bytes: reserve "
				"hugepages (`vdk-setup hugepages`) or pass -m\n", ctx->name, p->depth,
				p->io_size);
			return -ENOMEM;
		}
		memset(t->buf, 0x5a, p->io_size);
		/* --verify: each task owns its blocks, so no two writes race. */
		t->region_n = ctx->units / p->depth;
		t->region_lo = t->region_n * ctx->nb_tasks;
	}
	return 0;
}

int
perf_setup(struct perf_run *r, struct perf_params *p)
{
	struct perf_ns_ref refs[PERF_MAX_NS];
	unsigned int nb_ns, count, i;
	uint64_t mask;
	int ret;

	memset(r, 0, sizeof(*r));
	r->p = p;
	run = r;
	r->tsc_hz = vdk_get_tsc_hz();
	mask = p->core_mask_set ? p->core_mask : 1ull << vdk_get_main_lcore();
	for (i = 0; i < 64; i++) {
		if ((mask & (1ull << i)) == 0)
			continue;
		if (i >= VDK_MAX_LCORE || !vdk_lcore_is_enabled(i)) {
			fprintf(stderr, "-c 0x%" PRIx64 ": lcore %u is not enabled: list it in the "
				"EAL's -l (or leave -l out and -c picks the lcores)\n", mask, i);
			return -EINVAL;
		}
		r->workers[r->nb_workers++].lcore = i;
	}
	ret = perf_find_targets(p, refs, &nb_ns);
	if (ret < 0)
		return ret;
	for (i = 0; i < nb_ns; i++)
		if ((ret = perf_check_ns(p, &refs[i])) < 0)
			return ret;
	/* As spdk_nvme_perf: every core gets a namespace and every namespace a core. */
	count = VDK_MAX(nb_ns, r->nb_workers);
	if (p->intr && count > r->nb_workers) {
		fprintf(stderr, "--intr sleeps on one namespace a core: give as many cores (-c) "
			"as namespaces (%u)\n", nb_ns);
		return -EINVAL;
	}
	for (i = 0; i < count; i++) {
		struct perf_worker *w = &r->workers[i % r->nb_workers];
		struct perf_ns_ctx *ctx = calloc(1, sizeof(*ctx)), **pp;

		if (ctx == NULL)
			return -ENOMEM;
		r->all[r->nb_ctx++] = ctx;
		for (pp = &w->ctxs; *pp != NULL; pp = &(*pp)->next)
			;
		*pp = ctx;
		ret = perf_ctx_init(ctx, p, &refs[i % nb_ns], w->lcore);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void
perf_live_line(struct perf_run *r, uint64_t now, uint64_t *last_ios, uint64_t *last_tsc)
{
	uint64_t ios = 0, bytes = 0, start = atomic_load(&r->start_tsc);
	unsigned int failed = 0, i;
	double dt;

	for (i = 0; i < r->nb_ctx; i++) {
		ios += atomic_load_explicit(&r->all[i]->stats.ios, memory_order_relaxed);
		bytes += atomic_load_explicit(&r->all[i]->stats.bytes, memory_order_relaxed);
		failed += r->all[i]->failed;
	}
	(void)bytes;
	if (now < start) {
		printf("[%3" PRIu64 "s] warming up\n", (now + r->tsc_hz - start) / r->tsc_hz);
	} else {
		dt = (double)(now - VDK_MAX(*last_tsc, start)) / (double)r->tsc_hz;
		printf("[%3" PRIu64 "s] %.0f IOPS, %.2f MiB/s%s\n", (now - start) / r->tsc_hz,
		       dt > 0 ? (double)(ios - *last_ios) / dt : 0.0,
		       dt > 0 ? (double)(ios - *last_ios) * r->p->io_size / dt / 1048576.0 : 0.0,
		       failed > 0 ? " (a controller failed)" : "");
		*last_ios = ios;
	}
	fflush(stdout);
	*last_tsc = now;
}

/*
 * The I/Os since the last sample, for --plot's IOPS over time. A sample
 * closer than a quarter interval to the one before (the main lcore was
 * descheduled, the window ended just after one) is not taken: its IOPS
 * would be noise. The @last one, after the workers stopped, closes the
 * window: it takes what completed inside the window since the sample
 * before it (also what another lcore counted after that sample read the
 * counters), so that the samples add up to the run's total.
 */
static void
perf_sample(struct perf_run *r, uint64_t now, bool last)
{
	uint64_t ios = 0, start = atomic_load(&r->start_tsc);
	struct perf_sample *s;

	if (now <= start)
		return;
	for (unsigned int i = 0; i < r->nb_ctx; i++)
		ios += atomic_load_explicit(&r->all[i]->stats.ios, memory_order_relaxed);
	if (now > r->sample_tsc && r->nb_samples < PERF_MAX_SAMPLES &&
	    (r->nb_samples == 0 || now - r->sample_tsc >= r->sample_ticks / 4)) {
		s = &r->samples[r->nb_samples++];
		s->ios = 0;
	} else if (last && r->nb_samples > 0) {
		s = &r->samples[r->nb_samples - 1];
	} else {
		return;
	}
	r->sample_tsc = VDK_MAX(now, r->sample_tsc);
	s->t_s = (double)(r->sample_tsc - start) / (double)r->tsc_hz;
	s->ios += ios - r->sample_ios;
	r->sample_ios = ios;
}

int
perf_execute(struct perf_run *r)
{
	unsigned int main_lcore = vdk_get_main_lcore(), i;
	struct perf_worker *main_w = NULL;
	uint64_t now, next_line, next_sample, last_ios = 0, last_tsc = 0, stopped;
	bool all_failed = false, main_started = false;

	now = vdk_rdtsc();
	atomic_store(&r->start_tsc, now + (uint64_t)r->p->warmup_s * r->tsc_hz);
	atomic_store(&r->end_tsc, atomic_load(&r->start_tsc) + (uint64_t)r->p->time_s * r->tsc_hz);
	r->sample_ticks = VDK_MAX(r->tsc_hz / 1000 * PERF_SAMPLE_MS,
				  (uint64_t)r->p->time_s * r->tsc_hz / (PERF_MAX_SAMPLES - 2));
	r->sample_tsc = atomic_load(&r->start_tsc);
	r->sample_ios = 0;
	r->nb_samples = 0;
	next_sample = r->sample_tsc + r->sample_ticks;
	for (i = 0; i < r->nb_workers; i++) {
		if (r->workers[i].lcore == main_lcore) {
			main_w = &r->workers[i];
			continue;
		}
		if (vdk_eal_remote_launch(perf_worker_main, &r->workers[i], r->workers[i].lcore) < 0) {
			fprintf(stderr, "cannot start lcore %u\n", r->workers[i].lcore);
			atomic_store(&r->stop, true);
			vdk_eal_mp_wait_lcore();
			return -EBUSY;
		}
	}
	/*
	 * The main lcore: its own share of the I/O (in slices, between which
	 * it prints the live line), or just the line.
	 */
	next_line = now + r->tsc_hz;
	last_tsc = now;
	stopped = 0;
	for (;;) {
		now = vdk_rdtsc();
		if (now >= next_line) {
			perf_live_line(r, now, &last_ios, &last_tsc);
			next_line += r->tsc_hz;
		}
		if (now >= next_sample) {
			perf_sample(r, VDK_MIN(now, atomic_load(&r->end_tsc)), false);
			/* Intervals the main lcore slept through are not sampled twice. */
			while (next_sample <= now)
				next_sample += r->sample_ticks;
		}
		all_failed = true;
		for (i = 0; i < r->nb_ctx; i++)
			all_failed &= perf_ctx_done(r->all[i]);
		if (all_failed && stopped == 0) {
			stopped = now;
			atomic_store(&r->stop, true);
		}
		if (now >= atomic_load(&r->end_tsc) || all_failed)
			break;
		if (main_w != NULL && main_w->ctxs != NULL) {
			/* Run I/O until the next line is due, without a syscall. */
			struct perf_ns_ctx *c;

			uint64_t slice_end = VDK_MIN(next_line, next_sample);

			if (now < slice_end && !perf_window_closed(now)) {
				if (!main_started) {
					for (c = main_w->ctxs; c != NULL; c = c->next)
						for (unsigned int t = 0; t < c->nb_tasks && !c->failed; t++)
							perf_start_io(c, &c->tasks[t]);
					main_started = true;
				}
				while (vdk_rdtsc() < slice_end && !perf_window_closed(vdk_rdtsc()) &&
				       perf_worker_alive(main_w)) {
					int n = 0;

					for (c = main_w->ctxs; c != NULL; c = c->next)
						if (!c->failed)
							n += perf_poll(c);
					if (r->p->intr && n == 0 && main_w->ctxs->next == NULL &&
					    !main_w->ctxs->failed)
						(void)vdk_nvme_qpair_wait(main_w->ctxs->qp[0], 100);
				}
			}
		} else {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (main_w != NULL)
		perf_drain(main_w);
	vdk_eal_mp_wait_lcore();
	/* The measured window: shorter when every controller failed early. */
	now = stopped != 0 ? stopped : atomic_load(&r->end_tsc);
	now = VDK_MIN(now, atomic_load(&r->end_tsc));
	r->elapsed_s = now > atomic_load(&r->start_tsc)
			       ? (double)(now - atomic_load(&r->start_tsc)) / (double)r->tsc_hz
			       : 0.0;
	/* The last interval, cut short by the window's end. */
	perf_sample(r, now, true);
	return 0;
}

void
perf_teardown(struct perf_run *r)
{
	for (unsigned int i = 0; i < r->nb_ctx; i++) {
		struct perf_ns_ctx *ctx = r->all[i];

		for (unsigned int q = 0; q < ctx->nb_qp; q++)
			vdk_nvme_ctrlr_free_io_qpair(ctx->qp[q]);
		for (unsigned int t = 0; t < ctx->nb_tasks; t++)
			vdk_dma_free(ctx->tasks[t].buf);
		free(ctx->tasks);
		free(ctx->retry);
		free(ctx->stats.hist);
		free(ctx);
	}
	r->nb_ctx = 0;
}
